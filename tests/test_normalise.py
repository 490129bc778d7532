"""Value normalisers on raw OCR text after a label."""

from __future__ import annotations

import unicodedata

import pytest

from digitize.understand.normalise import (
    normalise_address,
    normalise_area,
    normalise_date,
    normalise_integer,
    normalise_money,
    normalise_name,
    normalise_phone,
    normalise_sex,
    normalise_text,
    normalise_year,
    repair_numbers,
    strip_leaders,
)
from digitize.understand.vietnamese import lexicon


@pytest.mark.parametrize(
    ("raw", "stripped"),
    [
        ("NGUYỄN VĂN AN ........", "NGUYỄN VĂN AN"),
        (": Nguyễn Văn An . . . . . ;", "Nguyễn Văn An"),
        ("Số nhà 12, đường Láng…… _____", "Số nhà 12, đường Láng"),
        ("  Kinh   ", "Kinh"),
        ("100.000.000 đồng.", "100.000.000 đồng"),
        ("Nam /", "Nam"),
        ("1.500.000.000 (Một tỷ đồng)", "1.500.000.000 (Một tỷ đồng)"),
        ("Hà Nội)", "Hà Nội"),
        ("..........", ""),
    ],
)
def test_strip_leaders(raw: str, stripped: str) -> None:
    assert strip_leaders(raw) == stripped


def test_strip_leaders_gives_nfc() -> None:
    assert strip_leaders(unicodedata.normalize("NFD", "Ánh ....")) == "Ánh"


# -- names ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "name"),
    [
        ("NGUYỄN VĂN AN", "Nguyễn Văn An"),
        ("nguyễn thị ánh", "Nguyễn Thị Ánh"),
        (unicodedata.normalize("NFD", "TRẦN THỊ ẢNH"), "Trần Thị Ảnh"),
        ("NGUYỄN VĂN AN ..........", "Nguyễn Văn An"),
        ("LÊ THỊ THUỶ HOÀ", "Lê Thị Thủy Hòa"),
        ("ĐẶNG  VĂN   ĐỨC", "Đặng Văn Đức"),
        ("H'HEN NIÊ", "H'Hen Niê"),
        ("Nguyễn Hoàng Việt +", "Nguyễn Hoàng Việt"),  # a speck read as a sign
    ],
)
def test_normalise_name(raw: str, name: str) -> None:
    assert normalise_name(raw) == name


@pytest.mark.parametrize("raw", ["", "   ", "........", "12345", "12/03/2019", "Nguyễn Văn 1"])
def test_normalise_name_refuses(raw: str) -> None:
    assert normalise_name(raw) is None


# -- dates -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "iso"),
    [
        ("12/03/2019", "2019-03-12"),
        ("12-3-2019", "2019-03-12"),
        ("12.03.2019", "2019-03-12"),
        ("1/1/2000", "2000-01-01"),
        ("ngày 12 tháng 3 năm 2019", "2019-03-12"),
        ("Ngày 05 tháng 01 năm 2020", "2020-01-05"),
        ("NGÀY 5 THÁNG 1 NĂM 2020.", "2020-01-05"),
        ("Hà Nội, ngày 05 tháng 01 năm 2020", "2020-01-05"),
        ("ngay 12 thang 3 nam 2019", "2019-03-12"),
        (unicodedata.normalize("NFD", "ngày 12 tháng 3 năm 2019"), "2019-03-12"),
        ("O5/O1/2020", "2020-01-05"),
        ("l2/03/2019", "2019-03-12"),
        ("ngày l2 tháng O3 năm 2Ol9", "2019-03-12"),
        # an "i" or "!" read for the 1 glued to the date's word (scanned CT04 receipts)
        ("ngàyi6 tháng01 năm2023", "2023-01-16"),
        ("ngày30 tháng!2 năm2024", "2024-12-30"),
        ("ngàyl1! tháng04 năm2024", "2024-04-11"),  # a "!" after the digits is a speck
        ("1,6/02/19-76 — 3. Giới", "1976-02-16"),  # leader dots, one drawn long
        ("12 / 03 / 2019", "2019-03-12"),
        ("12/03/2019 ........", "2019-03-12"),
        ("2019-03-12", "2019-03-12"),
        ("29/02/2024", "2024-02-29"),
        ("31/12/1900", "1900-12-31"),
    ],
)
def test_normalise_date(raw: str, iso: str) -> None:
    assert normalise_date(raw) == iso


@pytest.mark.parametrize(
    "raw",
    [
        "31/02/2019",  # no such day
        "29/02/2023",  # not a leap year
        "12/13/2019",  # no 13th month
        "00/01/2019",
        "01/01/1899",  # before 1900
        "01/01/2101",  # after 2100
        "12/03/19",  # two-digit year: century unknown
        "ngày ..... tháng ..... năm .....",
        "tháng 3 năm 2019",
        "",
        "Nguyễn Văn An",
    ],
)
def test_normalise_date_refuses(raw: str) -> None:
    assert normalise_date(raw) is None


@pytest.mark.parametrize(
    ("raw", "year"),
    [
        ("1985", 1985),
        ("Năm sinh: 1985", 1985),
        ("l985", 1985),
        ("12/03/1985", 1985),
        ("ngày 05 tháng 01 năm 2020", 2020),
        ("1900", 1900),
        ("2100", 2100),
    ],
)
def test_normalise_year(raw: str, year: int) -> None:
    assert normalise_year(raw) == year


@pytest.mark.parametrize("raw", ["", "85", "1899", "3000", "1985 - 1990", "năm"])
def test_normalise_year_refuses(raw: str) -> None:
    assert normalise_year(raw) is None


# -- sex -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "sex"),
    [
        ("Nam", "male"),
        ("NAM", "male"),
        ("nam", "male"),
        ("Male", "male"),
        ("M", "male"),
        ("Nam / Male", "male"),
        ("Nam .......", "male"),
        ("Nữ", "female"),
        ("NỮ", "female"),
        ("Nu", "female"),
        ("Female", "female"),
        ("F", "female"),
        ("Nữ/Female", "female"),
        (unicodedata.normalize("NFD", "Nữ"), "female"),
        ("Giới tính: Nữ", "female"),
    ],
)
def test_normalise_sex(raw: str, sex: str) -> None:
    assert normalise_sex(raw) == sex


@pytest.mark.parametrize("raw", ["", "Nam/Nữ", "Nam Định", "Kinh", "X", "Nam / Female"])
def test_normalise_sex_refuses(raw: str) -> None:
    assert normalise_sex(raw) is None


# -- numbers ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "repaired"),
    [
        ("O5/O1/2020", "05/01/2020"),
        ("l2/03/2019", "12/03/2019"),
        ("1OO.OOO.OOO đồng", "100.000.000 đồng"),
        ("1.OOO.OOO", "1.000.000"),
        ("Tờ số I2", "Tờ số 12"),
        ("2019lô", "2019lô"),  # the l starts the word "lô"
        ("lo Ông Ol", "lo Ông Ol"),  # no digits: never touched
        ("Nam / Male", "Nam / Male"),
    ],
)
def test_repair_numbers_only_inside_numbers(raw: str, repaired: str) -> None:
    assert repair_numbers(raw) == repaired


@pytest.mark.parametrize(
    ("raw", "amount"),
    [
        ("100.000.000 đồng", 100_000_000),
        ("100.000.000đ", 100_000_000),
        ("100,000,000 VNĐ", 100_000_000),
        ("100 000 000", 100_000_000),
        ("1.500.000.000 (Một tỷ năm trăm triệu đồng)", 1_500_000_000),
        ("1OO.OOO.OOO đồng", 100_000_000),
        ("1oo.ooo.ooo đồng", 100_000_000),
        ("500,000 đ", 500_000),
        ("100.000.000,00 đồng", 100_000_000),
        ("1,5 tỷ đồng", 1_500_000_000),
        ("500 triệu đồng", 500_000_000),
        ("Vốn kinh doanh: 200.000.000 đồng .......", 200_000_000),
        ("50000", 50_000),
    ],
)
def test_normalise_money(raw: str, amount: int) -> None:
    assert normalise_money(raw) == amount


@pytest.mark.parametrize(
    "raw", ["", "đồng", "Một tỷ đồng", "12.5 đ", "100.00.000 đồng", "...................."]
)
def test_normalise_money_refuses(raw: str) -> None:
    assert normalise_money(raw) is None


@pytest.mark.parametrize(
    ("raw", "area"),
    [
        ("125,5 m2", 125.5),
        ("125,5m²", 125.5),
        ("125.5 m2", 125.5),
        ("1.250,5 m2", 1250.5),
        ("125 m2", 125.0),
        ("1.250 m2", 1250.0),  # dot before three digits: thousands
        ("1,25 m2", 1.25),
        ("0,5 ha", 5000.0),
        ("Diện tích: 125,5 m2 (Một trăm hai mươi lăm phẩy năm mét vuông)", 125.5),
        ("125,5 m2 ..........", 125.5),
    ],
)
def test_normalise_area(raw: str, area: float) -> None:
    assert normalise_area(raw) == pytest.approx(area)


@pytest.mark.parametrize("raw", ["", "m2", "mét vuông", "12.34.56 m2"])
def test_normalise_area_refuses(raw: str) -> None:
    assert normalise_area(raw) is None


@pytest.mark.parametrize(
    ("raw", "number"),
    [
        ("123", 123),
        ("Thửa đất số: 123", 123),
        ("Thửa đất số: 123 ..........", 123),
        ("l23", 123),
        ("1O5", 105),
        ("Tờ bản đồ số: I2", 12),
        ("3.1. Thửa đất số: 45", 45),  # the numbering is not the value
        ("1.234", 1234),
        ("12a", 12),
    ],
)
def test_normalise_integer(raw: str, number: int) -> None:
    assert normalise_integer(raw) == number


@pytest.mark.parametrize("raw", ["", "không", "12, 13", "12,5", "Thửa 12, tờ 5"])
def test_normalise_integer_refuses(raw: str) -> None:
    assert normalise_integer(raw) is None


# -- phone numbers -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "phone"),
    [
        ("0912345678", "0912345678"),
        ("0912 345 678", "0912345678"),
        ("0912.345.678", "0912345678"),
        ("0912-345-678", "0912345678"),
        ("(024) 3825 1234", "02438251234"),
        ("04 3825 1234", "0438251234"),
        ("+84 912 345 678", "0912345678"),
        ("+84 (0) 912 345 678", "0912345678"),
        ("84912345678", "0912345678"),
        ("ĐT: O912 345 678", "0912345678"),
        ("0912 345 678 - 0987 654 321", "0912345678"),
        ("0912345678; 0987654321", "0912345678"),
    ],
)
def test_normalise_phone(raw: str, phone: str) -> None:
    assert normalise_phone(raw) == phone


@pytest.mark.parametrize(
    "raw",
    ["", "12345", "079085001234", "912345678", "1912345678", "12/03/2019", "09837092549"],
)
def test_normalise_phone_refuses(raw: str) -> None:
    assert normalise_phone(raw) is None


# -- text ------------------------------------------------------------------------------------


def test_normalise_text() -> None:
    assert normalise_text("  Xã Hoà Bình, huyện  Lương Sơn . . . . .") == (
        "Xã Hòa Bình, huyện Lương Sơn"
    )
    assert normalise_text(unicodedata.normalize("NFD", "Kinh")) == "Kinh"
    assert normalise_text("............") is None
    assert normalise_text("") is None
    # signs typed text never holds are specks OCR read
    assert normalise_text("Ung thư phổi °") == "Ung thư phổi"
    assert normalise_text("phường Bến Nghé, quận †1") == "phường Bến Nghé, quận 1"
    assert normalise_text("Công an phường Thuận Thành, thành phố- Huế") == (
        "Công an phường Thuận Thành, thành phố Huế"
    )


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("NGUYÊN VĂN AN", "Nguyễn Văn An"),  # the tilde lost: no family name "Nguyên"
        ("Tràn Thị Bình", "Trần Thị Bình"),
        ("Lã Văn Bình", "Lã Văn Bình"),  # a family name as read is kept
        ("Lê Thảo Nguyên", "Lê Thảo Nguyên"),  # a given name is never touched
        ("Thảo", "Thảo"),  # one word: no family name to repair
    ],
)
def test_a_family_name_with_misread_marks_is_given_back(raw: str, expected: str) -> None:
    assert normalise_name(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (
            "Số 5, phường Lộc Thọ thành phố Nha Trang tỉnh Khánh Hòa",
            "Số 5, phường Lộc Thọ, thành phố Nha Trang, tỉnh Khánh Hòa",
        ),
        ("Số 3, ngõ 126, phố Phan Đình Phùng", "Số 3, ngõ 126, phố Phan Đình Phùng"),
        (
            "Thôn Phú Lộc thị trấn Trâu Quỳ, huyện Gia Lâm",
            "Thôn Phú Lộc, thị trấn Trâu Quỳ, huyện Gia Lâm",
        ),
        ("xã Hà Thượng, huyện Đại Từ ......", "xã Hà Thượng, huyện Đại Từ"),
    ],
)
def test_an_address_gets_the_commas_ocr_lost(raw: str, expected: str) -> None:
    assert normalise_address(raw) == expected


@pytest.mark.parametrize(
    ("raw", "want"),
    [
        ("Gông an xã Hòa Phong", "Công an xã Hòa Phong"),
        ("Cộng an phường Suối Hoa", "Công an phường Suối Hoa"),
        ("Công .an thị trấn Quán Hành", "Công an thị trấn Quán Hành"),
        ("Công an phường, .Hố Nai", "Công an phường Hố Nai"),
        ("Ủy bạn nhân dân phường Lạch Tray", "Ủy ban nhân dân phường Lạch Tray"),
        # Not before a unit, or too far from the body's name: left as read.
        ("Cộng an", "Cộng an"),
        ("Cộng đồng xã viên", "Cộng đồng xã viên"),
        ("thôn Hồng An xã Phú Lộc", "thôn Hồng An xã Phú Lộc"),
        # Abbreviations keep their dots.
        ("TP. Huế", "TP. Huế"),
        ("P.12, Q.3", "P.12, Q.3"),
    ],
)
def test_misread_bodies_and_leader_dots_are_repaired(raw: str, want: str) -> None:
    assert normalise_text(raw) == want


def test_a_leader_dot_inside_a_name_or_after_a_unit_is_dropped() -> None:
    assert normalise_name("Vũ T.hùy Mai") == "Vũ Thùy Mai"
    assert normalise_name("Trần Văn.toàn") == "Trần Văn Toàn"
    # A letter read twice, where one of the two makes the word a syllable again.
    assert normalise_name("Nguyễn Thịi Mỹ") == "Nguyễn Thị Mỹ"
    assert normalise_name("Nguyễn Quuốc Vĩnh") == "Nguyễn Quốc Vĩnh"
    assert normalise_name("Đđoàn Thanh Oanh") == "Đoàn Thanh Oanh"
    assert normalise_name("Hoàng Ngọc Oanh") == "Hoàng Ngọc Oanh"
    # A letter too many, when only one syllable can be made by dropping one.
    assert normalise_name("Nguyễn Văn Hưngổ") == "Nguyễn Văn Hưng"
    assert normalise_name("Ingô Quốc Thành") == "Ingô Quốc Thành"  # "Ngô" or "Ing"
    # Names of the Tây Nguyên peoples are not Vietnamese syllables: left as read.
    for name in ("H'Hen Niê", "Y-Moan Ênuôl", "Y-Moan Êban", "Ksor Kpă", "Rơ Châm Mlô"):
        assert normalise_name(name) == name
    assert normalise_text("thư: an.nguyen@mail.vn") == "thư: an.nguyen@mail.vn"
    assert normalise_address("Số 12, phường, .Hố Nai, TP.HCM") == "Số 12, phường Hố Nai, TP.HCM"
    assert normalise_address("phường 17, quận Gò Vấp") == "phường 17, quận Gò Vấp"


def test_the_word_list_comes_from_tesseracts_own_model() -> None:
    words = lexicon()
    assert len(words) > 2000  # the written syllables of Vietnamese, not a handful
    assert {"nguyễn", "quốc", "thùy", "hòa"} <= words
    assert not {"nguyẫn", "quấc", "thịi"} & words


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        # â, ê and ô confused under a tone mark (Tesseract's stacked marks)
        ("Nguyẫn Quấc Sơn", "Nguyễn Quốc Sơn"),
        ("HOÀNG QUẤC VIỆT", "Hoàng Quốc Việt"),
        # a letter too many, whichever it is, when one word of the list is left
        ("Vñũ Thùy Mai", "Vũ Thùy Mai"),
        ("Đđoàn Văn Hưngổ", "Đoàn Văn Hưng"),
        # several words reachable, or none: as read
        ("Đâ Quang Lộc", "Đâ Quang Lộc"),
        ("Nguyễn Thị Mỹ Ngc", "Nguyễn Thị Mỹ Ngc"),
    ],
)
def test_a_name_word_not_in_the_word_list_is_respelled_when_one_way_fits(
    raw: str, expected: str
) -> None:
    assert normalise_name(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Trần.văn.toàn", "Trần Văn Toàn"),  # every dot, not every other one
        ("Vũ..T.hùy.Mai", "Vũ Thùy Mai"),  # a dot before the next word's capital
        ("Nguyễn..T.hịi.Mỹ.Ngọc", "Nguyễn Thị Mỹ Ngọc"),
    ],
)
def test_a_name_typed_over_a_dotted_blank_loses_every_dot(raw: str, expected: str) -> None:
    assert normalise_name(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        # a mark misread on the word before a number
        ("Số 48, ngỗ 48, phố Quang Trung", "Số 48, ngõ 48, phố Quang Trung"),
        ("Sộ 5, Ấp 3, xã An Phú", "Số 5, Ấp 3, xã An Phú"),
        # a name is not a numbered place: "Ngô Quyền" stays
        ("Số 12 phố Ngô Quyền, quận Hoàn Kiếm", "Số 12 phố Ngô Quyền, quận Hoàn Kiếm"),
        # a dash between a unit word and its name
        ("phường Đông Ngàn, thành phố -Từ Sơn", "phường Đông Ngàn, thành phố Từ Sơn"),
    ],
)
def test_an_address_has_its_place_words_spelled(raw: str, expected: str) -> None:
    assert normalise_address(raw) == expected
