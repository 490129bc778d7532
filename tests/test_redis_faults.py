"""Redis killed mid-batch under `digitize up` (issue 18): the supervisor restarts it, the
queue it held survives (append-only file, synced before each answer), and the batch
ends with every page digitised once, nothing lost or doubled; /health answers 503 while
Redis is down and 200 once it is back. Everything runs as `up` runs it: real Redis,
real workers, real Tesseract, the API over loopback."""

from __future__ import annotations

import io
import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import psutil
import pytest
from PIL import Image
from redis import Redis
from sqlalchemy import create_engine, func, select

from config import Settings
from models import Document, Page, PageStatus
from service.context import Services
from tests.service_fixtures import REPO, Keys, free_port, start_worker, wait_until
from tests.synthetic import LINES, text_page

pytestmark = pytest.mark.slow

FILES, PAGES_PER_FILE = 3, 3


def _stack_pdf(path: Path, pages: int) -> Path:
    """A PDF of `pages` text pages, each headed by its file's name (files must differ:
    the same bytes twice are one scan)."""
    images = [
        Image.fromarray(text_page(dpi=100, lines=(f"{path.stem}, trang {k}", *LINES)))
        for k in range(1, pages + 1)
    ]
    buffer = io.BytesIO()
    images[0].save(buffer, "PDF", resolution=100, save_all=True, append_images=images[1:])
    path.write_bytes(buffer.getvalue())
    return path


def _cli(env: dict[str, str], *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "cli.main", *args],
        cwd=REPO, env=env, capture_output=True, timeout=300, check=True,
    )  # fmt: skip
    return done.stdout.decode("utf-8")


@pytest.fixture
def up(tmp_path: Path) -> Iterator[tuple[str, dict[str, str], Path, subprocess.Popen[bytes]]]:
    """`digitize up` with two workers, on free ports, with its own data folder."""
    data = tmp_path / "data"
    env = {
        **os.environ,
        "DIGITIZE_DATA_DIR": str(data),
        "DIGITIZE_DATABASE_URL": f"sqlite:///{tmp_path}/digitize.db",
        "DIGITIZE_REDIS_URL": f"redis://127.0.0.1:{free_port()}/0",
        "DIGITIZE_PAGES_PER_JOB": "1",
        "DIGITIZE_JOB_RETRIES": "2",
        "DIGITIZE_RETRY_BACKOFF": "0",
        "DIGITIZE_WORKER_GRACE": "3",
        "DIGITIZE_WORKER_MAINTENANCE": "1",
    }
    _cli(env, "db", "upgrade")
    key = _cli(env, "apikey", "create", "--name", "archive", "--role", "archive", "--quiet")
    port = free_port()
    log = (tmp_path / "up.log").open("wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "cli.main", "up", "--workers", "2", "--host", "127.0.0.1",
         "--port", str(port)],
        cwd=REPO, env=env, start_new_session=True, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}/api/v1"
    env["DIGITIZE_TEST_KEY"] = key.strip()
    try:
        wait_until(lambda: _health(base) == 200, 180, "`up` to be healthy")
        yield base, env, tmp_path, process
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=90)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=30)
        log.close()


def _health(base: str) -> int:
    try:
        return httpx.get(f"{base}/health", timeout=5).status_code
    except httpx.HTTPError:
        return 0


def _redis_child(up: subprocess.Popen[bytes]) -> psutil.Process | None:
    found = [p for p in psutil.Process(up.pid).children() if p.name() == "redis-server"]
    return found[0] if found else None


def test_redis_killed_mid_batch_loses_no_page_and_doubles_none(up) -> None:
    base, env, tmp_path, process = up
    headers = {"Authorization": f"Bearer {env['DIGITIZE_TEST_KEY']}"}
    paths = [_stack_pdf(tmp_path / f"stack-{n}.pdf", PAGES_PER_FILE) for n in range(FILES)]
    files = [("files", (p.name, p.read_bytes(), "application/pdf")) for p in paths]
    response = httpx.post(f"{base}/batches", files=files, headers=headers, timeout=60)
    assert response.status_code == 202, response.text
    batch_id = response.json()["id"]
    engine = create_engine(env["DIGITIZE_DATABASE_URL"])

    def pages_done() -> int:
        with engine.connect() as connection:
            return int(
                connection.scalar(
                    select(func.count()).select_from(Page).where(Page.status == PageStatus.DONE)
                )
                or 0
            )

    total = FILES * PAGES_PER_FILE
    wait_until(lambda: pages_done() >= 1, 300, "a first page to be done", 0.05)
    assert pages_done() < total, "the batch ended before Redis could be killed"

    # Watch /health from before the kill: 503 while Redis is away, 200 when it is back.
    seen: list[int] = []
    stop = threading.Event()

    def watch() -> None:
        while not stop.is_set():
            seen.append(_health(base))
            time.sleep(0.05)

    watcher = threading.Thread(target=watch, daemon=True)
    redis = _redis_child(process)
    assert redis is not None
    watcher.start()
    try:
        redis.send_signal(signal.SIGKILL)
        redis.wait(timeout=30)
        wait_until(lambda: 503 in seen, 60, "/health to answer 503")
        wait_until(
            lambda: (
                getattr(_redis_child(process), "pid", redis.pid) != redis.pid and seen[-1] == 200
            ),
            120,
            "Redis to be restarted and /health to answer 200",
        )
    finally:
        stop.set()
        watcher.join(timeout=30)

    def batch() -> dict[str, Any]:
        return httpx.get(f"{base}/batches/{batch_id}", headers=headers, timeout=30).json()

    wait_until(lambda: batch()["status"] in ("done", "failed"), 600, "the batch to end", 0.5)
    result = batch()
    assert result["status"] == "done", result
    assert result["progress"]["pages_done"] == result["progress"]["pages_total"] == total
    for item in result["files"]:
        placed = [p for d in item["documents"] for p in d["pages"]] + item["unassigned_pages"]
        assert sorted(placed) == list(range(1, PAGES_PER_FILE + 1)), item  # each page once
    with engine.connect() as connection:
        pages = connection.execute(select(Page.scan_id, Page.number, Page.status)).all()
        documents = connection.execute(select(Document.scan_id, Document.pages)).all()
    assert len(pages) == total and all(p.status == PageStatus.DONE for p in pages)
    in_documents = [(d.scan_id, n) for d in documents for n in d.pages]
    assert len(in_documents) == len(set(in_documents))  # no page in two documents
    engine.dispose()


# --- a Redis that comes back without the queue ------------------------------------------


def _upload(api, keys: Keys, paths: list[Path]) -> int:
    files = [("files", (p.name, p.read_bytes(), "application/pdf")) for p in paths]
    response = api.post("/api/v1/batches", files=files, headers=keys.header("archive"))
    assert response.status_code == 202, response.text
    return int(response.json()["id"])


def test_work_lost_by_redis_is_queued_again_and_done_once(
    api, keys: Keys, settings: Settings, services: Services, tmp_path: Path
) -> None:
    """Redis flushed mid-batch, as one without persistence comes back from a crash: the
    workers find the files the database still waits for and finish them, each page once."""
    settings.queue_reconcile_seconds = 1
    paths = [_stack_pdf(tmp_path / f"lost-{n}.pdf", PAGES_PER_FILE) for n in range(2)]
    batch_id = _upload(api, keys, paths)
    worker = start_worker(settings, burst=False, name=f"after-flush-{uuid.uuid4().hex[:6]}")

    def pages_done() -> int:
        with services.sessions() as session:
            return int(
                session.scalar(
                    select(func.count()).select_from(Page).where(Page.status == PageStatus.DONE)
                )
                or 0
            )

    try:
        wait_until(lambda: pages_done() >= 1, 300, "a first page to be done", 0.05)
        Redis.from_url(settings.redis_url).flushdb()  # jobs, registries, all gone
        assert pages_done() < 2 * PAGES_PER_FILE, "the batch ended before the flush"

        def status() -> str:
            body = api.get(f"/api/v1/batches/{batch_id}", headers=keys.header("archive")).json()
            return str(body["status"])

        wait_until(lambda: status() in ("done", "failed"), 300, "the batch to end", 0.5)
    finally:
        worker.send_signal(signal.SIGTERM)
        try:
            worker.wait(timeout=120)
        except subprocess.TimeoutExpired:
            os.killpg(worker.pid, signal.SIGKILL)
            worker.wait(timeout=30)
    result = api.get(f"/api/v1/batches/{batch_id}", headers=keys.header("archive")).json()
    assert result["status"] == "done", result
    for item in result["files"]:
        placed = [p for d in item["documents"] for p in d["pages"]] + item["unassigned_pages"]
        assert sorted(placed) == list(range(1, PAGES_PER_FILE + 1)), item  # each page once
    with services.sessions() as session:
        documents = session.execute(select(Document.scan_id, Document.pages)).all()
    in_documents = [(d.scan_id, n) for d in documents for n in d.pages]
    assert len(in_documents) == len(set(in_documents))  # no page in two documents


@pytest.mark.parametrize("step", ["reconcile", "check_instance"])
def test_a_stop_asked_during_the_upkeep_is_not_swallowed(settings: Settings, step: str) -> None:
    """SIGTERM while a worker is idle raises StopRequested wherever it is, also inside
    the upkeep's reconciling: it must reach RQ's loop, or the worker never stops."""
    from rq.exceptions import StopRequested

    from workers.worker import build_worker

    worker = build_worker(settings)

    def interrupted() -> None:
        raise StopRequested

    setattr(worker, step, interrupted)
    if step == "check_instance":
        worker.reconcile = None
    with pytest.raises(StopRequested):
        worker.run_maintenance_tasks()
