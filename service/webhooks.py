"""Webhooks: a client registers a callback URL and is told when a dossier is digitised.

Each notification is a delivery row made in the same transaction as the event, so an
event is never lost and never sent twice for the same occurrence; the queue sends it
and retries with backoff. The receiver can check each body against its secret:

    X-Digitize-Signature: sha256=<hex HMAC-SHA256 of the raw body with the secret>

Who is told: a client is told of the dossiers it sent a record for (PUT /dossiers/{code}:
the one-stop system that received the dossier), not of every dossier. Revocation is
checked at each attempt: a delivery to a removed webhook, or to a client revoked or no
longer allowed webhooks, is given up instead of sent. The destination is checked at
registration and again at each attempt (`service.destinations`).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from typing import Any

import httpx
from sqlalchemy import exists, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from digitize import __version__
from models import ApiClient, AuditEntry, DeliveryStatus, Webhook, WebhookDelivery
from models.base import utcnow
from service.audit import record
from service.auth import Permission, allowed
from service.destinations import (
    Network,
    RefusedDestinationError,
    check_url,
    pinned_transport,
    redacted,
    scrubbed,
)
from service.errors import InvalidInputError, NotFoundError

DOSSIER_DIGITISED = "dossier.digitised"
EVENTS = (DOSSIER_DIGITISED,)


class DeliveryFailedError(Exception):
    """The receiver did not take the delivery; the queue tries again later."""


def sign(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def register(
    session: Session,
    client: ApiClient,
    url: str,
    events: list[str] | None = None,
    *,
    networks: list[Network],
    actor: str | None = None,
) -> Webhook:
    """`actor`: who registers it for the client (an administrator), else the client."""
    check_url(url, networks)
    events = events or list(EVENTS)
    unknown = sorted(set(events) - set(EVENTS))
    if unknown:
        raise InvalidInputError(
            f"unknown event(s) {', '.join(unknown)}; known: {', '.join(EVENTS)}"
        )
    hook = Webhook(client_id=client.id, url=url, secret=secrets.token_hex(32), events=events)
    session.add(hook)
    session.flush()
    detail = {"url": redacted(url), "events": events}
    record(
        session, actor or client.name, "webhook.register", "webhook", hook.id, detail,
        client_id=client.id,
    )  # fmt: skip
    return hook


def hooks_of(session: Session, client: ApiClient) -> list[Webhook]:
    return list(
        session.scalars(
            select(Webhook)
            .where(Webhook.client_id == client.id, Webhook.active)
            .order_by(Webhook.id)
        )
    )


def unregister(
    session: Session, client: ApiClient, hook_id: int, *, actor: str | None = None
) -> None:
    hook = session.get(Webhook, hook_id)
    if hook is None or hook.client_id != client.id or not hook.active:
        raise NotFoundError(f"no webhook {hook_id}")
    hook.active = False
    detail = {"url": redacted(hook.url)}
    record(
        session, actor or client.name, "webhook.unregister", "webhook", hook.id, detail,
        client_id=client.id,
    )  # fmt: skip


def _sent_record(client_id: int, dossier_code: str) -> Any:
    """Whether the client sent a record for the dossier (its audit entries say so)."""
    return exists().where(
        AuditEntry.client_id == client_id,
        AuditEntry.target_type == "dossier",
        AuditEntry.target_id == dossier_code,
        AuditEntry.action.in_(("dossier.create", "dossier.update")),
    )


def _may_hear(session: Session, hook: Webhook, dossier_code: str | None) -> bool:
    client = hook.client
    if not hook.active or client.revoked_at is not None:
        return False
    if not allowed(client.role, Permission.WEBHOOKS):
        return False
    if dossier_code is None:
        return False
    return bool(session.scalar(select(_sent_record(client.id, dossier_code))))


def raise_event(session: Session, event: str, keyed: tuple[str, dict[str, Any]]) -> list[int]:
    """A delivery for each webhook listening to `event` whose client may hear of the
    dossier; ids of those new to this key."""
    key, payload = keyed
    code = payload.get("dossier_code")
    made = []
    for hook in session.scalars(select(Webhook).where(Webhook.active).order_by(Webhook.id)):
        if event not in hook.events or not _may_hear(session, hook, code):
            continue
        delivery = WebhookDelivery(webhook_id=hook.id, event=event, event_key=key, payload=payload)
        try:
            with session.begin_nested():
                session.add(delivery)
                session.flush()
        except IntegrityError:
            continue  # raised before by an earlier run of the same step
        made.append(delivery.id)
    return made


def deliver(
    session: Session, delivery_id: int, *, timeout: float, networks: list[Network]
) -> str | None:
    """Send one delivery, and record the attempt. None once delivered (or gone, or
    given up), else why not: the caller commits, then raises DeliveryFailedError for the
    queue to retry."""
    delivery = session.get(WebhookDelivery, delivery_id)
    if delivery is None or delivery.status != DeliveryStatus.PENDING:
        return None
    hook = delivery.webhook
    code = delivery.payload.get("dossier_code")
    if not _may_hear(session, hook, code):  # revoked since it was queued
        delivery.status = DeliveryStatus.FAILED
        delivery.last_error = "not sent: the webhook or its client was removed"
        return None
    try:
        # What the name resolves to now, not at registration; sent there and nowhere else.
        destination = check_url(hook.url, networks)
    except RefusedDestinationError as exc:
        delivery.status = DeliveryStatus.FAILED
        delivery.last_error = f"not sent: {exc.detail}"
        return None
    body = json.dumps({**delivery.payload, "delivery_id": delivery.id}, ensure_ascii=False)
    data = body.encode("utf-8")
    headers = {
        "Content-Type": "application/json",
        "User-Agent": f"digitize/{__version__}",
        "X-Digitize-Event": delivery.event,
        "X-Digitize-Delivery": str(delivery.id),
        "X-Digitize-Signature": sign(hook.secret, data),
    }
    delivery.attempts += 1
    try:
        with httpx.Client(
            transport=pinned_transport(destination),
            timeout=timeout,
            trust_env=False,
            follow_redirects=False,
        ) as http:
            response = http.post(hook.url, content=data, headers=headers)
    except httpx.HTTPError as exc:  # its text may carry the URL: never its credentials
        delivery.last_error = scrubbed(f"{type(exc).__name__}: {exc}")
    else:
        if 200 <= response.status_code < 300:
            delivery.status = DeliveryStatus.DELIVERED
            delivery.delivered_at = utcnow()
            delivery.last_error = None
            return None
        delivery.last_error = f"HTTP {response.status_code}"
    return f"webhook {hook.id} ({redacted(hook.url)}): {delivery.last_error}"


def give_up(session: Session, delivery_id: int, reason: str) -> None:
    delivery = session.get(WebhookDelivery, delivery_id)
    if delivery is not None and delivery.status == DeliveryStatus.PENDING:
        delivery.status = DeliveryStatus.FAILED
        delivery.last_error = reason
