"""The whole service with real parts: the API, `digitize worker` processes on a real Redis,
real Tesseract, SQLite and PostgreSQL. A stack goes in through the API and comes out as
dossiers whose documents have fields and searchable PDFs; a worker killed with SIGKILL
mid-job loses no page and doubles none; broken files fail with their reason."""

from __future__ import annotations

import contextlib
import io
import json
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import pikepdf
import psutil
import pytest
from PIL import Image
from sqlalchemy import func, select

from digitize.metrics import cer
from models import Document, DossierDocument, Page, PageStatus
from service.context import Services
from tests.badfiles import corrupt_pdf, encrypted_pdf, good_pdf
from tests.service_fixtures import REPO, Keys, run_workers, start_worker, wait_until

pytestmark = pytest.mark.slow

SAMPLES = REPO / "samples" / "scans"


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any], list[dict]]:
    """A generated stack of three dossiers: a separator sheet, a receipt whose QR code is
    damaged, a receipt whose QR disagrees with its print; one record missing, one naming
    another applicant. 13 pages."""
    root = tmp_path_factory.mktemp("stack")
    scan = root / "stack.pdf"
    subprocess.run(
        [sys.executable, "-m", "samples.generate", "--stack", scan, "--dossiers", "3",
         "--seed", "5", "--format", "pdf"],
        cwd=REPO, check=True, capture_output=True, timeout=600,
    )  # fmt: skip
    truth = json.loads((root / "stack.pdf.json").read_text(encoding="utf-8"))
    records = json.loads((root / "stack.records.json").read_text(encoding="utf-8"))
    return scan, truth, records


def _upload(api, keys: Keys, *paths: Path, **data: str) -> dict[str, Any]:
    files = [("files", (p.name, p.read_bytes(), "application/octet-stream")) for p in paths]
    response = api.post("/api/v1/batches", files=files, data=data, headers=keys.header("archive"))
    assert response.status_code == 202, response.text
    return response.json()


def _batch(api, keys: Keys, batch_id: int) -> dict[str, Any]:
    return api.get(f"/api/v1/batches/{batch_id}", headers=keys.header("archive")).json()


def _pdf_text(pdf: bytes, tmp_path: Path) -> str:
    path = tmp_path / "document.pdf"
    path.write_bytes(pdf)
    return subprocess.run(
        ["pdftotext", "-q", "-enc", "UTF-8", "-raw", str(path), "-"],
        capture_output=True, timeout=60, check=True,
    ).stdout.decode("utf-8")  # fmt: skip


def _put_records(api, keys: Keys, records: list[dict]) -> None:
    for record in records:
        body = {k: v for k, v in record.items() if k != "dossier_code"}
        response = api.put(
            f"/api/v1/dossiers/{record['dossier_code']}", json=body, headers=keys.header("onestop")
        )
        assert response.status_code in (200, 201), response.text


def test_a_stack_comes_out_as_dossiers_with_fields_and_searchable_pdfs(
    api, keys: Keys, settings, stack, tmp_path: Path
) -> None:
    scan, truth, records = stack
    _put_records(api, keys, records)
    batch = _upload(api, keys, scan)
    run_workers(settings, count=2)
    batch = _batch(api, keys, batch["id"])
    assert batch["status"] == "done", batch
    assert (
        batch["progress"]["pages_done"] == batch["progress"]["pages_total"] == len(truth["pages"])
    )

    item = batch["files"][0]
    placed = [p for d in item["dossiers"] for p in d["pages"]] + item["unassigned_pages"]
    assert sorted(placed) == list(range(1, len(truth["pages"]) + 1))  # each page once
    split = {d["boundary_page"]: d for d in item["dossiers"]}

    for expected in truth["dossiers"]:
        got = split[expected["pages"][0]]
        if "code_disagrees" in expected["review"]:
            assert got["code"] is None and any("disagree" in r for r in got["review"]), got
            continue
        if "qr_damaged" in expected["review"]:
            assert got["review"], got  # flagged for review, code still read from the print
        assert got["code"] == expected["code"]
        dossier = api.get(f"/api/v1/dossiers/{expected['code']}", headers=keys.header("onestop"))
        assert dossier.status_code == 200, dossier.text
        dossier = dossier.json()
        wanted = [
            truth["documents"][i]["doc_type"]
            for i in expected["documents"]
            if truth["documents"][i]["doc_type"] != "to_phan_cach_ho_so"  # not archived
        ]
        assert [d["document"]["doc_type"] for d in dossier["documents"]] == wanted
        assert all(d["attachment"] == "scanned" for d in dossier["documents"])
        assert dossier["origin"] == ("from_scan" if expected["record"] == "missing" else "imported")
        if expected["record"] == "name_differs":
            assert any("record mismatch: applicant" in r for r in dossier["review"])

        for attached in dossier["documents"]:
            document = attached["document"]
            truth_document = next(
                truth["documents"][i] for i in expected["documents"]
                if truth["documents"][i]["pages"][0] == document["source"]["pages"][0]
            )  # fmt: skip
            for name, value in truth_document["expected"].items():
                if name in document["fields"] and not document["fields"][name]["review"]:
                    assert document["fields"][name]["value"] == value, (name, document["fields"])
            pdf = api.get(document["links"]["pdf"], headers=keys.header("onestop"))
            assert pdf.headers["content-type"] == "application/pdf"
            with pikepdf.open(io.BytesIO(pdf.content)) as opened:
                assert len(opened.pages) == document["page_count"]
                assert opened.open_metadata().get("pdfaid:part") == "2"
            reference = "\n".join(
                truth["pages"][n - 1]["text"] for n in document["source"]["pages"]
            )
            assert cer(reference, _pdf_text(pdf.content, tmp_path)) < 0.05
            image = api.get(document["links"]["pages"][0], headers=keys.header("onestop"))
            assert image.headers["content-type"] == "image/jpeg"
            width, height = Image.open(io.BytesIO(image.content)).size
            assert max(width, height) == 1600 and height > width  # upright A4
            thumb = api.get(document["links"]["thumbnails"][0], headers=keys.header("onestop"))
            assert max(Image.open(io.BytesIO(thumb.content)).size) == 256


def test_a_worker_killed_mid_job_loses_no_page_and_doubles_none(
    api, keys: Keys, settings, services: Services, stack
) -> None:
    scan, truth, _ = stack
    batch = _upload(api, keys, scan)
    victim = start_worker(settings, burst=False, name="victim")
    in_flight: list[int] = []

    def working_on_a_page() -> bool:
        with services.sessions() as session:
            started = session.scalars(
                select(Page.number).where(Page.status == PageStatus.PENDING, Page.attempts > 0)
            ).all()
            done = session.scalar(
                select(func.count()).select_from(Page).where(Page.status == PageStatus.DONE)
            )
        in_flight[:] = started
        return bool(started) and bool(done)  # in the middle of a job, after a first page

    def frozen_mid_page() -> bool:
        # Freeze the worker's whole tree before looking again: on a busy machine the page
        # seen in flight could otherwise finish between the look and the kill.
        if not working_on_a_page():
            return False
        _signal_tree(victim.pid, signal.SIGSTOP)
        if working_on_a_page():
            return True
        _signal_tree(victim.pid, signal.SIGCONT)
        return False

    try:
        wait_until(frozen_mid_page, 300, "the worker to be in the middle of a job", 0.05)
    finally:
        _kill_tree(victim.pid)  # as a machine dies: the worker, its job's process, Tesseract
        victim.wait(timeout=30)
    assert victim.returncode == -signal.SIGKILL
    working_on_a_page()  # what it was doing when it died
    assert in_flight, "the worker died between two pages; nothing was cut off"

    rescuer = start_worker(settings, burst=False, name="rescuer")
    try:
        wait_until(lambda: _batch(api, keys, batch["id"])["status"] == "done", 300, "the batch")
    finally:
        rescuer.send_signal(signal.SIGTERM)
        rescuer.wait(timeout=60)

    with services.sessions() as session:
        pages = session.scalars(select(Page).order_by(Page.number)).all()
        assert [p.number for p in pages] == list(range(1, len(truth["pages"]) + 1))
        assert all(p.status == PageStatus.DONE for p in pages)
        # The page the dead worker was on was done again, by the rescuer: tried twice.
        assert all(p.attempts == 2 for p in pages if p.number in in_flight)
        documents = session.scalars(select(Document).order_by(Document.index)).all()
        attachments = session.scalar(select(func.count()).select_from(DossierDocument))
    result = _batch(api, keys, batch["id"])["files"][0]
    assert [d["id"] for d in result["documents"]] == [d.id for d in documents]
    in_documents = sorted(n for d in documents for n in d.pages)
    assert len(in_documents) == len(set(in_documents))  # no page in two documents
    assert attachments == sum(1 for d in documents if d.dossier_id is not None)
    for document in documents:
        with services.store.local_copy(document.pdf_key) as path, pikepdf.open(path) as pdf:
            assert len(pdf.pages) == len(document.pages)


def _signal_tree(pid: int, signum: signal.Signals) -> None:
    root = psutil.Process(pid)
    for process in [root, *root.children(recursive=True)]:
        with contextlib.suppress(psutil.NoSuchProcess):  # a Tesseract run that ended meanwhile
            process.send_signal(signum)


def _kill_tree(pid: int) -> None:
    """SIGKILL a process and every process under it at once (RQ runs each job in a
    process group of its own, so killing the worker's group would spare the job)."""
    root = psutil.Process(pid)
    family = [root, *root.children(recursive=True)]
    for process in family:
        process.send_signal(signal.SIGKILL)
    psutil.wait_procs(family[1:], timeout=30)  # the root is the caller's to reap


def test_broken_files_fail_with_their_reason_and_can_be_requeued(
    api, keys: Keys, settings, tmp_path: Path
) -> None:
    corrupt = corrupt_pdf(tmp_path / "hong.pdf")
    locked = encrypted_pdf(good_pdf(tmp_path / "good.pdf"), tmp_path / "khoa.pdf")
    good = SAMPLES / "to-khai-khai-sinh.jpg"
    batch = _upload(api, keys, corrupt, locked, good)
    run_workers(settings, count=1)
    result = _batch(api, keys, batch["id"])
    assert result["status"] == "partial"
    statuses = {f["filename"]: (f["status"], f["error"]) for f in result["files"]}
    assert statuses["to-khai-khai-sinh.jpg"] == ("done", None)
    assert statuses["hong.pdf"][0] == "failed" and statuses["hong.pdf"][1]
    assert statuses["khoa.pdf"][0] == "failed" and "encrypted" in statuses["khoa.pdf"][1]
    assert result["progress"]["files_failed"] == 2

    retried = api.post(f"/api/v1/batches/{batch['id']}/retry", headers=keys.header("archive"))
    assert retried.json()["status"] == "processing"
    run_workers(settings, count=1)
    again = {f["filename"]: f["error"] for f in _batch(api, keys, batch["id"])["files"]}
    assert again["khoa.pdf"] == statuses["khoa.pdf"][1]  # a permanent reason stays the same


def test_files_of_a_known_dossier_join_it_and_corrections_are_kept(
    api, keys: Keys, settings
) -> None:
    code = "000.00.13.H12-240115-0042"
    _upload(api, keys, SAMPLES / "to-khai-khai-sinh.jpg", dossier_code=code)
    run_workers(settings, count=1)
    dossier = api.get(f"/api/v1/dossiers/{code}", headers=keys.header("onestop")).json()
    [attached] = dossier["documents"]
    document = attached["document"]
    assert document["doc_type"] == "to_khai_dang_ky_khai_sinh"
    name = next(iter(document["fields"]))
    read = document["fields"][name]["value"]
    corrected = api.patch(
        f"/api/v1/documents/{document['id']}/fields/{name}",
        json={"value": "Nguye\u0302\u0303n Va\u0306n An"},
        headers=keys.header("archive"),
    )
    assert corrected.status_code == 200, corrected.text
    body = corrected.json()
    assert body["value"] == read and body["current"] == "Nguyễn Văn An"
    assert body["corrected"]["by"] == "test archive"
    # A duplicate upload finds the digitised file: nothing is queued, the batch is done.
    again = _upload(api, keys, SAMPLES / "to-khai-khai-sinh.jpg")
    assert again["status"] == "done" and again["files"][0]["duplicate"]
    assert [d["id"] for d in again["files"][0]["documents"]] == [document["id"]]


def test_a_citizen_finds_a_digitised_document_and_reuses_it(api, keys: Keys, settings) -> None:
    scan = SAMPLES / "to-khai-cu-tru-ct01.png"
    truth = json.loads((REPO / "samples" / "truth" / f"{scan.name}.json").read_text("utf-8"))
    holder = truth["documents"][0]["expected"]["id_number"]
    first, second = "000.00.13.H12-240115-0042", "000.00.13.H12-250320-0101"
    _upload(api, keys, scan, dossier_code=first)
    run_workers(settings, count=1)
    [scanned] = api.get(f"/api/v1/dossiers/{first}", headers=keys.header("onestop")).json()[
        "documents"
    ]
    document = scanned["document"]
    assert document["holder_id_number"] == holder  # read from the scan, and confirmed

    token = api.post(
        "/api/v1/citizen-tokens", json={"id_number": holder}, headers=keys.header("onestop")
    ).json()["token"]
    citizen = {"Authorization": f"Bearer {token}"}
    store = api.get("/api/v1/citizen/documents", headers=citizen).json()
    assert [d["id"] for d in store] == [document["id"]]
    assert store[0]["dossiers"] == [first] and store[0]["valid"]

    new_dossier = {"procedure": "dang_ky_thuong_tru", "applicant_id_number": holder}
    api.put(f"/api/v1/dossiers/{second}", json=new_dossier, headers=keys.header("onestop"))
    reused = api.post(
        f"/api/v1/dossiers/{second}/documents", json={"document_id": document["id"]},
        headers=citizen,
    )  # fmt: skip
    assert reused.status_code == 201, reused.text
    [attached] = reused.json()["documents"]
    assert attached["attachment"] == "reused" and attached["reused_from"] == first
    pdf = api.get(attached["document"]["links"]["pdf"], headers=keys.header("onestop"))
    assert pdf.content == api.get(document["links"]["pdf"], headers=citizen).content
    original = api.get(f"/api/v1/dossiers/{first}", headers=keys.header("onestop")).json()
    assert original["documents"][0]["reused_in"] == [second]

    stranger = api.post(
        "/api/v1/citizen-tokens", json={"id_number": "001090012345"},
        headers=keys.header("onestop"),
    ).json()["token"]  # fmt: skip
    assert (
        api.get(
            document["links"]["self"], headers={"Authorization": f"Bearer {stranger}"}
        ).status_code
        == 404
    )
