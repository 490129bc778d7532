"""The change feed: dossiers changed since a point, oldest change first, so one-stop
software that missed webhooks (downtime, a lost delivery) catches up page by page
without missing or repeating a change.

Every dossier and document row carries the position of its last change,
(change_tx, change_seq), which the database's triggers set on every write (migration
0005): a change of a document or its fields moves the document and every dossier it is
in. A dossier is listed once, at its last change, with its current state; changed
again later, it comes again at the new position.

Positions are handed out in the order transactions commit:
- PostgreSQL numbers rows as they are written, but transactions commit in any order. A
  reader therefore stops below the oldest transaction still running (the snapshot's
  xmin): every transaction older than that has finished, and every later one has a
  higher id, so nothing can ever appear behind a position already handed out. A long
  transaction delays the feed; it never makes a client miss a change.
- SQLite has one writer at a time, which numbers its rows while holding the write
  lock: its order is the commit order.

The cursor is opaque to clients: the position of the last item of a page.
"""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass

from sqlalchemy import select, text, tuple_
from sqlalchemy.orm import Session

from models import Document, Dossier, DossierDocument
from service.errors import InvalidInputError

MAX_LIMIT = 1000
_CURSOR = re.compile(r"v1\.(\d{1,19})\.(\d{1,19})")
_BIGINT_MAX = 2**63 - 1  # the positions' columns: a larger number is no cursor we gave
_NO_HORIZON = 2**63 - 1  # SQLite: every committed row may be listed


@dataclass(frozen=True, slots=True, order=True)
class Position:
    tx: int
    seq: int


START = Position(0, 0)


def encode_cursor(position: Position) -> str:
    return base64.urlsafe_b64encode(f"v1.{position.tx}.{position.seq}".encode()).decode()


def decode_cursor(cursor: str) -> Position:
    """The position a cursor from an earlier page stands for; a clear error otherwise."""
    try:
        raw = base64.b64decode(cursor.encode("ascii"), altchars=b"-_", validate=True)
        raw = raw.decode("ascii")
    except (binascii.Error, UnicodeError, ValueError):
        raw = ""
    match = _CURSOR.fullmatch(raw)
    if match is None or max(int(match[1]), int(match[2])) > _BIGINT_MAX:
        raise InvalidInputError(
            "changed_since phải là con trỏ (next) của một trang trước đó của nguồn thay đổi"
        )
    return Position(int(match[1]), int(match[2]))


@dataclass(frozen=True, slots=True)
class ChangedDocument:
    id: int
    doc_type: str
    changed: bool  # changed after the cursor the page was asked from


@dataclass(frozen=True, slots=True)
class ChangedDossier:
    dossier: Dossier
    documents: list[ChangedDocument]


@dataclass(frozen=True, slots=True)
class FeedPage:
    items: list[ChangedDossier]
    next: Position  # where the next page starts: the last item's position, or the cursor's
    more: bool  # more changes are listable now


def horizon(session: Session) -> int:
    """Rows of transactions with ids below this have all committed or rolled back."""
    if session.get_bind().dialect.name != "postgresql":
        return _NO_HORIZON
    return int(session.scalar(text("SELECT pg_snapshot_xmin(pg_current_snapshot())::text::bigint")))


def changed_dossiers(
    session: Session,
    since: Position = START,
    *,
    receiving_unit: str | None = None,
    status: str | None = None,
    limit: int = 100,
) -> FeedPage:
    """Dossiers changed after `since` (with the unit and status they have now), oldest
    change first, at most `limit`."""
    if not 1 <= limit <= MAX_LIMIT:
        raise InvalidInputError(f"limit phải từ 1 đến {MAX_LIMIT}")
    below = horizon(session)  # before the rows are read: an older horizon only holds back
    query = (
        select(Dossier)
        .where(tuple_(Dossier.change_tx, Dossier.change_seq) > tuple_(since.tx, since.seq))
        .where(Dossier.change_tx < below)
        .order_by(Dossier.change_tx, Dossier.change_seq)
        .limit(limit + 1)
    )
    if receiving_unit is not None:
        query = query.where(Dossier.receiving_unit == receiving_unit)
    if status is not None:
        query = query.where(Dossier.status == status)
    rows = list(session.scalars(query))
    more = len(rows) > limit
    rows = rows[:limit]
    documents = _documents_of(session, [row.id for row in rows], since)
    items = [ChangedDossier(row, documents.get(row.id, [])) for row in rows]
    last = Position(rows[-1].change_tx, rows[-1].change_seq) if rows else since
    return FeedPage(items, last, more)


def _documents_of(
    session: Session, dossier_ids: list[int], since: Position
) -> dict[int, list[ChangedDocument]]:
    found: dict[int, list[ChangedDocument]] = {}
    if not dossier_ids:
        return found
    rows = session.execute(
        select(
            DossierDocument.dossier_id,
            Document.id,
            Document.doc_type,
            Document.change_tx,
            Document.change_seq,
        )
        .join(Document, Document.id == DossierDocument.document_id)
        .where(DossierDocument.dossier_id.in_(dossier_ids))
        .order_by(DossierDocument.dossier_id, DossierDocument.position)
    )
    for dossier_id, document_id, doc_type, tx, seq in rows:
        changed = Position(tx, seq) > since
        found.setdefault(dossier_id, []).append(ChangedDocument(document_id, doc_type, changed))
    return found
