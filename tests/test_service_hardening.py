"""The service under attack and under faults (issue 18): each test here failed before its
fix. Traffic goes to loopback only; other destinations are refused at registration and
through a resolver the test controls."""

from __future__ import annotations

import io
import json
import os
import pickle
import signal
import socket
import subprocess
import sys
import threading
import time
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


def test_a_queue_claimed_by_another_instance_is_refused(
    api, settings: Settings, services: Services, tmp_path: Path
) -> None:
    from cli.service import _claim_for_up
    from tests.service_fixtures import REPO, service_env

    ours = redis_server.instance_id(tmp_path / "redis")
    assert ours == redis_server.instance_id(tmp_path / "redis")  # made once, kept
    assert (tmp_path / "redis" / "instance").stat().st_mode & 0o777 == 0o600
    connection = Redis.from_url(settings.redis_url)
    assert redis_server.claim(connection, settings.queue_name, ours) is None
    assert redis_server.claim(connection, settings.queue_name, ours) is None  # still ours
    assert redis_server.claim(connection, settings.queue_name, "theirs") == ours
    # Another queue name in the same Redis is another instance's business.
    assert redis_server.claim(connection, f"{settings.queue_name}-b", "theirs") is None

    # `up` pointed at that Redis (with its password) by another installation: refused.
    out = io.StringIO()
    assert not _claim_for_up(settings.redis_url, settings, "theirs", Console(file=out, width=300))
    assert "belongs to another digitize instance" in out.getvalue()
    # Its worker will not take our jobs: it stops at once, saying why.
    env = {**service_env(settings), "DIGITIZE_INSTANCE_ID": "theirs"}
    worker = subprocess.run(
        [sys.executable, "-m", "cli.main", "worker", "--burst"],
        cwd=REPO, env=env, capture_output=True, timeout=300,
    )  # fmt: skip
    assert worker.returncode != 0
    assert "belongs to another digitize instance" in worker.stderr.decode()
    assert "Traceback" not in worker.stderr.decode()
    # And its API says the queue is unavailable.
    services.settings.instance_id = "theirs"
    health = api.get("/api/v1/health")
    assert health.status_code == 503 and "another instance" in health.json()["queue"]
    services.settings.instance_id = ours
    assert api.get("/api/v1/health").json()["queue"] == "ok"


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
        self.server.hosts.append(self.headers["Host"])  # type: ignore[attr-defined]
        self.send_response(204)
        self.end_headers()

    def log_message(self, *_args: object) -> None:
        pass


@pytest.fixture
def receiver() -> Iterator[ThreadingHTTPServer]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Receiver)
    server.received = []  # type: ignore[attr-defined]
    server.hosts = []  # type: ignore[attr-defined]
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


def _rebinding(monkeypatch: pytest.MonkeyPatch, host: str, first: str, then: str) -> list[str]:
    """The system resolver, for `host` only: `first` at the first lookup (the check),
    `then` at every later one. Returns the answers given, in order."""
    real = socket.getaddrinfo
    answers: list[str] = []

    def getaddrinfo(name: str, port: object, *args: object, **kwargs: object) -> list:
        if name != host:
            return real(name, port, *args, **kwargs)  # type: ignore[arg-type]
        address = first if not answers else then
        answers.append(address)
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, int(port or 0)))]  # type: ignore[call-overload]

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    return answers


def _hook_by_name(api, keys, settings: Settings, port: int) -> None:
    settings.webhook_allowed_networks = "127.0.0.0/8"  # both addresses below are "inside"
    url = f"http://hooks.example:{port}/hook"
    with pytest.MonkeyPatch.context() as patch:  # registered while it resolves to loopback
        patch.setattr("service.destinations.resolve", _resolver({"hooks.example": ["127.0.0.1"]}))
        made = api.post("/api/v1/webhooks", json={"url": url}, headers=keys.header("onestop"))
    assert made.status_code == 201, made.text
    assert api.put(f"/api/v1/dossiers/{CODE}", json={}, headers=keys.header("onestop")).is_success


def test_a_delivery_goes_to_the_checked_address_not_to_a_second_lookup(
    api, keys, settings: Settings, services: Services, receiver: ThreadingHTTPServer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    """DNS rebinding between check and connection: the check is answered 127.0.0.2
    (nothing listens there), any later lookup 127.0.0.1 (the receiver). Connecting where
    the check looked, the delivery never reaches the receiver."""
    _hook_by_name(api, keys, settings, receiver.server_port)
    answers = _rebinding(monkeypatch, "hooks.example", "127.0.0.2", "127.0.0.1")
    [delivery] = _event(services)
    assert usecases.deliver_webhook(services, delivery) is not None  # not delivered: retried
    assert answers[0] == "127.0.0.2"
    assert "127.0.0.1" not in answers  # no second lookup at all
    assert receiver.received == []  # type: ignore[attr-defined]
    row = _delivery(services, delivery)
    assert row.status == DeliveryStatus.PENDING and "ConnectError" in (row.last_error or "")


def test_a_pinned_delivery_still_names_its_host(
    api, keys, settings: Settings, services: Services, receiver: ThreadingHTTPServer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    """The other way round: checked at the receiver's address, sent there (not to the
    later answer), with the host's name in the Host header."""
    _hook_by_name(api, keys, settings, receiver.server_port)
    _rebinding(monkeypatch, "hooks.example", "127.0.0.1", "127.0.0.2")
    [delivery] = _event(services)
    assert usecases.deliver_webhook(services, delivery) is None
    assert receiver.received == ["/hook"]  # type: ignore[attr-defined]
    assert receiver.hosts == [f"hooks.example:{receiver.server_port}"]  # type: ignore[attr-defined]
    assert _delivery(services, delivery).status == DeliveryStatus.DELIVERED


def _self_signed(folder: Path, name: str) -> tuple[Path, Path]:
    """A certificate for `name` only (no IP address in it), and its key."""
    import datetime as dt

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(hours=1))
        .not_valid_after(now + dt.timedelta(hours=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(name)]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = folder / "cert.pem", folder / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


def test_a_pinned_https_delivery_sends_sni_and_checks_the_certificate_for_the_name(
    api, keys, settings: Settings, services: Services, tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    """Connected by address, TLS still speaks to the name: SNI is hooks.example, and the
    certificate is checked against it (one for the name, with no IP in it, passes once
    trusted; untrusted, the delivery fails)."""
    import ssl

    cert, key = _self_signed(tmp_path, "hooks.example")
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Receiver)
    server.received, server.hosts = [], []  # type: ignore[attr-defined]
    names: list[str | None] = []
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    context.sni_callback = lambda _socket, name, _context: names.append(name)  # type: ignore[assignment,misc,return-value]
    server.socket = context.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        settings.webhook_allowed_networks = "127.0.0.0/8"
        resolver = _resolver({"hooks.example": ["127.0.0.1"]})
        monkeypatch.setattr("service.destinations.resolve", resolver)
        url = f"https://hooks.example:{server.server_port}/hook"
        made = api.post("/api/v1/webhooks", json={"url": url}, headers=keys.header("onestop"))
        assert made.status_code == 201, made.text
        assert api.put(
            f"/api/v1/dossiers/{CODE}", json={}, headers=keys.header("onestop")
        ).is_success  # fmt: skip

        [untrusted] = _event(services)  # the usual roots: a self-signed certificate fails
        assert usecases.deliver_webhook(services, untrusted) is not None
        assert "CERTIFICATE_VERIFY_FAILED" in (_delivery(services, untrusted).last_error or "")
        assert names == ["hooks.example"]

        def trusting(**_kwargs: object) -> ssl.SSLContext:
            trusted = ssl.create_default_context(cafile=str(cert))
            assert trusted.check_hostname
            return trusted

        monkeypatch.setattr("service.destinations.httpx.create_ssl_context", trusting)
        [trusted] = _event(services)
        assert usecases.deliver_webhook(services, trusted) is None
        assert server.received == ["/hook"]  # type: ignore[attr-defined]
        assert names == ["hooks.example", "hooks.example"]
    finally:
        server.shutdown()
        server.server_close()


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


# --- 7b. reads of dossiers, and 401 floods, in the audit log -----------------------------

ID_NUMBER = "079185001234"


def test_dossier_reads_are_logged_by_api_and_staff_pages_without_id_numbers(
    settings: Settings,
) -> None:
    import re

    from fastapi.testclient import TestClient

    from api.app import create_app
    from models import AuditEntry
    from service import staff
    from service.auth import create_client

    password = "mật-khẩu-đủ-dài"
    built = Services.from_settings(settings.model_copy(update={"web_secure_cookies": False}))
    try:
        staff.create_user(built.database, "lan", "archive", password, actor="tests")
        with built.writes.begin() as session:
            key = create_client(session, "một cửa HN", "onestop", actor="tests")[1]
        header = {"Authorization": f"Bearer {key}"}
        record = {"applicant_name": "Nguyễn Văn An", "applicant_id_number": ID_NUMBER}
        with TestClient(create_app(built), follow_redirects=False) as client:
            assert client.put(f"/api/v1/dossiers/{CODE}", json=record, headers=header).is_success
            read = client.get(f"/api/v1/dossiers/{CODE}", headers=header)
            assert read.json()["applicant_id_number"] == ID_NUMBER  # personal data, read
            form = client.get("/app/signin").text
            csrf = re.search(r'name="csrf" value="([^"]+)"', form)
            assert csrf is not None
            client.post("/app/signin", data={"name": "lan", "password": password,
                                             "csrf": csrf.group(1), "next": "/app"})  # fmt: skip
            page = client.get(f"/app/dossiers/{CODE}")
            assert page.status_code == 200 and ID_NUMBER in page.text
            assert client.get("/api/v1/dossiers/000.00.00.H00-000000-0000",
                              headers=header).status_code == 404  # fmt: skip
        with built.sessions() as session:
            entries = session.scalars(select(AuditEntry).order_by(AuditEntry.id)).all()
    finally:
        built.close()
    reads = [(e.actor, e.target_type, e.target_id, e.detail) for e in entries
             if e.action == "dossier.read"]  # fmt: skip
    assert reads == [
        ("một cửa HN", "dossier", CODE, {"via": "api"}),
        ("staff:lan", "dossier", CODE, {"via": "staff pages"}),
    ]  # the unknown code read nothing: not logged as a read
    for entry in entries:
        written = json.dumps([entry.actor, entry.target_id, entry.detail], ensure_ascii=False)
        assert ID_NUMBER not in written, entry.action


def test_a_flood_of_bad_keys_adds_a_row_a_minute_per_source(api, services: Services) -> None:
    from api.deps import RefusalLimiter
    from models import AuditEntry

    now = [1_000_000.0]
    api.app.state.refusal_limiter = RefusalLimiter(clock=lambda: now[0])

    def refusals() -> list[AuditEntry]:
        with services.sessions() as session:
            return list(
                session.scalars(
                    select(AuditEntry)
                    .where(AuditEntry.action == "request.refused.401")
                    .order_by(AuditEntry.id)
                )
            )

    for n in range(300):
        wrong = {"Authorization": f"Bearer dgz_wrong{n}"}
        assert api.get("/api/v1/batches", headers=wrong).status_code == 401
    assert api.get("/api/v1/batches").status_code == 401  # no key at all: the same source
    [first] = refusals()
    assert first.detail["source"] == "testclient" and first.detail["unlogged_before"] == 0
    now[0] += 60  # the next minute: one row, counting the minute before
    assert api.get("/api/v1/batches", headers={"Authorization": "Bearer dgz_x"}).status_code == 401
    rows = refusals()
    assert len(rows) == 2 and rows[1].detail["unlogged_before"] == 300


def test_the_refusal_limiter_keeps_sources_apart_and_its_memory_bounded() -> None:
    from api.deps import RefusalLimiter

    now = [0.0]
    limiter = RefusalLimiter(clock=lambda: now[0])
    limiter.max_sources = 3
    assert limiter.admit("192.0.2.1") == 0
    assert limiter.admit("192.0.2.1") is None
    assert limiter.admit("192.0.2.2") == 0  # another source: its own row
    assert limiter.admit("192.0.2.3") == 0
    assert limiter.admit("192.0.2.4") == 0  # past the bound: "other sources", one row
    assert limiter.admit("192.0.2.5") is None
    now[0] += 60  # a new minute: last minute's sources are forgotten as room is needed
    assert limiter.admit("192.0.2.6") == 0
    assert len(limiter._seen) <= 3


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


def test_the_service_role_can_append_to_the_audit_log_but_not_change_it(
    settings: Settings, services: Services
) -> None:
    """PostgreSQL: the owner gives a role of the service's own what it needs (`digitize
    db grant`); connected as that role, the service works and writes the audit log, but
    cannot update or delete an entry, nor switch the append-only triggers off."""
    from sqlalchemy import text
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import DBAPIError

    from models import create_engine_for
    from models.migrate import upgrade
    from models.roles import grant_service_role
    from service.context import open_database

    url = settings.effective_database_url()
    if not url.startswith("postgresql"):
        pytest.skip("roles are PostgreSQL's")
    role = f"svc_{uuid.uuid4().hex[:8]}"
    owner = services.engine
    with owner.begin() as connection:
        connection.execute(text(f"CREATE ROLE {role} LOGIN"))
    try:
        with pytest.raises(ValueError, match="not a plain role"):
            grant_service_role(owner, 'x"; DROP TABLE audit_log; --')
        grant_service_role(owner, role)
        as_service = make_url(url).set(username=role).render_as_string(hide_password=False)
        engine = create_engine_for(as_service)
        upgrade(engine)  # at head already: starting the service as the role works
        database = open_database(as_service)
        usecases.add_client(database, "một cửa", "onestop", actor="tests")  # writes + audit
        for statement in (
            "UPDATE audit_log SET actor = 'someone else'",
            "DELETE FROM audit_log",
            "TRUNCATE audit_log",
            "ALTER TABLE audit_log DISABLE TRIGGER ALL",
            "DROP TABLE audit_log",
        ):
            with engine.connect() as connection, pytest.raises(DBAPIError) as refused:
                connection.execute(text(statement))
            assert "permission denied" in str(refused.value) or "must be owner" in str(
                refused.value
            ), statement
        engine.dispose()
        database.engine.dispose()
        with owner.connect() as connection:
            actions = connection.scalars(text("SELECT action FROM audit_log")).all()
        assert "client.create" in actions
    finally:
        with owner.begin() as connection:
            connection.execute(text(f"DROP OWNED BY {role}"))
            connection.execute(text(f"DROP ROLE {role}"))


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


def _deaf_to_sigterm() -> None:
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    time.sleep(600)


def test_a_scheduler_process_that_will_not_stop_is_killed() -> None:
    """The worker's retry scheduler is a forked process; one stuck (here: deaf to
    SIGTERM, as a fork holding a lock its parent's thread took is) must not keep the
    worker from stopping. RQ alone joins it with no limit."""
    import multiprocessing
    from types import SimpleNamespace

    from workers.worker import DigitizeWorker

    stuck = multiprocessing.get_context("fork").Process(target=_deaf_to_sigterm)
    stuck.start()
    try:
        time.sleep(0.5)  # its handler in place
        worker = SimpleNamespace(scheduler=SimpleNamespace(_process=stuck), stop_seconds=1)
        DigitizeWorker.stop_scheduler(worker)  # type: ignore[arg-type]
        assert not stuck.is_alive()
        assert stuck.exitcode == -signal.SIGKILL
    finally:
        if stuck.is_alive():
            stuck.kill()
            stuck.join()


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
        # Each write on disk before it is answered.
        assert Redis.from_url(url).config_get("appendfsync") == {"appendfsync": "always"}
        assert Redis.from_url(url).config_get("appendonly") == {"appendonly": "yes"}
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
