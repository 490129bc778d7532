"""Typed results that pass between stages and out of the library.

Coordinates are pixels of the upright, deskewed page image, origin top-left,
boxes as (x0, y0, x1, y1) with x1/y1 exclusive.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

BBox = tuple[int, int, int, int]


class ColourMode(StrEnum):
    """How a page is stored in the output PDF: decides JPEG versus CCITT G4."""

    COLOUR = "colour"
    GREY = "grey"
    BILEVEL = "bilevel"


@dataclass(frozen=True, slots=True)
class Word:
    text: str  # NFC
    bbox: BBox
    confidence: float  # 0..1


@dataclass(frozen=True, slots=True)
class Line:
    words: tuple[Word, ...]
    bbox: BBox
    block: int = 0  # lines of one block (paragraph) share this number

    @property
    def text(self) -> str:
        return " ".join(word.text for word in self.words)


@dataclass(frozen=True, slots=True)
class OcrText:
    """What the OCR engine read on one page."""

    lines: tuple[Line, ...] = ()
    engine: str = ""

    @property
    def words(self) -> tuple[Word, ...]:
        return tuple(word for line in self.lines for word in line.words)

    @property
    def text(self) -> str:
        """Lines joined by newlines, with an empty line between blocks."""
        parts: list[str] = []
        previous_block: int | None = None
        for line in self.lines:
            if previous_block is not None and line.block != previous_block:
                parts.append("")
            parts.append(line.text)
            previous_block = line.block
        return "\n".join(parts)

    @property
    def confidence(self) -> float | None:
        """Mean word confidence weighted by word length; None when nothing was read."""
        words = self.words
        total = sum(len(word.text) for word in words)
        if total == 0:
            return None
        return sum(word.confidence * len(word.text) for word in words) / total

    def mapped(self, *, offset: tuple[int, int] = (0, 0), factor: float = 1.0) -> OcrText:
        """The same text with boxes moved back from a crop at `offset` of an image resized by
        1/`factor`: each box is shifted by `offset`, then multiplied by `factor`."""
        if factor == 1.0 and offset == (0, 0):
            return self
        dx, dy = offset

        def scale(box: BBox) -> BBox:
            return (
                round((box[0] + dx) * factor),
                round((box[1] + dy) * factor),
                round((box[2] + dx) * factor),
                round((box[3] + dy) * factor),
            )

        lines = tuple(
            Line(
                words=tuple(Word(w.text, scale(w.bbox), w.confidence) for w in line.words),
                bbox=scale(line.bbox),
                block=line.block,
            )
            for line in self.lines
        )
        return OcrText(lines=lines, engine=self.engine)


@dataclass(slots=True)
class PageReport:
    """One page of the JSON contract (see README, "The JSON result")."""

    number: int
    rotation: int  # degrees clockwise applied to make the page upright: 0, 90, 180, 270
    skew_deg: float  # skew measured and corrected; positive = lines rising to the right
    dpi: int
    text: str
    confidence: float | None
    words: int
    blank: bool
    dpi_estimated: bool = False
    text_source: str = "ocr"  # "ocr", "pdf" (existing text layer kept) or "none" (blank)
    width: int = 0
    height: int = 0
    colour_mode: str = ColourMode.GREY.value
    lines: list[dict[str, object]] = field(default_factory=list)
    # QR codes and barcodes on the page: kind, text ("" if unreadable), bbox, readable
    codes: list[dict[str, object]] = field(default_factory=list)
    # Why the page could not be digitised (issue 14); its PDF page is a blank stand-in.
    error: str | None = None
    # A skew measurement set aside, or the OCR check that settled which way is up.
    geometry_note: str | None = None
