"""Understanding on layouts the project's own forms do not have (issue 13): digit grids,
labels wrapped in table cells, people told apart by section headings, ID numbers known
by what they are, and values that must never come back sure (footnote markers,
placeholders, printed instructions, blank forms)."""

from __future__ import annotations

import pytest

from digitize.results import Line, Word
from digitize.understand import PageText, load_catalogue
from digitize.understand.fields import extract_fields, join_grid_digits
from tests.understand_helpers import page


@pytest.fixture(scope="module")
def catalogue():
    return load_catalogue()


def test_digits_typed_one_per_box_read_as_one_number() -> None:
    assert join_grid_digits("0 9 6 I1 9 1 5 7 2 9 0 8") == "096191572908"
    assert join_grid_digits("0 7 9 1 9 O 0 1 2 3 4 5") == "079190012345"
    assert join_grid_digits("0 9 6 0 6 7/7 9 0 5 6 0 6") == "096067905606"
    # Two different digits in one box: both kept, so the number is not 12 digits long
    # and is never returned sure (a fresh CT01 copy: "... 6 6 98" was read as "...669").
    assert join_grid_digits("0 3 8 0 8 8 7 6 7 6 6 98") == "0380887676698"
    assert join_grid_digits("Nguyễn Văn An") == "Nguyễn Văn An"
    assert join_grid_digits("12 tháng 3") == "12 tháng 3"


def test_ct01_grid_beside_its_label(catalogue) -> None:
    ct01 = catalogue.document_types["to_khai_thay_doi_thong_tin_cu_tru"]
    boxes = "  ".join("048094767146")  # wide blanks between the boxes' digits
    form = page(
        1,
        "TỜ KHAI THAY ĐỔI THÔNG TIN CƯ TRÚ",
        "1. Họ, chữ đệm và tên: Nguyễn Tuyết Linh ..........",
        "4. Số định danh cá nhân:  " + "  ".join("096191572908"),
        "9. Số định danh cá nhân của chủ hộ:  " + boxes,
    )
    fields = extract_fields([form], ct01)
    assert fields["id_number"].value == "096191572908"
    assert fields["household_head_id_number"].value == "048094767146"
    assert not fields["household_head_id_number"].review


def test_markers_placeholders_and_instructions_are_never_sure(catalogue) -> None:
    receipt = catalogue.document_types["giay_tiep_nhan_ho_so"]
    blank = page(
        1,
        "GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ",
        "Mã hồ sơ: ....................",
        "Ông/Bà: {{hoTenNguoiNop}}",
        "Địa chỉ: ®",
        "Số điện thoại: (ghi rõ số di động) ..........",
        "Nội dung yêu cầu giải quyết: ……",
    )
    fields = extract_fields([blank], receipt)
    for name in ("applicant_name", "address", "phone", "procedure_name", "dossier_code"):
        assert fields[name].review, name
        assert fields[name].value is None, name
    assert "placeholder" in fields["applicant_name"].problems
    assert "footnote marker" in fields["address"].problems
    assert "printed instruction" in fields["phone"].problems


def test_a_glued_footnote_marker_is_stripped(catalogue) -> None:
    ct01 = catalogue.document_types["to_khai_thay_doi_thong_tin_cu_tru"]
    form = page(1, "Kính gửi: ® Ủy ban nhân dân xã Tân Lập ..........")
    issuer = extract_fields([form], ct01)["issuer"]
    assert issuer.value == "Ủy ban nhân dân xã Tân Lập"


def test_a_name_with_digits_is_not_a_name(catalogue) -> None:
    ct01 = catalogue.document_types["to_khai_thay_doi_thong_tin_cu_tru"]
    form = page(1, "1. Họ, chữ đệm và tên: Ng7yễn V4n ........")
    name = extract_fields([form], ct01)["applicant_name"]
    assert name.review
    assert "not a name" in name.problems


@pytest.mark.parametrize("fourth", ["IV.", "1V.", "lV."])  # OCR reads I as 1 or l
def test_people_from_section_headings_and_wrapped_labels(catalogue, fourth: str) -> None:
    """The birth declaration of TT 04/2020 as printed: one "Họ, chữ đệm, tên" per
    person, the person named by the section heading; the ID label wraps in its cell."""
    birth = catalogue.document_types["to_khai_dang_ky_khai_sinh"]
    form = page(
        1,
        "TỜ KHAI ĐĂNG KÝ KHAI SINH",
        "I. THÔNG TIN CỦA NGƯỜI ĐƯỢC ĐĂNG KÝ KHAI SINH",
        "Họ, chữ đệm, tên:  Trần Thanh Phượng",
        "Ngày, tháng, năm sinh:  26/11/2022",
        "II. THÔNG TIN CỦA CHA",
        "Họ, chữ đệm, tên:  Trần Công Việt",
        "Số định danh cá",
        "nhân/CCCD/Hộ chiếu:  046063977367",
        "III. THÔNG TIN CỦA MẸ",
        "Họ, chữ đệm, tên:  Lê Hồng Giang",
        "Số định danh cá",
        "nhân/CCCD/Hộ chiếu:  046165123456",
        f"{fourth} NGƯỜI YÊU CẦU ĐĂNG KÝ",
        "Họ, chữ đệm, tên:  Lê Hồng Giang",
        "Số định danh cá",
        "nhân/CCCD/Hộ chiếu:  046165123456",
    )
    values = {k: f.value for k, f in extract_fields([form], birth).items()}
    assert values["subject_name"] == "Trần Thanh Phượng"
    assert values["father_name"] == "Trần Công Việt"
    assert values["mother_name"] == "Lê Hồng Giang"
    assert values["applicant_name"] == "Lê Hồng Giang"
    assert values["id_number"] == "046165123456"


@pytest.mark.parametrize(
    ("groom", "bride"),
    [
        ("I. BÊN NAM", "II. BÊN NỮ"),
        ("Bên nam:", "Bên nữ:"),
        ("I. THÔNG TIN BÊN NAM", "H. THÔNG TIN BÊN NỮ"),  # OCR read II as H
    ],
)
def test_marriage_parties_by_section_whatever_their_order(
    catalogue, groom: str, bride: str
) -> None:
    # "bên nữ" and "bên nam" differ in two letters: a heading is one, not both
    marriage = catalogue.document_types["to_khai_dang_ky_ket_hon"]
    form = page(
        1,
        "TỜ KHAI ĐĂNG KÝ KẾT HÔN",
        groom,
        "Họ, chữ đệm, tên:  Phạm Quốc Trọng",
        bride,
        "Họ, chữ đệm, tên:  Ngô Khánh Tuyết",
    )
    fields = extract_fields([form], marriage)
    assert fields["applicant_name"].value == "Ngô Khánh Tuyết"  # the bride, as catalogued
    assert fields["spouse_name"].value == "Phạm Quốc Trọng"


def test_the_deceaseds_block_is_never_the_declarers(catalogue) -> None:
    # The deceased's block first; the declarer's headed otherwise than the catalogue's
    # "NGƯỜI YÊU CẦU": its values are the ones not under the deceased's heading.
    death = catalogue.document_types["to_khai_dang_ky_khai_tu"]
    form = page(
        1,
        "TỜ KHAI ĐĂNG KÝ KHAI TỬ",
        "I. THÔNG TIN CỦA NGƯỜI ĐÃ CHẾT",
        "Họ, chữ đệm, tên:  TRẦN VĂN TÂM",
        "Số định danh cá nhân/CCCD/Hộ chiếu:  027051368060",
        "II. THÔNG TIN NGƯỜI KHAI",
        "Họ, chữ đệm, tên:  Trần Thị Mỹ",
        "Số định danh cá nhân/CCCD/Hộ chiếu:  027183332060",
    )
    fields = extract_fields([form], death)
    assert fields["subject_name"].value == "Trần Văn Tâm"
    assert fields["applicant_name"].value == "Trần Thị Mỹ"
    assert fields["id_number"].value == "027183332060"


def test_an_id_number_known_by_what_it_is(catalogue) -> None:
    lltp = catalogue.document_types["to_khai_ly_lich_tu_phap"]
    form = page(
        1,
        "1) Họ và tên: LÊ THỊ HOA ........",
        "Giấy tờ tùy thân: Căn cước công dân số 001185012345 ......",
    )
    found = extract_fields([form], lltp)["id_number"]
    assert found.value == "001185012345"
    assert not found.review
    # Twelve digits that cannot be an ID number (province 999) are left alone.
    form = page(1, "Giấy tờ tùy thân: Căn cước công dân số 999185012345 ......")
    assert extract_fields([form], lltp)["id_number"].value is None


def test_an_id_number_by_its_look_on_a_form_without_the_fields_section(catalogue) -> None:
    # The catalogue places the declarer's number under "NGƯỜI YÊU CẦU"; a form that
    # prints no such heading still has the number, but whose it is nothing says.
    death = catalogue.document_types["to_khai_dang_ky_khai_tu"]
    form = page(
        1,
        "TỜ KHAI ĐĂNG KÝ KHAI TỬ",
        "Họ, chữ đệm, tên người yêu cầu: Lê Văn Hùng ......",
        "Giấy tờ tùy thân: CCCD số 001203004567, cấp ngày 12/03/2021 ......",
    )
    found = extract_fields([form], death)["id_number"]
    assert found.value == "001203004567"
    assert found.review and "role not shown by a section heading" in found.problems
    # Where the form has the section, a number outside it is not the field's.
    form = page(
        1,
        "TỜ KHAI ĐĂNG KÝ KHAI TỬ",
        "I. NGƯỜI YÊU CẦU",
        "Họ, chữ đệm, tên người yêu cầu: Lê Văn Hùng ......",
        "II. NGƯỜI ĐÃ CHẾT",
        "Giấy tờ tùy thân: CCCD số 001150004321 ......",
    )
    assert extract_fields([form], death)["id_number"].value is None


def test_a_label_printed_first_as_a_heading(catalogue) -> None:
    business = catalogue.document_types["giay_de_nghi_dang_ky_ho_kinh_doanh"]
    form = page(
        1,
        "GIẤY ĐỀ NGHỊ ĐĂNG KÝ HỘ KINH DOANH",
        "4. Vốn kinh doanh:",
        "Vốn kinh doanh: 200.000.000 đồng ..........",
    )
    assert extract_fields([form], business)["capital_vnd"].value == 200_000_000


def test_a_label_split_after_the_previous_fields_leaders(catalogue) -> None:
    ct01 = catalogue.document_types["to_khai_thay_doi_thong_tin_cu_tru"]
    form = page(
        1,
        "2. Ngày, tháng, năm sinh: 10/08/1991 ........... 3. Giới",
        "tính: Nữ ..........................",
        "Số điện thoại liên hệ: 0911996631",
    )
    fields = extract_fields([form], ct01)
    assert fields["applicant_sex"].value == "female"
    assert fields["applicant_dob"].value == "1991-08-10"
    # with OCR's specks: "3," for "3." and a colon read after the head of the label
    specked = page(
        1,
        "2. Ngày, tháng, năm sinh: 10/08/1991 ........... . — 3, GIỚI :",
        "tính:.Nữ ..........................",
    )
    assert extract_fields([specked], ct01)["applicant_sex"].value == "female"


def test_a_value_written_by_hand_is_flagged_with_its_box(catalogue) -> None:
    """Letters taller than the printed label, read far less surely and not as words:
    handwriting. (Read as words, the page's ink decides: tests/test_handwriting.py.)"""
    ct01 = catalogue.document_types["to_khai_thay_doi_thong_tin_cu_tru"]

    def line(y: int, label: str, value: str, height: int, confidence: float) -> Line:
        words, x = [], 100
        for text in label.split():
            words.append(Word(text, (x, y, x + 12 * len(text), y + 30), 0.96))
            x += 12 * len(text) + 12
        for text in value.split():
            words.append(Word(text, (x, y - 8, x + 14 * len(text), y - 8 + height), confidence))
            x += 14 * len(text) + 12
        return Line(tuple(words), (100, y - 8, x, y + 30))

    form = PageText(
        1,
        (
            line(100, "1. Họ, chữ đệm và tên:", "Lýy Ngọcx Việtt", 44, 0.55),
            line(160, "5. Số điện thoại liên hệ:", "0912345678", 30, 0.95),
        ),
    )
    fields = extract_fields([form], ct01)
    name = fields["applicant_name"]
    assert name.review
    assert "handwritten" in name.problems
    assert name.bbox is not None and name.bbox[0] > 300
    assert "handwritten" not in fields["phone"].problems


def test_an_address_cut_short_or_specked_is_not_sure(catalogue) -> None:
    receipt = catalogue.document_types["giay_tiep_nhan_ho_so"]
    form = page(1, "Địa chỉ: Số 139, ngõ 90, phố Lê Duẩn, thành phố Bà Rịa, tỉnh")
    address = extract_fields([form], receipt)["address"]
    assert address.review
    assert "cut short" in address.problems
    form = page(1, "Địa chỉ: Số 24 đường Phan Chu Trinh, quận Ninh Kiều, thành phố Cần 'Thơ")
    assert extract_fields([form], receipt)["address"].value.endswith("thành phố Cần Thơ")


def test_a_centred_value_wrapped_under_its_line_is_read_whole(catalogue) -> None:
    """ "Kính gửi: ..., thành phố Đà" over a centred "Nẵng": the city's name is not cut."""
    ct01 = catalogue.document_types["to_khai_thay_doi_thong_tin_cu_tru"]
    top = page(1, "Kính gửi: Công an phường Hòa Khánh Bắc, quận Liên Chiểu, thành phố Đà")
    line = top.lines[0]
    under = Line((Word("Nẵng", (500, 145, 560, 175), 0.95),), (500, 145, 560, 175))
    issuer = extract_fields([PageText(1, (line, under))], ct01)["issuer"]
    assert issuer.value.endswith("thành phố Đà Nẵng")
    alone = extract_fields([PageText(1, (line,))], ct01)["issuer"]
    assert alone.review
    assert "cut short" in alone.problems


def test_a_wrapped_line_behind_a_speck_goes_on(catalogue) -> None:
    receipt = catalogue.document_types["giay_tiep_nhan_ho_so"]
    form = page(
        1, "Địa chỉ: Số 148, ngõ 26, phố Lê Duẩn, thành phố Bà", "Rịa, tỉnh Bà Rịa - Vũng Tàu"
    )
    first, second = form.lines
    speck = Word(".", (20, second.bbox[1], 26, second.bbox[3]), 0.4)
    specked = Line((speck, *second.words), (20, *second.bbox[1:]))
    address = extract_fields([PageText(1, (first, specked))], receipt)["address"]
    assert address.value.endswith("thành phố Bà Rịa, tỉnh Bà Rịa - Vũng Tàu")


def test_a_persons_name_read_as_a_business_name_is_not_sure(catalogue) -> None:
    business = catalogue.document_types["giay_de_nghi_dang_ky_ho_kinh_doanh"]
    form = page(1, "Tôi là: VŨ HẢI LINH", "Tên hộ kinh doanh: VŨ HẢI LINH")
    fields = extract_fields([form], business)
    assert fields["business_name"].review
    assert "same value as applicant_name" in fields["business_name"].problems


def test_a_colon_read_inside_a_value_typed_over_leaders(catalogue) -> None:
    """ "1. Họ, chữ đệm và tên:Trần.Văn.:Toàn....": the speck read as ':' ends nothing."""
    ct01 = catalogue.document_types["to_khai_thay_doi_thong_tin_cu_tru"]
    form = page(
        1, "1. Họ, chữ đệm và tên:Trần.Văn.:Toàn..........", "5. Số điện thoại liên hệ: 0912345678"
    )
    fields = extract_fields([form], ct01)
    assert fields["applicant_name"].value == "Trần Văn Toàn"
    assert fields["phone"].value == "0912345678"


def test_a_label_printed_again_before_another_value_is_not_sure(catalogue) -> None:
    """Two people's "Địa chỉ" and no heading saying whose is whose: the first is a guess."""
    receipt = catalogue.document_types["giay_tiep_nhan_ho_so"]
    one = page(1, "Địa chỉ: Số 12 phố Huế, quận Hai Bà Trưng", "Số điện thoại: 0912345678")
    assert not extract_fields([one], receipt)["address"].review
    two = page(
        1,
        "Địa chỉ: Số 12 phố Huế, quận Hai Bà Trưng",
        "Số điện thoại: 0912345678",
        "Địa chỉ: Số 4 phố Lý Thường Kiệt, quận Hoàn Kiếm",
    )
    address = extract_fields([two], receipt)["address"]
    assert address.review
    assert "label found with other values" in address.problems


@pytest.mark.parametrize(
    "headings",
    [
        ("I. NGƯỜI YÊU CẦU", "II. NGƯỜI ĐƯỢC KHAI SINH", "III. THÔNG TIN CỦA MẸ"),
        # the same blocks named by plain lines, not printed as headings
        ("Người yêu cầu:", "Người được khai sinh:", "Thông tin của mẹ:"),
    ],
)
def test_people_sharing_one_label_told_apart_by_their_block_names(catalogue, headings) -> None:
    doc = catalogue.document_types["to_khai_dang_ky_khai_sinh"]
    birth = page(
        1,
        "TỜ KHAI ĐĂNG KÝ KHAI SINH",
        headings[0],
        "Họ, chữ đệm, tên: Lê Văn Hùng",
        "Số định danh cá nhân: 001085012345",
        headings[1],
        "Họ, chữ đệm, tên: LÊ THỊ NGỌC",
        "Ngày, tháng, năm sinh: 01/02/2024",
        headings[2],
        "Họ, chữ đệm, tên: Trần Thị Mai",
    )
    fields = extract_fields([birth], doc)
    expected = {
        "applicant_name": "Lê Văn Hùng",
        "subject_name": "Lê Thị Ngọc",  # not the applicant's, under another person's block
        "mother_name": "Trần Thị Mai",
    }
    for name, value in expected.items():
        assert (fields[name].value, fields[name].review) == (value, False), name
    # no block of the father: whatever is read for him is not sure
    assert fields["father_name"].review


def test_a_blank_field_naming_a_person_is_no_block_heading(catalogue) -> None:
    doc = catalogue.document_types["to_khai_dang_ky_khai_sinh"]
    birth = page(
        1,
        "TỜ KHAI ĐĂNG KÝ KHAI SINH",
        "Họ, chữ đệm, tên người yêu cầu: Lê Văn Hùng",
        "Quan hệ với người yêu cầu: ..........",
        "Họ, chữ đệm, tên: LÊ THỊ NGỌC",
    )
    fields = extract_fields([birth], doc)
    assert fields["applicant_name"].value == "Lê Văn Hùng"
    assert fields["subject_name"].value == "Lê Thị Ngọc"


def test_a_household_business_name_is_known_by_its_opening_words(catalogue) -> None:
    """By law (Nghị định 01/2021, Điều 88) the name opens with "Hộ kinh doanh": after
    any label it is the business's name, and a person's name read for it is flagged."""
    form = catalogue.document_types["giay_de_nghi_dang_ky_ho_kinh_doanh"]
    unknown_label = page(
        1,
        "GIẤY ĐỀ NGHỊ ĐĂNG KÝ HỘ KINH DOANH",
        "Tên hộ kinh doanh: VŨ HẢI LINH",
        "Tên gọi của cơ sở: HỘ KINH DOANH CÀ PHÊ ÁNH DƯƠNG",
    )
    fields = extract_fields([unknown_label], form)
    assert fields["business_name"].value == "HỘ KINH DOANH CÀ PHÊ ÁNH DƯƠNG"
    person = page(1, "GIẤY ĐỀ NGHỊ ĐĂNG KÝ HỘ KINH DOANH", "Tên hộ kinh doanh: VŨ HẢI LINH")
    flagged = extract_fields([person], form)["business_name"]
    assert flagged.review and "does not open with 'Hộ kinh doanh'" in flagged.problems
    # The title and a label holding the words are no value; a blank after them neither.
    blank = page(1, "GIẤY ĐỀ NGHỊ ĐĂNG KÝ HỘ KINH DOANH", "Ghi rõ: Hộ kinh doanh ........")
    assert extract_fields([blank], form)["business_name"].value is None


def test_a_colon_read_as_a_quote_after_a_known_label(catalogue) -> None:
    """ "Kính gửi”). Công an. xã Đa. Tốn......": the colon read as a closing quote, a
    bracket after it; only a label of the type opens a value so."""
    ct01 = catalogue.document_types["to_khai_thay_doi_thong_tin_cu_tru"]
    form = page(
        1,
        "TỜ KHAI THAY ĐỔI THÔNG TIN CƯ TRÚ",
        "Kính gửi”). Công an. xã Đa. Tốn.........................",
        "Ghi chú” Nguyễn Văn An",
    )
    fields = extract_fields([form], ct01)
    assert fields["issuer"].value == "Công an xã Đa Tốn"
    assert "applicant_name" not in fields or fields["applicant_name"].value is None
    # or read as a dot
    form = page(1, "TỜ KHAI THAY ĐỔI THÔNG TIN CƯ TRÚ", "Kính gửi. Công an phường Long Toàn. .....")
    assert extract_fields([form], ct01)["issuer"].value == "Công an phường Long Toàn"
    # a dot after words that are no label of the type opens nothing
    form = page(1, "TỜ KHAI THAY ĐỔI THÔNG TIN CƯ TRÚ", "Ghi chú. Lê Văn An")
    assert all(f.value != "Lê Văn An" for f in extract_fields([form], ct01).values())
