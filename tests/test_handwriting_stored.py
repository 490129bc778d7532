"""The handwriting check's measure is taken at OCR time and kept with each line, so
understanding (often run later, from the stored results) need not decode page images
(issue 13: understanding must not cost more per page); results stored without it are
still measured on the page image."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageDraw

from digitize.imaging.handwriting import (
    letters_on_baseline,
    measure_lines,
    off_the_labels_line,
    page_image,
    pdf_page_ink,
    print_height,
    stored_on_baseline,
)
from digitize.ocr.tesseract import TesseractEngine
from digitize.pdf import write_page_pdf
from digitize.pipeline import PipelineOptions, process_page
from digitize.results import BBox, ColourMode, Line, LineInk, PageReport, Word, union_box
from digitize.understand import PageText, load_catalogue, page_from_report
from digitize.understand.fields import extract_fields
from tests.synthetic import text_page
from tests.test_handwriting import _ink, _line, _printed

SIZE = 40  # the print's height, in pixels
VALUE = "Số 138 phố Nguyễn Trãi phường Khương Mai"


@pytest.fixture(scope="module")
def receipt():
    return load_catalogue().document_types["giay_tiep_nhan_ho_so"]


def _form(hand: bool, tmp_path: Path, mode: ColourMode) -> tuple[Path, tuple[Line, ...]]:
    """A page with "Địa chỉ:" printed, then an address OCR read unsurely (0.7), printed
    or by hand, and a printed line under it; its one-page PDF as the pipeline writes it."""
    grey, boxes = _ink(VALUE, SIZE, hand=hand)
    below, below_boxes = _ink("Số điện thoại 0912345678", SIZE, hand=False)
    page = np.full((6 * SIZE, 400 + max(grey.shape[1], below.shape[1])), 255, np.uint8)
    page[: grey.shape[0], 400 : 400 + grey.shape[1]] = grey
    page[3 * SIZE :, 400 : 400 + below.shape[1]] = below
    if mode is ColourMode.BILEVEL:
        page = np.where(page < 128, 0, 255).astype(np.uint8)
    label, _ = _printed("Địa chỉ:", 100, SIZE // 2, height=SIZE)
    value = [
        Word(t, (x0 + 400, y0, x1 + 400, y1), 0.7)
        for t, (x0, y0, x1, y1) in zip(VALUE.split(), boxes, strict=True)
    ]
    other = [
        # read surely, but not above 0.9: the label alone gives the print's height
        Word(t, (x0 + 400, y0 + 3 * SIZE, x1 + 400, y1 + 3 * SIZE), 0.9)
        for t, (x0, y0, x1, y1) in zip(
            ["Số", "điện", "thoại", "0912345678"], below_boxes, strict=True
        )
    ]
    pdf = tmp_path / f"{mode}-{hand}.pdf"
    write_page_pdf(page, colour_mode=mode, dpi=300, text=None, path=pdf)
    return pdf, (_line(*label, *value), _line(*other))


def _value_band(lines: tuple[Line, ...]) -> BBox:
    x0, y0, x1, y1 = union_box(w.bbox for w in lines[0].words[2:])
    margin = round(0.3 * print_height(lines))
    return (x0, y0 - margin, x1, y1 + margin)


def _no_decoding(box: BBox) -> np.ndarray:
    raise AssertionError(f"the page image was decoded for {box}")


@pytest.mark.parametrize("mode", [ColourMode.BILEVEL, ColourMode.GREY])
@pytest.mark.parametrize("hand", [True, False])
def test_the_stored_pieces_measure_a_value_as_its_page_image_does(
    tmp_path: Path, mode: ColourMode, hand: bool
) -> None:
    pdf, lines = _form(hand, tmp_path, mode)
    measured = measure_lines(page_image(pdf, 0), lines)
    assert all(line.ink is not None for line in measured)
    assert measured == lines  # the words and boxes as they were
    band = _value_band(lines)
    stored, share = stored_on_baseline(measured, band, SIZE)
    decoded = pdf_page_ink(pdf, 0)(band)
    assert stored and decoded is not None
    assert share == letters_on_baseline(decoded, SIZE)
    assert share is not None and (share < 0.45) == hand
    # kept only for the print height they were cut for, and for a box inside a line's band
    assert stored_on_baseline(measured, band, SIZE + 1) == (False, None)
    assert stored_on_baseline(measured, (0, 0, 5000, 6 * SIZE), SIZE) == (False, None)
    assert stored_on_baseline(lines, band, SIZE) == (False, None)  # not measured


@pytest.mark.parametrize("hand", [True, False])
def test_fields_are_flagged_from_the_stored_pieces_without_the_page_image(
    tmp_path: Path, receipt, hand: bool
) -> None:
    pdf, lines = _form(hand, tmp_path, ColourMode.GREY)
    measured = measure_lines(page_image(pdf, 0), lines)
    stored = extract_fields([PageText(1, measured, ink=_no_decoding)], receipt)["address"]
    assert stored.review  # read unsurely all the same
    assert ("handwritten" in stored.problems) == hand
    # no image at hand at all: the stored pieces still tell
    alone = extract_fields([PageText(1, measured)], receipt)["address"]
    assert alone == stored
    # the same page stored without them: its image is decoded, to the same answer
    decoded = extract_fields([PageText(1, lines, ink=pdf_page_ink(pdf, 0))], receipt)["address"]
    assert decoded == stored
    # pieces cut for another print height: not used, the image is looked at
    looked: list[BBox] = []

    def ink(box: BBox) -> np.ndarray | None:
        looked.append(box)
        return pdf_page_ink(pdf, 0)(box)

    other = tuple(
        dataclasses.replace(line, ink=dataclasses.replace(line.ink, print_height=SIZE + 7))
        for line in measured
        if line.ink is not None
    )
    again = extract_fields([PageText(1, other, ink=ink)], receipt)["address"]
    assert looked and again == stored


def test_the_pieces_go_into_the_json_and_back(tmp_path: Path) -> None:
    pdf, lines = _form(True, tmp_path, ColourMode.BILEVEL)
    measured = measure_lines(page_image(pdf, 0), lines)
    report = PageReport(1, 0, 0.0, 300, "", 0.7, 10, False, lines=measured)
    raw = json.loads(json.dumps(report.as_json()))
    ink = raw["lines"][0]["ink"]
    assert set(ink) == {"print_height", "box", "pieces"} and ink["print_height"] == SIZE
    back = PageReport.from_json(raw)
    assert [line.ink for line in back.lines] == [line.ink for line in measured]
    page = page_from_report(back)
    assert [line.ink for line in page.lines] == [line.ink for line in measured]
    # a line without them keeps the JSON it had; a broken entry is no measure, no crash
    assert (
        "ink"
        not in PageReport(1, 0, 0.0, 300, "", 0.7, 10, False, lines=lines).as_json()["lines"][0]
    )
    for broken in ({"pieces": "!!", "print_height": 40, "box": [0, 0, 9, 9]}, [], None, {}):
        raw["lines"][0]["ink"] = broken
        assert PageReport.from_json(raw).lines[0].ink is None
    assert LineInk.from_json({"pieces": "AAAA", "print_height": 40, "box": [0, 0, 9, 9]}) is None


def test_no_pieces_without_an_image_or_print_to_measure_against(tmp_path: Path) -> None:
    _, lines = _form(False, tmp_path, ColourMode.BILEVEL)
    assert measure_lines(None, lines) is lines
    unsure = tuple(
        Line(tuple(dataclasses.replace(w, confidence=0.5) for w in line.words), line.bbox)
        for line in lines
    )
    assert (
        measure_lines(page_image(tmp_path / f"{ColourMode.BILEVEL}-False.pdf", 0), unsure) == unsure
    )
    assert all(line.ink is None for line in measure_lines(None, unsure))


def test_digitize_process_keeps_each_lines_pieces_in_the_report(tmp_path: Path) -> None:
    """Real Tesseract on a rendered page: every line read carries its pieces, which
    measure each line's words as the page image in the PDF does."""
    scan = tmp_path / "scan.png"
    Image.fromarray(text_page(dpi=300)).save(scan, dpi=(300, 300))
    with TesseractEngine(timeout=120) as engine:
        outcome = process_page(scan, 0, options=PipelineOptions(), engine=engine, workdir=tmp_path)
    lines = PageReport.from_json(json.loads(json.dumps(outcome.report.as_json()))).lines
    assert lines and all(line.ink is not None for line in lines)
    height = print_height(lines)
    margin = round(0.3 * height)
    crop = pdf_page_ink(outcome.pdf.pdf, 0)
    answered = 0
    for line in lines:
        x0, y0, x1, y1 = union_box(w.bbox for w in line.words)
        band = (x0, y0 - margin, x1, y1 + margin)
        stored, share = stored_on_baseline(lines, band, height)
        grey = crop(band)
        assert stored and grey is not None
        decoded = letters_on_baseline(grey, height)
        assert (share is None) == (decoded is None)
        if share is not None and decoded is not None:
            answered += 1
            assert abs(share - decoded) <= 0.1
            assert share >= 0.45  # print
    assert answered >= 3


# -- values too short for a baseline of their own ---------------------------------------


def _sex_line(hand: bool, tmp_path: Path) -> tuple[Path, tuple[Line, ...]]:
    """ "Giới tính:" printed, then "Nam" read surely: typed on the label's baseline, or
    written larger and off it (as the samples' hands write)."""
    from samples.render import load_font
    from tests.test_handwriting import SERIF

    image = Image.new("L", (900, 4 * SIZE), 255)
    draw = ImageDraw.Draw(image)
    baseline = 2 * SIZE
    draw.text((40, baseline), "Giới tính:", font=load_font(SERIF, SIZE), fill=0, anchor="ls")
    value_size, value_base = (
        (round(1.45 * SIZE), baseline - round(0.45 * SIZE))
        if hand
        else (
            SIZE,
            baseline,
        )
    )
    draw.text((400, value_base), "Nam", font=load_font(SERIF, value_size), fill=0, anchor="ls")
    pixels = np.asarray(image)
    pdf = tmp_path / f"sex-{hand}.pdf"
    write_page_pdf(pixels, colour_mode=ColourMode.GREY, dpi=300, text=None, path=pdf)

    def box(x0: int, x1: int) -> BBox:
        rows = np.flatnonzero((pixels[:, x0:x1] < 128).any(axis=1))
        cols = np.flatnonzero((pixels[:, x0:x1] < 128).any(axis=0))
        return (x0 + int(cols[0]), int(rows[0]), x0 + int(cols[-1]) + 1, int(rows[-1]) + 1)

    label = box(30, 380)
    words = (
        Word("Giới", (label[0], label[1], label[0] + 90, label[3]), 0.96),
        Word("tính:", (label[0] + 100, label[1], label[2], label[3]), 0.96),
        Word("Nam", box(390, 900), 0.95),
    )
    return pdf, (_line(*words),)


@pytest.mark.parametrize("stored", [True, False])
def test_a_short_value_written_off_its_labels_line_is_handwritten(
    tmp_path: Path, stored: bool
) -> None:
    """ "Nam" gives too few letters for a baseline of its own, and OCR reads a hand's
    "Nam" surely: held against the print before it, a hand's stands off its line and
    taller; a typed one on it. From the stored pieces, or from the page image."""
    ct01 = load_catalogue().document_types["to_khai_thay_doi_thong_tin_cu_tru"]
    for hand in (True, False):
        pdf, lines = _sex_line(hand, tmp_path)
        if stored:
            page = PageText(1, measure_lines(page_image(pdf, 0), lines), ink=_no_decoding)
        else:
            page = PageText(1, lines, ink=pdf_page_ink(pdf, 0))
        sex = extract_fields([page], ct01)["applicant_sex"]
        assert sex.value == "male"
        assert sex.review == hand
        assert sex.problems == (("handwritten",) if hand else ())
    # without any ink to look at, the text alone: sure
    unseen = extract_fields([PageText(1, lines)], ct01)["applicant_sex"]
    assert (unseen.review, unseen.problems) == (False, ())


def test_a_short_value_is_held_against_its_labels_print() -> None:
    def pieces(*rows: tuple[int, int, int, int]) -> np.ndarray:
        return np.array(rows, np.int64)

    label = [(100 + 30 * k, 70, 20, 30) for k in range(5)]  # feet at 100
    on_line = pieces(*label, (300, 72, 22, 28), (330, 70, 20, 30))
    assert off_the_labels_line(on_line, (300, 60, 360, 110), 40) is False
    off_and_taller = pieces(*label, (300, 40, 28, 48), (335, 45, 26, 45))
    assert off_the_labels_line(off_and_taller, (300, 30, 370, 110), 40) is True
    # off the line but no taller (a value raised in its blank): not enough to say a hand
    raised = pieces(*label, (300, 50, 20, 30), (330, 48, 20, 30))
    assert off_the_labels_line(raised, (300, 40, 360, 110), 40) is False
    # too little print before it, or no letter of its own: cannot tell
    assert (
        off_the_labels_line(pieces(*label[:2], (300, 40, 28, 48)), (300, 30, 340, 110), 40) is None
    )
    assert off_the_labels_line(pieces(*label), (300, 30, 340, 110), 40) is None
