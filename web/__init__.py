"""The staff web application: server-rendered pages (Jinja2) with small hand-written
scripts, served by the API's own FastAPI app under /app (one origin, nothing fetched
from elsewhere). Pages call the same use cases as the API routes."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from service.destinations import parse_networks
from web.pages import STATIC, install_errors, router


def mount(app: FastAPI) -> None:
    services = getattr(app.state, "services", None)
    if services is not None:  # a wrong DIGITIZE_TRUSTED_PROXIES stops the start, clearly
        parse_networks(services.settings.trusted_proxies)
    app.include_router(router)
    app.mount("/app/static", StaticFiles(directory=STATIC), name="web-static")
    install_errors(app)
