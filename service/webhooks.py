"""Webhooks: a client registers a callback URL and is told when a dossier is digitised.

Each notification is a delivery row made in the same transaction as the event, so an
event is never lost and never sent twice for the same occurrence; the queue sends it
and retries with backoff. The receiver can check each body against its secret:

    X-Digitize-Signature: sha256=<hex HMAC-SHA256 of the raw body with the secret>
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from typing import Any
from urllib.parse import urlsplit

import httpx
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from digitize import __version__
from models import ApiClient, DeliveryStatus, Webhook, WebhookDelivery
from models.base import utcnow
from service.audit import record
from service.errors import InvalidInputError, NotFoundError

DOSSIER_DIGITISED = "dossier.digitised"
EVENTS = (DOSSIER_DIGITISED,)


class DeliveryFailedError(Exception):
    """The receiver did not take the delivery; the queue tries again later."""


def sign(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def register(
    session: Session, client: ApiClient, url: str, events: list[str] | None = None
) -> Webhook:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InvalidInputError(f"{url!r} is not an http(s) URL")
    events = events or list(EVENTS)
    unknown = sorted(set(events) - set(EVENTS))
    if unknown:
        raise InvalidInputError(
            f"unknown event(s) {', '.join(unknown)}; known: {', '.join(EVENTS)}"
        )
    hook = Webhook(client_id=client.id, url=url, secret=secrets.token_hex(32), events=events)
    session.add(hook)
    session.flush()
    detail = {"url": url, "events": events}
    record(
        session, client.name, "webhook.register", "webhook", hook.id, detail, client_id=client.id
    )
    return hook


def hooks_of(session: Session, client: ApiClient) -> list[Webhook]:
    return list(
        session.scalars(
            select(Webhook)
            .where(Webhook.client_id == client.id, Webhook.active)
            .order_by(Webhook.id)
        )
    )


def unregister(session: Session, client: ApiClient, hook_id: int) -> None:
    hook = session.get(Webhook, hook_id)
    if hook is None or hook.client_id != client.id or not hook.active:
        raise NotFoundError(f"no webhook {hook_id}")
    hook.active = False
    detail = {"url": hook.url}
    record(
        session, client.name, "webhook.unregister", "webhook", hook.id, detail, client_id=client.id
    )


def raise_event(session: Session, event: str, keyed: tuple[str, dict[str, Any]]) -> list[int]:
    """A delivery for each webhook listening to `event`; ids of those new to this key."""
    key, payload = keyed
    made = []
    for hook in session.scalars(select(Webhook).where(Webhook.active)):
        if event not in hook.events:
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


def deliver(session: Session, delivery_id: int, *, timeout: float) -> str | None:
    """Send one delivery, and record the attempt. None once delivered (or gone), else
    why not: the caller commits, then raises DeliveryFailedError for the queue to retry."""
    delivery = session.get(WebhookDelivery, delivery_id)
    if delivery is None or delivery.status != DeliveryStatus.PENDING:
        return None
    hook = delivery.webhook
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
        response = httpx.post(hook.url, content=data, headers=headers, timeout=timeout)
    except httpx.HTTPError as exc:
        delivery.last_error = f"{type(exc).__name__}: {exc}"
    else:
        if 200 <= response.status_code < 300:
            delivery.status = DeliveryStatus.DELIVERED
            delivery.delivered_at = utcnow()
            delivery.last_error = None
            return None
        delivery.last_error = f"HTTP {response.status_code}"
    return f"webhook {hook.id} ({hook.url}): {delivery.last_error}"


def give_up(session: Session, delivery_id: int, reason: str) -> None:
    delivery = session.get(WebhookDelivery, delivery_id)
    if delivery is not None and delivery.status == DeliveryStatus.PENDING:
        delivery.status = DeliveryStatus.FAILED
        delivery.last_error = reason
