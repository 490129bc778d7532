"""Two "machines" on this one: node A runs the API and a worker, node B a worker; each
has a data folder of its own, and they share only PostgreSQL, Redis and S3 (SeaweedFS).
A stack uploaded to A's API comes out whole, with work done on both nodes; node B's
worker killed mid-job (SIGKILL, as a machine dies) loses no page and doubles none.
Nothing is kept in either node's folder: the files are in the bucket."""

from __future__ import annotations

import contextlib
import json
import signal
import subprocess
import sys
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pikepdf
import psutil
import pytest
from pydantic import SecretStr
from redis import Redis
from rq import Worker
from sqlalchemy import func, select

from config import Settings
from models import Document, Page, PageStatus, Scan
from service.auth import create_client
from service.context import Services
from tests.s3_fixtures import S3Server
from tests.service_fixtures import REPO, free_port, service_env, wait_until
from workers.queue import SERIALIZER

pytestmark = pytest.mark.slow


@dataclass
class Node:
    name: str
    settings: Settings
    env: dict[str, str]
    processes: list[subprocess.Popen[bytes]]

    def start(self, *args: str) -> subprocess.Popen[bytes]:
        log = (self.settings.data_dir / f"{args[0]}-{len(self.processes)}.log").open("wb")
        process = subprocess.Popen(
            [sys.executable, "-m", "cli.main", *args],
            cwd=REPO,
            env=self.env,
            start_new_session=True,  # its own group, to kill it whole
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        self.processes.append(process)
        return process

    def logs(self) -> str:
        return "\n".join(
            f"--- {p.name}\n{p.read_text('utf-8', 'replace')[-3000:]}"
            for p in sorted(self.settings.data_dir.glob("*.log"))
        )


def _kill_tree(process: subprocess.Popen[bytes]) -> None:
    """SIGKILL a process and everything under it (Tesseract too), all at once."""
    try:
        root = psutil.Process(process.pid)
        family = [root, *root.children(recursive=True)]
    except psutil.NoSuchProcess:
        return
    for member in family:
        with contextlib.suppress(psutil.NoSuchProcess):
            member.send_signal(signal.SIGKILL)
    psutil.wait_procs(family[1:], timeout=30)
    process.wait(timeout=30)


@pytest.fixture
def nodes(
    tmp_path: Path, database_url: str, redis_url: str, s3_server: S3Server
) -> Iterator[tuple[Node, Node]]:
    shared = {
        "database_url": database_url,
        "redis_url": redis_url,
        "queue_name": f"test-{uuid.uuid4().hex[:8]}",
        "job_retries": 2,
        "retry_backoff": "0",
        "worker_grace": 3,
        "worker_maintenance": 1,
        "pages_per_job": 2,
    }
    storage = s3_server.env(s3_server.url())
    made = []
    for name in ("a", "b"):
        settings = Settings(data_dir=tmp_path / f"node-{name}", **shared)  # type: ignore[arg-type]
        settings.data_dir.mkdir()
        env = {**service_env(settings), **storage, "DIGITIZE_SECRET_KEY": "k" * 40}
        made.append(Node(name, settings, env, []))
    yield made[0], made[1]
    for node in made:
        for process in node.processes:
            if process.poll() is None:
                _kill_tree(process)


@pytest.fixture(scope="module")
def small_stack(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    """Two dossiers of a generated bulk-scan stack, in one PDF."""
    scan = tmp_path_factory.mktemp("stack") / "stack.pdf"
    subprocess.run(
        [sys.executable, "-m", "samples.generate", "--stack", scan, "--dossiers", "2",
         "--seed", "7", "--format", "pdf"],
        cwd=REPO, check=True, capture_output=True, timeout=600,
    )  # fmt: skip
    return scan, json.loads(scan.with_name("stack.pdf.json").read_text(encoding="utf-8"))


def _current_job(redis: Redis, name: str) -> Any:
    for worker in Worker.all(connection=redis, serializer=SERIALIZER):
        if worker.name == name:
            return worker.get_current_job()
    return None


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_two_nodes_share_the_work_and_one_dying_loses_nothing(
    nodes: tuple[Node, Node],
    small_stack: tuple[Path, dict[str, Any]],
    s3_server: S3Server,
    tmp_path: Path,
) -> None:
    a, b = nodes
    scan, truth = small_stack
    pages_total = len(truth["pages"])
    # The test process looks on, like an operator, through the same shared services.
    services = Services.from_settings(
        a.settings.model_copy(
            update={
                "data_dir": tmp_path / "observer",
                "storage_url": a.env["DIGITIZE_STORAGE_URL"],
                "s3_endpoint_url": s3_server.endpoint,
                "s3_access_key_id": s3_server.access_key,
                "s3_secret_access_key": SecretStr(s3_server.secret_key),
            }
        )
    )
    store = services.store
    try:
        with services.writes.begin() as session:
            key = create_client(session, "scanner", "archive", actor="tests")[1]
        port = free_port()
        a.start("serve", "--host", "127.0.0.1", "--port", str(port))
        api = httpx.Client(
            base_url=f"http://127.0.0.1:{port}/api/v1",
            headers={"Authorization": f"Bearer {key}"},
            timeout=60,
        )

        def answers() -> bool:
            # No worker runs yet, so /health says 503 (issue 18): the API answers, and
            # the database and the queue are reached.
            try:
                health = api.get("/health").json()
            except (httpx.HTTPError, ValueError):
                return False
            return health.get("database") == "ok" and health.get("queue") == "ok"

        wait_until(answers, 120, "node A's API")
        b.start("worker", "--name", "node-b")
        a.start("worker", "--name", "node-a")
        with scan.open("rb") as handle:
            sent = api.post("/batches", files=[("files", (scan.name, handle, "application/pdf"))])
        assert sent.status_code == 202, sent.text
        batch_id = sent.json()["id"]

        # Node B in the middle of a page job, after at least one page is done anywhere.
        redis = Redis.from_url(a.settings.redis_url)

        seen: list[Any] = []

        def b_mid_job() -> bool:
            job = _current_job(redis, "node-b")
            if job is None or not job.func_name.endswith("process_pages"):
                return False
            seen[:] = [job]
            with services.sessions() as session:
                started = session.scalar(
                    select(func.count())
                    .select_from(Page)
                    .where(
                        Page.number.in_(job.args[1]),
                        Page.status == PageStatus.PENDING,
                        Page.attempts > 0,
                    )
                )
                done = session.scalar(
                    select(func.count()).select_from(Page).where(Page.status == PageStatus.DONE)
                )
            return bool(started) and bool(done)

        try:
            wait_until(b_mid_job, 400, "node B's worker in the middle of a page job", 0.05)
        except AssertionError:
            pytest.fail(f"node B never got mid-job\n{a.logs()}\n{b.logs()}")
        victim = b.processes[0]
        _kill_tree(victim)
        assert victim.returncode == -signal.SIGKILL
        # The record a dead worker leaves (it expires; then the job last seen there).
        dead_job = _current_job(redis, "node-b") or seen[0]
        with services.sessions() as session:
            in_flight = list(
                session.scalars(
                    select(Page.number).where(
                        Page.number.in_(dead_job.args[1]),
                        Page.status == PageStatus.PENDING,
                        Page.attempts > 0,
                    )
                )
            )
        assert in_flight, "node B died between two pages; nothing was cut off"

        def finished() -> bool:
            return api.get(f"/batches/{batch_id}").json()["status"] in ("done", "partial", "failed")

        try:
            wait_until(finished, 600, "the batch, finished by node A")
        except AssertionError:
            pytest.fail(f"the batch did not finish\n{a.logs()}")
        batch = api.get(f"/batches/{batch_id}").json()
        assert batch["status"] == "done", batch
        assert batch["progress"]["pages_done"] == pages_total

        with services.sessions() as session:
            pages = session.scalars(select(Page).order_by(Page.number)).all()
            documents = session.scalars(select(Document).order_by(Document.index)).all()
            sha = session.scalars(select(Scan.sha256)).one()
        assert [p.number for p in pages] == list(range(1, pages_total + 1))
        assert all(p.status == PageStatus.DONE for p in pages)
        # The pages node B died on were done again elsewhere: tried twice, stored once.
        assert all(p.attempts == 2 for p in pages if p.number in in_flight)
        assert all(p.attempts == 1 for p in pages if p.number not in in_flight)
        in_documents = sorted(n for d in documents for n in d.pages)
        assert len(in_documents) == len(set(in_documents))  # no page in two documents

        # Every file is in the bucket, once; neither node kept one in its folder.
        assert [k for k in store.keys("originals/")] == [f"originals/{sha[:2]}/{sha[2:4]}/{sha}"]
        page_pdfs = [k for k in store.keys(f"pages/{sha}/") if k.endswith(".pdf")]
        assert len(page_pdfs) == pages_total
        assert sorted(store.keys("documents/")) == sorted(d.pdf_key for d in documents if d.pdf_key)
        for document in documents:
            if document.pdf_key is None:
                continue
            with store.local_copy(document.pdf_key) as path, pikepdf.open(path) as pdf:
                assert len(pdf.pages) == len(document.pages)
            served = api.get(f"/documents/{document.id}/pdf")
            assert served.status_code == 200, served.text
            with store.open(document.pdf_key) as handle:
                assert served.content == handle.read()
        for node in (a, b):
            kept = [p for p in node.settings.data_dir.rglob("*") if p.is_file()]
            assert not [p for p in kept if p.suffix not in (".log", ".key")], kept
            assert not (node.settings.data_dir / "store").exists()
    finally:
        services.close()
        for process in [*a.processes, *b.processes]:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in [*a.processes, *b.processes]:
            try:
                process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                _kill_tree(process)
