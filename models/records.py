"""One-stop dossier records: imported from the one-stop system or made from a scan."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import Date, DateTime, String, select
from sqlalchemy.orm import Mapped, Session, mapped_column, sessionmaker

from digitize.understand.link import DossierRecord
from models.base import Base


def _now() -> datetime:
    return datetime.now(UTC)


class DossierRecordRow(Base):
    __tablename__ = "dossier_records"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True, index=True)
    procedure: Mapped[str | None] = mapped_column(String(80))
    procedure_code: Mapped[str | None] = mapped_column(String(16))
    applicant_name: Mapped[str | None] = mapped_column(String(200))
    applicant_id_number: Mapped[str | None] = mapped_column(String(12), index=True)
    receiving_unit: Mapped[str | None] = mapped_column(String(200))
    received_date: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(32), default="received")
    origin: Mapped[str] = mapped_column(String(16), default="imported")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now)
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=_now, onupdate=_now
    )

    def to_record(self) -> DossierRecord:
        return DossierRecord(
            code=self.code,
            procedure=self.procedure,
            procedure_code=self.procedure_code,
            applicant_name=self.applicant_name,
            applicant_id_number=self.applicant_id_number,
            receiving_unit=self.receiving_unit,
            received_date=self.received_date,
            status=self.status,
            origin=self.origin,
        )

    def update_from(self, record: DossierRecord) -> None:
        self.procedure = record.procedure
        self.procedure_code = record.procedure_code
        self.applicant_name = record.applicant_name
        self.applicant_id_number = record.applicant_id_number
        self.receiving_unit = record.receiving_unit
        self.received_date = record.received_date
        self.status = record.status
        self.origin = record.origin


class SqlRecordBook:
    """The library's RecordBook over the dossier_records table."""

    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions

    def find(self, code: str) -> DossierRecord | None:
        with self._sessions() as session:
            row = session.scalar(select(DossierRecordRow).where(DossierRecordRow.code == code))
            return row.to_record() if row else None

    def add(self, record: DossierRecord) -> DossierRecord:
        """Store a new record; if another writer stored the code first, theirs stands."""
        with self._sessions() as session:
            existing = session.scalar(
                select(DossierRecordRow).where(DossierRecordRow.code == record.code)
            )
            if existing is not None:
                return existing.to_record()
            row = DossierRecordRow(code=record.code)
            row.update_from(record)
            session.add(row)
            session.commit()
            return row.to_record()

    def upsert(self, record: DossierRecord) -> bool:
        """Insert or update by code (the one-stop system is the authority); True if new."""
        with self._sessions() as session:
            row = session.scalar(
                select(DossierRecordRow).where(DossierRecordRow.code == record.code)
            )
            created = row is None
            if row is None:
                row = DossierRecordRow(code=record.code)
                session.add(row)
            row.update_from(record)
            session.commit()
            return created

    def all(self) -> list[DossierRecord]:
        with self._sessions() as session:
            rows = session.scalars(select(DossierRecordRow).order_by(DossierRecordRow.code))
            return [row.to_record() for row in rows]
