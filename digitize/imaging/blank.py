"""Blank page detection: the back of a single-sided sheet fed duplex is not sent to OCR.

Show-through from the other side is fainter than ink and does not count; anything
with a few letter-sized marks does, because skipping a page with text loses data
while OCR on a blank page only costs time.
"""

from __future__ import annotations

import cv2
import numpy as np

from digitize.imaging.common import ink_mask, label_components

_MIN_MARK_MM2 = 0.25  # smaller than a full stop at body size counts as dust
_MAX_MARKS = 3
_MAX_INK_FRACTION = 0.0003


def is_blank(grey: np.ndarray, dpi: float) -> bool:
    """True when the page holds no marks that could be text (borders already removed)."""
    ink = ink_mask(grey)
    if ink.mean() > _MAX_INK_FRACTION * 10:
        return False
    _, _, stats, _ = label_components(ink.astype(np.uint8))
    min_area = _MIN_MARK_MM2 * (dpi / 25.4) ** 2
    marks = stats[1:, cv2.CC_STAT_AREA] >= min_area
    marked_fraction = float(stats[1:, cv2.CC_STAT_AREA][marks].sum()) / ink.size
    return int(marks.sum()) <= _MAX_MARKS and marked_fraction <= _MAX_INK_FRACTION
