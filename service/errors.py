"""What can go wrong in a service call, as the API reports it (status and title)."""

from __future__ import annotations

import re


class ServiceError(Exception):
    status = 400
    title = "Bad request"
    headers: dict[str, str] | None = None  # e.g. WWW-Authenticate on a 401

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


class InvalidInputError(ServiceError):
    status = 422
    title = "Invalid input"


class NotFoundError(ServiceError):
    status = 404
    title = "Not found"


class ForbiddenError(ServiceError):
    status = 403
    title = "Forbidden"


class ConflictError(ServiceError):
    status = 409
    title = "Conflict"


class PayloadTooLargeError(ServiceError):
    status = 413
    title = "Payload too large"


class UnsupportedMediaError(ServiceError):
    status = 415
    title = "Unsupported media type"


class UnavailableError(ServiceError):
    status = 503
    title = "Service unavailable"


# An absolute path of two parts or more (the store, a spool, a work folder).
_PATH = re.compile(r"(?<![\w.:/])/(?:[^\s/:'\"]+/)+[^\s/:'\"]*")


def public_reason(exc: BaseException) -> str:
    """An error's text fit to show a client: the library names the files it read, which
    here are internal paths (the store, a spool); they become "the file"."""
    return _PATH.sub("the file", str(exc))
