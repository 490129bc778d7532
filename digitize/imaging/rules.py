"""Ruled lines and boxes kept away from OCR: they carry no text but take text with them.

Official forms draw blanks as ruled lines, digit grids as rows of boxes (the 12 boxes of
a personal ID number on Mẫu CT01) and lists as tables. Tesseract's page layout analysis
takes a row of boxes and the label beside it for one strange line and returns neither
("4. Số định danh cá nhân:" vanished from CT01 this way), and reads an underline
touching a value as a row of letters. `erase_rules` paints the rules white in the
black-and-white image sent to OCR (the archive keeps them); the digits typed one per box
are left standing apart: the boxes are read one by one (`imaging.grids`, `ocr.grids`)
and understanding joins the digits again (`understand.fields`).

A horizontal rule is a run of ink at least `_H_MIN_MM` long in one pixel row: no letter
is that wide. A vertical rule is at least `_V_MIN_MM` tall and touches a horizontal one
(a box side, a table's column line), so a tall letter or a stroke of a signature is
never taken. Where a letter's stroke crosses a rule, the pixels of the rule that have
ink right above and right below are kept, so the letter keeps its shape.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import cv2
import numpy as np

from digitize.imaging.common import px

_H_MIN_MM = 7.0  # the widest letter of a 30 pt title is below 6 mm
_V_MIN_MM = 5.0  # a box side; taller than any letter of body text
_THICK_MM = 0.7  # rules are thinner than this; a crossing stroke reaches past it
_DASH_GAP_MM = 6.0  # dashes of a dashed rule (a table cell's border) are this close
_DASH_MIN_MM = 0.5  # and this long, three times their thickness: tone marks are not
_DASHED_MIN_MM = 12.0  # three dashes at least


@dataclass(frozen=True, slots=True)
class RuleMasks:
    """Where the rules are, 1 on a rule: what `erase_rules` paints white, and what table
    detection (`imaging.tables`) builds its grids from."""

    ink: np.ndarray
    horizontal: np.ndarray
    vertical: np.ndarray  # only vertical rules that meet a horizontal one
    # (x, y, width, height) of each vertical rule kept, for `imaging.tables`
    vertical_boxes: np.ndarray = field(default_factory=lambda: np.zeros((0, 4), np.int32))


def find_rules(black_white: np.ndarray, dpi: float) -> RuleMasks | None:
    """The ruled lines and box sides of a page with ink 0 and paper 255 (None: none)."""
    ink = (black_white < 128).astype(np.uint8)
    h_len = max(8, px(_H_MIN_MM, dpi))
    # A rule straightened by a fraction of a degree, or blurred and thresholded, is
    # ragged by a pixel: the ink of that ragged edge goes with its straight core (left
    # behind, it read as "TT", "¬", "|").
    horizontal = _open_with_play(ink, (1, h_len))
    horizontal |= _dashed_rules(ink, dpi, h_len)
    if not horizontal.any():
        return None
    v_len = max(8, px(_V_MIN_MM, dpi))
    vertical = _open_with_play(ink, (v_len, 1))
    boxes = np.zeros((0, 4), np.int32)
    if vertical.any():
        # Only vertical rules that meet a horizontal one: box sides and table columns.
        reach = max(2, px(_THICK_MM, dpi))
        near = cv2.dilate(horizontal, np.ones((2 * reach + 1, 2 * reach + 1), np.uint8))
        count, labels, stats, _ = cv2.connectedComponentsWithStats(vertical, connectivity=8)
        touching = np.unique(labels[(near > 0) & (vertical > 0)])
        keep = np.zeros(count, bool)
        keep[touching] = True
        keep[0] = False
        vertical = keep[labels].astype(np.uint8)
        boxes = stats[keep][:, :4].astype(np.int32)
    return RuleMasks(ink, horizontal, vertical, boxes)


def erase_rules(black_white: np.ndarray, dpi: float, masks: RuleMasks | None = None) -> int:
    """Paint ruled lines and box sides white in a page with ink 0 and paper 255, in
    place; returns how many pixels were painted. `masks`: `find_rules` of this very
    image, when the caller has them already."""
    masks = masks or find_rules(black_white, dpi)
    if masks is None:
        return 0
    ink, horizontal, vertical = masks.ink, masks.horizontal, masks.vertical
    rules = horizontal | vertical
    thick = max(2, px(_THICK_MM, dpi))
    other = ink & (1 - rules)
    # A stroke crossing a horizontal rule: ink of its own above and below the rule.
    above = np.zeros_like(other)
    below = np.zeros_like(other)
    above[thick:] = other[:-thick]
    below[:-thick] = other[thick:]
    crossing = horizontal & above & below
    left = np.zeros_like(other)
    right = np.zeros_like(other)
    left[:, thick:] = other[:, :-thick]
    right[:, :-thick] = other[:, thick:]
    crossing |= vertical & left & right
    erase = (rules & (1 - crossing)).astype(bool)
    black_white[erase] = 255
    return int(erase.sum())


def _open_with_play(ink: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    """Ink in a straight run of `shape` (rows, columns), and the ink a pixel either side
    of that run: a rule's ragged edge. Only a straight run starts it: the curves of a
    signature, chained across a row a pixel thick, are no rule."""
    across = (3, 1) if shape[0] == 1 else (1, 3)
    core = cv2.morphologyEx(ink, cv2.MORPH_OPEN, np.ones(shape, np.uint8))
    return core | (cv2.dilate(core, np.ones(across, np.uint8)) & ink)


def _dashed_rules(ink: np.ndarray, dpi: float, length: int) -> np.ndarray:
    """Rows of short flat dashes close together (dashed cell borders, "- - - -"): each
    dash is shorter than a rule, together they make one. A lone hyphen stays."""
    count, labels, stats, _ = cv2.connectedComponentsWithStats(ink, connectivity=8)
    if count < 2:
        return np.zeros_like(ink)
    w, h = stats[:, cv2.CC_STAT_WIDTH], stats[:, cv2.CC_STAT_HEIGHT]
    flat = (h <= max(2, px(_THICK_MM, dpi))) & (w >= 3 * h) & (w >= px(_DASH_MIN_MM, dpi))
    flat[0] = False
    if not flat.any():
        return np.zeros_like(ink)
    dashes = flat[labels].astype(np.uint8)
    gap = max(3, px(_DASH_GAP_MM, dpi))
    joined = cv2.morphologyEx(dashes, cv2.MORPH_CLOSE, np.ones((1, gap), np.uint8))
    span = max(length, px(_DASHED_MIN_MM, dpi))
    rows = cv2.morphologyEx(joined, cv2.MORPH_OPEN, np.ones((1, span), np.uint8))
    return rows & dashes
