"""Clean-up that never touches text: dark scanner borders and isolated specks.

Both stages return masks of pixels to paint white, so the same decision applies
to the OCR image and to the archived page image.

Vietnamese marks are small (the dot below is about 0.3 mm, tone marks float above
capitals), so specks are removed only far away from any larger ink: a mark always
sits within a letter's height of its letter.
"""

from __future__ import annotations

import cv2
import numpy as np

from digitize.imaging.common import (
    ANALYSIS_DPI,
    ink_mask,
    label_components,
    paper_level,
    px,
    resize_to_dpi,
)

_BORDER_OPENING_MM = 2.5  # wider than any pen or print stroke, narrower than a scanner edge
_EDGE_BAND_MM = 5.0  # margins of forms are wider; sheet-edge slivers lie within it
_SPECK_MAX_MM2 = 0.12  # a full stop at 8 pt is ~0.1 mm²; noise specks are smaller or isolated
_MARK_REACH_MM = 2.5  # marks sit within this distance of their letter


def dark_border_mask(grey: np.ndarray, dpi: float) -> np.ndarray:
    """Pixels of dark scanner background or lid shadow connected to the image edge.

    Thick dark regions (wider than any stroke) anywhere, plus any dark pixel in a
    narrow band along the edge (the thin tips of a skewed sheet's wedges, edge
    lines), count when they connect to the image edge. Text and table lines inside
    the margins never qualify: they are thin and do not reach the edge band.
    """
    small, small_dpi = resize_to_dpi(grey, dpi, min(dpi, ANALYSIS_DPI / 2))
    paper = paper_level(small)
    dark = (small < min(paper * 0.55, 140)).astype(np.uint8)
    # At the very edge even a mid-grey fringe is shadow, not paper.
    greyish = (small < paper * 0.8).astype(np.uint8)
    size = px(_BORDER_OPENING_MM, small_dpi) | 1
    kernel = cv2.getStructuringElement(cv2.MORPH_RECT, (size, size))
    candidates = cv2.morphologyEx(dark, cv2.MORPH_OPEN, kernel)
    band = px(_EDGE_BAND_MM, small_dpi)
    for edge in (np.s_[:band, :], np.s_[-band:, :], np.s_[:, :band], np.s_[:, -band:]):
        candidates[edge] |= greyish[edge]
    count, labels, _, _ = label_components(candidates)
    if count <= 1:
        return np.zeros(grey.shape[:2], dtype=bool)
    edge_labels = np.unique(
        np.concatenate((labels[0, :], labels[-1, :], labels[:, 0], labels[:, -1]))
    )
    edge_labels = edge_labels[edge_labels != 0]
    if edge_labels.size == 0:
        return np.zeros(grey.shape[:2], dtype=bool)
    border = np.isin(labels, edge_labels).astype(np.uint8)
    # Grow a little so the grey fringe between background and paper goes too.
    grow = px(0.8, small_dpi) * 2 + 1
    border = cv2.dilate(border, np.ones((grow, grow), np.uint8))
    height, width = grey.shape[:2]
    # 0/1 bytes read as booleans without a second full-size copy.
    return cv2.resize(border, (width, height), interpolation=cv2.INTER_NEAREST).view(bool)


def speckle_mask(grey: np.ndarray, dpi: float) -> np.ndarray:
    """Small isolated specks of ink: components too small to be a letter and lying
    further than a mark's reach from every letter-sized component's box."""
    ink = ink_mask(grey).view(np.uint8)
    _, labels, stats, centroids = label_components(ink)
    del ink
    areas = stats[:, cv2.CC_STAT_AREA]
    small = areas <= max(2, round(_SPECK_MAX_MM2 * (dpi / 25.4) ** 2))
    small[0] = False  # the background
    if not small.any():
        return np.zeros(grey.shape[:2], dtype=bool)
    # Where marks may sit: every larger component's box, grown by a mark's reach.
    reach = px(_MARK_REACH_MM, dpi)
    height, width = grey.shape[:2]
    near_text = np.zeros((height, width), np.uint8)
    for x, y, w, h in stats[1:][~small[1:], :4]:
        near_text[max(0, y - reach) : y + h + reach, max(0, x - reach) : x + w + reach] = 1
    cx = np.clip(centroids[:, 0].round().astype(int), 0, width - 1)
    cy = np.clip(centroids[:, 1].round().astype(int), 0, height - 1)
    speck = small & (near_text[cy, cx] == 0)
    del near_text
    mask = np.zeros(grey.shape[:2], dtype=bool)
    # Painted speck by speck, within its box: a page has few, and looking up every
    # pixel's label (speck[labels]) costs half as much as the labelling.
    for label in np.flatnonzero(speck):
        x, y, w, h = (int(v) for v in stats[label, :4])
        mask[y : y + h, x : x + w] |= labels[y : y + h, x : x + w] == label
    return mask


def paint_white(pixels: np.ndarray, mask: np.ndarray) -> None:
    """Paint `mask` white in `pixels`, in place (pages are large; copies cost memory)."""
    pixels[mask] = 255
