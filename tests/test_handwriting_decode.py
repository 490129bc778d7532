"""The handwriting check decodes a page image only down to the values it looks at, and
gets the same pixels as decoding it whole (issue 13: understanding must not cost more
per page); the fields ask for a page's lowest value first, so it is decoded once."""

from __future__ import annotations

import io
from pathlib import Path

import cv2
import numpy as np
import pikepdf
import pytest
from PIL import Image, ImageDraw

from digitize.imaging.handwriting import _jpeg_of_height, page_image, pdf_page_ink
from digitize.pdf import write_page_pdf
from digitize.results import BBox, ColourMode, Line, Word
from digitize.understand import PageText, load_catalogue
from digitize.understand.fields import extract_fields


def _page(colour: bool = False) -> np.ndarray:
    """A scan-like page: text lines over noise, 1000 x 700 px."""
    image = Image.new("L", (700, 1000), 255)
    draw = ImageDraw.Draw(image)
    for y in range(40, 960, 60):
        draw.text((30, y), f"Dòng {y}: Nguyễn Văn An, số 12 phố Huế", fill=0)
        draw.line((30, y + 30, 650, y + 30 + y % 7), fill=90, width=2)
    rng = np.random.default_rng(5)
    grey = np.clip(np.asarray(image, np.int16) + rng.integers(-40, 40, (1000, 700)), 0, 255)
    grey = grey.astype(np.uint8)
    if colour:
        return np.dstack([grey, np.roll(grey, 3, axis=1), 255 - (255 - grey) // 2])
    return grey


@pytest.mark.parametrize("mode", [ColourMode.GREY, ColourMode.COLOUR, ColourMode.BILEVEL])
def test_the_top_of_a_page_is_decoded_pixel_for_pixel(tmp_path: Path, mode: ColourMode) -> None:
    pixels = _page(colour=mode is ColourMode.COLOUR)
    if mode is ColourMode.BILEVEL:
        pixels = np.where(pixels < 128, 0, 255).astype(np.uint8)
    pdf = tmp_path / "page.pdf"
    write_page_pdf(pixels, colour_mode=mode, dpi=150, text=None, path=pdf)
    whole = page_image(pdf, 0)
    top = page_image(pdf, 0, 433)
    assert whole is not None and top is not None
    assert whole.whole and not top.whole and top.image.height == 433
    assert top.covers(433) and not top.covers(434)
    assert np.array_equal(top.grey(0, 0, 700, 433), whole.grey(0, 0, 700, 433))
    if mode is ColourMode.BILEVEL:
        assert np.array_equal(whole.grey(0, 0, 700, 1000), pixels)  # G4 keeps every pixel
    else:
        # the same grey as the decoder the check used before (OpenCV's, straight to grey)
        with pikepdf.open(pdf) as document:
            (raw,) = document.pages[0].get_images(recursive=False).values()
            data = np.frombuffer(raw.read_raw_bytes(), np.uint8)
        assert np.array_equal(whole.grey(0, 0, 700, 1000), cv2.imdecode(data, cv2.IMREAD_GRAYSCALE))
    # a box cut at the image's edge, as a numpy slice is
    assert top.grey(650, 400, 900, 500).shape == (33, 50)
    assert top.grey(800, 0, 900, 10).size == 0


def test_a_box_below_what_was_decoded_is_decoded_again(tmp_path: Path) -> None:
    pixels = _page()
    pdf = tmp_path / "page.pdf"
    write_page_pdf(pixels, colour_mode=ColourMode.GREY, dpi=150, text=None, path=pdf)
    whole = page_image(pdf, 0)
    assert whole is not None
    crop = pdf_page_ink(pdf, 0)
    high, low = (10, 20, 300, 80), (10, 900, 300, 980)
    for box in (high, low, high):
        got = crop(box)
        assert got is not None and np.array_equal(got, whole.grey(*box))
    assert pdf_page_ink(tmp_path / "missing.pdf", 0)(low) is None


def test_only_a_jpeg_coded_top_down_in_one_scan_is_cut_short() -> None:
    grey = Image.fromarray(_page())
    baseline, progressive = io.BytesIO(), io.BytesIO()
    grey.save(baseline, "JPEG", quality=80)
    grey.save(progressive, "JPEG", quality=80, progressive=True)
    cut = _jpeg_of_height(baseline.getvalue(), 100)
    assert cut is not None and Image.open(io.BytesIO(cut)).size == (700, 100)
    assert _jpeg_of_height(progressive.getvalue(), 100) is None  # every scan spans the page
    assert _jpeg_of_height(b"not a jpeg", 100) is None


def _words(text: str, x: int, y: int, confidence: float) -> list[Word]:
    words = []
    for part in text.split():
        words.append(Word(part, (x, y, x + 12 * len(part), y + 30), confidence))
        x += 12 * len(part) + 12
    return words


def test_a_pages_lowest_value_is_looked_at_first() -> None:
    """Two values under review on one page: the image is asked for the lower one first
    (then decoded once, down to it), and each is looked at once, after the reading."""
    receipt = load_catalogue().document_types["giay_tiep_nhan_ho_so"]
    lines = (
        Line(tuple(_words("Ông/Bà: Lê Thị Hoa", 40, 100, 0.6)), (40, 100, 300, 130)),
        Line(tuple(_words("Địa chỉ: số 5 phố Huế", 40, 400, 0.6)), (40, 400, 300, 430)),
        Line(tuple(_words("Số điện thoại: 0912345678", 40, 700, 0.97)), (40, 700, 400, 730)),
    )
    asked: list[BBox] = []

    def ink(box: BBox) -> np.ndarray:
        asked.append(box)
        return np.full((box[3] - box[1], box[2] - box[0]), 255, np.uint8)

    found = extract_fields([PageText(1, lines, ink=ink)], receipt)
    assert len(asked) == 2 and asked[0][3] > 400 > asked[1][3]
    for value in found.values():
        # no ink there to say a hand: the read's own doubts stay, nothing else is added
        assert all(type(problem) is str for problem in value.problems)
        assert "handwritten" not in value.problems
    assert found["address"].problems == ("uncertain reading",)
    assert found["applicant_name"].problems == ("uncertain reading",)


def test_a_box_of_more_specks_than_16_bit_labels_hold_is_measured() -> None:
    """The pieces are labelled in 16 bits only when they cannot run out."""
    from digitize.imaging.handwriting import letters_on_baseline

    specks = np.full((700, 700), 255, np.uint8)
    specks[::2, ::2] = 0  # 122,500 pieces of one pixel each: none a letter
    assert letters_on_baseline(specks, 30) is None
    specks[300:340, 100:600:20] = 0  # and 25 print-high strokes on one baseline
    assert letters_on_baseline(specks, 30) == 1.0


@pytest.mark.parametrize("keep", [40, 300, 5000])
def test_a_page_image_cut_short_is_skipped_not_a_crash(tmp_path: Path, keep: int) -> None:
    pdf = tmp_path / "page.pdf"
    write_page_pdf(_page(), colour_mode=ColourMode.GREY, dpi=150, text=None, path=pdf)
    with pikepdf.open(pdf, allow_overwriting_input=True) as document:
        (raw,) = document.pages[0].get_images(recursive=False).values()
        raw.write(raw.read_raw_bytes()[:keep], filter=pikepdf.Name.DCTDecode)
        document.save(pdf)
    for rows in (None, 100, 900):
        image = page_image(pdf, 0, rows)
        assert image is None or image.grey(0, 0, 50, 50).shape == (50, 50)


def test_a_progressive_jpeg_page_is_decoded_whole_to_the_same_grey(tmp_path: Path) -> None:
    """Not what the pipeline writes, but a page PDF may hold one: every scan spans the
    page, so it cannot be cut short; it is decoded whole, as before."""
    pixels = _page(colour=True)
    pdf = tmp_path / "page.pdf"
    write_page_pdf(pixels, colour_mode=ColourMode.COLOUR, dpi=150, text=None, path=pdf)
    progressive = io.BytesIO()
    Image.fromarray(pixels).save(progressive, "JPEG", quality=80, progressive=True)
    with pikepdf.open(pdf, allow_overwriting_input=True) as document:
        (raw,) = document.pages[0].get_images(recursive=False).values()
        raw.write(progressive.getvalue(), filter=pikepdf.Name.DCTDecode)
        document.save(pdf)
    data = np.frombuffer(progressive.getvalue(), np.uint8)
    expected = cv2.imdecode(data, cv2.IMREAD_GRAYSCALE)
    image = page_image(pdf, 0, 100)
    assert image is not None and image.image.height == 1000 and image.covers(1000)
    assert np.array_equal(image.grey(0, 0, 700, 1000), expected)
