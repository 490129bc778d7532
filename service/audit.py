"""Writing the audit log: every change to a record says who made it, and when."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import AuditEntry

WORKER = "worker"  # the actor of what workers do on their own


def record(
    session: Session,
    actor: str,
    action: str,
    target_type: str,
    target_id: object,
    detail: dict[str, Any] | None = None,
    *,
    client_id: int | None = None,
) -> None:
    """Append an entry; it is written with the caller's transaction, or not at all."""
    session.add(
        AuditEntry(
            actor=actor,
            client_id=client_id,
            action=action,
            target_type=target_type,
            target_id=str(target_id),
            detail=detail or {},
        )
    )


def entries_for(session: Session, target_type: str, target_id: object) -> list[AuditEntry]:
    return list(
        session.scalars(
            select(AuditEntry)
            .where(AuditEntry.target_type == target_type, AuditEntry.target_id == str(target_id))
            .order_by(AuditEntry.id)
        )
    )
