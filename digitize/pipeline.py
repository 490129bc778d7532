"""The page pipeline: one scanned page in, an upright searchable PDF page and its report out.

The stages run in this order (see `prepare_page` and `process_page`):

    read page -> grey -> dark borders whitened -> blank? -> orientation + skew measured
    -> turned upright and straightened -> isolated specks removed -> OCR (at ~300 dpi)
    -> one-page PDF with the invisible text layer

A PDF page that already carries text skips all of it and is kept as it is.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np

from digitize.errors import ExternalProgramError
from digitize.imaging.blank import is_blank
from digitize.imaging.cleanup import dark_border_mask, speckle_mask, whiten
from digitize.imaging.common import ANALYSIS_DPI, ink_mask, resize_to_dpi, to_grey
from digitize.imaging.geometry import PageGeometry, apply_geometry, measure_geometry
from digitize.inputs import ReadLimits, ScannedPage, TextPage, read_page
from digitize.ocr.engine import OcrEngine
from digitize.pdf import PageSource, write_page_pdf
from digitize.results import ColourMode, OcrText, PageReport

OCR_DPI_RANGE = (250, 400)  # outside it, pages are resized to 300 dpi for OCR only
OCR_TARGET_DPI = 300

DebugSink = Callable[[str, np.ndarray], None]


@dataclass(frozen=True, slots=True)
class PipelineOptions:
    limits: ReadLimits = field(default_factory=ReadLimits)
    keep_text_layer: bool = True  # False re-OCRs pages that already have text
    clean_borders: bool = True
    remove_specks: bool = True
    jpeg_quality: int = 80


@dataclass(frozen=True, slots=True)
class PreparedPage:
    """A page after normalisation: what is archived and what OCR reads."""

    pixels: np.ndarray  # archive image, upright, same colour mode as the scan
    grey: np.ndarray  # the same page in grey, cleaned, for OCR
    dpi: float
    colour_mode: ColourMode
    geometry: PageGeometry
    blank: bool


@dataclass(slots=True)
class PageOutcome:
    report: PageReport
    pdf: PageSource
    warning: str | None = None


def prepare_page(
    page: ScannedPage, options: PipelineOptions, debug: DebugSink | None = None
) -> PreparedPage:
    """Normalise a scanned page: borders, blank test, orientation, skew, specks."""
    dpi = page.dpi
    grey = to_grey(page.pixels)
    _show(debug, "1-input", grey)
    border = dark_border_mask(grey, dpi) if options.clean_borders else None
    if border is not None:
        grey = whiten(grey, border)
        _show(debug, "2-borders", grey)
    analysis, analysis_dpi = resize_to_dpi(grey, dpi, min(dpi, ANALYSIS_DPI))
    blank = is_blank(analysis, analysis_dpi)
    geometry = PageGeometry(0, 0.0, 0.0, 0.0) if blank else measure_geometry(ink_mask(analysis))
    pixels = whiten(page.pixels, border) if border is not None else page.pixels
    pixels = apply_geometry(pixels, geometry)
    grey = to_grey(pixels) if pixels.ndim == 3 else pixels
    if page.colour_mode is ColourMode.BILEVEL and abs(geometry.skew_deg) > 0:
        # Straightening interpolates; a black-and-white page must stay black and white.
        pixels = grey = np.where(grey >= 128, 255, 0).astype(np.uint8)
    _show(debug, "3-upright", grey)
    if options.remove_specks and not blank:
        specks = speckle_mask(grey, dpi)
        pixels, grey = whiten(pixels, specks), whiten(grey, specks)
        _show(debug, "4-clean", grey)
    return PreparedPage(pixels, grey, dpi, page.colour_mode, geometry, blank)


def recognise(prepared: PreparedPage, engine: OcrEngine) -> OcrText:
    """OCR the cleaned grey page near 300 dpi, boxes mapped back to the archive image."""
    low, high = OCR_DPI_RANGE
    if low <= prepared.dpi <= high:
        return engine.recognise(prepared.grey, round(prepared.dpi))
    resized, _ = resize_to_dpi(prepared.grey, prepared.dpi, OCR_TARGET_DPI)
    text = engine.recognise(resized, OCR_TARGET_DPI)
    return text.scaled(prepared.grey.shape[1] / resized.shape[1])


def process_page(
    source: Path,
    index: int,
    *,
    options: PipelineOptions,
    engine: OcrEngine,
    workdir: Path,
    debug: DebugSink | None = None,
) -> PageOutcome:
    """Read page `index` of `source`, normalise, OCR, and write its one-page PDF in `workdir`."""
    page = read_page(source, index, options.limits, keep_text_layer=options.keep_text_layer)
    if isinstance(page, TextPage):
        return _kept_page(source, index, page)
    prepared = prepare_page(page, options, debug)
    warning = None
    text = OcrText()
    if not prepared.blank:
        try:
            text = recognise(prepared, engine)
        except ExternalProgramError as exc:
            # The page is still archived (page count must match the paper), without text.
            warning = f"page {index + 1}: OCR failed ({exc}); the page has no text layer"
    pdf_path = workdir / f"page-{index + 1:05d}.pdf"
    write_page_pdf(
        prepared.pixels,
        colour_mode=prepared.colour_mode,
        dpi=prepared.dpi,
        text=text,
        path=pdf_path,
        jpeg_quality=options.jpeg_quality,
    )
    report = _report(index, page, prepared, text)
    return PageOutcome(report, PageSource(pdf_path), warning)


def _report(index: int, page: ScannedPage, prepared: PreparedPage, text: OcrText) -> PageReport:
    confidence = text.confidence
    height, width = prepared.pixels.shape[:2]
    return PageReport(
        number=index + 1,
        rotation=prepared.geometry.rotation,
        skew_deg=round(prepared.geometry.skew_deg, 2),
        dpi=round(prepared.dpi),
        text=text.text,
        confidence=None if confidence is None else round(confidence, 3),
        words=len(text.words),
        blank=prepared.blank,
        dpi_estimated=page.dpi_estimated,
        text_source="none" if prepared.blank else "ocr",
        width=width,
        height=height,
        colour_mode=prepared.colour_mode.value,
        lines=lines_json(text),
    )


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
        text_source="pdf",
        width=page.width,
        height=page.height,
        colour_mode="unknown",
        lines=lines_json(page.text),
    )
    return PageOutcome(report, PageSource(source, index))


def lines_json(text: OcrText) -> list[dict[str, object]]:
    """Lines with their words, boxes and confidences, for reviewers' highlights."""
    return [
        {
            "text": line.text,
            "bbox": list(line.bbox),
            "block": line.block,
            "words": [
                {"text": w.text, "bbox": list(w.bbox), "confidence": round(w.confidence, 3)}
                for w in line.words
            ],
        }
        for line in text.lines
    ]


def _show(debug: DebugSink | None, stage: str, image: np.ndarray) -> None:
    if debug is not None:
        debug(stage, image)


def write_debug_image(folder: Path, prefix: str) -> DebugSink:
    """A debug sink writing each stage's image as PNG into `folder`."""
    folder.mkdir(parents=True, exist_ok=True)

    def sink(stage: str, image: np.ndarray) -> None:
        cv2.imwrite(str(folder / f"{prefix}-{stage}.png"), image)

    return sink
