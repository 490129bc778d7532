"""What can go wrong in a service call, as the API reports it (status and title)."""

from __future__ import annotations


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
