"""Uploads and what the workers make of them: batches, scans (originals) and pages."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import BigInteger, ForeignKey, Index, String, Text, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, EnumText, Json, utcnow


class BatchStatus(StrEnum):
    QUEUED = "queued"
    PROCESSING = "processing"
    DONE = "done"  # every file digitised
    PARTIAL = "partial"  # finished, but some file failed or has pages without text
    FAILED = "failed"  # finished, and no file could be digitised


class ScanStatus(StrEnum):
    QUEUED = "queued"  # stored, waiting for a worker to count its pages
    PROCESSING = "processing"  # pages being digitised
    ASSEMBLING = "assembling"  # documents, dossiers and PDFs being made
    DONE = "done"
    PARTIAL = "partial"  # documents stored, but some page has no text (see warnings)
    FAILED = "failed"  # see error; can be requeued

    @property
    def finished(self) -> bool:
        return self in (ScanStatus.DONE, ScanStatus.PARTIAL, ScanStatus.FAILED)


class PageStatus(StrEnum):
    PENDING = "pending"
    DONE = "done"
    FAILED = "failed"  # permanently: the reason is in `error`


class Batch(Base):
    """One upload: who sent which files when, and how far their digitising has come."""

    __tablename__ = "batches"

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int | None] = mapped_column(ForeignKey("api_clients.id"))
    uploaded_by: Mapped[str] = mapped_column(String(200))  # the client's name, kept as it was
    dossier_code: Mapped[str | None] = mapped_column(String(64))  # files of one known dossier
    # All its files are one dossier, even while its code is unknown (issue 15): the code a
    # reviewer settles for one of its documents becomes `dossier_code`, for all of them.
    one_dossier: Mapped[bool] = mapped_column(default=False, server_default=false())
    status: Mapped[BatchStatus] = mapped_column(EnumText(BatchStatus), default=BatchStatus.QUEUED)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None]

    files: Mapped[list[BatchFile]] = relationship(
        back_populates="batch", order_by="BatchFile.position", cascade="all, delete-orphan"
    )


class Scan(Base):
    """An original file, stored once by its SHA-256 however often it is uploaded."""

    __tablename__ = "scans"

    id: Mapped[int] = mapped_column(primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64), unique=True)
    size: Mapped[int] = mapped_column(BigInteger)
    format: Mapped[str] = mapped_column(String(8))  # pdf, tiff, jpeg, png
    original_name: Mapped[str] = mapped_column(String(255))
    status: Mapped[ScanStatus] = mapped_column(
        EnumText(ScanStatus), default=ScanStatus.QUEUED, index=True
    )
    pages_total: Mapped[int | None]
    error: Mapped[str | None] = mapped_column(Text)
    warnings: Mapped[list[str]] = mapped_column(Json, default=list)
    # dossiers, unassigned pages and review lists as the library reported them
    understanding: Mapped[dict[str, Any] | None] = mapped_column(Json)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None]

    pages: Mapped[list[Page]] = relationship(back_populates="scan", order_by="Page.number")


class BatchFile(Base):
    """A file of a batch, as the uploader named it, and the scan it is."""

    __tablename__ = "batch_files"
    __table_args__ = (UniqueConstraint("batch_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("batches.id", ondelete="CASCADE"))
    scan_id: Mapped[int] = mapped_column(ForeignKey("scans.id"), index=True)
    position: Mapped[int]
    filename: Mapped[str] = mapped_column(String(255))
    duplicate: Mapped[bool] = mapped_column(default=False)  # the scan was stored before

    batch: Mapped[Batch] = relationship(back_populates="files")
    scan: Mapped[Scan] = relationship()


class Page(Base):
    """One page of a scan and what digitising it gave (the JSON contract's page entry)."""

    __tablename__ = "pages"
    __table_args__ = (
        UniqueConstraint("scan_id", "number"),
        Index("ix_pages_scan_status", "scan_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    scan_id: Mapped[int] = mapped_column(ForeignKey("scans.id", ondelete="CASCADE"))
    number: Mapped[int]  # 1-based, in the scan
    status: Mapped[PageStatus] = mapped_column(EnumText(PageStatus), default=PageStatus.PENDING)
    attempts: Mapped[int] = mapped_column(default=0)
    error: Mapped[str | None] = mapped_column(Text)
    warning: Mapped[str | None] = mapped_column(Text)
    report: Mapped[dict[str, Any] | None] = mapped_column(Json)  # rotation, text, lines, codes...
    text: Mapped[str | None] = mapped_column(Text)  # NFC
    blank: Mapped[bool | None]
    pdf_key: Mapped[str | None] = mapped_column(String(200))
    preview_key: Mapped[str | None] = mapped_column(String(200))
    thumbnail_key: Mapped[str | None] = mapped_column(String(200))
    processed_at: Mapped[datetime | None]

    scan: Mapped[Scan] = relationship(back_populates="pages")
