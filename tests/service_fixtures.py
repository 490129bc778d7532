"""Real servers for the service's tests: a Redis server and a PostgreSQL cluster started
by the tests themselves, and the SQLite file. Tests that take `database_url` run on both.

PostgreSQL: DIGITIZE_TEST_POSTGRES_URL names a server to use (a database is made per
test); otherwise a throwaway cluster is started with the installed PostgreSQL
binaries. Without either the PostgreSQL cases are skipped, except under CI=true,
where they fail: CI must test both.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import pytest
from redis import Redis
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from config import Settings
from service.auth import create_client
from service.context import Services

REPO = Path(__file__).resolve().parent.parent
CI = os.environ.get("CI", "").lower() == "true"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_until(predicate: object, timeout: float, what: str, interval: float = 0.2) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():  # type: ignore[operator]
            return
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")


# --- Redis ----------------------------------------------------------------------------


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.fail("redis-server is not installed (scripts/setup.sh installs it)")
    folder = tmp_path_factory.mktemp("redis")
    port = free_port()
    process = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--dir", str(folder),
         "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )  # fmt: skip
    url = f"redis://127.0.0.1:{port}/0"
    wait_until(lambda: _pings(url), 20, "redis-server")
    yield url
    process.terminate()
    process.wait(timeout=10)


def _pings(url: str) -> bool:
    try:
        return bool(Redis.from_url(url).ping())
    except Exception:
        return False


@pytest.fixture
def redis_url(redis_server: str) -> str:
    Redis.from_url(redis_server).flushdb()
    return redis_server


# --- PostgreSQL -----------------------------------------------------------------------


@dataclass
class _Postgres:
    admin_url: str  # a database to connect to while making the test's own
    stop: list[str] | None = None  # the command that stops a cluster we started
    folder: Path | None = None


def _pg_binaries() -> Path | None:
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"))
    return Path(found[-1]).parent if found else None


def start_cluster(*, durable: bool = False) -> _Postgres | None:
    """A throwaway PostgreSQL cluster from the installed binaries, on a free port; None
    without them. Tests skip fsync; `durable` keeps PostgreSQL's defaults (benchmarks)."""
    binaries = _pg_binaries()
    if binaries is None:
        return None
    folder = Path(tempfile.mkdtemp(prefix="digitize-pg-"))
    run_as: list[str] = []
    if os.geteuid() == 0:  # PostgreSQL refuses to run as root
        shutil.chown(folder, "postgres")
        run_as = ["runuser", "-u", "postgres", "--"]
    data = folder / "data"
    subprocess.run(
        [*run_as, str(binaries / "initdb"), "-D", str(data), "-A", "trust", "-U", "postgres",
         "-E", "UTF8", "--locale=C.UTF-8"],
        check=True, capture_output=True, timeout=120,
    )  # fmt: skip
    port = free_port()
    options = f"-p {port} -k {folder} -c listen_addresses=127.0.0.1"
    if not durable:
        options += " -c fsync=off"
    pg_ctl = [*run_as, str(binaries / "pg_ctl"), "-D", str(data)]
    subprocess.run(
        [*pg_ctl, "-o", options, "-l", str(folder / "log"), "-w", "start"],
        check=True, capture_output=True, timeout=120,
    )  # fmt: skip
    url = f"postgresql+psycopg://postgres@127.0.0.1:{port}/postgres"
    wait_until(lambda: _connects(url), 30, "PostgreSQL")
    return _Postgres(url, [*pg_ctl, "-m", "fast", "-w", "stop"], folder)


def _connects(url: str) -> bool:
    try:
        engine = create_engine(url)
        with engine.connect():
            pass
        engine.dispose()
        return True
    except Exception:
        return False


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[_Postgres | None]:
    given = os.environ.get("DIGITIZE_TEST_POSTGRES_URL")
    server = _Postgres(given) if given else start_cluster()
    yield server
    if server is not None and server.stop is not None:
        subprocess.run(server.stop, check=False, capture_output=True, timeout=120)
        shutil.rmtree(server.folder or "", ignore_errors=True)


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(
    request: pytest.FixtureRequest, tmp_path: Path, postgres_server: _Postgres | None
) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path}/digitize.db"
        return
    if postgres_server is None:
        if CI:
            pytest.fail("CI must test PostgreSQL: no server (set DIGITIZE_TEST_POSTGRES_URL)")
        pytest.skip("no PostgreSQL here (set DIGITIZE_TEST_POSTGRES_URL to test it)")
    name = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(postgres_server.admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    yield (
        make_url(postgres_server.admin_url).set(database=name).render_as_string(hide_password=False)
    )
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


# --- the service ----------------------------------------------------------------------


def service_env(settings: Settings) -> dict[str, str]:
    """The environment that makes a separate process see the same settings."""
    values = {
        "DIGITIZE_DATA_DIR": str(settings.data_dir),
        "DIGITIZE_DATABASE_URL": settings.effective_database_url(),
        "DIGITIZE_REDIS_URL": settings.redis_url,
        "DIGITIZE_QUEUE_NAME": settings.queue_name,
        "DIGITIZE_JOB_RETRIES": str(settings.job_retries),
        "DIGITIZE_RETRY_BACKOFF": settings.retry_backoff,
        "DIGITIZE_WORKER_GRACE": str(settings.worker_grace),
        "DIGITIZE_WORKER_MAINTENANCE": str(settings.worker_maintenance),
        "DIGITIZE_PAGES_PER_JOB": str(settings.pages_per_job),
        "DIGITIZE_WEBHOOK_RETRIES": str(settings.webhook_retries),
        "DIGITIZE_WEBHOOK_BACKOFF": settings.webhook_backoff,
        "DIGITIZE_WEBHOOK_TIMEOUT": str(settings.webhook_timeout),
        "DIGITIZE_WEBHOOK_ALLOWED_NETWORKS": settings.webhook_allowed_networks,
        "DIGITIZE_QUEUE_RECONCILE_SECONDS": str(settings.queue_reconcile_seconds),
        "DIGITIZE_MAX_PAGE_MEGAPIXELS": str(settings.max_page_megapixels),
    }
    return {**os.environ, **values}


@pytest.fixture
def settings(tmp_path: Path, database_url: str, redis_url: str) -> Settings:
    return Settings(
        data_dir=tmp_path / "data",
        database_url=database_url,
        redis_url=redis_url,
        queue_name=f"test-{uuid.uuid4().hex[:8]}",
        job_retries=2,
        retry_backoff="0",
        worker_grace=3,
        worker_maintenance=1,
        pages_per_job=2,
        webhook_retries=3,
        webhook_backoff="1",
        webhook_timeout=5,
    )


@pytest.fixture
def services(settings: Settings) -> Iterator[Services]:
    built = Services.from_settings(settings)
    yield built
    built.close()


@dataclass
class Keys:
    archive: str
    onestop: str
    admin: str

    def header(self, role: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {getattr(self, role)}"}


@pytest.fixture
def keys(services: Services) -> Keys:
    made = {}
    with services.writes.begin() as session:
        for role in ("archive", "onestop", "admin"):
            made[role] = create_client(session, f"test {role}", role, actor="tests")[1]
    return Keys(**made)


@pytest.fixture
def api(services: Services) -> Iterator[object]:
    from fastapi.testclient import TestClient

    from api.app import create_app

    with TestClient(create_app(services)) as client:
        yield client


def start_worker(settings: Settings, *, burst: bool, name: str) -> subprocess.Popen[bytes]:
    """A real `digitize worker` process, in a session of its own (to kill it whole). Its
    stderr goes to a file (`worker_log`): a pipe nobody reads fills up after 64 KB of
    log and blocks the worker, which then never stops."""
    args = [sys.executable, "-m", "cli.main", "worker", "--name", name]
    if burst:
        args.append("--burst")
    log = tempfile.TemporaryFile()  # noqa: SIM115 (kept open while the worker lives)
    process = subprocess.Popen(
        args,
        cwd=REPO,
        env=service_env(settings),
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=log,
    )
    _LOGS[process.pid] = log
    return process


_LOGS: dict[int, IO[bytes]] = {}


def worker_log(process: subprocess.Popen[bytes]) -> str:
    """What a worker from `start_worker` wrote to its stderr so far."""
    log = _LOGS[process.pid]
    log.seek(0)
    return log.read().decode("utf-8", "replace")


def run_workers(settings: Settings, count: int = 2, timeout: float = 600) -> None:
    """Workers in burst mode until the queue is empty (retries included)."""
    workers = [start_worker(settings, burst=True, name=f"burst-{uuid.uuid4().hex[:6]}-{n}")
               for n in range(count)]  # fmt: skip
    for worker in workers:
        try:
            worker.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(worker.pid, signal.SIGKILL)
            raise
        assert worker.returncode == 0, worker_log(worker)[-2000:]
