"""One-stop dossier records and the digitised documents in them, with their fields."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import BigInteger, ForeignKey, Index, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, EnumText, Json, utcnow


class RecordOrigin(StrEnum):
    IMPORTED = "imported"  # from the one-stop system (import command or PUT /dossiers)
    FROM_SCAN = "from_scan"  # made from what the scanned documents say


class Attachment(StrEnum):
    SCANNED = "scanned"  # digitised as part of this dossier
    REUSED = "reused"  # digitised earlier for another dossier, attached without copying


class Dossier(Base):
    """The one-stop record (hồ sơ) a dossier code names."""

    __tablename__ = "dossiers"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    procedure: Mapped[str | None] = mapped_column(String(80))  # catalogue key
    procedure_code: Mapped[str | None] = mapped_column(String(16))  # national TTHC code
    applicant_name: Mapped[str | None] = mapped_column(String(200))
    applicant_id_number: Mapped[str | None] = mapped_column(String(12), index=True)
    receiving_unit: Mapped[str | None] = mapped_column(String(200))
    received_date: Mapped[date | None]
    status: Mapped[str] = mapped_column(String(32), default="received")
    origin: Mapped[RecordOrigin] = mapped_column(
        EnumText(RecordOrigin), default=RecordOrigin.IMPORTED
    )
    review: Mapped[list[str]] = mapped_column(Json, default=list)  # mismatches with the papers
    digitised_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    # The position of its last change (or its documents'), set by the database's
    # triggers (migration 0005), never here: what the change feed pages by.
    change_tx: Mapped[int] = mapped_column(BigInteger, server_default="0")
    change_seq: Mapped[int] = mapped_column(BigInteger, server_default="0")

    attachments: Mapped[list[DossierDocument]] = relationship(
        back_populates="dossier",
        order_by="DossierDocument.position",
        foreign_keys="DossierDocument.dossier_id",
    )


class Document(Base):
    """A document cut from a scan: its type, pages, searchable PDF and metadata."""

    __tablename__ = "documents"
    __table_args__ = (UniqueConstraint("scan_id", "index"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    scan_id: Mapped[int] = mapped_column(ForeignKey("scans.id"), index=True)
    index: Mapped[int]  # 0-based, in the scan's documents
    dossier_id: Mapped[int | None] = mapped_column(ForeignKey("dossiers.id"), index=True)
    doc_type: Mapped[str] = mapped_column(String(80), index=True)
    doc_type_name: Mapped[str | None] = mapped_column(String(300))
    procedure: Mapped[str | None] = mapped_column(String(80))
    procedure_code: Mapped[str | None] = mapped_column(String(16))
    procedure_name: Mapped[str | None] = mapped_column(String(300))
    confidence: Mapped[float]
    procedure_confidence: Mapped[float]
    pages: Mapped[list[int]] = mapped_column(Json)  # page numbers in the scan
    pdf_key: Mapped[str | None] = mapped_column(String(200))
    checksum: Mapped[str | None] = mapped_column(String(64))  # SHA-256 of the PDF
    size: Mapped[int | None] = mapped_column(BigInteger)
    # The minimum metadata of a digitised document (TT 01/2023/TT-VPCP), where read.
    holder_id_number: Mapped[str | None] = mapped_column(String(12), index=True)
    number: Mapped[str | None] = mapped_column(String(100))  # số, ký hiệu
    issue_date: Mapped[date | None]
    issuer: Mapped[str | None] = mapped_column(String(300))
    valid_until: Mapped[date | None]
    scope: Mapped[str | None] = mapped_column(String(300))
    review: Mapped[list[str]] = mapped_column(Json, default=list)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # The copy with legal value (issue 19): its metadata as written into the PDF's XMP,
    # where the digitiser's mark went, and who signed it when (null: not signed).
    copy_info: Mapped[dict[str, Any] | None] = mapped_column(Json)
    # Tables read as rows (issue 13, migration 0014), as the library gives them: each
    # {"name", "columns", "pages", "rows": [{column: cell}]}, cells shaped like fields.
    tables: Mapped[list[dict[str, Any]]] = mapped_column(
        Json, default=list, server_default=text("'[]'")
    )
    change_tx: Mapped[int] = mapped_column(BigInteger, server_default="0")  # see Dossier
    change_seq: Mapped[int] = mapped_column(BigInteger, server_default="0")

    fields: Mapped[list[Field]] = relationship(
        back_populates="document", order_by="Field.id", cascade="all, delete-orphan"
    )
    dossier: Mapped[Dossier | None] = relationship()


class DossierDocument(Base):
    """A document's place in a dossier: scanned into it, or reused from another one."""

    __tablename__ = "dossier_documents"
    __table_args__ = (Index("ix_dossier_documents_document", "document_id"),)

    dossier_id: Mapped[int] = mapped_column(ForeignKey("dossiers.id"), primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"), primary_key=True)
    position: Mapped[int]
    origin: Mapped[Attachment] = mapped_column(EnumText(Attachment), default=Attachment.SCANNED)
    reused_from_id: Mapped[int | None] = mapped_column(ForeignKey("dossiers.id"))
    added_at: Mapped[datetime] = mapped_column(default=utcnow)
    added_by: Mapped[str | None] = mapped_column(String(200))

    dossier: Mapped[Dossier] = relationship(back_populates="attachments", foreign_keys=[dossier_id])
    document: Mapped[Document] = relationship()
    reused_from: Mapped[Dossier | None] = relationship(foreign_keys=[reused_from_id])


class Field(Base):
    """A value read from a document, and a person's correction of it."""

    __tablename__ = "fields"
    __table_args__ = (UniqueConstraint("document_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(80))
    value: Mapped[Any] = mapped_column(Json)  # normalised: text, number, ISO date
    raw: Mapped[str | None] = mapped_column(Text)  # as read
    confidence: Mapped[float | None]
    page: Mapped[int | None]
    bbox: Mapped[list[int] | None] = mapped_column(Json)
    review: Mapped[bool] = mapped_column(default=False)
    problems: Mapped[list[str]] = mapped_column(Json, default=list)
    corrected_value: Mapped[Any] = mapped_column(Json, nullable=True)
    corrected_by: Mapped[str | None] = mapped_column(String(200))
    corrected_at: Mapped[datetime | None]

    document: Mapped[Document] = relationship(back_populates="fields")

    @property
    def current_value(self) -> Any:
        return self.corrected_value if self.corrected_by is not None else self.value
