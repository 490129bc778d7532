"""Form templates as data.

A template is a sequence of blocks; text may hold placeholders `{key}` (or `{key:upper}`)
that name entries of `people.Case.values`. `render` lays the blocks out; nothing here
knows about pixels. Wording follows the published forms closely but is shortened where
the real form has tables or multi-column signature rows, whose reading order a test
could not pin down.

Field numbers are "1." on most forms; the two forms whose numbered fields follow one
another line after line (CT01, LLTP) number them "1)" instead: with "1." Tesseract's page
layout analysis takes the aligned column of numbers for a separate text column and
garbles it (measured with `python -m samples.ocr_check`).

Form numbers are what the paper prints in its top corner; the ones of the brief ("Mẫu
CT01", "Mẫu số 04a/ĐK", "Mẫu số 03/2013/TT-LLTP") are certain; "Phụ lục III-1" of the
business form and "Mẫu số 01" of the receipt are from memory of the circulars.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from samples import data

Style = Literal["regular", "bold", "italic", "bold_italic"]
Symbology = Literal["qr", "code128"]


@dataclass(frozen=True, slots=True)
class Text:
    text: str
    style: Style = "regular"


@dataclass(frozen=True, slots=True)
class FormNumber:
    """The template number, right-aligned on its own line above the header."""

    text: str


@dataclass(frozen=True, slots=True)
class NationalHeader:
    """ "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM / Độc lập - Tự do - Hạnh phúc".

    Centred on the page when `left` is empty; otherwise the classic two-column header of
    documents an office issues: the office on the left, the motto (and `right_extra`,
    usually the place-and-date line) on the right.
    """

    left: tuple[Text, ...] = ()
    right_extra: tuple[Text, ...] = ()


@dataclass(frozen=True, slots=True)
class Title:
    text: str
    subtitle: tuple[Text, ...] = ()


@dataclass(frozen=True, slots=True)
class Centered:
    text: str
    style: Style = "regular"


@dataclass(frozen=True, slots=True)
class Heading:
    """A left-aligned section heading ("I. PHẦN KÊ KHAI CỦA NGƯỜI ĐĂNG KÝ")."""

    text: str
    style: Style = "bold"


@dataclass(frozen=True, slots=True)
class Field:
    """ "label: value" followed by dotted leaders; an empty value leaves only dots."""

    label: str
    key: str | None = None
    upper: bool = False  # the form asks for capitals ("ghi bằng chữ in hoa")


@dataclass(frozen=True, slots=True)
class FieldRow:
    """Several short fields run on one line, each with a short leader; wraps if needed."""

    fields: tuple[Field, ...]


@dataclass(frozen=True, slots=True)
class Paragraph:
    text: str
    style: Style = "regular"
    indent: bool = True  # first-line indent, as typed declarations have
    small: bool = False  # footnote size


@dataclass(frozen=True, slots=True)
class ItemList:
    """A numbered list from a tuple value of the case (documents received)."""

    key: str
    suffix: str = ""


@dataclass(frozen=True, slots=True)
class Signature:
    """Right-hand signature block: date line, caption, hint, space, printed name."""

    caption: str
    hint: str = "(Ký, ghi rõ họ tên)"
    name_key: str | None = "applicant_name"
    date_line: bool = True


@dataclass(frozen=True, slots=True)
class CardField:
    """One field of an ID card: "label: value", or the value on the next line (names and
    addresses, as the card prints them). The label may hold placeholders."""

    label: str
    key: str
    below: bool = False
    upper: bool = False


@dataclass(frozen=True, slots=True)
class Card:
    """A photocopy of an ID card's front, enlarged `scale` times as copy shops do (the
    card's own 6-point print would be too small to read at 300 dpi), in a thin frame.
    Each row is one printed line; no dotted leaders, no photo (Tesseract reads a photo
    beside the text as junk at the start of every line)."""

    header: tuple[Text, ...]
    title: tuple[Text, ...]
    rows: tuple[tuple[CardField, ...], ...]
    scale: float = 2.0


@dataclass(frozen=True, slots=True)
class CodeMark:
    """A QR code or Code 128 barcode holding the case's value `key` (the dossier code),
    at the top left of the text area: documents the one-stop system issues carry a QR
    code in their top-left corner (TT 01/2023/TT-VPCP). The content below it moves down.
    Modules are at least `module_mm` wide (default 0.6 mm for a QR code, 0.3 mm for a
    barcode's narrowest bar: both read at 200 dpi); a barcode's bars are `height_mm` tall,
    enough for a straight scan line to cross all of them on a sheet skewed by 5°."""

    symbology: Symbology = "qr"
    key: str = "dossier_code"
    module_mm: float | None = None
    height_mm: float = 14.0

    @property
    def module(self) -> float:
        if self.module_mm is not None:
            return self.module_mm
        return 0.6 if self.symbology == "qr" else 0.3


@dataclass(frozen=True, slots=True)
class Spacer:
    lines: float = 0.5


@dataclass(frozen=True, slots=True)
class PageBreak:
    pass


Block = (
    FormNumber
    | NationalHeader
    | Title
    | Centered
    | Heading
    | Field
    | FieldRow
    | Paragraph
    | ItemList
    | Signature
    | Card
    | CodeMark
    | Spacer
    | PageBreak
)

DATE_LINE = "{place}, {document_date}"
# The office whose seal goes on signed pages; placeholders as in templates.
STAMP_TEXT = "ỦY BAN NHÂN DÂN {ward:upper} * {district:upper} *"
ALL_PROCEDURES = tuple(p.key for p in data.PROCEDURES)
RESIDENCE_PROCEDURES = ("dang_ky_thuong_tru", "dang_ky_tam_tru", "xoa_dang_ky_thuong_tru")


@dataclass(frozen=True, slots=True)
class Template:
    """A form or paper. `doc_type` and the procedure keys are those of the catalogue
    (digitize/data/catalogue); `fields` lists the fields of the document type's catalogue
    entry, whose normalised values the truth gives as a document's "expected" values."""

    key: str
    doc_type: str
    title: str  # as printed, upper case
    form_number: str | None
    issuer: str  # pattern for the body the form is addressed to / issued by
    # The procedure it belongs to (None: it serves none, or the case decides), also the
    # procedure a case is made for by default (None: a random one).
    procedure: str | None
    blocks: tuple[Block, ...]
    fields: tuple[str, ...] = ()
    # When set, the case's procedure (one of these) is the document's: the receipt
    # names it, form CT01 asks for it.
    case_procedures: tuple[str, ...] = ()
    # (template key, case key): the template prints the case's value under its own key,
    # e.g. the birth paper's "id_number" is the mother's.
    bind: tuple[tuple[str, str], ...] = ()
    # (catalogue field, template key) where the catalogue names a field differently.
    sources: tuple[tuple[str, str], ...] = ()
    stamp: str = STAMP_TEXT
    # Cases for it have a couple of child-bearing age (see `people.make_case`).
    young_family: bool = False

    def document_procedure(self, case_procedure: str) -> str | None:
        """The catalogue procedure of this document in a case of `case_procedure`."""
        if not self.case_procedures:
            return self.procedure
        if case_procedure not in self.case_procedures:
            raise ValueError(f"{self.key} cannot serve {case_procedure}")
        return case_procedure

    def source(self, field_name: str) -> str:
        """The template key that holds catalogue field `field_name`."""
        return dict(self.sources).get(field_name, field_name)


def _kinh_gui() -> Centered:
    return Centered("Kính gửi: {issuer}")


TO_KHAI_KHAI_SINH = Template(
    key="to_khai_khai_sinh",
    doc_type="to_khai_dang_ky_khai_sinh",
    title="TỜ KHAI ĐĂNG KÝ KHAI SINH",
    form_number=None,
    issuer="Ủy ban nhân dân {ward}, {district}, {province}",
    procedure="dang_ky_khai_sinh",
    fields=(
        "issuer",
        "applicant_name",
        "address",
        "id_number",
        "subject_name",
        "subject_dob",
        "subject_sex",
        "mother_name",
        "father_name",
        "document_date",
    ),
    blocks=(
        NationalHeader(),
        Title("TỜ KHAI ĐĂNG KÝ KHAI SINH"),
        _kinh_gui(),
        Spacer(0.4),
        Field("Họ, chữ đệm, tên người yêu cầu", "applicant_name"),
        Field("Nơi cư trú", "address"),
        Field("Số định danh cá nhân", "id_number"),
        Field("Quan hệ với người được khai sinh", "relation"),
        Paragraph("Đề nghị cơ quan đăng ký khai sinh cho người dưới đây:", indent=False),
        Field("Họ, chữ đệm, tên", "subject_name", upper=True),
        Field("Ngày, tháng, năm sinh", "subject_dob"),
        Field("ghi bằng chữ", "subject_dob_words"),
        FieldRow(
            (
                Field("Giới tính", "subject_sex"),
                Field("Dân tộc", "applicant_ethnicity"),
                Field("Quốc tịch", "nationality"),
            )
        ),
        Field("Nơi sinh", "subject_birth_place"),
        Field("Quê quán", "subject_hometown"),
        Field("Họ, chữ đệm, tên người mẹ", "mother_name"),
        FieldRow(
            (
                Field("Năm sinh", "mother_birth_year"),
                Field("Dân tộc", "applicant_ethnicity"),
                Field("Quốc tịch", "nationality"),
            )
        ),
        Field("Họ, chữ đệm, tên người cha", "father_name"),
        FieldRow(
            (
                Field("Năm sinh", "father_birth_year"),
                Field("Dân tộc", "applicant_ethnicity"),
                Field("Quốc tịch", "nationality"),
            )
        ),
        Field("Nơi cư trú của cha, mẹ", "address"),
        Field("Đề nghị cấp bản sao: Có, số lượng", "copies"),
        Paragraph(
            "Tôi cam đoan nội dung đề nghị đăng ký khai sinh trên đây là đúng sự thật, được "
            "sự thỏa thuận nhất trí của các bên liên quan theo quy định pháp luật."
        ),
        Paragraph("Tôi chịu hoàn toàn trách nhiệm trước pháp luật về nội dung cam đoan của mình."),
        Signature("NGƯỜI YÊU CẦU", "(Ký, ghi rõ họ, chữ đệm, tên)"),
    ),
)

TO_KHAI_CU_TRU = Template(
    key="to_khai_cu_tru_ct01",
    doc_type="to_khai_thay_doi_thong_tin_cu_tru",
    title="TỜ KHAI THAY ĐỔI THÔNG TIN CƯ TRÚ",
    form_number="Mẫu CT01",
    issuer="Công an {ward}, {district}, {province}",
    procedure="dang_ky_thuong_tru",
    case_procedures=RESIDENCE_PROCEDURES,
    fields=(
        "issuer",
        "applicant_name",
        "applicant_dob",
        "applicant_sex",
        "id_number",
        "phone",
        "household_head_name",
        "household_head_id_number",
        "residence_request",
        "document_date",
    ),
    # Items 7 and 9 name the head of the household, here the applicant's spouse.
    sources=(
        ("household_head_name", "spouse_name"),
        ("household_head_id_number", "spouse_id_number"),
    ),
    blocks=(
        FormNumber("Mẫu CT01"),
        NationalHeader(),
        Title("TỜ KHAI THAY ĐỔI THÔNG TIN CƯ TRÚ"),
        Centered("Kính gửi(1): {issuer}"),
        Spacer(0.4),
        Field("1) Họ, chữ đệm và tên", "applicant_name", upper=True),
        FieldRow(
            (
                Field("2) Ngày, tháng, năm sinh", "applicant_dob"),
                Field("3) Giới tính", "applicant_sex"),
            )
        ),
        Field("4) Số định danh cá nhân", "id_number"),
        FieldRow((Field("5) Số điện thoại liên hệ", "phone"), Field("6) Email", "email"))),
        FieldRow(
            (
                Field("7) Họ, chữ đệm và tên chủ hộ", "spouse_name"),
                Field("8) Mối quan hệ với chủ hộ", "household_relation"),
            )
        ),
        Field("9) Số định danh cá nhân của chủ hộ", "spouse_id_number"),
        Field("10) Nội dung đề nghị(2)", "residence_request"),
        Field("11) Những thành viên trong hộ gia đình cùng thay đổi", "household_change"),
        Spacer(0.3),
        Signature("NGƯỜI KÊ KHAI", "(Ký, ghi rõ họ tên)"),
        Spacer(1.0),
        Paragraph("Ghi chú:", style="italic", indent=False, small=True),
        Paragraph("(1) Cơ quan đăng ký cư trú.", indent=False, small=True),
        Paragraph(
            "(2) Ghi rõ ràng, cụ thể nội dung đề nghị. Ví dụ: đăng ký thường trú; đăng ký "
            "tạm trú; tách hộ; xác nhận thông tin về cư trú...",
            indent=False,
            small=True,
        ),
    ),
)

HO_KINH_DOANH = Template(
    key="giay_de_nghi_ho_kinh_doanh",
    doc_type="giay_de_nghi_dang_ky_ho_kinh_doanh",
    title="GIẤY ĐỀ NGHỊ ĐĂNG KÝ HỘ KINH DOANH",
    form_number="Phụ lục III-1",
    issuer="Phòng Tài chính - Kế hoạch {district}",
    procedure="dang_ky_thanh_lap_ho_kinh_doanh",
    fields=(
        "issuer",
        "applicant_name",
        "business_name",
        "phone",
        "capital_vnd",
        "applicant_sex",
        "applicant_dob",
        "id_number",
        "address",
        "document_date",
    ),
    blocks=(
        FormNumber("Phụ lục III-1"),
        NationalHeader(),
        Title("GIẤY ĐỀ NGHỊ ĐĂNG KÝ HỘ KINH DOANH"),
        _kinh_gui(),
        Spacer(0.4),
        Field("Tôi là (ghi họ tên bằng chữ in hoa)", "applicant_name", upper=True),
        Paragraph("Đăng ký hộ kinh doanh do tôi là chủ hộ với các nội dung sau:", indent=False),
        Heading("1. Tên hộ kinh doanh (ghi bằng chữ in hoa):", style="regular"),
        Field("Tên hộ kinh doanh", "business_name", upper=True),
        Heading("2. Địa chỉ trụ sở hộ kinh doanh:", style="regular"),
        Field("Số nhà, ngách, hẻm, ngõ, đường phố/tổ/xóm/ấp/thôn", "business_street"),
        Field("Xã/Phường/Thị trấn", "business_ward"),
        Field("Quận/Huyện/Thị xã/Thành phố thuộc tỉnh", "business_district"),
        Field("Tỉnh/Thành phố", "business_province"),
        FieldRow((Field("Điện thoại", "phone"), Field("Fax", ""))),
        FieldRow((Field("Email", "email"), Field("Website", ""))),
        Heading("3. Ngành, nghề kinh doanh:", style="regular"),
        Field("Ngành, nghề", "business_trade"),
        Heading("4. Vốn kinh doanh:", style="regular"),
        Field("Tổng số (bằng số; VNĐ)", "capital_vnd"),
        Field("Bằng chữ", "capital_words"),
        Field("5. Số lượng lao động (dự kiến)", "employees"),
        Heading("6. Thông tin về đăng ký thuế:", style="regular"),
        Field("6.1. Ngày bắt đầu hoạt động", "business_start"),
        Field("6.2. Phương pháp tính thuế", "tax_method"),
        Field("6.3. Số tài khoản ngân hàng (nếu có)", ""),
        Field("7. Chủ thể thành lập hộ kinh doanh", "founder_kind"),
        PageBreak(),
        Heading("8. Thông tin về chủ hộ kinh doanh:", style="regular"),
        Field("Họ tên (ghi bằng chữ in hoa)", "applicant_name", upper=True),
        FieldRow(
            (
                Field("Giới tính", "applicant_sex"),
                Field("Sinh ngày", "applicant_dob"),
                Field("Dân tộc", "applicant_ethnicity"),
            )
        ),
        Field("Quốc tịch", "nationality"),
        Field("Số định danh cá nhân", "id_number"),
        FieldRow((Field("Ngày cấp", "id_issue_date"), Field("Nơi cấp", "id_issuer"))),
        Field("Địa chỉ thường trú", "address"),
        Field("Địa chỉ liên lạc", "address"),
        FieldRow((Field("Điện thoại", "phone"), Field("Email", "email"))),
        Field(
            "9. Thông tin về các thành viên hộ gia đình tham gia thành lập hộ kinh doanh",
            "household_change",
        ),
        Spacer(0.4),
        Paragraph("Tôi cam kết:", indent=False),
        Paragraph(
            "- Bản thân không thuộc diện pháp luật cấm kinh doanh; không đồng thời là chủ hộ "
            "kinh doanh khác; không là chủ doanh nghiệp tư nhân; không là thành viên hợp danh "
            "của công ty hợp danh;"
        ),
        Paragraph("- Trụ sở hộ kinh doanh thuộc quyền sử dụng hợp pháp của hộ kinh doanh;"),
        Paragraph(
            "- Chịu trách nhiệm trước pháp luật về tính hợp pháp, chính xác và trung thực "
            "của nội dung đăng ký trên."
        ),
        Signature("CHỦ HỘ KINH DOANH", "(Ký và ghi họ tên)"),
    ),
)

DON_DANG_KY_DAT_DAI = Template(
    key="don_dang_ky_dat_dai_04a",
    doc_type="don_dang_ky_dat_dai",
    title="ĐƠN ĐĂNG KÝ ĐẤT ĐAI, TÀI SẢN GẮN LIỀN VỚI ĐẤT",
    form_number="Mẫu số 04a/ĐK",
    issuer="Ủy ban nhân dân {district}, {province}",
    procedure="dang_ky_dat_dai_lan_dau",
    fields=(
        "issuer",
        "applicant_name",
        "applicant_birth_year",
        "id_number",
        "spouse_name",
        "spouse_id_number",
        "address",
        "phone",
        "land_parcel",
        "map_sheet",
        "land_area_m2",
        "document_date",
    ),
    blocks=(
        FormNumber("Mẫu số 04a/ĐK"),
        NationalHeader(),
        Title("ĐƠN ĐĂNG KÝ ĐẤT ĐAI, TÀI SẢN GẮN LIỀN VỚI ĐẤT"),
        _kinh_gui(),
        Spacer(0.4),
        Heading("I. PHẦN KÊ KHAI CỦA NGƯỜI ĐĂNG KÝ"),
        Paragraph(
            "(Xem kỹ hướng dẫn viết đơn trước khi kê khai; không tẩy xóa, sửa chữa trên đơn)",
            style="italic",
            indent=False,
        ),
        Heading("1. Người sử dụng đất, chủ sở hữu tài sản gắn liền với đất"),
        Field("1.1. Tên (viết chữ in hoa)", "applicant_name", upper=True),
        FieldRow(
            (Field("Năm sinh", "applicant_birth_year"), Field("Số định danh cá nhân", "id_number"))
        ),
        Field("Họ tên vợ/chồng", "spouse_name", upper=True),
        FieldRow(
            (
                Field("Năm sinh", "spouse_birth_year"),
                Field("Số định danh cá nhân", "spouse_id_number"),
            )
        ),
        Field("1.2. Địa chỉ thường trú", "address"),
        Field("1.3. Điện thoại liên hệ", "phone"),
        Heading("2. Đề nghị"),
        Field(
            "Đăng ký quyền sử dụng đất, quyền sở hữu tài sản gắn liền với đất", "registration_kind"
        ),
        Field(
            "Cấp Giấy chứng nhận quyền sử dụng đất, quyền sở hữu tài sản gắn liền với đất",
            "certificate_wanted",
        ),
        Heading("3. Thửa đất đăng ký"),
        FieldRow(
            (Field("3.1. Thửa đất số", "land_parcel"), Field("3.2. Tờ bản đồ số", "map_sheet"))
        ),
        Field("3.3. Địa chỉ tại", "land_address"),
        FieldRow((Field("3.4. Diện tích", "land_area_m2"), Field("sử dụng chung", "shared_area"))),
        Field("3.5. Sử dụng vào mục đích", "land_use"),
        Field("từ thời điểm", "land_since"),
        Field("3.6. Thời hạn đề nghị được sử dụng đất", "land_term"),
        Field("3.7. Nguồn gốc sử dụng", "land_origin"),
        PageBreak(),
        Heading("4. Tài sản gắn liền với đất"),
        Heading("4.1. Nhà ở, công trình xây dựng khác:", style="regular"),
        # The paper runs these items on inline, as here; one per line, Tesseract takes the
        # column of "a)", "b)"... for a table and loses the text beside it.
        FieldRow(
            (
                Field("a) Loại nhà ở, công trình", "house_kind"),
                Field("b) Diện tích xây dựng", "house_area_m2"),
            )
        ),
        Field(
            "c) Diện tích sàn (đối với nhà) hoặc công suất (đối với công trình khác)",
            "floor_area_m2",
        ),
        FieldRow((Field("d) Sở hữu chung", "shared_area"), Field("đ) Kết cấu", "structure"))),
        FieldRow((Field("e) Số tầng", "floors"), Field("g) Thời hạn sở hữu đến", "land_term"))),
        Heading("4.2. Rừng sản xuất là rừng trồng, cây lâu năm:", style="regular"),
        FieldRow((Field("a) Loại cây chủ yếu", ""), Field("b) Diện tích", ""))),
        Heading("5. Những giấy tờ nộp kèm theo"),
        ItemList("documents"),
        Field("6. Có nhu cầu ghi nợ tiền sử dụng đất", "debt_wanted"),
        Spacer(0.5),
        Paragraph(
            "Tôi xin cam đoan nội dung kê khai trên đơn là đúng sự thật, nếu sai tôi hoàn "
            "toàn chịu trách nhiệm trước pháp luật."
        ),
        Signature("NGƯỜI VIẾT ĐƠN", "(Ký, ghi rõ họ tên và đóng dấu nếu có)"),
        PageBreak(),
        Heading("II. XÁC NHẬN CỦA ỦY BAN NHÂN DÂN CẤP XÃ"),
        Paragraph(
            "(Xác nhận đối với trường hợp hộ gia đình cá nhân, cộng đồng dân cư, người "
            "Việt Nam định cư ở nước ngoài sở hữu nhà ở)",
            style="italic",
            indent=False,
        ),
        Field("Nội dung kê khai so với hiện trạng", "land_check"),
        Field("Nguồn gốc sử dụng đất", "land_origin"),
        FieldRow(
            (
                Field("Thời điểm sử dụng đất vào mục đích đăng ký", "land_since"),
                Field("Thời điểm tạo lập tài sản gắn liền với đất", "land_since"),
            )
        ),
        Field("Tình trạng tranh chấp đất đai, tài sản gắn liền với đất", "dispute"),
        Field("Sự phù hợp với quy hoạch sử dụng đất", "zoning"),
        Field("Nội dung khác", ""),
        Signature("TM. ỦY BAN NHÂN DÂN", "CHỦ TỊCH", name_key="chairman_name"),
    ),
)

LY_LICH_TU_PHAP = Template(
    key="to_khai_ly_lich_tu_phap",
    doc_type="to_khai_ly_lich_tu_phap",
    title="TỜ KHAI YÊU CẦU CẤP PHIẾU LÝ LỊCH TƯ PHÁP",
    form_number="Mẫu số 03/2013/TT-LLTP",
    issuer="Sở Tư pháp {province}",
    procedure="cap_phieu_ly_lich_tu_phap",
    fields=(
        "issuer",
        "applicant_name",
        "applicant_sex",
        "applicant_dob",
        "address",
        "id_number",
        "spouse_name",
        "phone",
        "document_date",
    ),
    blocks=(
        FormNumber("Mẫu số 03/2013/TT-LLTP"),
        NationalHeader(),
        Title(
            "TỜ KHAI YÊU CẦU CẤP PHIẾU LÝ LỊCH TƯ PHÁP",
            (Text("(Dùng cho cá nhân có yêu cầu cấp Phiếu lý lịch tư pháp)", "italic"),),
        ),
        _kinh_gui(),
        Spacer(0.4),
        Field("1) Họ và tên", "applicant_name", upper=True),
        Field("2) Tên gọi khác (nếu có)", ""),
        FieldRow(
            (
                Field("3) Giới tính", "applicant_sex"),
                Field("4) Ngày, tháng, năm sinh", "applicant_dob"),
            )
        ),
        Field("5) Nơi sinh", "applicant_birth_place_full"),
        FieldRow(
            (Field("6) Quốc tịch", "nationality"), Field("7) Dân tộc", "applicant_ethnicity"))
        ),
        Field("8) Nơi thường trú", "address"),
        Field("9) Nơi tạm trú", ""),
        FieldRow(
            (Field("10) Số định danh cá nhân", "id_number"), Field("Cấp ngày", "id_issue_date"))
        ),
        Field("11) Họ và tên cha", "applicant_father"),
        Field("12) Họ và tên mẹ", "applicant_mother"),
        Field("13) Họ và tên vợ/chồng", "spouse_name"),
        FieldRow((Field("14) Điện thoại", "phone"), Field("Email", "email"))),
        Field("15) Quá trình cư trú, nghề nghiệp", "career"),
        Field("16) Tiền án, tiền sự", "criminal_record"),
        FieldRow(
            (
                Field("17) Yêu cầu cấp Phiếu lý lịch tư pháp số", "lltp_kind"),
                Field("Số lượng", "copies"),
            )
        ),
        Field("18) Mục đích sử dụng Phiếu lý lịch tư pháp", "lltp_purpose"),
        Paragraph(
            "Tôi xin cam đoan những lời khai trên là đúng sự thật và chịu trách nhiệm về "
            "lời khai của mình."
        ),
        Signature("NGƯỜI KHAI", "(Ký và ghi rõ họ tên)"),
    ),
)

GIAY_TIEP_NHAN = Template(
    key="giay_tiep_nhan_hen_tra",
    doc_type="giay_tiep_nhan_ho_so",
    title="GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ",
    form_number="Mẫu số 01",
    issuer="Ủy ban nhân dân {district}",
    procedure=None,
    case_procedures=ALL_PROCEDURES,
    fields=(
        "dossier_code",
        "applicant_name",
        "address",
        "phone",
        "procedure_name",
        "document_date",
    ),
    blocks=(
        NationalHeader(
            left=(Text("UBND {district:upper}"), Text("BỘ PHẬN MỘT CỬA", "bold")),
            right_extra=(Text(DATE_LINE, "italic"),),
        ),
        Spacer(0.4),
        Title("GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ"),
        Centered("Mã hồ sơ: {dossier_code}", "bold"),
        Centered("(Liên: Lưu/giao khách hàng)", "italic"),
        Spacer(0.4),
        Paragraph(
            "Bộ phận tiếp nhận và trả kết quả {issuer} đã tiếp nhận hồ sơ của:", indent=False
        ),
        Field("Ông/Bà", "applicant_name"),
        Field("Địa chỉ", "address"),
        FieldRow((Field("Số điện thoại", "phone"), Field("Email", "email"))),
        Field("Nội dung yêu cầu giải quyết", "procedure_name"),
        Heading("1. Thành phần hồ sơ nộp gồm:", style="regular"),
        ItemList("documents", suffix=": 01 bản"),
        FieldRow(
            (
                Field("2. Số lượng hồ sơ", "dossier_count"),
                Field("3. Thời gian giải quyết hồ sơ theo quy định là", "working_days"),
            )
        ),
        Field("4. Thời gian nhận hồ sơ", "received_at"),
        Field("5. Thời gian trả kết quả giải quyết hồ sơ", "appointment"),
        Field("6. Đăng ký nhận kết quả tại", "result_at"),
        Paragraph("Vào Sổ theo dõi hồ sơ, Quyển số: 01, Số thứ tự: {ledger_number}.", indent=False),
        Signature(
            "NGƯỜI TIẾP NHẬN HỒ SƠ",
            "(Ký và ghi rõ họ tên)",
            name_key="officer_name",
            date_line=False,
        ),
    ),
)

# -- papers of the wider catalogue -------------------------------------------------------
# Wording after the published forms and papers (TT 04/2020/TT-BTP for civil status, TT
# 56/2017/TT-BYT for the birth paper, NĐ 15/2021/NĐ-CP for building permits, the 2014
# land certificate, the 2016 and 2021 ID cards), shortened like the forms above. Issued
# papers name their issuing body in a labelled line ("Nơi đăng ký", "Cơ quan cấp") besides
# the header, so that the issuer can be read like any other field.

CAN_CUOC_CONG_DAN = Template(
    key="can_cuoc_cong_dan",
    doc_type="can_cuoc_cong_dan",
    title="CĂN CƯỚC CÔNG DÂN",
    form_number=None,
    issuer="",  # the issuing police department is on the back side
    procedure=None,
    fields=(
        "id_number",
        "applicant_name",
        "applicant_dob",
        "applicant_sex",
        "nationality",
        "hometown",
        "address",
        "valid_until",
    ),
    bind=(("hometown", "applicant_hometown"),),
    blocks=(
        Card(
            header=(
                Text("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "bold"),
                Text("SOCIALIST REPUBLIC OF VIET NAM", "bold"),
                Text("Độc lập - Tự do - Hạnh phúc", "bold"),
                Text("Independence - Freedom - Happiness", "bold"),
            ),
            title=(Text("CĂN CƯỚC CÔNG DÂN", "bold"), Text("Citizen Identity Card", "bold")),
            rows=(
                (CardField("{card_number_label}", "id_number"),),
                (CardField("Họ và tên / Full name", "applicant_name", below=True, upper=True),),
                (CardField("Ngày sinh / Date of birth", "applicant_dob"),),
                (
                    CardField("Giới tính / Sex", "applicant_sex"),
                    CardField("Quốc tịch / Nationality", "nationality"),
                ),
                (CardField("Quê quán / Place of origin", "hometown", below=True),),
                (CardField("Nơi thường trú / Place of residence", "address", below=True),),
                (CardField("Có giá trị đến / Date of expiry", "valid_until"),),
            ),
        ),
    ),
)

GIAY_CHUNG_SINH = Template(
    key="giay_chung_sinh",
    young_family=True,
    doc_type="giay_chung_sinh",
    title="GIẤY CHỨNG SINH",
    form_number=None,
    issuer="{hospital}",
    procedure="dang_ky_khai_sinh",
    fields=(
        "issuer",
        "mother_name",
        "mother_birth_year",
        "address",
        "id_number",
        "father_name",
        "subject_dob",
        "subject_sex",
        "subject_name",
        "document_date",
    ),
    # The mother's ID number; the birth "vào lúc" (time and date) is the child's dob.
    bind=(
        ("id_number", "mother_id_number"),
        ("subject_dob", "birth_time"),
        ("document_date", "birth_paper_date"),
    ),
    stamp="{hospital_upper} *",
    blocks=(
        # The paper opens with the hospital and its register numbers, top left.
        Field("Cơ sở KB, CB", "issuer"),
        FieldRow((Field("Số", "birth_paper_number"), Field("Quyển số", "birth_paper_book"))),
        NationalHeader(),
        Title("GIẤY CHỨNG SINH"),
        Spacer(0.3),
        Field("Họ và tên mẹ/Người nuôi dưỡng", "mother_name", upper=True),
        Field("Năm sinh", "mother_birth_year"),
        Field("Nơi đăng ký thường trú", "address"),
        Field("Giấy CMND/Thẻ căn cước/Hộ chiếu số", "id_number"),
        FieldRow(
            (Field("Ngày cấp", "mother_id_issue_date"), Field("Dân tộc", "applicant_ethnicity"))
        ),
        Field("Họ và tên cha", "father_name", upper=True),
        Field("Đã sinh con vào lúc", "subject_dob"),
        Field("Tại", "hospital"),
        Field("Số con trong lần sinh này", "children_born"),
        FieldRow((Field("Giới tính của con", "subject_sex"), Field("Cân nặng", "birth_weight"))),
        Field("Dự định đặt tên con là", "subject_name"),
        Field("Ghi chú", ""),
        Signature(
            "THỦ TRƯỞNG CƠ SỞ Y TẾ", "(Ký, ghi rõ họ tên, đóng dấu)", name_key="chairman_name"
        ),
    ),
)

GIAY_KHAI_SINH = Template(
    key="giay_khai_sinh",
    young_family=True,
    doc_type="giay_khai_sinh",
    title="GIẤY KHAI SINH",
    form_number=None,
    issuer="Ủy ban nhân dân {ward}, {district}, {province}",
    procedure=None,
    fields=(
        "subject_name",
        "subject_dob",
        "subject_sex",
        "id_number",
        "mother_name",
        "father_name",
        "issuer",
        "document_date",
    ),
    bind=(("id_number", "subject_id_number"),),
    blocks=(
        NationalHeader(),
        Title("GIẤY KHAI SINH"),
        Centered("Số: {birth_certificate_number}, Quyển số: {birth_certificate_book}"),
        Spacer(0.4),
        Field("Họ, chữ đệm, tên", "subject_name", upper=True),
        Field("Ngày, tháng, năm sinh", "subject_dob"),
        Field("ghi bằng chữ", "subject_dob_words"),
        FieldRow(
            (
                Field("Giới tính", "subject_sex"),
                Field("Dân tộc", "applicant_ethnicity"),
                Field("Quốc tịch", "nationality"),
            )
        ),
        Field("Nơi sinh", "subject_birth_place"),
        Field("Quê quán", "subject_hometown"),
        Field("Số định danh cá nhân", "id_number"),
        Field("Họ, chữ đệm, tên người mẹ", "mother_name", upper=True),
        FieldRow(
            (
                Field("Năm sinh", "mother_birth_year"),
                Field("Dân tộc", "applicant_ethnicity"),
                Field("Quốc tịch", "nationality"),
            )
        ),
        Field("Nơi cư trú", "address"),
        Field("Họ, chữ đệm, tên người cha", "father_name", upper=True),
        FieldRow(
            (
                Field("Năm sinh", "father_birth_year"),
                Field("Dân tộc", "applicant_ethnicity"),
                Field("Quốc tịch", "nationality"),
            )
        ),
        Field("Nơi cư trú", "address"),
        Field("Nơi đăng ký", "issuer"),
        Signature(
            "NGƯỜI KÝ GIẤY KHAI SINH",
            "(Ký, ghi rõ họ, chữ đệm, tên, chức vụ, đóng dấu)",
            name_key="chairman_name",
        ),
    ),
)

TO_KHAI_KET_HON = Template(
    key="to_khai_dang_ky_ket_hon",
    young_family=True,
    doc_type="to_khai_dang_ky_ket_hon",
    title="TỜ KHAI ĐĂNG KÝ KẾT HÔN",
    form_number=None,
    issuer="Ủy ban nhân dân {ward}, {district}, {province}",
    procedure="dang_ky_ket_hon",
    fields=(
        "issuer",
        "applicant_name",
        "applicant_dob",
        "address",
        "id_number",
        "spouse_name",
        "spouse_dob",
        "spouse_id_number",
        "document_date",
    ),
    # The paper has a column per party; here the bride's block, then the groom's (two
    # columns would have no reading order). The first party is the "applicant".
    bind=(
        ("applicant_name", "bride_name"),
        ("applicant_dob", "bride_dob"),
        ("id_number", "bride_id_number"),
        ("address", "bride_address"),
        ("spouse_name", "groom_name"),
        ("spouse_dob", "groom_dob"),
        ("spouse_id_number", "groom_id_number"),
    ),
    blocks=(
        NationalHeader(),
        Title("TỜ KHAI ĐĂNG KÝ KẾT HÔN"),
        _kinh_gui(),
        Spacer(0.4),
        Heading("Thông tin bên nữ:"),
        Field("Họ, chữ đệm, tên", "applicant_name", upper=True),
        Field("Ngày, tháng, năm sinh", "applicant_dob"),
        FieldRow((Field("Dân tộc", "applicant_ethnicity"), Field("Quốc tịch", "nationality"))),
        Field("Nơi cư trú", "address"),
        Field("Số định danh cá nhân", "id_number"),
        Field("Kết hôn lần thứ mấy", "marriage_count"),
        Heading("Thông tin bên nam:"),
        Field("Họ, chữ đệm, tên", "spouse_name", upper=True),
        Field("Ngày, tháng, năm sinh", "spouse_dob"),
        FieldRow((Field("Dân tộc", "applicant_ethnicity"), Field("Quốc tịch", "nationality"))),
        Field("Nơi cư trú", "groom_address"),
        Field("Số định danh cá nhân", "spouse_id_number"),
        Field("Kết hôn lần thứ mấy", "marriage_count"),
        Paragraph(
            "Chúng tôi cam đoan những lời khai trên đây là đúng sự thật, việc kết hôn của "
            "chúng tôi là tự nguyện, không vi phạm quy định của Luật Hôn nhân và gia đình "
            "Việt Nam."
        ),
        Paragraph(
            "Chúng tôi chịu hoàn toàn trách nhiệm trước pháp luật về nội dung cam đoan của mình."
        ),
        Paragraph("Đề nghị Quý cơ quan đăng ký."),
        Signature("BÊN NỮ", "(Ký, ghi rõ họ, chữ đệm, tên)"),
        Signature(
            "BÊN NAM", "(Ký, ghi rõ họ, chữ đệm, tên)", name_key="spouse_name", date_line=False
        ),
    ),
)

TO_KHAI_KHAI_TU = Template(
    key="to_khai_dang_ky_khai_tu",
    doc_type="to_khai_dang_ky_khai_tu",
    title="TỜ KHAI ĐĂNG KÝ KHAI TỬ",
    form_number=None,
    issuer="Ủy ban nhân dân {ward}, {district}, {province}",
    procedure="dang_ky_khai_tu",
    fields=(
        "issuer",
        "applicant_name",
        "address",
        "id_number",
        "relation",
        "subject_name",
        "subject_dob",
        "subject_sex",
        "death_date",
        "death_place",
        "death_cause",
        "document_date",
    ),
    bind=(
        ("subject_name", "deceased_name"),
        ("subject_dob", "deceased_dob"),
        ("subject_sex", "deceased_sex"),
        ("relation", "death_relation"),
    ),
    blocks=(
        NationalHeader(),
        Title("TỜ KHAI ĐĂNG KÝ KHAI TỬ"),
        _kinh_gui(),
        Spacer(0.4),
        Field("Họ, chữ đệm, tên người yêu cầu", "applicant_name"),
        Field("Nơi cư trú", "address"),
        Field("Số định danh cá nhân", "id_number"),
        Field("Quan hệ với người đã chết", "relation"),
        Paragraph("Đề nghị cơ quan đăng ký khai tử cho người có tên dưới đây:", indent=False),
        Field("Họ, chữ đệm, tên", "subject_name", upper=True),
        Field("Ngày, tháng, năm sinh", "subject_dob"),
        FieldRow(
            (
                Field("Giới tính", "subject_sex"),
                Field("Dân tộc", "applicant_ethnicity"),
                Field("Quốc tịch", "nationality"),
            )
        ),
        Field("Số định danh cá nhân", "deceased_id_number"),
        Field("Nơi cư trú cuối cùng", "address"),
        Field("Đã chết vào lúc", "death_date"),
        Field("Nơi chết", "death_place"),
        Field("Nguyên nhân chết", "death_cause"),
        Field("Số Giấy báo tử/Giấy tờ thay thế Giấy báo tử", "death_notice"),
        Paragraph(
            "Tôi cam đoan những nội dung khai trên đây là đúng sự thật và chịu trách nhiệm "
            "trước pháp luật về cam đoan của mình."
        ),
        Field("Đề nghị cấp bản sao: Có, số lượng", "copies"),
        Signature("NGƯỜI YÊU CẦU", "(Ký, ghi rõ họ, chữ đệm, tên)"),
    ),
)

GIAY_CHUNG_NHAN_HO_KINH_DOANH = Template(
    key="giay_chung_nhan_dang_ky_ho_kinh_doanh",
    doc_type="giay_chung_nhan_dang_ky_ho_kinh_doanh",
    title="GIẤY CHỨNG NHẬN ĐĂNG KÝ HỘ KINH DOANH",
    form_number=None,
    issuer="Phòng Tài chính - Kế hoạch {district}",
    procedure=None,
    fields=(
        "business_code",
        "business_name",
        "business_address",
        "business_trade",
        "capital_vnd",
        "applicant_name",
        "applicant_sex",
        "applicant_dob",
        "id_number",
        "address",
        "issuer",
        "document_date",
    ),
    stamp="PHÒNG TÀI CHÍNH - KẾ HOẠCH * {district:upper} *",
    blocks=(
        NationalHeader(
            left=(Text("UBND {district:upper}"), Text("PHÒNG TÀI CHÍNH - KẾ HOẠCH", "bold")),
        ),
        Title("GIẤY CHỨNG NHẬN ĐĂNG KÝ HỘ KINH DOANH"),
        Centered("Mã số hộ kinh doanh: {business_code}", "bold"),
        Centered("Đăng ký lần đầu: {document_date}", "italic"),
        Spacer(0.4),
        Field("1. Tên hộ kinh doanh", "business_name", upper=True),
        Field("2. Địa chỉ trụ sở hộ kinh doanh", "business_address"),
        FieldRow((Field("Điện thoại", "phone"), Field("Email", "email"))),
        Field("3. Ngành, nghề kinh doanh", "business_trade"),
        Field("4. Vốn kinh doanh", "capital_vnd"),
        Field("Bằng chữ", "capital_words"),
        Heading("5. Thông tin về chủ hộ kinh doanh:", style="regular"),
        FieldRow(
            (
                Field("Họ, chữ đệm và tên", "applicant_name", upper=True),
                Field("Giới tính", "applicant_sex"),
            )
        ),
        FieldRow(
            (
                Field("Sinh ngày", "applicant_dob"),
                Field("Dân tộc", "applicant_ethnicity"),
                Field("Quốc tịch", "nationality"),
            )
        ),
        Field("Số định danh cá nhân", "id_number"),
        FieldRow((Field("Ngày cấp", "id_issue_date"), Field("Nơi cấp", "id_issuer"))),
        Field("Địa chỉ thường trú", "address"),
        Field("Địa chỉ liên lạc", "address"),
        Field("Cơ quan cấp", "issuer"),
        Signature("TRƯỞNG PHÒNG", "(Ký, ghi họ tên và đóng dấu)", name_key="officer_name"),
    ),
)

DON_XIN_PHEP_XAY_DUNG = Template(
    key="don_de_nghi_cap_giay_phep_xay_dung",
    doc_type="don_de_nghi_cap_giay_phep_xay_dung",
    title="ĐƠN ĐỀ NGHỊ CẤP GIẤY PHÉP XÂY DỰNG",
    form_number="Mẫu số 01",
    issuer="Ủy ban nhân dân {land_district}, {province}",
    procedure="cap_giay_phep_xay_dung",
    fields=(
        "issuer",
        "applicant_name",
        "address",
        "phone",
        "construction_address",
        "land_parcel",
        "map_sheet",
        "land_area_m2",
        "building_type",
        "floors",
        "floor_area_m2",
        "document_date",
    ),
    bind=(("building_type", "house_kind"),),
    blocks=(
        FormNumber("Mẫu số 01"),
        NationalHeader(),
        Title(
            "ĐƠN ĐỀ NGHỊ CẤP GIẤY PHÉP XÂY DỰNG",
            (Text("(Sử dụng cho công trình: Nhà ở riêng lẻ)", "italic"),),
        ),
        _kinh_gui(),
        Spacer(0.4),
        Heading("1. Thông tin về chủ đầu tư:", style="regular"),
        Field("Tên chủ đầu tư (tên chủ hộ)", "applicant_name", upper=True),
        FieldRow((Field("Người đại diện", ""), Field("Chức vụ (nếu có)", ""))),
        Field("Địa chỉ liên hệ", "address"),
        Field("Số điện thoại", "phone"),
        Heading("2. Thông tin công trình:", style="regular"),
        Field("Địa điểm xây dựng", "construction_address"),
        FieldRow((Field("Lô đất số", "land_parcel"), Field("Tờ bản đồ số", "map_sheet"))),
        Field("Diện tích", "land_area_m2"),
        Field("3. Tổ chức, cá nhân lập, thẩm tra thiết kế xây dựng", "design_firm"),
        Heading("4. Nội dung đề nghị cấp phép:", style="regular"),
        FieldRow(
            (Field("Loại công trình", "building_type"), Field("Cấp công trình", "building_grade"))
        ),
        Field("Diện tích xây dựng tầng 1 (tầng trệt)", "house_area_m2"),
        Field("Tổng diện tích sàn", "floor_area_m2"),
        FieldRow((Field("Chiều cao công trình", "building_height"), Field("Số tầng", "floors"))),
        Field("5. Dự kiến thời gian hoàn thành công trình", "build_months"),
        Paragraph(
            "6. Cam kết: Tôi xin cam đoan làm theo đúng giấy phép được cấp, nếu sai tôi xin "
            "hoàn toàn chịu trách nhiệm và bị xử lý theo quy định của pháp luật.",
            indent=False,
        ),
        Heading("Gửi kèm theo Đơn này các tài liệu:", style="regular"),
        ItemList("documents"),
        Signature("NGƯỜI LÀM ĐƠN", "(Ký, ghi rõ họ tên)"),
    ),
)

GIAY_CHUNG_NHAN_QSDD = Template(
    key="giay_chung_nhan_quyen_su_dung_dat",
    doc_type="giay_chung_nhan_quyen_su_dung_dat",
    title=(
        "GIẤY CHỨNG NHẬN QUYỀN SỬ DỤNG ĐẤT, QUYỀN SỞ HỮU NHÀ Ở VÀ TÀI SẢN KHÁC GẮN LIỀN VỚI ĐẤT"
    ),
    form_number=None,
    issuer="Ủy ban nhân dân {land_district}, {province}",
    procedure=None,
    fields=(
        "certificate_serial",
        "applicant_name",
        "applicant_birth_year",
        "id_number",
        "address",
        "land_parcel",
        "map_sheet",
        "land_address",
        "land_area_m2",
        "land_use",
        "land_term",
        "issuer",
        "document_date",
    ),
    bind=(("document_date", "land_paper_date"),),
    stamp="ỦY BAN NHÂN DÂN * {land_district:upper} *",
    blocks=(
        NationalHeader(),
        # "GIẤY CHỨNG NHẬN" stands large on its own line; the rest wraps in wide fonts.
        Title("GIẤY CHỨNG NHẬN"),
        Centered("QUYỀN SỬ DỤNG ĐẤT, QUYỀN SỞ HỮU NHÀ Ở VÀ TÀI SẢN KHÁC GẮN LIỀN VỚI ĐẤT", "bold"),
        Spacer(0.6),
        Heading("I. Người sử dụng đất, chủ sở hữu nhà ở và tài sản khác gắn liền với đất"),
        # "Ông" or "Bà" as the label of the holder's name, as the certificate prints it.
        FieldRow(
            (
                Field("{holder_title}", "applicant_name", upper=True),
                Field("Năm sinh", "applicant_birth_year"),
            )
        ),
        Field("Số định danh cá nhân", "id_number"),
        Field("Địa chỉ thường trú", "address"),
        Spacer(1.0),
        Centered("Số phát hành: {certificate_serial}", "bold"),
        PageBreak(),
        Heading("II. Thửa đất, nhà ở và tài sản khác gắn liền với đất"),
        Heading("1. Thửa đất:", style="regular"),
        FieldRow((Field("Thửa đất số", "land_parcel"), Field("Tờ bản đồ số", "map_sheet"))),
        Field("Địa chỉ", "land_address"),
        Field("Diện tích", "land_area_m2"),
        Field("Bằng chữ", "land_area_words"),
        Field("Hình thức sử dụng", "land_use_form"),
        Field("Mục đích sử dụng", "land_use"),
        Field("Thời hạn sử dụng", "land_term"),
        Field("Nguồn gốc sử dụng", "land_origin"),
        Heading("2. Nhà ở:", style="regular"),
        FieldRow((Field("Loại nhà ở", "house_kind"), Field("Diện tích xây dựng", "house_area_m2"))),
        FieldRow((Field("Diện tích sàn", "floor_area_m2"), Field("Số tầng", "floors"))),
        Field("3. Ghi chú", "note"),
        Field("Cơ quan cấp", "issuer"),
        Signature("TM. ỦY BAN NHÂN DÂN", "KT. CHỦ TỊCH", name_key="chairman_name"),
        Field("Số vào sổ cấp Giấy chứng nhận", "land_register"),
    ),
)

TEMPLATES: dict[str, Template] = {
    t.key: t
    for t in (
        TO_KHAI_KHAI_SINH,
        TO_KHAI_CU_TRU,
        HO_KINH_DOANH,
        DON_DANG_KY_DAT_DAI,
        LY_LICH_TU_PHAP,
        GIAY_TIEP_NHAN,
        CAN_CUOC_CONG_DAN,
        GIAY_CHUNG_SINH,
        GIAY_KHAI_SINH,
        TO_KHAI_KET_HON,
        TO_KHAI_KHAI_TU,
        GIAY_CHUNG_NHAN_HO_KINH_DOANH,
        DON_XIN_PHEP_XAY_DUNG,
        GIAY_CHUNG_NHAN_QSDD,
    )
}
# One template per catalogued document type.
BY_DOC_TYPE: dict[str, Template] = {t.doc_type: t for t in TEMPLATES.values()}

# -- papers of scanned stacks only -------------------------------------------------------
# The separator sheet that staff print from the one-stop system and lay on top of each
# dossier before a stack goes through the feeder: the dossier code as a QR code (top left,
# like every paper the system issues), then printed. The wording is this project's own
# design; no official form is known. Kept out of TEMPLATES, so that the labelled set, the
# training texts and the random documents stay exactly what they were.

PHIEU_PHAN_CACH = Template(
    key="phieu_phan_cach_ho_so",
    doc_type="to_phan_cach_ho_so",
    title="PHIẾU PHÂN CÁCH HỒ SƠ",
    form_number=None,
    issuer="",
    procedure=None,
    fields=("dossier_code",),
    blocks=(
        # Larger modules than on a receipt: the sheet exists to be read by machine.
        CodeMark("qr", module_mm=0.9),
        Spacer(1.0),
        Title("PHIẾU PHÂN CÁCH HỒ SƠ"),
        Spacer(0.5),
        Centered("Mã hồ sơ: {dossier_code}", "bold"),
    ),
)

STACK_TEMPLATES: dict[str, Template] = {PHIEU_PHAN_CACH.key: PHIEU_PHAN_CACH}
# Every template by key, for code that renders any of them (the stack generator).
ALL_TEMPLATES: dict[str, Template] = {**TEMPLATES, **STACK_TEMPLATES}
