"""The citizen's data store and reuse, through the API, on SQLite and PostgreSQL.

Documents are made as rows (as the workers would have stored them), so these tests
need no OCR; tests/test_service_workers.py runs the same flow from a real scan.
"""

from __future__ import annotations

import base64
import json
from datetime import date, datetime, timedelta

import jwt
import pytest
from sqlalchemy import select

from models import AuditEntry, Document, Dossier, Page, PageStatus, Scan
from models.base import utcnow
from service.citizens import citizen_tag
from service.context import Services
from service.records import apply_record, parse_record
from tests.service_fixtures import Keys

AN = "001090012345"  # Nguyễn Văn An, born 1990
BINH = "079192004321"  # Trần Thị Bình, born 1992
CODE_A = "000.00.13.H12-240115-0042"
CODE_B = "000.00.13.H12-240301-0007"
CODE_C = "000.00.13.H12-240302-0011"


def _store_document(
    services: Services,
    *,
    holder: str | None,
    doc_type: str = "can_cuoc_cong_dan",
    valid_until: date | None = None,
    dossier: str | None = None,
    index: int = 0,
) -> int:
    """A digitised document as the workers leave it: rows, a PDF and a page image."""
    store = services.store
    sha = f"{holder or 'none'}{doc_type}{index}".encode().hex()[:64].ljust(64, "0")
    store.put_bytes(f"documents/{sha}.pdf", b"%PDF-1.7\n% a stand-in for the searchable PDF\n")
    store.put_bytes(f"pages/{sha}/00001.jpg", b"\xff\xd8\xff preview")
    with services.writes.begin() as session:
        scan = Scan(sha256=sha, size=1, format="jpeg", original_name="cccd.jpg", status="done")
        session.add(scan)
        session.flush()
        session.add(
            Page(
                scan_id=scan.id,
                number=1,
                status=PageStatus.DONE,
                preview_key=f"pages/{sha}/00001.jpg",
            )
        )
        row = Document(
            scan_id=scan.id, index=index, doc_type=doc_type, doc_type_name="Căn cước công dân",
            confidence=0.97, procedure_confidence=0.0, pages=[1], pdf_key=f"documents/{sha}.pdf",
            checksum=sha, size=40, holder_id_number=holder, number=holder,
            issue_date=date(2021, 4, 20), issuer="Cục Cảnh sát QLHC về TTXH",
            valid_until=valid_until, scope="Toàn quốc", review=[],
        )  # fmt: skip
        session.add(row)
        session.flush()
        if dossier is not None:
            from service.processing import _attach

            target = session.scalar(select(Dossier).where(Dossier.code == dossier))
            assert target is not None
            _attach(session, target, [row])
        return row.id


def _record(services: Services, code: str, applicant: str) -> None:
    with services.writes.begin() as session:
        row = Dossier(code=code, review=[])
        apply_record(row, parse_record({"dossier_code": code, "applicant_id_number": applicant}))
        session.add(row)


def _token(api, keys: Keys, id_number: str) -> dict[str, str]:
    made = api.post(
        "/api/v1/citizen-tokens", json={"id_number": id_number}, headers=keys.header("onestop")
    )
    assert made.status_code == 201, made.text
    return {"Authorization": f"Bearer {made.json()['token']}"}


@pytest.fixture
def people(services: Services) -> dict[str, int]:
    _record(services, CODE_A, AN)
    _record(services, CODE_B, AN)
    _record(services, CODE_C, BINH)
    return {
        "an_card": _store_document(
            services, holder=AN, dossier=CODE_A, valid_until=date(2035, 1, 1)
        ),
        "an_old_card": _store_document(
            services, holder=AN, index=1, valid_until=utcnow().date() - timedelta(days=1)
        ),
        "binh_card": _store_document(services, holder=BINH, dossier=CODE_C),
        "nobody": _store_document(services, holder=None, doc_type="to_khai_dang_ky_khai_sinh"),
    }


def test_only_one_stop_clients_obtain_tokens_for_real_id_numbers(api, keys: Keys) -> None:
    for role in ("archive", "admin"):
        refused = api.post(
            "/api/v1/citizen-tokens", json={"id_number": AN}, headers=keys.header(role)
        )
        assert refused.status_code == 403
    for bad in ("12345", "00109001234X", "999090012345", " "):
        response = api.post(
            "/api/v1/citizen-tokens", json={"id_number": bad}, headers=keys.header("onestop")
        )
        assert response.status_code == 422, bad
    made = api.post(
        "/api/v1/citizen-tokens", json={"id_number": AN}, headers=keys.header("onestop")
    )
    body = made.json()
    assert body["id_number"] == AN and body["token_type"] == "Bearer"
    left = datetime.fromisoformat(body["expires_at"].replace("Z", "+00:00")) - utcnow()
    assert timedelta(minutes=14) < left <= timedelta(minutes=15)  # short-lived


def test_a_citizen_sees_their_own_store(api, keys: Keys, people: dict[str, int]) -> None:
    listed = api.get("/api/v1/citizen/documents", headers=_token(api, keys, AN))
    assert listed.status_code == 200, listed.text
    by_id = {d["id"]: d for d in listed.json()}
    assert set(by_id) == {people["an_card"], people["an_old_card"]}
    card = by_id[people["an_card"]]
    assert card["number"] == AN and card["issuer"] == "Cục Cảnh sát QLHC về TTXH"
    assert card["issue_date"] == "2021-04-20" and card["valid_until"] == "2035-01-01"
    assert card["scope"] == "Toàn quốc" and card["valid"] is True
    assert card["dossiers"] == [CODE_A]
    assert by_id[people["an_old_card"]]["valid"] is False
    own = api.get(f"/api/v1/citizen/documents/{people['an_card']}", headers=_token(api, keys, AN))
    assert own.status_code == 200 and own.json()["doc_type"] == "can_cuoc_cong_dan"
    pdf = api.get(f"/api/v1/documents/{people['an_card']}/pdf", headers=_token(api, keys, AN))
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/citizen/documents/{id}",
        "/api/v1/citizen/documents/{id}/pdf",
        "/api/v1/documents/{id}",
        "/api/v1/documents/{id}/pdf",
        "/api/v1/documents/{id}/pages/1/image",
    ],
)
def test_another_persons_documents_are_not_found_and_the_attempt_is_logged(
    api, keys: Keys, services: Services, people: dict[str, int], path: str
) -> None:
    an = _token(api, keys, AN)
    for target in ("binh_card", "nobody"):
        response = api.get(path.format(id=people[target]), headers=an)
        assert response.status_code == 404, (path, target, response.text)
        assert response.json()["detail"] == f"no document {people[target]}"
    guessed = max(people.values()) + 1
    assert api.get(path.format(id=guessed), headers=an).status_code == 404
    # Someone else's and one that does not exist answer alike.
    other = api.get(path.format(id=people["binh_card"]), headers=an).json()
    missing = api.get(path.format(id=guessed), headers=an).json()
    assert other["detail"].split()[:2] == missing["detail"].split()[:2]
    with services.sessions() as session:
        refusals = session.scalars(
            select(AuditEntry).where(AuditEntry.action == "citizen.refused")
        ).all()
    reasons = {(e.target_id, e.detail["reason"]) for e in refusals}
    assert (str(people["binh_card"]), "another person's document") in reasons
    assert (str(guessed), "no such document") in reasons
    tag = citizen_tag(services.settings, AN)  # a pseudonym: no ID number in the log
    assert all(e.actor.startswith(f"citizen {tag}") for e in refusals)


def test_a_citizen_token_opens_nothing_but_the_citizens_documents(
    api, keys: Keys, people: dict[str, int]
) -> None:
    an = _token(api, keys, AN)
    for method, path in [
        ("get", f"/api/v1/dossiers/{CODE_A}"),
        ("get", "/api/v1/batches"),
        ("get", "/api/v1/clients"),
        ("post", "/api/v1/citizen-tokens"),
        ("get", "/api/v1/webhooks"),
    ]:
        response = getattr(api, method)(
            path, headers=an, **({"json": {"id_number": BINH}} if method == "post" else {})
        )
        assert response.status_code == 403, (path, response.text)
    # ... and staff routes for citizens refuse API keys.
    assert api.get("/api/v1/citizen/documents", headers=keys.header("onestop")).status_code == 403


def _forge(token: str, **changes: object) -> str:
    header, payload, signature = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims.update(changes)
    encoded = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    return f"{header}.{encoded}.{signature}"


def test_expired_altered_and_forged_tokens_are_refused(
    api, keys: Keys, services: Services, people: dict[str, int]
) -> None:
    token = _token(api, keys, AN)["Authorization"].removeprefix("Bearer ")
    path = f"/api/v1/documents/{people['binh_card']}"
    now = int(utcnow().timestamp())
    attempts = {
        "claims changed to another person": _forge(token, sub=BINH),
        "expiry pushed back": _forge(token, exp=now + 10**6),
        "signature cut": token.rsplit(".", 1)[0] + ".",
        "signature of another key": jwt.encode(
            {"sub": BINH, "aud": "digitize:citizen", "iat": now, "exp": now + 600, "jti": "x"},
            "not the service's secret key, but long enough to be one", algorithm="HS256",
        ),
        "no signature at all (alg none)": jwt.encode(
            {"sub": BINH, "aud": "digitize:citizen", "iat": now, "exp": now + 600, "jti": "x"},
            None, algorithm="none",
        ),
        "expired": jwt.encode(
            {"sub": BINH, "aud": "digitize:citizen", "iat": now - 3600, "exp": now - 1, "jti": "x"},
            _key(services), algorithm="HS256",
        ),
        "another audience": jwt.encode(
            {"sub": BINH, "aud": "elsewhere", "iat": now, "exp": now + 600, "jti": "x"},
            _key(services), algorithm="HS256",
        ),
        "not a token": "hello",
    }  # fmt: skip
    for what, forged in attempts.items():
        response = api.get(path, headers={"Authorization": f"Bearer {forged}"})
        assert response.status_code == 401, what
    # The genuine token still works, for its own holder's documents only.
    assert (
        api.get(
            f"/api/v1/documents/{people['an_card']}", headers={"Authorization": f"Bearer {token}"}
        ).status_code
        == 200
    )


def _key(services: Services) -> bytes:
    from service.citizens import signing_key

    return signing_key(services.settings)


def test_reuse_attaches_without_copying_and_shows_on_both_dossiers(
    api, keys: Keys, services: Services, people: dict[str, int]
) -> None:
    reused = api.post(
        f"/api/v1/dossiers/{CODE_B}/documents", json={"document_id": people["an_card"]},
        headers=keys.header("onestop"),
    )  # fmt: skip
    assert reused.status_code == 201, reused.text
    [attached] = reused.json()["documents"]
    assert attached["attachment"] == "reused" and attached["reused_from"] == CODE_A
    assert attached["document"]["id"] == people["an_card"]  # the same document, not a copy
    original = api.get(f"/api/v1/dossiers/{CODE_A}", headers=keys.header("onestop")).json()
    assert original["documents"][0]["reused_in"] == [CODE_B]
    assert original["documents"][0]["attachment"] == "scanned"
    with services.sessions() as session:
        assert session.scalar(select(Document).where(Document.id == people["an_card"])) is not None
        count = len(session.scalars(select(Document)).all())
        logged = session.scalars(
            select(AuditEntry).where(AuditEntry.action.like("document.reuse%"))
        ).all()
    assert count == 4  # nothing was copied
    assert {(e.action, e.target_id) for e in logged} == {
        ("document.reuse", CODE_B), ("document.reused_elsewhere", CODE_A)
    }  # fmt: skip
    again = api.post(
        f"/api/v1/dossiers/{CODE_B}/documents", json={"document_id": people["an_card"]},
        headers=keys.header("onestop"),
    )  # fmt: skip
    assert again.status_code == 409


def test_expired_documents_are_refused_with_the_reason(
    api, keys: Keys, people: dict[str, int]
) -> None:
    response = api.post(
        f"/api/v1/dossiers/{CODE_B}/documents", json={"document_id": people["an_old_card"]},
        headers=keys.header("onestop"),
    )  # fmt: skip
    assert response.status_code == 422
    assert "expired on" in response.json()["detail"]


def test_a_citizen_reuses_only_their_own_documents_into_their_own_dossiers(
    api, keys: Keys, people: dict[str, int]
) -> None:
    an = _token(api, keys, AN)
    own = api.post(
        f"/api/v1/dossiers/{CODE_B}/documents", json={"document_id": people["an_card"]}, headers=an
    )
    assert own.status_code == 201, own.text
    # Who added it, by pseudonym: the ID number stays out of records and logs.
    assert own.json()["documents"][0]["added_by"].startswith("citizen #")
    foreign_document = api.post(
        f"/api/v1/dossiers/{CODE_B}/documents",
        json={"document_id": people["binh_card"]},
        headers=an,
    )
    assert foreign_document.status_code == 404
    foreign_dossier = api.post(
        f"/api/v1/dossiers/{CODE_C}/documents", json={"document_id": people["an_card"]}, headers=an
    )
    assert foreign_dossier.status_code == 404
    unknown = api.post(
        "/api/v1/dossiers/000.00.13.H12-240303-0001/documents",
        json={"document_id": people["an_card"]}, headers=an,
    )  # fmt: skip
    assert unknown.status_code == 404


def test_a_corrected_holder_number_moves_the_document_to_that_store(
    api, keys: Keys, services: Services, people: dict[str, int]
) -> None:
    document = people["nobody"]
    with services.writes.begin() as session:
        session.get(Document, document).doc_type = "can_cuoc_cong_dan"  # holder field: id_number
    corrected = api.patch(
        f"/api/v1/documents/{document}/fields/id_number", json={"value": BINH},
        headers=keys.header("archive"),
    )  # fmt: skip
    assert corrected.status_code == 200, corrected.text
    listed = api.get("/api/v1/citizen/documents", headers=_token(api, keys, BINH)).json()
    assert document in {d["id"] for d in listed}
    bad = api.patch(
        f"/api/v1/documents/{document}/fields/id_number", json={"value": "12"},
        headers=keys.header("archive"),
    )  # fmt: skip
    assert bad.status_code == 422


# --- issue 18: lifetimes, revocation, digits -------------------------------------------


def test_a_validly_signed_token_living_too_long_is_refused(
    api, keys: Keys, services: Services, people: dict[str, int]
) -> None:
    genuine = _token(api, keys, AN)["Authorization"].removeprefix("Bearer ")
    claims = jwt.decode(genuine, options={"verify_signature": False})
    path = f"/api/v1/citizen/documents/{people['an_card']}"
    # Signed with the service's own key (as a leaked key or a lax issuer would), to 2100.
    long_lived = jwt.encode(
        {**claims, "exp": int(datetime(2100, 1, 1).timestamp())}, _key(services), algorithm="HS256"
    )
    assert api.get(path, headers={"Authorization": f"Bearer {long_lived}"}).status_code == 401
    assert api.get(path, headers={"Authorization": f"Bearer {genuine}"}).status_code == 200


def test_a_token_dies_with_the_client_that_obtained_it(
    api, keys: Keys, services: Services, people: dict[str, int]
) -> None:
    headers = _token(api, keys, AN)
    path = f"/api/v1/citizen/documents/{people['an_card']}"
    assert api.get(path, headers=headers).status_code == 200
    claims = jwt.decode(
        headers["Authorization"].removeprefix("Bearer "), options={"verify_signature": False}
    )
    revoked = api.delete(f"/api/v1/clients/{claims['cid']}", headers=keys.header("admin"))
    assert revoked.is_success, revoked.text
    assert api.get(path, headers=headers).status_code == 401


@pytest.mark.parametrize(
    "digits",
    [
        "٠٠١٠٩٠٠١٢٣٤٥",  # Arabic-Indic
        "００１０９００１２３４５",  # fullwidth
        "𝟎𝟎𝟏𝟎𝟗𝟎𝟎𝟏𝟐𝟑𝟒𝟓",  # mathematical bold
    ],
)
def test_id_numbers_are_ascii_digits_only(api, keys: Keys, digits: str) -> None:
    response = api.post(
        "/api/v1/citizen-tokens", json={"id_number": digits}, headers=keys.header("onestop")
    )
    assert response.status_code == 422, response.text


def test_reads_refusals_and_reuse_attempts_are_logged_without_id_numbers(
    api, keys: Keys, services: Services, people: dict[str, int]
) -> None:
    an = _token(api, keys, AN)
    assert api.get(f"/api/v1/citizen/documents/{people['an_card']}", headers=an).is_success
    assert api.get("/api/v1/citizen/documents", headers=an).is_success
    assert api.get(
        f"/api/v1/documents/{people['binh_card']}", headers=keys.header("onestop")
    ).is_success
    # A citizen attaching another person's document to another person's dossier.
    refused = api.post(
        f"/api/v1/dossiers/{CODE_C}/documents",
        json={"document_id": people["binh_card"]},
        headers=an,
    )
    assert refused.status_code == 404
    assert api.get("/api/v1/batches", headers=keys.header("onestop")).status_code == 403
    assert (
        api.get("/api/v1/batches", headers={"Authorization": "Bearer dgz_wrong"}).status_code == 401
    )
    with services.sessions() as session:
        entries = session.scalars(select(AuditEntry).order_by(AuditEntry.id)).all()
    actions = [e.action for e in entries]
    for expected in (
        "citizen.read",
        "citizen.list",
        "document.read",
        "citizen.refused",
        "request.refused.403",
        "request.refused.401",
    ):
        assert expected in actions, expected
    reuse = [e for e in entries if e.action == "citizen.refused" and e.target_type == "dossier"]
    assert reuse and reuse[0].detail["document"] == people["binh_card"]
    for entry in entries:  # neither citizen's number anywhere in the log
        written = json.dumps([entry.actor, entry.target_id, entry.detail], ensure_ascii=False)
        assert AN not in written and BINH not in written, entry.action
