"""Filing a digitised file: what its pages are, one searchable PDF per document, and
each dossier of a stack linked to its one-stop record.

The one path from page reports to filed documents, for the command line (`batch.py`,
which files into an output folder while later pages are still in OCR) and the service
(`service/processing.py`, which files into its store once every page is done). They
differ only in where the reports and the one-page PDFs come from (`PageReports`,
`PagePdfs`) and where the PDFs go (`FilingSink`); the reports are read one at a time,
in page order, and the one-page PDFs opened one document's worth at a time, so memory
and open copies do not grow with the file's length:

    FileFiler.read(n)   reports of pages up to n: understood as they come (FileReader)
    FileFiler.finish()  the rest read; the whole file's PDF (if the sink keeps one);
                        the documents; one PDF each (`write_document_pdfs`); records linked
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from digitize import __version__
from digitize.errors import DigitizeError
from digitize.pdf import DocumentMetadata, PageSource, assemble_pdf
from digitize.pdf.assemble import Assembled
from digitize.pdf.sign import SigningError
from digitize.records import CopyOptions, prepare_copy
from digitize.records.copy import dossier_codes
from digitize.results import BBox, PageReport, TextSource
from digitize.understand import Knowledge, PageText, UnderstoodDocument, page_from_report
from digitize.understand.files import FileReader, FileUnderstanding
from digitize.understand.link import Link, RecordBook, link_dossier

log = logging.getLogger(__name__)

KEPT_TEXT_WARNING = (
    "pages with their own text layer were kept as they are, so the PDF is not "
    "PDF/A; use --redo-ocr for an archive copy"
)


def describe_unexpected(exc: BaseException) -> str:
    """One line for a failure the pipeline has no error type for; the traceback goes to the log."""
    if isinstance(exc, OSError):
        return f"system error ({exc})"  # e.g. the disk is full
    log.error("unexpected failure", exc_info=exc)
    return f"internal error ({type(exc).__name__}: {exc})"


class PageReports(Protocol):
    """Where a digitised file's page reports are read from: one page at a time, by its
    0-based index (a page may be asked for again, see `FileReader`)."""

    def report(self, index: int) -> PageReport: ...


# Page i's (0-based) image pixels in a box, when the page's image is at hand: understanding
# looks at a value's ink for handwriting (see `PageText.ink`).
PageInk = Callable[[int], Callable[[BBox], np.ndarray | None] | None]


class PagePdfs(Protocol):
    """Where a digitised file's one-page PDFs are read from: a few pages at a time (one
    document's), so a store that must download them never holds a stack's at once."""

    def __len__(self) -> int: ...

    def open(self, numbers: Sequence[int]) -> AbstractContextManager[list[PageSource]]:
        """The one-page PDFs of pages `numbers` (1-based), usable while the context lasts."""
        ...


class PagesAtHand:
    """`PagePdfs` already on the local disk: `sources[n - 1]` is page n's."""

    def __init__(self, sources: Sequence[PageSource]) -> None:
        self._sources = sources

    def __len__(self) -> int:
        return len(self._sources)

    @contextmanager
    def open(self, numbers: Sequence[int]) -> Iterator[list[PageSource]]:
        yield [self._sources[n - 1] for n in numbers]


def _page_pdfs(pages: PagePdfs | Sequence[PageSource]) -> PagePdfs:
    return PagesAtHand(pages) if isinstance(pages, Sequence) else pages


@dataclass(frozen=True, slots=True)
class Placement:
    path: Path  # where the document's PDF is written
    title: str  # its title in the PDF's metadata


class FilingSink(Protocol):
    """Where a filed file's PDFs go."""

    def file_pdf(
        self,
        pages: PagePdfs,
        metadata: DocumentMetadata,
        *,
        pdfa: bool,
        copy: CopyOptions | None,
    ) -> Assembled | None:
        """The whole file as one PDF, if this sink keeps one (DigitizeError if it cannot),
        marked and signed as `copy` says. A sink that keeps none opens no page."""

    def places(
        self, understood: FileUnderstanding | None, documents: Sequence[UnderstoodDocument]
    ) -> list[Placement]:
        """Where each document's PDF goes, and its title."""


@dataclass(frozen=True, slots=True)
class FilingOptions:
    pdfa: bool = True  # PDF/A-2b, unless a page kept its own text layer
    operator: str | None = None  # who digitises, in the PDFs' metadata
    knowledge: Knowledge | None = None  # None: no documents, no dossiers
    records: RecordBook | None = None  # link each dossier of a stack to its one-stop record
    # One PDF per document of any file, and an unread file one document of unknown type
    # (the service); else only a stack's documents get PDFs of their own (the command line).
    every_document: bool = False
    warn_kept_text: bool = True  # say in the warnings why the PDF is not PDF/A
    copy: CopyOptions | None = None  # the mark, metadata and signature (issue 19)
    dossier_code: str | None = None  # the file's dossier, when known to be one dossier


@dataclass(slots=True)
class FiledFile:
    understood: FileUnderstanding | None  # None: not asked, or it failed (see warnings)
    documents: list[UnderstoodDocument]  # those filed, in order
    paths: list[Path | None]  # per document; None where its PDF could not be written
    links: dict[int, Link | None]  # per dossier index linked; None: its code is undecided
    warnings: list[str]
    pdfa: bool
    metadata: DocumentMetadata
    # per document, with `copy`: its metadata, mark and signature (JSON), else None
    copies: list[dict[str, Any] | None] = field(default_factory=list)
    codes: list[str | None] = field(default_factory=list)  # per document, its dossier's code
    whole: Assembled | None = None  # the whole file's PDF, if the sink keeps one


class FileFiler:
    """Files one digitised file whose page reports arrive in page order.

    `read(n)` may be called as pages are done (the command line understands a stack
    while its later pages are still in OCR); `finish` reads what is left and files.
    """

    def __init__(
        self,
        reports: PageReports,
        pages: int,
        options: FilingOptions,
        ink: PageInk | None = None,
    ) -> None:
        self._reports = reports
        self._ink = ink
        self._pages = pages
        self._options = options
        self._reader = FileReader(options.knowledge, self._page_text) if options.knowledge else None
        self._read = 0
        self._kept_text = False  # a page kept its own text layer: the PDFs cannot be PDF/A
        self._not_understood: str | None = None

    def _page_text(self, index: int) -> PageText:
        return page_from_report(self._reports.report(index), self._ink and self._ink(index))

    @property
    def options(self) -> FilingOptions:
        return self._options

    @property
    def pages_read(self) -> int:
        return self._read

    def read(self, count: int) -> None:
        """Read the reports of the pages before `count` not read yet, in page order."""
        while self._read < min(count, self._pages):
            report = self._reports.report(self._read)
            self._kept_text = self._kept_text or report.text_source is TextSource.PDF
            if self._reader is not None:
                try:
                    self._reader.add(page_from_report(report, self._ink and self._ink(self._read)))
                except Exception as exc:  # the PDFs and the text are still worth writing
                    self._reader, self._not_understood = None, describe_unexpected(exc)
            self._read += 1

    def understand(self) -> FileUnderstanding:
        """What the file is (documents, dossiers), every page read, nothing filed: for
        results already filed whose understanding is made again (`digitize understand`).
        Raises DigitizeError if it cannot be understood."""
        if self._reader is None and self._not_understood is None:
            raise DigitizeError("understanding needs the catalogue and the classifier")
        self.read(self._pages)
        understood = self._understand()
        if understood is None:
            raise DigitizeError(f"documents not understood: {self._not_understood}")
        return understood

    def finish(
        self,
        sink: FilingSink,
        *,
        page_pdfs: PagePdfs | Sequence[PageSource],
        page_warnings: Sequence[str],
        title: str,
        created: datetime,
    ) -> FiledFile:
        """File the file: `page_pdfs` holds each page's one-page PDF (a sequence:
        `page_pdfs[n - 1]` is page n's), `page_warnings` what its pages reported. Raises
        what `sink.file_pdf` raises."""
        page_pdfs = _page_pdfs(page_pdfs)
        self.read(self._pages)
        options = self._options
        pdfa = options.pdfa and not self._kept_text
        metadata = DocumentMetadata(
            title=title,
            created=created,
            author=options.operator,
            producer=f"digitize {__version__}",
        )
        whole = sink.file_pdf(page_pdfs, metadata, pdfa=pdfa, copy=options.copy)
        warnings = list(page_warnings)
        if options.pdfa and self._kept_text and options.warn_kept_text:
            warnings.append(KEPT_TEXT_WARNING)
        understood = self._understand()
        if self._not_understood is not None:
            warnings.append(f"documents not understood: {self._not_understood}")
        documents = self._documents(understood)
        codes = self._codes(understood)
        places = sink.places(understood, documents)
        written = write_document_pdfs(
            documents,
            page_pdfs,
            lambda index, _: places[index].path,
            metadata=metadata,
            pdfa=pdfa,
            title=lambda index, _: places[index].title,
            copy=options.copy,
            dossier_codes=codes,
        )
        warnings += written.warnings
        links: dict[int, Link | None] = {}
        if options.records is not None and understood is not None:
            links = link_dossiers(understood, options.records, warnings)
        return FiledFile(
            understood,
            documents,
            written.paths,
            links,
            warnings,
            pdfa,
            metadata,
            copies=written.copies,
            codes=codes,
            whole=whole,
        )

    def _codes(self, understood: FileUnderstanding | None) -> list[str | None]:
        """Per document of the understood file, its dossier's code: a stack's from its
        dossiers, else the one the file is known to belong to."""
        if understood is None:
            return [self._options.dossier_code]
        if understood.dossiers:
            pairs = [(d.reading.code, understood.dossier_documents(d)) for d in understood.dossiers]
            return dossier_codes(understood.documents, pairs)
        return [self._options.dossier_code] * len(understood.documents)

    def _understand(self) -> FileUnderstanding | None:
        if self._reader is None:
            return None
        try:
            return self._reader.finish()
        except Exception as exc:
            self._not_understood = describe_unexpected(exc)
            return None

    def _documents(self, understood: FileUnderstanding | None) -> list[UnderstoodDocument]:
        if understood is not None and (understood.dossiers or self._options.every_document):
            return understood.documents
        if understood is None and self._options.every_document:
            return [whole_file(self._pages)]
        return []


def file_digitised(
    reports: PageReports,
    pages: int,
    sink: FilingSink,
    options: FilingOptions,
    *,
    page_pdfs: PagePdfs | Sequence[PageSource],
    page_warnings: Sequence[str],
    title: str,
    created: datetime,
    ink: PageInk | None = None,
) -> FiledFile:
    """File a digitised file whose pages are all done (see `FileFiler`)."""
    filer = FileFiler(reports, pages, options, ink=ink)
    return filer.finish(
        sink, page_pdfs=page_pdfs, page_warnings=page_warnings, title=title, created=created
    )


def whole_file(pages: int) -> UnderstoodDocument:
    """Without understanding, the file is one document of unknown type."""
    return UnderstoodDocument(
        pages=tuple(range(1, pages + 1)),
        doc_type="unknown",
        doc_type_name=None,
        confidence=0.0,
        procedure=None,
        procedure_name=None,
        procedure_code=None,
        procedure_confidence=0.0,
        review=("document type unknown",),
    )


def link_dossiers(
    understood: FileUnderstanding, records: RecordBook, warnings: list[str] | None = None
) -> dict[int, Link | None]:
    """Each dossier's record (made when missing), by the dossier's index (None: its code
    is undecided). Given `warnings`, a dossier whose record cannot be reached is left out
    with a warning (the files are still good); else the failure is raised."""
    links: dict[int, Link | None] = {}
    for index, dossier in enumerate(understood.dossiers):
        try:
            links[index] = link_dossier(dossier, records)
        except Exception as exc:  # the database is away
            if warnings is None:
                raise
            warnings.append(
                f"dossier {dossier.reading.code}: not linked ({describe_unexpected(exc)})"
            )
    return links


def record_review(link: Link) -> list[str]:
    """What a reviewer must look at where the record and the papers disagree."""
    return [f"record mismatch: {mismatch}" for mismatch in link.mismatches]


def dossier_folders(understood: FileUnderstanding, stem: str) -> list[str]:
    """Per document, the folder it is filed under: its dossier's code, else a review folder.

    Dossiers whose code is undecided, and pages before the first dossier, go to folders
    named after the stack, so nothing is lost and nothing is filed under a guess.
    """
    folders: dict[int, str] = {}
    for n, dossier in enumerate(understood.dossiers, 1):
        folder = dossier.reading.code or f"{stem}-dossier-{n:02d}-review"
        for index in understood.dossier_documents(dossier):
            folders[index] = folder
    return [folders.get(i, f"{stem}-unassigned") for i in range(len(understood.documents))]


@dataclass(slots=True)
class FiledDocuments:
    paths: list[Path | None]  # per document; None where it could not be written
    warnings: list[str] = field(default_factory=list)
    # per document, with `copy`: its metadata, mark and signature (JSON), else None
    copies: list[dict[str, Any] | None] = field(default_factory=list)


def _write_copy(
    document: UnderstoodDocument,
    sources: list[PageSource],
    path: Path,
    metadata: DocumentMetadata,
    pdfa: bool,
    copy: CopyOptions,
    dossier_code: str | None,
    warnings: list[str],
) -> dict[str, Any]:
    """Assemble one document as a copy with legal value (issue 19): XMP metadata, the
    digitiser's mark, and the unit's signature when configured. A procedure's result
    that cannot be signed is not written (SigningError); another document is written
    unsigned, with a warning."""
    prepared = prepare_copy(
        document, copy, page_count=len(sources), time=metadata.created,
        dossier_code=dossier_code,
    )  # fmt: skip
    try:
        done = assemble_pdf(
            sources, path, metadata=metadata, pdfa=pdfa, **prepared.assemble_arguments(copy)
        )
    except SigningError as exc:
        if prepared.procedure_result:
            raise SigningError(f"not released unsigned (a procedure's result): {exc}") from exc
        warnings.append(f"{path.name}: written unsigned: {exc}")
        done = assemble_pdf(
            sources,
            path,
            metadata=metadata,
            pdfa=pdfa,
            **prepared.assemble_arguments(copy, sign=False),
        )
    signer = copy.signer.summary.as_json() if copy.signer and done.signed_at else None
    return {
        "metadata": prepared.metadata.as_json(),
        "mark": done.mark.as_json() if done.mark else None,
        "signature": (
            {"signer": signer, "signed_at": done.signed_at.isoformat()} if signer else None
        ),
        "procedure_result": prepared.procedure_result,
    }


def write_document_pdfs(
    documents: Sequence[UnderstoodDocument],
    page_pdfs: PagePdfs | Sequence[PageSource],
    target: Callable[[int, UnderstoodDocument], Path],
    *,
    metadata: DocumentMetadata,
    pdfa: bool,
    title: Callable[[int, UnderstoodDocument], str] | None = None,
    copy: CopyOptions | None = None,
    dossier_codes: Sequence[str | None] | None = None,
) -> FiledDocuments:
    """One PDF per document, from the file's one-page PDFs (opened one document's pages
    at a time; as a sequence, `page_pdfs[n - 1]` is page n's): the one place a
    document's PDF is written.

    `target(index, document)` says where each goes; a document that cannot be written
    is reported and the others are still written. With `copy`, each is made a copy
    with legal value (see `digitize.records`), its dossier's code from `dossier_codes`.
    """
    pdfs = _page_pdfs(page_pdfs)
    filed = FiledDocuments([])
    for index, document in enumerate(documents):
        path = target(index, document)
        name = title(index, document) if title else document.doc_type_name or document.doc_type
        named = replace(metadata, title=name or metadata.title)
        info = None
        # Outside the `try`: pages that cannot be had (a store out of reach) fail the
        # filing, for the caller to try again, rather than leave a document out.
        with pdfs.open(document.pages) as sources:
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
                if copy is None:
                    assemble_pdf(sources, path, metadata=named, pdfa=pdfa)
                else:
                    code = dossier_codes[index] if dossier_codes else None
                    info = _write_copy(
                        document, sources, path, named, pdfa, copy, code, filed.warnings
                    )
            except (DigitizeError, OSError) as exc:
                filed.warnings.append(f"document {index + 1} not written: {exc}")
                filed.paths.append(None)
                filed.copies.append(None)
                continue
        filed.paths.append(path)
        filed.copies.append(info)
    return filed
