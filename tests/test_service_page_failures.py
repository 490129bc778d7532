"""A page the pipeline cannot digitise, through the queue (issue 14): the service agrees
with the command line. Some pages of a file failed: the file is `partial`, the others
filed; every page failed: the file is `failed` with the reasons, and so is a batch of
only such files; a retry reads such pages again. Real workers, Redis, Tesseract,
SQLite and PostgreSQL."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from config import Settings
from tests.service_fixtures import Keys, run_workers
from tests.synthetic import text_page
from tests.test_page_failures import LINES, three_page_pdf

pytestmark = pytest.mark.slow


@pytest.fixture
def settings(settings: Settings) -> Settings:
    # 5 MP: an A4 page at 300 dpi (8.7 MP) is too large, one at 100 dpi (1 MP) is not.
    return settings.model_copy(update={"max_page_megapixels": 5.0})


def _two_large_pages(path: Path) -> Path:
    pages = [Image.fromarray(text_page(dpi=300, lines=LINES)).convert("L") for _ in range(2)]
    buffer = io.BytesIO()
    pages[0].save(buffer, "PDF", resolution=300, save_all=True, append_images=pages[1:])
    path.write_bytes(buffer.getvalue())
    return path


def _upload(api, keys: Keys, *paths: Path) -> dict[str, Any]:
    files = [("files", (p.name, p.read_bytes(), "application/pdf")) for p in paths]
    response = api.post("/api/v1/batches", files=files, headers=keys.header("archive"))
    assert response.status_code == 202, response.text
    return response.json()


def _batch(api, keys: Keys, batch_id: int) -> dict[str, Any]:
    return api.get(f"/api/v1/batches/{batch_id}", headers=keys.header("archive")).json()


def test_failed_pages_make_a_file_partial_and_all_failed_fail_it(
    api, keys: Keys, settings: Settings, tmp_path: Path
) -> None:
    some = three_page_pdf(tmp_path / "so-do.pdf")  # page 2 too large
    every = _two_large_pages(tmp_path / "ban-do.pdf")
    mixed = _upload(api, keys, some, every)
    only_failed = _upload(api, keys, _two_large_pages(tmp_path / "ban-do-2.pdf"))
    run_workers(settings, count=1)

    mixed = _batch(api, keys, mixed["id"])
    assert mixed["status"] == "partial"
    files = {f["filename"]: f for f in mixed["files"]}
    partial = files["so-do.pdf"]
    assert partial["status"] == "partial" and partial["error"] is None
    assert any(w.startswith("page 2 not digitised: page too large") for w in partial["warnings"])
    assert partial["documents"], partial  # pages 1 and 3 were filed
    failed = files["ban-do.pdf"]
    assert failed["status"] == "failed" and not failed["documents"]
    assert failed["error"].startswith("no page could be digitised: page 1: page too large")
    assert "page 2: page too large" in failed["error"] and "5 MP" in failed["error"]

    only_failed = _batch(api, keys, only_failed["id"])
    assert only_failed["status"] == "failed"
    assert only_failed["files"][0]["status"] == "failed"
    assert only_failed["progress"]["files_failed"] == 1

    # Retried once the limit is raised, its stand-in pages are read again.
    retried = api.post(f"/api/v1/batches/{only_failed['id']}/retry", headers=keys.header("archive"))
    assert retried.json()["status"] == "processing", retried.text
    run_workers(settings.model_copy(update={"max_page_megapixels": 250.0}), count=1)
    again = _batch(api, keys, only_failed["id"])
    assert again["status"] == "done", again
    assert again["files"][0]["error"] is None and again["files"][0]["documents"]
