"""Orientation and skew on synthetic pages whose true geometry is known."""

from __future__ import annotations

import numpy as np
import pytest

from digitize.imaging.codes import CodeKind
from digitize.imaging.common import ink_mask
from digitize.imaging.geometry import PageGeometry, apply_geometry, measure_geometry, upright_box
from digitize.inputs import ScannedPage
from digitize.pipeline import PipelineOptions, prepare_page
from digitize.results import ColourMode
from tests.synthetic import fed_rotated, skewed, text_page
from tests.test_codes import caption, iou, place, qr_image

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


def separator_sheet(dpi: int, code: str) -> tuple[np.ndarray, tuple[int, int, int, int]]:
    """A separator sheet as the one-stop system prints it: a large QR code and two lines
    of bold text, nothing else. Returns the page and the QR's box."""
    page = text_page(dpi=dpi, lines=(), point_size=14)
    box = place(page, qr_image(code, dpi, module_mm=0.9, ec_level="M"), 20, 20, dpi)
    caption(page, "PHIẾU PHÂN CÁCH HỒ SƠ", 75, 60, dpi)
    caption(page, f"Mã hồ sơ: {code}", 60, 72, dpi)
    return page, box


@pytest.mark.parametrize("correction", [0, 90, 180, 270])
@pytest.mark.parametrize("skew", [-0.7, 1.2])
def test_a_separator_sheet_is_turned_by_its_text_not_its_qr(correction: int, skew: float) -> None:
    # Its QR holds more ink than its text, and its blocks pile up along both axes: read
    # first and left out, it no longer turns the sheet sideways or skews it 14 degrees.
    dpi = 200
    code = "000.00.14.K31-240111-0026"
    upright, box = separator_sheet(dpi, code)
    fed = fed_rotated(skewed(upright, skew), correction)
    black_white = np.where(fed < 128, 0, 255).astype(np.uint8)
    prepared = prepare_page(
        ScannedPage(black_white, float(dpi), False, ColourMode.BILEVEL), PipelineOptions()
    )
    assert prepared.geometry.rotation == correction
    assert abs(prepared.geometry.skew_deg - skew) <= 0.3
    (found,) = prepared.codes
    assert (found.kind, found.text, found.readable) == (CodeKind.QR, code, True)
    # Its box is on the upright page, as the archive keeps it.
    assert iou(found.bbox, box) >= 0.8, (found.bbox, box)


@pytest.mark.parametrize("correction", [0, 90, 180, 270])
@pytest.mark.parametrize("skew", [0.0, -2.4, 4.6])
def test_a_box_follows_the_page_as_it_is_turned_upright(correction: int, skew: float) -> None:
    fed = np.full((700, 500), 255, np.uint8)
    fed[50:140, 100:180] = 0
    geometry = PageGeometry(correction, skew, 1.0, 1.0)
    ys, xs = np.nonzero(apply_geometry(fed, geometry) < 128)
    drawn = (int(xs.min()), int(ys.min()), int(xs.max()) + 1, int(ys.max()) + 1)
    moved = upright_box((100, 50, 180, 140), fed.shape, geometry)
    assert all(abs(a - b) <= 1 for a, b in zip(moved, drawn, strict=True)), (moved, drawn)
