"""A value written by hand comes back for review with the problem `handwritten` and its
box, also when OCR read nothing of it or when the writing ate its label's colon (issue
13, point 4); typed values and blank forms do not."""

from __future__ import annotations

import json
import math
import random
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageDraw

from digitize.imaging.handwriting import letters_on_baseline, pdf_page_ink
from digitize.pdf import write_page_pdf
from digitize.results import BBox, ColourMode, Line, Word
from digitize.understand import PageText, load_catalogue
from digitize.understand.fields import (
    _ink_off_baseline,
    _unread_hand,
    extract_fields,
    printed_height,
)
from samples.render import FONTS, load_font
from tests.conftest import REPO

REAL_FORMS = REPO.parent / "shared" / "real-forms" / "pdf"


@pytest.fixture(scope="module")
def ct01():
    return load_catalogue().document_types["to_khai_thay_doi_thong_tin_cu_tru"]


@pytest.fixture(scope="module")
def receipt():
    return load_catalogue().document_types["giay_tiep_nhan_ho_so"]


def _printed(text: str, x: int, y: int, height: int = 30) -> tuple[list[Word], int]:
    """Words of print at 12 px a letter, 0.96 sure; and where the next word starts."""
    words = []
    for part in text.split():
        words.append(Word(part, (x, y, x + 12 * len(part), y + height), 0.96))
        x += 12 * len(part) + 12
    return words, x


def _line(*words: Word) -> Line:
    return Line(
        words,
        (
            min(w.bbox[0] for w in words),
            min(w.bbox[1] for w in words),
            max(w.bbox[2] for w in words),
            max(w.bbox[3] for w in words),
        ),
    )


# -- the features --------------------------------------------------------------------


def test_the_print_is_measured_by_its_tallest_sure_word() -> None:
    label, _ = _printed("đã tiếp nhận hồ sơ của", 100, 100)
    label[4] = Word("sơ", (400, 110, 424, 130), 0.97)  # x-height only
    label[1] = Word("tiếp", (200, 95, 248, 145), 0.40)  # misread: not print to go by
    glued = Word("Ông/Bà:-Bùj--h", (500, 90, 700, 160), 0.05)  # the value glued on
    assert printed_height([*label, glued], [glued]) == 30


def test_unread_ink_is_tall_and_barely_readable() -> None:
    label, x = _printed("Số điện thoại:", 100, 100)
    scrawl = Word("...@5-90365--", (x, 80, x + 300, 150), 0.3)
    assert _unread_hand(label, [scrawl])
    # as tall but read surely: a big typed word, not writing OCR could not read
    assert not _unread_hand(label, [Word("0912345678", scrawl.bbox, 0.93)])
    # unsure but of the print's height: a typed value misread, or leaders
    assert not _unread_hand(label, [Word("..-.....", (x, 100, x + 300, 130), 0.3)])


# Ink drawn here, not by the samples' handwriting: print on one baseline, and the same
# letters as a hand puts them, its line rising and falling and its letters leaning.
SERIF = FONTS["Liberation Serif"].path("regular")


def _ink(text: str, size: int, *, hand: bool, seed: int = 1) -> tuple[np.ndarray, list[BBox]]:
    """A white strip with `text` in black at `size` px; each word's ink box."""
    rng = random.Random(seed)
    image = Image.new("L", (60 + size * len(text), 3 * size), 255)
    draw = ImageDraw.Draw(image)
    font = load_font(SERIF, size)
    x, boxes = 20, []
    for word in text.split():
        left = x
        for index, char in enumerate(word):
            if not hand:
                draw.text((x, size), char, font=font, fill=0)
            else:
                glyph = Image.new("L", (2 * size, 2 * size), 0)
                ImageDraw.Draw(glyph).text((size // 2, size // 2), char, font=font, fill=255)
                glyph = glyph.rotate(rng.uniform(-15, 15), resample=Image.BICUBIC)
                rise = 0.25 * size * math.sin(x / (1.5 * size)) + rng.uniform(-0.1, 0.1) * size
                image.paste(0, (round(x - size // 2), round(size / 2 + rise)), glyph)
            x += draw.textbbox((0, 0), char, font=font)[2] + (index % 2)
        rows = np.flatnonzero((np.asarray(image)[:, left:x] < 128).any(axis=1))
        boxes.append((left, int(rows[0]), x, int(rows[-1]) + 1))  # the word's ink, as OCR boxes it
        x += size // 2
    return np.asarray(image), boxes


def test_print_stands_on_one_baseline_and_a_hand_does_not() -> None:
    text = "Nguyễn Thị Minh Khai phường Lạch Tray"
    typed, _ = _ink(text, 40, hand=False)
    assert letters_on_baseline(typed, 40) >= 0.8
    # the same print, the page a little skewed: still one straight line
    skewed = np.asarray(Image.fromarray(typed).rotate(2, expand=True, fillcolor=255))
    assert letters_on_baseline(skewed, 40) >= 0.8
    for seed in (1, 2, 3):
        hand, _ = _ink(text, 40, hand=True, seed=seed)
        assert letters_on_baseline(hand, 40) < 0.45
    # too few letters to tell: no answer rather than a guess
    assert letters_on_baseline(_ink("Ba", 40, hand=True)[0], 40) is None
    assert letters_on_baseline(np.full((0, 0), 255, np.uint8), 40) is None


def test_a_page_image_is_read_from_the_pipelines_pdf(tmp_path: Path) -> None:
    grey, _ = _ink("Số 12 phố Huế", 30, hand=False)
    black_white = np.where(grey < 128, 0, 255).astype(np.uint8)
    for mode, pixels in ((ColourMode.BILEVEL, black_white), (ColourMode.GREY, grey)):
        pdf = tmp_path / f"{mode}.pdf"
        write_page_pdf(pixels, colour_mode=mode, dpi=300, text=None, path=pdf)
        crop = pdf_page_ink(pdf, 0)((10, 5, 60, 40))
        assert crop is not None and crop.shape == (35, 50)
        # CCITT keeps every pixel; JPEG nearly
        difference = np.abs(crop.astype(int) - pixels[5:40, 10:60].astype(int))
        assert difference.max() == 0 if mode is ColourMode.BILEVEL else difference.mean() < 8
    assert pdf_page_ink(tmp_path / "missing.pdf", 0)((0, 0, 10, 10)) is None


# -- fields --------------------------------------------------------------------------


def test_a_value_ocr_could_not_read_is_handwritten_not_empty(receipt) -> None:
    """The writing glued to the label's colon and read as leaders and specks: before,
    the phone came back `empty`, as if nothing had been written."""
    label, x = _printed("Số điện", 100, 100, height=40)
    glued = Word("thoại:...-·--.......", (x, 85, x + 420, 170), 0.31)
    email, _ = _printed("Email:..........", x + 440, 100, height=40)
    form = PageText(1, (_line(*label, glued, *email),))
    phone = extract_fields([form], receipt)["phone"]
    assert phone.review
    assert "handwritten" in phone.problems
    assert "empty" not in phone.problems
    assert phone.bbox is not None and phone.bbox[2] >= x + 420


def test_a_value_that_ate_its_labels_colon_is_handwritten_with_its_box(ct01) -> None:
    """ "1. Họ, chữ đệm và tên" then writing OCR made specks of, no colon left: the label
    was never found, so the name came back `not found`."""
    label, x = _printed("1. Họ, chữ đệm và tên", 100, 100)
    scrawl = Word("ý-..N-glo©--†đ..........", (x + 10, 80, x + 600, 160), 0.06)
    leaders, x = _printed("5. Số điện thoại liên hệ:", 100, 220)
    specks = Word(".........-.....", (x, 220, x + 400, 250), 0.2)  # print-high: leaders
    typed, _ = _printed("7. Họ, chữ đệm và tên chủ hộ: Nguyễn Văn An", 100, 280)
    form = PageText(1, (_line(*label, scrawl), _line(*leaders, specks), _line(*typed)))
    fields = extract_fields([form], ct01)
    name = fields["applicant_name"]
    assert name.review
    assert name.problems == ("handwritten",)
    assert name.value is None
    assert name.bbox == scrawl.bbox
    phone = fields.get("phone")
    assert phone is not None and phone.problems == ("empty",)
    head = fields["household_head_name"]
    assert (head.value, head.review, head.problems) == ("Nguyễn Văn An", False, ())
    # the same form left blank: the name's label found, nothing after it
    blank, _ = _printed("1. Họ, chữ đệm và tên: ......................", 100, 100)
    empty = extract_fields([PageText(1, (_line(*blank),))], ct01)["applicant_name"]
    assert empty.problems == ("empty",)


def _value_page(hand: bool, *, with_ink: bool = True) -> PageText:
    """ "Địa chỉ:" printed, then an address OCR read unsurely (0.7): printed, or by hand."""
    size = 40
    value = "Số 138 phố Nguyễn Trãi phường Khương Mai"
    grey, boxes = _ink(value, size, hand=hand)
    page = np.full((3 * size, 400 + grey.shape[1]), 255, np.uint8)
    page[:, 400:] = grey
    label, _ = _printed("Địa chỉ:", 100, size // 2, height=size)
    words = [
        Word(t, (x0 + 400, y0, x1 + 400, y1), 0.7)
        for t, (x0, y0, x1, y1) in zip(value.split(), boxes, strict=True)
    ]

    def ink(box: BBox) -> np.ndarray:
        x0, y0, x1, y1 = (max(0, v) for v in box)
        return page[y0:y1, x0:x1]

    return PageText(1, (_line(*label, *words),), ink=ink if with_ink else None)


def test_a_value_whose_letters_leave_the_baseline_is_handwritten(receipt) -> None:
    """OCR read the address unsurely but as print-high words (no OCR sign of a hand):
    the ink says which one a hand wrote."""
    hand = extract_fields([_value_page(hand=True)], receipt)["address"]
    assert hand.review
    assert "handwritten" in hand.problems
    assert hand.bbox is not None
    typed = extract_fields([_value_page(hand=False)], receipt)["address"]
    assert typed.review  # unsure all the same
    assert "handwritten" not in typed.problems
    unseen = extract_fields([_value_page(hand=True, with_ink=False)], receipt)["address"]
    assert "handwritten" not in unseen.problems  # no image: the text alone decides


def test_a_value_on_two_lines_is_measured_line_by_line() -> None:
    """Print wrapped onto a second line has two baselines: as one box it would look like
    a hand's; line by line it is print."""
    first, _ = _ink("Số 54 ngõ 171 phố Nguyễn Huệ", 40, hand=False)
    second, _ = _ink("phường Bến Nghé quận Một", 40, hand=False)
    width = max(first.shape[1], second.shape[1])
    page = np.full((first.shape[0] + second.shape[0], width), 255, np.uint8)
    page[: first.shape[0], : first.shape[1]] = first
    page[first.shape[0] :, : second.shape[1]] = second
    label, _ = _printed("Nơi thường trú:", 0, 20, height=40)

    def ink(box: BBox) -> np.ndarray:
        x0, y0, x1, y1 = (max(0, v) for v in box)
        return page[y0:y1, x0:x1]

    text = PageText(1, (_line(*label),), ink=ink)
    top, bottom = first.shape[0], page.shape[0]
    assert _ink_off_baseline(text, [(0, 0, width, bottom)])  # why lines are measured apart
    assert not _ink_off_baseline(text, [(0, 0, width, top), (0, top, width, bottom)])


# -- real Tesseract on a rendered page -------------------------------------------------


@pytest.mark.slow
@pytest.mark.parametrize(
    ("template", "copy"),
    [
        # the writing eats the label's colon and OCR reads specks: found by its label again
        ("ct01", 13),
        # OCR reads the name unsurely but print-high: the letters leave the baseline
        ("01_To_khai_dang_ky_khai_sinh", 10),
    ],
)
def test_real_ocr_of_a_handwritten_name_flags_it_and_not_the_typed_values(
    tmp_path: Path, template: str, copy: int
) -> None:
    """A real template filled half by hand as the samples draw handwriting (letters of an
    italic face, each turned, resized and off the baseline), half typed; `digitize
    process` with real Tesseract."""
    pdf = REAL_FORMS / f"{template}.pdf"
    if not pdf.is_file():
        pytest.skip("../shared/real-forms not present")
    from cli.main import main
    from samples.real_forms import REAL, fill_real_form

    form = next(f for f in REAL if f.file == template)
    scan = fill_real_form(form, pdf, copy, 71, tmp_path, handwritten=0.5)
    truth = json.loads((scan.parent.parent / "truth" / f"{scan.name}.json").read_text("utf-8"))
    expected = truth["documents"][0]
    assert "applicant_name" in expected["handwritten"]
    results = tmp_path / "results"
    assert main(["process", str(scan), "--out", str(results), "--quiet"]) == 0
    result = json.loads((results / f"{scan.stem}.json").read_text("utf-8"))
    fields = result["documents"][0]["fields"]
    name = fields["applicant_name"]
    assert name["review"] is True
    assert "handwritten" in name["problems"]
    assert name["bbox"] is not None
    assert expected["expected"]  # typed values on the same page
    for typed in expected["expected"]:
        assert "handwritten" not in fields[typed]["problems"], (typed, fields[typed])


def test_a_tall_unsure_value_that_reads_as_words_is_not_taken_for_a_hand(receipt) -> None:
    """Typed over a dotted blank and damaged, a value comes out taller and much less sure
    than its label, as a hand's would; but OCR read every word as a Vietnamese syllable,
    which it seldom does of writing. The ink, looked at apart, still decides."""
    label, x = _printed("Địa chỉ:", 100, 100, height=40)
    typed = [
        Word(text, (x + 20 + 130 * i, 88, x + 140 + 130 * i, 150), 0.3)
        for i, text in enumerate(["Số", "12", "đường", "Lê", "Lợi"])
    ]
    scrawl = [
        Word(text, (x + 20 + 130 * i, 88, x + 140 + 130 * i, 150), 0.3)
        for i, text in enumerate(["Sô", "1Z", "đưòngg", "Lêe", "Lọii"])
    ]
    read = extract_fields([PageText(1, (_line(*label, *typed),))], receipt)["address"]
    assert "handwritten" not in read.problems
    garbled = extract_fields([PageText(1, (_line(*label, *scrawl),))], receipt)["address"]
    assert garbled.review and "handwritten" in garbled.problems
