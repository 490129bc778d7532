"""`digitize watch`: each complete file taken once, uploaded as a batch, moved to done/
or failed/ with its reason, across restarts and rival watchers too. Real database and
Redis queue; the workers are not needed to see a file taken."""

from __future__ import annotations

import functools
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from redis import Redis
from sqlalchemy import func, select

from config import Settings
from models import Batch, BatchFile
from service.context import Services
from service.watch import Watcher
from tests.badfiles import good_jpeg
from tests.service_fixtures import REPO, free_port, service_env
from workers.queue import enqueue_scans

SAMPLE = REPO / "samples" / "scans" / "to-khai-khai-sinh.jpg"


def _watcher(services: Services, folder: Path) -> Watcher:
    return Watcher(services, folder, functools.partial(enqueue_scans, services.settings),
                   interval=0.01)  # fmt: skip


def _batches(services: Services) -> list[Batch]:
    with services.sessions() as session:
        return list(session.scalars(select(Batch).order_by(Batch.id)))


def _queued(settings: Settings) -> int:
    return int(Redis.from_url(settings.redis_url).llen(f"rq:queue:{settings.queue_name}"))


def test_a_complete_file_is_uploaded_once_and_moved_to_done(
    services: Services, tmp_path: Path
) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    watcher = _watcher(services, inbox)
    growing = inbox / "to-khai.jpg"
    data = SAMPLE.read_bytes()
    growing.write_bytes(data[: len(data) // 2])
    assert watcher.step() == []  # first look
    with growing.open("ab") as handle:  # the scanner is still writing
        handle.write(data[len(data) // 2 :])
    os.utime(growing, ns=(1, 1))
    assert watcher.step() == []  # changed since the last look: not complete yet
    (outcome,) = watcher.step()
    assert outcome.ok and outcome.name == "to-khai.jpg"
    assert (inbox / "done" / "to-khai.jpg").read_bytes() == data
    note = (inbox / "done" / "to-khai.jpg.txt").read_text()
    (batch,) = _batches(services)
    assert f"lô #{batch.id}" in note
    assert batch.uploaded_by == "watch:inbox"
    assert list((inbox / "processing").iterdir()) == []
    assert _queued(services.settings) == 1
    assert watcher.step() == [] and watcher.step() == []  # nothing is taken twice

    # The same bytes saved again (a second copy of the scan) are not digitised again.
    shutil.copy(SAMPLE, inbox / "lan-nua.jpg")
    watcher.step()
    (again,) = watcher.step()
    assert again.ok and f"đã nhận trước đó: lô #{batch.id}" in again.detail
    assert len(_batches(services)) == 1 and _queued(services.settings) == 1


def test_what_is_not_a_scan_goes_to_failed_with_its_reason(
    services: Services, tmp_path: Path
) -> None:
    inbox = tmp_path / "inbox"
    (inbox / "may-quet-2").mkdir(parents=True)
    (inbox / "ghi-chu.pdf").write_text("không phải PDF")
    good_jpeg(inbox / "may-quet-2" / "trang.jpg")
    (inbox / "dang-ghi.jpg.part").write_bytes(b"...")  # a scanner's name while writing
    watcher = _watcher(services, inbox)
    watcher.step()
    outcomes = {o.name: o for o in watcher.step()}
    assert set(outcomes) == {"ghi-chu.pdf", "may-quet-2__trang.jpg"}
    assert not outcomes["ghi-chu.pdf"].ok
    reason = (inbox / "failed" / "ghi-chu.pdf.txt").read_text()
    assert "ghi-chu.pdf" in reason and len(reason.splitlines()) == 2
    assert (inbox / "failed" / "ghi-chu.pdf").is_file()
    assert (inbox / "done" / "may-quet-2__trang.jpg").is_file()
    assert (inbox / "dang-ghi.jpg.part").is_file()  # left alone
    assert len(_batches(services)) == 1


def test_a_restarted_watcher_finishes_claimed_files_without_taking_any_twice(
    services: Services, tmp_path: Path
) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    shutil.copy(SAMPLE, inbox / "a.jpg")
    good_jpeg(inbox / "b.jpg")
    first = _watcher(services, inbox)
    first.step()
    # Stopped after claiming a.jpg (nothing uploaded yet) ...
    claimed = first._claim(inbox / "a.jpg")
    assert claimed == inbox / "processing" / "a.jpg"
    # ... and a rival watcher that looked at the same time cannot take it too.
    rival = _watcher(services, inbox)
    assert rival._claim(inbox / "a.jpg") is None
    # b.jpg: uploaded, but the watcher stopped before moving it on or writing the ledger.
    (b_outcome,) = [o for o in first.step() if o.name == "b.jpg"]
    shutil.move(inbox / "done" / "b.jpg", inbox / "processing" / "b.jpg")
    (inbox / "done" / "b.jpg.txt").unlink()
    for entry in (inbox / ".watch" / "ledger").iterdir():
        entry.unlink()
    assert len(_batches(services)) == 1

    restarted = _watcher(services, inbox)
    outcomes = {o.name: o for o in restarted.recover()}
    assert set(outcomes) == {"a.jpg", "b.jpg"}
    assert all(o.ok for o in outcomes.values())
    assert "đã nhận trước đó" in outcomes["b.jpg"].detail  # found by the database
    assert b_outcome.detail.split("#")[1] in outcomes["b.jpg"].detail
    assert len(_batches(services)) == 2  # a.jpg once, b.jpg once
    with services.sessions() as session:
        assert session.scalar(select(func.count()).select_from(BatchFile)) == 2
    assert sorted(p.name for p in (inbox / "done").iterdir()) == [
        "a.jpg", "a.jpg.txt", "b.jpg", "b.jpg.txt"]  # fmt: skip
    assert list((inbox / "processing").iterdir()) == []


def test_watch_command_once(settings: Settings, services: Services, tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    shutil.copy(SAMPLE, inbox / "ho-so.jpg")
    run = subprocess.run(
        [sys.executable, "-m", "cli.main", "watch", str(inbox), "--once", "--interval", "0.2"],
        cwd=REPO, env=service_env(settings), capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    assert "ho-so.jpg: lô #" in run.stderr
    assert (inbox / "done" / "ho-so.jpg").is_file()
    missing = subprocess.run(
        [sys.executable, "-m", "cli.main", "watch", str(tmp_path / "none")],
        cwd=REPO, env=service_env(settings), capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert missing.returncode == 1 and "is not a folder" in missing.stderr
    assert "Traceback" not in missing.stderr


@pytest.mark.slow
def test_up_with_a_watched_folder_digitises_a_file_dropped_in_it(
    settings: Settings, services: Services, tmp_path: Path
) -> None:
    """`digitize up` with DIGITIZE_WATCH_DIR: its own Redis, a worker, the API and the
    watcher; a scan saved into the folder ends in done/ with a finished batch."""
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    env = {
        **service_env(settings),
        # A free port without a password: `up` starts a Redis of its own there.
        "DIGITIZE_REDIS_URL": f"redis://127.0.0.1:{free_port()}/0",
        "DIGITIZE_WATCH_DIR": str(inbox),
        "DIGITIZE_WATCH_INTERVAL": "0.2",
    }
    args = [sys.executable, "-m", "cli.main", "up", "--workers", "1",
            "--host", "127.0.0.1", "--port", str(free_port())]  # fmt: skip
    log_path = tmp_path / "up.log"  # a file, not a pipe: one nobody reads fills and blocks
    log = log_path.open("wb")
    up = subprocess.Popen(args, cwd=REPO, env=env, start_new_session=True,
                          stdout=subprocess.DEVNULL, stderr=log)  # fmt: skip
    try:
        good_jpeg(tmp_path / "trang.jpg")
        shutil.move(tmp_path / "trang.jpg", inbox / "trang.jpg")  # renamed into place
        deadline = time.monotonic() + 600
        status = None
        while time.monotonic() < deadline and up.poll() is None:
            batches = _batches(services)
            status = batches[0].status.value if batches else None
            if status in ("done", "partial", "failed"):
                break
            time.sleep(1)
        assert up.poll() is None, log_path.read_text("utf-8", "replace")
        assert status == "done", status
        assert (inbox / "done" / "trang.jpg").is_file()
        assert "lô #1" in (inbox / "done" / "trang.jpg.txt").read_text()
        assert not list((inbox / "processing").glob("*"))
        (batch,) = _batches(services)
        assert batch.uploaded_by.startswith("watch:")
    finally:
        up.send_signal(signal.SIGTERM)
        try:
            up.wait(timeout=120)
        except subprocess.TimeoutExpired:
            os.killpg(up.pid, signal.SIGKILL)
            up.wait()
        log.close()
    assert up.returncode == 0
