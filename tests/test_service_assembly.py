"""The queue's assembly step files a scan through the library's one filing path, reading
its pages' reports one at a time (memory flat in a stack's length)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any

import pikepdf
from sqlalchemy import event, select

from digitize.results import Line, PageReport, TextSource, Word
from models import Document, Page, PageStatus, Scan, ScanStatus
from service.context import Services
from service.processing import assemble_scan
from storage import BlobStore
from tests.badfiles import good_pdf

TEXT = "GIẤY KHAI SINH\nHọ, chữ đệm, tên: ĐINH THỊ THU HÀ\nNgày sinh: 02/09/2023"


def _line(n: int, row: str) -> Line:
    words = tuple(
        Word(w, (10 * i, 20 * n, 10 * i + 9, 20 * n + 15), 0.9) for i, w in enumerate(row.split())
    )
    return Line(words, (0, 20 * n, 300, 20 * n + 15))


def _report(number: int, source: TextSource = TextSource.OCR) -> dict[str, Any]:
    lines = tuple(_line(n, row) for n, row in enumerate(TEXT.splitlines()))
    report = PageReport(number, 0, 0.0, 100, TEXT, 0.9, 12, False, text_source=source, lines=lines)
    return report.as_json()


def _scan(
    services: Services, tmp_path: Path, pages: int, kept: frozenset[int] = frozenset()
) -> int:
    """A scan whose pages are digitised (as the page jobs leave them)."""
    with services.writes.begin() as session:
        scan = Scan(sha256="e" * 64, size=1, format="pdf", original_name="khai-sinh.pdf",
                    status=ScanStatus.PROCESSING, pages_total=pages)  # fmt: skip
        session.add(scan)
        session.flush()
        for number in range(1, pages + 1):
            key = f"pages/{scan.sha256}/{number:05d}.pdf"
            services.store.put_file(key, good_pdf(tmp_path / f"page-{number}.pdf"))
            source = TextSource.PDF if number in kept else TextSource.OCR
            session.add(Page(scan_id=scan.id, number=number, status=PageStatus.DONE, text=TEXT,
                             blank=False, report=_report(number, source), pdf_key=key))  # fmt: skip
        return scan.id


def test_assembly_reads_each_page_s_report_alone(services: Services, tmp_path: Path) -> None:
    scan_id = _scan(services, tmp_path, pages=6)
    reads: list[str] = []

    def watch(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if statement.lstrip().upper().startswith("SELECT") and "pages.report" in statement:
            reads.append(statement)

    event.listen(services.engine, "before_cursor_execute", watch)
    try:
        assemble_scan(services, scan_id)
    finally:
        event.remove(services.engine, "before_cursor_execute", watch)
    assert reads, "the reports were not read at all"
    # Every read of a report names its page: never the whole scan's reports at once.
    assert all("pages.number =" in statement for statement in reads), reads
    with services.sessions() as session:
        scan = session.get(Scan, scan_id)
        assert scan is not None and scan.status is ScanStatus.DONE, scan and scan.warnings
        documents = session.scalars(select(Document).where(Document.scan_id == scan_id)).all()
    assert documents and all(d.pdf_key for d in documents)
    assert sorted(p for d in documents for p in d.pages) == list(range(1, 7))


def test_a_kept_text_layer_makes_the_documents_plain_pdf(
    services: Services, tmp_path: Path
) -> None:
    """The library's rule: PDF/A only without kept text. The service does not count it
    as a problem of the scan (no warning, not partial)."""
    scan_id = _scan(services, tmp_path, pages=2, kept=frozenset({2}))
    assemble_scan(services, scan_id)
    with services.sessions() as session:
        scan = session.get(Scan, scan_id)
        assert scan is not None and scan.status is ScanStatus.DONE and scan.warnings == []
        document = session.scalars(select(Document).where(Document.scan_id == scan_id)).first()
    assert document is not None and document.pdf_key is not None
    with services.store.local_copy(document.pdf_key) as path, pikepdf.open(path) as pdf:
        assert pdf.open_metadata().get("pdfaid:part") is None


class _CountingStore:
    """The test's store, counting the local copies of page PDFs open at once."""

    def __init__(self, store: BlobStore) -> None:
        self._store = store
        self.open = 0
        self.most = 0

    def __getattr__(self, name: str) -> Any:
        return getattr(self._store, name)

    @contextmanager
    def local_copy(self, key: str) -> Iterator[Path]:
        with self._store.local_copy(key) as path:
            self.open += 1
            self.most = max(self.most, self.open)
            try:
                yield path
            finally:
                self.open -= 1


def test_assembly_opens_one_document_s_pages_at_a_time(services: Services, tmp_path: Path) -> None:
    """A stack's page PDFs are not all copied out of the store at once (on S3 each copy
    is a download held on disk): only the pages of the document being written."""
    scan_id = _scan(services, tmp_path, pages=6)
    counting = _CountingStore(services.store)
    assemble_scan(replace(services, store=counting), scan_id)  # type: ignore[arg-type]
    with services.sessions() as session:
        scan = session.get(Scan, scan_id)
        assert scan is not None and scan.status is ScanStatus.DONE, scan and scan.warnings
        documents = session.scalars(select(Document).where(Document.scan_id == scan_id)).all()
    longest = max(len(d.pages) for d in documents)
    assert longest < 6, "the scan must hold several documents for this test to say anything"
    assert counting.open == 0  # every copy given back
    assert 0 < counting.most <= longest
