"""Cutting a bulk-scan stack into dossiers and documents, and linking them to records."""

from __future__ import annotations

import random
from datetime import date

import pytest

from digitize.understand import Knowledge, load_catalogue
from digitize.understand.files import understand_file
from digitize.understand.link import DossierRecord, link_dossier
from digitize.understand.model import DEFAULT_MODEL
from digitize.understand.pages import PageCode
from digitize.understand.stack import read_dossier_code, split_stack
from samples.people import make_case
from samples.render import render
from samples.stack import untitled
from samples.templates import ALL_TEMPLATES
from service.context import open_database
from service.records import SqlRecordBook
from tests.understand_helpers import page

HEADER = ("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc")
CODE_A = "000.00.13.H12-240115-0042"
CODE_B = "000.20.01.H02-250331-0235"


@pytest.fixture(scope="module")
def knowledge() -> Knowledge:
    return Knowledge(load_catalogue())


def receipt(number: int, printed: str, *codes: PageCode, procedure: str = "Đăng ký khai sinh"):
    return page(
        number,
        "UBND QUẬN CẦU GIẤY",
        *HEADER,
        "GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ",
        f"Mã hồ sơ: {printed}",
        "Ông/Bà: Nguyễn Văn An",
        f"Nội dung yêu cầu giải quyết: {procedure}",
        codes=codes,
    )


def declaration(number: int, name: str = "Nguyễn Văn An"):
    return page(
        number,
        *HEADER,
        "TỜ KHAI ĐĂNG KÝ KHAI SINH",
        f"Họ, chữ đệm, tên người yêu cầu: {name} ......",
        "Số định danh cá nhân: 001090012345 ......",
    )


def card(number: int):
    return page(number, "CĂN CƯỚC CÔNG DÂN", "Số định danh cá nhân: 001090012345")


def continuation(number: int):
    return page(number, "Nơi cư trú của cha, mẹ: Hà Nội ......", "NGƯỜI YÊU CẦU")


def qr(text: str, readable: bool = True) -> PageCode:
    return PageCode("qr", text if readable else "", readable)


def test_a_stack_is_cut_at_receipts_and_separators(knowledge) -> None:
    pages = [
        continuation(1),  # before any boundary: unassigned, never dropped
        receipt(2, CODE_A, qr(CODE_A)),
        declaration(3),
        continuation(4),
        page(5, blank=True),
        card(6),
        page(7, "PHIẾU PHÂN CÁCH HỒ SƠ", f"Mã hồ sơ: {CODE_B}", codes=(qr(CODE_B),)),
        declaration(8),
    ]
    split = split_stack(pages, knowledge)
    assert split is not None
    assert split.unassigned_pages == [1]
    first, second = split.dossiers
    assert (first.reading.code, first.reading.source, first.boundary) == (CODE_A, "qr", "receipt")
    assert first.pages == [2, 3, 4, 5, 6] and first.blank_pages == [5]
    assert [d.pages for d in first.documents] == [(2,), (3, 4), (6,)]
    assert [d.doc_type for d in first.documents] == [
        "giay_tiep_nhan_ho_so",
        "to_khai_dang_ky_khai_sinh",
        "can_cuoc_cong_dan",
    ]
    assert first.procedure == "dang_ky_khai_sinh"
    assert (second.reading.code, second.boundary) == (CODE_B, "separator")
    assert second.pages == [7, 8]
    assert [d.pages for d in second.documents] == [(8,)]  # the separator is no document


def test_every_page_is_in_exactly_one_place(knowledge) -> None:
    pages = [
        continuation(1),
        receipt(2, CODE_A, qr(CODE_A)),
        declaration(3),
        page(4, blank=True),
        receipt(5, CODE_B),
        card(6),
    ]
    result = understand_file(pages, knowledge).as_json()
    placed = list(result["unassigned_pages"])
    for dossier in result["dossiers"]:
        placed += dossier["pages"]
    assert sorted(placed) == [1, 2, 3, 4, 5, 6] and len(placed) == 6
    in_documents = [n for d in result["documents"] for n in d["pages"]]
    assert sorted(in_documents) == [1, 2, 3, 5, 6]  # the blank back is in no document


def test_a_file_without_boundaries_is_no_stack(knowledge) -> None:
    assert split_stack([declaration(1), continuation(2)], knowledge) is None
    result = understand_file([declaration(1), continuation(2)], knowledge).as_json()
    assert result["dossiers"] == [] and len(result["documents"]) == 1


def test_a_qr_that_disagrees_with_the_print_is_flagged_not_guessed(knowledge) -> None:
    reading = read_dossier_code(receipt(1, CODE_A, qr(CODE_B)), "receipt", knowledge)
    assert reading.code is None
    assert reading.candidates == {"qr": CODE_B, "text": CODE_A}
    assert any("disagree" in r for r in reading.review)


def test_a_damaged_qr_is_flagged_and_the_print_is_used(knowledge) -> None:
    reading = read_dossier_code(receipt(1, CODE_A, qr("", readable=False)), "receipt", knowledge)
    assert (reading.code, reading.source) == (CODE_A, "text")
    assert any("unreadable" in r for r in reading.review)


def test_a_barcode_and_print_that_agree(knowledge) -> None:
    barcode = PageCode("code128", CODE_A)
    reading = read_dossier_code(receipt(1, CODE_A, barcode), "receipt", knowledge)
    assert (reading.code, reading.source, reading.review) == (CODE_A, "barcode", ())


def test_a_printed_code_that_breaks_the_structure_is_flagged(knowledge) -> None:
    reading = read_dossier_code(receipt(1, "000.00.13.H12-241315-0042"), "receipt", knowledge)
    assert reading.code is None
    assert any("official structure" in r for r in reading.review)


def test_a_qr_with_more_than_a_dossier_code_opens_no_dossier(knowledge) -> None:
    # Documents the system issues carry a QR with the code and more (TT 01/2023).
    issued = page(1, "QUYẾT ĐỊNH", codes=(qr(f"{CODE_A}|1.001193|001090012345|Giấy khai sinh"),))
    assert split_stack([issued, declaration(2)], knowledge) is None


# -- documents the classifier tells apart ---------------------------------------------------


@pytest.fixture(scope="module")
def learned() -> Knowledge:
    """The catalogue and the shipped classifier model."""
    return Knowledge.load(model_path=DEFAULT_MODEL)


def paper(key: str, first: int, case_seed: int, *, without_top: bool = False) -> list:
    """The pages of a generated paper as text (laid out, not drawn), numbered from
    `first`; `without_top`: copied without its header and title. Cases of a seed the
    shipped model was not trained on."""
    template = ALL_TEMPLATES[key]
    if without_top:
        template = untitled(template)
    procedure = template.procedure or (template.case_procedures or (None,))[0]
    case = make_case(
        random.Random(f"test-stack:{case_seed}"), procedure, young_family=template.young_family
    )
    rendered = render(template, case, dpi=300, draw=False)
    return [page(first + n, *p.text.splitlines()) for n, p in enumerate(rendered.pages)]


@pytest.mark.parametrize("case_seed", range(4))
def test_untitled_papers_start_where_the_type_changes(learned, case_seed: int) -> None:
    pages = [receipt(1, CODE_A, qr(CODE_A))]
    for key, untitled_ in (
        ("to_khai_khai_sinh", False),
        ("can_cuoc_cong_dan", True),  # an ID card copy cut below the card's title
        ("giay_khai_sinh", True),  # a certificate copied without its top
        ("giay_chung_nhan_quyen_su_dung_dat", True),
    ):
        pages += paper(key, len(pages) + 1, case_seed, without_top=untitled_)
    assert not any("CĂN CƯỚC" in p.text or "CỘNG HÒA" in p.text for p in pages[2:])
    split = split_stack(pages, learned)
    assert split is not None
    (dossier,) = split.dossiers
    assert [d.pages for d in dossier.documents] == [(1,), (2,), (3,), (4,), (5, 6)]
    assert [d.doc_type for d in dossier.documents[1:]] == [
        "to_khai_dang_ky_khai_sinh",
        "can_cuoc_cong_dan",
        "giay_khai_sinh",
        "giay_chung_nhan_quyen_su_dung_dat",
    ]


MULTI_PAGE = (
    "giay_de_nghi_ho_kinh_doanh",
    "don_dang_ky_dat_dai_04a",
    "giay_chung_nhan_quyen_su_dung_dat",
    "don_de_nghi_cap_giay_phep_xay_dung",
)


@pytest.mark.parametrize("key", MULTI_PAGE)
def test_continuation_pages_stay_with_their_document(learned, key: str) -> None:
    for case_seed in range(6):
        pages = [receipt(1, CODE_A, qr(CODE_A)), *paper(key, 2, case_seed)]
        pages += paper("can_cuoc_cong_dan", len(pages) + 1, case_seed)
        split = split_stack(pages, learned)
        assert split is not None
        documents = [d.pages for d in split.dossiers[0].documents]
        numbers = tuple(p.number for p in pages)
        assert documents == [(1,), numbers[1:-1], numbers[-1:]], (key, case_seed)


def test_without_a_model_only_titles_and_headers_start_documents(knowledge) -> None:
    pages = [receipt(1, CODE_A, qr(CODE_A)), *paper("to_khai_khai_sinh", 2, 0)]
    pages += paper("can_cuoc_cong_dan", len(pages) + 1, 0, without_top=True)
    split = split_stack(pages, knowledge)
    assert split is not None
    assert [d.pages for d in split.dossiers[0].documents] == [(1,), (2, 3)]


@pytest.fixture
def book(tmp_path) -> SqlRecordBook:
    return SqlRecordBook(open_database(f"sqlite:///{tmp_path}/db.sqlite"))


def _dossier(knowledge, name: str = "Nguyễn Văn An"):
    split = split_stack([receipt(1, CODE_A, qr(CODE_A)), declaration(2, name)], knowledge)
    assert split is not None
    return split.dossiers[0]


def test_a_dossier_links_to_its_imported_record(knowledge, book) -> None:
    book.upsert(
        DossierRecord(
            CODE_A,
            procedure="dang_ky_khai_sinh",
            applicant_name="NGUYỄN VĂN AN",
            applicant_id_number="001090012345",
            received_date=date(2024, 1, 15),
        )
    )
    link = link_dossier(_dossier(knowledge), book)
    assert link is not None and not link.created
    assert link.mismatches == ()
    assert link.record.received_date == date(2024, 1, 15)


def test_a_record_that_disagrees_with_the_documents_is_flagged(knowledge, book) -> None:
    book.upsert(DossierRecord(CODE_A, procedure="dang_ky_ket_hon", applicant_name="Lê Thị Hoa"))
    link = link_dossier(_dossier(knowledge), book)
    assert link is not None
    assert any(m.startswith("procedure") for m in link.mismatches)
    assert any(m.startswith("applicant") for m in link.mismatches)


def test_a_dossier_without_a_record_gets_one_made_from_its_documents(knowledge, book) -> None:
    link = link_dossier(_dossier(knowledge), book)
    assert link is not None and link.created
    assert link.record.origin == "from_scan"
    assert link.record.procedure == "dang_ky_khai_sinh"
    assert link.record.procedure_code == "1.001193"
    assert link.record.applicant_id_number == "001090012345"
    assert book.find(CODE_A) == link.record  # stored, so the next scan finds it


def test_the_record_may_name_any_person_the_papers_name(knowledge, book) -> None:
    """A dossier for two people (a marriage, a household) names both; the one-stop
    record names one of them, not necessarily the first paper's applicant."""
    pages = [receipt(1, CODE_A, qr(CODE_A)), declaration(2, "Nguyễn Văn An")]
    pages.append(declaration(3, "Trần Thị Bình"))
    split = split_stack(pages, knowledge)
    assert split is not None
    dossier = split.dossiers[0]
    book.upsert(DossierRecord(CODE_A, applicant_name="TRẦN THỊ BÌNH"))
    link = link_dossier(dossier, book)
    assert link is not None and not any(m.startswith("applicant") for m in link.mismatches)
    book.upsert(
        DossierRecord(CODE_A, applicant_name="Lê Thị Hoa", applicant_id_number="079192004321")
    )
    link = link_dossier(dossier, book)
    assert link is not None
    [applicant] = [m for m in link.mismatches if m.startswith("applicant")]
    assert "Nguyễn Văn An" in applicant and "Trần Thị Bình" in applicant
    assert any(m.startswith("ID number") for m in link.mismatches)
