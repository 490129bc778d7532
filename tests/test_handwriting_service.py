"""Handwriting seen in the ink through the queue (issue 13, point 4): the service's
assembly step looks at the stored page images as `digitize process` looks at its own,
so a handwritten value is flagged `handwritten` there too. Real workers, Redis,
Tesseract, SQLite and PostgreSQL, a real template from ../shared."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from config import Settings
from tests.service_fixtures import Keys, run_workers

pytestmark = pytest.mark.slow

REAL_FORMS = Path(__file__).resolve().parents[2] / "shared" / "real-forms" / "pdf"


def test_the_service_flags_a_handwritten_name_from_the_stored_page(
    api, keys: Keys, settings: Settings, tmp_path: Path
) -> None:
    # The copy `tests/test_handwriting.py` runs through `digitize process`: its name is
    # read as letters, and only its ink says a hand wrote them.
    template = "01_To_khai_dang_ky_khai_sinh"
    pdf = REAL_FORMS / f"{template}.pdf"
    if not pdf.is_file():
        pytest.skip("../shared/real-forms not present")
    from samples.real_forms import REAL, fill_real_form

    form = next(f for f in REAL if f.file == template)
    scan = fill_real_form(form, pdf, 10, 71, tmp_path, handwritten=0.5)
    truth = json.loads((scan.parent.parent / "truth" / f"{scan.name}.json").read_text("utf-8"))
    expected = truth["documents"][0]
    assert "applicant_name" in expected["handwritten"]
    files = [("files", (scan.name, scan.read_bytes(), "application/octet-stream"))]
    answer = api.post("/api/v1/batches", files=files, headers=keys.header("archive"))
    assert answer.status_code == 202, answer.text
    run_workers(settings, count=1)
    batch = api.get(f"/api/v1/batches/{answer.json()['id']}", headers=keys.header("archive"))
    (item,) = batch.json()["files"]
    assert item["status"] == "done", item
    (document,) = item["documents"]
    document_id = document["id"] if isinstance(document, dict) else document
    got = api.get(f"/api/v1/documents/{document_id}", headers=keys.header("archive")).json()
    name = got["fields"]["applicant_name"]
    assert name["review"] is True and "handwritten" in name["problems"], name
    assert name["bbox"] is not None
    for typed in expected["expected"]:
        assert "handwritten" not in got["fields"][typed]["problems"], (typed, got["fields"])
