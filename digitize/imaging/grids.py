"""Digit grids found on the page: rows of equal boxes, one digit typed in each (issue 13).

Official forms ask for numbers one digit per box: the 12 boxes of a personal ID number
on Mẫu CT01, a date as 8 boxes. Read as part of the page, Tesseract's line finder takes
the row of digits apart and puts it together wrongly: a box lost ("0891750601" for
"089175060152"), a box read twice ("0038…"), a digit misread with no way to tell. Once
the boxes are known, each can be read on its own (`ocr.grids`) and the number comes
out box by box, each digit with its own confidence.

Found from the rules `imaging.rules` already finds for erasure (box sides are vertical
rules meeting a horizontal one), so a page without such rules costs nothing more:
- box sides: vertical rules of one box's height (4-16 mm), standing side by side over
  the same height, their tops level;
- boxes: the spaces between neighbouring sides, all of one width (within 20 %) and
  about as wide as tall; boxes may touch (one side shared) or stand apart (each with
  its own two sides, the gaps narrower than a box);
- at least `MIN_BOXES` boxes in a row make a grid. A ruled table's column lines span
  several rows and are taller than a box; a table of one row with wide cells is no grid.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from itertools import pairwise

from digitize.imaging.common import px
from digitize.imaging.rules import RuleMasks

BBox = tuple[int, int, int, int]

MIN_BOXES = 6  # a date in boxes has 8, a phone number 10, a personal ID number 12
MAX_BOXES = 24
_BOX_MIN_MM = 4.0  # box sides are at least this tall (rules.py takes 5 mm and up)
_BOX_MAX_MM = 16.0  # and at most this: taller is a table's column line or a frame
_LEVEL = 0.25  # tops and bottoms of one row's sides agree within this share of a box
_SAME_WIDTH = 0.2  # boxes of one grid are this close to their median width
_SHAPE = (0.45, 1.7)  # a box's width against its height: about square
_GAP_MAX = 0.6  # boxes standing apart: the gap is narrower than this share of a box


@dataclass(frozen=True, slots=True)
class DigitGrid:
    """A row of equal boxes, left to right; each box (x0, y0, x1, y1) runs between the
    inner edges' centres of its sides, in the pixels of the image the rules came from."""

    boxes: tuple[BBox, ...]

    @property
    def bbox(self) -> BBox:
        return (
            self.boxes[0][0],
            min(b[1] for b in self.boxes),
            self.boxes[-1][2],
            max(b[3] for b in self.boxes),
        )

    def shifted(self, dx: int, dy: int) -> DigitGrid:
        return DigitGrid(
            tuple((x0 + dx, y0 + dy, x1 + dx, y1 + dy) for x0, y0, x1, y1 in self.boxes)
        )


def find_digit_grids(masks: RuleMasks, dpi: float) -> list[DigitGrid]:
    """The digit grids of a page, top to bottom, from the vertical rules `find_rules` kept."""
    low, high = px(_BOX_MIN_MM, dpi), px(_BOX_MAX_MM, dpi)
    sides = [
        (int(x), int(y), int(w), int(h)) for x, y, w, h in masks.vertical_boxes if low <= h <= high
    ]
    if len(sides) < MIN_BOXES + 1:
        return []
    grids: list[DigitGrid] = []
    for row in _rows_of_sides(sides):
        grids.extend(_grids_in_row(row, dpi))
    grids.sort(key=lambda g: (g.bbox[1], g.bbox[0]))
    return grids


def _rows_of_sides(sides: list[BBox]) -> list[list[BBox]]:
    """Sides grouped by level: tops and bottoms within a quarter of their height."""
    rows: list[list[BBox]] = []
    for side in sorted(sides, key=lambda s: s[1]):
        _, y, _, h = side
        for row in rows:
            _, ry, _, rh = row[0]
            tolerance = _LEVEL * max(h, rh)
            if abs(y - ry) <= tolerance and abs((y + h) - (ry + rh)) <= tolerance:
                row.append(side)
                break
        else:
            rows.append([side])
    return [row for row in rows if len(row) > MIN_BOXES]


def _grids_in_row(row: list[BBox], dpi: float) -> list[DigitGrid]:
    """The runs of equal boxes among one level's sides, left to right."""
    thin = max(2, px(0.7, dpi))
    row = sorted(row, key=lambda s: s[0])
    # A side drawn double, or broken in two, is one side: its pieces overlap in x.
    merged: list[BBox] = []
    for side in row:
        if merged and side[0] <= merged[-1][0] + merged[-1][2] + thin:
            x, y, w, h = merged[-1]
            right = max(x + w, side[0] + side[2])
            top, bottom = min(y, side[1]), max(y + h, side[1] + side[3])
            merged[-1] = (x, top, right - x, bottom - top)
        else:
            merged.append(side)
    if len(merged) < MIN_BOXES + 1:
        return []
    height = statistics.median(s[3] for s in merged)
    # Between two neighbouring sides: a box when about square, else a gap or a break.
    spans = [(left[0] + left[2], right[0], left, right) for left, right in pairwise(merged)]
    square = [
        right - left
        for left, right, _, _ in spans
        if _SHAPE[0] * height <= right - left <= _SHAPE[1] * height
    ]
    if len(square) < MIN_BOXES:
        return []
    width = statistics.median(square)
    grids: list[DigitGrid] = []
    run: list[BBox] = []
    after_box = False
    for left, right, left_side, right_side in spans:
        inside = right - left
        if abs(inside - width) <= _SAME_WIDTH * width:
            top = min(left_side[1], right_side[1])
            bottom = max(left_side[1] + left_side[3], right_side[1] + right_side[3])
            run.append((left, top, right, bottom))
            after_box = True
            continue
        if after_box and inside <= _GAP_MAX * width:
            after_box = False  # boxes standing apart: the paper between two of them
            continue
        grids.extend(_grid_of(run))
        run, after_box = [], False
    grids.extend(_grid_of(run))
    return grids


def _grid_of(run: list[BBox]) -> list[DigitGrid]:
    if MIN_BOXES <= len(run) <= MAX_BOXES:
        return [DigitGrid(tuple(run))]
    return []
