"""The service under attack and under faults (issue 18): each test here failed before its
fix. Traffic goes to loopback only; other destinations are refused at registration and
through a resolver the test controls."""

from __future__ import annotations

import io
import json
import pickle
import signal
import subprocess
import sys
import zlib
from pathlib import Path

import pytest
from redis import Redis
from rich.console import Console
from rq import Queue

from config import Settings
from tests.service_fixtures import free_port, start_worker
from workers import redis_server
from workers.queue import enqueue_scans, work_queue
from workers.supervisor import Supervisor

# --- 1. the queue: JSON jobs, a Redis of our own with a password ----------------------


def test_jobs_are_stored_as_json_not_pickle(settings: Settings) -> None:
    enqueue_scans(settings, [41])
    queue = work_queue(settings)
    [job_id] = queue.job_ids
    raw = Redis.from_url(settings.redis_url).hget(f"rq:job:{job_id}", "data")
    assert raw is not None
    func, _instance, args, kwargs = json.loads(zlib.decompress(raw))
    assert func == "workers.jobs.split_scan" and args == [41] and kwargs == {}


class _Planted:
    """What an attacker with access to Redis would queue: a pickle that runs code."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[object, tuple[str, ...]]:
        return (Path.touch, (str(self.marker),))  # type: ignore[return-value]


@pytest.mark.slow
def test_a_pickle_planted_in_redis_runs_no_code_in_a_worker(
    settings: Settings, services: object, tmp_path: Path
) -> None:
    marker = tmp_path / "pwned"
    connection = Redis.from_url(settings.redis_url)
    job = Queue(settings.queue_name, connection=connection).enqueue("os.getpid")
    payload = pickle.dumps(("os.getpid", None, (_Planted(marker),), {}))
    connection.hset(f"rq:job:{job.id}", "data", zlib.compress(payload))
    worker = start_worker(settings, burst=True, name="planted")
    try:
        worker.communicate(timeout=300)
    finally:
        if worker.poll() is None:
            worker.kill()
    assert not marker.exists()


def test_up_starts_redis_with_a_password_kept_private(tmp_path: Path) -> None:
    folder = tmp_path / "redis"
    secret = redis_server.password(folder)
    assert redis_server.password(folder) == secret  # made once
    assert (folder / "password").stat().st_mode & 0o777 == 0o600
    url = redis_server.with_password(f"redis://127.0.0.1:{free_port()}/0", secret)
    process = redis_server.start(url, folder)
    try:
        assert redis_server.answers(url)
        assert not redis_server.answers(redis_server.without_password(url))
        assert (folder / "redis.conf").stat().st_mode & 0o777 == 0o600
        command_line = Path(f"/proc/{process.pid}/cmdline").read_bytes().decode()
        assert secret not in command_line
        assert secret not in redis_server.redacted(url)
    finally:
        redis_server.stop(process)


def test_up_refuses_a_redis_it_did_not_start(redis_url: str, tmp_path: Path) -> None:
    from cli.service import _redis_for_up

    out = io.StringIO()
    console = Console(file=out, width=200)
    # A second `up` on the port of a running Redis (another instance's queue): refused.
    url, start = _redis_for_up(Settings(data_dir=tmp_path, redis_url=redis_url), console)
    assert url is None and start is None
    assert "already listens" in out.getvalue()
    # A Redis named with a password that answers without one: refused as well.
    given = redis_url.replace("127.0.0.1", ":guessed@127.0.0.1")
    url, start = _redis_for_up(Settings(data_dir=tmp_path, redis_url=given), console)
    assert url is None and "without a password" in out.getvalue()
    # A free local port: ours to start, with a password in the URL.
    free = f"redis://127.0.0.1:{free_port()}/0"
    url, start = _redis_for_up(Settings(data_dir=tmp_path, redis_url=free), console)
    assert url is not None and start is not None
    assert redis_server.password(tmp_path / "redis") in url


# --- 5. supervision -------------------------------------------------------------------


def _sleeper() -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"])


def test_the_supervisor_restarts_dead_children_with_backoff() -> None:
    now = [0.0]
    supervisor = Supervisor(first_backoff=1.0, max_backoff=4.0, clock=lambda: now[0])
    child = supervisor.add("worker 1", _sleeper)
    try:
        assert supervisor.alive("worker") == 1
        first = child.process
        assert first is not None
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=30)
        assert supervisor.check() == []  # found dead: waits its backoff first
        assert supervisor.alive("worker") == 0
        now[0] += 1.0
        assert supervisor.check() == ["worker 1"]
        assert supervisor.alive("worker") == 1 and child.restarts == 1
        # Dying again at once doubles the wait.
        assert child.process is not None
        child.process.kill()
        child.process.wait(timeout=30)
        supervisor.check()
        now[0] += 1.0
        assert supervisor.check() == []
        now[0] += 1.0
        assert supervisor.check() == ["worker 1"] and child.restarts == 2
    finally:
        supervisor.stop()
        for c in supervisor.children:
            if c.process is not None:
                c.process.kill()
                c.process.wait(timeout=30)
