"""Personal ID numbers and dossier codes: structure, OCR repair, cross-checks."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from digitize.understand.checks import (
    check_dossier_code,
    check_id_number,
    find_dossier_codes,
    load_provinces,
    repair_digits,
)

# -- digit repair ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "repaired"),
    [
        ("079085001234", "079085001234"),
        ("O01O9O012345", "001090012345"),
        ("o79l85OOI234", "079185001234"),
        ("O79 O85 OO1 234", "079085001234"),
        ("0790.8500.1234", "079085001234"),
        ("S1B2Z3G4D5Q6|7!8i9", "518223640506171819"),
        ("Số: 079 085 001 234", "Số: 079085001234"),  # words around: only spacing dropped
        ("OOlOIO", "OOlOIO"),  # more look-alikes than digits: not a number
        ("BỘ 12", "BỘ 12"),
        ("", ""),
    ],
)
def test_repair_digits(raw: str, repaired: str) -> None:
    assert repair_digits(raw) == repaired


def test_t_is_not_repaired_to_7() -> None:
    assert repair_digits("0T9085001234") == "0T9085001234"


# -- provinces -------------------------------------------------------------------------------


def test_provinces_are_the_63_pre_2025_codes() -> None:
    provinces = load_provinces()
    assert len(provinces) == 63
    assert provinces["001"] == "Hà Nội"
    assert provinces["002"] == "Hà Giang"
    assert provinces["019"] == "Thái Nguyên"
    assert provinces["048"] == "Đà Nẵng"
    assert provinces["075"] == "Đồng Nai"
    assert provinces["077"] == "Bà Rịa - Vũng Tàu"
    assert "Hồ Chí Minh" in provinces["079"]
    assert provinces["096"] == "Cà Mau"
    # The odd gaps are real.
    for missing in ("000", "003", "005", "007", "009", "013", "097", "099"):
        assert missing not in provinces
    assert all(len(code) == 3 and code.isdigit() for code in provinces)
    assert min(provinces) == "001" and max(provinces) == "096"


def test_load_provinces_returns_a_copy() -> None:
    load_provinces()["001"] = "changed"
    assert load_provinces()["001"] == "Hà Nội"


def test_load_provinces_from_another_file(tmp_path: Path) -> None:
    path = tmp_path / "provinces.toml"
    path.write_text('[codes]\n"001" = "Hà Nội"\n"999" = "Thử"\n', encoding="utf-8")
    assert load_provinces(path) == {"001": "Hà Nội", "999": "Thử"}


@pytest.mark.parametrize(
    "content", ['[codes]\n"1" = "Hà Nội"\n', '[other]\n"001" = "Hà Nội"\n', '[codes]\n"001" = ""\n']
)
def test_load_provinces_refuses_a_bad_file(tmp_path: Path, content: str) -> None:
    path = tmp_path / "provinces.toml"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(ValueError, match=r"provinces\.toml"):
        load_provinces(path)


# -- personal ID numbers ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("number", "sex", "birth_year"),
    [
        ("001085001234", "male", 1985),
        ("001190012345", "female", 1990),
        ("001205000001", "male", 2005),
        ("001310000002", "female", 2010),
        ("001401000003", "male", 2101),
        ("001500000004", "female", 2100),
        ("001099123456", "male", 1999),
        ("001300000000", "female", 2000),
    ],
)
def test_century_and_sex_digit(number: str, sex: str, birth_year: int) -> None:
    checked = check_id_number(number)
    assert checked.ok
    assert checked.problems == ()
    assert checked.value == number
    assert checked.province == "Hà Nội"
    assert checked.sex == sex
    assert checked.birth_year == birth_year
    assert not checked.repaired


@pytest.mark.parametrize("digit", "6789")
def test_century_digit_above_5_is_a_problem(digit: str) -> None:
    checked = check_id_number(f"079{digit}85001234")
    assert not checked.ok
    assert checked.problems == (f"century and sex digit {digit} is not 0-5",)
    assert checked.sex is None and checked.birth_year is None
    assert checked.province == "Thành phố Hồ Chí Minh"


@pytest.mark.parametrize("code", ["000", "003", "099", "100"])
def test_unknown_province_code(code: str) -> None:
    checked = check_id_number(f"{code}085001234")
    assert not checked.ok
    assert checked.problems == (f"unknown province code {code}",)
    assert checked.province is None
    assert checked.birth_year == 1985  # still read


def test_provinces_can_be_given() -> None:
    assert check_id_number("999085001234", provinces={"999": "Thử"}).ok
    assert not check_id_number("001085001234", provinces={"999": "Thử"}).ok


def test_dob_must_match_the_birth_year() -> None:
    assert check_id_number("079090001234", dob="1990-05-02").ok
    checked = check_id_number("079090001234", dob="1991-05-02")
    assert not checked.ok
    assert checked.problems == ("birth year 1990 in the number, 1991 on the document",)
    # A birth year alone (as a callers' "YYYY-01-01") is compared the same way.
    assert check_id_number("079090001234", dob="1990-01-01").ok
    # A century off: the two-digit year matches but the century digit does not.
    checked = check_id_number("079090001234", dob="2090-05-02")
    assert checked.problems == ("birth year 1990 in the number, 2090 on the document",)


def test_unreadable_dob_is_not_held_against_the_number() -> None:
    assert check_id_number("079090001234", dob="không rõ").ok
    assert check_id_number("079090001234", dob="").ok


def test_sex_must_match_the_sex_digit() -> None:
    assert check_id_number("079190001234", sex="female").ok
    checked = check_id_number("079190001234", sex="male")
    assert not checked.ok
    assert checked.problems == ("sex digit says female, document says male",)
    # The document's own words are understood too.
    assert check_id_number("079190001234", sex="Nữ").ok
    assert not check_id_number("079090001234", sex="NỮ").ok
    assert check_id_number("079090001234", sex="?").ok


def test_every_problem_is_reported() -> None:
    checked = check_id_number("099090001234", dob="1991-01-01", sex="female")
    assert checked.problems == (
        "unknown province code 099",
        "birth year 1990 in the number, 1991 on the document",
        "sex digit says male, document says female",
    )


@pytest.mark.parametrize(
    ("raw", "value"),
    [
        ("O01O9O012345", "001090012345"),
        ("o79l85OOI234", "079185001234"),
        ("O79 O85 OO1 234", "079085001234"),
        ("Số: O79O85OO1234", "079085001234"),
    ],
)
def test_ocr_confusions_are_repaired(raw: str, value: str) -> None:
    checked = check_id_number(raw)
    assert checked.ok
    assert checked.value == value
    assert checked.repaired


@pytest.mark.parametrize(
    "raw",
    [
        "079 085 001 234",
        "0790.8500.1234",
        "079085001234 ..........",
        "Số: 079085001234",
        "Số / No.: 079085001234",
        "Số CMND/CCCD: 079085001234",
        "079085001234 cấp ngày 12/03/2019",
        "079085001234 12/03/2019",
    ],
)
def test_the_number_is_found_among_other_words(raw: str) -> None:
    checked = check_id_number(raw)
    assert checked.ok, checked.problems
    assert checked.value == "079085001234"
    assert not checked.repaired


@pytest.mark.parametrize(
    ("raw", "value"),
    [
        ("07908500123", "07908500123"),  # 11
        ("0790850012345", "0790850012345"),  # 13
        ("025123456", "025123456"),  # an old 9-digit identity card number
    ],
)
def test_wrong_length(raw: str, value: str) -> None:
    checked = check_id_number(raw)
    assert not checked.ok
    assert checked.problems == ("not 12 digits",)
    assert checked.value == value
    assert checked.province is None and checked.sex is None and checked.birth_year is None


@pytest.mark.parametrize("raw", ["", "   ", "không có", "........"])
def test_nothing_to_read(raw: str) -> None:
    checked = check_id_number(raw)
    assert not checked.ok
    assert checked.value is None
    assert checked.problems == ("not 12 digits",)


# -- dossier codes ---------------------------------------------------------------------------

GOOD = "000.00.13.H12-240115-0042"


def test_a_valid_dossier_code() -> None:
    checked = check_dossier_code(GOOD)
    assert checked.ok
    assert checked.problems == ()
    assert checked.value == GOOD
    assert not checked.repaired
    assert checked.parsed is not None
    assert checked.parsed.value == GOOD
    assert checked.parsed.unit == "000.00.13.H12"
    assert checked.parsed.received == date(2024, 1, 15)
    assert checked.parsed.sequence == 42


@pytest.mark.parametrize(
    "raw",
    [
        "000.00.13.H12 - 240115 - 0042",
        "000 . 00 . 13 . H12-240115-0042",
        "000.00.13.H12–240115–0042",  # en dashes
        "000.00.13.H12—240115—0042",  # em dashes
        "000.00.13.H12\u2212240115\u22120042",  # minus signs
        "  000.00.13.H12-240115-0042.  ",
        "Mã hồ sơ: 000.00.13.H12-240115-0042",
    ],
)
def test_spacing_dashes_and_labels_are_not_repairs(raw: str) -> None:
    checked = check_dossier_code(raw)
    assert checked.ok, checked.problems
    assert checked.value == GOOD
    assert not checked.repaired


@pytest.mark.parametrize(
    ("raw", "value"),
    [
        ("OOO.OO.l3.H12-24O115-OO42", GOOD),
        ("000.00.13.H12-24OIIS-0042", "000.00.13.H12-240115-0042"),
        ("000.00.I3.HI2-240115-0O42", GOOD),
        ("000.00.13.h12-240115-0042", GOOD),  # lower-case letter
        ("000,00,13,H12-240115-0042", GOOD),  # commas read for dots
        ("000.,00.13.,H12-240115-0042", GOOD),  # a dot read as dot and comma
        ("000.00.13.812-240115-0042", "000.00.13.B12-240115-0042"),  # 8 where a letter must be
        ("000.00.13.512-240115-0042", "000.00.13.S12-240115-0042"),
        ("000.00.13.112-240115-0042", "000.00.13.I12-240115-0042"),
        ("OOO . OO . 13 . H12 – 24O115 – OO42", GOOD),
    ],
)
def test_ocr_confusions_repaired_where_the_structure_demands(raw: str, value: str) -> None:
    checked = check_dossier_code(raw)
    assert checked.ok, checked.problems
    assert checked.value == value
    assert checked.repaired


@pytest.mark.parametrize(
    ("raw", "problem"),
    [
        ("000.00.13.H12-241315-0042", "date 241315 is not a valid YYMMDD"),
        ("000.00.13.H12-240230-0042", "date 240230 is not a valid YYMMDD"),
        ("000.00.13.H12-24011-0042", "date 24011 is not 6 digits (YYMMDD)"),
        ("000.00.13.Z12-240115-0042", "letter Z of MX1X2 Z12 is not A–Y"),
        ("000.00.13.312-240115-0042", "letter 3 of MX1X2 312 is not A–Y"),
        ("000.00.13.HH2-240115-0042", "MX1X2 HH2 is not a letter A–Y and two digits"),
        ("000.0.13.H12-240115-0042", "Z1Z2 0 is not 2 digits"),
        ("0A0.00.13.H12-240115-0042", "V1V2V3 0A0 is not 3 digits"),
        ("000.00.H12-240115-0042", "unit 000.00.H12 has 3 parts, V1V2V3.Z1Z2.Y1Y2.MX1X2 has 4"),
        ("000.00.13.H12-240115-004", "sequence 004 is not 4 digits"),
        (
            "000.00.13.H12-240115",
            "000.00.13.H12-240115 has 2 dash-separated parts, "
            "V1V2V3.Z1Z2.Y1Y2.MX1X2-YYMMDD-XXXX has 3",
        ),
    ],
)
def test_malformed_codes_say_why_and_keep_what_was_read(raw: str, problem: str) -> None:
    checked = check_dossier_code(raw)
    assert not checked.ok
    assert problem in checked.problems
    assert checked.value == raw
    assert checked.parsed is None
    assert not checked.repaired


def test_every_broken_part_is_reported() -> None:
    checked = check_dossier_code("000.00.13.Z12-241315-04")
    assert checked.problems == (
        "letter Z of MX1X2 Z12 is not A–Y",
        "date 241315 is not a valid YYMMDD",
        "sequence 04 is not 4 digits",
    )


def test_the_variant_layout_seen_in_the_wild() -> None:
    checked = check_dossier_code("H15.50.05.13-261008-0975")
    assert not checked.ok
    assert checked.value == "H15.50.05.13-261008-0975"
    assert checked.parsed is None
    assert len(checked.problems) == 1
    assert "variant layout" in checked.problems[0]
    assert "V1V2V3.Z1Z2.Y1Y2.MX1X2" in checked.problems[0]


@pytest.mark.parametrize("raw", ["", "   ", "Không có mã"])
def test_no_code(raw: str) -> None:
    checked = check_dossier_code(raw)
    assert not checked.ok
    assert checked.parsed is None
    assert checked.problems


def test_find_dossier_codes_in_ocr_text() -> None:
    text = (
        "UBND XÃ HÒA BÌNH\n"
        "GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ\n"
        "Mã hồ sơ: OOO.OO.13.H12 - 24O115 - OO42\n"
        "Hồ sơ liên quan: H15.50.05.13-261008-0975 và 000.00.13.H12–240230–0001.\n"
        "Số điện thoại 0912.345.678, ngày 15/01/2024, theo Nghị định 61/2018/NĐ-CP;\n"
        "CCCD số 079085001234. Tờ khai mẫu số 04a/ĐK-GCN.\n"
        "Mã: 000.00.13.G07-\n240116-0001"
    )
    found = find_dossier_codes(text)
    assert [item.value for item in found] == [
        GOOD,
        "H15.50.05.13-261008-0975",
        "000.00.13.H12-240230-0001",
        "000.00.13.G07-240116-0001",
    ]
    first, variant, bad_date, split = found
    assert first.ok and first.repaired
    assert first.parsed is not None and first.parsed.received == date(2024, 1, 15)
    assert not variant.ok and "variant layout" in variant.problems[0]
    assert not bad_date.ok and bad_date.problems == ("date 240230 is not a valid YYMMDD",)
    assert split.ok and not split.repaired


def test_find_dossier_codes_in_text_without_any() -> None:
    assert find_dossier_codes("Tờ khai đăng ký khai sinh, ngày 12/03/2019, số 079085001234") == []
    assert find_dossier_codes("") == []
