"""Digit grids read box by box: one digit per box, each with its own confidence (issue 13).

Read as part of the page, a row of boxed digits comes out with a box lost, a box read
twice or across its side ("0 535 5 0 …", "I1", "98"), and a misread digit has nothing
to tell it by. Each box of a grid `imaging.grids` found is cut out of the OCR image
(its sides already erased), with paper around it, and read alone as one character.
The page's own words inside the grid are replaced by these box words, in the line of
the grid's label, so understanding sees "4. Số định danh cá nhân: 0 3 5 0 7 …".

What a box says is sure only when it is one digit:
- read alone as one digit, and not contradicted by a single digit the page's OCR read
  in that box (if it is, the box is read again, smaller, and that read must agree);
- or, when read alone it is no digit (Tesseract took "9" for "Q", "5" for "Đ"), read
  again smaller as one digit and the page's OCR read the same digit there.

Otherwise its best guess is kept (so the number is still whole for the reviewer) at a
confidence below `UNSURE_BOX`, which sends the number to review. An empty box gives
no word, so a number with a box left empty is short and goes to review; a grid with
no ink gives nothing at all (nothing is invented on a blank form). A grid whose boxes
read mostly as letters is no digit grid: its page words are left as they were.

Measured on 32 CT01 grids (384 boxes, 200 and 300 dpi): read alone, 376 boxes gave
the right digit and 8 something other than one digit; none gave a wrong digit. Read
at 0.6 of the size, 3 gave a wrong digit, so the smaller read only ever backs a digit
another read gave too. On 32 more grids one box alone was read as a wrong digit ("2"
for "3" at 0.59); the page's OCR and the smaller read both said "3", so it was not
sure. Each box costs a few milliseconds of Tesseract.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import cv2
import numpy as np

from digitize.errors import ExternalProgramError
from digitize.imaging.common import px
from digitize.imaging.grids import DigitGrid
from digitize.ocr.engine import OcrEngine
from digitize.results import BBox, Line, OcrText, Word, union_box

log = logging.getLogger(__name__)

UNSURE_BOX = 0.3  # a box's word below this confidence: its digit is not known
_INSET_MM = 0.5  # left out at the box's sides: what may remain of its rules
_PAPER_MM = 3.0  # white margin around the cut-out box
_INK_MM = 1.2  # ink this tall is a character, not dust or a rule's remains
_AGAIN_SCALE = 0.6  # the second read: smaller, so Tesseract sees the glyph differently


@dataclass(frozen=True, slots=True)
class BoxReading:
    """What one box of a grid holds: `text` "" for an empty box."""

    text: str
    confidence: float
    bbox: BBox

    @property
    def sure(self) -> bool:
        return _is_digit(self.text) and self.confidence >= UNSURE_BOX


def read_digit_grids(
    text: OcrText, image: np.ndarray, dpi: int, grids: tuple[DigitGrid, ...], engine: OcrEngine
) -> OcrText:
    """`text` with the words inside each digit grid replaced by its boxes read one by one."""
    for grid in grids:
        page_words = [w for w in text.words if _centre_in(w.bbox, grid.bbox)]
        try:
            readings = read_grid(grid, image, dpi, engine, page_words)
        except ExternalProgramError as exc:
            # The page's own reading stays: a box reader that failed must not cost the
            # page its text.
            log.warning("digit grid not read box by box: %s", exc)
            continue
        inked = [r for r in readings if r.text]
        if not inked:
            if not page_words:
                continue
            readings = []  # an empty grid: what the page's OCR read there is specks
        elif sum(not _is_digit(r.text) for r in inked) * 2 > len(inked):
            continue  # letters typed in boxes: not a number, leave the page's reading
        words = [Word(r.text, r.bbox, r.confidence) for r in readings if r.text]
        text = _replace_in_line(text, grid.bbox, words)
    return text


def read_grid(
    grid: DigitGrid,
    image: np.ndarray,
    dpi: int,
    engine: OcrEngine,
    page_words: list[Word] | None = None,
) -> list[BoxReading]:
    """Each box of `grid` read alone, left to right; `page_words`: what the page's OCR
    read inside the grid, to back or contradict a box."""
    inset, paper, tall = px(_INSET_MM, dpi), px(_PAPER_MM, dpi), px(_INK_MM, dpi)
    readings = []
    for box in grid.boxes:
        x0, y0, x1, y1 = box
        x0, y0 = max(0, x0 + inset), max(0, y0 + inset)
        x1, y1 = min(image.shape[1], x1 - inset), min(image.shape[0], y1 - inset)
        if x1 - x0 < tall or y1 - y0 < tall:
            readings.append(BoxReading("", 0.0, box))
            continue
        inside = image[y0:y1, x0:x1]
        ink_rows = np.flatnonzero((inside < 128).any(axis=1))
        if ink_rows.size == 0 or ink_rows[-1] - ink_rows[0] + 1 < tall:
            readings.append(BoxReading("", 0.0, box))
            continue
        cut = np.full((y1 - y0 + 2 * paper, x1 - x0 + 2 * paper), 255, np.uint8)
        cut[paper:-paper, paper:-paper] = inside
        page = _page_digit(page_words or [], box)
        readings.append(_read_box(cut, dpi, engine, page, box))
    return readings


def _read_box(
    cut: np.ndarray, dpi: int, engine: OcrEngine, page: str | None, box: BBox
) -> BoxReading:
    first, first_conf = _one_read(engine.recognise_character(cut, dpi))
    if _is_digit(first) and (page is None or page == first):
        return BoxReading(first, first_conf, box)
    small = cv2.resize(cut, None, fx=_AGAIN_SCALE, fy=_AGAIN_SCALE, interpolation=cv2.INTER_AREA)
    small = np.where(small < 128, 0, 255).astype(np.uint8)
    again, again_conf = _one_read(
        engine.recognise_character(small, max(1, round(dpi * _AGAIN_SCALE)))
    )
    if _is_digit(first):
        # The page's OCR read another digit here: the smaller read settles it for the first.
        if again == first:
            return BoxReading(first, max(first_conf, again_conf), box)
        # Two reads against one: the likelier digit for the reviewer, still not sure.
        guess = page if again == page else first
        return BoxReading(guess, min(first_conf, UNSURE_BOX / 2), box)
    if _is_digit(again) and again == page:
        return BoxReading(again, again_conf, box)
    # The best guess for the reviewer: the page's digit (read with its line around it),
    # else the smaller read's.
    guess = page if page is not None else again if _is_digit(again) else first or again
    return BoxReading(guess or "?", min(max(first_conf, again_conf), UNSURE_BOX / 2), box)


def _one_read(text: OcrText) -> tuple[str, float]:
    words = text.words
    read = "".join(w.text for w in words)
    return read, min((w.confidence for w in words), default=0.0)


def _is_digit(text: str) -> bool:
    return len(text) == 1 and "0" <= text <= "9"


def _page_digit(words: list[Word], box: BBox) -> str | None:
    """The digit the page's OCR read in this box: one word there, one digit."""
    inside = [w for w in words if _centre_in(w.bbox, box)]
    if len(inside) == 1 and _is_digit(inside[0].text):
        return inside[0].text
    return None


def _centre_in(bbox: BBox, area: BBox) -> bool:
    x, y = (bbox[0] + bbox[2]) / 2, (bbox[1] + bbox[3]) / 2
    return area[0] <= x < area[2] and area[1] <= y < area[3]


def _replace_in_line(text: OcrText, area: BBox, words: list[Word]) -> OcrText:
    """The page's words centred in `area` taken out, `words` put into the line beside
    it (the label's, the one that held most of them), or into a line of their own."""
    top, bottom = area[1], area[3]
    middle = (top + bottom) / 2
    best, best_score = None, 0.0
    lines: list[Line] = []
    for line in text.lines:
        kept = tuple(w for w in line.words if not _centre_in(w.bbox, area))
        taken = len(line.words) - len(kept)
        if not kept:
            continue
        lines.append(Line(kept, union_box(w.bbox for w in kept), line.block))
        # A line level with the grid: the label printed beside it.
        level = sum(1 for w in kept if w.bbox[1] <= middle <= w.bbox[3])
        score = taken + level
        if score > best_score and level:
            best, best_score = len(lines) - 1, score
    if not words:
        return OcrText(tuple(lines), text.engine)
    if best is None:
        block = max((line.block for line in text.lines), default=-1) + 1
        lines.append(Line(tuple(words), union_box(w.bbox for w in words), block))
    else:
        line = lines[best]
        merged = tuple(sorted((*line.words, *words), key=lambda w: w.bbox[0]))
        lines[best] = Line(merged, union_box(w.bbox for w in merged), line.block)
    return OcrText(tuple(lines), text.engine)
