"""Tables read as rows (issue 13) through the service: the assembly step stores each
document's tables, the API returns them with the document, the staff pages show them.
The pages are stored reports (as the page jobs leave them), so no OCR runs here."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from sqlalchemy import inspect, select, text

from api.schemas import tables_public
from config import Settings
from digitize.results import Line, PageReport, TableGrid, Word
from models import (
    Document,
    Dossier,
    DossierDocument,
    Page,
    PageStatus,
    Scan,
    ScanStatus,
    create_engine_for,
)
from models.migrate import alembic_config, upgrade
from service import staff
from service.audit import entries_for
from service.context import Services
from service.processing import assemble_scan
from service.search import search
from tests.badfiles import good_pdf
from tests.test_web import PASSWORD, _client, _csrf, sign_in

CT01 = "to_khai_thay_doi_thong_tin_cu_tru"
TITLE = ("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc",
         "TỜ KHAI THAY ĐỔI THÔNG TIN CƯ TRÚ", "Kính gửi: Công an xã Tân Phú",
         "1. Họ, chữ đệm và tên: TRẦN VĂN AN",
         "11. Những thành viên trong hộ gia đình cùng thay đổi:")  # fmt: skip
HEADERS = ("TT", "Họ, chữ đệm và tên", "Ngày, tháng, năm sinh", "Giới tính",
           "Số định danh cá nhân", "Mối quan hệ với chủ hộ")  # fmt: skip
COLUMNS = (100, 200, 700, 1000, 1180, 1600, 1900)
ROWS = (400, 560, 650, 740, 830, 920)
# Two members: the first sure in every cell, the second's ID number too short.
MEMBERS = (
    ("Trần Văn An", "01/02/1980", "Nam", "001080001234", "Chủ hộ"),
    ("Nguyễn Thị Lan", "03/04/2010", "Nữ", "0013100043", "Con"),
)


def _words(text: str, left: int, top: int) -> tuple[Word, ...]:
    words, x = [], left
    for word in text.split():
        words.append(Word(word, (x, top, x + 22 * len(word), top + 40), 0.95))
        x += 22 * len(word) + 20
    return tuple(words)


def _ct01_report(number: int = 1) -> dict[str, Any]:
    """A CT01 page's report: its title lines above, the household table below with
    its header and two members (cells as the page job's OCR leaves them)."""
    lines = [Line(w, (w[0].bbox[0], w[0].bbox[1], w[-1].bbox[2], w[0].bbox[3]))
             for w in (_words(text, 100, 20 + 55 * n) for n, text in enumerate(TITLE))]  # fmt: skip
    for c, header in enumerate(HEADERS):
        words = _words(header, COLUMNS[c] + 10, 440)
        lines.append(Line(words, (words[0].bbox[0], 440, words[-1].bbox[2], 480)))
    for r, member in enumerate(MEMBERS):
        for c, cell in enumerate(member, start=1):
            words = _words(cell, COLUMNS[c] + 15, ROWS[r + 1] + 20)
            lines.append(Line(words, (words[0].bbox[0], words[0].bbox[1], words[-1].bbox[2],
                                      words[0].bbox[3])))  # fmt: skip
    text = "\n".join(" ".join(w.text for w in line.words) for line in lines)
    report = PageReport(number, 0, 0.0, 100, text, 0.9, len(text.split()), False,
                        lines=tuple(lines), tables=(TableGrid(COLUMNS, ROWS),), width=2100,
                        height=1300)  # fmt: skip
    return report.as_json()


def store_ct01(services: Services, tmp_path: Path) -> int:
    """A one-page CT01 scan digitised and assembled; the id of its document."""
    with services.writes.begin() as session:
        scan = Scan(sha256="c" * 64, size=1, format="pdf", original_name="ct01.pdf",
                    status=ScanStatus.PROCESSING, pages_total=1)  # fmt: skip
        session.add(scan)
        session.flush()
        key = f"pages/{scan.sha256}/00001.pdf"
        services.store.put_file(key, good_pdf(tmp_path / "page-1.pdf"))
        report = _ct01_report()
        session.add(Page(scan_id=scan.id, number=1, status=PageStatus.DONE, text=report["text"],
                         blank=False, report=report, pdf_key=key))  # fmt: skip
        scan_id = scan.id
    assemble_scan(services, scan_id)
    with services.sessions() as session:
        (document,) = session.scalars(select(Document).where(Document.scan_id == scan_id))
        return document.id


def test_the_assembly_stores_a_ct01_document_s_household_members(
    services: Services, tmp_path: Path
) -> None:
    document_id = store_ct01(services, tmp_path)
    with services.sessions() as session:
        document = session.get(Document, document_id)
        assert document is not None and document.doc_type == CT01
        (table,) = document.tables
    assert table["name"] == "household_members"
    assert table["columns"] == ["full_name", "date_of_birth", "sex", "id_number", "relation"]
    assert table["pages"] == [1]
    first, second = table["rows"]
    assert first["full_name"]["value"] == "Trần Văn An"
    assert first["date_of_birth"]["value"] == "1980-02-01"
    assert not any(cell["review"] for cell in first.values())
    assert second["full_name"]["value"] == "Nguyễn Thị Lan"
    assert second["id_number"]["review"] and second["id_number"]["problems"]
    assert second["id_number"]["bbox"] is not None


def _attach(services: Services, document_id: int, code: str) -> None:
    with services.writes.begin() as session:
        dossier = Dossier(code=code, review=[])
        session.add(dossier)
        session.flush()
        session.get(Document, document_id).dossier_id = dossier.id
        session.add(DossierDocument(dossier_id=dossier.id, document_id=document_id, position=0))


def test_the_api_returns_a_document_s_tables_by_id_and_in_its_dossier(
    services: Services, keys: Any, api: Any, tmp_path: Path
) -> None:
    document_id = store_ct01(services, tmp_path)
    code = "000.00.01.H01-240115-0001"
    _attach(services, document_id, code)
    by_id = api.get(f"/api/v1/documents/{document_id}", headers=keys.header("archive"))
    assert by_id.status_code == 200, by_id.text
    body = by_id.json()
    (table,) = body["tables"]
    assert table["name"] == "household_members" and table["pages"] == [1]
    assert [row["full_name"]["value"] for row in table["rows"]] == ["Trần Văn An",
                                                                    "Nguyễn Thị Lan"]  # fmt: skip
    cell = table["rows"][1]["id_number"]
    assert set(cell) == {"value", "confidence", "page", "bbox", "raw", "review", "problems",
                         "corrected", "current"}  # fmt: skip
    assert cell["corrected"] is None and cell["current"] == cell["value"]
    assert cell["review"] is True and cell["problems"]
    assert body["fields"]["applicant_name"]["value"] == "Trần Văn An"  # fields unchanged
    dossier = api.get(f"/api/v1/dossiers/{code}", headers=keys.header("onestop"))
    assert dossier.status_code == 200, dossier.text
    (attached,) = dossier.json()["documents"]
    assert attached["document"]["tables"] == body["tables"]


def test_documents_without_tables_give_an_empty_list(
    services: Services, keys: Any, api: Any
) -> None:
    with services.writes.begin() as session:
        scan = Scan(sha256="d" * 64, size=1, format="pdf", original_name="x.pdf",
                    status=ScanStatus.DONE, pages_total=1)  # fmt: skip
        session.add(scan)
        session.flush()
        document = Document(scan_id=scan.id, index=0, doc_type="unknown", confidence=0.2,
                            procedure_confidence=0.0, pages=[1])  # fmt: skip
        session.add(document)
        session.flush()
        document_id = document.id
    got = api.get(f"/api/v1/documents/{document_id}", headers=keys.header("archive"))
    assert got.status_code == 200 and got.json()["tables"] == []


def test_documents_filed_before_the_migration_get_no_tables(database_url: str) -> None:
    engine = create_engine_for(database_url)
    upgrade(engine, "0011")
    with engine.begin() as connection:
        connection.execute(text(
            "INSERT INTO scans (id, sha256, size, format, original_name, status, warnings,"
            " created_at) VALUES (1, :sha, 1, 'pdf', 'x.pdf', 'done', '[]', CURRENT_TIMESTAMP)"
        ), {"sha": "b" * 64})  # fmt: skip
        connection.execute(text(
            "INSERT INTO documents (id, scan_id, \"index\", doc_type, confidence,"
            " procedure_confidence, pages, review, created_at)"
            " VALUES (1, 1, 0, 'unknown', 0.2, 0.0, '[1]', '[]', CURRENT_TIMESTAMP)"
        ))  # fmt: skip
    upgrade(engine)
    with engine.connect() as connection:
        tables = connection.execute(select(Document.tables).where(Document.id == 1)).scalar_one()
    assert tables == []
    config = alembic_config()  # and back down, and up again
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "0011")
    with engine.connect() as connection:
        assert "tables" not in {c["name"] for c in inspect(connection).get_columns("documents")}
    upgrade(engine)
    engine.dispose()


@pytest.fixture
def web_services(settings: Settings) -> Iterator[Services]:
    """The service as tests/test_web.py signs in to it (plain-http cookies), with staff."""
    built = Services.from_settings(settings.model_copy(update={"web_secure_cookies": False}))
    staff.create_user(built.database, "lan", "archive", PASSWORD, actor="tests")
    yield built
    built.close()


def test_staff_see_the_household_members_with_flagged_cells_in_vietnamese(
    web_services: Services, tmp_path: Path
) -> None:
    document_id = store_ct01(web_services, tmp_path)
    code = "000.00.01.H01-240115-0002"
    _attach(web_services, document_id, code)
    with _client(web_services) as client:
        sign_in(client, "lan")
        for page in (client.get(f"/app/review/{document_id}"), client.get(f"/app/dossiers/{code}")):
            assert page.status_code == 200, page.text
            html = page.text
            assert "Thành viên hộ gia đình" in html and "Số định danh cá nhân</th>" in html
            assert "Nguyễn Thị Lan" in html and "001080001234" in html
            sure = re.search(r'<td data-cell="1-id_number"[^>]*>', html)
            flagged = re.search(
                r'<td data-cell="2-id_number" class="flagged">(.*?)</td>', html, re.S
            )
            assert sure and "flagged" not in sure.group(0)
            assert flagged and "cần kiểm tra" in flagged.group(1)
            assert "không đủ 12 chữ số" in flagged.group(1)  # the problem, in Vietnamese
            assert re.search(r'<td data-cell="1-sex"[^>]*>Nam', html)  # "male" said as staff say it
        queue = client.get("/app/review").text
        assert (
            "Bảng Thành viên hộ gia đình, dòng 2, cột Số định danh cá nhân: không đủ 12 chữ số"
            in queue
        )


def test_table_notes_are_said_in_vietnamese() -> None:
    from web.pages import cell_vi, column_vi, note_vi, table_vi

    assert note_vi("table household_members row 3 date_of_birth: empty") == (
        "Bảng Thành viên hộ gia đình, dòng 3, cột Ngày, tháng, năm sinh: để trống"
    )
    assert note_vi("table household_members row 1 full_name: handwritten, not a name") == (
        "Bảng Thành viên hộ gia đình, dòng 1, cột Họ, chữ đệm và tên: "
        "viết tay (máy không đọc chữ viết tay), không giống tên người"
    )
    assert table_vi("other_table") == "other table" and column_vi("relation") == (
        "Quan hệ với chủ hộ"
    )
    assert cell_vi("female", "sex") == "Nữ" and cell_vi("female", "relation") == "female"


def test_staff_correct_and_confirm_a_flagged_cell(web_services: Services, tmp_path: Path) -> None:
    document_id = store_ct01(web_services, tmp_path)
    note = "table household_members row 2 id_number"
    with web_services.sessions() as session:
        assert any(r.startswith(note) for r in session.get(Document, document_id).review)
    with _client(web_services) as client:
        sign_in(client, "lan")
        page = client.get(f"/app/review/{document_id}").text
        form = {"table": "household_members", "column": "id_number", "csrf": _csrf(page)}
        answer = client.post(f"/app/review/{document_id}/cell",
                             data={**form, "row": "2", "action": "correct",
                                   "value": " 001310004321 "})  # fmt: skip
        assert answer.status_code == 303, answer.text
        sure = client.post(f"/app/review/{document_id}/cell",
                           data={**form, "row": "1", "action": "confirm"})  # fmt: skip
        assert sure.status_code == 303, sure.text
        missing = client.post(f"/app/review/{document_id}/cell",
                              data={**form, "row": "9", "action": "confirm"})  # fmt: skip
        assert missing.status_code == 404 and "không có ô" in missing.text
        shown = client.get(f"/app/review/{document_id}").text
        assert re.search(r'data-cell="2-id_number">001310004321 <small class="corrected">'
                         r"\(sửa bởi staff:lan; đọc được: 0013100043\)", shown)  # fmt: skip
    with web_services.sessions() as session:
        document = session.get(Document, document_id)
        first, second = document.tables[0]["rows"]
        assert second["id_number"]["value"] == "0013100043"  # the value read stays
        assert second["id_number"]["corrected"]["value"] == "001310004321"
        assert second["id_number"]["corrected"]["by"] == "staff:lan"
        assert not second["id_number"]["review"]
        assert first["id_number"]["corrected"]["value"] == "001080001234"  # confirmed
        assert not any(r.startswith(note) for r in document.review)
        (served,) = tables_public(document.tables)  # as the API answers it
        assert served.rows[1]["id_number"].current == "001310004321"
        assert served.rows[1]["id_number"].corrected.by == "staff:lan"
        entries = entries_for(session, "document", document_id)
    corrected = [e.detail for e in entries if e.action == "table.correct"]
    assert corrected[0] == {"table": "household_members", "row": 2, "column": "id_number",
                            "before": "0013100043", "after": "001310004321"}  # fmt: skip


def test_a_corrected_cell_is_found_by_search_and_checked_as_its_kind(
    web_services: Services, tmp_path: Path
) -> None:
    document_id = store_ct01(web_services, tmp_path)
    with web_services.sessions() as session:
        assert search(session, "001310004321").total == 0  # read as 0013100043
    with _client(web_services) as client:
        sign_in(client, "lan")
        page = client.get(f"/app/review/{document_id}").text
        form = {"table": "household_members", "column": "id_number", "csrf": _csrf(page),
                "row": "2", "action": "correct"}  # fmt: skip
        wrong = client.post(f"/app/review/{document_id}/cell", data={**form, "value": "12345"})
        assert wrong.status_code == 422 and "Traceback" not in wrong.text
        assert "12345" in wrong.text  # the staff see what was refused
        right = client.post(
            f"/app/review/{document_id}/cell", data={**form, "value": "001310004321"}
        )
        assert right.status_code == 303, right.text
    with web_services.sessions() as session:
        found = search(session, "001310004321")
        assert [hit.document.id for hit in found.hits] == [document_id]
        assert (
            session.get(Document, document_id).tables[0]["rows"][1]["id_number"]["corrected"][
                "value"
            ]
            == "001310004321"
        )
