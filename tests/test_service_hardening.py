"""The service under attack and under faults (issue 18): each test here failed before its
fix. Traffic goes to loopback only; other destinations are refused at registration and
through a resolver the test controls."""

from __future__ import annotations

import io
import json
import os
import pickle
import signal
import subprocess
import sys
import threading
import uuid
import zlib
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from redis import Redis
from rich.console import Console
from rq import Queue
from sqlalchemy import select

from config import Settings
from models import ApiClient, DeliveryStatus, WebhookDelivery
from service import usecases
from service.context import Services
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


# --- 2 and 3. webhook destinations and revocation --------------------------------------

CODE = "000.00.13.H12-240115-0042"


class _Receiver(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        self.rfile.read(int(self.headers["Content-Length"]))
        self.server.received.append(self.path)  # type: ignore[attr-defined]
        self.send_response(204)
        self.end_headers()

    def log_message(self, *_args: object) -> None:
        pass


@pytest.fixture
def receiver() -> Iterator[ThreadingHTTPServer]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Receiver)
    server.received = []  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()


def _resolver(table: dict[str, list[str]]) -> Callable[[str, int], list[str]]:
    def resolve(host: str, port: int) -> list[str]:
        if host not in table:
            raise OSError("unknown host")
        return table[host]

    return resolve


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:6379/",
        "http://localhost/",  # resolves to loopback
        "http://169.254.169.254/latest/meta-data/",
        "http://[::1]/",
        "http://[::ffff:127.0.0.1]/",
        "http://[fe80::1]/",
        "http://0.0.0.0/",
        "http://2130706433/",  # 127.0.0.1 as one number
        "http://0x7f.0.0.1/",
        "http://0177.0.0.1/",
        "http://127.1/",
        "http://10.1.2.3/",
        "http://192.168.1.1/",
        "http://224.0.0.1/",
        "http://240.0.0.1/",
        "http://internal.example/",  # a name that resolves to a private address
        "http://user:pass@public.example/",
        "http://public.example:99999/",
        "http://public.example:0/",
        "gopher://public.example/",
        "http://public.example/" + "a" * 2000,
    ],
)
def test_webhooks_to_internal_or_odd_destinations_are_refused(
    api, keys, monkeypatch: pytest.MonkeyPatch, url: str
) -> None:
    monkeypatch.setattr(
        "service.destinations.resolve",
        _resolver({
            "localhost": ["127.0.0.1", "::1"],
            "internal.example": ["93.184.216.34", "10.0.0.5"],
            "public.example": ["93.184.216.34"],
        }),
    )  # fmt: skip
    made = api.post("/api/v1/webhooks", json={"url": url}, headers=keys.header("onestop"))
    assert made.status_code == 422, made.text
    assert "user:pass" not in made.text


def test_a_listed_network_may_be_reached(
    api, keys, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("service.destinations.resolve", _resolver({"onestop.lan": ["10.20.1.5"]}))
    url = "http://onestop.lan:8080/hooks"
    refused = api.post("/api/v1/webhooks", json={"url": url}, headers=keys.header("onestop"))
    assert refused.status_code == 422
    settings.webhook_allowed_networks = "10.20.0.0/16"
    made = api.post("/api/v1/webhooks", json={"url": url}, headers=keys.header("onestop"))
    assert made.status_code == 201, made.text


def _event(services: Services) -> list[int]:
    from service.webhooks import DOSSIER_DIGITISED, raise_event

    payload = {"event": DOSSIER_DIGITISED, "dossier_code": CODE, "documents": []}
    with services.writes.begin() as session:
        return raise_event(session, DOSSIER_DIGITISED, (f"test:{uuid.uuid4().hex}", payload))


def _delivery(services: Services, delivery_id: int) -> WebhookDelivery:
    with services.sessions() as session:
        found = session.get(WebhookDelivery, delivery_id)
        assert found is not None
        session.expunge(found)
        return found


@pytest.fixture
def subscribed(api, keys, settings: Settings, receiver: ThreadingHTTPServer) -> int:
    """The one-stop client's webhook to the loopback receiver, and its dossier record."""
    settings.webhook_allowed_networks = "127.0.0.0/8"
    url = f"http://127.0.0.1:{receiver.server_port}/hook"
    made = api.post("/api/v1/webhooks", json={"url": url}, headers=keys.header("onestop"))
    assert made.status_code == 201, made.text
    sent = api.put(f"/api/v1/dossiers/{CODE}", json={}, headers=keys.header("onestop"))
    assert sent.status_code == 201, sent.text
    return int(made.json()["id"])


def test_a_delivery_is_sent_to_the_subscribed_client(
    services: Services, subscribed: int, receiver: ThreadingHTTPServer
) -> None:
    [delivery] = _event(services)
    assert usecases.deliver_webhook(services, delivery) is None
    assert receiver.received == ["/hook"]  # type: ignore[attr-defined]
    assert _delivery(services, delivery).status == DeliveryStatus.DELIVERED


def test_a_name_that_turns_internal_after_registration_is_not_sent_to(
    api, keys, services: Services, receiver: ThreadingHTTPServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    table = {"hooks.example": ["93.184.216.34"]}
    monkeypatch.setattr("service.destinations.resolve", _resolver(table))
    url = f"http://hooks.example:{receiver.server_port}/hook"
    assert api.post(
        "/api/v1/webhooks", json={"url": url}, headers=keys.header("onestop")
    ).status_code == 201  # fmt: skip
    assert api.put(f"/api/v1/dossiers/{CODE}", json={}, headers=keys.header("onestop")).is_success
    table["hooks.example"] = ["127.0.0.1"]  # DNS rebinding
    [delivery] = _event(services)
    assert usecases.deliver_webhook(services, delivery) is None  # given up, not retried
    row = _delivery(services, delivery)
    assert row.status == DeliveryStatus.FAILED and "internal address" in (row.last_error or "")
    assert receiver.received == []  # type: ignore[attr-defined]


def test_removing_a_webhook_stops_its_queued_deliveries(
    api, keys, services: Services, subscribed: int, receiver: ThreadingHTTPServer
) -> None:
    [delivery] = _event(services)
    assert api.delete(
        f"/api/v1/webhooks/{subscribed}", headers=keys.header("onestop")
    ).status_code == 204  # fmt: skip
    assert usecases.deliver_webhook(services, delivery) is None
    assert _delivery(services, delivery).status == DeliveryStatus.FAILED
    assert receiver.received == []  # type: ignore[attr-defined]


def test_revoking_a_client_stops_its_deliveries(
    api, keys, services: Services, subscribed: int, receiver: ThreadingHTTPServer
) -> None:
    [delivery] = _event(services)
    with services.sessions() as session:
        client_id = session.scalars(select(ApiClient.id).where(ApiClient.name == "test onestop"))
        [client_id] = list(client_id)
    assert api.delete(
        f"/api/v1/clients/{client_id}", headers=keys.header("admin")
    ).status_code in (200, 204)  # fmt: skip
    assert usecases.deliver_webhook(services, delivery) is None
    assert _delivery(services, delivery).status == DeliveryStatus.FAILED
    assert receiver.received == []  # type: ignore[attr-defined]
    assert _event(services) == []  # and no new ones are made


def test_a_client_hears_only_of_dossiers_it_sent(
    api, keys, services: Services, settings: Settings, receiver: ThreadingHTTPServer
) -> None:
    settings.webhook_allowed_networks = "127.0.0.0/8"
    url = f"http://127.0.0.1:{receiver.server_port}/hook"
    assert api.post(
        "/api/v1/webhooks", json={"url": url}, headers=keys.header("onestop")
    ).status_code == 201  # fmt: skip
    assert _event(services) == []  # another one-stop's dossier (or nobody's)


# --- 4. uploads: plain fields bounded ---------------------------------------------------


def _fields(boundary: str, total: int, sent: list[int]) -> Iterator[bytes]:
    for n in range(total):
        sent[0] += 1
        yield (
            f'--{boundary}\r\nContent-Disposition: form-data; name="f{n}"\r\n\r\n{"x" * 100}\r\n'
        ).encode()
    yield f"--{boundary}--\r\n".encode()


def test_an_upload_of_endless_plain_fields_is_refused_early(tmp_path: Path) -> None:
    import asyncio

    from starlette.requests import Request

    from api.uploads import read_upload
    from service.errors import PayloadTooLargeError

    boundary, total, sent = "b0undary", 100_000, [0]
    chunks = _fields(boundary, total, sent)

    async def receive() -> dict[str, object]:
        chunk = next(chunks, b"")
        return {"type": "http.request", "body": chunk, "more_body": bool(chunk)}

    scope = {
        "type": "http",
        "method": "POST",
        "path": "/",
        "headers": [(b"content-type", f"multipart/form-data; boundary={boundary}".encode())],
    }
    with pytest.raises(PayloadTooLargeError, match="plain fields"):
        asyncio.run(
            read_upload(
                Request(scope, receive), tmp_path, max_file_bytes=10**6, max_files=5, max_fields=16
            )
        )
    assert sent[0] <= 17  # refused at the 17th field, the rest never read


def test_the_api_refuses_too_many_plain_fields(api, keys) -> None:
    boundary = "b0undary"
    response = api.post(
        "/api/v1/batches",
        content=b"".join(_fields(boundary, 1000, [0])),
        headers={
            **keys.header("archive"),
            "Content-Type": f"multipart/form-data; boundary={boundary}",
        },
    )
    assert response.status_code == 413, response.text
    assert "plain fields" in response.json()["detail"]


# --- 5. health ----------------------------------------------------------------------------


def test_health_reports_live_workers(api, settings: Settings) -> None:
    from workers.worker import build_worker

    alone = api.get("/api/v1/health")
    assert alone.status_code == 503
    assert alone.json()["live_workers"] == 0 and alone.json()["queue"] == "ok"
    worker = build_worker(settings, name=f"health-{uuid.uuid4().hex[:6]}")
    worker.register_birth()
    try:
        answered = api.get("/api/v1/health")
        assert answered.status_code == 200, answered.text
        assert answered.json()["live_workers"] == 1
        assert answered.json()["store"] == "ok"
        # The store's folder gone (a shared mount lost): 503, and the body says the store.
        root = settings.effective_storage_dir
        root.rename(root.with_name("store-away"))
        try:
            away = api.get("/api/v1/health")
        finally:
            root.with_name("store-away").rename(root)
        assert away.status_code == 503
        assert away.json()["store"] == "unavailable: StorageUnavailableError"
        assert away.json()["workers"] == "ok" and away.json()["database"] == "ok"
    finally:
        worker.register_death()
    assert api.get("/api/v1/health").status_code == 503


# --- 11. file names ------------------------------------------------------------------


@pytest.mark.parametrize(
    "char",
    [chr(c) for c in (*range(0x202A, 0x202F), *range(0x2066, 0x206A), 0x200E, 0x200F)]
    + ["\x00", "\x1b", "\x85", "\u2028", "\ufeff", "\U000e0001"],
)
def test_file_names_lose_bidirectional_and_control_characters(char: str) -> None:
    from service.ingest import safe_filename

    assert safe_filename(f"hồ sơ{char}gnp.exe") == "hồ sơgnp.exe" or char in "\x00\x1b"
    assert char not in safe_filename(f"hồ sơ{char}gnp.exe")


# --- 6. bounds in the schema ---------------------------------------------------------------

HUGE = str(2**64)
LONG_CODE = "1" * 65


@pytest.mark.parametrize(
    ("role", "method", "path", "body"),
    [
        ("archive", "get", "/api/v1/documents/2147483648", None),
        ("archive", "get", f"/api/v1/documents/{HUGE}", None),
        ("archive", "get", f"/api/v1/documents/1/pages/{HUGE}/image", None),
        ("archive", "get", f"/api/v1/batches/{HUGE}", None),
        ("archive", "get", f"/api/v1/batches?offset={HUGE}", None),
        ("archive", "post", f"/api/v1/batches/{HUGE}/retry", None),
        ("archive", "patch", f"/api/v1/documents/1/fields/{'n' * 81}", {"value": "x"}),
        ("archive", "patch", "/api/v1/documents/1/fields/holder", {"value": "a\x00b"}),
        ("archive", "patch", "/api/v1/documents/1/fields/holder", {"value": "x" * 5000}),
        ("archive", "get", "/api/v1/search?q=an&status=" + "s" * 33, None),
        ("archive", "get", "/api/v1/search?q=a%00n", None),
        ("onestop", "get", f"/api/v1/dossiers/{LONG_CODE}", None),
        ("onestop", "put", f"/api/v1/dossiers/{LONG_CODE}", {}),
        ("onestop", "put", "/api/v1/dossiers/000.00.13.H12-240115-0042", {"status": "s" * 33}),
        ("onestop", "put", "/api/v1/dossiers/000.00.13.H12-240115-0042",
         {"applicant_name": "An\x00"}),
        ("onestop", "put", "/api/v1/dossiers/A%00B", {}),
        ("onestop", "post", "/api/v1/dossiers/000.00.13.H12-240115-0042/documents",
         {"document_id": int(HUGE)}),
        ("onestop", "post", "/api/v1/webhooks", {"url": "http://x.example/" + "a" * 2001}),
        ("onestop", "post", "/api/v1/webhooks", {"url": "http://x.example/\x00"}),
        ("onestop", "delete", f"/api/v1/webhooks/{HUGE}", None),
        ("onestop", "post", "/api/v1/citizen-tokens", {"id_number": "1" * 100}),
        ("admin", "delete", f"/api/v1/clients/{HUGE}", None),
        ("admin", "post", "/api/v1/clients", {"name": "a\x00b", "role": "admin"}),
    ],
)  # fmt: skip
def test_out_of_bounds_inputs_are_refused_not_crashed_on(
    api, keys, role: str, method: str, path: str, body: object
) -> None:
    response = api.request(method, path, json=body, headers=keys.header(role))
    assert response.status_code in (404, 422), response.text
    assert response.headers["content-type"].startswith("application/problem+json")


def test_the_schema_documents_refusals_as_problems(api) -> None:
    spec = api.get("/api/v1/openapi.json").json()
    operation = spec["paths"]["/api/v1/documents/{document_id}"]["get"]
    for status in ("401", "403", "404", "422"):
        assert "application/problem+json" in operation["responses"][status]["content"], status
    assert "415" in spec["paths"]["/api/v1/batches"]["post"]["responses"]
    parameter = operation["parameters"][0]["schema"]
    assert parameter["maximum"] == 2**31 - 1
    assert "401" not in spec["paths"]["/api/v1/health"]["get"]["responses"]


# --- 9. leaks ---------------------------------------------------------------------------


def test_a_broken_file_fails_without_naming_internal_paths(services: Services) -> None:
    from models import Scan
    from service import processing
    from storage import original_key

    sha = "ab" * 32
    services.store.put_bytes(original_key(sha), b"%PDF-1.4\ngarbage, not a PDF")
    with services.writes.begin() as session:
        scan = Scan(sha256=sha, size=28, format="pdf", original_name="hồ sơ.pdf", status="queued")
        session.add(scan)
        session.flush()
        scan_id = scan.id
    assert processing.split_scan(services, scan_id) is None
    with services.sessions() as session:
        error = session.get(Scan, scan_id).error  # type: ignore[union-attr]
    assert error and "damaged" in error
    store_root = str(services.settings.effective_storage_dir)
    assert store_root not in error and "/" + sha not in error and "/tmp" not in error


def test_the_database_documents_and_secret_key_are_private(
    services: Services, settings: Settings
) -> None:
    from models.base import sqlite_path
    from service.citizens import signing_key
    from storage import original_key

    services.store.put_bytes(original_key("cd" * 32), b"a citizen's paper")
    stored = services.store.path(original_key("cd" * 32))  # type: ignore[attr-defined]
    assert stored.stat().st_mode & 0o077 == 0
    assert settings.effective_storage_dir.stat().st_mode & 0o077 == 0
    signing_key(settings)
    assert (settings.data_dir / "secret.key").stat().st_mode & 0o077 == 0
    database = sqlite_path(settings.effective_database_url())
    if database is not None:
        assert database.stat().st_mode & 0o077 == 0
        for extra in (Path(f"{database}-wal"), Path(f"{database}-shm")):
            if extra.exists():
                assert extra.stat().st_mode & 0o077 == 0, extra


def test_webhook_failures_never_show_credentials() -> None:
    from service.destinations import redacted, scrubbed

    assert redacted("https://user:s3cret@hooks.example/x") == "https://***@hooks.example/x"
    text = "ConnectError: http://user:s3cret@hooks.example:8080/x refused"
    assert "s3cret" not in scrubbed(text)


# --- 7. the audit chain -------------------------------------------------------------------


def test_the_audit_chain_holds_and_names_the_first_altered_entry(
    services: Services, settings: Settings
) -> None:
    from sqlalchemy import text

    from models import AuditEntry
    from service.audit import record, verify_chain

    with services.writes.begin() as session:
        for n in range(5):
            record(session, "tests", "thing.do", "thing", n, {"n": n, "tên": "Nguyễn"})
    with services.sessions() as session:
        report = verify_chain(session)
        ids = list(session.scalars(select(AuditEntry.id).order_by(AuditEntry.id)))
    assert report.intact and report.checked == len(ids) >= 5
    env = {**os.environ, "DIGITIZE_DATABASE_URL": settings.effective_database_url()}
    command = [sys.executable, "-m", "cli.main", "audit", "verify"]
    ok = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)
    assert ok.returncode == 0 and "intact" in ok.stdout, ok.stderr
    # The table's owner gets past the append-only triggers and changes one entry.
    victim = ids[2]
    with services.engine.begin() as connection:
        if connection.dialect.name == "sqlite":
            connection.execute(text("DROP TRIGGER audit_log_no_update"))
        else:
            connection.execute(text("ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_change"))
        connection.execute(
            text("UPDATE audit_log SET actor = 'someone else' WHERE id = :id"), {"id": victim}
        )
    with services.sessions() as session:
        report = verify_chain(session)
    assert report.broken_at == victim and not report.intact
    broken = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)
    assert broken.returncode == 1 and f"entry {victim}" in broken.stderr


def test_a_removed_audit_entry_breaks_the_chain(services: Services) -> None:
    from sqlalchemy import text

    from models import AuditEntry
    from service.audit import record, verify_chain

    with services.writes.begin() as session:
        for n in range(4):
            record(session, "tests", "thing.do", "thing", n)
    with services.sessions() as session:
        ids = list(session.scalars(select(AuditEntry.id).order_by(AuditEntry.id)))
    with services.engine.begin() as connection:
        if connection.dialect.name == "sqlite":
            connection.execute(text("DROP TRIGGER audit_log_no_delete"))
        else:
            connection.execute(text("ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_change"))
        connection.execute(text("DELETE FROM audit_log WHERE id = :id"), {"id": ids[1]})
    with services.sessions() as session:
        report = verify_chain(session)
    assert report.broken_at == ids[2]


# --- 10. a worker asked to stop goes -------------------------------------------------------


@pytest.mark.slow
def test_a_stopped_worker_hands_its_long_job_back_and_goes(
    settings: Settings, services: Services
) -> None:
    from rq import Retry
    from rq.job import Job
    from rq.registry import StartedJobRegistry

    from tests.service_fixtures import wait_until

    queue = work_queue(settings)
    # A job far longer than anyone waits for a stop (its own time limit: an hour).
    job = queue.enqueue("time.sleep", 3000, job_timeout=3600, retry=Retry(max=1))
    worker = start_worker(settings, burst=False, name=f"stopping-{uuid.uuid4().hex[:6]}")
    try:
        started = StartedJobRegistry(queue=queue)
        wait_until(lambda: job.id in started.get_job_ids(), 300, "the worker to start the job")
        worker.send_signal(signal.SIGTERM)
        worker.communicate(timeout=120)  # a bound, not a measurement: RQ alone waits 3000 s
    finally:
        if worker.poll() is None:
            worker.kill()
            worker.wait(timeout=30)
    back = Job.fetch(job.id, connection=queue.connection, serializer=queue.serializer)
    assert back.get_status() == "queued"  # handed back, for another worker
    assert back.retries_left == 1  # being stopped did not count as a failure
    assert job.id in queue.job_ids


def test_a_killed_redis_is_restarted_with_its_password_and_its_queue(tmp_path: Path) -> None:
    import functools

    folder = tmp_path / "redis"
    url = redis_server.with_password(
        f"redis://127.0.0.1:{free_port()}/0", redis_server.password(folder)
    )
    now = [0.0]
    supervisor = Supervisor(first_backoff=1.0, clock=lambda: now[0])
    start = functools.partial(redis_server.start, url, folder)
    child = supervisor.add("redis", start, start())
    try:
        # Each write on disk before it is answered (`up` syncs every second).
        Redis.from_url(url).config_set("appendfsync", "always")
        Redis.from_url(url).rpush("kept", "job 1")
        assert child.process is not None
        child.process.kill()
        child.process.wait(timeout=30)
        assert not redis_server.answers(url)
        supervisor.check()
        now[0] += 1.0
        assert supervisor.check() == ["redis"]
        assert redis_server.answers(url)  # the same password
        assert not redis_server.answers(redis_server.without_password(url))
        assert Redis.from_url(url).lrange("kept", 0, -1) == [b"job 1"]  # the queue survived
    finally:
        supervisor.stop()
        if child.process is not None:
            redis_server.stop(child.process)
