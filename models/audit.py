"""The audit log: who did what to which record. Append-only: the database itself
refuses to change or delete an entry (triggers made by the first migration), and each
entry is chained to the one before by a hash, so a change made past the triggers
shows (`digitize audit verify`)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, Json, utcnow


class AuditEntry(Base):
    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_log_target", "target_type", "target_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    actor: Mapped[str] = mapped_column(String(200))  # a client's name, "worker", a citizen...
    client_id: Mapped[int | None] = mapped_column(ForeignKey("api_clients.id"))
    action: Mapped[str] = mapped_column(String(64))  # e.g. batch.upload, field.correct
    target_type: Mapped[str] = mapped_column(String(32))
    target_id: Mapped[str] = mapped_column(String(100))
    detail: Mapped[dict[str, Any]] = mapped_column(Json, default=dict)
    # The hash chain (issue 18): the previous entry's row_hash, and this entry's own,
    # over its content and prev_hash (service/audit.py, `entry_hash`).
    prev_hash: Mapped[str | None] = mapped_column(String(64))
    row_hash: Mapped[str | None] = mapped_column(String(64))
