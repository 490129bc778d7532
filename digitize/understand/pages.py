"""The text of a file's pages, as understanding reads it: lines of words with boxes.

Built from a page's report (`PageReport`: from the pipeline, or read back from the
JSON of `digitize process`, so results on disk can be understood again, e.g. after the
catalogue changed) or from the OCR result directly.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from digitize.results import BBox, Line, OcrText, PageReport, TableGrid, Word
from digitize.text import nfc


@dataclass(frozen=True, slots=True)
class PageCode:
    """A QR code or barcode found on the page (see digitize.imaging.codes)."""

    kind: str  # "qr", "code128", "other"
    text: str  # "" when the code is there but could not be read
    readable: bool = True


@dataclass(frozen=True, slots=True)
class PageText:
    number: int  # 1-based, in the file
    lines: tuple[Line, ...]
    blank: bool = False
    codes: tuple[PageCode, ...] = ()
    tables: tuple[TableGrid, ...] = ()  # ruled tables found on the page (issue 13)
    # The page image's grey pixels inside a box, when the caller has the image: what a
    # value's ink looks like (handwriting, issue 13). None: the text alone decides.
    ink: Callable[[BBox], np.ndarray | None] | None = field(default=None, compare=False)

    @property
    def text(self) -> str:
        return "\n".join(line.text for line in self.lines)


def page_from_ocr(
    number: int, text: OcrText, *, blank: bool = False, tables: tuple[TableGrid, ...] = ()
) -> PageText:
    return PageText(number, text.lines, blank, tables=tables)


def page_from_report(
    report: PageReport, ink: Callable[[BBox], np.ndarray | None] | None = None
) -> PageText:
    """A page as understanding reads it, from its report (words and codes made NFC);
    `ink`: the page image's pixels in a box, when at hand (see `PageText.ink`)."""
    lines = tuple(
        Line(
            tuple(Word(nfc(w.text), w.bbox, w.confidence) for w in line.words),
            line.bbox,
            line.block,
            line.ink,
        )
        for line in report.lines
    )
    codes = tuple(PageCode(c.kind, nfc(c.text), c.readable) for c in report.codes)
    return PageText(report.number, lines, report.blank, codes, report.tables, ink)
