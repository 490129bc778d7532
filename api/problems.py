"""Every error as application/problem+json (RFC 9457): status, title, a clear detail."""

from __future__ import annotations

import logging
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from service.errors import ServiceError
from storage import CorruptObjectError, StorageUnavailableError

log = logging.getLogger(__name__)

PROBLEM = "application/problem+json"
STORE_RETRY_AFTER = 30  # seconds: a store restarting, a network path coming back


def problem(
    status: int, detail: str, *, title: str | None = None, headers: dict[str, str] | None = None
) -> JSONResponse:
    return JSONResponse(
        {
            "type": "about:blank",
            "title": title or HTTPStatus(status).phrase,
            "status": status,
            "detail": detail,
        },
        status_code=status,
        media_type=PROBLEM,
        headers=headers,
    )


_PROBLEM_REF = "#/components/schemas/Problem"
# Every route behind a key may answer these (issue 18: the schema said nothing of them).
AUTH_RESPONSES: dict[int | str, dict[str, Any]] = {
    401: {"description": "no key, or a key or token that is not valid"},
    403: {"description": "the key's role (or a citizen token) may not do this"},
}


def document(app: FastAPI) -> None:
    """Errors in the OpenAPI schema as what they are: application/problem+json bodies."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is not None:
            return app.openapi_schema
        schema = build()
        for path in schema.get("paths", {}).values():
            for operation in path.values():
                for status, response in operation.get("responses", {}).items():
                    if not str(status).startswith(("4", "5")):
                        continue
                    content = response.setdefault("content", {})
                    content.pop("application/json", None)
                    content[PROBLEM] = {"schema": {"$ref": _PROBLEM_REF}}
        app.openapi_schema = schema
        return schema

    app.openapi = openapi  # type: ignore[method-assign]


def install(app: FastAPI) -> None:
    @app.exception_handler(ServiceError)
    async def _service(_request: Request, exc: ServiceError) -> JSONResponse:
        return problem(exc.status, exc.detail, title=exc.title, headers=exc.headers)

    @app.exception_handler(HTTPException)
    async def _http(_request: Request, exc: HTTPException) -> JSONResponse:
        detail = exc.detail if isinstance(exc.detail, str) else HTTPStatus(exc.status_code).phrase
        return problem(exc.status_code, detail, headers=getattr(exc, "headers", None))

    @app.exception_handler(RequestValidationError)
    async def _validation(_request: Request, exc: RequestValidationError) -> JSONResponse:
        parts = []
        for error in exc.errors():
            where = ".".join(str(p) for p in error.get("loc", ()) if p != "body")
            parts.append(f"{where}: {error.get('msg')}" if where else str(error.get("msg")))
        return problem(422, "; ".join(parts) or "invalid request", title="Invalid input")

    @app.exception_handler(StorageUnavailableError)
    async def _store_away(_request: Request, exc: StorageUnavailableError) -> JSONResponse:
        # The store is away, not the request wrong: say so, and when to try again.
        log.warning("file store unavailable: %s", exc)
        return problem(
            503,
            "the file store is not answering; try again shortly",
            headers={"Retry-After": str(STORE_RETRY_AFTER)},
        )

    @app.exception_handler(CorruptObjectError)
    async def _store_corrupt(_request: Request, exc: CorruptObjectError) -> JSONResponse:
        # A stored file no longer matches its checksum: never served, and said as such
        # (the key names no path; the log keeps it for the administrator).
        log.error("stored file fails its checksum: %s", exc)
        return problem(
            500,
            "a stored file no longer matches its checksum; the administrator is told",
            title="Stored file damaged",
        )

    @app.exception_handler(Exception)
    async def _unexpected(_request: Request, exc: Exception) -> JSONResponse:
        log.exception("unexpected failure", exc_info=exc)
        return problem(500, f"internal error ({type(exc).__name__})")
