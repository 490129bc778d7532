"""The text of a file's pages, as understanding reads it: lines of words with boxes.

Built from the per-page JSON of `digitize process` (so results already on disk can be
understood again, e.g. after the catalogue changed) or from the OCR result directly.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from digitize.results import BBox, Line, OcrText, Word
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

    @property
    def text(self) -> str:
        return "\n".join(line.text for line in self.lines)


def page_from_ocr(number: int, text: OcrText, *, blank: bool = False) -> PageText:
    return PageText(number, text.lines, blank)


def page_from_report(report: Mapping[str, Any]) -> PageText:
    """A page from its JSON report; pages without line data fall back to the text."""
    number = int(report["number"])
    blank = bool(report.get("blank", False))
    raw_lines: Sequence[Mapping[str, Any]] = report.get("lines") or ()
    if raw_lines:
        lines = tuple(_line(raw) for raw in raw_lines)
    else:  # no boxes known (older results): words without boxes
        lines = tuple(
            Line(tuple(Word(nfc(w), (0, 0, 0, 0), 1.0) for w in row.split()), (0, 0, 0, 0))
            for row in str(report.get("text", "")).splitlines()
            if row.strip()
        )
    codes = tuple(
        PageCode(
            str(c.get("kind", "other")), nfc(str(c.get("text", ""))), bool(c.get("readable", True))
        )
        for c in report.get("codes") or ()
    )
    return PageText(number, lines, blank, codes)


def _line(raw: Mapping[str, Any]) -> Line:
    words = tuple(
        Word(nfc(str(w["text"])), _box(w.get("bbox")), float(w.get("confidence", 1.0)))
        for w in raw.get("words", ())
    )
    if not words and raw.get("text"):
        words = tuple(Word(nfc(t), _box(raw.get("bbox")), 1.0) for t in str(raw["text"]).split())
    return Line(words, _box(raw.get("bbox")), int(raw.get("block", 0)))


def _box(raw: Any) -> BBox:
    if isinstance(raw, Sequence) and len(raw) == 4:
        x0, y0, x1, y1 = (int(v) for v in raw)
        return (x0, y0, x1, y1)
    return (0, 0, 0, 0)
