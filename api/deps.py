"""Dependencies of the routes: the services, a database session, the calling client."""

from __future__ import annotations

import ipaddress
import threading
import time
from collections.abc import Callable, Iterator
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.orm import Session

from models import ApiClient
from service import usecases
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


class RefusalLimiter:
    """How often 401s reach the audit log: the first from a source each minute, carrying
    how many from that source went unlogged since its last logged one. A flood of bad
    keys then adds a row per source a minute, not a row per request. Sources are
    addresses (IPv6 by /64, which one machine commonly holds whole); past
    `max_sources` in one minute, new ones share one count."""

    window = 60.0
    max_sources = 1000

    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self.clock = clock
        self._lock = threading.Lock()
        self._seen: dict[str, tuple[int, int]] = {}  # source: (its window, unlogged since)

    def admit(self, source: str) -> int | None:
        """None: counted, not logged. Otherwise log it, with this many unlogged before."""
        now = int(self.clock() // self.window)
        with self._lock:
            if source not in self._seen and len(self._seen) >= self.max_sources:
                self._seen = {k: v for k, v in self._seen.items() if v[0] == now}
                if len(self._seen) >= self.max_sources:
                    source = "other sources"
            window, unlogged = self._seen.get(source, (None, 0))
            if window == now:
                self._seen[source] = (now, unlogged + 1)
                return None
            self._seen[source] = (now, 0)
            return unlogged


def _source(request: Request) -> str:
    host = request.client.host if request.client else "unknown"
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return host[:64]
    if address.version == 6 and address.ipv4_mapped is None:
        return str(ipaddress.ip_network(f"{address}/64", strict=False))
    return str(address.ipv4_mapped or address) if address.version == 6 else str(address)


def _limiter(request: Request) -> RefusalLimiter:
    state = request.app.state
    limiter = getattr(state, "refusal_limiter", None)
    if limiter is None:  # one per app; a race here costs at most one extra row
        limiter = state.refusal_limiter = RefusalLimiter()
    return limiter  # type: ignore[no-any-return]


def _refused(
    services: Services, request: Request, error: ServiceError, actor: str,
    client_id: int | None = None,
) -> ServiceError:  # fmt: skip
    """`error`, once the refusal is in the audit log (who, which route, why; never a key).
    401s, which anyone can cause, are logged at most once a minute per source."""
    where = {"method": request.method, "path": request.url.path[:200]}
    extra: dict[str, object] = {}
    if error.status == 401:
        source = _source(request)
        unlogged = _limiter(request).admit(source)
        if unlogged is None:
            return error
        extra = {"source": source, "unlogged_before": unlogged}
    usecases.note_refusal(
        services, actor, error.status, error.detail, where, client_id=client_id, extra=extra
    )
    return error


def current_principal(
    request: Request,
    services: ServicesDep,
    session: SessionDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    """An API client (by its key) or a citizen (by a token a one-stop client obtained).
    Every refusal is logged."""
    if credentials is None or credentials.scheme.lower() != "bearer":
        error = UnauthorisedError("send an API key as 'Authorization: Bearer <key>'")
        raise _refused(services, request, error, "anonymous")
    given = credentials.credentials
    if given.startswith(KEY_PREFIX):
        client = authenticate(session, given)
        if client is None:
            error = UnauthorisedError("this API key is not known or has been revoked")
            raise _refused(services, request, error, f"key {given[:12]}…")
        return client
    citizen = read_token(services.settings, given)
    if citizen is None:
        error = UnauthorisedError("this token is not valid (expired, altered, or not ours)")
        raise _refused(services, request, error, "a citizen token")
    voucher = session.get(ApiClient, citizen.client_id)
    if voucher is None or voucher.revoked_at is not None:
        error = UnauthorisedError("the client that obtained this token has been revoked")
        raise _refused(services, request, error, citizen.actor)
    return citizen


PrincipalDep = Annotated[Principal, Depends(current_principal)]


def _actor(principal: Principal) -> tuple[str, int | None]:
    if isinstance(principal, Citizen):
        return principal.actor, None
    return principal.name, principal.id


def current_client(request: Request, services: ServicesDep, principal: PrincipalDep) -> ApiClient:
    if isinstance(principal, Citizen):
        error = ForbiddenError("a citizen token reaches only the citizen's own documents")
        raise _refused(services, request, error, *_actor(principal))
    return principal


ClientDep = Annotated[ApiClient, Depends(current_client)]


def current_citizen(request: Request, services: ServicesDep, principal: PrincipalDep) -> Citizen:
    if not isinstance(principal, Citizen):
        error = ForbiddenError("this route is for citizens: use a citizen token")
        raise _refused(services, request, error, *_actor(principal))
    return principal


CitizenDep = Annotated[Citizen, Depends(current_citizen)]


def require(permission: Permission) -> Callable[[ApiClient], ApiClient]:
    """A dependency giving the client if its role may do `permission`, else 403."""

    def check(request: Request, services: ServicesDep, client: ClientDep) -> ApiClient:
        if not allowed(client.role, permission):
            action = permission.value.replace("_", " ")
            error = ForbiddenError(f"the role {client.role.value!r} may not {action}")
            raise _refused(services, request, error, *_actor(client))
        return client

    return check


def client_or_citizen(permission: Permission) -> Callable[[Principal], Principal]:
    """A client whose role may do `permission`, or a citizen (whose reach the route limits
    to their own documents)."""

    def check(request: Request, services: ServicesDep, principal: PrincipalDep) -> Principal:
        if isinstance(principal, ApiClient) and not allowed(principal.role, permission):
            action = permission.value.replace("_", " ")
            error = ForbiddenError(f"the role {principal.role.value!r} may not {action}")
            raise _refused(services, request, error, *_actor(principal))
        return principal

    return check
