"""Content-stream operators for the invisible OCR text layer.

Each OCR line gets one baseline and one font size, so text extractors rebuild the
lines as the OCR saw them. Each word is positioned absolutely (Tm) and stretched
horizontally (Tz) to cover its box; between two words of a line an explicit space,
stretched to fill the gap, stops extractors from gluing words together.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from digitize.pdf.font import DESCENT, GLYPH_ADVANCE, UNITS_PER_EM
from digitize.results import BBox, Line, OcrText, Word

# Fraction of the font size below the baseline; the rest is above it.
_DESCENT_FRACTION = -DESCENT / UNITS_PER_EM
# Advance of one code unit at font size 1 and 100 % horizontal scaling.
_ADVANCE_PER_POINT = GLYPH_ADVANCE / UNITS_PER_EM
# Smallest horizontal scaling we write (percent): 0 or negative would make a degenerate matrix.
_MIN_SCALING = 1.0
# Gap kept between drawn words, as a fraction of the line height (see _word_right_edge):
# pdftotext -raw glued words 0.15 apart on the samples, 0.18 was enough; 0.2 leaves room.
_MIN_GAP_FRACTION = 0.2
# poppler reads a line made only of one-character words as wide (CJK-like) text and
# wants gaps of 0.4 font size before it prints a space; keep a little more than that.
_SINGLE_CHARACTER_GAP_FRACTION = 0.45
_SPACE = "0020"


@dataclass(frozen=True, slots=True)
class PageGeometry:
    """How image pixels map to PDF points: y flips, 72/dpi points per pixel."""

    height_px: int
    points_per_pixel: float

    def x(self, px: float) -> float:
        """PDF x of a pixel column."""
        return px * self.points_per_pixel

    def y(self, px: float) -> float:
        """PDF y of a pixel row (PDF's origin is bottom-left, the image's top-left)."""
        return (self.height_px - px) * self.points_per_pixel


def number(value: float) -> str:
    """A PDF number with at most three decimals and no needless zeros."""
    text = f"{value:.3f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def utf16_hex(text: str) -> str:
    """`text` as a PDF hex string of UTF-16BE code units (the Identity-H codes)."""
    return "<" + text.encode("utf-16-be").hex().upper() + ">"


def code_units(text: str) -> int:
    """How many two-byte codes (and so glyph advances) `text` takes."""
    return len(text.encode("utf-16-be")) // 2


def _printable_words(line: Line) -> list[Word]:
    """The words of a line that have text and a box of positive width."""
    return [w for w in line.words if w.text.strip() and w.bbox[2] > w.bbox[0]]


def _line_extent(line: Line, words: Sequence[Word]) -> tuple[int, int]:
    """Top and bottom pixel rows of a line: its own box, or its words' when that is unusable."""
    if line.bbox[3] > line.bbox[1]:
        return line.bbox[1], line.bbox[3]
    return min(w.bbox[1] for w in words), max(w.bbox[3] for w in words)


def _scaling(width_pt: float, units: int, font_size: float) -> float:
    """Horizontal scaling (percent) that makes `units` glyph advances span `width_pt`."""
    natural = units * _ADVANCE_PER_POINT * font_size
    return max(_MIN_SCALING, 100.0 * width_pt / natural)


def _word_right_edge(box: BBox, next_box: BBox | None, min_gap_px: float) -> float:
    """Where the drawn word should end (pixels): its box, pulled left if the next word is close.

    poppler splits words by the gap between glyphs, not by space characters, and
    glues words whose gap is under about a tenth of the font size; touching or
    overlapping OCR boxes would come out as one word. The word keeps at least a
    quarter of its box.
    """
    x0, _, x1, _ = box
    if next_box is None:
        return x1
    right = min(x1, next_box[0] - min_gap_px)
    return max(right, x0 + (x1 - x0) / 4)


def _word_operators(
    text: str, x0: float, right: float, next_x0: float | None, baseline: float, font_size: float
) -> list[str]:
    """Place one word from `x0` to `right` (points), then a space reaching `next_x0` if given."""
    ops = [
        f"1 0 0 1 {number(x0)} {number(baseline)} Tm",
        f"{number(_scaling(right - x0, code_units(text), font_size))} Tz",
        f"{utf16_hex(text)} Tj",
    ]
    if next_x0 is not None:
        # The space starts where the word ended (Tm advanced with the glyphs) and fills the gap.
        ops += [f"{number(_scaling(next_x0 - right, 1, font_size))} Tz", f"<{_SPACE}> Tj"]
    return ops


def _line_operators(line: Line, font_name: str, page: PageGeometry) -> list[str]:
    """Operators for one OCR line: font size from the line height, one shared baseline."""
    words = _printable_words(line)
    if not words:
        return []
    top, bottom = _line_extent(line, words)
    height_px = max(bottom - top, 1)
    font_size = height_px * page.points_per_pixel
    # Ascent + descent = 1 em, so the glyph boxes cover the line box exactly.
    baseline = page.y(bottom - _DESCENT_FRACTION * height_px)
    single_characters = all(code_units(word.text.strip()) == 1 for word in words)
    gap_fraction = _SINGLE_CHARACTER_GAP_FRACTION if single_characters else _MIN_GAP_FRACTION
    ops = [f"/{font_name} {number(font_size)} Tf"]
    for index, word in enumerate(words):
        next_box = words[index + 1].bbox if index + 1 < len(words) else None
        right = _word_right_edge(word.bbox, next_box, gap_fraction * height_px)
        ops += _word_operators(
            word.text.strip(),
            page.x(word.bbox[0]),
            page.x(right),
            page.x(next_box[0]) if next_box is not None else None,
            baseline,
            font_size,
        )
    return ops


def text_layer(text: OcrText, font_name: str, page: PageGeometry) -> bytes:
    """The whole text layer of a page: invisible (render mode 3) text in one BT/ET block."""
    ops: list[str] = []
    for line in text.lines:
        ops += _line_operators(line, font_name, page)
    if not ops:
        return b""
    # q/Q: the text state (render mode, scaling) does not leak into anything drawn later.
    return ("q\nBT\n3 Tr\n" + "\n".join(ops) + "\nET\nQ\n").encode("ascii")
