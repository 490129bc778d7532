"""Black-and-white for OCR: the background flattened first, then one global threshold.

Tesseract thresholds the whole page at one level; a shadow along a fold or a
gradient from the scanner lamp then swallows text on the dark side. Dividing the
page by its own background (the page with text removed by a max filter) makes the
paper uniformly white first. Handing Tesseract a 1-bit page also saves it time.
"""

from __future__ import annotations

import cv2
import numpy as np

from digitize.imaging.common import px

_BACKGROUND_SCALE = 0.25  # the background varies slowly; estimate it at a quarter size
_TEXT_REMOVAL_MM = 3.0  # wider than any stroke, so the max filter sees only paper


def binarise(grey: np.ndarray, dpi: float) -> np.ndarray:
    """uint8 page with ink 0 and paper 255."""
    height, width = grey.shape
    small = cv2.resize(
        grey, None, fx=_BACKGROUND_SCALE, fy=_BACKGROUND_SCALE, interpolation=cv2.INTER_AREA
    )
    size = px(_TEXT_REMOVAL_MM, dpi * _BACKGROUND_SCALE) | 1
    background = cv2.dilate(small, cv2.getStructuringElement(cv2.MORPH_RECT, (size, size)))
    background = cv2.resize(background, (width, height), interpolation=cv2.INTER_LINEAR)
    flat = cv2.divide(grey, np.maximum(background, 1), scale=255)
    _, black_white = cv2.threshold(flat, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    return black_white


def ink_box(black_white: np.ndarray, margin: int) -> tuple[int, int, int, int] | None:
    """Bounding box (x0, y0, x1, y1) of the ink plus `margin`, or None for a page without ink."""
    rows = np.flatnonzero((black_white == 0).any(axis=1))
    if rows.size == 0:
        return None
    cols = np.flatnonzero((black_white[rows[0] : rows[-1] + 1] == 0).any(axis=0))
    height, width = black_white.shape
    return (
        max(0, int(cols[0]) - margin),
        max(0, int(rows[0]) - margin),
        min(width, int(cols[-1]) + 1 + margin),
        min(height, int(rows[-1]) + 1 + margin),
    )
