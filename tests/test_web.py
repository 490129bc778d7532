"""The staff pages through the HTTP layer (TestClient): accounts, sign-in and its
slow-down, sessions, CSRF, roles, and review corrections kept and learnt from. The
browser tests (tests/test_web_browser.py) drive the same pages in Chromium."""

from __future__ import annotations

import io
import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from api.app import create_app
from config import Settings
from models import (
    AuditEntry,
    Batch,
    Document,
    Field,
    Page,
    PageStatus,
    Scan,
    ScanStatus,
    SearchPage,
)
from service import staff
from service.context import Services
from service.search import index_documents

PASSWORD = "mật-khẩu-đủ-dài"


@pytest.fixture
def web_settings(settings: Settings) -> Settings:
    # TestClient speaks plain http://testserver: its cookie jar keeps no Secure cookie.
    return settings.model_copy(update={"web_secure_cookies": False, "sign_in_free_failures": 3})


@pytest.fixture
def web_services(web_settings: Settings) -> Iterator[Services]:
    built = Services.from_settings(web_settings)
    for name, role in (("lan", "archive"), ("minh", "onestop"), ("quan", "admin")):
        staff.create_user(built.database, name, role, PASSWORD, actor="tests")
    yield built
    built.close()


def _client(services: Services) -> TestClient:
    return TestClient(create_app(services), follow_redirects=False)


def _csrf(html: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', html)
    assert found, html[:500]
    return found.group(1)


def sign_in(client: TestClient, name: str, password: str = PASSWORD) -> object:
    page = client.get("/app/signin")
    assert page.status_code == 200
    return client.post(
        "/app/signin",
        data={"name": name, "password": password, "csrf": _csrf(page.text), "next": "/app"},
    )


def _audit(services: Services, action: str) -> list[AuditEntry]:
    with services.sessions() as session:
        return list(session.scalars(select(AuditEntry).where(AuditEntry.action == action)))


def test_passwords_are_scrypt_hashes_checked_in_constant_form() -> None:
    hashed = staff.hash_password(PASSWORD)
    assert hashed.startswith("scrypt$") and PASSWORD not in hashed
    assert staff.verify_password(PASSWORD, hashed)
    assert not staff.verify_password(PASSWORD + "x", hashed)
    assert not staff.verify_password(PASSWORD, "bcrypt$garbage")
    assert staff.hash_password(PASSWORD) != hashed  # salted


def test_user_create_command_reads_the_password_from_stdin(
    settings: Settings, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from cli.main import main

    monkeypatch.setenv("DIGITIZE_DATABASE_URL", settings.effective_database_url())
    monkeypatch.setenv("DIGITIZE_DATA_DIR", str(settings.data_dir))
    monkeypatch.setattr("sys.stdin", io.StringIO(PASSWORD + "\n"))
    assert main(["user", "create", "--name", "Nguyễn Thị Lan", "--role", "archive"]) == 0
    monkeypatch.setattr("sys.stdin", io.StringIO("ngắn\n"))
    assert main(["user", "create", "--name", "b", "--role", "archive"]) == 2
    assert "ít nhất" in capsys.readouterr().err
    services = Services.from_settings(settings)
    with services.sessions() as session:
        (user,) = staff.list_users(session)
    assert user.name == "Nguyễn Thị Lan" and user.role == "archive"
    assert staff.verify_password(PASSWORD, user.password_hash)
    services.close()


def test_sign_in_sets_a_secure_http_only_same_site_cookie(settings: Settings) -> None:
    services = Services.from_settings(settings)  # the default: Secure cookies
    staff.create_user(services.database, "lan", "archive", PASSWORD, actor="tests")
    with TestClient(create_app(services), follow_redirects=False) as client:
        page = client.get("/app/signin")
        csrf = _csrf(page.text)
        assert "Secure" in page.headers["set-cookie"]
        client.cookies.set("dgz_csrf", csrf)  # a browser sends it over https (or localhost)
        answer = client.post(
            "/app/signin",
            data={"name": "lan", "password": PASSWORD, "csrf": csrf, "next": "/app/upload"},
        )
    assert answer.status_code == 303 and answer.headers["location"] == "/app/upload"
    cookie = next(c for c in answer.headers.get_list("set-cookie") if "dgz_session" in c)
    for part in ("Secure", "HttpOnly", "SameSite=strict", "Path=/app"):
        assert part in cookie
    (entry,) = _audit(services, "user.sign_in")
    assert entry.actor == "lan" and entry.detail["address"]
    services.close()


def test_pages_need_a_sign_in_and_sign_out_ends_the_session(web_services: Services) -> None:
    with _client(web_services) as client:
        answer = client.get("/app/review")
        assert answer.status_code == 303
        assert answer.headers["location"] == "/app/signin?next=/app/review"
        assert sign_in(client, "lan").status_code == 303
        page = client.get("/app/upload")
        assert page.status_code == 200 and 'lang="vi"' in page.text
        assert "Một chồng nhiều hồ sơ" in page.text
        token = client.cookies["dgz_session"]
        assert client.post("/app/signout", data={"csrf": _csrf(page.text)}).status_code == 303
        assert client.get("/app/upload").status_code == 303
        client.cookies.set("dgz_session", token, path="/app")  # an old cookie is worth nothing
        assert client.get("/app/upload").status_code == 303
    assert len(_audit(web_services, "user.sign_out")) == 1


def test_wrong_passwords_are_refused_audited_and_slowed_down(web_services: Services) -> None:
    with _client(web_services) as client:
        for _ in range(3):
            answer = sign_in(client, "lan", "sai mật khẩu")
            assert answer.status_code == 401
            assert "không đúng" in answer.text
        # Past the free failures even the right password waits, and is told how long.
        answer = sign_in(client, "lan")
        assert answer.status_code == 429
        assert int(answer.headers["retry-after"]) >= 1
        assert "thử lại sau" in answer.text
        assert "dgz_session" not in client.cookies
        # An unknown name is refused the same way (and counts for the address).
        assert sign_in(client, "không-có-ai", "x" * 12).status_code in (401, 429)
    refusals = _audit(web_services, "user.sign_in_refused")
    reasons = [e.detail["reason"] for e in refusals]
    assert reasons.count("wrong name or password") >= 3 and "throttled" in reasons
    assert all(e.detail["address"] for e in refusals)


def test_throttle_waits_double_with_each_failure() -> None:
    from datetime import UTC, datetime, timedelta

    throttle = staff.Throttle(free_failures=3)
    now = datetime(2026, 1, 1, tzinfo=UTC)
    assert throttle.wait(2, now, 3, now) == 0
    assert throttle.wait(3, now, 3, now) == 1
    assert throttle.wait(6, now, 3, now) == 8
    assert throttle.wait(6, now - timedelta(seconds=9), 3, now) == 0
    assert throttle.wait(40, now, 3, now) == 900


def test_state_changes_need_the_csrf_token(web_services: Services) -> None:
    with _client(web_services) as client:
        sign_in(client, "lan")
        assert client.post("/app/signout").status_code == 403
        assert client.post("/app/signout", data={"csrf": "wrong"}).status_code == 403
        assert client.get("/app/upload").status_code == 200  # still signed in
        answer = client.post("/app/upload", files={"files": ("a.pdf", b"%PDF-1.4")})
        assert answer.status_code == 403
        # The sign-in form too: without the cookie's token, nothing is checked.
        client.cookies.delete("dgz_csrf", path="/app")
        answer = client.post("/app/signin", data={"name": "lan", "password": PASSWORD})
        assert answer.status_code == 403
    refused = _audit(web_services, "web.refused")
    assert {e.target_id for e in refused} == {"csrf"} and len(refused) >= 3


def test_each_role_sees_only_its_pages(web_services: Services) -> None:
    with _client(web_services) as client:
        sign_in(client, "minh")  # one-stop: dossiers and search only
        assert client.get("/app").headers["location"] == "/app/dossiers"
        for path in ("/app/upload", "/app/review", "/app/admin", "/app/batches"):
            answer = client.get(path)
            assert answer.status_code == 403, path
            assert "Vai trò của bạn" in answer.text
        assert client.get("/app/search").status_code == 200
    with _client(web_services) as client:
        sign_in(client, "quan")
        page = client.get("/app/admin")
        assert page.status_code == 200
        for text in ("lan", "minh", "Học lại bộ phân loại", "Danh mục"):
            assert text in page.text
        answer = client.post(
            "/app/admin/users",
            data={"name": "hoa", "role": "archive", "password": PASSWORD, "csrf": _csrf(page.text)},
        )
        assert answer.status_code == 303
    with _client(web_services) as client:
        assert sign_in(client, "hoa").status_code == 303
    assert {e.detail["role"] for e in _audit(web_services, "web.refused")} == {"onestop"}


def _seed_document(services: Services) -> int:
    """A digitised document with one flagged field, as the assembly step stores it."""
    services.store.put_bytes("pages/test/1.jpg", _jpeg())
    with services.writes.begin() as session:
        scan = Scan(sha256="a" * 64, size=1, format="pdf", original_name="to.pdf",
                    status=ScanStatus.DONE, pages_total=1)  # fmt: skip
        session.add(scan)
        session.flush()
        session.add(
            Page(
                scan_id=scan.id,
                number=1,
                status=PageStatus.DONE,
                preview_key="pages/test/1.jpg",
                thumbnail_key="pages/test/1.jpg",
                text="Họ và tên: Nguyen Van Aan",
                report={"width": 1000, "height": 1400},
            )
        )
        document = Document(
            scan_id=scan.id, index=0, doc_type="unknown", confidence=0.2,
            procedure_confidence=0.0, pages=[1],
            review=["document type unknown", "field full_name: uncertain"],
            fields=[Field(name="full_name", value="Nguyen Van Aan", raw="Nguyen Van Aan",
                          confidence=0.4, page=1, bbox=[100, 200, 600, 260], review=True,
                          problems=["uncertain"])],
        )  # fmt: skip
        session.add(document)
        session.flush()
        index_documents(session, [document.id])
        return document.id


def _jpeg() -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("L", (100, 140), 255).save(out, "JPEG")
    return out.getvalue()


def test_a_correction_is_kept_beside_the_value_read_and_learnt_from(
    web_services: Services,
) -> None:
    document_id = _seed_document(web_services)
    with _client(web_services) as client:
        sign_in(client, "lan")
        queue = client.get("/app/review")
        assert f"/app/review/{document_id}" in queue.text
        page = client.get(f"/app/review/{document_id}")
        assert page.status_code == 200
        assert 'data-field="full_name"' in page.text and "left:10.000%" in page.text
        image = client.get(f"/app/documents/{document_id}/pages/1.jpg")
        assert image.headers["content-type"] == "image/jpeg"
        assert "max-age" in image.headers["cache-control"]
        again = client.get(
            f"/app/documents/{document_id}/pages/1.jpg",
            headers={"if-none-match": image.headers["etag"]},
        )
        assert again.status_code == 304
        answer = client.post(
            f"/app/review/{document_id}/field",
            data={"name": "full_name", "action": "correct", "value": "Nguyễn Văn An",
                  "csrf": _csrf(page.text)},
        )  # fmt: skip
        assert answer.status_code == 303
        found = client.get("/app/search", params={"q": "Nguyễn Văn An"})
        assert f"/app/review/{document_id}" in found.text and "<mark>" in found.text
    with web_services.sessions() as session:
        field = session.scalar(select(Field).where(Field.document_id == document_id))
        assert field.value == "Nguyen Van Aan"  # the value read stays
        assert field.corrected_value == "Nguyễn Văn An"
        assert field.corrected_by == "staff:lan" and field.corrected_at is not None
        assert not field.review
        document = session.get(Document, document_id)
        assert document.review == ["document type unknown"]
        assert session.scalar(select(SearchPage).limit(1)) is not None
    (line,) = web_services.settings.corrections_file.read_text().splitlines()
    learnt = json.loads(line)
    assert learnt["fields"] == {"full_name": "Nguyễn Văn An"}
    assert learnt["corrected_by"] == "staff:lan" and "Nguyen Van Aan" in learnt["text"]
    (entry,) = _audit(web_services, "field.correct")
    assert entry.detail == {"field": "full_name", "before": "Nguyen Van Aan",
                            "after": "Nguyễn Văn An"}  # fmt: skip


def test_document_type_and_dossier_are_settled_on_the_review_page(
    web_services: Services,
) -> None:
    document_id = _seed_document(web_services)
    doc_type = next(iter(web_services.knowledge.catalogue.document_types))
    with _client(web_services) as client:
        sign_in(client, "lan")
        csrf = _csrf(client.get(f"/app/review/{document_id}").text)
        answer = client.post(f"/app/review/{document_id}/document",
                             data={"doc_type": doc_type, "csrf": csrf})  # fmt: skip
        assert answer.status_code == 303
        bad = client.post(f"/app/review/{document_id}/document",
                          data={"doc_type": "không-có", "csrf": csrf})  # fmt: skip
        assert bad.status_code == 422 and "danh mục" in bad.text
        answer = client.post(f"/app/review/{document_id}/dossier",
                             data={"code": "000.00.01.H01-240115-0001", "csrf": csrf})  # fmt: skip
        assert answer.status_code == 303, answer.text
        dossier = client.get("/app/dossiers/000.00.01.H01-240115-0001")
        assert dossier.status_code == 200 and f"/app/review/{document_id}" in dossier.text
        assert "document.dossier" in dossier.text  # the history
    with web_services.sessions() as session:
        document = session.get(Document, document_id)
        assert document.doc_type == doc_type and document.confidence == 1.0
        assert document.review == ["field full_name: uncertain"]
    lines = web_services.settings.corrections_file.read_text().splitlines()
    assert json.loads(lines[0])["doc_type"] == doc_type


def test_retraining_learns_from_the_corrections_staff_made(web_services: Services) -> None:
    document_id = _seed_document(web_services)
    doc_type = next(iter(web_services.knowledge.catalogue.document_types))
    with _client(web_services) as client:
        sign_in(client, "lan")
        csrf = _csrf(client.get(f"/app/review/{document_id}").text)
        client.post(f"/app/review/{document_id}/document",
                    data={"doc_type": doc_type, "csrf": csrf})  # fmt: skip
    with _client(web_services) as client:
        sign_in(client, "quan")
        page = client.get("/app/admin")
        assert "1 chỉnh sửa của cán bộ" in page.text
        answer = client.post("/app/admin/retrain", data={"csrf": _csrf(page.text)})
        assert answer.status_code == 303
        assert "ví dụ" in client.get(answer.headers["location"]).text
    assert (web_services.settings.data_dir / "classifier.npz").is_file()
    assert (web_services.settings.data_dir / "learned_fields.json").is_file()
    (entry,) = _audit(web_services, "classifier.retrain")
    assert entry.actor == "staff:quan" and entry.detail["examples"] > 1


def test_a_bad_form_gets_a_page_and_the_api_keeps_its_problems(web_services: Services) -> None:
    document_id = _seed_document(web_services)
    with _client(web_services) as client:
        sign_in(client, "lan")
        csrf = _csrf(client.get(f"/app/review/{document_id}").text)
        answer = client.post(f"/app/review/{document_id}/field",
                             data={"name": "full_name", "action": "xoá", "csrf": csrf})  # fmt: skip
        assert answer.status_code == 422
        assert answer.headers["content-type"].startswith("text/html")
        assert "không hợp lệ" in answer.text and "Traceback" not in answer.text
        missing = client.get("/app/review/999999")
        assert missing.status_code == 404 and "text/html" in missing.headers["content-type"]
        api = client.get("/api/v1/batches/1")
        assert api.status_code == 401
        assert api.headers["content-type"] == "application/problem+json"


def test_batches_show_failures_with_their_reason_and_retry_them(
    web_services: Services, tmp_path: Path
) -> None:
    from tests.badfiles import encrypted_pdf, good_pdf
    from tests.service_fixtures import run_workers

    locked = encrypted_pdf(good_pdf(tmp_path / "a.pdf"), tmp_path / "khoa.pdf")
    with _client(web_services) as client:
        sign_in(client, "lan")
        csrf = _csrf(client.get("/app/upload").text)
        answer = client.post(
            "/app/upload",
            files={"files": ("khoá.pdf", locked.read_bytes(), "application/pdf")},
            data={"mode": "one", "dossier_code": "000.00.01.H01-240115-0002"},
            headers={"X-CSRF-Token": csrf, "X-Requested-With": "fetch"},
        )
        assert answer.status_code == 202, answer.text
        batch_id = answer.json()["batch_id"]
        run_workers(web_services.settings, count=1)
        rows = client.get("/app/batches", headers={"X-Requested-With": "fetch"})
        assert rows.status_code == 200 and "<html" not in rows.text  # a fragment
        assert f'id="batch-{batch_id}" data-status="failed"' in rows.text
        assert "khoá.pdf" in rows.text and "Lỗi:" in rows.text and "Thử lại" in rows.text
        status = client.get(f"/app/batches/{batch_id}/status").json()
        assert status["status"] == "failed" and status["files_failed"] == 1
        assert client.post(f"/app/batches/{batch_id}/retry").status_code == 403  # no token
        answer = client.post(f"/app/batches/{batch_id}/retry", data={"csrf": csrf})
        assert answer.status_code == 303
    with web_services.sessions() as session:
        batch = session.get(Batch, batch_id)
        assert batch.uploaded_by == "staff:lan" and batch.client_id is None
        assert batch.dossier_code == "000.00.01.H01-240115-0002"
    assert _audit(web_services, "batch.upload")[0].actor == "staff:lan"


def test_a_disabled_account_loses_its_sessions_and_cannot_sign_in(
    web_services: Services,
) -> None:
    with _client(web_services) as lan, _client(web_services) as quan:
        sign_in(lan, "lan")
        assert lan.get("/app/upload").status_code == 200
        sign_in(quan, "quan")
        page = quan.get("/app/admin")
        with web_services.sessions() as session:
            (user,) = [u for u in staff.list_users(session) if u.name == "lan"]
        answer = quan.post(f"/app/admin/users/{user.id}/disable", data={"csrf": _csrf(page.text)})
        assert answer.status_code == 303
        assert lan.get("/app/upload").status_code == 303  # signed out
        refused = sign_in(lan, "lan")
        assert refused.status_code == 401 and "khoá" in refused.text
    assert [e.detail["name"] for e in _audit(web_services, "user.disable")] == ["lan"]


def test_field_names_statuses_and_sexes_are_said_in_vietnamese() -> None:
    from web.pages import field_vi, note_vi, status_vi, value_vi

    assert field_vi("applicant_name") == "Họ tên người yêu cầu"
    assert field_vi("so_giay_phep") == "so giay phep"  # a form's own name, readable
    assert note_vi("field id_number: uncertain") == "Trường Số định danh cá nhân: chưa chắc chắn"
    assert note_vi("dossier code undecided") == "Chưa xác định mã hồ sơ"
    assert value_vi("female", "subject_sex") == "Nữ" and value_vi("female", "issuer") == "female"
    assert status_vi("received") == "Đã tiếp nhận" and status_vi("odd") == "odd"
