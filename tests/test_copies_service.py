"""Digitised copies with legal value through the command line and the service (issue 19):
signed PDFs out of `digitize process` and the workers, metadata in the JSON and the API,
`digitize verify`, GET /documents/{id}/verify, the dossier package."""

from __future__ import annotations

import io
import json
import subprocess
import zipfile
from pathlib import Path

import pikepdf
import pytest

from digitize.pdf.pdfa_check import pdfa_problems
from digitize.pdf.sign import check_signature
from digitize.pdf.xmp import read_schema
from digitize.records import COPY_SCHEMA, CopyMetadata
from service.context import Services
from tests.conftest import run_digitize
from tests.pki import PASSWORD, make_ca, make_unit_p12
from tests.service_fixtures import REPO, Keys, run_workers, service_env

pytestmark = pytest.mark.slow

SCAN = REPO / "samples" / "scans" / "to-khai-khai-sinh.jpg"
CODE = "000.00.13.H12-260305-0042"


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("pki")
    ca = make_ca()
    return {
        "unit": make_unit_p12(ca, folder / "unit.p12"),
        "expired": make_unit_p12(ca, folder / "expired.p12", expired=True),
        "tls": make_unit_p12(ca, folder / "tls.p12", signing_usage=False),
        "ca": ca.pem(folder / "ca.pem"),
    }


def signing_env(p12: Path) -> dict[str, str]:
    return {
        "DIGITIZE_SIGNING_P12": str(p12),
        "DIGITIZE_SIGNING_PASSWORD": PASSWORD,
        "DIGITIZE_UNIT_NAME": "UBND xã Hòa Bình",
        "DIGITIZE_OPERATOR": "Trần Thị Ánh",
    }


def text_of(pdf: Path) -> str:
    out = subprocess.run(
        ["pdftotext", "-l", "1", str(pdf), "-"], capture_output=True, check=True, timeout=60
    )
    return " ".join(out.stdout.decode("utf-8").split())


# --- the command line --------------------------------------------------------------------


def test_process_signs_marks_and_describes(
    tmp_path: Path, pki: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    for key, value in signing_env(pki["unit"]).items():
        monkeypatch.setenv(key, value)
    out = tmp_path / "out"
    run = run_digitize("process", SCAN, "--out", out, "--quiet")
    assert run.returncode == 0, run.stderr
    pdf = out / f"{SCAN.stem}.pdf"
    data = pdf.read_bytes()
    assert check_signature(data).ok and pdfa_problems(data) == []
    text = text_of(pdf)
    assert "TỜ KHAI" in text.upper()  # the page's own text layer...
    assert "CHUYỂN ĐỔI" not in text  # ...and only that: the mark is drawn, not written
    result = json.loads((out / f"{SCAN.stem}.json").read_text(encoding="utf-8"))
    assert result["mark"]["placement"] in ("margin", "band")
    assert result["signature"]["signer"]["common_name"] == "UBND xã Hòa Bình"
    [document] = result["documents"]
    metadata = document["metadata"]
    assert metadata["document_type_code"] == "to_khai_dang_ky_khai_sinh"
    assert metadata["digitised_by"] == "Trần Thị Ánh" and metadata["page_count"] == 1
    assert metadata["retention_period"] == "Vĩnh viễn"

    verified = run_digitize("verify", pdf, "--trust", pki["ca"])
    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert "intact" in verified.stdout and "PDF/A-2b: yes" in verified.stdout
    tampered = tmp_path / "tampered.pdf"
    changed = bytearray(data)
    changed[data.find(b"/MediaBox") + 12] ^= 0x01
    tampered.write_bytes(bytes(changed))
    refused = run_digitize("verify", tampered, "--json")
    assert refused.returncode == 1 and json.loads(refused.stdout)["intact"] is False


@pytest.mark.parametrize(("which", "says"), [("expired", "expired"), ("tls", "not for signing")])
def test_process_refuses_an_unusable_certificate_at_start(
    tmp_path: Path, pki: dict[str, Path], monkeypatch: pytest.MonkeyPatch, which: str, says: str
) -> None:
    for key, value in signing_env(pki[which]).items():
        monkeypatch.setenv(key, value)
    run = run_digitize("process", SCAN, "--out", tmp_path / "out", "--quiet")
    assert run.returncode == 2
    assert says in run.stderr and "Traceback" not in run.stderr
    assert not (tmp_path / "out" / f"{SCAN.stem}.pdf").exists()


# --- the service ----------------------------------------------------------------------


def test_service_files_signed_copies_with_metadata_verify_and_package(
    api, keys: Keys, settings, services: Services, pki: dict[str, Path],
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
) -> None:  # fmt: skip
    for key, value in signing_env(pki["unit"]).items():
        monkeypatch.setenv(key, value)
    files = [("files", (SCAN.name, SCAN.read_bytes(), "image/jpeg"))]
    response = api.post(
        "/api/v1/batches", files=files, data={"dossier_code": CODE}, headers=keys.header("archive")
    )
    assert response.status_code == 202, response.text
    run_workers(settings, count=1)

    dossier = api.get(f"/api/v1/dossiers/{CODE}", headers=keys.header("onestop")).json()
    [attached] = dossier["documents"]
    document = attached["document"]
    metadata = document["metadata"]
    assert metadata["document_type_code"] == "to_khai_dang_ky_khai_sinh"
    assert metadata["dossier_code"] == CODE and metadata["page_count"] == 1
    assert metadata["digitised_by"] == "test archive"  # the client that uploaded it
    assert metadata["digitising_unit"] == "UBND xã Hòa Bình"
    assert document["signature"]["signer"]["common_name"] == "UBND xã Hòa Bình"
    assert document["mark"]["placement"] in ("margin", "band")
    # The same metadata through the document resource.
    one = api.get(f"/api/v1/documents/{document['id']}", headers=keys.header("onestop")).json()
    assert one["metadata"] == metadata
    # ...and the same in the PDF's XMP: what the API says is what the signed file says.
    pdf = api.get(f"/api/v1/documents/{document['id']}/pdf", headers=keys.header("onestop"))
    with pikepdf.open(io.BytesIO(pdf.content)) as opened:
        assert CopyMetadata.from_xmp(read_schema(opened, COPY_SCHEMA)).as_json() == metadata

    check = api.get(f"/api/v1/documents/{document['id']}/verify", headers=keys.header("onestop"))
    assert check.status_code == 200, check.text
    body = check.json()
    assert body["ok"] and body["intact"] and not body["changed_after_signing"]
    assert body["pdfa"] is True and body["signer"]["common_name"] == "UBND xã Hòa Bình"

    package = api.get(f"/api/v1/dossiers/{CODE}/package", headers=keys.header("onestop"))
    assert package.status_code == 200 and package.headers["content-type"] == "application/zip"
    with zipfile.ZipFile(io.BytesIO(package.content)) as archive:
        manifest = json.loads(archive.read("manifest.json"))
        assert manifest["dossier"]["code"] == CODE
        [entry] = manifest["documents"]
        assert entry["metadata"] == metadata
        assert check_signature(archive.read(entry["file"])).ok
        assert b"<hoSo" in archive.read("manifest.xml")

    exported = tmp_path / "export.zip"
    env = {**service_env(settings), **signing_env(pki["unit"])}
    run = subprocess.run(
        [str(REPO / ".venv" / "bin" / "digitize"), "export", CODE, "--out", str(exported)],
        env=env, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    with zipfile.ZipFile(exported) as archive:
        assert sorted(archive.namelist()) == sorted(
            [entry["file"], "manifest.json", "manifest.xml"]
        )

    # A byte changed in the store is caught.
    with services.sessions() as session:
        from models import Document

        key = session.get(Document, document["id"]).pdf_key
    stored = services.store.path(key)  # type: ignore[attr-defined]
    stored.chmod(0o644)
    data = bytearray(stored.read_bytes())
    data[data.find(b"/MediaBox") + 12] ^= 0x01
    stored.write_bytes(bytes(data))
    check = api.get(f"/api/v1/documents/{document['id']}/verify", headers=keys.header("onestop"))
    assert check.json()["intact"] is False and check.json()["ok"] is False
    # The store's own checksum caught it before any signature was read (issue 17).
    assert any("store checksum" in problem for problem in check.json()["problems"])


@pytest.mark.parametrize("command", [["worker", "--burst"], ["serve", "--port", "1"]])
def test_service_refuses_an_expired_certificate_at_start(
    pki: dict[str, Path], monkeypatch: pytest.MonkeyPatch, tmp_path: Path, command: list[str]
) -> None:
    for key, value in signing_env(pki["expired"]).items():
        monkeypatch.setenv(key, value)
    monkeypatch.setenv("DIGITIZE_DATA_DIR", str(tmp_path))
    run = run_digitize(*command, timeout=120)
    assert run.returncode == 2
    assert "expired" in run.stderr and "Traceback" not in run.stderr
