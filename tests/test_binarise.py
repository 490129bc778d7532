"""Black-and-white conversion for OCR keeps text on shadows and tinted paper."""

from __future__ import annotations

import numpy as np

from digitize.imaging.binarise import binarise, ink_box
from digitize.imaging.common import ink_mask
from digitize.results import Line, OcrText, Word
from tests.synthetic import text_page

DPI = 150


def shaded(page: np.ndarray) -> np.ndarray:
    """A lamp gradient: paper from white on the left to dark grey on the right, ink darker still."""
    width = page.shape[1]
    light = np.linspace(1.0, 0.35, width)[None, :]
    return (page.astype(np.float64) * light).astype(np.uint8)


def test_text_in_a_shadow_survives() -> None:
    page = text_page(DPI)
    black_white = binarise(shaded(page), DPI)
    truth = ink_mask(page)
    found = black_white == 0
    # Nearly every ink pixel is found, on the dark side as on the light side ...
    assert (found & truth).sum() / truth.sum() > 0.95
    # ... and the shadowed paper does not turn black.
    assert (found & ~truth).sum() / (~truth).sum() < 0.001


def test_output_is_two_valued() -> None:
    assert set(np.unique(binarise(text_page(DPI), DPI))) == {0, 255}


def test_ink_box() -> None:
    page = np.full((100, 200), 255, np.uint8)
    page[30:40, 50:60] = 0
    assert ink_box(page, margin=5) == (45, 25, 65, 45)
    assert ink_box(page, margin=100) == (0, 0, 160, 100)  # clipped to the page
    assert ink_box(np.full((10, 10), 255, np.uint8), margin=2) is None


def test_boxes_map_back_from_a_resized_crop() -> None:
    text = OcrText((Line((Word("Hà", (10, 20, 30, 40), 0.9),), (10, 20, 30, 40)),))
    mapped = text.mapped(offset=(100, 50), factor=2.0)
    assert mapped.lines[0].bbox == (220, 140, 260, 180)
    assert mapped.words[0].bbox == (220, 140, 260, 180)
