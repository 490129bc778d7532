"""Specks are not text (issue 14): Tesseract reads our OCR input as one block, where a
speck of dust becomes ":" or "l". On a sparse page a few such characters cost several
points of CER against bare Tesseract, whose layout analysis sets them aside. Real
Tesseract."""

from __future__ import annotations

import numpy as np
import pytest

from digitize.imaging.geometry import PageGeometry
from digitize.metrics import cer
from digitize.ocr import TesseractEngine
from digitize.ocr.noise import drop_noise
from digitize.pipeline import PreparedPage, ocr_input, recognise
from digitize.results import ColourMode, Line, OcrText, Word
from tests.synthetic_forms import _canvas, _lines

TRUTH = "Người làm đơn\n(Ký, ghi rõ họ tên)"
# Dust on the rows of the text, well apart from it: what a scanner glass leaves.
SPECKS_IN = ((1.2, 1.1), (2.6, 1.12), (7.4, 1.1), (1.8, 2.08), (3.4, 2.1))


@pytest.fixture(scope="module")
def engine() -> TesseractEngine:
    return TesseractEngine(timeout=120)


def _signature_block_with_dust(dpi: int) -> np.ndarray:
    page, draw = _canvas(dpi)
    _lines(draw, dpi, ("Người làm đơn",), 4.6, 1.0, points=13)
    _lines(draw, dpi, ("(Ký, ghi rõ họ tên)",), 4.5, 2.0, points=12)
    radius = 0.3 / 25.4 * dpi  # 0.6 mm specks
    for x_in, y_in in SPECKS_IN:
        x, y = x_in * dpi, y_in * dpi
        draw.ellipse((x - radius, y - radius, x + radius, y + radius), fill=30)
    return np.asarray(page).copy()


@pytest.mark.parametrize("dpi", [200, 300])
def test_dust_on_a_sparse_page_is_not_read_as_text(engine: TesseractEngine, dpi: int) -> None:
    grey = _signature_block_with_dust(dpi)
    upright = PageGeometry(0, 0.0, 1.0, 1.0)
    job = ocr_input(PreparedPage(grey, grey, float(dpi), ColourMode.GREY, upright, False))
    assert job is not None
    raw = engine.recognise(job.image, job.dpi)
    text = recognise(job, engine)
    # The premise: as one block, Tesseract reads dust as characters.
    assert len(raw.words) > len(text.words)
    assert cer(TRUTH, text.text) <= 0.03
    text_left = 4.4 * dpi
    assert all(word.bbox[0] >= text_left for word in text.words), text.text


def _word(text: str, box: tuple[int, int, int, int], confidence: float) -> Word:
    return Word(text, box, confidence)


def test_specks_go_and_words_stay_however_unsure() -> None:
    dpi = 300  # 1 mm = 11.8 px
    words = (
        _word("Độc", (100, 100, 160, 140), 0.96),
        _word("-", (170, 120, 184, 123), 0.9),  # a flat hyphen between words stays
        _word("ngày......tháng", (190, 100, 450, 140), 0.0),  # run into its dots: stays
        _word(":", (460, 110, 466, 132), 0.7),  # a colon of text height stays
        _word(":", (500, 120, 508, 128), 0.8),  # a 0.7 mm speck read confidently: goes
        _word("l", (600, 121, 605, 127), 0.0),  # a speck: goes
    )
    text = OcrText((Line(words[:5], (100, 100, 508, 140)), Line(words[5:], (600, 121, 605, 127))))
    kept = drop_noise(text, dpi)
    assert [w.text for w in kept.words] == ["Độc", "-", "ngày......tháng", ":"]
    assert len(kept.lines) == 1 and kept.lines[0].bbox == (100, 100, 466, 140)
