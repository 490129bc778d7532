"""Border whitening, speck removal and blank detection never touch text."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from digitize.imaging.blank import is_blank
from digitize.imaging.cleanup import dark_border_mask, paint_white, speckle_mask
from digitize.imaging.common import ink_mask, label_components
from tests.synthetic import a4_size, skewed, text_page

DPI = 150


def dark_lid_scan(page: np.ndarray, skew: float) -> np.ndarray:
    """The sheet skewed on a dark scanner lid: dark wedges where the lid shows."""
    from PIL import Image

    sheet = Image.fromarray(page).rotate(skew, resample=Image.Resampling.BICUBIC, fillcolor=40)
    return np.asarray(sheet, dtype=np.uint8).copy()


def text_components(grey: np.ndarray) -> int:
    count, _ = cv2.connectedComponents(ink_mask(grey).astype(np.uint8))
    return count - 1


def test_dark_wedges_of_a_skewed_sheet_are_whitened_and_text_kept() -> None:
    page = text_page(DPI)
    scan = dark_lid_scan(page, 3.0)
    mask = dark_border_mask(scan, DPI)
    cleaned = whiten(scan, mask)
    # No dark pixel is left in the outer 2 % of the page ...
    h, w = cleaned.shape
    edge = np.ones_like(cleaned, bool)
    edge[h // 50 : -h // 50, w // 50 : -w // 50] = False
    assert (cleaned[edge] < 128).mean() < 0.001
    # ... and the text is exactly as it was.
    assert np.array_equal(ink_mask(cleaned), ink_mask(skewed(page, 3.0)))


def test_a_shadow_band_along_one_edge_is_whitened() -> None:
    page = text_page(DPI)
    page[:, :25] = 60  # lid shadow down the left edge
    page[:, 25:28] = 150  # its soft fringe
    cleaned = whiten(page, dark_border_mask(page, DPI))
    assert cleaned[:, :28].min() > 200
    assert text_components(cleaned) == text_components(text_page(DPI))


def test_a_thin_edge_line_is_whitened() -> None:
    page = text_page(DPI)
    page[-3:, :] = 30
    cleaned = whiten(page, dark_border_mask(page, DPI))
    assert cleaned[-3:, :].min() == 255


def test_a_clean_page_has_no_border() -> None:
    assert not dark_border_mask(text_page(DPI), DPI).any()


def test_black_boxes_inside_the_page_are_not_borders() -> None:
    page = text_page(DPI)
    page[600:700, 300:700] = 0  # a redaction bar away from the edges
    assert not dark_border_mask(page, DPI)[600:700, 300:700].any()


@pytest.mark.parametrize("dpi", [150, 300])
def test_isolated_specks_go_and_diacritics_stay(dpi: int) -> None:
    page = text_page(dpi)
    rng = np.random.default_rng(3)
    h, w = page.shape
    # Below the text, further from any letter than a mark ever is.
    top = int(h * 0.65)
    specks = [
        (int(y), int(x))
        for y, x in zip(rng.integers(top, h - 50, 60), rng.integers(50, w - 50, 60), strict=True)
    ]
    noisy = page.copy()
    for y, x in specks:
        noisy[y : y + 2, x : x + 2] = 0
    cleaned = whiten(noisy, speckle_mask(noisy, dpi))
    assert all(cleaned[y : y + 2, x : x + 2].min() == 255 for y, x in specks)
    # Every mark of the text (dots below, tone marks, i-dots) is untouched.
    assert np.array_equal(cleaned[:top], page[:top])


def test_blank_page_is_blank() -> None:
    width, height = a4_size(DPI)
    assert is_blank(np.full((height, width), 250, np.uint8), DPI)


def test_blank_page_with_dust_and_show_through_is_blank() -> None:
    page = text_page(DPI)
    show_through = np.where(np.fliplr(page) < 128, 215, 248).astype(np.uint8)
    show_through[400:402, 300:302] = 20  # a dust speck
    show_through[900, 700] = 10
    assert is_blank(show_through, DPI)


def test_a_page_with_one_short_line_is_not_blank() -> None:
    page = text_page(DPI, lines=("Trang 2",))
    assert not is_blank(page, DPI)


def test_a_page_with_a_signature_only_is_not_blank() -> None:
    width, height = a4_size(DPI)
    page = np.full((height, width), 255, np.uint8)
    cv2.ellipse(page, (600, 900), (120, 40), 10, 0, 300, 0, 3)
    assert not is_blank(page, DPI)


def test_a_text_page_is_not_blank() -> None:
    assert not is_blank(text_page(DPI), DPI)


def whiten(pixels: np.ndarray, mask: np.ndarray) -> np.ndarray:
    cleaned = pixels.copy()
    paint_white(cleaned, mask)
    return cleaned


def test_component_labelling_is_opencvs_own_to_the_label() -> None:
    # BBDT in place of OpenCV's default algorithm: the very same labels and stats.
    rng = np.random.default_rng(4)
    page = text_page(300)
    specks = rng.random(page.shape) < 0.0005
    page[specks] = 0
    ink = ink_mask(page).view(np.uint8)
    count, labels, stats, centroids = label_components(ink)
    expected = cv2.connectedComponentsWithStats(ink, connectivity=8)
    assert count == expected[0] > 100
    assert np.array_equal(labels, expected[1]) and np.array_equal(stats, expected[2])
    assert np.allclose(centroids, expected[3])
