"""A value written by hand comes back for review with the problem `handwritten` and its
box, also when OCR read nothing of it or when the writing ate its label's colon (issue
13, point 4); typed values and blank forms do not."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from digitize.results import Line, Word
from digitize.understand import PageText, load_catalogue
from digitize.understand.fields import _unread_hand, extract_fields, printed_height
from tests.conftest import REPO

REAL_CT01 = REPO.parent / "shared" / "real-forms" / "pdf" / "ct01.pdf"


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


# -- real Tesseract on a rendered page -------------------------------------------------


@pytest.mark.slow
def test_real_ocr_of_a_handwritten_name_flags_it_and_not_the_typed_values(
    tmp_path: Path,
) -> None:
    """The real CT01 filled half by hand as the samples draw handwriting (letters of an
    italic face, each turned, resized and off the baseline, in grey-blue ink), half
    typed; real Tesseract. The name's writing eats the label's colon and reads as specks."""
    if not REAL_CT01.is_file():
        pytest.skip("../shared/real-forms not present")
    from cli.main import main
    from samples.real_forms import REAL, fill_real_form

    form = next(f for f in REAL if f.file == "ct01")
    scan = fill_real_form(form, REAL_CT01, 13, 71, tmp_path, handwritten=0.5)
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
    for typed in expected["expected"]:
        assert "handwritten" not in fields[typed]["problems"], (typed, fields[typed])
