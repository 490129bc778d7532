"""The page pipeline: one scanned page in, an upright searchable PDF page and its report out.

The stages run in this order (see `prepare_page`, `ocr_input` and `process_page`):

    read page -> grey -> dark borders whitened -> blank? -> QR codes and barcodes read
    -> orientation + skew measured (the codes left out) -> turned upright and straightened
    -> isolated specks removed
    -> archive image compressed (JPEG, or CCITT G4 for black and white)
    -> OCR input: ~300 dpi, background flattened to black and white, dotted leaders
       erased (from this image only), cropped to the ink
    -> OCR -> what it read from specks dropped -> digit grids read box by box
    -> leaders put back into the text as dots
    -> one-page PDF with the invisible text layer
    -> each line's ink cut into pieces on the archived image (the handwriting check's
       measure, kept in the report so understanding need not decode the page again)

A PDF page that already carries text skips all of it and is kept as it is.
A page that cannot be digitised (too large, undecodable, a program failing, a bug)
becomes a blank stand-in of its paper size with a report naming the page and the
reason: it fails that page only, and the other pages of the file go on.

Full-size page images exist only between reading and the OCR input: that part runs
inside the caller's memory gate, and OCR (a Tesseract process) runs outside it, so
pages in parallel do not each hold their images while waiting for OCR.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field, replace
from pathlib import Path

import cv2
import numpy as np

from digitize.errors import DigitizeError, ExternalProgramError
from digitize.imaging.binarise import binarise, ink_box
from digitize.imaging.blank import is_blank
from digitize.imaging.cleanup import dark_border_mask, paint_white, speckle_mask
from digitize.imaging.codes import Code, read_codes
from digitize.imaging.common import ANALYSIS_DPI, px, resize_to_dpi, to_grey
from digitize.imaging.geometry import (
    PageGeometry,
    apply_geometry,
    measure_geometry,
    text_ink,
    upright_box,
)
from digitize.imaging.grids import DigitGrid, find_digit_grids
from digitize.imaging.handwriting import measure_lines, page_image
from digitize.imaging.leaders import Leader, erase_leaders, restore_leaders
from digitize.imaging.preview import page_previews
from digitize.imaging.rules import erase_rules, find_rules
from digitize.imaging.tables import erase_table_rules, find_tables
from digitize.inputs import ReadLimits, ScannedPage, TextPage, page_inches, read_page
from digitize.ocr.cells import read_lost_cells
from digitize.ocr.engine import OcrEngine
from digitize.ocr.grids import read_digit_grids
from digitize.ocr.noise import drop_noise
from digitize.ocr.numbers import reread_typed_numbers
from digitize.pdf import PageSource, encode_page, write_page_pdf
from digitize.results import (
    ColourMode,
    FoundCode,
    Line,
    OcrText,
    PageReport,
    TableGrid,
    TextSource,
    Word,
)

log = logging.getLogger(__name__)

OCR_DPI_RANGE = (190, 400)  # outside it, pages are resized to 300 dpi for OCR only
OCR_TARGET_DPI = 300
# Tesseract's memory grows with the pixels it is given: a larger page (a land map in
# A1/A0) is read at a lower resolution, its archive image staying full size. 40 MP is
# A2 at 300 dpi; an A0 map at 300 dpi (140 MP) is read at about 160 dpi.
OCR_MAX_PIXELS = 40_000_000
_STAND_IN_DPI = 50  # a failed page's blank stand-in: paper size only, a few kilobytes
_A4_INCHES = (8.27, 11.69)
_OCR_MARGIN_MM = 8.0  # paper kept around the ink so Tesseract sees line ends as line ends

DebugSink = Callable[[str, np.ndarray], None]


@dataclass(frozen=True, slots=True)
class PipelineOptions:
    limits: ReadLimits = field(default_factory=ReadLimits)
    keep_text_layer: bool = True  # False re-OCRs pages that already have text
    clean_borders: bool = True
    remove_specks: bool = True
    read_codes: bool = True  # QR codes and barcodes (dossier codes on receipts, separators)
    jpeg_quality: int = 80
    preview_sides: tuple[int, ...] = ()  # JPEG views of the upright page, by longer side


@dataclass(frozen=True, slots=True)
class PreparedPage:
    """A page after normalisation: what is archived and what OCR reads."""

    pixels: np.ndarray  # archive image, upright, same colour mode as the scan
    grey: np.ndarray  # the same page in grey, cleaned, for OCR (may share pixels' memory)
    dpi: float
    colour_mode: ColourMode
    geometry: PageGeometry
    blank: bool
    codes: tuple[Code, ...] = ()  # QR codes and barcodes, boxes in archive pixels


@dataclass(frozen=True, slots=True)
class OcrInput:
    """The black-and-white crop the engine reads, and how to map its boxes back."""

    image: np.ndarray
    dpi: int
    offset: tuple[int, int]  # of the crop, in the (possibly resized) page
    factor: float  # archive pixels per OCR pixel
    leaders: list[Leader] = field(default_factory=list)  # erased; boxes in the crop's pixels
    tables: tuple[TableGrid, ...] = ()  # ruled tables found, in the crop's pixels
    grids: tuple[DigitGrid, ...] = ()  # rows of digit boxes found, in the crop's pixels


@dataclass(slots=True)
class PageOutcome:
    report: PageReport
    pdf: PageSource
    warning: str | None = None
    previews: dict[int, bytes] = field(default_factory=dict)  # see preview_sides
    error: str | None = None  # the page failed: why (its PDF page is a blank stand-in)


def prepare_page(
    page: ScannedPage,
    options: PipelineOptions,
    debug: DebugSink | None = None,
    engine: OcrEngine | None = None,
) -> PreparedPage:
    """Normalise a scanned page: borders, blank test, orientation, skew, specks.

    Works in place on `page.pixels`, which the caller hands over. With an `engine`,
    a page whose text does not clearly say which way is up is read both ways up
    before it is turned (see `_settle_up_down`).
    """
    dpi = page.dpi
    pixels = page.pixels
    grey = to_grey(pixels)  # the same array when the page is grey already
    _show(debug, "1-input", grey)
    if options.clean_borders:
        border = dark_border_mask(grey, dpi)
        if border.any():
            paint_white(grey, border)
            if grey is not pixels:
                paint_white(pixels, border)
            _show(debug, "2-borders", grey)
        del border
    analysis, analysis_dpi = resize_to_dpi(grey, dpi, min(dpi, ANALYSIS_DPI))
    blank = is_blank(analysis, analysis_dpi)
    # Codes are read as scanned (at any turn), before speck removal (a worn code's
    # modules look like specks), and left out of the orientation: a separator sheet's
    # QR outweighs its two lines of text.
    codes = read_codes(grey, dpi) if options.read_codes and not blank else ()
    geometry = (
        PageGeometry(0, 0.0, 0.0, 0.0)
        if blank
        else measure_geometry(
            text_ink(analysis, analysis_dpi),
            analysis_dpi,
            ignore=_code_boxes(codes, analysis, grey, dpi),
            printed_rotation=_printed_rotation(codes),
        )
    )
    del analysis
    if (
        engine is not None
        and not blank
        and (
            geometry.orientation_confidence < _CLEAR_UP_DOWN
            or geometry.skew_confidence < _CLEAR_LINES
        )
        and _printed_rotation(codes) is None  # the one-stop system printed its codes upright
    ):
        geometry = _settle_up_down(grey, dpi, geometry, engine)
    codes = tuple(
        replace(code, bbox=upright_box(code.bbox, grey.shape, geometry)) for code in codes
    )
    pixels = apply_geometry(pixels, geometry)
    grey = to_grey(pixels) if pixels.ndim == 3 else pixels
    if page.colour_mode is ColourMode.BILEVEL:
        # Straightening interpolates; a black-and-white page must stay black and white.
        cv2.threshold(grey, 127, 255, cv2.THRESH_BINARY, dst=grey)
    _show(debug, "3-upright", grey)
    if options.remove_specks and not blank:
        specks = speckle_mask(grey, dpi)
        if specks.any():
            paint_white(grey, specks)
            if grey is not pixels:
                paint_white(pixels, specks)
            _show(debug, "4-clean", grey)
    return PreparedPage(pixels, grey, dpi, page.colour_mode, geometry, blank, codes)


# Below this orientation confidence the ink's shape alone does not turn a page upside
# down: pages of dotted leaders, table stubs or signature blocks have fooled it both ways.
_CLEAR_UP_DOWN = 0.95
_CHECK_DPI = 200  # enough for Tesseract to tell words from garbage
_CHECK_MAX_PIXELS = 2_500_000  # a band of some ten lines: two quick reads
_CHECK_MARGIN = 1.25  # one way up must read this much better to overrule the other
_CHECK_MIN_LEAD = 5.0  # ... and by this many confidently read letters
# Below this contrast between horizontal and vertical lines (PageGeometry's
# skew_confidence) the lines' direction is unclear too: real forms measure 0.36 or more.
_CLEAR_LINES = 0.1


def _settle_up_down(
    grey: np.ndarray, dpi: float, geometry: PageGeometry, engine: OcrEngine
) -> PageGeometry:
    """Read a band of the page each way it may be up and keep the way that reads as words.

    The measured turn and its half turn always; when the lines' direction itself was
    unclear, also the other two quarter turns, unskewed. Each half-turned pair reads the
    same band of paper. When no way reads clearly better than the next, the smaller
    turn of the two is kept: most pages are fed the right way up, and a page left as
    fed is never made worse than the scan.
    """
    small, small_dpi = resize_to_dpi(grey, dpi, min(dpi, _CHECK_DPI))
    bases = [geometry]
    if geometry.skew_confidence < _CLEAR_LINES:
        bases.append(replace(geometry, rotation=(geometry.rotation + 90) % 180, skew_deg=0.0))
    scores: dict[int, tuple[float, PageGeometry]] = {}
    try:
        for base in bases:
            band = _check_band(small, small_dpi, base)
            if band is None:
                continue
            for half_turns in (0, 1):
                candidate = replace(base, rotation=(base.rotation + 180 * half_turns) % 360)
                image = np.ascontiguousarray(band[::-1, ::-1]) if half_turns else band
                evidence = _word_evidence(engine.recognise(image, round(small_dpi)))
                scores[candidate.rotation] = (evidence, candidate)
    except ExternalProgramError as exc:
        return replace(geometry, note=_joined(geometry.note, f"up/down check failed ({exc})"))
    if not scores:
        return geometry
    ranked = sorted(scores.values(), key=lambda item: -item[0])
    chosen = ranked[0][1]
    best, runner_up = ranked[0][0], ranked[1][0] if len(ranked) > 1 else 0.0
    if best <= runner_up * _CHECK_MARGIN or best - runner_up < _CHECK_MIN_LEAD:
        # Undecided: the smaller turn of the two (the page as fed, if it is one).
        chosen = min((g for _, g in ranked[:2]), key=lambda g: g.rotation)
    read = ", ".join(f"{turn}° scored {scores[turn][0]:.0f}" for turn in sorted(scores))
    note = f"which way is up read by OCR: {read}; turned {chosen.rotation}°"
    return replace(chosen, note=_joined(geometry.note, note))


def _check_band(small: np.ndarray, dpi: float, geometry: PageGeometry) -> np.ndarray | None:
    """The page turned by `geometry`, in black and white, cut to its most inked band."""
    black_white = binarise(apply_geometry(small, geometry), dpi)
    box = ink_box(black_white, margin=px(2.0, dpi))
    if box is None:
        return None
    x0, y0, x1, y1 = box
    rows = max(1, _CHECK_MAX_PIXELS // max(1, x1 - x0))
    if y1 - y0 > rows:
        # The band of the page holding the most ink: on a sparse page, its few lines
        # rather than the specks around them.
        ink_rows = np.count_nonzero(black_white[y0:y1, x0:x1] == 0, axis=1)
        totals = np.convolve(ink_rows, np.ones(rows, np.int64), mode="valid")
        y0 += int(np.argmax(totals))
        y1 = y0 + rows
    return np.ascontiguousarray(black_white[y0:y1, x0:x1])


def _word_evidence(text: OcrText) -> float:
    """Letters read with confidence: upside-down text reads as few, unsure fragments."""
    return sum(
        word.confidence * sum(ch.isalnum() for ch in word.text)
        for word in text.words
        if word.confidence >= 0.6
    )


def _joined(first: str, second: str) -> str:
    return f"{first}; {second}" if first else second


def _code_boxes(
    codes: tuple[Code, ...], analysis: np.ndarray, grey: np.ndarray, dpi: float
) -> list[tuple[int, int, int, int]]:
    """The codes' boxes, with a millimetre of margin, in pixels of the analysis image."""
    factor = analysis.shape[1] / grey.shape[1]
    margin = px(1.0, dpi)
    return [
        (
            math.floor((x0 - margin) * factor),
            math.floor((y0 - margin) * factor),
            math.ceil((x1 + margin) * factor),
            math.ceil((y1 + margin) * factor),
        )
        for x0, y0, x1, y1 in (code.bbox for code in codes)
    ]


def _printed_rotation(codes: tuple[Code, ...]) -> int | None:
    """The turn that makes the page's decoded codes upright, if they all agree."""
    turns = {code.rotation for code in codes if code.readable and code.rotation is not None}
    return turns.pop() if len(turns) == 1 else None


def ocr_input(prepared: PreparedPage, debug: DebugSink | None = None) -> OcrInput | None:
    """The cleaned page near 300 dpi in black and white, cropped to its ink (None: no ink).

    Tesseract's cost grows with the pixels it is given, not only with the text on
    them, and a 1-bit page spares it its own thresholding. Dotted leaders are erased
    from this image only (the archive keeps them): each one lengthens the line
    Tesseract decodes. `recognise` puts them back into the text.
    """
    low, high = OCR_DPI_RANGE
    grey, dpi = prepared.grey, prepared.dpi
    target = dpi if low <= dpi <= high else OCR_TARGET_DPI
    pixels_at_target = grey.size * (target / dpi) ** 2
    if pixels_at_target > OCR_MAX_PIXELS:
        target *= math.sqrt(OCR_MAX_PIXELS / pixels_at_target)
    if target != dpi:
        grey, dpi = resize_to_dpi(grey, dpi, target)
    black_white = binarise(grey, dpi)
    rules = find_rules(black_white, dpi)
    tables: list[TableGrid] = []
    grids: list[DigitGrid] = []
    if rules is not None:
        tables = find_tables(rules, dpi)
        grids = find_digit_grids(rules, dpi)
        erase_rules(black_white, dpi, rules)  # before leaders: a dotted blank may sit on a rule
        del rules
        erase_table_rules(black_white, tables, dpi)
    leaders = erase_leaders(black_white, dpi)
    box = ink_box(black_white, margin=px(_OCR_MARGIN_MM, dpi))
    if box is None:
        return None
    x0, y0, x1, y1 = box
    crop = np.ascontiguousarray(black_white[y0:y1, x0:x1])
    _show(debug, "5-ocr", crop)
    factor = prepared.grey.shape[1] / grey.shape[1]
    leaders = [leader.shifted(-x0, -y0) for leader in leaders]
    crop_tables = tuple(table.mapped(offset=(-x0, -y0)) for table in tables)
    crop_grids = tuple(grid.shifted(-x0, -y0) for grid in grids)
    return OcrInput(crop, round(dpi), (x0, y0), factor, leaders, crop_tables, crop_grids)


def recognise(job: OcrInput, engine: OcrEngine) -> OcrText:
    """Run the engine, drop what it read from specks, put the erased leaders back, and
    map the boxes onto the archive image."""
    text = drop_noise(engine.recognise(job.image, job.dpi), job.dpi)
    if job.tables:
        text = read_lost_cells(text, job.image, job.dpi, job.tables, engine)
    if job.grids:
        text = read_digit_grids(text, job.image, job.dpi, job.grids, engine)
    text = reread_typed_numbers(text, job.image, job.dpi, engine)
    text = restore_leaders(text, job.leaders)
    return text.mapped(offset=job.offset, factor=job.factor)


def process_page(
    source: Path,
    index: int,
    *,
    options: PipelineOptions,
    engine: OcrEngine,
    workdir: Path,
    debug: DebugSink | None = None,
    memory_gate: AbstractContextManager[object] | None = None,
) -> PageOutcome:
    """Read page `index` of `source`, normalise, OCR, and write its one-page PDF in `workdir`.

    `memory_gate` (e.g. a semaphore shared by parallel pages) is held while the
    page's full-size images exist. A page that cannot be digitised comes back as a
    blank stand-in with `error` set (see `failed_page`); only the machine's own
    trouble (OSError: a full disk) is raised, for the caller to stop or retry.
    """
    try:
        return _process_page(
            source,
            index,
            options=options,
            engine=engine,
            workdir=workdir,
            debug=debug,
            memory_gate=memory_gate,
        )
    except OSError:
        raise
    except Exception as exc:  # one page's failure must not fail the file
        reason = _failure_reason(source, index, exc)
    return failed_page(source, index, reason, workdir=workdir)


def _failure_reason(source: Path, index: int, exc: Exception) -> str:
    """One line for the failure; a bug's traceback goes to the log, never to the user."""
    if isinstance(exc, DigitizeError):
        return str(exc)
    if isinstance(exc, MemoryError):
        return "not enough memory for this page"
    log.error("page %d of %s: unexpected failure", index + 1, source, exc_info=exc)
    return f"internal error ({type(exc).__name__}: {exc})"


def failed_page(source: Path, index: int, reason: str, *, workdir: Path) -> PageOutcome:
    """A blank stand-in for page `index`, the size of its paper (A4 when unknown), so
    the PDF keeps the paper's page count; its report and warning say why."""
    width_in, height_in = page_inches(source, index) or _A4_INCHES
    width = max(1, round(width_in * _STAND_IN_DPI))
    height = max(1, round(height_in * _STAND_IN_DPI))
    pdf_path = workdir / f"page-{index + 1:05d}.pdf"
    white = np.full((height, width), 255, np.uint8)
    write_page_pdf(
        white, colour_mode=ColourMode.BILEVEL, dpi=_STAND_IN_DPI, text=None, path=pdf_path
    )
    reason = " ".join(reason.split()) or "unknown failure"
    report = PageReport(
        number=index + 1,
        rotation=0,
        skew_deg=0.0,
        dpi=_STAND_IN_DPI,
        text="",
        confidence=None,
        words=0,
        blank=False,
        text_source=TextSource.NONE,
        width=width,
        height=height,
        colour_mode=ColourMode.BILEVEL,
        error=reason,
    )
    warning = f"page {index + 1} not digitised: {reason} (a blank page stands in for it)"
    return PageOutcome(report, PageSource(pdf_path), warning, error=reason)


def _process_page(
    source: Path,
    index: int,
    *,
    options: PipelineOptions,
    engine: OcrEngine,
    workdir: Path,
    debug: DebugSink | None,
    memory_gate: AbstractContextManager[object] | None,
) -> PageOutcome:
    with memory_gate or nullcontext():
        page = read_page(source, index, options.limits, keep_text_layer=options.keep_text_layer)
        if isinstance(page, TextPage):
            return _kept_page(source, index, page)
        dpi_estimated = page.dpi_estimated
        prepared = prepare_page(page, options, debug, engine)
        del page
        archive = encode_page(
            prepared.pixels,
            colour_mode=prepared.colour_mode,
            jpeg_quality=options.jpeg_quality,
        )
        previews = page_previews(prepared.pixels, options.preview_sides)
        job = None if prepared.blank else ocr_input(prepared, debug)
        height, width = prepared.pixels.shape[:2]
        dpi, colour_mode = prepared.dpi, prepared.colour_mode
        geometry, blank, codes = prepared.geometry, prepared.blank, prepared.codes
        del prepared
    tables = (
        tuple(t.mapped(offset=job.offset, factor=job.factor) for t in job.tables)
        if job is not None
        else ()
    )
    warning = None
    text = OcrText()
    if job is not None:
        try:
            text = recognise(job, engine)
        except ExternalProgramError as exc:
            # The page is still archived (page count must match the paper), without text.
            warning = f"page {index + 1}: OCR failed ({exc}); the page has no text layer"
        del job
    pdf_path = workdir / f"page-{index + 1:05d}.pdf"
    write_page_pdf(archive, colour_mode=colour_mode, dpi=dpi, text=text, path=pdf_path)
    lines = report_lines(text)
    if lines:
        # The archived image, as understanding would decode it: inside the gate again,
        # as it is a full-size image.
        with memory_gate or nullcontext():
            lines = measure_lines(page_image(pdf_path, 0), lines)
    confidence = text.confidence
    report = PageReport(
        number=index + 1,
        rotation=geometry.rotation,
        skew_deg=round(geometry.skew_deg, 2),
        dpi=round(dpi),
        text=text.text,
        confidence=None if confidence is None else round(confidence, 3),
        words=len(text.words),
        blank=blank,
        dpi_estimated=dpi_estimated,
        text_source=TextSource.NONE if blank else TextSource.OCR,
        width=width,
        height=height,
        colour_mode=colour_mode,
        lines=lines,
        codes=tuple(FoundCode(c.kind.value, c.text, c.bbox, c.readable) for c in codes),
        geometry_note=geometry.note or None,
        tables=tables,
    )
    return PageOutcome(report, PageSource(pdf_path), warning, previews)


def _kept_page(source: Path, index: int, page: TextPage) -> PageOutcome:
    report = PageReport(
        number=index + 1,
        rotation=0,
        skew_deg=0.0,
        dpi=page.dpi,
        text=page.text.text,
        confidence=None,
        words=len(page.text.words),
        blank=False,
        text_source=TextSource.PDF,
        width=page.width,
        height=page.height,
        colour_mode=None,
        lines=report_lines(page.text),
    )
    return PageOutcome(report, PageSource(source, index))


def report_lines(text: OcrText) -> tuple[Line, ...]:
    """The lines as the report keeps them: word confidences to 3 places, as in the JSON."""
    return tuple(
        Line(
            tuple(Word(w.text, w.bbox, round(w.confidence, 3)) for w in line.words),
            line.bbox,
            line.block,
        )
        for line in text.lines
    )


def _show(debug: DebugSink | None, stage: str, image: np.ndarray) -> None:
    if debug is not None:
        debug(stage, image)


def write_debug_image(folder: Path, prefix: str) -> DebugSink:
    """A debug sink writing each stage's image as PNG into `folder`."""
    folder.mkdir(parents=True, exist_ok=True)

    def sink(stage: str, image: np.ndarray) -> None:
        cv2.imwrite(str(folder / f"{prefix}-{stage}.png"), image)

    return sink
