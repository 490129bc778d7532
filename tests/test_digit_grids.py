"""Digit grids (ID numbers typed one digit per box) found and read box by box (issue 13).

The grid finder on drawn boxes; real Tesseract on a drawn grid with a damaged box; and
the real Mẫu CT01 from ../shared/real-forms, filled, damaged and blank, through
`digitize process` (skipped when ../shared is absent).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont

from digitize.imaging.binarise import binarise
from digitize.imaging.grids import DigitGrid, find_digit_grids
from digitize.imaging.rules import erase_rules, find_rules
from digitize.ocr.grids import UNSURE_BOX, read_digit_grids
from digitize.ocr.tesseract import TesseractEngine
from digitize.results import Line, OcrText, Word
from digitize.understand import PageText, load_catalogue
from digitize.understand.fields import ExtractedField, extract_fields
from tests.synthetic import FONT

REAL_CT01 = Path(__file__).resolve().parents[2] / "shared" / "real-forms" / "pdf" / "ct01.pdf"
DPI = 300
BOX = 92  # px at 300 dpi: CT01's boxes are about 7.8 mm
LABEL = "4. Số định danh cá nhân:"


def _grids(image: np.ndarray) -> list[DigitGrid]:
    bw = binarise(image, DPI)
    masks = find_rules(bw, DPI)
    return [] if masks is None else find_digit_grids(masks, DPI)


def _draw_grid(
    draw: ImageDraw.ImageDraw, x: int, y: int, digits: str, *, gap: int = 0, size: int = BOX
) -> None:
    font = ImageFont.truetype(str(FONT), 40)
    for i, digit in enumerate(digits):
        x0 = x + i * (size + gap)
        draw.rectangle((x0, y, x0 + size, y + size), outline=0, width=3)
        if digit != " ":
            draw.text((x0 + size // 2, y + size // 2), digit, fill=0, font=font, anchor="mm")


def test_rows_of_equal_boxes_are_found_box_by_box() -> None:
    image = Image.new("L", (2400, 1400), 255)
    draw = ImageDraw.Draw(image)
    font = ImageFont.truetype(str(FONT), 40)
    draw.text((100, 130), LABEL, fill=0, font=font)
    _draw_grid(draw, 1000, 100, "035070626162")  # 12 touching boxes
    _draw_grid(draw, 1000, 400, "15031990", gap=30)  # 8 boxes standing apart
    # A ruled table of three rows: its column lines span the rows, so no grid.
    for row in range(4):
        draw.line((200, 700 + row * 100, 1400, 700 + row * 100), fill=0, width=3)
    for column in range(7):
        draw.line((200 + column * 200, 700, 200 + column * 200, 1000), fill=0, width=3)
    # One row of four wide cells: not boxes of one character.
    for column in range(5):
        draw.line((1500 + column * 200, 1100, 1500 + column * 200, 1200), fill=0, width=3)
    draw.line((1500, 1100, 2300, 1100), fill=0, width=3)
    draw.line((1500, 1200, 2300, 1200), fill=0, width=3)
    draw.line((100, 1300, 1500, 1300), fill=0, width=3)  # an underline
    grids = _grids(np.asarray(image).copy())
    assert [len(g.boxes) for g in grids] == [12, 8]
    touching, apart = grids
    for i, (x0, y0, x1, y1) in enumerate(touching.boxes):
        assert abs(x0 - (1000 + i * BOX)) <= 4 and abs(x1 - (1000 + (i + 1) * BOX)) <= 4
        assert abs(y0 - 100) <= 4 and abs(y1 - (100 + BOX)) <= 4
    for i, (x0, _, x1, _) in enumerate(apart.boxes):
        assert abs(x0 - (1000 + i * (BOX + 30))) <= 4 and abs(x1 - x0 - BOX) <= 8


def test_a_page_without_boxes_has_no_grid() -> None:
    image = Image.new("L", (2000, 600), 255)
    draw = ImageDraw.Draw(image)
    font = ImageFont.truetype(str(FONT), 40)
    draw.text(
        (100, 100), "Họ và tên: Nguyễn Văn An .... 0 3 5 0 7 0 6 2 6 1 6 2", fill=0, font=font
    )
    draw.line((100, 300, 1800, 300), fill=0, width=3)
    assert _grids(np.asarray(image).copy()) == []


def _read_drawn(digits: str, damage: str | None = None) -> tuple[OcrText, list[DigitGrid]]:
    """A label and a grid drawn, the grid's boxes read with real Tesseract; `damage`:
    "blot" (ink over box 5) or "two" (a second digit typed into box 5)."""
    image = Image.new("L", (2400, 400), 255)
    draw = ImageDraw.Draw(image)
    font = ImageFont.truetype(str(FONT), 40)
    draw.text((100, 130), LABEL, fill=0, font=font)
    _draw_grid(draw, 1000, 100, digits)
    centre = (1000 + 5 * BOX + BOX // 2, 100 + BOX // 2)
    if damage == "blot":
        draw.ellipse((centre[0] - 22, centre[1] - 22, centre[0] + 22, centre[1] + 22), fill=0)
    elif damage == "two":
        draw.text((centre[0] + 10, centre[1]), "9", fill=0, font=font, anchor="mm")
    bw = binarise(np.asarray(image).copy(), DPI)
    masks = find_rules(bw, DPI)
    assert masks is not None
    grids = find_digit_grids(masks, DPI)
    erase_rules(bw, DPI, masks)
    # What the page's OCR gives for the label line, as it would without the boxes read.
    label = Line(
        tuple(
            Word(text, (100 + 60 * i, 130, 150 + 60 * i, 170), 0.96)
            for i, text in enumerate(LABEL.split())
        ),
        (100, 130, 450, 170),
    )
    with TesseractEngine(timeout=60) as engine:
        text = read_digit_grids(OcrText((label,)), bw, DPI, tuple(grids), engine)
    return text, grids


def _id_field(text: OcrText) -> ExtractedField:
    ct01 = load_catalogue().document_types["to_khai_thay_doi_thong_tin_cu_tru"]
    return extract_fields([PageText(1, text.lines, False)], ct01)["id_number"]


def test_each_box_is_read_alone_into_the_label_s_line() -> None:
    text, grids = _read_drawn("035070626162")
    assert len(grids) == 1
    (line,) = text.lines
    assert line.text == LABEL + " 0 3 5 0 7 0 6 2 6 1 6 2"
    assert all(w.confidence >= UNSURE_BOX for w in line.words)
    field = _id_field(text)
    assert (field.value, field.review) == ("035070626162", False)


@pytest.mark.parametrize("damage", ["blot", "two"])
def test_a_damaged_box_sends_the_number_to_review(damage: str) -> None:
    text, _ = _read_drawn("035070626162", damage)
    field = _id_field(text)
    assert field.review, (field.value, field.raw)
    assert field.problems


def test_an_empty_grid_gives_no_number() -> None:
    text, grids = _read_drawn("            ")
    assert len(grids) == 1
    assert text.lines[0].text == LABEL
    assert _id_field(text).value is None


def test_an_id_digit_read_unsure_sends_the_number_to_review() -> None:
    """Understanding alone: a grid box read below UNSURE_BOX (its digit not known) in an
    otherwise well-formed, valid number."""
    words = [
        Word(t, (100 + 60 * i, 100, 150 + 60 * i, 140), 0.96) for i, t in enumerate(LABEL.split())
    ]
    for i, digit in enumerate("035070626162"):
        confidence = UNSURE_BOX / 2 if i == 10 else 0.96
        words.append(Word(digit, (1000 + 92 * i, 90, 1092 + 92 * i, 182), confidence))
    text = OcrText((Line(tuple(words), (100, 90, 2104, 182)),))
    field = _id_field(text)
    assert field.value == "035070626162"
    assert field.review and "uncertain reading" in field.problems


# -- the real CT01 through `digitize process` ---------------------------------------------


@pytest.fixture(scope="module")
def real_ct01(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, object]]:
    """Copy 10 of the real CT01 (seed 13: page OCR lost and misread boxes of both of its
    grids), copy 24 (200 dpi), copy 10 with an ink blot over box 11 of the applicant's
    grid, and the blank form; processed once with real Tesseract. Fields and truths."""
    if not REAL_CT01.is_file():
        pytest.skip("../shared/real-forms not present")
    from cli.main import main
    from samples.real_forms import REAL, fill_real_form

    out = tmp_path_factory.mktemp("ct01grids")
    form = next(f for f in REAL if f.file == "ct01")
    filled = fill_real_form(form, REAL_CT01, 10, 13, out)
    low = fill_real_form(form, REAL_CT01, 24, 13, out)  # scanned at 200 dpi
    blank = fill_real_form(form, REAL_CT01, 10, 13, out, filled=False)

    def expected(scan: Path) -> dict[str, object]:
        truth = json.loads((out / "tuned" / "truth" / f"{scan.name}.json").read_text("utf-8"))
        return truth["documents"][0]["expected"]

    # The blot: box 11 of the applicant's grid, found on the scan by the grid finder.
    scan = Image.open(filled)
    pages = []
    for index in range(scan.n_frames):
        scan.seek(index)
        pages.append(scan.convert("L"))
    first = np.asarray(pages[0]).copy()
    applicant = _grids(first)[0]
    x0, y0, x1, y1 = applicant.boxes[10]
    cx, cy = (x0 + x1) // 2, (y0 + y1) // 2
    ImageDraw.Draw(pages[0]).ellipse((cx - 22, cy - 22, cx + 22, cy + 22), fill=0)
    blotted = filled.parent / "ct01-blotted.tif"
    pages[0].save(blotted, save_all=True, append_images=pages[1:], dpi=(DPI, DPI))
    results = out / "results"
    blank = blank.rename(filled.parent / blank.name)  # one run for the three
    assert main(["process", str(filled.parent), "--out", str(results), "--quiet"]) == 0

    def fields(path: Path) -> dict[str, object]:
        result = json.loads(path.read_text(encoding="utf-8"))
        return result["documents"][0]["fields"]

    return {
        "filled": fields(results / f"{filled.stem}.json"),
        "200 dpi": fields(results / f"{low.stem}.json"),
        "blotted": fields(results / "ct01-blotted.json"),
        "blank": fields(results / f"{blank.stem}.json"),
        "expected": expected(filled),
        "expected 200 dpi": expected(low),
    }


@pytest.mark.slow
@pytest.mark.parametrize("copy", ["filled", "200 dpi"])
def test_real_ct01_id_grids_are_read_right_and_sure(real_ct01, copy: str) -> None:
    # Before the boxes were read one by one, copy 10 had both IDs wrong (one returned
    # sure), copy 24 (200 dpi) its household head's.
    fields = real_ct01[copy]
    expected = real_ct01["expected" if copy == "filled" else "expected 200 dpi"]
    for name in ("id_number", "household_head_id_number"):
        assert fields[name]["value"] == expected[name], fields[name]
        assert not fields[name]["review"], fields[name]


@pytest.mark.slow
def test_real_ct01_a_blotted_box_sends_its_number_to_review(real_ct01) -> None:
    fields, expected = real_ct01["blotted"], real_ct01["expected"]
    assert fields["id_number"]["review"], fields["id_number"]
    # Box by box: the reviewer sees every box, the eleven clean ones as typed.
    boxes = fields["id_number"]["raw"].split()
    boxes = list(boxes[0]) if len(boxes) == 1 else boxes  # all digits: joined
    assert len(boxes) == 12, fields["id_number"]
    want = expected["id_number"]
    assert [b for i, b in enumerate(boxes) if i != 10] == [d for i, d in enumerate(want) if i != 10]
    # The other grid is untouched: read right and sure.
    head = fields["household_head_id_number"]
    assert (head["value"], head["review"]) == (expected["household_head_id_number"], False)


@pytest.mark.slow
def test_real_ct01_blank_grids_give_no_number(real_ct01) -> None:
    fields = real_ct01["blank"]
    for name in ("id_number", "household_head_id_number"):
        item = fields.get(name) or {}
        assert item.get("value") is None or item.get("review"), item


def test_a_box_reader_that_fails_leaves_the_page_s_words() -> None:
    image = Image.new("L", (2400, 400), 255)
    _draw_grid(ImageDraw.Draw(image), 1000, 100, "035070626162")
    bw = binarise(np.asarray(image).copy(), DPI)
    masks = find_rules(bw, DPI)
    assert masks is not None
    grids = tuple(find_digit_grids(masks, DPI))
    page = OcrText(
        (Line((Word("035070626162", (1010, 120, 2090, 170), 0.9),), (1010, 120, 2090, 170)),)
    )
    # A timeout no Tesseract child can start within: the reader fails for real.
    with TesseractEngine(timeout=0.001) as engine:
        assert read_digit_grids(page, bw, DPI, grids, engine) == page
