"""Ruled tables found on the page: the grid of column and row rules (issue 13).

Official forms list people in ruled tables (the household members of Mẫu CT01: a
number, full name, date of birth, sex, personal ID number, relation to the head). OCR
reads a page as lines, and a table's row comes out as one line or as pieces of several;
to give rows as rows, understanding needs the grid: which words stand in which cell.

Found from the rules `imaging.rules` already finds for erasure, so a page without
vertical rules costs nothing more:
- columns: three or more vertical rules standing side by side over the same height
  (a table's column lines); a 12-box digit grid is one row high and is not a table;
- rows: inside that span, pixel rows crossed from side to side by thin ink (solid,
  dashed or dotted rules: CT01 draws its row lines as dots 0.3 mm apart), plus the
  table's top and bottom;
- at least two rows and two columns make a table.
"""

from __future__ import annotations

import cv2
import numpy as np

from digitize.imaging.common import px
from digitize.imaging.rules import RuleMasks
from digitize.results import TableGrid

_THIN_MM = 0.7  # rules, dashes and dots are thinner than this; letters are taller
_DOT_GAP_MM = 1.5  # the dots of a dotted rule are closer than this
_ROW_COVER = 0.6  # a row rule crosses this share of the table's width
_SAME_SPAN = 0.8  # column rules of one table overlap this share of the shorter one
_MIN_ROW_MM = 3.0  # rules closer than this are one rule (a double line, a thick one)


def find_tables(masks: RuleMasks, dpi: float) -> list[TableGrid]:
    """The ruled tables of a page, top to bottom, in the pixels of the masks' image."""
    if len(masks.vertical_boxes) < 3:  # three column rules at least
        return []
    spans = [(int(x), int(y), int(w), int(h)) for x, y, w, h in masks.vertical_boxes]
    tables = []
    for group in _side_by_side(spans):
        grid = _grid(masks, dpi, [spans[i] for i in group])
        if grid is not None:
            tables.append(grid)
    tables.sort(key=lambda g: (g.rows[0], g.columns[0]))
    return tables


def _side_by_side(spans: list[tuple[int, int, int, int]]) -> list[list[int]]:
    """Groups of three or more vertical rules covering the same height."""
    parent = list(range(len(spans)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    order = sorted(range(len(spans)), key=lambda i: spans[i][1])
    for a_pos, a in enumerate(order):
        _, ay, _, ah = spans[a]
        for b in order[a_pos + 1 :]:
            _, by, _, bh = spans[b]
            if by >= ay + ah:
                break
            overlap = min(ay + ah, by + bh) - max(ay, by)
            if overlap >= _SAME_SPAN * min(ah, bh):
                parent[root(b)] = root(a)
    groups: dict[int, list[int]] = {}
    for i in range(len(spans)):
        groups.setdefault(root(i), []).append(i)
    return [g for g in groups.values() if len(g) >= 3]


def _grid(masks: RuleMasks, dpi: float, rules: list[tuple[int, int, int, int]]) -> TableGrid | None:
    thin = max(2, px(_THIN_MM, dpi))
    xs = sorted(x + w // 2 for x, _, w, _ in rules)
    columns: list[int] = []
    for x in xs:  # a rule broken in two pieces, or drawn double, is one column line
        if columns and x - columns[-1] <= 2 * thin:
            continue
        columns.append(x)
    if len(columns) < 3:
        return None
    top = min(y for _, y, _, _ in rules)
    bottom = max(y + h for _, y, _, h in rules)
    left, right = columns[0], columns[-1]
    # Thin ink between the side rules, column rules left out: rules, dashes, dots.
    inner = (slice(top, bottom + thin), slice(left + thin, right - thin))
    region = masks.ink[inner] & (1 - masks.vertical[inner])
    if region.size == 0:
        return None
    _, labels, stats, _ = cv2.connectedComponentsWithStats(region, connectivity=8)
    flat = stats[:, cv2.CC_STAT_HEIGHT] <= thin
    flat[0] = False
    lines = flat[labels].astype(np.uint8) if flat.any() else np.zeros_like(region)
    gap = max(3, px(_DOT_GAP_MM, dpi))
    lines = cv2.morphologyEx(lines, cv2.MORPH_CLOSE, np.ones((1, gap), np.uint8))
    # Solid rules as `find_rules` found them (a rule may touch a letter or what is left
    # of a column line, and be part of a tall piece of ink); a pixel row either side
    # for what straightening left of a slant.
    lines |= masks.horizontal[inner]
    lines = cv2.dilate(lines, np.ones((3, 1), np.uint8))
    cover = lines.sum(axis=1) / max(1, region.shape[1])
    rows = [top, bottom, *(top + int(y) for y in np.flatnonzero(cover >= _ROW_COVER))]
    rows.sort()
    merged: list[int] = []
    least = px(_MIN_ROW_MM, dpi)
    for y in rows:
        if merged and y - merged[-1] < least:
            if y == bottom:  # the table's own edge wins over a rule just above it
                merged[-1] = y
            continue
        merged.append(y)
    if len(merged) < 3:  # one row: a digit grid or a framed box, not a table
        return None
    return TableGrid(tuple(columns), tuple(merged))


def erase_table_rules(black_white: np.ndarray, tables: list[TableGrid], dpi: float) -> int:
    """Paint white, in place, the ink lying wholly along the tables' rules: CT01's dotted
    row lines are not rules to `imaging.rules` (each dot is a speck), nor is a column
    line broken by the scan below its break (it meets no horizontal rule there); OCR
    reads a row of dots as junk ("œ....Ô....Ô") and a column line as "I" or "|". A
    letter reaching into a rule's band reaches out of it too, and stays. Returns the
    pixels painted."""
    thin = max(2, px(_THIN_MM, dpi))
    reach = thin + 2  # the band either side of a rule: the rule's own width, a slant
    height, width = black_white.shape
    painted = 0
    for table in tables:
        left, right = table.columns[0], table.columns[-1]
        top, bottom = table.rows[0], table.rows[-1]
        bands = [
            (slice(max(0, y - reach), min(height, y + reach + 1)), slice(left, right), 0)
            for y in table.rows
        ] + [
            (slice(top, bottom), slice(max(0, x - reach), min(width, x + reach + 1)), 1)
            for x in table.columns
        ]
        for rows, columns, axis in bands:
            band = (black_white[rows, columns] < 128).astype(np.uint8)
            if not band.any():
                continue
            _, labels, stats, _ = cv2.connectedComponentsWithStats(band, connectivity=8)
            # Along the band: inside it across, and thin across.
            start = stats[:, cv2.CC_STAT_TOP if axis == 0 else cv2.CC_STAT_LEFT]
            size = stats[:, cv2.CC_STAT_HEIGHT if axis == 0 else cv2.CC_STAT_WIDTH]
            along = (start > 0) & (start + size < band.shape[axis]) & (size <= thin)
            along[0] = False
            erase = along[labels]
            black_white[rows, columns][erase] = 255
            painted += int(erase.sum())
    return painted
