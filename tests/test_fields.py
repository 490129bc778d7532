"""Field extraction on pages laid out like typed forms, OCR slips included."""

from __future__ import annotations

import pytest

from digitize.understand import load_catalogue
from digitize.understand.fields import extract_fields
from tests.understand_helpers import page


@pytest.fixture(scope="module")
def catalogue():
    return load_catalogue()


def test_labels_values_leaders_and_shared_lines(catalogue) -> None:
    ct01 = catalogue.document_types["to_khai_thay_doi_thong_tin_cu_tru"]
    form = page(
        1,
        "Mẫu CT01",
        "TỜ KHAI THAY ĐỔI THÔNG TIN CƯ TRÚ",
        "Kính gửi(1): Công an phường Dịch Vọng, quận Cầu Giấy, thành phố Hà Nội",
        "1) Họ, chữ đệm và tên: NGUYỄN VĂN AN ....................",
        "2) Ngày, tháng, năm sinh: 12/03/1990 ...... 3) Giới tính: Nam ......",
        "4) Số định danh cá nhân: 001090012345 ..........",
        "5) Số điện thoại liên hệ: 0912 345 678 ...... 6) Email: an@example.vn ....",
        "7) Họ, chữ đệm và tên chủ hộ: TRẦN THỊ BÌNH ..... 8) Mối quan hệ với chủ hộ: Chồng ..",
        "9) Số định danh cá nhân của chủ hộ: 001191054321 ........",
        "10) Nội dung đề nghị(2): Đăng ký tạm trú tại nhà chị gái ......",
        "Hà Nội, ngày 15 tháng 01 năm 2024",
    )
    fields = extract_fields([form], ct01)
    values = {name: item.value for name, item in fields.items()}
    assert values["applicant_name"] == "Nguyễn Văn An"
    assert values["applicant_dob"] == "1990-03-12"
    assert values["applicant_sex"] == "male"
    assert values["id_number"] == "001090012345"
    assert values["phone"] == "0912345678"
    assert values["household_head_name"] == "Trần Thị Bình"
    assert values["household_head_id_number"] == "001191054321"
    assert values["residence_request"] == "Đăng ký tạm trú tại nhà chị gái"
    assert values["document_date"] == "2024-01-15"
    assert values["issuer"].startswith("Công an phường Dịch Vọng")
    assert not fields["id_number"].review
    # The box covers the value's words only: the label and leaders are left out.
    x0, y0, _, y1 = fields["id_number"].bbox
    assert (y0, y1) == (100 + 5 * 40, 100 + 5 * 40 + 30)
    assert x0 > 100 + len("4) Số định danh cá nhân:") * 10
    assert fields["id_number"].page == 1


def test_ocr_slips_in_labels_are_forgiven(catalogue) -> None:
    ly_lich = catalogue.document_types["to_khai_ly_lich_tu_phap"]
    form = page(
        1,
        "1) Ho va ten: LÊ THỊ HOA ........",  # no diacritics read
        "3) Giói tính: Nữ ...... 4) Ngày, thảng, năm sỉnh: 05-7-1985 ....",
        "10) Số định danh cả nhân: O01185O12345 ...... Cấp ngày: 01/02/2021 ....",
    )
    fields = extract_fields([form], ly_lich)
    assert fields["applicant_name"].value == "Lê Thị Hoa"
    assert fields["applicant_sex"].value == "female"
    assert fields["applicant_dob"].value == "1985-07-05"
    # O read for 0 is repaired because an ID number is digits only.
    assert fields["id_number"].value == "001185012345"


def test_the_second_occurrence_of_a_shared_label(catalogue) -> None:
    dat_dai = catalogue.document_types["don_dang_ky_dat_dai"]
    form = page(
        1,
        "1.1. Tên (viết chữ in hoa): PHẠM VĂN CƯỜNG ......",
        "Năm sinh: 1975 ...... Số định danh cá nhân: 036075001122 .....",
        "Họ tên vợ/chồng: ĐỖ THỊ MAI .....",
        "Năm sinh: 1978 ...... Số định danh cá nhân: 036178003344 .....",
        "3.1. Thửa đất số: 125 ...... 3.2. Tờ bản đồ số: 07 ......",
        "3.4. Diện tích: 125,5 m2 ...... sử dụng chung: không ....",
    )
    fields = extract_fields([form], dat_dai)
    assert fields["id_number"].value == "036075001122"
    assert fields["spouse_id_number"].value == "036178003344"
    assert fields["applicant_birth_year"].value == 1975
    assert fields["land_parcel"].value == 125
    assert fields["map_sheet"].value == 7
    assert fields["land_area_m2"].value == pytest.approx(125.5)
    assert not fields["id_number"].review  # born 1975, male century digit 0: consistent


def test_an_id_number_that_contradicts_the_document_is_flagged(catalogue) -> None:
    ct01 = catalogue.document_types["to_khai_thay_doi_thong_tin_cu_tru"]
    form = page(
        1,
        "1) Họ, chữ đệm và tên: NGUYỄN THỊ LAN ......",
        "2) Ngày, tháng, năm sinh: 12/03/1991 ...... 3) Giới tính: Nữ ......",
        "4) Số định danh cá nhân: 001090012345 ......",  # says a man born in 1990
    )
    item = extract_fields([form], ct01)["id_number"]
    assert item.review
    assert any("1990" in problem for problem in item.problems)
    assert any("male" in problem for problem in item.problems)


def test_a_value_under_its_label_and_a_value_that_wraps(catalogue) -> None:
    ct01 = catalogue.document_types["to_khai_thay_doi_thong_tin_cu_tru"]
    form = page(
        1,
        "1) Họ, chữ đệm và tên:",
        "HOÀNG MINH TUẤN",
        "10) Nội dung đề nghị(2): Đăng ký thường trú tại số 12 ngõ 34 đường Láng, phường",
        "Láng Thượng, quận Đống Đa, thành phố Hà Nội",
        "11) Những thành viên trong hộ gia đình cùng thay đổi: không .....",
    )
    fields = extract_fields([form], ct01)
    assert fields["applicant_name"].value == "Hoàng Minh Tuấn"
    assert fields["residence_request"].value == (
        "Đăng ký thường trú tại số 12 ngõ 34 đường Láng, phường Láng Thượng, quận Đống Đa, "
        "thành phố Hà Nội"
    )


def test_required_fields_that_are_missing_are_listed_for_review(catalogue) -> None:
    ct01 = catalogue.document_types["to_khai_thay_doi_thong_tin_cu_tru"]
    fields = extract_fields([page(1, "TỜ KHAI THAY ĐỔI THÔNG TIN CƯ TRÚ")], ct01)
    assert fields["id_number"].value is None and fields["id_number"].review
    assert fields["id_number"].problems == ("not found",)
    assert "phone" not in fields  # optional and absent: not invented


def test_low_ocr_confidence_sends_a_field_to_review(catalogue) -> None:
    ct01 = catalogue.document_types["to_khai_thay_doi_thong_tin_cu_tru"]
    form = page(1, "1) Họ, chữ đệm và tên: NGUYỄN VĂN AN ......", confidence=0.4)
    item = extract_fields([form], ct01)["applicant_name"]
    assert item.value == "Nguyễn Văn An"
    assert item.review and item.confidence < 0.6


def test_a_receipt_dossier_code_is_checked_against_its_structure(catalogue) -> None:
    receipt = catalogue.document_types["giay_tiep_nhan_ho_so"]
    good = extract_fields([page(1, "Mã hồ sơ: 000.00.13.H12-240115-0042")], receipt)
    assert good["dossier_code"].value == "000.00.13.H12-240115-0042"
    assert not good["dossier_code"].review
    bad = extract_fields([page(1, "Mã hồ sơ: 000.00.13.H12-241315-0042")], receipt)
    assert bad["dossier_code"].review and bad["dossier_code"].problems


def test_values_end_at_a_wide_blank_when_ocr_dropped_the_leaders(catalogue) -> None:
    ct01 = catalogue.document_types["to_khai_thay_doi_thong_tin_cu_tru"]
    form = page(
        1,
        "2) Ngày, tháng, năm sinh: 12/03/1990    3) Giới tính: Nam",
        "5) Số điện thoại liên hệ: 0912345678 Email: an@example.vn",
        "7) Họ, chữ đệm và tên chủ hộ: Trần Thị Bình    8) Mối quan hệ với chủ hộ: Vợ",
    )
    fields = extract_fields([form], ct01)
    assert fields["applicant_dob"].value == "1990-03-12"
    assert fields["applicant_sex"].value == "male"
    assert fields["phone"].value == "0912345678"  # "Email" is no label we know: one word
    assert fields["household_head_name"].value == "Trần Thị Bình"


@pytest.mark.parametrize(
    ("written", "read", "flagged"),
    [
        ("NGUYỄN QUẤC SƠN", "Nguyễn Quốc Sơn", False),  # respelled: one way fits
        ("LÊ THỊ XYZT", "Lê Thị Xyzt", True),  # no Vietnamese word: a person looks
        ("KSOR NIÊ", "Ksor Niê", True),  # a Tây Nguyên name: right, but looked at
        ("TRẦN THỊ BÌNH", "Trần Thị Bình", False),
    ],
)
def test_a_name_with_a_word_not_in_the_word_list_goes_to_review(
    catalogue, written: str, read: str, flagged: bool
) -> None:
    ct01 = catalogue.document_types["to_khai_thay_doi_thong_tin_cu_tru"]
    form = page(
        1,
        "TỜ KHAI THAY ĐỔI THÔNG TIN CƯ TRÚ",
        f"1) Họ, chữ đệm và tên: {written} ....................",
        "2) Ngày, tháng, năm sinh: 12/03/1990 ...... 3) Giới tính: Nam ......",
    )
    name = extract_fields([form], ct01)["applicant_name"]
    assert name.value == read
    assert name.review is flagged
    assert ("word not in the Vietnamese word list" in name.problems) is flagged
