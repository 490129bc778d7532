"""Dependencies of the routes: the services, a database session, the calling client."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.orm import Session

from models import ApiClient
from service.auth import KEY_PREFIX, Permission, allowed, authenticate
from service.citizens import Citizen, read_token
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


Principal = ApiClient | Citizen


def current_principal(
    services: ServicesDep,
    session: SessionDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    """An API client (by its key) or a citizen (by a token a one-stop client obtained)."""
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise UnauthorisedError("send an API key as 'Authorization: Bearer <key>'")
    given = credentials.credentials
    if given.startswith(KEY_PREFIX):
        client = authenticate(session, given)
        if client is None:
            raise UnauthorisedError("this API key is not known or has been revoked")
        return client
    citizen = read_token(services.settings, given)
    if citizen is None:
        raise UnauthorisedError("this token is not valid (expired, altered, or not ours)")
    voucher = session.get(ApiClient, citizen.client_id)
    if voucher is None or voucher.revoked_at is not None:
        raise UnauthorisedError("the client that obtained this token has been revoked")
    return citizen


PrincipalDep = Annotated[Principal, Depends(current_principal)]


def current_client(principal: PrincipalDep) -> ApiClient:
    if isinstance(principal, Citizen):
        raise ForbiddenError("a citizen token reaches only the citizen's own documents")
    return principal


ClientDep = Annotated[ApiClient, Depends(current_client)]


def current_citizen(principal: PrincipalDep) -> Citizen:
    if not isinstance(principal, Citizen):
        raise ForbiddenError("this route is for citizens: use a citizen token")
    return principal


CitizenDep = Annotated[Citizen, Depends(current_citizen)]


def require(permission: Permission) -> Callable[[ApiClient], ApiClient]:
    """A dependency giving the client if its role may do `permission`, else 403."""

    def check(client: ClientDep) -> ApiClient:
        if not allowed(client.role, permission):
            action = permission.value.replace("_", " ")
            raise ForbiddenError(f"the role {client.role!r} may not {action}")
        return client

    return check


def client_or_citizen(permission: Permission) -> Callable[[Principal], Principal]:
    """A client whose role may do `permission`, or a citizen (whose reach the route limits
    to their own documents)."""

    def check(principal: PrincipalDep) -> Principal:
        if isinstance(principal, ApiClient) and not allowed(principal.role, permission):
            action = permission.value.replace("_", " ")
            raise ForbiddenError(f"the role {principal.role!r} may not {action}")
        return principal

    return check
