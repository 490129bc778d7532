"""Who may call the API (clients, roles, hashed keys) and the webhooks they asked for."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, EnumText, Json, utcnow


class Role(StrEnum):
    ARCHIVE = "archive"  # archive staff: upload scans, review and correct
    ONESTOP = "onestop"  # one-stop software: read dossiers, import records, webhooks
    ADMIN = "admin"  # clients and keys


class DeliveryStatus(StrEnum):
    PENDING = "pending"
    DELIVERED = "delivered"
    FAILED = "failed"  # every attempt failed; see last_error


class ApiClient(Base):
    __tablename__ = "api_clients"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    role: Mapped[Role] = mapped_column(EnumText(Role))
    key_prefix: Mapped[str] = mapped_column(String(16))  # shown in lists, to tell keys apart
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)  # SHA-256 of the key
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    revoked_at: Mapped[datetime | None]


class Webhook(Base):
    """A client's callback URL, told when a dossier has been digitised."""

    __tablename__ = "webhooks"

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("api_clients.id"), index=True)
    url: Mapped[str] = mapped_column(String(2000))
    secret: Mapped[str] = mapped_column(String(100))  # signs each delivery (HMAC-SHA256)
    events: Mapped[list[str]] = mapped_column(Json)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    client: Mapped[ApiClient] = relationship()


class WebhookDelivery(Base):
    """One notification to one webhook, with its attempts."""

    __tablename__ = "webhook_deliveries"
    # One delivery per webhook and event occurrence, however often the job that raised it runs.
    __table_args__ = (UniqueConstraint("webhook_id", "event_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    webhook_id: Mapped[int] = mapped_column(ForeignKey("webhooks.id"))
    event: Mapped[str] = mapped_column(String(64))
    event_key: Mapped[str] = mapped_column(String(200))
    payload: Mapped[dict[str, Any]] = mapped_column(Json)
    status: Mapped[DeliveryStatus] = mapped_column(
        EnumText(DeliveryStatus), default=DeliveryStatus.PENDING
    )
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    delivered_at: Mapped[datetime | None]

    webhook: Mapped[Webhook] = relationship()
