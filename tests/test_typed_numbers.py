"""Numbers typed over a dotted blank, garbled by the page's OCR, read again alone."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont

from digitize.ocr.numbers import REREAD_CONFIDENCE, garbled_span, reread_typed_numbers
from digitize.ocr.tesseract import TesseractEngine
from digitize.results import Line, OcrText, Word
from tests.synthetic import FONT

SANS = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"


@pytest.mark.parametrize(
    ("text", "part"),
    [
        ("sinh:QG/05/#96GG......../", "QG/05/#96GG"),  # what CT01's date became
        ("hệ:O5607967285", "O5607967285"),
        ("1,6/1.1/1.894", "1,6/1.1/1.894"),
        ("2.7/08/1⁄989......", "2.7/08/1⁄989"),
    ],
)
def test_a_number_mixed_with_junk_is_found(text: str, part: str) -> None:
    span = garbled_span(text)
    assert span is not None and text[slice(*span)] == part


@pytest.mark.parametrize(
    "text",
    [
        "26/08/1968",
        "046168321158",
        "12.03.1985",  # a date written with dots
        "1.250.000.000",  # an amount
        "130.6",
        "0912.345.678",  # a phone grouped by dots
        "024-3825-7777",
        "hệ:0817337997....6.",  # clean, the next field's number after the blank
        "Số 15, ngõ 48",
        "QĐ-UBND",
        "000.00.13.H12-240115-0001",  # a dossier code: letters that are no digit's look
        "Mã:000.00.13-240115-0001",  # too many digits for a date or a phone
        "H12-240115-0001",
    ],
)
def test_clean_numbers_and_words_are_left_alone(text: str) -> None:
    assert garbled_span(text) is None


@pytest.fixture(scope="module")
def engine():
    with TesseractEngine() as tesseract:
        yield tesseract


def typed_over_dots(value: str, dpi: int = 300) -> tuple[np.ndarray, tuple[int, int, int, int]]:
    """A black-and-white strip: "sinh:" and a value typed over a dotted line; the box
    of the whole, as the page's OCR gives a word glued to its label."""
    size = round(12 / 72 * dpi)
    image = Image.new("L", (round(4 * dpi), 3 * size), 255)
    draw = ImageDraw.Draw(image)
    label = ImageFont.truetype(str(FONT), size)
    draw.text((20, size), "sinh:", font=label, fill=0)
    start = 20 + draw.textlength("sinh: ", font=label)
    draw.text((start, size), "." * 40, font=label, fill=0)
    draw.text((start + 4, size), value, font=ImageFont.truetype(SANS, size), fill=0)
    pixels = np.where(np.asarray(image) < 128, 0, 255).astype(np.uint8)
    rows = np.flatnonzero((pixels == 0).any(axis=1))
    columns = np.flatnonzero((pixels == 0).any(axis=0))
    return pixels, (int(columns[0]), int(rows[0]), int(columns[-1]) + 1, int(rows[-1]) + 1)


def test_a_garbled_date_is_read_again_and_sent_to_review(engine) -> None:
    image, box = typed_over_dots("06/05/1966")
    garbled = Word("sinh:QG/05/#96GG" + "." * 30, box, 0.9)
    text = OcrText((Line((garbled,), box),), engine="test")
    again = reread_typed_numbers(text, image, 300, engine)
    word = again.lines[0].words[0]
    assert word.text.startswith("sinh:")
    assert "06/05/1966" in word.text or "6/05/1966" in word.text
    assert word.confidence <= REREAD_CONFIDENCE  # likely right, never sure


def test_what_reads_again_as_no_number_stays_as_read(engine) -> None:
    image, box = typed_over_dots("Nguyễn Văn An")
    word = Word("sinh:QG/05/#96GG", box, 0.9)  # the page's junk over a name
    text = OcrText((Line((word,), box),), engine="test")
    assert reread_typed_numbers(text, image, 300, engine) == text
