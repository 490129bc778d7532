"""Filing a digitised file: what its pages are, and one searchable PDF per document.

Shared by the command line (`batch.py`, which files into an output folder) and the
service (which files into its store): both hand over the page reports and one-page
PDFs, and decide where each document's PDF goes.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from digitize.errors import DigitizeError
from digitize.pdf import DocumentMetadata, PageSource, assemble_pdf
from digitize.understand import Knowledge, UnderstoodDocument, page_from_report
from digitize.understand.files import FileReader, FileUnderstanding

log = logging.getLogger(__name__)


def describe_unexpected(exc: BaseException) -> str:
    """One line for a failure the pipeline has no error type for; the traceback goes to the log."""
    if isinstance(exc, OSError):
        return f"system error ({exc})"  # e.g. the disk is full
    log.error("unexpected failure", exc_info=exc)
    return f"internal error ({type(exc).__name__}: {exc})"


def understand_reports(
    reports: Sequence[Mapping[str, Any]], knowledge: Knowledge | None, warnings: list[str]
) -> FileUnderstanding | None:
    """The file's documents and dossiers; a failure here costs only them (see `warnings`)."""
    if knowledge is None:
        return None
    try:
        # Each page's text is made from its report when it is read, not all at once.
        reader = FileReader(knowledge, lambda index: page_from_report(reports[index]))
        for report in reports:
            reader.add(page_from_report(report))
        return reader.finish()
    except Exception as exc:  # the PDF and the text are still worth writing
        warnings.append(f"documents not understood: {describe_unexpected(exc)}")
        return None


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


def write_document_pdfs(
    documents: Sequence[UnderstoodDocument],
    page_pdfs: Sequence[PageSource],
    target: Callable[[int, UnderstoodDocument], Path],
    *,
    metadata: DocumentMetadata,
    pdfa: bool,
    title: Callable[[int, UnderstoodDocument], str] | None = None,
) -> FiledDocuments:
    """One PDF per document, from the file's one-page PDFs (`page_pdfs[n - 1]` is page n).

    `target(index, document)` says where each goes; a document that cannot be written
    is reported and the others are still written.
    """
    filed = FiledDocuments([])
    for index, document in enumerate(documents):
        path = target(index, document)
        name = title(index, document) if title else document.doc_type_name or document.doc_type
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            assemble_pdf(
                [page_pdfs[page - 1] for page in document.pages],
                path,
                metadata=replace(metadata, title=name or metadata.title),
                pdfa=pdfa,
            )
        except (DigitizeError, OSError) as exc:
            filed.warnings.append(f"document {index + 1} not written: {exc}")
            filed.paths.append(None)
            continue
        filed.paths.append(path)
    return filed
