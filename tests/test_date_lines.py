"""The document's date line where the OCR cut it, and dates typed over dotted blanks.

Signature areas stand in narrow columns side by side; Tesseract may put the two halves
of "Hà Nội, ngày 05 tháng 01 năm 2020" in two blocks, or join them to the neighbour
column's words. A date of birth or an hour ("lúc 10 giờ, ngày …") on the page is never
the document's date. A date or a phone number typed over a dotted blank is read
through the dots but flagged.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from digitize.results import Line, Word
from digitize.understand import PageText, load_catalogue
from digitize.understand.fields import extract_fields
from digitize.understand.normalise import (
    normalise_date,
    normalise_phone,
    phone_read_through_leaders,
    read_through_leaders,
)


@pytest.fixture(scope="module")
def catalogue():
    return load_catalogue()


def _line(y: int, block: int, text: str, x: int) -> Line:
    """`text` as a line at pixel row y from x: 12 px a character, one between words."""
    words = []
    for token in text.split():
        words.append(Word(token, (x, y, x + 12 * len(token), y + 30), 0.95))
        x += 12 * (len(token) + 1)
    return Line(tuple(words), (words[0].bbox[0], y, words[-1].bbox[2], y + 30), block)


def _form(*signature: Line) -> PageText:
    head = (
        _line(100, 0, "TỜ KHAI THAY ĐỔI THÔNG TIN CƯ TRÚ", 700),
        _line(140, 0, "1. Họ, chữ đệm và tên: Lê Văn Tám", 100),
    )
    return PageText(1, (*head, *signature))


def _date(catalogue, page: PageText):
    ct01 = catalogue.document_types["to_khai_thay_doi_thong_tin_cu_tru"]
    return extract_fields([page], ct01).get("document_date")


def test_a_date_line_cut_in_two_blocks_is_assembled_by_its_row(catalogue) -> None:
    # Right column: "Hà Nội, ngày 05" in one block, "tháng 01 năm 2020" in the next;
    # left column: the head of household's title on the same row.
    page = _form(
        _line(900, 1, "Ý KIẾN CỦA CHỦ HỘ", 150),
        _line(900, 2, "Hà Nội, ngày 05", 1200),
        _line(902, 3, "tháng 01 năm 2020", 1400),
        _line(950, 2, "NGƯỜI KÊ KHAI", 1300),
    )
    found = _date(catalogue, page)
    assert found is not None and found.value == "2020-01-05"
    assert not found.review
    # Its box is the date's words, not the neighbour column's.
    assert found.bbox is not None and found.bbox[0] >= 1290


def test_a_date_of_birth_or_an_hour_on_the_row_is_not_the_documents_date(catalogue) -> None:
    others = (
        _line(600, 1, "Sinh ngày 12", 100),
        _line(600, 2, "tháng 03 năm 1990", 300),
        _line(700, 1, "chết lúc 10 giờ, ngày 07", 100),
        _line(700, 2, "tháng 02 năm 2021", 500),
    )
    assert _date(catalogue, _form(*others)) is None
    # With them on the page, the place-and-date line is still the one taken.
    found = _date(
        catalogue,
        _form(
            *others, _line(900, 3, "Huế, ngày 09", 1300), _line(900, 4, "tháng 12 năm 2024", 1480)
        ),
    )
    assert found is not None and found.value == "2024-12-09"


def test_an_hour_on_a_whole_line_is_not_taken_either(catalogue) -> None:
    page = _form(_line(700, 1, "chết vào lúc 10 giờ, ngày 07 tháng 02 năm 2021", 100))
    assert _date(catalogue, page) is None


@pytest.mark.parametrize(
    ("text", "iso"),
    [
        ("ngày18 tháng0l năm2024", "2024-01-18"),  # CT04's date line, read
        ("Nha Trang ngày 16 tháng O1 năm 2023", "2023-01-16"),  # a birth form's
        ("Huế, ngày^22 tháng09 năm2023", "2023-09-22"),
        ("Đà Nẵng ngày 13 tháng 02_ năm 2024", "2024-02-13"),
    ],
)
def test_digits_read_as_letters_in_the_date_line(catalogue, text: str, iso: str) -> None:
    found = _date(catalogue, _form(_line(900, 1, text, 1200)))
    assert found is not None and found.value == iso


@pytest.mark.parametrize(
    ("raw", "iso"),
    [
        ("09/1 0/1996 — 3. Giới", "1996-10-09"),  # a space in the month
        ("2.7/08/1⁄989 — 3. Giới", "1989-08-27"),  # a leader dot, the blank's slash
        ("Q2/02/1⁄9'74 / 3. Giới", "1974-02-02"),  # a 0 crossed by dots read "Q"
        ("1 6/12/1975", "1975-12-16"),  # was read 06/12
        ("25/04./1⁄962 — 3. GIới", "1962-04-25"),  # a speck beside a slash
    ],
)
def test_a_date_typed_over_a_dotted_blank_is_read_and_flagged(raw: str, iso: str) -> None:
    assert normalise_date(raw) == iso
    assert read_through_leaders(raw)


@pytest.mark.parametrize(
    "raw", ["12/03/2019", "12.03.2019", "12/08/1967 / —— 3, GIỚI", "5 / 3 / 2019"]
)
def test_a_plain_date_is_not_flagged(raw: str) -> None:
    assert normalise_date(raw) is not None
    assert not read_through_leaders(raw)


def test_a_dotted_date_field_goes_to_review(catalogue) -> None:
    ct01 = catalogue.document_types["to_khai_thay_doi_thong_tin_cu_tru"]
    page = _form(_line(300, 0, "2. Ngày, tháng, năm sinh: 2.7/08/1⁄989 3. Giới", 100))
    found = extract_fields([page], ct01)["applicant_dob"]
    assert found.value == "1989-08-27"
    assert found.review and "digits split by leader dots" in found.problems


@pytest.mark.parametrize(
    ("raw", "phone"),
    [("0359.1,29224", "0359129224"), ("Q3839:78775", "0383978775")],  # CT01, read
)
def test_a_phone_typed_over_a_dotted_blank_is_read_and_flagged(raw: str, phone: str) -> None:
    assert normalise_phone(raw) == phone
    assert phone_read_through_leaders(raw)


@pytest.mark.parametrize("raw", ["0912.345.678", "0912345678,0987654321", "Quận 1, 0912345678"])
def test_a_plain_phone_is_not_flagged(raw: str) -> None:
    assert normalise_phone(raw) is not None
    assert not phone_read_through_leaders(raw)


# -- real Tesseract on the real CT04, its date line filled -----------------------------------

REAL_FORMS = Path(__file__).resolve().parents[2] / "shared" / "real-forms" / "pdf"


@pytest.mark.slow
@pytest.mark.skipif(not (REAL_FORMS / "ct04.pdf").is_file(), reason="../shared absent")
def test_the_real_ct04s_date_line_in_its_signature_column_is_read(tmp_path: Path) -> None:
    # Its line "ngày.....tháng.....năm....." is one word in the PDF: the generator
    # painted over all of it and left "ng11" on the page, so no date could be read.
    # This copy's line reads "ngày18 tháng0l năm2024": the "0l" is repaired too.
    import json

    from cli.main import main
    from samples.real_forms import REAL, fill_real_form

    ct04 = next(form for form in REAL if form.file == "ct04")
    scan = fill_real_form(ct04, REAL_FORMS / "ct04.pdf", 2, 4242, tmp_path / "set")
    truth = json.loads((tmp_path / "set/tuned/truth" / f"{scan.name}.json").read_text())
    out = tmp_path / "out"
    assert main(["process", str(scan), "--out", str(out), "--jobs", "1", "--quiet"]) == 0
    result = json.loads((out / f"{scan.stem}.json").read_text())
    found = result["documents"][0]["fields"]["document_date"]
    assert found["value"] == truth["documents"][0]["expected"]["document_date"]
    assert found["page"] == 2


def test_the_heads_name_ends_where_the_next_item_starts(catalogue) -> None:
    # CT01's items 7 and 8 on one line, the name typed up to "8." whose dot was lost.
    ct01 = catalogue.document_types["to_khai_thay_doi_thong_tin_cu_tru"]
    text = "7. Họ, chữ đệm và tên chủ hộ:Nguyễn Thanh Nam 8 Mối quan hệ với chủ hộ:Vợ"
    fields = extract_fields([_form(_line(400, 0, text, 100))], ct01)
    assert fields["household_head_name"].value == "Nguyễn Thanh Nam"


def test_a_date_typed_over_the_blanks_printed_slashes_goes_to_review(catalogue) -> None:
    # CT01's blank is "........../........../.........."; a typed date overlapping it
    # keeps a printed slash after it, and one crossing its year made 1991 read 1961.
    ct01 = catalogue.document_types["to_khai_thay_doi_thong_tin_cu_tru"]
    page = _form(_line(300, 0, "2. Ngày, tháng, năm sinh: 10/08/1961 / — 3, GIỚI", 100))
    found = extract_fields([page], ct01)["applicant_dob"]
    assert found.value == "1961-08-10"
    assert found.review and "typed over the printed slashes" in found.problems


def test_a_dossier_code_typed_over_a_dotted_leader_keeps_its_first_part() -> None:
    # CT04's "Mã hồ sơ:.000..30.37.G01-240411-0107": the leader's dots beside the code's
    # own dot reached the check as a space, and "000" was dropped.
    from digitize.understand.checks import check_dossier_code

    checked = check_dossier_code("000 30.37.G01-240411-0107")
    assert checked.ok and checked.value == "000.30.37.G01-240411-0107"


def test_a_colon_read_inside_words_the_leader_joins_ends_no_label(catalogue) -> None:
    # CT04's "Nơi thường trú: Ấp 3,.xã.Bát:Tràng,.huyện.Gia.Lâm": the address was cut
    # to "Ấp", "3,.xã.Bát" taken for the next label.
    ct04 = catalogue.document_types["giay_tiep_nhan_ho_so"]
    text = "Nơi thường trú: Ấp 3,.xã.Bát:Tràng,.huyện.Gia.Lâm,.thành.phố Hà Nội......"
    found = extract_fields([_form(_line(400, 0, text, 100))], ct04)["address"]
    assert found.value == "Ấp 3, xã Bát Tràng, huyện Gia Lâm, thành phố Hà Nội"
