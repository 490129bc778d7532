"""Reading what is stored: batches with their progress, dossiers, documents, pages."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from models import (
    Batch,
    BatchFile,
    Document,
    Dossier,
    DossierDocument,
    Page,
    PageStatus,
    ScanStatus,
)
from service.errors import NotFoundError


@dataclass(frozen=True, slots=True)
class Progress:
    files_total: int
    files_finished: int
    files_failed: int
    pages_total: int  # known once each file's pages are counted
    pages_done: int
    pages_failed: int


def get_batch(session: Session, batch_id: int) -> Batch:
    batch = session.get(Batch, batch_id)
    if batch is None:
        raise NotFoundError(f"no batch {batch_id}")
    return batch


def list_batches(session: Session, *, limit: int, offset: int) -> list[Batch]:
    return list(
        session.scalars(select(Batch).order_by(Batch.id.desc()).limit(limit).offset(offset))
    )


def batch_progress(session: Session, batch: Batch) -> Progress:
    """Counted from the pages themselves, so a page done twice still counts once."""
    scans = {f.scan_id: f.scan for f in batch.files}
    counts = dict(
        session.execute(
            select(Page.status, func.count()).where(Page.scan_id.in_(scans)).group_by(Page.status)
        ).all()
    )
    statuses = [f.scan.status for f in batch.files]
    return Progress(
        files_total=len(batch.files),
        files_finished=sum(s.finished for s in statuses),
        files_failed=sum(s == ScanStatus.FAILED for s in statuses),
        pages_total=sum(scan.pages_total or 0 for scan in scans.values()),
        pages_done=counts.get(PageStatus.DONE, 0),
        pages_failed=counts.get(PageStatus.FAILED, 0),
    )


def documents_of_scan(session: Session, scan_id: int) -> list[Document]:
    return list(
        session.scalars(
            select(Document).where(Document.scan_id == scan_id).order_by(Document.index)
        )
    )


def get_dossier(session: Session, code: str) -> Dossier:
    dossier = session.scalar(
        select(Dossier)
        .where(Dossier.code == code)
        .options(
            selectinload(Dossier.attachments)
            .selectinload(DossierDocument.document)
            .selectinload(Document.fields)
        )
    )
    if dossier is None:
        raise NotFoundError(f"no dossier {code}")
    return dossier


def get_document(session: Session, document_id: int) -> Document:
    document = session.get(Document, document_id, options=[selectinload(Document.fields)])
    if document is None:
        raise NotFoundError(f"no document {document_id}")
    return document


def document_page(session: Session, document: Document, number: int) -> Page:
    """Page `number` (1-based) of the document."""
    if not 1 <= number <= len(document.pages):
        raise NotFoundError(f"document {document.id} has no page {number}")
    page = session.scalar(
        select(Page).where(
            Page.scan_id == document.scan_id, Page.number == document.pages[number - 1]
        )
    )
    if page is None:
        raise NotFoundError(f"document {document.id} has no page {number}")
    return page


def batch_files_of_scan(session: Session, scan_id: int) -> list[BatchFile]:
    return list(session.scalars(select(BatchFile).where(BatchFile.scan_id == scan_id)))
