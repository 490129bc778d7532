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
from digitize.pdf.sign import SigningError
from digitize.records import CopyOptions, prepare_copy
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
    page_pdfs: Sequence[PageSource],
    target: Callable[[int, UnderstoodDocument], Path],
    *,
    metadata: DocumentMetadata,
    pdfa: bool,
    title: Callable[[int, UnderstoodDocument], str] | None = None,
    copy: CopyOptions | None = None,
    dossier_codes: Sequence[str | None] | None = None,
) -> FiledDocuments:
    """One PDF per document, from the file's one-page PDFs (`page_pdfs[n - 1]` is page n).

    `target(index, document)` says where each goes; a document that cannot be written
    is reported and the others are still written. With `copy`, each is made a copy
    with legal value (see `digitize.records`), its dossier's code from `dossier_codes`.
    """
    filed = FiledDocuments([])
    for index, document in enumerate(documents):
        path = target(index, document)
        name = title(index, document) if title else document.doc_type_name or document.doc_type
        sources = [page_pdfs[page - 1] for page in document.pages]
        named = replace(metadata, title=name or metadata.title)
        info = None
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            if copy is None:
                assemble_pdf(sources, path, metadata=named, pdfa=pdfa)
            else:
                code = dossier_codes[index] if dossier_codes else None
                info = _write_copy(document, sources, path, named, pdfa, copy, code, filed.warnings)
        except (DigitizeError, OSError) as exc:
            filed.warnings.append(f"document {index + 1} not written: {exc}")
            filed.paths.append(None)
            filed.copies.append(None)
            continue
        filed.paths.append(path)
        filed.copies.append(info)
    return filed
