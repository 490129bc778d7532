"""The learned field model (issue 13): a label wording the catalogue does not know is
named by a model trained on labelled examples, and staff corrections retrain it."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest
from PIL import Image

from config import Settings, load_knowledge
from digitize.understand import load_catalogue
from digitize.understand.field_model import (
    DEFAULT_FIELD_MODEL,
    NONE,
    FieldModel,
    colon_pairs,
    examples_from_text,
    train_field_model,
    value_kind,
)
from digitize.understand.fields import extract_fields
from digitize.understand.model import ModelError
from tests.conftest import DIGITIZE, REPO, run_digitize
from tests.synthetic import text_page
from tests.understand_helpers import page

BUSINESS = "giay_de_nghi_dang_ky_ho_kinh_doanh"


@pytest.fixture(scope="module")
def catalogue():
    return load_catalogue()


@pytest.fixture(scope="module")
def model() -> FieldModel:
    return FieldModel.load(DEFAULT_FIELD_MODEL)


def test_a_value_is_known_by_its_look() -> None:
    assert value_kind("NGUYỄN VĂN AN ..........") == "name"
    assert value_kind("Trần Thị Bích Ngọc") == "name"
    assert value_kind("12/03/2019") == "date"
    assert value_kind("ngày 5 tháng 7 năm 2021") == "date"
    assert value_kind("079 190 012 345") == "id"
    assert value_kind("200.000.000 đồng") == "money"
    assert value_kind("125,5 m2") == "area"
    assert value_kind("0912345678") == "phone"
    assert value_kind("1985") == "year"
    assert value_kind("355") == "number"
    assert value_kind("Nữ") == "sex"
    assert value_kind("Số 12 đường Lê Lợi, phường 3") == "text"
    assert value_kind(" ........ ") == "empty"


def test_labels_and_values_of_a_line() -> None:
    pairs = list(colon_pairs("3.1. Thửa đất số(2): 355 .......... 3.2. Tờ bản đồ số: 12 ...."))
    assert pairs == [("Thửa đất số", " 355 "), ("Tờ bản đồ số", " 12 ....")]


def test_examples_name_the_field_before_its_value_and_none_for_the_rest(catalogue) -> None:
    doc = catalogue.document_types[BUSINESS]
    text = "Người đứng tên: NGUYỄN VĂN AN .......... Dân tộc: Kinh ......"
    examples = examples_from_text(text, doc, {"applicant_name": "Nguyễn Văn An"})
    assert [(e.label, e.kind, e.field) for e in examples] == [
        ("Người đứng tên", "name", "applicant_name"),
        ("Dân tộc", "text", NONE),
    ]


def test_an_unknown_label_wording_is_read_by_the_model(catalogue, model) -> None:
    # "Tôi tên là" is in no catalogue entry and no training example: the
    # model names it from its n-grams and the name after it.
    doc = catalogue.document_types[BUSINESS]
    form = page(
        1,
        "GIẤY ĐỀ NGHỊ ĐĂNG KÝ HỘ KINH DOANH",
        "Tôi tên là: TRẦN THỊ BÍCH NGỌC ..........",
        "Dân tộc: Kinh ........... Quốc tịch: Việt Nam .........",
    )
    assert extract_fields([form], doc)["applicant_name"].value is None  # catalogue alone
    found = extract_fields([form], doc, field_model=model)["applicant_name"]
    assert found.value == "Trần Thị Bích Ngọc"
    assert not found.review
    assert found.bbox is not None
    # "Dân tộc" and "Quốc tịch" name no field: nothing else was taken.
    assert all(f.value != "Kinh" for f in extract_fields([form], doc, field_model=model).values())


def test_a_value_of_the_wrong_look_is_not_taken(catalogue, model) -> None:
    doc = catalogue.document_types[BUSINESS]
    form = page(
        1,
        "GIẤY ĐỀ NGHỊ ĐĂNG KÝ HỘ KINH DOANH",
        "Họ tên người đi khai: 12/03/2019 ..........",
    )
    assert extract_fields([form], doc, field_model=model)["applicant_name"].value is None


def test_staff_corrections_retrain_the_model(catalogue) -> None:
    wording = "Người nộp đơn xin phép"
    record = {
        "text": f"GIẤY ĐỀ NGHỊ ĐĂNG KÝ HỘ KINH DOANH\n{wording}: LÊ MINH KHOA .......",
        "doc_type": BUSINESS,
        "fields": {"applicant_name": "Lê Minh Khoa"},
    }
    before, _ = train_field_model(catalogue)
    after, _ = train_field_model(catalogue, corrections=[record] * 3)
    assert (
        after.probabilities(wording, "name")["applicant_name"]
        > before.probabilities(wording, "name")["applicant_name"]
    )
    assert after.probabilities(wording, "name")["applicant_name"] > 0.8


def test_digitize_train_retrains_the_field_model(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    record = {
        "text": "GIẤY ĐỀ NGHỊ ĐĂNG KÝ HỘ KINH DOANH\nNgười nộp đơn xin phép: LÊ MINH KHOA ...",
        "doc_type": BUSINESS,
        "fields": {"applicant_name": "Lê Minh Khoa"},
    }
    (data / "corrections.jsonl").write_text(json.dumps(record, ensure_ascii=False) + "\n")
    env = {**os.environ, "DIGITIZE_DATA_DIR": str(data)}
    proc = subprocess.run(
        [str(DIGITIZE), "train"], capture_output=True, text=True, timeout=300, cwd=REPO, env=env
    )
    assert proc.returncode == 0, proc.stderr
    assert "field model trained on" in proc.stderr
    assert (data / "field_model.npz").is_file()
    settings = Settings(data_dir=data)
    assert settings.effective_field_model() == data / "field_model.npz"
    assert load_knowledge(settings).field_model is not None


def test_dates_amounts_and_parcel_numbers_are_found_by_their_look(catalogue, model) -> None:
    death = page(
        1,
        "TỜ KHAI ĐĂNG KÝ KHAI TỬ",
        "Họ, chữ đệm, tên người yêu cầu: Lê Văn Hùng",
        "Họ, chữ đệm, tên: Lê Văn Tám",
        "Ngày, tháng, năm sinh: 01/02/1940",
        "Đã chết vào lúc 10 giờ 30 phút, ngày 05 tháng 03 năm 2024",
        "Hà Nội, ngày 07 tháng 03 năm 2024",
    )
    fields = extract_fields([death], catalogue.document_types["to_khai_dang_ky_khai_tu"])
    assert fields["death_date"].value is None  # no colon after the label: not read
    # the place-and-date line, not the death line with its comma after the time
    assert fields["document_date"].value == "2024-03-07"
    fields = extract_fields(
        [death], catalogue.document_types["to_khai_dang_ky_khai_tu"], field_model=model
    )
    assert fields["death_date"].value == "2024-03-05"
    assert fields["subject_dob"].value == "1940-02-01"

    land = page(
        1,
        "ĐƠN ĐĂNG KÝ ĐẤT ĐAI, TÀI SẢN GẮN LIỀN VỚI ĐẤT",
        "1. Người sử dụng đất: Nguyễn Thu Chi ..........",
        "Đăng ký quyền sử dụng thửa đất số 355, tờ bản đồ số 12 tại xã An Phú",
    )
    fields = extract_fields(
        [land], catalogue.document_types["don_dang_ky_dat_dai"], field_model=model
    )
    assert (fields["land_parcel"].value, fields["map_sheet"].value) == (355, 12)
    assert fields["land_parcel"].bbox is not None

    business = page(
        1,
        "GIẤY ĐỀ NGHỊ ĐĂNG KÝ HỘ KINH DOANH",
        "Đăng ký hộ kinh doanh với vốn kinh doanh là 500.000.000 đồng (năm trăm triệu đồng)",
    )
    doc = catalogue.document_types[BUSINESS]
    assert extract_fields([business], doc, field_model=model)["capital_vnd"].value == 500_000_000


def test_a_value_found_by_its_look_with_no_naming_words_is_not_taken(catalogue, model) -> None:
    death = page(
        1,
        "TỜ KHAI ĐĂNG KÝ KHAI TỬ",
        "Họ, chữ đệm, tên người yêu cầu: Lê Văn Hùng",
        "Căn cứ Thông tư số 04 ban hành ngày 03/05/2020",
    )
    doc = catalogue.document_types["to_khai_dang_ky_khai_tu"]
    fields = extract_fields([death], doc, field_model=model)
    assert fields["death_date"].value is None or fields["death_date"].review


def test_a_label_naming_the_role_beats_a_shared_label_whose_role_is_unknown(
    catalogue, model
) -> None:
    # No section headings: the shared "Họ, chữ đệm, tên" (the child's) could be the
    # applicant's; the wording naming the person who declares is the applicant's.
    birth = page(
        1,
        "TỜ KHAI ĐĂNG KÝ KHAI SINH",
        "Kính gửi: Ủy ban nhân dân xã An Phú",
        "Tôi tên là: Lê Văn Hùng ......",
        "Đề nghị cơ quan đăng ký khai sinh cho người dưới đây:",
        "Họ, chữ đệm, tên: LÊ THỊ NGỌC ......",
        "Ngày, tháng, năm sinh: 01/02/2024",
    )
    doc = catalogue.document_types["to_khai_dang_ky_khai_sinh"]
    alone = extract_fields([birth], doc)["applicant_name"]
    assert alone.value == "Lê Thị Ngọc" and "role not shown by a section heading" in alone.problems
    fields = extract_fields([birth], doc, field_model=model)
    assert fields["applicant_name"].value == "Lê Văn Hùng"
    assert not fields["applicant_name"].review
    assert fields["subject_name"].value == "Lê Thị Ngọc"


def test_the_applicant_may_be_a_parent_whose_name_is_read_twice(catalogue, model) -> None:
    # The mother declares her child's birth: her name is the applicant's and the
    # mother's, read at two places. The second place does not hide the first.
    birth = page(
        1,
        "TỜ KHAI ĐĂNG KÝ KHAI SINH",
        "Kính gửi: Ủy ban nhân dân xã An Phú",
        "Người đi khai: Phạm Thị Hoa ......",
        "Đề nghị cơ quan đăng ký khai sinh cho người dưới đây:",
        "Họ, chữ đệm, tên: LÊ VĂN AN ......",
        "Ngày, tháng, năm sinh: 01/02/2024",
        "Họ, chữ đệm, tên người mẹ: Phạm Thị Hoa ......",
        "Họ, chữ đệm, tên người cha: Lê Văn Bình ......",
    )
    fields = extract_fields(
        [birth], catalogue.document_types["to_khai_dang_ky_khai_sinh"], field_model=model
    )
    assert fields["applicant_name"].value == "Phạm Thị Hoa"
    assert fields["applicant_name"].bbox != fields["mother_name"].bbox
    assert fields["mother_name"].value == "Phạm Thị Hoa"
    assert fields["subject_name"].value == "Lê Văn An"


def test_a_word_only_one_fields_labels_have_names_an_unknown_label(catalogue, model) -> None:
    # The model takes "Thời gian …" for a receipt's time (the document's date, found
    # already); "chết" is only in the death date's labels among the date fields.
    death = page(
        1,
        "TỜ KHAI ĐĂNG KÝ KHAI TỬ",
        "Kính gửi: Ủy ban nhân dân xã An Phú",
        "Họ, chữ đệm, tên người yêu cầu: Lê Văn Hùng ......",
        "Họ, chữ đệm, tên: TRẦN THỊ MAI ......",
        "Thời gian chết: 22 giờ 15 phút, ngày 20/11/2023 ......",
        "Nơi chết: Bệnh viện Đa khoa tỉnh ......",
        "An Phú, ngày 25 tháng 11 năm 2023",
    )
    doc = catalogue.document_types["to_khai_dang_ky_khai_tu"]
    fields = extract_fields([death], doc, field_model=model)
    assert fields["death_date"].value == "2023-11-20"
    assert fields["death_date"].review
    assert "label not in the catalogue" in fields["death_date"].problems
    assert fields["document_date"].value == "2023-11-25"


def test_a_label_of_a_field_the_form_does_not_have_is_not_taken_sure(catalogue, model) -> None:
    # The criminal record form has no father's field: "Họ và tên cha" is the model's
    # father's name, and only a small share of it is the applicant's. Among this form's
    # own fields that share wins, but it is no ground to return the father's name sure.
    form = page(
        1,
        "TỜ KHAI YÊU CẦU CẤP PHIẾU LÝ LỊCH TƯ PHÁP",
        "Kính gửi: Sở Tư pháp tỉnh Bắc Ninh",
        "1) Họ và tên khai sinh: LÊ NGỌC HÙNG ......",
        "3) Ngày, tháng, năm sinh: 21/07/2000 ......",
        "Họ và tên cha: Lê Thế Hùng ......",
        "Họ và tên mẹ: Hoàng Thị Nguyệt ......",
    )
    doc = catalogue.document_types["to_khai_ly_lich_tu_phap"]
    found = extract_fields([form], doc, field_model=model)["applicant_name"]
    assert found.review
    assert "label of another form's field" in found.problems


def test_two_numbers_after_one_unknown_label_are_not_settled_by_taking_one(
    catalogue, model
) -> None:
    # The declarer's and the deceased's numbers after the same "Giấy tờ tùy thân": the
    # first, found by its look, was flagged; asking the model again must not set it
    # aside as taken and return the other one sure.
    death = page(
        1,
        "TỜ KHAI ĐĂNG KÝ KHAI TỬ",
        "Kính gửi: Ủy ban nhân dân phường Lộc Thọ",
        "Người yêu cầu đăng ký khai tử: Vũ Khánh Lan ......",
        "Giấy tờ tùy thân: 056174319507 ......",
        "Đề nghị cơ quan đăng ký khai tử cho người có tên dưới đây:",
        "Họ, chữ đệm, tên: HOÀNG HẢI THƯ ......",
        "Giấy tờ tùy thân: 056141476128 ......",
    )
    doc = catalogue.document_types["to_khai_dang_ky_khai_tu"]
    found = extract_fields([death], doc, field_model=model)["id_number"]
    assert found.value == "056174319507"
    assert found.review


def test_a_broken_field_model_file_is_a_clear_error(tmp_path: Path) -> None:
    broken = tmp_path / "field_model.npz"
    broken.write_bytes(b"not a model")
    with pytest.raises(ModelError, match="cannot load the field model"):
        FieldModel.load(broken)


def test_a_value_under_an_unknown_label_is_read(catalogue, model) -> None:
    doc = catalogue.document_types[BUSINESS]
    form = page(
        1,
        "GIẤY ĐỀ NGHỊ ĐĂNG KÝ HỘ KINH DOANH",
        "Họ tên người đi khai:",
        "TRẦN THỊ BÍCH NGỌC",
        "Dân tộc: Kinh",
    )
    assert extract_fields([form], doc, field_model=model)["applicant_name"].value == (
        "Trần Thị Bích Ngọc"
    )


def test_a_date_opening_its_line_is_named_by_the_label_above(catalogue, model) -> None:
    death = page(
        1,
        "TỜ KHAI ĐĂNG KÝ KHAI TỬ",
        "Họ, chữ đệm, tên người yêu cầu: Lê Văn Hùng",
        "Đã chết vào lúc",
        "10 giờ 30 phút, ngày 05 tháng 03 năm 2024",
        "Hà Nội, ngày 07 tháng 03 năm 2024",
    )
    doc = catalogue.document_types["to_khai_dang_ky_khai_tu"]
    fields = extract_fields([death], doc, field_model=model)
    assert fields["death_date"].value == "2024-03-05"
    assert fields["document_date"].value == "2024-03-07"


def test_a_label_naming_another_person_is_not_taken_sure(catalogue, model) -> None:
    # The model knows "Họ và tên" as the applicant's; "người làm chứng" is nobody the
    # catalogue names for the applicant: the value goes to a reviewer.
    doc = catalogue.document_types["to_khai_dang_ky_khai_tu"]
    form = page(
        1,
        "TỜ KHAI ĐĂNG KÝ KHAI TỬ",
        "Họ và tên người làm chứng: Phạm Văn Lộc ..........",
    )
    found = extract_fields([form], doc, field_model=model)["applicant_name"]
    assert found.value is None or found.review


@pytest.mark.slow
def test_unknown_wordings_and_values_by_their_look_on_a_scanned_page(tmp_path: Path) -> None:
    # Real Tesseract on a typed page: a wording no catalogue entry has, and a death date
    # with no colon before it.
    lines = (
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Độc lập - Tự do - Hạnh phúc",
        "TỜ KHAI ĐĂNG KÝ KHAI TỬ",
        "Kính gửi: Ủy ban nhân dân phường Bến Nghé, quận 1",
        "Tôi tên là: NGUYỄN VĂN AN",
        "Quan hệ với người đã chết: Con",
        "Họ, chữ đệm, tên: TRẦN VĂN BÌNH",
        "Đã chết vào lúc 10 giờ 30 phút, ngày 05 tháng 03 năm 2024",
        "Nơi chết: Bệnh viện Chợ Rẫy",
        "Hà Nội, ngày 07 tháng 03 năm 2024",
    )
    scan = tmp_path / "khai-tu.png"
    Image.fromarray(text_page(dpi=200, lines=lines, point_size=12)).save(scan, dpi=(200, 200))
    out = tmp_path / "out"
    proc = run_digitize("process", scan, "--out", out, "--quiet")
    assert proc.returncode == 0, proc.stderr
    result = json.loads((out / "khai-tu.json").read_text(encoding="utf-8"))
    (document,) = result["documents"]
    assert document["doc_type"] == "to_khai_dang_ky_khai_tu"
    fields = document["fields"]
    assert fields["applicant_name"]["value"] == "Nguyễn Văn An"
    assert fields["death_date"]["value"] == "2024-03-05"
    assert fields["document_date"]["value"] == "2024-03-07"
    assert fields["subject_name"]["value"] == "Trần Văn Bình"


def test_the_heading_says_whose_an_unknown_label_is(catalogue, model) -> None:
    # "Họ và tên" / "Họ tên" are not the birth form's catalogued wordings; the model
    # says they ask for a name, the headings say whose.
    birth = page(
        1,
        "TỜ KHAI ĐĂNG KÝ KHAI SINH",
        "I. NGƯỜI YÊU CẦU",
        "Họ, chữ đệm, tên: Lê Văn Hùng",
        "II. NGƯỜI ĐƯỢC KHAI SINH",
        "Họ, chữ đệm, tên: LÊ THỊ NGỌC",
        "III. THÔNG TIN CỦA MẸ",
        "Họ và tên: Trần Thị Mai",
        "IV. THÔNG TIN CỦA CHA",
        "Họ tên: Lê Văn Tâm",
    )
    doc = catalogue.document_types["to_khai_dang_ky_khai_sinh"]
    fields = extract_fields([birth], doc, field_model=model)
    assert (fields["mother_name"].value, fields["mother_name"].review) == ("Trần Thị Mai", False)
    assert (fields["father_name"].value, fields["father_name"].review) == ("Lê Văn Tâm", False)
    assert fields["applicant_name"].value == "Lê Văn Hùng"
    assert fields["subject_name"].value == "Lê Thị Ngọc"


def test_text_read_after_an_unknown_label_needs_a_surer_model(catalogue, model) -> None:
    # Any text fits an address: "Địa chỉ nơi làm việc" (a work address) is close to the
    # applicant's "Địa chỉ" for the model, but not sure enough for a text value.
    doc = catalogue.document_types["to_khai_dang_ky_khai_sinh"]
    form = page(
        1,
        "TỜ KHAI ĐĂNG KÝ KHAI SINH",
        "Họ, chữ đệm, tên người yêu cầu: Lê Văn Hùng",
        "Địa chỉ nơi làm việc: Số 5 đường Lê Lợi, phường Phú Hội, thành phố Huế",
    )
    found = extract_fields([form], doc, field_model=model).get("address")
    assert found is None or found.value is None or found.review
