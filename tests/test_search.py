"""Full-text search, case by case, on SQLite (FTS5) and PostgreSQL (tsvector): folded and
exact queries, ranking, filters, paging, ID numbers and dossier codes, corrections,
the index kept by assembly, the rebuild command, and the API's permissions and errors.

The documents are made directly as rows (scans, pages, documents, fields, dossiers),
as digitising would store them, so no OCR runs here."""

from __future__ import annotations

import unicodedata
import uuid
from collections.abc import Sequence
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from sqlalchemy import delete, func, inspect, select

from cli.main import main as digitize
from models import Document, Dossier, DossierDocument, Field, Page, Scan, ScanStatus, SearchPage
from models.migrate import alembic_config, upgrade
from service import search as search_module
from service.citizens import reuse_document
from service.context import Services
from service.errors import InvalidInputError
from service.processing import assemble_scan
from service.records import to_record, upsert_record
from service.review import correct_field
from service.search import Filters, Results, index_documents, refresh_facets, reindex, search
from tests.badfiles import good_pdf
from tests.service_fixtures import Keys

CODE = "000.00.13.H12-240115-0042"
OTHER_UNIT_CODE = "000.20.07.G05-240301-0007"


def add_document(
    services: Services,
    pages: Sequence[str],
    *,
    doc_type: str = "to_khai_dang_ky_khai_sinh",
    procedure: str | None = "dang_ky_khai_sinh",
    fields: dict[str, tuple[Any, int | None]] | None = None,
    dossier: str | None = None,
) -> int:
    """A digitised document with these page texts (and fields: name -> (value, page in
    the scan)), in dossier `dossier` if given, indexed as assembly indexes it."""
    with services.writes.begin() as session:
        scan = Scan(
            sha256=uuid.uuid4().hex * 2, size=1, format="pdf", original_name="scan.pdf",
            status=ScanStatus.DONE, pages_total=len(pages),
        )  # fmt: skip
        session.add(scan)
        session.flush()
        session.add_all(
            Page(scan_id=scan.id, number=n, status="done", text=text, blank=not text)
            for n, text in enumerate(pages, 1)
        )
        document = Document(
            scan_id=scan.id, index=0, doc_type=doc_type, doc_type_name=None,
            procedure=procedure, procedure_code=None, confidence=0.9,
            procedure_confidence=0.9, pages=list(range(1, len(pages) + 1)), review=[],
            fields=[
                Field(name=name, value=value, page=page, problems=[])
                for name, (value, page) in (fields or {}).items()
            ],
        )  # fmt: skip
        session.add(document)
        session.flush()
        if dossier is not None:
            row = session.scalar(select(Dossier).where(Dossier.code == dossier))
            assert row is not None, f"make dossier {dossier} first"
            position = session.scalar(
                select(func.count()).where(DossierDocument.dossier_id == row.id)
            )
            session.add(DossierDocument(dossier_id=row.id, document_id=document.id,
                                        position=position))  # fmt: skip
        index_documents(session, [document])
        return document.id


def add_dossier(services: Services, code: str, **values: Any) -> None:
    with services.writes.begin() as session:
        session.add(Dossier(code=code, review=[], **values))


def find(services: Services, query: str, **filters: Any) -> Results:
    limit = filters.pop("limit", 20)
    offset = filters.pop("offset", 0)
    with services.sessions() as session:
        return search(session, query, Filters(**filters), limit=limit, offset=offset)


def ids(results: Results) -> list[int]:
    return [hit.document.id for hit in results.hits]


def nfd(text: str) -> str:
    return unicodedata.normalize("NFD", text)


@pytest.fixture(params=["scored", "newest", "lazy", "lazy-pairs"])
def ranking(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Both ways of ordering: every match scored for relevance, or (past RANK_LIMIT
    matching pages) each tier newest first; tiers, filters and paging are the same.
    PostgreSQL reads the tiers lazily past LAZY_PAGES ("lazy"), and under filters
    through the pairs past FILTERED_READ_PAGES ("lazy-pairs"): the same results."""
    if request.param.startswith("lazy"):
        if "sqlite" in request.node.callspec.id:
            pytest.skip("SQLite has no lazy tiers (its newest is read so already)")
        monkeypatch.setattr(search_module, "LAZY_PAGES", 0)
    if request.param == "lazy-pairs":
        monkeypatch.setattr(search_module, "FILTERED_READ_PAGES", 0)
    if request.param != "scored":
        monkeypatch.setattr(search_module, "RANK_LIMIT", 0)
    return str(request.param)


# --- words with and without diacritics -------------------------------------------------


def test_a_query_without_diacritics_finds_the_text_with_them(services: Services) -> None:
    name = add_document(services, ["Họ, chữ đệm, tên: NGUYỄN VĂN AN..........."])
    trade = add_document(services, ["Đăng ký thành lập hộ kinh doanh Tạp hóa Phúc Lộc"])
    add_document(services, ["Giấy khai sinh của Trần Thị Bích"])
    assert ids(find(services, "nguyen van an")) == [name]
    assert ids(find(services, "ho kinh doanh")) == [trade]
    assert ids(find(services, "NGUYEN VAN AN")) == [name]
    assert ids(find(services, "đang ky")) == [trade]  # đ folds to d, marks partly typed


def test_nfd_queries_and_nfd_text_are_the_same_as_nfc(services: Services) -> None:
    stored_nfd = add_document(services, [nfd("Nơi cư trú: phường Đống Đa")])
    stored_nfc = add_document(services, ["Người yêu cầu: Phạm Thị Huệ"])
    assert ids(find(services, nfd("Đống Đa"))) == [stored_nfd]
    assert ids(find(services, "Đống Đa")) == [stored_nfd]
    hits = find(services, nfd("Phạm Thị Huệ")).hits
    assert [h.document.id for h in hits] == [stored_nfc] and hits[0].exact


@pytest.mark.parametrize(
    ("stored", "typed"),
    [("xã Hoà Bình", "hòa bình"), ("xã Hòa Bình", "hoà bình"), ("Lê Thị Thuý", "thúy"),
     ("Lê Thị Thúy", "Thuý"), ("sức khoẻ", "khỏe"), ("Uỷ ban nhân dân", "ủy ban")],
)  # fmt: skip
def test_tone_placements_are_one_form_and_match_exactly(
    services: Services, stored: str, typed: str
) -> None:
    document = add_document(services, [stored])
    hits = find(services, typed).hits
    assert [h.document.id for h in hits] == [document]
    assert hits[0].exact, "old and new tone placement are the same exact form"


def test_exact_matches_rank_above_folded_ones(services: Services, ranking: str) -> None:
    ban_an = add_document(services, ["Hợp đồng mua bàn ghế gỗ"])
    ban_friend = add_document(services, ["Người làm chứng là bạn của người yêu cầu"])
    ban_sell = add_document(services, ["Hợp đồng bán nhà ở"])
    plain = add_document(services, ["Ủy ban nhân dân phường"])
    results = find(services, "bán")
    assert results.total == 4
    assert ids(results)[0] == ban_sell
    assert [h.exact for h in results.hits] == [True, False, False, False]
    assert set(ids(results)[1:]) == {ban_an, ban_friend, plain}
    # Typed without marks, a word matches any marks: there is no exact form to prefer.
    unmarked = find(services, "ban")
    assert unmarked.total == 4 and all(h.exact for h in unmarked.hits)
    assert ids(find(services, "bàn"))[0] == ban_an


def test_exact_ranking_holds_against_a_page_more_relevant_without_marks(
    services: Services,
    ranking: str,
) -> None:
    # "bàn" many times makes the folded form much more frequent there; exact still wins.
    noisy = add_document(services, ["bàn " * 30 + "bạn ban"])
    exact = add_document(
        services, ["Hai bên thỏa thuận bán thửa đất số 12 cùng nhiều điều khoản khác"]
    )
    assert ids(find(services, "bán")) == [exact, noisy]


def test_only_the_words_typed_with_marks_must_match_them(services: Services) -> None:
    marked = add_document(services, ["Người yêu cầu: Nguyễn Văn An"])
    other = add_document(services, ["Người yêu cầu: Nguyên Vân Ân"])
    hits = find(services, "Nguyễn van an").hits
    assert [(h.document.id, h.exact) for h in hits] == [(marked, True), (other, False)]


def test_words_side_by_side_as_typed_rank_above_scattered_ones(
    services: Services, ranking: str
) -> None:
    scattered = add_document(
        services,
        ["Nguyễn Thị Lan, Nguyễn Văn Hùng, Nguyễn Văn Bình; văn bản số 12; Công an xã An Bình"],
    )
    together = add_document(services, ["Người đi khai sinh: Nguyễn Văn An, quan hệ: cha"])
    results = find(services, "nguyen van an")
    assert ids(results) == [together, scattered]
    assert [h.together for h in results.hits] == [True, False]


def test_every_word_must_be_on_the_page(services: Services) -> None:
    add_document(services, ["Nguyễn Văn An"])
    assert find(services, "nguyen van binh").total == 0


def test_a_quoted_phrase_must_stand_together(services: Services, ranking: str) -> None:
    phrase = add_document(services, ["Đăng ký hộ kinh doanh cá thể"])
    add_document(services, ["Hộ gia đình ... kinh doanh ... "])
    assert ids(find(services, '"ho kinh doanh"')) == [phrase]
    assert find(services, "ho kinh doanh").total == 2


def test_word_pairs_apart_are_not_the_phrase(services: Services, ranking: str) -> None:
    """Every neighbouring pair of "nguyen van an" is on the first page, but not the three
    words together: PostgreSQL finds phrases through the pairs, then checks them whole."""
    pairs_apart = add_document(services, ["Nguyễn Văn Bình và Lê Văn An cùng ký"])
    together = add_document(services, ["Người khai: Nguyễn Văn An"])
    assert ids(find(services, '"nguyen van an"')) == [together]
    results = find(services, "nguyen van an")
    assert ids(results) == [together, pairs_apart]
    assert [h.together for h in results.hits] == [True, False]
    assert sorted(ids(find(services, '"van an" nguyen'))) == sorted([together, pairs_apart])


# --- pages, snippets, fields ----------------------------------------------------------


def test_a_hit_carries_its_page_and_a_highlighted_snippet(services: Services) -> None:
    document = add_document(
        services,
        [
            "TỜ KHAI ĐĂNG KÝ KHAI SINH\nKính gửi: Ủy ban nhân dân phường Láng",
            "",  # a blank back: no text, no index row
            "Người đi đăng ký: <Lê Văn Tám> ......... ký tên",
        ],
    )
    hits = find(services, "le van tam").hits
    assert [(h.document.id, h.page) for h in hits] == [(document, 3)]
    snippet = hits[0].snippet
    assert [snippet.text[s:e] for s, e in snippet.highlights] == ["Lê Văn Tám"]
    assert "\n" not in snippet.text and "…" in snippet.text  # leaders shown as one ellipsis
    assert "&lt;<mark>Lê Văn Tám</mark>&gt;" in snippet.html()
    with services.sessions() as session:
        pages = session.scalars(select(SearchPage.page).where(SearchPage.document_id == document))
        assert sorted(pages) == [1, 3]


def test_a_long_page_is_cut_around_its_hits(services: Services) -> None:
    filler = "Căn cứ Luật Hộ tịch và các văn bản hướng dẫn thi hành. " * 20
    add_document(services, [filler + "Người yêu cầu: Đỗ Minh Khôi. " + filler])
    snippet = find(services, "do minh khoi").hits[0].snippet
    assert snippet.text.startswith("…") and snippet.text.endswith("…")
    assert len(snippet.text) <= 210
    assert [snippet.text[s:e] for s, e in snippet.highlights] == ["Đỗ Minh Khôi"]


def test_field_values_are_found_on_their_page(services: Services) -> None:
    # A value read from the text, normalised (here: a name typed in capitals).
    document = add_document(
        services,
        ["trang một", "Số điện thoại: 0912.345.678"],
        fields={"phone": ("0912345678", 2), "business_name": ("Hộ kinh doanh Minh Châu", None)},
    )
    phone = find(services, "0912345678").hits
    assert [(h.document.id, h.page) for h in phone] == [(document, 2)]
    assert phone[0].snippet.text == "Số điện thoại: 0912.345.678"
    # A value without a page (added by a person) is on the first page, shown in the snippet.
    named = find(services, "minh chau").hits
    assert [(h.document.id, h.page) for h in named] == [(document, 1)]
    assert "Hộ kinh doanh Minh Châu" in named[0].snippet.text


def test_a_document_is_one_result_at_its_best_page(services: Services, ranking: str) -> None:
    document = add_document(services, ["Nguyen Van An", "Nguyễn Văn An", "Nguyễn Văn"])
    results = find(services, "Nguyễn Văn An")
    assert results.total == 1
    assert [(h.document.id, h.page, h.exact) for h in results.hits] == [(document, 2, True)]


def test_corrections_are_found_and_the_old_value_no_longer(services: Services) -> None:
    document = add_document(
        services, ["TỜ KHAI", "Họ tên người yêu cầu: ........"],
        fields={"applicant_name": ("Trần Văn Bé", 2)},
    )  # fmt: skip
    assert ids(find(services, "tran van be")) == [document]
    with services.writes.begin() as session:
        correct_field(session, document, "applicant_name", "Trần Thị Bích Ngọc", actor="Lan")
    assert find(services, "tran van be").total == 0
    hits = find(services, "Trần Thị Bích Ngọc").hits
    assert [(h.document.id, h.page, h.exact) for h in hits] == [(document, 2, True)]
    assert "Trần Thị Bích Ngọc" in hits[0].snippet.text


# --- ID numbers and dossier codes -----------------------------------------------------


def test_id_numbers_are_found_whole_and_by_prefix(services: Services, ranking: str) -> None:
    holder = add_document(services, ["Số định danh cá nhân: 001090012345"])
    other = add_document(services, ["Số CCCD: 079185004321"])
    assert ids(find(services, "001090012345")) == [holder]
    assert ids(find(services, "0010900")) == [holder]
    assert ids(find(services, "0791")) == [other]
    assert find(services, "001090012346").total == 0
    assert find(services, "090012345").total == 0  # a prefix, not any part
    assert find(services, "001").total == 0  # too short for a prefix: whole tokens only
    # Beside words, a number narrows the words' hits.
    assert ids(find(services, "số định danh 00109")) == [holder]


def test_dossier_codes_are_found_whole_and_by_prefix(services: Services, ranking: str) -> None:
    receipt = add_document(
        services, [f"GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ\nMã hồ sơ: {CODE}"],
        doc_type="giay_tiep_nhan",
    )  # fmt: skip
    same_day = add_document(services, [f"Mã hồ sơ:{CODE[:-4]}0043......"])
    elsewhere = add_document(services, [f"Mã hồ sơ: {OTHER_UNIT_CODE}"])
    assert ids(find(services, CODE)) == [receipt]
    assert ids(find(services, CODE.lower())) == [receipt]
    assert set(ids(find(services, "000.00.13.H12"))) == {receipt, same_day}
    assert set(ids(find(services, "000.00.13.H12-240115"))) == {receipt, same_day}
    assert ids(find(services, "000.20.07")) == [elsewhere]
    assert find(services, "000.00.13.H13").total == 0
    # Its parts are words of the text too: the sequence number alone finds it.
    assert ids(find(services, "0042")) == [receipt]
    hit = find(services, CODE).hits[0]
    assert [hit.snippet.text[s:e] for s, e in hit.snippet.highlights] == [CODE]


def test_procedure_codes_and_amounts_written_with_dots(services: Services) -> None:
    document = add_document(services, ["Mã thủ tục: 1.001193; vốn 100.000.000 đồng"])
    assert ids(find(services, "1.001193")) == [document]
    assert ids(find(services, "100.000.000 dong")) == [document]
    assert ids(find(services, "100000000")) == [document]


# --- filters and paging ---------------------------------------------------------------


@pytest.fixture
def filed(services: Services) -> dict[str, int]:
    """Four documents mentioning "Hoàng Văn Nam", in dossiers of two units."""
    add_dossier(services, CODE, procedure="dang_ky_khai_sinh", procedure_code="1.001193",
                receiving_unit="UBND phường Láng", received_date=date(2024, 1, 15),
                status="received")  # fmt: skip
    add_dossier(services, OTHER_UNIT_CODE, procedure="dang_ky_ho_kinh_doanh",
                receiving_unit="UBND huyện Gia Lâm", received_date=date(2024, 3, 1),
                status="done")  # fmt: skip
    text = "Người yêu cầu: Hoàng Văn Nam"
    card = "can_cuoc_cong_dan"
    business = "giay_de_nghi_dang_ky_ho_kinh_doanh"
    return {
        "form": add_document(services, [text], dossier=CODE),
        # An ID card copy: no procedure of its own.
        "card": add_document(services, [text], doc_type=card, procedure=None, dossier=CODE),
        "business": add_document(
            services,
            [text],
            doc_type=business,
            procedure="dang_ky_ho_kinh_doanh",
            dossier=OTHER_UNIT_CODE,
        ),
        "loose": add_document(services, [text], doc_type=card, procedure=None),
    }


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ({}, {"form", "card", "business", "loose"}),
        ({"doc_type": "can_cuoc_cong_dan"}, {"card", "loose"}),
        ({"procedure": "dang_ky_khai_sinh"}, {"form", "card"}),  # the card by its dossier
        ({"procedure": "1.001193"}, {"form", "card"}),  # the TTHC code, of the dossier
        ({"procedure": "dang_ky_ho_kinh_doanh"}, {"business"}),
        ({"receiving_unit": "UBND phường Láng"}, {"form", "card"}),
        ({"receiving_unit": nfd("UBND  phường Láng")}, {"form", "card"}),
        ({"receiving_unit": "000.20.07.G05"}, {"business"}),  # the unit's identifier
        ({"receiving_unit": "000.20"}, set()),  # not a whole identifier
        ({"status": "done"}, {"business"}),
        ({"date_from": date(2024, 1, 15), "date_to": date(2024, 1, 15)}, {"form", "card"}),
        ({"date_from": date(2024, 1, 16)}, {"business"}),
        ({"date_to": date(2024, 2, 29)}, {"form", "card"}),
        # The month's token lets January in; the day of the dossier keeps it out.
        ({"date_from": date(2024, 1, 16), "date_to": date(2024, 3, 31)}, {"business"}),
        ({"date_from": date(2024, 2, 1), "date_to": date(2024, 2, 29)}, set()),
        (
            {"date_from": date(2023, 6, 1), "date_to": date(2025, 1, 31)},
            {"form", "card", "business"},
        ),
        (
            {"date_from": date(2024, 1, 1), "date_to": date(2024, 12, 31)},
            {"form", "card", "business"},
        ),
        (
            {"date_from": date(1990, 1, 1), "date_to": date(2030, 1, 1)},
            {"form", "card", "business"},
        ),
        # Tokens are folded; the unit's name must still be the record's.
        ({"receiving_unit": "ubnd phuong lang"}, set()),
        ({"doc_type": "can_cuoc_cong_dan", "status": "received"}, {"card"}),
        ({"status": "received", "receiving_unit": "UBND huyện Gia Lâm"}, set()),
    ],
)
def test_filters(
    services: Services,
    ranking: str,
    filed: dict[str, int],
    filters: dict[str, Any],
    expected: set[str],
) -> None:
    results = find(services, "hoang van nam", **filters)
    assert set(ids(results)) == {filed[name] for name in expected}
    assert results.total == len(expected)


def test_a_document_in_two_dossiers_lists_both(
    services: Services, ranking: str, filed: dict[str, int]
) -> None:
    assert find(services, "hoang van nam", status="done", doc_type="can_cuoc_cong_dan").total == 0
    with services.writes.begin() as session:
        reuse_document(session, OTHER_UNIT_CODE, filed["card"], actor="Lan")
    # Reused: found by the second dossier's filters too.
    results = find(services, "hoang van nam", doc_type="can_cuoc_cong_dan", status="done")
    assert ids(results) == [filed["card"]]
    assert results.hits[0].dossier_codes == [CODE, OTHER_UNIT_CODE]
    # One dossier must meet every filter: the card's are done, or in phường Láng.
    assert find(services, "hoang van nam", status="done", receiving_unit="UBND phường Láng",
                doc_type="can_cuoc_cong_dan").total == 0  # fmt: skip
    assert_tokens_current(services)


def test_a_filtered_search_keeps_the_tiers_and_the_best_page(
    services: Services, ranking: str
) -> None:
    add_dossier(services, CODE, status="received", received_date=date(2024, 1, 15))
    # Made best first, so that newest first alone would give the reverse order.
    exact_together = add_document(services, ["Người bán: Nguyễn Văn An"], dossier=CODE)
    exact_apart = add_document(services, ["Văn bản của An, họ Nguyễn"], dossier=CODE)
    folded_together = add_document(services, ["NGUYEN VAN AN"], dossier=CODE)
    folded_apart = add_document(services, ["an nguyen van"], dossier=CODE)
    two_pages = add_document(services, ["Nguyen Van An", "Nguyễn Văn An"], dossier=CODE)
    add_document(services, ["Người bán: Nguyễn Văn An"])  # in no dossier: filtered out
    results = find(services, "Nguyễn Văn An", status="received", date_from=date(2024, 1, 1),
                   date_to=date(2024, 1, 31))  # fmt: skip
    assert ids(results) == [two_pages, exact_together, exact_apart, folded_together, folded_apart]
    assert [(h.exact, h.together) for h in results.hits] == [
        (True, True), (True, True), (True, False), (False, True), (False, False),
    ]  # fmt: skip
    assert results.hits[0].page == 2


def test_a_changed_record_moves_its_documents_between_filters(
    services: Services, ranking: str, filed: dict[str, int]
) -> None:
    with services.writes.begin() as session:
        row = session.scalar(select(Dossier).where(Dossier.code == CODE))
        assert row is not None
        record = replace(to_record(row), status="done", received_date=date(2024, 5, 2))
        upsert_record(session, record)
    done = find(services, "hoang van nam", status="done", date_from=date(2024, 5, 1),
                date_to=date(2024, 5, 31))  # fmt: skip
    assert set(ids(done)) == {filed["form"], filed["card"]}
    assert find(services, "hoang van nam", status="received").total == 0
    assert find(services, "hoang van nam", date_to=date(2024, 1, 31)).total == 0
    assert_tokens_current(services)


def test_assembly_gives_documents_the_tokens_of_their_dossier(
    services: Services, filed: dict[str, int]
) -> None:
    # Every document above came in through index_documents; nothing is stale.
    assert_tokens_current(services)
    with services.sessions() as session:
        facets = session.scalar(
            select(SearchPage.facets).where(SearchPage.document_id == filed["card"])
        )
    assert facets is not None
    assert set(facets.split()) == {
        "zztcancuoccongdan", "zzsreceived", "zzu0000013h12", "zzuubndphuonglang",
        "zzpdangkykhaisinh", "zzp1001193", "zzy2024", "zzm202401",
    }  # fmt: skip


def test_migration_0003_gives_the_rows_indexed_before_their_tokens(
    services: Services, filed: dict[str, int]
) -> None:
    config = alembic_config()
    with services.engine.begin() as connection:  # back to the index without tokens
        config.attributes["connection"] = connection
        command.downgrade(config, "0002")
    services.engine.dispose()  # SQLAlchemy's cached table shapes are of the other schema
    with services.engine.connect() as connection:
        assert "facets" not in {c["name"] for c in inspect(connection).get_columns("search_pages")}
    upgrade(services.engine)
    assert set(ids(find(services, "hoang van nam", status="done"))) == {filed["business"]}
    assert set(ids(find(services, "hoang van nam", receiving_unit="UBND phường Láng"))) == {
        filed["form"],
        filed["card"],
    }
    assert_tokens_current(services)


def test_a_date_range_is_narrowed_by_months_and_whole_years() -> None:
    tokens = list(search_module._date_tokens(date(2023, 11, 5), date(2025, 2, 1)))
    assert tokens == ["zzm202311", "zzm202312", "zzy2024", "zzm202501", "zzm202502"]
    assert list(search_module._date_tokens(date(2024, 1, 1), date(2024, 12, 31))) == ["zzy2024"]
    assert list(search_module._date_tokens(date(1990, 1, 1), date(2030, 1, 1))) == [None]


def assert_tokens_current(services: Services) -> None:
    """Every document's filter tokens are what its dossiers say now."""
    with services.writes.begin() as session:
        documents = list(session.scalars(select(Document.id)))
        assert refresh_facets(session, documents) == 0


def test_paging_covers_every_result_once(services: Services, ranking: str) -> None:
    made = {add_document(services, [f"Hồ sơ số {n}: Vũ Thị Mai"]) for n in range(7)}
    seen: list[int] = []
    for offset in range(0, 8, 3):
        page = find(services, "vu thi mai", limit=3, offset=offset)
        assert page.total == 7
        seen += ids(page)
    assert sorted(seen) == sorted(made)
    past = find(services, "vu thi mai", limit=3, offset=30)
    assert past.total == 7 and past.hits == []
    assert find(services, "vu thi mai", limit=100).total == 7


def test_a_count_stopped_at_its_limit_is_a_lower_bound(
    services: Services, ranking: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Past COUNT_LIMIT matching pages the count stops: `total` counts the documents of
    the pages counted, and says it is at least that; every result is still found, once,
    in the tiers' order, also on a page of results past that total."""
    marked = [add_document(services, [f"Hồ sơ số {n}: Vũ Thị Mai"]) for n in range(5)]
    marked.append(add_document(services, ["Vũ Thị Mai", "Người ký: Vũ Thị Mai"]))
    unmarked = [add_document(services, [f"Ho so so {n}: Vu Thi Mai"]) for n in range(2)]
    whole = find(services, "Vũ Thị Mai", limit=100)
    assert (whole.total, whole.total_exact) == (8, True)
    monkeypatch.setattr(search_module, "COUNT_LIMIT", 9)  # the 9 pages: all counted
    counted = find(services, "Vũ Thị Mai", limit=100)
    assert (counted.total, counted.total_exact) == (8, True)
    assert ids(counted) == ids(whole)

    monkeypatch.setattr(search_module, "COUNT_LIMIT", 4)  # 5 pages read: 4 or 5 documents
    seen: list[int] = []
    for offset in range(0, 9, 3):
        page = find(services, "Vũ Thị Mai", limit=3, offset=offset)
        assert not page.total_exact and 4 <= page.total <= 5
        seen += ids(page)
        assert all(hit.score is None for hit in page.hits)  # too many to score
    assert sorted(seen) == sorted(marked + unmarked)  # the pages past total too
    assert set(seen[:6]) == set(marked) and set(seen[6:]) == set(unmarked)  # tiers kept
    if ranking != "scored":  # the same order as uncounted: tiers, newest first in each
        assert seen == ids(whole)
    assert find(services, "Vũ Thị Mai", limit=3, offset=9).hits == []


@pytest.mark.parametrize(
    ("query", "says"),
    [("", "empty"), ("   ", "empty"), ("x" * 201, "longer than 200"),
     ("... --- ???", "no letters or digits"), (" ".join(f"w{n}x" for n in range(13)), "more than")],
)  # fmt: skip
def test_queries_that_cannot_be_searched_are_refused(
    services: Services, query: str, says: str
) -> None:
    with pytest.raises(InvalidInputError, match=says):
        find(services, query)


def test_odd_queries_are_words_not_syntax(services: Services) -> None:
    document = add_document(services, ["Mẫu số 04a/ĐK: đơn đăng ký đất đai"])
    # FTS5 and tsquery operators typed by a person are separators, nothing more.
    queries = ("04a/ĐK", "dat & dai", "'dat' | dai", "dat:* !dai", '"dat dai', "dat (dai)",
               "{}: dat + dai^", "dat <-> dai")  # fmt: skip
    for query in queries:
        assert ids(find(services, query)) == [document], query


# --- keeping the index ----------------------------------------------------------------


def test_assembly_indexes_the_documents_it_stores(services: Services, tmp_path: Path) -> None:
    """The assembly step (after page OCR) indexes in its own transaction: pages made as
    the OCR step leaves them, with their one-page PDFs in the store."""
    text = "GIẤY KHAI SINH\nHọ, chữ đệm, tên: ĐINH THỊ THU HÀ\nNgày sinh: 02/09/2023"
    with services.writes.begin() as session:
        scan = Scan(sha256="f" * 64, size=1, format="pdf", original_name="khai-sinh.pdf",
                    status=ScanStatus.PROCESSING, pages_total=1)  # fmt: skip
        session.add(scan)
        session.flush()
        key = f"pages/{scan.sha256}/00001.pdf"
        services.store.put_file(key, good_pdf(tmp_path / "page.pdf"))
        report = {"number": 1, "text": text, "blank": False, "text_source": "ocr"}
        session.add(Page(scan_id=scan.id, number=1, status="done", text=text, blank=False,
                         report=report, pdf_key=key))  # fmt: skip
        scan_id = scan.id
    assemble_scan(services, scan_id)
    hits = find(services, "dinh thi thu ha").hits
    with services.sessions() as session:
        stored = session.scalars(select(Document.id).where(Document.scan_id == scan_id)).all()
    assert stored and [h.document.id for h in hits] == [stored[0]]


def test_reindex_rebuilds_the_index(services: Services) -> None:
    documents = [add_document(services, [f"Bùi Quang Huy, lần {n}"]) for n in range(5)]
    with services.writes.begin() as session:
        session.execute(delete(SearchPage))
    assert find(services, "bui quang huy").total == 0
    counted: list[int] = []
    assert reindex(services.database, batch=2, on_progress=counted.append) == (5, 5)
    assert counted == [2, 2, 1]
    assert sorted(ids(find(services, "bui quang huy"))) == documents
    # Again: the same rows, not twice as many.
    reindex(services.database)
    assert find(services, "bui quang huy").total == 5
    with services.sessions() as session:
        assert session.scalar(select(func.count()).select_from(SearchPage)) == 5


def test_the_reindex_command(services: Services, monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    document = add_document(services, ["Tô Ngọc Vân"])
    with services.writes.begin() as session:
        session.execute(delete(SearchPage))
    monkeypatch.setenv("DIGITIZE_DATABASE_URL", services.settings.effective_database_url())
    assert digitize(["search", "reindex", "--quiet"]) == 0
    assert "1 document" in capsys.readouterr().out
    assert ids(find(services, "to ngoc van")) == [document]


def test_documents_with_large_ids_are_indexed_and_found(services: Services) -> None:
    """A row's id is the document's id times 2^20 plus the page: past 2,047 documents
    it needs 64 bits."""
    first = add_document(services, ["Đào Quang Vinh"])
    with services.writes.begin() as session:
        document = session.get(Document, first)
        assert document is not None
        session.add(
            Document(
                id=3_000_000, scan_id=document.scan_id, index=1, doc_type="to_khai",
                confidence=0.9, procedure_confidence=0.9, pages=[1], review=[],
            )
        )  # fmt: skip
        session.flush()
        index_documents(session, [3_000_000])
    assert sorted(ids(find(services, "dao quang vinh"))) == [first, 3_000_000]


def test_deleting_a_document_takes_its_rows_with_it(services: Services) -> None:
    document = add_document(services, ["Lý Thị Hồng"])
    with services.writes.begin() as session:
        session.execute(delete(Field).where(Field.document_id == document))
        session.execute(delete(Document).where(Document.id == document))
    assert find(services, "ly thi hong").total == 0
    with services.sessions() as session:
        assert session.scalar(select(func.count()).select_from(SearchPage)) == 0


# --- the API --------------------------------------------------------------------------


def _problem(response, status: int) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    return response.json()


def test_the_api_answers_staff_and_one_stop_software(api, keys: Keys, services: Services) -> None:
    add_dossier(services, CODE, receiving_unit="UBND phường Láng", status="received",
                received_date=date(2024, 1, 15))  # fmt: skip
    document = add_document(
        services, ["Trang đầu", f"Mã hồ sơ {CODE}: Ngô Bảo Châu, sinh năm 1990"], dossier=CODE
    )
    for role in ("archive", "onestop"):
        response = api.get(
            "/api/v1/search", params={"q": "ngo bao chau", "receiving_unit": "UBND phường Láng"},
            headers=keys.header(role),
        )  # fmt: skip
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["total"] == 1 and body["query"] == "ngo bao chau"
        (hit,) = body["results"]
        assert hit["document_id"] == document and hit["page"] == 2
        assert hit["dossier_codes"] == [CODE] and hit["match"] == "exact"  # no marks asked for
        assert [hit["snippet"][s:e] for s, e in hit["highlights"]] == ["Ngô Bảo Châu"]
        assert "<mark>Ngô Bảo Châu</mark>" in hit["snippet_html"]
        assert hit["links"]["page_image"] == f"/api/v1/documents/{document}/pages/2/image"
        assert hit["links"]["dossiers"] == [f"/api/v1/dossiers/{CODE}"]
    paged = api.get("/api/v1/search", params={"q": "chau", "offset": 5},
                    headers=keys.header("archive")).json()  # fmt: skip
    assert paged["total"] == 1 and paged["results"] == []


def test_the_api_finds_a_correction_and_says_when_it_did_not_score(
    api, keys: Keys, services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    document = add_document(
        services, ["Họ và tên: ..........."], fields={"applicant_name": (None, 1)}
    )
    corrected = api.patch(
        f"/api/v1/documents/{document}/fields/applicant_name", json={"value": "Lưu Thị Ánh"},
        headers=keys.header("archive"),
    )  # fmt: skip
    assert corrected.status_code == 200, corrected.text
    found = api.get("/api/v1/search", params={"q": "luu thi anh"}, headers=keys.header("onestop"))
    (hit,) = found.json()["results"]
    assert hit["document_id"] == document and isinstance(hit["score"], float)
    monkeypatch.setattr(search_module, "RANK_LIMIT", 0)
    found = api.get("/api/v1/search", params={"q": "luu thi anh"}, headers=keys.header("onestop"))
    assert found.status_code == 200, found.text
    assert found.json()["results"][0]["score"] is None


def test_the_api_says_when_the_total_is_a_lower_bound(
    api, keys: Keys, services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    made = {add_document(services, [f"Hồ sơ {n}: Đinh Công Tráng"]) for n in range(3)}
    params = {"q": "dinh cong trang"}
    body = api.get("/api/v1/search", params=params, headers=keys.header("archive")).json()
    assert (body["total"], body["total_exact"]) == (3, True)
    monkeypatch.setattr(search_module, "COUNT_LIMIT", 1)
    response = api.get("/api/v1/search", params=params, headers=keys.header("archive"))
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["total"], body["total_exact"]) == (2, False)
    assert {hit["document_id"] for hit in body["results"]} == made


def test_the_api_refuses_admins_and_callers_without_a_key(api, keys: Keys) -> None:
    _problem(api.get("/api/v1/search", params={"q": "an"}, headers=keys.header("admin")), 403)
    _problem(api.get("/api/v1/search", params={"q": "an"}), 401)
    _problem(
        api.get("/api/v1/search", params={"q": "an"}, headers={"Authorization": "Bearer dgz_x"}),
        401,
    )


@pytest.mark.parametrize(
    "params",
    [{}, {"q": ""}, {"q": "x" * 201}, {"q": "?!"}, {"q": "an", "limit": 0},
     {"q": "an", "limit": 101}, {"q": "an", "offset": -1}, {"q": "an", "date_from": "15/01/2024"},
     {"q": "an", "date_from": "2024-02-01", "date_to": "2024-01-01"}],
)  # fmt: skip
def test_the_api_refuses_bad_queries(api, keys: Keys, params: dict[str, Any]) -> None:
    body = _problem(api.get("/api/v1/search", params=params, headers=keys.header("archive")), 422)
    assert body["detail"]
