"""Orientation and skew on synthetic pages whose true geometry is known."""

from __future__ import annotations

import numpy as np
import pytest

from digitize.imaging.common import ink_mask
from digitize.imaging.geometry import PageGeometry, apply_geometry, measure_geometry
from tests.synthetic import fed_rotated, skewed, text_page

SKEWS = (-15.0, -9.6, -3.3, -0.8, 0.0, 0.25, 1.7, 4.4, 11.2, 14.9)


@pytest.fixture(scope="module")
def page() -> np.ndarray:
    return text_page(dpi=150)


@pytest.mark.parametrize("skew", SKEWS)
def test_skew_is_measured_within_a_third_of_a_degree(page: np.ndarray, skew: float) -> None:
    geometry = measure_geometry(ink_mask(skewed(page, skew)), 150)
    assert geometry.rotation == 0
    assert abs(geometry.skew_deg - skew) <= 0.3


@pytest.mark.parametrize("correction", [0, 90, 180, 270])
@pytest.mark.parametrize("skew", [-6.5, 0.0, 3.2])
def test_each_orientation_is_turned_upright(page: np.ndarray, correction: int, skew: float) -> None:
    fed = fed_rotated(skewed(page, skew), correction)
    geometry = measure_geometry(ink_mask(fed), 150)
    assert geometry.rotation == correction
    assert abs(geometry.skew_deg - skew) <= 0.3
    assert geometry.orientation_confidence > 0.5


def test_applying_the_measured_geometry_restores_the_page(page: np.ndarray) -> None:
    fed = fed_rotated(skewed(page, 4.0), 270)
    geometry = measure_geometry(ink_mask(fed), 150)
    upright = apply_geometry(fed, geometry)
    assert upright.shape == page.shape
    # Straightened ink lies where the original ink was (same rows), not smeared across lines.
    original_rows = ink_mask(page).sum(axis=1) > 0
    restored_rows = ink_mask(upright).sum(axis=1) > 0
    agreement = (original_rows == restored_rows).mean()
    assert agreement > 0.97


def test_a_page_without_ink_keeps_its_geometry() -> None:
    empty = np.full((1754, 1240), 255, np.uint8)
    assert measure_geometry(ink_mask(empty), 150) == PageGeometry(0, 0.0, 0.0, 0.0)


def test_colour_pages_turn_with_their_channels() -> None:
    colour = np.zeros((40, 60, 3), np.uint8)
    colour[0, 0] = (255, 0, 0)
    turned = apply_geometry(colour, PageGeometry(90, 0.0, 1.0, 1.0))
    assert turned.shape == (60, 40, 3)
    # Turned 90° clockwise, the top-left pixel ends top-right.
    assert tuple(turned[0, -1]) == (255, 0, 0)


@pytest.mark.parametrize("correction", [0, 90, 180, 270])
@pytest.mark.parametrize(
    "lines",
    [
        ("Giấy chứng nhận đăng ký hộ kinh doanh số 41A8012345",),
        ("Trang 2",),
        ("Họ và tên: Nguyễn Văn An", "Ngày sinh: 12/03/1985"),
    ],
    ids=["one-line", "two-words", "two-lines"],
)
def test_pages_with_little_text_are_turned_right(correction: int, lines: tuple[str, ...]) -> None:
    fed = fed_rotated(skewed(text_page(dpi=150, lines=lines), 1.5), correction)
    geometry = measure_geometry(ink_mask(fed), 150)
    assert geometry.rotation == correction
