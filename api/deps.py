"""Dependencies of the routes: the services, a database session, the calling client."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.orm import Session

from models import ApiClient
from service.auth import Permission, allowed, authenticate
from service.context import Services
from service.errors import ForbiddenError, ServiceError

_bearer = HTTPBearer(auto_error=False, description="an API key: `Authorization: Bearer dgz_…`")


class UnauthorisedError(ServiceError):
    status = 401
    title = "Unauthorized"
    headers = {"WWW-Authenticate": "Bearer"}  # noqa: RUF012 - read only


def get_services(request: Request) -> Services:
    return request.app.state.services  # type: ignore[no-any-return]


ServicesDep = Annotated[Services, Depends(get_services)]


def get_session(services: ServicesDep) -> Iterator[Session]:
    with services.sessions() as session:
        yield session


SessionDep = Annotated[Session, Depends(get_session)]


def current_client(
    session: SessionDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> ApiClient:
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise UnauthorisedError("send an API key as 'Authorization: Bearer <key>'")
    client = authenticate(session, credentials.credentials)
    if client is None:
        raise UnauthorisedError("this API key is not known or has been revoked")
    return client


ClientDep = Annotated[ApiClient, Depends(current_client)]


def require(permission: Permission) -> Callable[[ApiClient], ApiClient]:
    """A dependency giving the client if its role may do `permission`, else 403."""

    def check(client: ClientDep) -> ApiClient:
        if not allowed(client.role, permission):
            raise ForbiddenError(
                f"the role {client.role!r} may not {permission.value.replace('_', ' ')}"
            )
        return client

    return check
