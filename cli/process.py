"""`digitize process`: scans in, DIR/<stem>.pdf and DIR/<stem>.json out."""

from __future__ import annotations

import argparse
import logging
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from cli.records import LazyRecordBook
from config import Settings, load_knowledge
from digitize.batch import FileResult, FileStatus, digitize_files
from digitize.errors import DigitizeError, MissingDependencyError
from digitize.filing import FilingOptions
from digitize.inputs import ReadLimits
from digitize.ocr import TesseractEngine
from digitize.pdf.sign import SigningError
from digitize.pipeline import PipelineOptions
from service import copies

SCAN_SUFFIXES = {".pdf", ".tif", ".tiff", ".jpg", ".jpeg", ".png"}

EXIT_OK = 0
EXIT_SOME_FAILED = 1
EXIT_USAGE = 2
EXIT_MISSING_DEPENDENCY = 3
LOG_NAME = "digitize.log"  # in the output folder, made only when something is logged

EPILOG = """\
For each input file, writes DIR/<stem>.pdf (searchable PDF/A-2b: the upright page
images with an invisible Vietnamese text layer) and DIR/<stem>.json (per page: rotation
applied, skew corrected, dpi, text, confidence, word count, blank, and lines with word
boxes). A folder given as INPUT means the scans directly inside it (.pdf .tif .tiff .jpg
.jpeg .png), each its own file; with --stack, each folder is one stack instead: its pages
are the page images directly inside it (.tif .tiff .jpg .jpeg .png) in natural name order
(page2 before page10), a multi-page TIFF giving all its pages. A file that fails leaves
any earlier output of the same name untouched.

A page that cannot be digitised (too large, undecodable) fails alone: its file is
"partial", a blank page stands in for it and the summary names the page and the
reason. Warnings and the tracebacks of internal errors go to DIR/digitize.log, never
to the console; the summary names the log when it holds an error.

Exit status: 0 every file digitised; 1 some file failed or has pages without OCR;
2 bad arguments or no input; 3 Tesseract or a language model is missing.

Environment (defaults in brackets): DIGITIZE_LANGS [vie], DIGITIZE_JOBS [cores + 1],
DIGITIZE_TESSERACT_PSM [6], DIGITIZE_TESSERACT_TIMEOUT [180 s per page],
DIGITIZE_PROGRAM_TIMEOUT [120 s],
DIGITIZE_MAX_PAGE_MEGAPIXELS [250], DIGITIZE_MAX_PAGES [5000], DIGITIZE_JPEG_QUALITY [80],
DIGITIZE_PDFA [true], DIGITIZE_OPERATOR [none], DIGITIZE_DATA_DIR [data],
DIGITIZE_CATALOGUE_DIR [packaged], DIGITIZE_CLASSIFIER_MODEL [DATA_DIR/classifier.npz,
else packaged], DIGITIZE_UNKNOWN_BELOW [0.5], DIGITIZE_REVIEW_BELOW [0.6],
DIGITIZE_UNIT_NAME [the certificate's organisation], DIGITIZE_SIGNING_P12 and
DIGITIZE_SIGNING_PASSWORD [none: PDFs are not signed]. Options given here win.

Page 1 of every PDF carries the digitiser's mark (unit, operator, time) at the top left,
in a blank patch of the scan or in a band added above it. With the unit's certificate
every PDF is signed (PAdES, PDF/A-2b kept); an expired or non-signing certificate stops
the command before any page is read, and a certificate or licence that cannot be signed
is not written. Each document in the JSON has its metadata (TT 01/2023/TT-VPCP).

Each JSON also lists the file's documents: their pages, document type, procedure,
confidence and fields (value, confidence, page, box, raw text, review flag).
"""


def add_parser(commands: Any) -> None:
    parser = commands.add_parser(
        "process",
        help="digitise scans into searchable PDFs and JSON",
        description="Digitise scans (PDF, TIFF, JPEG, PNG) into searchable PDFs and JSON.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "inputs", nargs="+", metavar="INPUT", type=Path, help="scan files or folders"
    )
    parser.add_argument("--out", required=True, type=Path, metavar="DIR", help="output folder")
    parser.add_argument(
        "--jobs", type=int, metavar="N", help="pages processed at once (default: cores + 1)"
    )
    parser.add_argument(
        "--redo-ocr",
        action="store_true",
        help="OCR pages that already carry a text layer instead of keeping their text",
    )
    parser.add_argument(
        "--plain-pdf", action="store_true", help="write plain PDF instead of PDF/A-2b"
    )
    parser.add_argument(
        "--lang", metavar="LANGS", help="Tesseract models (default vie; e.g. vie+eng)"
    )
    parser.add_argument("--operator", metavar="NAME", help="who digitises (PDF metadata)")
    parser.add_argument(
        "--jpeg-quality", type=int, metavar="Q", help="JPEG quality for colour/grey pages (30-95)"
    )
    parser.add_argument(
        "--no-clean",
        action="store_true",
        help="keep dark scanner borders and specks (orientation and deskew still run)",
    )
    parser.add_argument(
        "--debug-dir", type=Path, metavar="DIR", help="write every stage's page image here"
    )
    parser.add_argument(
        "--no-understand",
        action="store_true",
        help="skip classification and field extraction (the JSON's 'documents' stays empty)",
    )
    parser.add_argument(
        "--stack",
        action="store_true",
        help="each folder given is one stack: its page images in natural name order "
        "(page2 before page10), not separate files",
    )
    parser.add_argument(
        "--link-records",
        action="store_true",
        help="link each dossier of a stack to its one-stop record (imported with "
        "`digitize records import`; made from the papers when missing) in the database "
        "of DIGITIZE_DATABASE_URL",
    )
    parser.add_argument("--quiet", action="store_true", help="no progress bar, summary only")
    parser.set_defaults(run=run)


def main(argv: list[str]) -> int:
    """`digitize process ARGV...`, run from another command (the same options as a user's)."""
    parser = argparse.ArgumentParser(prog="digitize")
    add_parser(parser.add_subparsers())
    args = parser.parse_args(["process", *argv])
    return int(args.run(args))


def run(args: argparse.Namespace) -> int:
    console = Console(stderr=True)
    overrides = {
        "jobs": args.jobs,
        "langs": args.lang,
        "operator": args.operator,
        "jpeg_quality": args.jpeg_quality,
        "pdfa": False if args.plain_pdf else None,
    }
    try:
        settings = Settings(**{k: v for k, v in overrides.items() if v is not None})
    except ValueError as exc:
        console.print(f"[red]error:[/] invalid setting: {escape(str(exc))}")
        return EXIT_USAGE
    sources, problems = expand_inputs(args.inputs, folder_stacks=args.stack)
    for problem in problems:
        console.print(f"[red]error:[/] {escape(problem)}", soft_wrap=True)
    if not sources:
        console.print("[red]error:[/] no scans to process")
        return EXIT_USAGE

    try:
        args.out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        console.print(f"[red]error:[/] cannot create the output folder {args.out}: {exc.strerror}")
        return EXIT_USAGE

    engine = TesseractEngine(
        langs=settings.langs, psm=settings.tesseract_psm, timeout=settings.tesseract_timeout
    )
    try:
        engine.check()
    except MissingDependencyError as exc:
        console.print(f"[red]error:[/] {escape(str(exc))}")
        return EXIT_MISSING_DEPENDENCY

    options = PipelineOptions(
        limits=ReadLimits(
            max_page_pixels=int(settings.max_page_megapixels * 1_000_000),
            max_pages=settings.max_pages,
            timeout=settings.program_timeout,
        ),
        keep_text_layer=not args.redo_ocr,
        clean_borders=not args.no_clean,
        remove_specks=not args.no_clean,
        jpeg_quality=settings.jpeg_quality,
    )
    try:
        knowledge = None if args.no_understand else load_knowledge(settings)
    except DigitizeError as exc:
        console.print(f"[red]error:[/] {escape(str(exc))}", soft_wrap=True)
        return EXIT_USAGE
    try:
        # The unit's certificate is checked before any page is read (issue 19).
        signer = copies.unit_signer(settings)
    except SigningError as exc:
        console.print(f"[red]error:[/] {escape(str(exc))}", soft_wrap=True)
        return EXIT_USAGE
    output = FilingOptions(
        pdfa=settings.pdfa,
        operator=settings.operator,
        knowledge=knowledge,
        # The service's database only when asked: digitising alone needs none.
        records=LazyRecordBook(settings) if args.link_records else None,
        copy=copies.copy_options(
            settings,
            digitised_by=settings.operator,
            catalogue=knowledge.catalogue if knowledge else None,
            signer=signer,
        ),
    )
    log_path = args.out / LOG_NAME
    with _logging_to(log_path, verbose=getattr(args, "verbose", False)) as errors:
        try:
            with _ProgressDisplay(console, len(sources), enabled=not args.quiet) as display:
                results = digitize_files(
                    sources,
                    args.out,
                    engine=engine,
                    options=options,
                    output=output,
                    jobs=settings.effective_jobs(),
                    listener=display,
                    debug_dir=args.debug_dir,
                )
        except Exception as exc:  # a bug outside any one file: one line, the rest logged
            logging.getLogger(__name__).error("digitize process stopped", exc_info=exc)
            console.print(
                f"[red]error:[/] internal error ({escape(type(exc).__name__)}: "
                f"{escape(str(exc))}); details in {escape(str(log_path))}",
                soft_wrap=True,
            )
            return EXIT_SOME_FAILED
    _print_summary(console, results, args.out)
    if errors.count:
        console.print(
            f"{errors.count} internal error(s): their tracebacks are in {escape(str(log_path))}",
            soft_wrap=True,
            highlight=False,
        )
    failed = len(problems) + sum(r.status is not FileStatus.DONE for r in results)
    return EXIT_OK if failed == 0 else EXIT_SOME_FAILED


class _ErrorCount(logging.Handler):
    """Counts the error records (internal failures) logged during the run."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.count = 0

    def emit(self, record: logging.LogRecord) -> None:
        self.count += 1


class _OneLine(logging.Formatter):
    """The console's format: the message only, never a traceback."""

    def format(self, record: logging.LogRecord) -> str:
        saved = record.exc_info, record.exc_text, record.stack_info
        record.exc_info = record.exc_text = record.stack_info = None
        try:
            return super().format(record).replace("\n", " ")
        finally:
            record.exc_info, record.exc_text, record.stack_info = saved


@contextmanager
def _logging_to(path: Path, *, verbose: bool) -> Iterator[_ErrorCount]:
    """For the run: warnings, errors and their tracebacks (and Python's warnings) into
    `path`; the console keeps only its summary (with --verbose, one line per record)."""
    root = logging.getLogger()
    to_file = logging.FileHandler(path, encoding="utf-8", delay=True)
    to_file.setLevel(logging.DEBUG if verbose else logging.WARNING)
    to_file.setFormatter(
        logging.Formatter("%(asctime)s %(levelname)s %(threadName)s %(name)s: %(message)s")
    )
    errors = _ErrorCount()
    consoles = [
        h
        for h in root.handlers
        if isinstance(h, logging.StreamHandler) and not isinstance(h, logging.FileHandler)
    ]
    saved = [(h, h.level, h.formatter) for h in consoles]
    for handler in consoles:
        handler.setLevel(logging.DEBUG if verbose else logging.CRITICAL + 1)
        handler.setFormatter(_OneLine("%(levelname)s %(name)s: %(message)s"))
    level = root.level
    root.setLevel(logging.DEBUG if verbose else logging.WARNING)
    root.addHandler(to_file)
    root.addHandler(errors)
    logging.captureWarnings(True)
    try:
        yield errors
    finally:
        logging.captureWarnings(False)
        root.removeHandler(errors)
        root.removeHandler(to_file)
        to_file.close()
        root.setLevel(level)
        for handler, handler_level, formatter in saved:
            handler.setLevel(handler_level)
            handler.setFormatter(formatter)


def expand_inputs(
    inputs: Iterable[Path], *, folder_stacks: bool = False
) -> tuple[list[Path], list[str]]:
    """Files as given; folders become the scans directly inside them, sorted by name,
    or stay one source each (`folder_stacks`: digitize.inputs reads them as stacks)."""
    sources: list[Path] = []
    problems: list[str] = []
    for given in inputs:
        if given.is_dir() and folder_stacks:
            sources.append(given)
        elif given.is_dir():
            found = sorted(
                p for p in given.iterdir() if p.is_file() and p.suffix.lower() in SCAN_SUFFIXES
            )
            if not found:
                problems.append(
                    f"{given}: no scans (.pdf .tif .tiff .jpg .jpeg .png) in this folder"
                )
            sources.extend(found)
        elif given.exists():
            sources.append(given)
        else:
            problems.append(f"{given}: no such file")
    return sources, problems


class _ProgressDisplay:
    """Two bars, files and pages, fed by the batch's listener calls."""

    def __init__(self, console: Console, files: int, *, enabled: bool) -> None:
        self._progress = Progress(
            TextColumn("{task.description:<6}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            TimeRemainingColumn(),
            console=console,
            disable=not enabled,
        )
        self._files: TaskID = self._progress.add_task("files", total=files)
        self._pages: TaskID = self._progress.add_task("pages", total=0)
        self._page_total = 0

    def __enter__(self) -> _ProgressDisplay:
        self._progress.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._progress.stop()

    def file_started(self, source: Path, pages: int) -> None:
        self._page_total += pages
        self._progress.update(self._pages, total=self._page_total)

    def page_done(self, source: Path) -> None:
        self._progress.advance(self._pages)

    def file_done(self, result: FileResult) -> None:
        self._progress.advance(self._files)


def _print_summary(console: Console, results: list[FileResult], out_dir: Path) -> None:
    """One unwrapped line per file, so each failure reads (and greps) as file: reason."""
    colours = {FileStatus.DONE: "green", FileStatus.PARTIAL: "yellow", FileStatus.FAILED: "red"}
    for result in results:
        status = f"[{colours[result.status]}]{result.status.value:<7}[/]"
        if result.status is FileStatus.FAILED:
            line = f"{status} {escape(str(result.source))}: {escape(result.error or '')}"
        else:
            pages = f"{result.pages} page{'s' if result.pages != 1 else ''}"
            target = result.pdf.name if result.pdf else ""
            timing = f"({pages}, {result.seconds:.1f} s)"
            line = f"{status} {escape(str(result.source))} {timing} -> {target}"
            for warning in result.warnings:
                line += f"; {escape(warning)}"
        console.print(line, soft_wrap=True, highlight=False)
    done = sum(r.status is FileStatus.DONE for r in results)
    console.print(
        f"{done} of {len(results)} file(s) digitised; results in {escape(str(out_dir.resolve()))}",
        soft_wrap=True,
        highlight=False,
    )
