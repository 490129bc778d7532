"""Webhooks: callback URLs told when a dossier has been digitised."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Response

from api.bounds import RowId
from api.deps import ServicesDep, SessionDep, require
from api.schemas import Problem, WebhookCreated, WebhookIn, WebhookPublic, webhook_public
from models import ApiClient
from service import usecases, webhooks
from service.auth import Permission

router = APIRouter(prefix="/webhooks", tags=["webhooks"])
Subscriber = Annotated[ApiClient, Depends(require(Permission.WEBHOOKS))]


@router.post(
    "", status_code=201, response_model=WebhookCreated, responses={422: {"model": Problem}}
)
def register(body: WebhookIn, services: ServicesDep, client: Subscriber) -> WebhookCreated:
    """Each event is POSTed as JSON, signed with the secret returned here
    (X-Digitize-Signature: sha256=HMAC), and retried with backoff until taken (2xx)."""
    hook = usecases.add_webhook(services, client, body.url, body.events)
    return WebhookCreated(**webhook_public(hook).model_dump(), secret=hook.secret)


@router.get("", response_model=list[WebhookPublic])
def list_webhooks(session: SessionDep, client: Subscriber) -> list[WebhookPublic]:
    return [webhook_public(h) for h in webhooks.hooks_of(session, client)]


@router.delete("/{hook_id}", status_code=204, responses={404: {"model": Problem}})
def unregister(hook_id: RowId, services: ServicesDep, client: Subscriber) -> Response:
    usecases.remove_webhook(services, client, hook_id)
    return Response(status_code=204)
