"""The API without workers: keys and roles, uploads (limits, types by content, hostile
names, duplicates), dossier records from the one-stop system, errors as problem+json.
On SQLite and PostgreSQL, with a real Redis behind the queue."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from redis import Redis
from sqlalchemy import func, select

from models import ApiClient, AuditEntry, Scan
from service.context import Services
from service.errors import ServiceError
from tests.badfiles import good_jpeg, good_pdf
from tests.service_fixtures import Keys

SAMPLES = Path(__file__).resolve().parent.parent / "samples" / "scans"
CODE = "000.00.13.H12-240115-0042"


def _problem(response, status: int) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body = response.json()
    assert body["status"] == status and body["detail"]
    assert body["title"] and not body["title"].endswith("Error"), body  # words, not class names
    return body


def test_every_service_error_has_a_human_title() -> None:
    kinds = [ServiceError, *ServiceError.__subclasses__()]
    assert len(kinds) > 5
    for kind in kinds:
        assert kind.title != kind.__name__ and not kind.title.endswith("Error"), kind


# --- keys and roles -------------------------------------------------------------------


def test_every_route_but_health_needs_a_known_key(api, keys: Keys) -> None:
    assert api.get("/api/v1/health").json()["database"] == "ok"
    body = _problem(api.get(f"/api/v1/dossiers/{CODE}"), 401)
    assert "Bearer" in body["detail"]
    _problem(api.get(f"/api/v1/dossiers/{CODE}", headers={"Authorization": "Bearer dgz_nope"}), 401)
    _problem(api.get("/api/v1/batches", headers={"Authorization": "Basic dXNlcjpwYXNz"}), 401)


@pytest.mark.parametrize(
    ("role", "method", "path", "status"),
    [
        ("onestop", "post", "/api/v1/batches", 403),  # only archive staff upload
        ("onestop", "get", "/api/v1/batches", 403),
        ("archive", "put", f"/api/v1/dossiers/{CODE}", 403),  # records come from one-stop
        ("archive", "get", "/api/v1/clients", 403),
        ("onestop", "post", "/api/v1/clients", 403),
        ("admin", "get", f"/api/v1/dossiers/{CODE}", 403),
        ("archive", "get", "/api/v1/webhooks", 403),
        ("onestop", "get", f"/api/v1/dossiers/{CODE}", 404),  # allowed, but unknown
        ("archive", "get", f"/api/v1/dossiers/{CODE}", 404),
        ("archive", "get", "/api/v1/documents/999", 404),
        ("archive", "get", "/api/v1/batches/999", 404),
    ],
)
def test_roles(api, keys: Keys, role: str, method: str, path: str, status: int) -> None:
    body = {"name": "x", "role": "archive"} if path.endswith("/clients") else {}
    response = getattr(api, method)(
        path, headers=keys.header(role), **({"json": body} if method in ("post", "put") else {})
    )
    _problem(response, status)


def test_admin_makes_and_revokes_clients_whose_keys_are_stored_hashed(
    api, keys: Keys, services: Services
) -> None:
    made = api.post(
        "/api/v1/clients", json={"name": "UBND phường Láng", "role": "onestop"},
        headers=keys.header("admin"),
    )  # fmt: skip
    assert made.status_code == 201, made.text
    key = made.json()["key"]
    assert (
        api.get(f"/api/v1/dossiers/{CODE}", headers={"Authorization": f"Bearer {key}"}).status_code
        == 404
    )
    with services.sessions() as session:
        stored = session.scalar(select(ApiClient).where(ApiClient.name == "UBND phường Láng"))
        assert stored is not None and key not in (stored.key_hash, stored.key_prefix)
    _problem(api.post("/api/v1/clients", json={"name": "UBND phường Láng", "role": "onestop"},
                      headers=keys.header("admin")), 409)  # fmt: skip
    _problem(api.post("/api/v1/clients", json={"name": "x", "role": "root"},
                      headers=keys.header("admin")), 422)  # fmt: skip
    revoked = api.delete(f"/api/v1/clients/{made.json()['id']}", headers=keys.header("admin"))
    assert revoked.json()["revoked_at"]
    _problem(api.get(f"/api/v1/dossiers/{CODE}", headers={"Authorization": f"Bearer {key}"}), 401)


# --- uploads --------------------------------------------------------------------------


def _upload(api, keys: Keys, *files: tuple[str, bytes], **data: str):
    return api.post(
        "/api/v1/batches",
        files=[("files", (name, content, "application/octet-stream")) for name, content in files],
        data=data,
        headers=keys.header("archive"),
    )


def _queued(services: Services) -> int:
    return Redis.from_url(services.settings.redis_url).llen(
        f"rq:queue:{services.settings.queue_name}"
    )


def test_an_upload_is_stored_byte_for_byte_once_and_queued(
    api, keys: Keys, services: Services, tmp_path: Path
) -> None:
    jpeg = good_jpeg(tmp_path / "a.jpg").read_bytes()
    pdf = good_pdf(tmp_path / "b.pdf").read_bytes()
    first = _upload(api, keys, ("trang-1.jpg", jpeg), ("hồ sơ.pdf", pdf))
    assert first.status_code == 202, first.text
    batch = first.json()
    assert [f["filename"] for f in batch["files"]] == ["trang-1.jpg", "hồ sơ.pdf"]
    assert [f["format"] for f in batch["files"]] == ["jpeg", "pdf"]
    assert [f["duplicate"] for f in batch["files"]] == [False, False]
    assert _queued(services) == 2
    for item, content in zip(batch["files"], (jpeg, pdf), strict=True):
        with services.store.open(
            f"originals/{item['sha256'][:2]}/{item['sha256'][2:4]}/{item['sha256']}"
        ) as handle:
            assert handle.read() == content
    # The same JPEG again: found, not stored or queued again.
    again = _upload(api, keys, ("ban-sao.jpg", jpeg)).json()
    assert again["files"][0]["duplicate"] is True
    assert again["files"][0]["sha256"] == batch["files"][0]["sha256"]
    assert _queued(services) == 2
    with services.sessions() as session:
        assert session.scalar(select(func.count()).select_from(Scan)) == 2
        uploads = session.scalars(select(AuditEntry).where(AuditEntry.action == "batch.upload"))
        assert [e.actor for e in uploads] == ["test archive", "test archive"]
    assert not list((services.settings.data_dir / "incoming").glob("*"))


def test_the_type_is_read_from_the_bytes_not_the_name(api, keys: Keys, tmp_path: Path) -> None:
    jpeg = good_jpeg(tmp_path / "a.jpg").read_bytes()
    accepted = _upload(api, keys, ("notes.txt", jpeg))
    assert accepted.status_code == 202 and accepted.json()["files"][0]["format"] == "jpeg"
    body = _problem(_upload(api, keys, ("scan.pdf", b"Xin chao, day la van ban.\n" * 20)), 415)
    assert "scan.pdf" in body["detail"] and "not a PDF, TIFF, JPEG or PNG" in body["detail"]
    _problem(_upload(api, keys, ("rong.pdf", b"")), 415)
    _problem(_upload(api, keys, ("a.zip", b"PK\x03\x04" + b"\x00" * 100)), 415)


def test_limits_refuse_at_once_and_leave_nothing_behind(
    api, keys: Keys, services: Services, tmp_path: Path
) -> None:
    services.settings.max_upload_mb = 0.01  # 10 kB
    services.settings.max_upload_files = 2
    body = _problem(_upload(api, keys, ("big.jpg", b"\xff\xd8\xff" + b"\x00" * 20_000)), 413)
    assert "big.jpg" in body["detail"]
    small = good_jpeg(tmp_path / "a.jpg").read_bytes()[:9000]
    _problem(_upload(api, keys, *[(f"{n}.jpg", small) for n in range(3)]), 413)
    assert not [p for p in (services.settings.data_dir / "incoming").glob("*")]
    with services.sessions() as session:
        assert session.scalar(select(func.count()).select_from(Scan)) == 0


def test_bad_requests_get_clear_problems(api, keys: Keys, tmp_path: Path) -> None:
    jpeg = good_jpeg(tmp_path / "a.jpg").read_bytes()
    _problem(api.post("/api/v1/batches", json={"files": []}, headers=keys.header("archive")), 422)
    _problem(_upload(api, keys, ("a.jpg", jpeg), dossier_code="not-a-code"), 422)
    body = _problem(
        api.post(
            "/api/v1/batches",
            content=(
                b"--xyz\r\nContent-Disposition: form-data; "
                b'name="files"; filename="a.jpg"\r\n\r\n\xff\xd8\xff'
            ),
            headers={**keys.header("archive"), "Content-Type": "multipart/form-data; boundary=xyz"},
        ),
        422,
    )
    assert "ended" in body["detail"] or "cannot be read" in body["detail"]
    _problem(
        api.post(
            "/api/v1/batches", files=[("other", ("a.jpg", jpeg, "image/jpeg"))],
            headers=keys.header("archive"),
        ),
        422,
    )  # fmt: skip


@pytest.mark.parametrize(
    ("given", "kept"),
    [
        ("../../etc/passwd.jpg", "passwd.jpg"),
        ("C:\\Users\\lan\\scan.jpg", "scan.jpg"),
        ("Ho\u0302\u0300 so\u031b.jpg", "Hồ sơ.jpg"),  # NFD from a Mac, stored NFC
        ("..", "scan"),
    ],
)
def test_hostile_names_are_made_harmless(
    api, keys: Keys, tmp_path: Path, given: str, kept: str
) -> None:
    jpeg = good_jpeg(tmp_path / "a.jpg").read_bytes()
    response = _upload(api, keys, (given, jpeg))
    assert response.status_code == 202, response.text
    assert response.json()["files"][0]["filename"] == kept


def test_control_characters_in_a_raw_file_name_are_replaced(
    api, keys: Keys, tmp_path: Path
) -> None:
    jpeg = good_jpeg(tmp_path / "a.jpg").read_bytes()
    body = (
        b'--xyz\r\nContent-Disposition: form-data; name="files"; '
        b'filename="\x1b[31mh\xe1\xbb\x93 s\xc6\xa1\x7f.jpg"\r\n\r\n' + jpeg + b"\r\n--xyz--\r\n"
    )
    response = api.post(
        "/api/v1/batches",
        content=body,
        headers={**keys.header("archive"), "Content-Type": "multipart/form-data; boundary=xyz"},
    )
    assert response.status_code == 202, response.text
    assert response.json()["files"][0]["filename"] == "_[31mhồ sơ_.jpg"


# --- dossier records ------------------------------------------------------------------


def test_one_stop_records_are_created_then_updated(api, keys: Keys, services: Services) -> None:
    record = {
        "procedure": "dang_ky_khai_sinh", "procedure_code": "1.001193",
        "applicant_name": "Nguye\u0302\u0303n Va\u0306n An",  # NFD in, NFC out
        "applicant_id_number": "001090012345", "receiving_unit": "UBND phường Láng",
        "received_date": "2024-01-15",
    }  # fmt: skip
    created = api.put(f"/api/v1/dossiers/{CODE}", json=record, headers=keys.header("onestop"))
    assert created.status_code == 201, created.text
    assert created.json()["applicant_name"] == "Nguyễn Văn An"
    assert created.json()["documents"] == [] and created.json()["origin"] == "imported"
    updated = api.put(
        f"/api/v1/dossiers/{CODE}", json={**record, "status": "processing"},
        headers=keys.header("onestop"),
    )  # fmt: skip
    assert updated.status_code == 200 and updated.json()["status"] == "processing"
    got = api.get(f"/api/v1/dossiers/{CODE}", headers=keys.header("archive")).json()
    assert got["received_date"] == "2024-01-15" and got["status"] == "processing"
    with services.sessions() as session:
        actions = [
            e.action
            for e in session.scalars(select(AuditEntry).where(AuditEntry.target_id == CODE))
        ]
    assert actions == ["dossier.create", "dossier.update", "dossier.read"]  # reads too (#18)


@pytest.mark.parametrize(
    ("code", "record", "says"),
    [
        (CODE, {"applicant_id_number": "12345"}, "not a personal ID number"),
        (CODE, {"received_date": "15/01/2024"}, "received_date"),
        (CODE, {"colour": "blue"}, "colour"),
    ],
)
def test_bad_records_are_refused(api, keys: Keys, code: str, record: dict, says: str) -> None:
    body = _problem(
        api.put(f"/api/v1/dossiers/{code}", json=record, headers=keys.header("onestop")), 422
    )
    assert says in body["detail"]


def test_the_openapi_document_describes_every_route(api) -> None:
    spec = api.get("/api/v1/openapi.json").json()
    for path in (
        "/api/v1/batches",
        "/api/v1/dossiers/{code}",
        "/api/v1/documents/{document_id}/pdf",
        "/api/v1/documents/{document_id}/pages/{number}/image",
        "/api/v1/webhooks",
    ):
        assert path in spec["paths"]
    assert (
        "multipart/form-data" in spec["paths"]["/api/v1/batches"]["post"]["requestBody"]["content"]
    )


def test_with_the_queue_away_files_are_kept_and_can_be_sent_again(
    keys: Keys, services: Services, tmp_path: Path
) -> None:
    from fastapi.testclient import TestClient

    from api.app import create_app

    working = services.settings.redis_url
    services.settings.redis_url = "redis://127.0.0.1:1/0"  # nothing listens there
    with TestClient(create_app(services)) as api:
        assert api.get("/api/v1/health").status_code == 503
        jpeg = good_jpeg(tmp_path / "a.jpg").read_bytes()
        body = _problem(_upload(api, keys, ("trang-1.jpg", jpeg)), 503)
        assert "stored" in body["detail"] and "retry" in body["detail"]
        # No internal host or port, and a retry link that can be followed as it is.
        assert "127.0.0.1" not in body["detail"] and "{id}" not in body["detail"]
        assert re.search(r"/api/v1/batches/\d+/retry", body["detail"])
        with services.sessions() as session:
            [scan] = session.scalars(select(Scan)).all()
            assert scan.status == "queued"
        services.settings.redis_url = working
        batches = api.get("/api/v1/batches", headers=keys.header("archive")).json()
        retried = api.post(
            f"/api/v1/batches/{batches[0]['id']}/retry", headers=keys.header("archive")
        )
        assert retried.status_code == 200, retried.text
    assert _queued(services) == 1


def test_a_store_that_is_away_is_a_503_to_try_again(
    services: Services, keys: Keys, tmp_path: Path, s3_server
) -> None:
    """An upload while the S3 store does not answer: 503 problem+json with Retry-After
    (the client should try again), not a 500; and /health names the store as down."""
    from dataclasses import replace

    from fastapi.testclient import TestClient

    from api.app import create_app
    from tests.service_fixtures import free_port

    away = s3_server.store(endpoint_url=f"http://127.0.0.1:{free_port()}", attempts=1)
    with TestClient(create_app(replace(services, store=away))) as client:
        answer = _upload(client, keys, ("trang-1.jpg", good_jpeg(tmp_path / "a.jpg").read_bytes()))
        assert answer.status_code == 503, answer.text
        assert answer.headers["content-type"] == "application/problem+json"
        assert int(answer.headers["retry-after"]) > 0
        assert "file store" in answer.json()["detail"]
        health = client.get("/api/v1/health")
        assert health.status_code == 503
        assert health.json()["store"].startswith("unavailable")
        assert health.json()["database"] == "ok"
    assert _queued(services) == 0
