"""Writing the audit log: every change to a record says who made it, and when; so do
refusals and reads of citizens' documents.

The entries form a hash chain: each carries the row_hash of the entry before it
(prev_hash) and its own, SHA-256 over its content and prev_hash. Entries are appended
one writer at a time (SQLite's write lock; on PostgreSQL a transaction-scoped advisory
lock), so the chain never forks. `verify_chain` walks it and names the first entry
whose hash does not match: an entry altered, removed or slipped in.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from models import AuditEntry
from models.base import utcnow

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
    entry = AuditEntry(
        at=utcnow(),
        actor=actor,
        client_id=client_id,
        action=action,
        target_type=target_type,
        target_id=str(target_id),
        detail=detail or {},
    )
    entry.prev_hash = _last_hash(session)
    entry.row_hash = entry_hash(entry)
    session.add(entry)
    session.flush()  # the next entry chains to this one


_CHAIN_LOCK = 0x6175646974  # "audit": one appender at a time on PostgreSQL


def _last_hash(session: Session) -> str | None:
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _CHAIN_LOCK})
    return session.scalar(
        select(AuditEntry.row_hash)
        .where(AuditEntry.row_hash.is_not(None))
        .order_by(AuditEntry.id.desc())
        .limit(1)
    )


def _moment(at: datetime) -> str:
    if at.tzinfo is None:  # read back from a backend that kept no zone: it was UTC
        at = at.replace(tzinfo=UTC)
    return at.astimezone(UTC).isoformat(timespec="microseconds")


def entry_hash(entry: AuditEntry) -> str:
    """SHA-256 over the entry's content and the hash of the one before it."""
    content = json.dumps(
        [
            entry.prev_hash or "",
            _moment(entry.at),
            entry.actor,
            entry.client_id,
            entry.action,
            entry.target_type,
            entry.target_id,
            entry.detail or {},
        ],
        sort_keys=True,
        ensure_ascii=False,
        separators=(",", ":"),
    )
    return hashlib.sha256(content.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class ChainReport:
    checked: int  # entries in the chain
    unchained: int  # entries from before the chain (no hashes)
    broken_at: int | None = None  # id of the first entry that does not match
    reason: str | None = None

    @property
    def intact(self) -> bool:
        return self.broken_at is None


def verify_chain(session: Session, batch: int = 1000) -> ChainReport:
    """Walk the chain in id order; the first entry whose hashes do not hold, if any."""
    previous: str | None = None
    started = False
    checked = unchained = 0
    last_id = 0
    while True:
        rows = list(
            session.scalars(
                select(AuditEntry)
                .where(AuditEntry.id > last_id)
                .order_by(AuditEntry.id)
                .limit(batch)
            )
        )
        if not rows:
            return ChainReport(checked, unchained)
        for entry in rows:
            last_id = entry.id
            if entry.row_hash is None and not started:
                unchained += 1
                continue
            if entry.row_hash is None:
                return ChainReport(checked, unchained, entry.id, "an entry without a hash")
            if started and not hmac.compare_digest(entry.prev_hash or "", previous or ""):
                return ChainReport(
                    checked, unchained, entry.id, "it does not follow the entry before it"
                )
            if not hmac.compare_digest(entry_hash(entry), entry.row_hash):
                return ChainReport(checked, unchained, entry.id, "its content was changed")
            started = True
            previous = entry.row_hash
            checked += 1
        session.expunge_all()


def entries_for(session: Session, target_type: str, target_id: object) -> list[AuditEntry]:
    return list(
        session.scalars(
            select(AuditEntry)
            .where(AuditEntry.target_type == target_type, AuditEntry.target_id == str(target_id))
            .order_by(AuditEntry.id)
        )
    )
