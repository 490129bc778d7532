"""No real form read worse than bare Tesseract reads it (issue 14), on the pages that were.

The pages come from ../shared/real-forms (skipped when absent), rendered and damaged
the way bench/real_forms.py does it; bare Tesseract (`tesseract IMG - -l vie`) runs
here too, so the bar is measured, not remembered. The bench runs every page; these are
the ones that once failed, each for its own cause.
"""

from __future__ import annotations

import re

import numpy as np
import pytest

from bench.real_forms import FORMS, bare_tesseract, damage, render, truth_text
from digitize.inputs import ScannedPage
from digitize.metrics import cer
from digitize.ocr import TesseractEngine
from digitize.pipeline import PipelineOptions, ocr_input, prepare_page, recognise
from digitize.results import ColourMode
from digitize.text import nfc

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not FORMS.is_dir(), reason="../shared/real-forms not present"),
]


def _read(form: str, page: int, dpi: int, damaged: bool) -> tuple[str, str, str]:
    """(truth, bare Tesseract's text, ours) for one upright page."""
    pdf = FORMS / f"{form}.pdf"
    image = render(pdf, page, dpi)
    if damaged:
        image = damage(image, dpi, seed=page * 1000 + dpi)
    bare = bare_tesseract(image, dpi)
    with TesseractEngine() as engine:
        prepared = prepare_page(
            ScannedPage(np.ascontiguousarray(image), float(dpi), False, ColourMode.GREY),
            PipelineOptions(read_codes=False),
            engine=engine,
        )
        job = ocr_input(prepared)
        assert job is not None
        ours = recognise(job, engine).text
    return truth_text(pdf, page), bare, ours


def test_ct01_damaged_at_200_dpi_its_grids_and_leaders_are_not_read_as_letters() -> None:
    # The 12-box ID grids, straightened, were left ragged by a pixel and read as
    # "PT 7T TT ¬", and a speck at the end of a dotted line kept the dots in the image
    # (read as "ÌÍ NA... .‹kA.ÂậẬHỹậHH"): 43.6 % against bare Tesseract's 31.1 %.
    truth, bare, ours = _read("ct01", 1, 200, damaged=True)
    assert cer(truth, ours) <= cer(truth, bare) + 0.01
    lines = ours.splitlines()
    assert any(line.startswith("Kính gửi:.....") for line in lines)
    # The grids' lines hold their labels and nothing else, and no line of remnants.
    assert "4. Số định danh cá nhân:" in lines
    assert "9. Số định danh cá nhân của chủ hộ:" in lines
    before_table = lines[: next(i for i, line in enumerate(lines) if line.startswith("11."))]
    words = {w for w in re.findall(r"\w+", nfc(truth)) if len(w) >= 3}
    junk = [
        line
        for line in before_table
        if line.strip(".") and not words & set(re.findall(r"\w+", line))
    ]
    assert junk == []


def test_the_date_line_of_03_page_2_is_read_in_its_italics() -> None:
    # "........., ngày ...... tháng ...... năm ......." in italics: with the dots that
    # start the line left in the image, "ngày" was read "IQÂY" and "tháng" "thúng"
    # (4.4 % against bare Tesseract's 2.5 %).
    truth, bare, ours = _read("03_To_khai_dang_ky_khai_tu", 2, 300, damaged=False)
    assert cer(truth, ours) <= cer(truth, bare) + 0.01
    (date_line,) = [line for line in ours.splitlines() if "tháng" in line]
    assert "ngày" in date_line.split()
