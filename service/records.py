"""One-stop dossier records: stored, updated from the one-stop system, made from scans.

The library links a split dossier to its record through a `RecordBook`; here that
book is the dossiers table, within the caller's transaction.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from digitize.understand.checks import check_dossier_code, check_id_number
from digitize.understand.link import DossierRecord
from models import Database, Dossier
from service.search import refresh_facets


def to_record(row: Dossier) -> DossierRecord:
    return DossierRecord(
        code=row.code,
        procedure=row.procedure,
        procedure_code=row.procedure_code,
        applicant_name=row.applicant_name,
        applicant_id_number=row.applicant_id_number,
        receiving_unit=row.receiving_unit,
        received_date=row.received_date,
        status=row.status,
        origin=row.origin,
    )


def apply_record(row: Dossier, record: DossierRecord) -> None:
    row.procedure = record.procedure
    row.procedure_code = record.procedure_code
    row.applicant_name = record.applicant_name
    row.applicant_id_number = record.applicant_id_number
    row.receiving_unit = record.receiving_unit
    row.received_date = record.received_date
    row.status = record.status
    row.origin = record.origin


def find_dossier(session: Session, code: str) -> Dossier | None:
    return session.scalar(select(Dossier).where(Dossier.code == code))


def upsert_record(session: Session, record: DossierRecord) -> tuple[Dossier, bool]:
    """Insert or update by code (the one-stop system is the authority); True if new."""
    row = find_dossier(session, record.code)
    created = row is None
    if row is None:
        row = Dossier(code=record.code, review=[])
        session.add(row)
    apply_record(row, record)
    session.flush()
    if not created:  # its documents are searched by its status, unit, date, procedure
        refresh_facets(session, [a.document_id for a in row.attachments])
    return row, created


class SessionRecordBook:
    """The library's RecordBook over the dossiers table, inside one session."""

    def __init__(self, session: Session) -> None:
        self._session = session

    def find(self, code: str) -> DossierRecord | None:
        row = find_dossier(self._session, code)
        return to_record(row) if row else None

    def add(self, record: DossierRecord) -> DossierRecord:
        row = find_dossier(self._session, record.code)
        if row is None:
            row = Dossier(code=record.code, review=[])
            apply_record(row, record)
            self._session.add(row)
            self._session.flush()
        return to_record(row)


class SqlRecordBook:
    """A RecordBook with a session of its own per call (the command line's `process`)."""

    def __init__(self, database: Database) -> None:
        self._database = database

    def find(self, code: str) -> DossierRecord | None:
        with self._database.reads() as session:
            return SessionRecordBook(session).find(code)

    def add(self, record: DossierRecord) -> DossierRecord:
        with self._database.writes.begin() as session:
            return SessionRecordBook(session).add(record)

    def upsert(self, record: DossierRecord) -> bool:
        with self._database.writes.begin() as session:
            return upsert_record(session, record)[1]

    def all(self) -> list[DossierRecord]:
        with self._database.reads() as session:
            return [
                to_record(row) for row in session.scalars(select(Dossier).order_by(Dossier.code))
            ]


def parse_record(row: Mapping[str, Any]) -> DossierRecord:
    """A record from one imported row; ValueError says what is wrong with it."""

    def text(name: str) -> str | None:
        value = row.get(name)
        if value is None or str(value).strip() == "":
            return None
        return unicodedata.normalize("NFC", " ".join(str(value).split()))

    raw_code = text("dossier_code")
    if raw_code is None:
        raise ValueError("no dossier_code")
    code = check_dossier_code(raw_code)
    # The one-stop system issued the code: a code of another layout is kept as given.
    value = code.value if code.ok and code.value else raw_code
    id_number = text("applicant_id_number")
    checked = check_id_number(id_number).value if id_number else None
    if id_number is not None and (checked is None or not re.fullmatch(r"\d{12}", checked)):
        raise ValueError(f"applicant_id_number {id_number!r} is not a personal ID number")
    received = text("received_date")
    try:
        received_date = date.fromisoformat(received) if received else None
    except ValueError:
        raise ValueError(f"received_date {received!r} is not YYYY-MM-DD") from None
    return DossierRecord(
        code=value,
        procedure=text("procedure"),
        procedure_code=text("procedure_code"),
        applicant_name=text("applicant_name"),
        applicant_id_number=checked,
        receiving_unit=text("receiving_unit"),
        received_date=received_date,
        status=text("status") or "received",
    )
