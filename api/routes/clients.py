"""API clients and their keys (role admin)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends

from api.bounds import RowId
from api.deps import ServicesDep, SessionDep, require
from api.schemas import ClientCreated, ClientIn, ClientPublic, Problem, client_public
from models import ApiClient
from service import usecases
from service.auth import Permission

router = APIRouter(prefix="/clients", tags=["clients"])
Admin = Annotated[ApiClient, Depends(require(Permission.MANAGE_CLIENTS))]


@router.post("", status_code=201, response_model=ClientCreated, responses={409: {"model": Problem}})
def create(body: ClientIn, services: ServicesDep, admin: Admin) -> ClientCreated:
    """A new client; its key is in this answer only."""
    client, key = usecases.add_client(services.database, body.name, body.role, actor=admin.name)
    return ClientCreated(**client_public(client).model_dump(), key=key)


@router.get("", response_model=list[ClientPublic])
def list_clients(session: SessionDep, _admin: Admin) -> list[ClientPublic]:
    return [client_public(c) for c in usecases.list_clients(session)]


@router.delete("/{client_id}", response_model=ClientPublic, responses={404: {"model": Problem}})
def revoke(client_id: RowId, services: ServicesDep, admin: Admin) -> ClientPublic:
    """Revoke the client's key: its requests are refused from now on."""
    return client_public(usecases.remove_client(services.database, client_id, actor=admin.name))
