"""What workers do with a stored scan, in three steps a queue can spread over machines:

    split_scan      count the pages, one row each            (one job per scan)
    process_pages   digitise pages: page PDF, previews, text (jobs of a few pages,
                                                              side by side on all workers)
    assemble_scan   documents, dossiers, fields, PDFs        (one job, after the pages)

Each step is idempotent: it reads what is already done from the database and does
only the rest, and it writes each result under a condition that lets it land once.
So a step run twice (a retry, a worker killed mid-job and its job taken over) changes
nothing the first run finished.
"""

from __future__ import annotations

import hashlib
import logging
import tempfile
from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pikepdf
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from config import Settings
from digitize.errors import DigitizeError
from digitize.filing import (
    FiledFile,
    FilingOptions,
    Placement,
    file_digitised,
    link_dossiers,
    record_review,
)
from digitize.imaging.handwriting import PageImage, box_crops, page_image
from digitize.inputs import ReadLimits, count_pages
from digitize.ocr import TesseractEngine
from digitize.ocr.engine import OcrEngine
from digitize.pdf import DocumentMetadata, PageSource
from digitize.pipeline import PageOutcome, PipelineOptions, process_page
from digitize.records import CopyOptions
from digitize.results import BBox, PageReport
from digitize.understand import Knowledge, UnderstoodDocument
from digitize.understand.files import FileUnderstanding
from models import (
    Attachment,
    Batch,
    BatchFile,
    BatchStatus,
    Document,
    Dossier,
    DossierDocument,
    Field,
    Page,
    PageStatus,
    RecordOrigin,
    Scan,
    ScanStatus,
)
from models.base import utcnow
from service.audit import WORKER, record
from service.context import Services
from service.copies import copy_options, unit_signer
from service.errors import public_reason
from service.records import SessionRecordBook, find_dossier
from service.search import index_documents
from service.webhooks import DOSSIER_DIGITISED, raise_event
from storage import BlobStore, original_key
from storage.base import StorageError, StorageUnavailableError

log = logging.getLogger(__name__)

PREVIEW_SIDE = 1600  # pixels of a page image's longer side, for reviewers' screens
THUMBNAIL_SIDE = 256


def pipeline_options(settings: Settings) -> PipelineOptions:
    return PipelineOptions(
        limits=read_limits(settings),
        jpeg_quality=settings.jpeg_quality,
        preview_sides=(PREVIEW_SIDE, THUMBNAIL_SIDE),
    )


def read_limits(settings: Settings) -> ReadLimits:
    return ReadLimits(
        max_page_pixels=int(settings.max_page_megapixels * 1_000_000),
        max_pages=settings.max_pages,
        timeout=settings.program_timeout,
    )


def ocr_engine(settings: Settings) -> OcrEngine:
    return TesseractEngine(
        langs=settings.langs, psm=settings.tesseract_psm, timeout=settings.tesseract_timeout
    )


# --- step 1 ---------------------------------------------------------------------------


def split_scan(services: Services, scan_id: int) -> list[list[int]] | None:
    """Make a row for each page; return the pages still to do, in jobs' worth of numbers
    (None: nothing more to do for this scan).

    A file that cannot be read (corrupt, encrypted, too many pages) fails the scan
    here with the reason, and no pages are made.
    """
    settings = services.settings
    with services.writes.begin() as session:
        scan = session.get(Scan, scan_id)
        if scan is None or scan.status.finished:
            return None
        if scan.pages_total is None:
            try:
                with services.store.local_copy(original_key(scan.sha256)) as path:
                    scan.pages_total = count_pages(path, read_limits(settings))
            except DigitizeError as exc:
                _fail_scan(session, scan, public_reason(exc))
                return None
        have = set(session.scalars(select(Page.number).where(Page.scan_id == scan.id)))
        session.add_all(
            Page(scan_id=scan.id, number=n) for n in range(1, scan.pages_total + 1) if n not in have
        )
        scan.status = ScanStatus.PROCESSING
        for batch in _batches_of(session, scan):
            if batch.status == BatchStatus.QUEUED:
                batch.status = BatchStatus.PROCESSING
        session.flush()
        todo = list(
            session.scalars(
                select(Page.number)
                .where(Page.scan_id == scan.id, Page.status == PageStatus.PENDING)
                .order_by(Page.number)
            )
        )
    size = settings.pages_per_job
    return [todo[i : i + size] for i in range(0, len(todo), size)]


# --- step 2 ---------------------------------------------------------------------------


def process_pages(
    services: Services, scan_id: int, numbers: Sequence[int], engine: OcrEngine
) -> int:
    """Digitise the pages `numbers` of a scan that are not done yet; returns how many.

    A page the pipeline rejects (too large, undecodable) fails for good, with the
    reason; anything else (the disk, the database) is raised for the queue to retry.
    """
    done = 0
    options = pipeline_options(services.settings)
    for number in numbers:
        started = _start_page(services, scan_id, number)
        if started is None:
            continue
        sha256, attempts = started
        if attempts > services.settings.job_retries + 2:
            # Each try so far ended with its worker gone (killed, out of memory).
            reason = f"gave up after {attempts - 1} tries, each ended by the worker's death"
            _fail_page(services, scan_id, number, reason)
            continue
        with tempfile.TemporaryDirectory(prefix="digitize-page-") as work:
            try:
                with services.store.local_copy(original_key(sha256)) as original:
                    outcome = process_page(
                        original, number - 1, options=options, engine=engine, workdir=Path(work)
                    )
                    keys = _store_page(services.store, sha256, number, outcome, Path(work))
            except DigitizeError as exc:
                _fail_page(services, scan_id, number, public_reason(exc))
                continue
        with services.writes.begin() as session:
            report = outcome.report.as_json()
            landed = session.execute(
                update(Page)
                .where(_pending(scan_id, number))
                .values(
                    status=PageStatus.DONE,
                    report=report,
                    text=outcome.report.text,
                    blank=outcome.report.blank,
                    warning=outcome.warning,
                    # A page the pipeline could not digitise (too large, undecodable)
                    # is stored with its blank stand-in and the reason (issue 14).
                    error=outcome.error,
                    processed_at=utcnow(),
                    **keys,
                )
            )
            done += landed.rowcount  # type: ignore[attr-defined]
    return done


def _pending(scan_id: int, number: int) -> Any:
    """The page, if still pending: results land under this condition, so only once."""
    return (Page.scan_id == scan_id) & (Page.number == number) & (Page.status == PageStatus.PENDING)


def _start_page(services: Services, scan_id: int, number: int) -> tuple[str, int] | None:
    """Count an attempt at a pending page: (scan's SHA-256, attempts), or None if not pending."""
    with services.writes.begin() as session:
        row = session.execute(
            select(Page, Scan.sha256)
            .join(Scan, Scan.id == Page.scan_id)
            .where(Page.scan_id == scan_id, Page.number == number)
        ).one_or_none()
        if row is None or row[0].status != PageStatus.PENDING:
            return None
        page, sha256 = row
        page.attempts += 1
        return sha256, page.attempts


def _store_page(
    store: BlobStore, sha256: str, number: int, outcome: PageOutcome, work: Path
) -> dict[str, str | None]:
    """The page's one-page PDF and previews, into the store under fixed names."""
    prefix = f"pages/{sha256}/{number:05d}"
    pdf = outcome.pdf.pdf
    if outcome.pdf.index or not pdf.is_relative_to(work):
        pdf = _extract_page(outcome.pdf, work / "kept.pdf")  # a text page kept from the PDF
    store.put_file(f"{prefix}.pdf", pdf)
    keys: dict[str, str | None] = {"pdf_key": f"{prefix}.pdf"}
    preview = outcome.previews.get(PREVIEW_SIDE)
    thumbnail = outcome.previews.get(THUMBNAIL_SIDE)
    keys["preview_key"] = keys["thumbnail_key"] = None
    if preview is not None:
        store.put_bytes(f"{prefix}.jpg", preview)
        keys["preview_key"] = f"{prefix}.jpg"
    if thumbnail is not None:
        store.put_bytes(f"{prefix}.thumb.jpg", thumbnail)
        keys["thumbnail_key"] = f"{prefix}.thumb.jpg"
    return keys


def _extract_page(source: PageSource, target: Path) -> Path:
    with pikepdf.open(source.pdf) as pdf, pikepdf.new() as single:
        single.pages.append(pdf.pages[source.index])
        single.save(target)
    return target


def _fail_page(services: Services, scan_id: int, number: int, reason: str) -> None:
    with services.writes.begin() as session:
        session.execute(
            update(Page)
            .where(_pending(scan_id, number))
            .values(status=PageStatus.FAILED, error=reason, processed_at=utcnow())
        )


def requeue_scan(session: Session, scan: Scan, *, actor: str) -> bool:
    """A failed scan back to the queue: its failed pages pending again. True if requeued."""
    if scan.status != ScanStatus.FAILED:
        return False
    session.execute(
        update(Page)
        .where(
            Page.scan_id == scan.id,
            # Stand-ins too (a page too large may be read after the limit is raised).
            (Page.status == PageStatus.FAILED) | Page.error.is_not(None),
        )
        .values(status=PageStatus.PENDING, error=None, attempts=0)
    )
    reason = scan.error
    scan.status = ScanStatus.QUEUED
    scan.error = None
    scan.finished_at = None
    record(session, actor, "scan.requeue", "scan", scan.id, {"was": reason})
    for batch in _batches_of(session, scan):
        batch.status = BatchStatus.PROCESSING
        batch.finished_at = None
    return True


def give_up_pages(services: Services, scan_id: int, numbers: Sequence[int], reason: str) -> None:
    """The queue gave up on a job: its pages still pending fail, with the reason."""
    for number in numbers:
        _fail_page(services, scan_id, number, reason)


# --- step 3 ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _FiledDocument:
    document: UnderstoodDocument
    pdf_key: str | None
    checksum: str | None
    size: int | None
    copy_info: dict[str, Any] | None = None


class _StoredReports:
    """A scan's page reports, read from its page rows one at a time (`PageReports`):
    a stack's reports are never all in memory."""

    def __init__(self, services: Services, scan_id: int) -> None:
        self._services = services
        self._scan_id = scan_id

    def report(self, index: int) -> PageReport:
        with self._services.sessions() as session:
            raw = session.scalar(
                select(Page.report).where(Page.scan_id == self._scan_id, Page.number == index + 1)
            )
        return PageReport.from_json(raw or {"number": index + 1})


class _StoredPagePdfs:
    """A scan's one-page PDFs, local copies from the store made one document's pages at
    a time (`PagePdfs`): on a remote store a stack's pages are never all downloaded, nor
    all open, at once."""

    def __init__(self, store: BlobStore, keys: Sequence[str]) -> None:
        self._store = store
        self._keys = keys

    def __len__(self) -> int:
        return len(self._keys)

    @contextmanager
    def open(self, numbers: Sequence[int]) -> Iterator[list[PageSource]]:
        with ExitStack() as copies:
            yield [
                PageSource(copies.enter_context(self._store.local_copy(self._keys[n - 1])))
                for n in numbers
            ]


class _StoredPageInk:
    """Page images for the handwriting check (`PageInk`), from the stored one-page PDFs:
    a page is fetched and decoded only when one of its values is looked at, and the last
    two decoded are kept, never a stack's."""

    _KEPT = 2

    def __init__(self, store: BlobStore, keys: Sequence[str]) -> None:
        self._store = store
        self._keys = keys
        self._decoded: dict[int, PageImage | None] = {}

    def __call__(self, index: int) -> Callable[[BBox], np.ndarray | None] | None:
        if not 0 <= index < len(self._keys) or not self._keys[index]:
            return None
        return box_crops(lambda rows: self._image(index, rows))

    def _image(self, index: int, rows: int) -> PageImage | None:
        kept = self._decoded.get(index, _NOT_KEPT)
        if kept is None or (isinstance(kept, PageImage) and kept.covers(rows)):
            return kept
        try:
            with self._store.local_copy(self._keys[index]) as path:
                # down to `rows` at the first look (the lowest box comes first); all
                # of the page when a later box lies below
                image = page_image(path, 0, rows if kept is _NOT_KEPT else None)
        except (OSError, StorageError, StorageUnavailableError):
            image = None  # the check is skipped, not the filing
        self._decoded.pop(index, None)
        while len(self._decoded) >= self._KEPT:
            self._decoded.pop(next(iter(self._decoded)))
        self._decoded[index] = image
        return image


_NOT_KEPT = object()


class _WorkFolder:
    """Documents' PDFs go to a work folder, from where they are stored (`FilingSink`)."""

    def __init__(self, work: Path) -> None:
        self._work = work

    def file_pdf(
        self,
        pages: Sequence[PageSource],
        metadata: DocumentMetadata,
        *,
        pdfa: bool,
        copy: CopyOptions | None,
    ) -> None:
        pass  # the service keeps the original and the documents, not the whole file again

    def places(
        self, understood: FileUnderstanding | None, documents: Sequence[UnderstoodDocument]
    ) -> list[Placement]:
        return [
            Placement(self._work / f"{index:04d}.pdf", d.doc_type_name or d.doc_type)
            for index, d in enumerate(documents)
        ]


def filing_options(
    services: Services, *, digitiser: str | None = None, dossier_code: str | None = None
) -> FilingOptions:
    """How the service files a scan: every document its own PDF, marked, described and
    (with the unit's certificate) signed. A certificate that has become unusable raises
    SigningError: the scan is held with the reason rather than filed unsigned."""
    settings = services.settings
    return FilingOptions(
        pdfa=settings.pdfa,
        operator=settings.operator,
        knowledge=services.knowledge,
        every_document=True,
        # A kept text layer is no failure of the scan: it would make it partial.
        warn_kept_text=False,
        copy=copy_options(
            settings,
            digitised_by=digitiser,
            catalogue=services.knowledge.catalogue,
            signer=unit_signer(settings),
        ),
        dossier_code=dossier_code,
    )


def assemble_scan(services: Services, scan_id: int) -> list[int]:
    """Cut the digitised pages into documents and dossiers, file their PDFs, store all.

    Returns the webhook deliveries the new dossiers raised, for the queue to send.
    """
    with services.sessions() as session:
        scan = session.get(Scan, scan_id)
        if scan is None or scan.status.finished:
            return []
        # The pages without their reports: those are read one at a time while filing.
        pages = session.execute(
            select(Page.number, Page.status, Page.error, Page.warning, Page.pdf_key)
            .where(Page.scan_id == scan_id)
            .order_by(Page.number)
        ).all()
        sha256, created, name = scan.sha256, scan.created_at, scan.original_name
        batches = _batches_of(session, scan)
        # Who digitised it (the mark, issue 19): the client that uploaded it first.
        digitiser = batches[0].uploaded_by if batches else None
        batch_code = next((b.dossier_code for b in batches if b.dossier_code), None)
    unfinished = [p for p in pages if p.status != PageStatus.DONE]
    # As the command line does: a file none of whose pages could be digitised (each a
    # blank stand-in) fails with the reasons; some of them make it partial.
    nothing_read = bool(pages) and all(p.error is not None for p in pages)
    if not pages or unfinished or nothing_read:
        with services.writes.begin() as session:
            scan = session.get(Scan, scan_id, with_for_update=True)
            if scan is not None and not scan.status.finished:
                reason = _page_failures(unfinished or pages) or "the file has no pages"
                if nothing_read and len(pages) > 1:
                    reason = f"no page could be digitised: {reason}"
                _fail_scan(session, scan, reason)
        return []

    with tempfile.TemporaryDirectory(prefix="digitize-assemble-") as work:
        keys = [p.pdf_key or "" for p in pages]
        page_pdfs = _StoredPagePdfs(services.store, keys)
        filed = file_digitised(
            _StoredReports(services, scan_id),
            len(pages),
            _WorkFolder(Path(work)),
            filing_options(services, digitiser=digitiser, dossier_code=batch_code),
            page_pdfs=page_pdfs,
            page_warnings=[p.warning for p in pages if p.warning],
            title=name,
            created=created,  # the scan's: filing again gives the same bytes
            ink=_StoredPageInk(services.store, keys),  # handwriting seen in the ink
        )
        stored = _store_pdfs(services.store, filed)
    understood, warnings = filed.understood, filed.warnings

    with services.writes.begin() as session:
        scan = session.get(Scan, scan_id, with_for_update=True)
        if scan is None or scan.status.finished:
            return []  # another run of this step finished first
        scan.status = ScanStatus.ASSEMBLING
        rows = _store_documents(session, scan, stored, services.knowledge)
        dossiers = _store_dossiers(session, scan, understood, rows)
        dossiers += _attach_to_batch_dossiers(session, scan, rows, understood)
        # Searchable as soon as stored; after the attaching, whose dossiers filter them.
        index_documents(session, rows)
        scan.understanding = _understanding_json(understood, rows)
        scan.warnings = warnings
        scan.status = ScanStatus.PARTIAL if warnings else ScanStatus.DONE
        scan.finished_at = utcnow()
        record(
            session,
            WORKER,
            "scan.digitise",
            "scan",
            scan.id,
            {"sha256": sha256, "documents": [r.id for r in rows], "warnings": warnings},
        )
        settle_batches(session, scan)
        deliveries: list[int] = []
        for dossier in _unique(dossiers):
            dossier.digitised_at = utcnow()
            deliveries += raise_event(session, DOSSIER_DIGITISED, dossier_event(dossier, scan))
        return deliveries


def _page_failures(pages: Sequence[Any]) -> str:
    failed = [f"page {p.number}: {p.error or 'not digitised'}" for p in pages]
    shown = "; ".join(failed[:5])
    return shown + (f"; and {len(failed) - 5} more" if len(failed) > 5 else "")


def _store_pdfs(store: BlobStore, filed: FiledFile) -> list[_FiledDocument]:
    """Each document's PDF into the store under its SHA-256 (written once)."""
    stored = []
    copies = filed.copies or [None] * len(filed.documents)
    for document, path, info in zip(filed.documents, filed.paths, copies, strict=True):
        if path is None:
            stored.append(_FiledDocument(document, None, None, None, info))
            continue
        checksum = _sha256(path)
        size = path.stat().st_size
        key = f"documents/{checksum}.pdf"
        store.put_file(key, path, write_once=True)
        stored.append(_FiledDocument(document, key, checksum, size, info))
    return stored


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _store_documents(
    session: Session, scan: Scan, filed: Sequence[_FiledDocument], knowledge: Knowledge
) -> list[Document]:
    rows = []
    for index, item in enumerate(filed):
        document = item.document
        doc_type = knowledge.catalogue.document_types.get(document.doc_type)
        fields = document.fields

        def confirmed(name: str, fields: Any = fields) -> Any:
            found = fields.get(name) if name else None
            return found.value if found is not None and not found.review else None

        row = Document(
            scan_id=scan.id,
            index=index,
            doc_type=document.doc_type,
            doc_type_name=document.doc_type_name,
            procedure=document.procedure,
            procedure_code=document.procedure_code or None,
            procedure_name=document.procedure_name,
            confidence=round(document.confidence, 4),
            procedure_confidence=round(document.procedure_confidence, 4),
            pages=list(document.pages),
            pdf_key=item.pdf_key,
            checksum=item.checksum,
            size=item.size,
            holder_id_number=confirmed(doc_type.holder_id) if doc_type else None,
            number=_text(confirmed(doc_type.number_field)) if doc_type else None,
            scope=(doc_type.scope or None) if doc_type else None,
            issue_date=_date(confirmed("document_date")),
            issuer=confirmed("issuer"),
            valid_until=_date(confirmed("valid_until")),
            review=list(document.review),
            copy_info=item.copy_info,
            tables=[table.as_json() for table in document.tables],
            fields=[
                Field(
                    name=name,
                    value=extracted.value,
                    raw=extracted.raw,
                    confidence=round(extracted.confidence, 4),
                    page=extracted.page,
                    bbox=list(extracted.bbox) if extracted.bbox else None,
                    review=extracted.review,
                    problems=list(extracted.problems),
                )
                for name, extracted in fields.items()
            ],
        )
        session.add(row)
        rows.append(row)
    session.flush()
    return rows


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


def _date(value: Any) -> date | None:
    if isinstance(value, str):
        try:
            return date.fromisoformat(value)
        except ValueError:
            return None
    return None


def _store_dossiers(
    session: Session,
    scan: Scan,
    understood: FileUnderstanding | None,
    rows: Sequence[Document],
) -> list[Dossier]:
    """Each dossier of a stack linked to its record (made when missing), its documents
    attached; mismatches between record and papers go to the record's review list."""
    if understood is None:
        return []
    linked = []
    for index, link in link_dossiers(understood, SessionRecordBook(session)).items():
        if link is None:
            continue  # its code is undecided: a reviewer settles it first
        row = find_dossier(session, link.record.code)
        assert row is not None
        row.review = _unique([*row.review, *record_review(link)])
        dossier = understood.dossiers[index]
        _attach(session, row, [rows[i] for i in understood.dossier_documents(dossier)])
        linked.append(row)
    return linked


def _attach_to_batch_dossiers(
    session: Session,
    scan: Scan,
    rows: Sequence[Document],
    understood: FileUnderstanding | None,
) -> list[Dossier]:
    """A file uploaded for a known dossier (not a stack) joins that dossier."""
    if understood is not None and understood.dossiers:
        return []
    attached = []
    for batch in _batches_of(session, scan):
        if batch.dossier_code is None:
            continue
        dossier = find_dossier(session, batch.dossier_code)
        if dossier is None:
            dossier = Dossier(code=batch.dossier_code, origin=RecordOrigin.FROM_SCAN, review=[])
            session.add(dossier)
            session.flush()
        _attach(session, dossier, rows)
        attached.append(dossier)
    return attached


def _attach(session: Session, dossier: Dossier, documents: Sequence[Document]) -> None:
    present = set(
        session.scalars(
            select(DossierDocument.document_id).where(DossierDocument.dossier_id == dossier.id)
        )
    )
    position = len(present)
    for document in documents:
        if document.id in present:
            continue
        if document.dossier_id is None:
            document.dossier_id = dossier.id
        session.add(
            DossierDocument(
                dossier_id=dossier.id,
                document_id=document.id,
                position=position,
                origin=Attachment.SCANNED,
                added_by=WORKER,
            )
        )
        position += 1
    session.flush()


def _understanding_json(
    understood: FileUnderstanding | None, rows: Sequence[Document]
) -> dict[str, Any]:
    if understood is None:
        return {"documents": [r.id for r in rows], "dossiers": [], "unassigned_pages": []}
    data = understood.as_json()
    dossiers = data["dossiers"]
    assert isinstance(dossiers, list)
    for dossier in dossiers:
        dossier["documents"] = [rows[i].id for i in dossier["documents"]]
    return {
        "documents": [r.id for r in rows],
        "dossiers": dossiers,
        "unassigned_pages": data["unassigned_pages"],
    }


def dossier_event(dossier: Dossier, scan: Scan) -> tuple[str, dict[str, Any]]:
    """(event key, payload) of 'dossier digitised'; the key makes it land once per scan."""
    return (
        f"{DOSSIER_DIGITISED}:{dossier.code}:scan:{scan.id}",
        {
            "event": DOSSIER_DIGITISED,
            "dossier_code": dossier.code,
            "scan_id": scan.id,
            "documents": [a.document_id for a in dossier.attachments],
            "review": list(dossier.review),
            "links": {"dossier": f"/api/v1/dossiers/{dossier.code}"},
        },
    )


# --- shared ---------------------------------------------------------------------------


def _fail_scan(session: Session, scan: Scan, reason: str) -> None:
    scan.status = ScanStatus.FAILED
    scan.error = reason
    scan.finished_at = utcnow()
    record(session, WORKER, "scan.fail", "scan", scan.id, {"reason": reason})
    settle_batches(session, scan)


def fail_scan(services: Services, scan_id: int, reason: str) -> None:
    """The queue gave up on a scan's step: it fails with the reason (and can be requeued)."""
    with services.writes.begin() as session:
        scan = session.get(Scan, scan_id, with_for_update=True)
        if scan is not None and not scan.status.finished:
            _fail_scan(session, scan, reason)


def _batches_of(session: Session, scan: Scan) -> list[Batch]:
    return list(
        session.scalars(
            select(Batch).join(BatchFile).where(BatchFile.scan_id == scan.id).distinct()
        )
    )


def settle_batches(session: Session, scan: Scan) -> None:
    """Each batch holding the scan: finished once all its scans are, with how it went."""
    session.flush()
    for batch in _batches_of(session, scan):
        settle_batch(session, batch)


def settle_batch(session: Session, batch: Batch) -> None:
    statuses = [f.scan.status for f in batch.files]
    if not all(s.finished for s in statuses):
        if batch.status == BatchStatus.QUEUED and any(s != ScanStatus.QUEUED for s in statuses):
            batch.status = BatchStatus.PROCESSING
        return
    if all(s == ScanStatus.DONE for s in statuses):
        batch.status = BatchStatus.DONE
    elif all(s == ScanStatus.FAILED for s in statuses):
        batch.status = BatchStatus.FAILED
    else:
        batch.status = BatchStatus.PARTIAL
    batch.finished_at = batch.finished_at or utcnow()


def _unique(items: Sequence[Any]) -> list[Any]:
    seen: list[Any] = []
    for item in items:
        if item not in seen:
            seen.append(item)
    return seen
