"""Never make a page worse (issue 14): forms with frames, tables, boxes, stamps, grey
gradients, sparse text, dotted leaders only or signature blocks only come out upright
and unskewed from every orientation they are fed in; a skew the search can only find
at its limit is not applied."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from digitize.imaging.geometry import measure_geometry, text_ink
from digitize.inputs import ScannedPage
from digitize.ocr import TesseractEngine
from digitize.pipeline import PipelineOptions, prepare_page
from digitize.results import ColourMode
from tests.synthetic import fed_rotated
from tests.synthetic_forms import PAGES, framed_form

DPI = 200.0


@pytest.fixture(scope="module")
def engine() -> TesseractEngine:
    with TesseractEngine(timeout=120) as engine:
        yield engine


@pytest.fixture(scope="module")
def pages() -> dict[str, np.ndarray]:
    return {name: make(DPI) for name, make in PAGES.items()}


@pytest.mark.parametrize("correction", [0, 90, 180, 270])
@pytest.mark.parametrize("name", list(PAGES))
def test_form_pages_are_turned_upright_and_not_skewed(
    pages: dict[str, np.ndarray], engine: TesseractEngine, name: str, correction: int
) -> None:
    fed = fed_rotated(pages[name], correction)
    page = ScannedPage(fed.copy(), DPI, False, ColourMode.GREY)
    geometry = prepare_page(page, PipelineOptions(), engine=engine).geometry
    assert geometry.rotation == correction, geometry.note
    assert abs(geometry.skew_deg) < 0.3


def test_the_reported_framed_form_is_left_upright_at_300_dpi(engine: TesseractEngine) -> None:
    # Was turned 90° with a skew of -14.97°: a thin frame, a round stamp, a grey gradient.
    page = ScannedPage(framed_form(300), 300.0, False, ColourMode.GREY)
    prepared = prepare_page(page, PipelineOptions(), engine=engine)
    assert prepared.geometry.rotation == 0
    assert abs(prepared.geometry.skew_deg) < 0.3


def test_the_gradient_is_paper_not_ink() -> None:
    grey = np.tile(np.linspace(245, 120, 800).astype(np.uint8), (600, 1))
    cv2.putText(grey, "Ho va ten", (100, 300), cv2.FONT_HERSHEY_SIMPLEX, 1.5, 0, 3)
    ink = text_ink(grey, 150)
    assert ink[:, :50].sum() == 0 and ink[:, -50:].sum() == 0  # both ends of the ramp
    assert ink[250:310, 100:400].any()  # the text


def test_a_skew_beyond_the_search_is_not_applied() -> None:
    # Lines at 25° are sharpest, to a ±16° search, at its wall: no measurement, no turn.
    from tests.synthetic import skewed, text_page

    geometry = measure_geometry(text_ink(skewed(text_page(dpi=150), 25.0), 150), 150)
    assert (geometry.rotation, geometry.skew_deg) == (0, 0.0)
    assert "search limit" in geometry.note


def test_a_page_nothing_can_be_measured_on_is_left_as_fed(engine: TesseractEngine) -> None:
    # Lines at 30°, beyond what a scanner feeds: horizontal and vertical look alike,
    # the skew search ends at its limit, and no turn reads as words. Left as it is.
    from tests.synthetic import skewed, text_page

    tilted = ScannedPage(skewed(text_page(dpi=200), 30.0), 200.0, False, ColourMode.GREY)
    geometry = prepare_page(tilted, PipelineOptions(), engine=engine).geometry
    assert (geometry.rotation, geometry.skew_deg) == (0, 0.0), geometry.note


def test_a_real_skew_near_the_limit_is_still_corrected(pages: dict[str, np.ndarray]) -> None:
    from tests.synthetic import skewed, text_page

    geometry = measure_geometry(text_ink(skewed(text_page(dpi=150), 14.5), 150), 150)
    assert geometry.rotation == 0
    assert abs(geometry.skew_deg - 14.5) <= 0.3
    assert "not applied" not in geometry.note and "not measured" not in geometry.note
