"""Typed results that pass between stages and out of the library.

Coordinates are pixels of the upright, deskewed page image, origin top-left,
boxes as (x0, y0, x1, y1) with x1/y1 exclusive.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

BBox = tuple[int, int, int, int]


def union_box(boxes: Iterable[BBox]) -> BBox:
    """The smallest box holding all of `boxes` (at least one)."""
    listed = list(boxes)
    return (
        min(b[0] for b in listed),
        min(b[1] for b in listed),
        max(b[2] for b in listed),
        max(b[3] for b in listed),
    )


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
class LineInk:
    """A line's ink as the handwriting check measures it (digitize.imaging.handwriting),
    cut out at OCR time while the page image is at hand, so understanding, often run
    later from the stored results, need not decode the page again (issue 13).

    The pieces (8-connected) of the line's band, `box`: the line and its words, 0.3 of
    the page's print height above and below, binarised at its own Otsu threshold. Only
    pieces at least 0.45 of `print_height` high, the page's print height they were cut
    for: lower ones can never count as letters. `pieces` packs x, y, width, height of
    each as little-endian unsigned 16-bit integers, in page pixels."""

    print_height: int
    box: BBox
    pieces: bytes

    def as_json(self) -> dict[str, Any]:
        return {
            "print_height": self.print_height,
            "box": list(self.box),
            "pieces": base64.b64encode(self.pieces).decode("ascii"),
        }

    @classmethod
    def from_json(cls, raw: Any) -> LineInk | None:
        """None for anything that is not one (the check then decodes the page)."""
        if not isinstance(raw, Mapping):
            return None
        try:
            pieces = base64.b64decode(str(raw["pieces"]), validate=True)
            height = int(raw["print_height"])
        except (KeyError, TypeError, ValueError, binascii.Error):
            return None
        box = _box(raw.get("box"))
        if len(pieces) % 8 or height <= 0 or box == _NO_BOX:
            return None
        return cls(height, box, pieces)


@dataclass(frozen=True, slots=True)
class Line:
    words: tuple[Word, ...]
    bbox: BBox
    block: int = 0  # lines of one block (paragraph) share this number
    # Its ink measured at OCR time, for the handwriting check (None: not measured).
    ink: LineInk | None = field(default=None, compare=False)

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


@dataclass(frozen=True, slots=True)
class TableGrid:
    """A ruled table found on the page (digitize.imaging.tables): the x of its column
    rules, left to right, and the y of its row rules, top to bottom. Cell (r, c) spans
    columns[c]..columns[c + 1] and rows[r]..rows[r + 1]; its text is the page's words
    whose centre falls inside."""

    columns: tuple[int, ...]
    rows: tuple[int, ...]

    @property
    def bbox(self) -> BBox:
        return (self.columns[0], self.rows[0], self.columns[-1], self.rows[-1])

    def mapped(self, *, offset: tuple[int, int] = (0, 0), factor: float = 1.0) -> TableGrid:
        """Moved like `OcrText.mapped`: shifted by `offset`, then scaled by `factor`."""
        dx, dy = offset
        return TableGrid(
            tuple(round((x + dx) * factor) for x in self.columns),
            tuple(round((y + dy) * factor) for y in self.rows),
        )

    def as_json(self) -> dict[str, Any]:
        return {"columns": list(self.columns), "rows": list(self.rows)}

    @classmethod
    def from_json(cls, raw: Mapping[str, Any]) -> TableGrid | None:
        """None for a grid that is not one (fewer than two rules either way)."""
        try:
            columns = tuple(int(x) for x in raw.get("columns") or ())
            rows = tuple(int(y) for y in raw.get("rows") or ())
        except (TypeError, ValueError, AttributeError):
            return None
        if len(columns) < 2 or len(rows) < 2:
            return None
        return cls(tuple(sorted(columns)), tuple(sorted(rows)))


class TextSource(StrEnum):
    """Where a page's text came from."""

    OCR = "ocr"
    PDF = "pdf"  # the page's own text layer, kept as it was
    NONE = "none"  # a blank page: nothing to read


@dataclass(frozen=True, slots=True)
class FoundCode:
    """A QR code or barcode on the page, as reported (see digitize.imaging.codes)."""

    kind: str  # "qr", "code128", "other"
    text: str  # "" when the code is there but could not be read
    bbox: BBox
    readable: bool = True


@dataclass(frozen=True, slots=True)
class PageReport:
    """One page of the JSON contract (see README, "The JSON result").

    Typed from the pipeline to its readers; `as_json` and `from_json` are the one
    place it becomes JSON and back (result files, work folders, the service's rows).
    Word confidences are kept rounded to 3 places, as the JSON has them, so that a
    page understood from memory and from its JSON gives the same result.
    """

    number: int
    rotation: int  # degrees clockwise applied to make the page upright: 0, 90, 180, 270
    skew_deg: float  # skew measured and corrected; positive = lines rising to the right
    dpi: int
    text: str
    confidence: float | None
    words: int
    blank: bool
    dpi_estimated: bool = False
    text_source: TextSource = TextSource.OCR
    width: int = 0
    height: int = 0
    colour_mode: ColourMode | None = ColourMode.GREY  # None: unknown (a kept text page)
    lines: tuple[Line, ...] = ()
    codes: tuple[FoundCode, ...] = ()
    # Why the page could not be digitised (issue 14); its PDF page is a blank stand-in.
    error: str | None = None
    # A skew measurement set aside, or the OCR check that settled which way is up.
    geometry_note: str | None = None
    # Ruled tables found on the page (issue 13): understanding reads their cells.
    tables: tuple[TableGrid, ...] = ()

    def as_json(self) -> dict[str, Any]:
        return {
            "number": self.number,
            "rotation": self.rotation,
            "skew_deg": self.skew_deg,
            "dpi": self.dpi,
            "text": self.text,
            "confidence": self.confidence,
            "words": self.words,
            "blank": self.blank,
            "dpi_estimated": self.dpi_estimated,
            "text_source": self.text_source.value,
            "width": self.width,
            "height": self.height,
            "colour_mode": self.colour_mode.value if self.colour_mode else "unknown",
            "lines": [
                {
                    "text": line.text,
                    "bbox": list(line.bbox),
                    "block": line.block,
                    "words": [
                        {"text": w.text, "bbox": list(w.bbox), "confidence": w.confidence}
                        for w in line.words
                    ],
                    **({"ink": line.ink.as_json()} if line.ink is not None else {}),
                }
                for line in self.lines
            ],
            "codes": [
                {"kind": c.kind, "text": c.text, "bbox": list(c.bbox), "readable": c.readable}
                for c in self.codes
            ],
            "error": self.error,
            "geometry_note": self.geometry_note,
            "tables": [table.as_json() for table in self.tables],
        }

    @classmethod
    def from_json(cls, raw: Mapping[str, Any]) -> PageReport:
        """A report from its JSON; older results without line data get the text's words,
        without boxes. Text is taken as written (readers make it NFC)."""
        raw_lines: Sequence[Mapping[str, Any]] = raw.get("lines") or ()
        if raw_lines:
            lines = tuple(_line(line) for line in raw_lines)
        else:
            lines = tuple(
                Line(tuple(Word(w, _NO_BOX, 1.0) for w in row.split()), _NO_BOX)
                for row in str(raw.get("text", "")).splitlines()
                if row.strip()
            )
        colour = raw.get("colour_mode", ColourMode.GREY.value)
        confidence = raw.get("confidence")
        return cls(
            number=int(raw["number"]),
            rotation=int(raw.get("rotation", 0)),
            skew_deg=float(raw.get("skew_deg", 0.0)),
            dpi=int(raw.get("dpi", 0)),
            text=str(raw.get("text", "")),
            confidence=None if confidence is None else float(confidence),
            words=int(raw.get("words", 0)),
            blank=bool(raw.get("blank", False)),
            dpi_estimated=bool(raw.get("dpi_estimated", False)),
            text_source=TextSource(raw.get("text_source", TextSource.OCR.value)),
            width=int(raw.get("width", 0)),
            height=int(raw.get("height", 0)),
            colour_mode=ColourMode(colour) if colour in _COLOUR_MODES else None,
            lines=lines,
            codes=tuple(
                FoundCode(
                    str(c.get("kind", "other")),
                    str(c.get("text", "")),
                    _box(c.get("bbox")),
                    bool(c.get("readable", True)),
                )
                for c in raw.get("codes") or ()
            ),
            error=_optional_text(raw.get("error")),
            geometry_note=_optional_text(raw.get("geometry_note")),
            tables=_tables(raw.get("tables")),
        )


_NO_BOX: BBox = (0, 0, 0, 0)


def _tables(raw: Any) -> tuple[TableGrid, ...]:
    grids = (TableGrid.from_json(t) for t in raw or () if isinstance(t, Mapping))
    return tuple(grid for grid in grids if grid is not None)


def _optional_text(raw: Any) -> str | None:
    return None if raw is None else str(raw)


_COLOUR_MODES = frozenset(mode.value for mode in ColourMode)


def _line(raw: Mapping[str, Any]) -> Line:
    words = tuple(
        Word(str(w["text"]), _box(w.get("bbox")), float(w.get("confidence", 1.0)))
        for w in raw.get("words", ())
    )
    if not words and raw.get("text"):
        words = tuple(Word(t, _box(raw.get("bbox")), 1.0) for t in str(raw["text"]).split())
    ink = LineInk.from_json(raw["ink"]) if "ink" in raw else None
    return Line(words, _box(raw.get("bbox")), int(raw.get("block", 0)), ink)


def _box(raw: Any) -> BBox:
    if isinstance(raw, Sequence) and len(raw) == 4:
        x0, y0, x1, y1 = (int(v) for v in raw)
        return (x0, y0, x1, y1)
    return _NO_BOX
