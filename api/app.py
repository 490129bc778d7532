"""The HTTP API for one-stop software and archive staff, under /api/v1.

Routes are thin: they parse, call a service function, and return a schema. Every
request but the health check carries `Authorization: Bearer <key>`.
"""

from __future__ import annotations

from fastapi import APIRouter, FastAPI
from fastapi.responses import JSONResponse
from rq import Worker
from sqlalchemy import text

from api import problems
from api.deps import ServicesDep
from api.routes import (
    batches,
    citizens,
    clients,
    copies,
    documents,
    dossiers,
    feed,
    search,
    webhooks,
)
from config import Settings
from digitize import __version__
from service.context import Services
from web import mount as mount_web
from workers.queue import work_queue
from workers.redis_server import instance_key

PREFIX = "/api/v1"

DESCRIPTION = """\
Digitised dossiers of Vietnamese administrative procedures.

- **archive** clients upload scans (`POST /batches`) and follow them, review and correct.
- **onestop** clients read dossiers by code (`GET /dossiers/{code}`), send records
  (`PUT /dossiers/{code}`), and register webhooks told when a dossier is digitised.
- **admin** clients manage clients and keys.

Errors are `application/problem+json`. Keys: `digitize apikey create --name N --role R`.
"""


def create_app(services: Services | None = None, settings: Settings | None = None) -> FastAPI:
    """The application over `services` (built from the settings, migrated, if not given)."""
    app = FastAPI(
        title="digitize",
        version=__version__,
        description=DESCRIPTION,
        openapi_url=f"{PREFIX}/openapi.json",
        docs_url=f"{PREFIX}/docs",
        redoc_url=None,
    )
    app.state.services = services or Services.from_settings(settings or Settings())
    problems.install(app)
    api = APIRouter(prefix=PREFIX)
    for module in (batches, dossiers, documents, citizens, clients, webhooks, search, copies, feed):
        api.include_router(module.router, responses=problems.AUTH_RESPONSES)
    api.add_api_route("/health", health, methods=["GET"], tags=["service"])
    app.include_router(api)
    mount_web(app)  # the staff pages under /app (issue 15)
    problems.document(app)
    return app


def health(services: ServicesDep) -> JSONResponse:
    """Whether the database, the work queue and the file store answer, and how many
    workers live (no key needed). 503 when one is away or no worker lives: uploads
    would wait. The body says which part is down."""
    checks: dict[str, str] = {}
    try:
        with services.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        checks["database"] = "ok"
    except Exception as exc:
        checks["database"] = f"unavailable: {type(exc).__name__}"
    workers = 0
    try:
        queue = work_queue(services.settings)
        queue.connection.ping()
        checks["queue"] = "ok"
        if services.settings.instance_id:  # under `up`: is this Redis's queue ours?
            holder = queue.connection.get(instance_key(queue.name))
            if holder is not None and holder.decode() != services.settings.instance_id:
                checks["queue"] = "unavailable: this queue belongs to another instance"
        # Registered workers whose keys have not expired: a killed one drops out after
        # its worker_ttl (DIGITIZE_WORKER_MAINTENANCE + 15 s).
        workers = len(Worker.all(queue=queue))
        checks["workers"] = "ok" if workers else "unavailable: no worker is running"
    except Exception as exc:
        checks["queue"] = f"unavailable: {type(exc).__name__}"
        checks["workers"] = "unknown"
    try:
        services.store.ping()
        checks["store"] = "ok"
    except Exception as exc:
        checks["store"] = f"unavailable: {type(exc).__name__}"
    healthy = all(value == "ok" for value in checks.values())
    return JSONResponse(
        {"status": "ok" if healthy else "degraded", **checks, "live_workers": workers},
        200 if healthy else 503,
    )
