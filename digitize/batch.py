"""Digitising many files at once: pages of all files run side by side, each file assembled
as soon as its last page is done.

Threads suffice for parallelism: the heavy work happens in Tesseract processes and
in OpenCV, both outside Python's lock, and one process keeps memory low. Only this
thread assembles output files.

Memory must not grow with a file's length (a bulk-scan stack may have thousands of
pages): each page's report goes to the file's work folder as soon as the page is done,
the coordinating thread understands the pages from there in page order while later
pages are still being read (a stack one document at a time), and the result JSON is
written page by page from the work folder.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import json
import logging
import os
import re
import shutil
import tempfile
import threading
import time
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import IO, Any, Protocol

import numpy as np

from digitize.errors import DigitizeError
from digitize.filing import (
    FiledFile,
    FileFiler,
    FilingOptions,
    PagePdfs,
    Placement,
    describe_unexpected,
    dossier_folders,
    record_review,
)
from digitize.imaging.common import use_one_opencv_thread
from digitize.imaging.handwriting import pdf_page_ink
from digitize.inputs import count_pages
from digitize.inputs.folder import note_page_origins
from digitize.memory import release_free_memory
from digitize.ocr.engine import OcrEngine
from digitize.pdf import DocumentMetadata, PageSource, assemble_pdf
from digitize.pdf.assemble import Assembled
from digitize.pdf.mark import DigitiserMark
from digitize.pipeline import DebugSink, PipelineOptions, process_page, write_debug_image
from digitize.records import CopyOptions
from digitize.records.copy import describe_copy
from digitize.results import BBox, PageReport
from digitize.understand import UnderstoodDocument
from digitize.understand.files import FileUnderstanding

log = logging.getLogger(__name__)

# Image stages take about a fifth of a page's time, OCR the rest: one page in the image
# stages per three running keeps every core busy while bounding memory.
_PAGES_PER_IMAGE_SLOT = 3


# glibc gives threads malloc arenas of their own (up to 8 per core), and a page's arrays
# are freed into the arena of the thread that made them: with one arena per page thread
# their leftovers add up. So page threads share one arena per image slot. 100-page bench,
# 3 jobs, peak PSS of the process tree: 454-462 MB with glibc's default, 351-392 MB with
# 2 arenas, 340-350 MB with 1, for about 1.5 s more CPU in 85 (threads wait for the lock).
_M_ARENA_MAX = -8  # mallopt's parameter number, from glibc's malloc.h


class MemoryGate:
    """Lets a few pages at a time hold full-size images; on leaving, their memory goes back.

    Without the trim, each thread's allocator arena would keep its largest page.
    """

    def __init__(self, slots: int) -> None:
        self._slots = threading.Semaphore(slots)
        _limit_malloc_arenas(slots)

    def __enter__(self) -> None:
        self._slots.acquire()

    def __exit__(self, *exc: object) -> None:
        release_free_memory()
        self._slots.release()


def _limit_malloc_arenas(count: int) -> None:
    """Cap glibc's malloc arenas for threads started from now on; elsewhere nothing happens.

    A MALLOC_ARENA_MAX set in the environment is left to rule.
    """
    if "MALLOC_ARENA_MAX" in os.environ:
        return
    name = ctypes.util.find_library("c")
    if name is None:
        return
    try:
        mallopt = ctypes.CDLL(name).mallopt
    except (OSError, AttributeError):  # not glibc
        return
    mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
    mallopt.restype = ctypes.c_int
    if not mallopt(_M_ARENA_MAX, count):
        log.debug("mallopt(M_ARENA_MAX) refused; each page thread keeps its own arena")


class FileStatus(StrEnum):
    DONE = "done"
    PARTIAL = "partial"  # written, but some page could not be OCR'd (see warnings)
    FAILED = "failed"  # nothing written; an earlier output of the same name is untouched


@dataclass(slots=True)
class FileResult:
    source: Path
    status: FileStatus
    pages: int = 0
    pdf: Path | None = None
    json: Path | None = None
    error: str | None = None
    warnings: list[str] = field(default_factory=list)
    seconds: float = 0.0


class BatchListener(Protocol):
    """Hooks for progress display; all are called from the coordinating thread."""

    def file_started(self, source: Path, pages: int) -> None: ...

    def page_done(self, source: Path) -> None: ...

    def file_done(self, result: FileResult) -> None: ...


class _Quiet:
    def file_started(self, source: Path, pages: int) -> None:
        pass

    def page_done(self, source: Path) -> None:
        pass

    def file_done(self, result: FileResult) -> None:
        pass


@dataclass(frozen=True, slots=True)
class _PageDone:
    """What is kept in memory of a finished page; its report waits in the work folder."""

    pdf: PageSource
    warning: str | None
    error: str | None = None  # the page failed (a blank stand-in); see pipeline.failed_page


@dataclass(slots=True)
class _FileJob:
    position: int  # in the caller's list of sources
    source: Path
    stem: str
    pages: int
    workdir: Path
    started: float
    filer: FileFiler  # understands the pages as they are done, files the file at the end
    outcomes: dict[int, _PageDone] = field(default_factory=dict)
    futures: list[Future[_PageDone]] = field(default_factory=list)
    delivered: int = 0  # futures as_completed has handed over, cancelled ones included
    error: str | None = None


def digitize_files(
    sources: Sequence[Path],
    out_dir: Path,
    *,
    engine: OcrEngine,
    options: PipelineOptions,
    output: FilingOptions,
    jobs: int,
    listener: BatchListener | None = None,
    debug_dir: Path | None = None,
) -> list[FileResult]:
    """Digitise each source into `out_dir/<stem>.pdf` and `.json`.

    One bad file never stops the others; results come back in the order of `sources`.
    """
    listener = listener or _Quiet()
    use_one_opencv_thread()  # pages run side by side, with Tesseract's processes
    out_dir.mkdir(parents=True, exist_ok=True)
    results: dict[int, FileResult] = {}
    page_of: dict[Future[_PageDone], tuple[_FileJob, int]] = {}
    # Full-size page images are worked on by few pages at a time; the others wait on OCR.
    memory_gate = MemoryGate(max(1, jobs // _PAGES_PER_IMAGE_SLOT))
    with ThreadPoolExecutor(max_workers=max(1, jobs), thread_name_prefix="page") as pool:
        for position, (source, stem) in enumerate(zip(sources, output_stems(sources), strict=True)):
            try:
                pages = count_pages(source, options.limits)
            except Exception as exc:  # one bad file never stops the batch
                error = str(exc) if isinstance(exc, DigitizeError) else describe_unexpected(exc)
                results[position] = FileResult(source, FileStatus.FAILED, error=error)
                listener.file_done(results[position])
                continue
            workdir = Path(tempfile.mkdtemp(prefix=".digitize-work-", dir=out_dir))
            folder = _WorkFolder(workdir)
            filer = FileFiler(folder, pages, output, ink=folder.ink)
            job = _FileJob(position, source, stem, pages, workdir, time.perf_counter(), filer)
            listener.file_started(source, pages)
            for index in range(pages):
                debug = (
                    write_debug_image(debug_dir, f"{stem}-p{index + 1:04d}") if debug_dir else None
                )
                future = pool.submit(
                    _digitise_page,
                    source,
                    index,
                    options=options,
                    engine=engine,
                    workdir=workdir,
                    debug=debug,
                    memory_gate=memory_gate,
                )
                job.futures.append(future)
                page_of[future] = (job, index)

        for future in as_completed(page_of):
            job, index = page_of[future]
            job.delivered += 1
            if not future.cancelled():
                listener.page_done(job.source)
                exc = future.exception()
                if exc is None:
                    job.outcomes[index] = future.result()
                    _read_done_pages(job)
                elif job.error is None:
                    job.error = _describe_failure(index, exc)
                    for other in job.futures:
                        other.cancel()  # pages not yet started; running ones finish
            # Not "all futures done": a page may be done but not yet handed over here.
            if job.delivered == len(job.futures):
                try:
                    results[job.position] = _finish_file(job, out_dir)
                except Exception as exc:  # a bug in assembling one file spares the others
                    results[job.position] = _failed(job, describe_unexpected(exc))
                listener.file_done(results[job.position])
    return [results[position] for position in range(len(sources))]


def _digitise_page(
    source: Path,
    index: int,
    *,
    options: PipelineOptions,
    engine: OcrEngine,
    workdir: Path,
    debug: DebugSink | None,
    memory_gate: MemoryGate,
) -> _PageDone:
    """One page through the pipeline, its report written to the work folder (in the
    page's thread, so that the reports of pages done never pile up in memory)."""
    outcome = process_page(
        source,
        index,
        options=options,
        engine=engine,
        workdir=workdir,
        debug=debug,
        memory_gate=memory_gate,
    )
    _WorkFolder(workdir).write(index, outcome.report)
    return _PageDone(outcome.pdf, outcome.warning, outcome.error)


class _WorkFolder:
    """A file's page reports in its work folder, one JSON file per page (`PageReports`)."""

    def __init__(self, workdir: Path) -> None:
        self._workdir = workdir

    def _path(self, index: int) -> Path:
        return self._workdir / f"page-{index + 1:05d}.json"

    def write(self, index: int, report: PageReport) -> None:
        text = json.dumps(report.as_json(), ensure_ascii=False)
        self._path(index).write_text(text, encoding="utf-8")

    def report(self, index: int) -> PageReport:
        return PageReport.from_json(json.loads(self._path(index).read_text(encoding="utf-8")))

    def ink(self, index: int) -> Callable[[BBox], np.ndarray | None] | None:
        """Page `index`'s image, from the one-page PDF the pipeline wrote beside its report
        (a page that kept its own text layer has none here)."""
        pdf = self._workdir / f"page-{index + 1:05d}.pdf"
        return pdf_page_ink(pdf, 0) if pdf.is_file() else None


def _read_done_pages(job: _FileJob) -> None:
    """Hand the filer the pages done that follow those it has, in page order: so a stack
    is understood while its later pages are still in OCR (see FileReader)."""
    if job.error is not None:
        return
    done = job.filer.pages_read
    while done in job.outcomes:
        done += 1
    job.filer.read(done)


def _page_reports(job: _FileJob) -> Iterator[dict[str, Any]]:
    """The pages' reports for the result, read back from the work folder one at a time."""
    origins: list[dict[str, Any]] = [{} for _ in range(job.pages)]
    if job.source.is_dir():  # a folder stack: the image each page came from
        note_page_origins(job.source, origins)
    pages = _WorkFolder(job.workdir)
    for index, origin in enumerate(origins):
        report = pages.report(index).as_json()
        report.update(origin)
        yield report


def _describe_failure(index: int, exc: BaseException) -> str:
    if isinstance(exc, DigitizeError):
        return f"page {index + 1}: {exc}"
    return f"page {index + 1}: {describe_unexpected(exc)}"


class _WritingFailedError(Exception):
    """The file's own PDF could not be written: the file fails."""


class _OutputFolder:
    """Where `digitize process` files: DIR/<stem>.pdf, and a stack's documents in a folder
    per dossier, DIR/<folder>/<nn>-<document type>.pdf (a `FilingSink`)."""

    def __init__(self, out_dir: Path, stem: str) -> None:
        self.out_dir = out_dir
        self.stem = stem
        self.names: list[str] = []  # per document, its PDF's path relative to out_dir

    @property
    def pdf_path(self) -> Path:
        return self.out_dir / f"{self.stem}.pdf"

    def file_pdf(
        self,
        pages: PagePdfs,
        metadata: DocumentMetadata,
        *,
        pdfa: bool,
        copy: CopyOptions | None,
    ) -> Assembled:
        mark = DigitiserMark(copy.unit, copy.digitised_by, metadata.created) if copy else None
        try:
            with pages.open(range(1, len(pages) + 1)) as sources:
                return assemble_pdf(
                    sources,
                    self.pdf_path,
                    metadata=metadata,
                    pdfa=pdfa,
                    # The whole file's PDF is marked and signed too; unsigned, it is not written.
                    mark=mark,
                    signer=copy.signer if copy else None,
                    signature=copy.signature if copy else None,
                )
        except DigitizeError as exc:
            raise _WritingFailedError(f"writing the PDF: {exc}") from exc

    def places(
        self, understood: FileUnderstanding | None, documents: Sequence[UnderstoodDocument]
    ) -> list[Placement]:
        if understood is None or not documents:
            return []
        folders = dossier_folders(understood, self.stem)
        self.names = _numbered_names(understood, folders)
        return [
            Placement(self.out_dir / name, f"{folder} {document.doc_type_name or ''}")
            for name, folder, document in zip(self.names, folders, documents, strict=True)
        ]


def _finish_file(job: _FileJob, out_dir: Path) -> FileResult:
    """Assemble the PDF and write the JSON, or report why not; always clean the work folder."""
    try:
        if job.error is not None:
            return _failed(job, job.error)
        outcomes = [job.outcomes[i] for i in range(job.pages)]
        if all(o.error is not None for o in outcomes):  # nothing of the file was digitised
            return _failed(
                job,
                f"page 1: {outcomes[0].error}"
                if job.pages == 1
                else f"no page could be digitised (page 1: {outcomes[0].error})",
            )
        folder = _OutputFolder(out_dir, job.stem)
        try:
            filed = job.filer.finish(
                folder,
                page_pdfs=[o.pdf for o in outcomes],
                page_warnings=[o.warning for o in outcomes if o.warning],
                title=job.source.stem,
                created=datetime.now(UTC),
            )
        except _WritingFailedError as exc:
            return _failed(job, str(exc))
        status = FileStatus.PARTIAL if any(o.warning for o in outcomes) else FileStatus.DONE
        json_path = out_dir / f"{job.stem}.json"
        document = {
            "source": str(job.source),
            "pages": JsonList(_page_reports(job)),
            **_understanding_json(filed, folder.names, job.filer.options.copy),
            "pdf": folder.pdf_path.name,
            "pdfa": filed.pdfa,
            "status": status.value,
            "warnings": filed.warnings,
            "producer": filed.metadata.producer,
            "created": filed.metadata.created.isoformat(timespec="seconds"),
        }
        copy = job.filer.options.copy
        if copy is not None:
            whole = filed.whole
            document["mark"] = whole.mark.as_json() if whole and whole.mark else None
            document["signature"] = (
                {"signer": copy.signer.summary.as_json(), "signed_at": whole.signed_at.isoformat()}
                if copy.signer and whole and whole.signed_at
                else None
            )
        write_json_atomically(json_path, document)
        return FileResult(
            job.source,
            status,
            pages=job.pages,
            pdf=folder.pdf_path,
            json=json_path,
            warnings=filed.warnings,
            seconds=time.perf_counter() - job.started,
        )
    finally:
        shutil.rmtree(job.workdir, ignore_errors=True)


def _understanding_json(
    filed: FiledFile, names: Sequence[str], copy: CopyOptions | None
) -> dict[str, Any]:
    """The result's documents, dossiers and unassigned pages, with each document's PDF,
    its copy's metadata (with `copy`) and each dossier's record."""
    if filed.understood is None:
        return {"documents": []}
    understood_json = filed.understood.as_json()
    documents = understood_json["documents"]
    assert isinstance(documents, list)
    if copy is not None:  # every document's metadata, also those without a PDF of their own
        created = filed.metadata.created
        for entry, item, code in zip(
            documents, filed.understood.documents, filed.codes, strict=True
        ):
            entry.update(describe_copy(item, copy, time=created, dossier_code=code))
    if filed.understood.dossiers:  # a stack: one PDF per document, in a folder per dossier
        for entry, path, name, info in zip(
            documents, filed.paths, names, filed.copies, strict=True
        ):
            entry["pdf"] = name if path is not None else None
            entry.update(info or {})
        dossiers = understood_json["dossiers"]
        assert isinstance(dossiers, list)
        for index, link in filed.links.items():
            entry = dossiers[index]
            if link is None:
                entry["record"] = None
                continue
            entry["record"] = link.record.as_json()
            entry["record_created"] = link.created
            entry["review"] += record_review(link)
    return understood_json


def _numbered_names(understood: FileUnderstanding, folders: list[str]) -> list[str]:
    """<folder>/<nn>-<document type>.pdf, numbered within each folder."""
    numbers: dict[str, int] = {}
    names = []
    for folder, document in zip(folders, understood.documents, strict=True):
        numbers[folder] = numbers.get(folder, 0) + 1
        names.append(f"{folder}/{numbers[folder]:02d}-{document.doc_type}.pdf")
    return names


def _failed(job: _FileJob, reason: str) -> FileResult:
    return FileResult(
        job.source,
        FileStatus.FAILED,
        pages=job.pages,
        error=reason,
        seconds=time.perf_counter() - job.started,
    )


@dataclass(frozen=True, slots=True)
class JsonList:
    """A list in a document for `write_json_atomically` that is written item by item,
    each item made only when it is written (the pages of a long stack)."""

    items: Iterable[object]


def write_json_atomically(path: Path, document: object) -> None:
    """Write JSON beside `path` and rename it into place: never a half-written file.

    The text is json.dump's with indent=1; a top-level value may be a `JsonList`.
    """
    handle, temp_name = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        os.fchmod(handle, 0o644)  # mkstemp's 0600 would hide results from other staff
        with os.fdopen(handle, "w", encoding="utf-8") as temp:
            if isinstance(document, Mapping) and any(
                isinstance(v, JsonList) for v in document.values()
            ):
                _dump_streamed(document, temp)
            else:
                json.dump(document, temp, ensure_ascii=False, indent=1)
            temp.write("\n")
        Path(temp_name).replace(path)
    except BaseException:
        Path(temp_name).unlink(missing_ok=True)
        raise


def _dump_streamed(document: Mapping[str, object], out: IO[str]) -> None:
    """json.dump(document, out, ensure_ascii=False, indent=1), a JsonList item by item.

    A value at depth d is json.dumps' text with d spaces after each of its newlines;
    JSON strings hold no raw newline, so only the layout's newlines are shifted.
    """

    def text(value: object, depth: int) -> str:
        dumped = json.dumps(value, ensure_ascii=False, indent=1)
        return dumped.replace("\n", "\n" + " " * depth)

    out.write("{")
    for number, (key, value) in enumerate(document.items()):
        out.write(f"{',' if number else ''}\n {json.dumps(key, ensure_ascii=False)}: ")
        if not isinstance(value, JsonList):
            out.write(text(value, 1))
            continue
        empty = True
        for item in value.items:
            out.write(f"{'[' if empty else ','}\n  {text(item, 2)}")
            empty = False
        out.write("[]" if empty else "\n ]")
    out.write("\n}")


_UNSAFE = re.compile(r"[\x00-\x1f\x7f/\\]")
_MAX_STEM_BYTES = 200


def safe_stem(source: Path) -> str:
    """An output name from the input's stem (a folder's whole name: "lot.2024" is no
    suffix): no control characters or separators, NFC."""
    name = source.name if source.is_dir() else source.stem
    stem = unicodedata.normalize("NFC", _UNSAFE.sub("_", name)).strip()
    while len(stem.encode("utf-8")) > _MAX_STEM_BYTES:
        stem = stem[:-1]
    if not stem.strip("."):
        stem = "document"
    return stem


def output_stems(sources: Sequence[Path]) -> list[str]:
    """One distinct output stem per source: a repeated name gets -2, -3, ..."""
    seen: dict[str, int] = {}
    stems = []
    for source in sources:
        stem = safe_stem(source)
        count = seen.get(stem.casefold(), 0) + 1
        seen[stem.casefold()] = count
        stems.append(stem if count == 1 else f"{stem}-{count}")
    return stems
