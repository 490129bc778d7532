"""Whether the ink of a value sits on a straight baseline, as print does (issue 13, point 4).

Typed letters stand on one baseline (only descenders and marks under a letter go below
it); a hand's letters do not: the writing rises and falls along the line, letters lean
and come out of different sizes. Measured on the value's box only, once understanding
knows where the value is, on the page image as archived (grey), binarised here: never the
ink's colour or darkness, which says how a pen or a scanner works, not whether a hand
wrote.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from pathlib import Path

import cv2
import numpy as np
import pikepdf
from pikepdf import PdfImage

from digitize.results import BBox

# Ink taken for letters: between 0.45 and 2.5 times the print's height, at most 4 times
# as wide (a word written joined up still counts; a rule or a leader line does not).
_LETTER_MIN, _LETTER_MAX, _LETTER_WIDEST = 0.45, 2.5, 4.0
# How far from the baseline a letter's foot may stand and still sit on it.
_ON_BASELINE = 0.08
_FEWEST_LETTERS = 4  # fewer: no baseline to speak of


def letters_on_baseline(grey: np.ndarray, print_height: float) -> float | None:
    """The share of the letters in `grey` (a value's box, some margin above and below)
    whose feet stand on one straight line (fitted through the feet, robust to the
    descenders), within 8 % of `print_height`; None when fewer than 4 letters are found."""
    if grey.size == 0 or print_height <= 0:
        return None
    _, ink = cv2.threshold(grey, 0, 255, cv2.THRESH_BINARY_INV | cv2.THRESH_OTSU)
    _, _, stats, _ = cv2.connectedComponentsWithStats(ink, connectivity=8)
    letters = [
        (x + w / 2, y + h)
        for x, y, w, h, _ in stats[1:]
        if _LETTER_MIN * print_height <= h <= _LETTER_MAX * print_height
        and w <= _LETTER_WIDEST * print_height
    ]
    if len(letters) < _FEWEST_LETTERS:
        return None
    xs = np.array([x for x, _ in letters])
    feet = np.array([y for _, y in letters], dtype=np.float64)
    # Theil-Sen: the median of the slopes between every two letters (a page a little
    # skewed is still one straight line; a few descenders do not pull it)
    dx = xs[None, :] - xs[:, None]
    dy = feet[None, :] - feet[:, None]
    pairs = np.triu(dx != 0, 1)
    slope = float(np.median(dy[pairs] / dx[pairs])) if pairs.any() else 0.0
    off = feet - slope * xs
    off -= np.median(off)
    return float(np.mean(np.abs(off) <= _ON_BASELINE * print_height))


def pdf_page_ink(pdf: Path, index: int) -> Callable[[BBox], np.ndarray | None]:
    """The grey pixels inside a box of page `index` (0-based) of a PDF the pipeline wrote
    (one image a page, in the same pixels as the page report's boxes). The image is
    decoded at the first look only, so pages whose values need no look cost nothing; the
    last two pages decoded are kept, never a whole file's."""
    return box_crops(lambda: _page_image(pdf, index))


def box_crops(image: Callable[[], np.ndarray | None]) -> Callable[[BBox], np.ndarray | None]:
    """A box's pixels of the page image `image` gives (called at each look: it keeps
    whatever cache it wants)."""

    def crop(box: BBox) -> np.ndarray | None:
        grey = image()
        if grey is None:
            return None
        x0, y0, x1, y1 = (max(0, v) for v in box)
        return grey[y0:y1, x0:x1]

    return crop


def page_grey(pdf: Path, index: int) -> np.ndarray | None:
    """Page `index`'s image of a PDF the pipeline wrote, in grey, not cached; None when
    the page is not one image (its boxes are then not its pixels)."""
    try:
        with pikepdf.open(pdf) as document:
            images = document.pages[index].get_images(recursive=False)
            if len(images) != 1:
                return None  # not a page the pipeline drew: its boxes are not its pixels
            raw = next(iter(images.values()))
            if raw.get("/Filter") == "/DCTDecode":
                # OpenCV's JPEG decoder straight to grey: a third of the time of PIL's
                data = np.frombuffer(raw.read_raw_bytes(), np.uint8)
                grey = cv2.imdecode(data, cv2.IMREAD_GRAYSCALE)
                if grey is not None and grey.shape == (int(raw.Height), int(raw.Width)):
                    return grey
            return np.asarray(PdfImage(raw).as_pil_image().convert("L"))
    except (OSError, IndexError, ValueError, pikepdf.PdfError, NotImplementedError):
        return None  # no image to look at: the check is skipped, not the page


# The last two pages decoded, by path: a file's pages are looked at in order.
_page_image = lru_cache(maxsize=2)(page_grey)
