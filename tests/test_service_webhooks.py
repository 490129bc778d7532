"""Webhooks: a one-stop client registers a callback; when a dossier is digitised the
receiver (a real HTTP server on loopback) gets a signed POST, retried with backoff
until it answers 2xx, and only once per digitising."""

from __future__ import annotations

import hashlib
import hmac
import json
import signal
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from sqlalchemy import select

from models import DeliveryStatus, WebhookDelivery
from service.context import Services
from tests.service_fixtures import REPO, Keys, start_worker, wait_until

CODE = "000.00.13.H12-240115-0042"


class _Receiver(BaseHTTPRequestHandler):
    received: list[dict[str, Any]]
    failures_left: int

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.server.received.append({"headers": dict(self.headers), "body": body})  # type: ignore[attr-defined]
        failing = self.server.failures_left > 0  # type: ignore[attr-defined]
        self.server.failures_left -= 1  # type: ignore[attr-defined]
        self.send_response(503 if failing else 204)
        self.end_headers()

    def log_message(self, *_args: object) -> None:
        pass


@pytest.fixture
def receiver():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Receiver)
    server.received = []  # type: ignore[attr-defined]
    server.failures_left = 1  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()


@pytest.mark.slow
def test_a_digitised_dossier_is_notified_signed_and_retried(
    api, keys: Keys, settings, services: Services, receiver
) -> None:
    # The receiver is on loopback: allowed only because its network is listed.
    settings.webhook_allowed_networks = "127.0.0.0/8"
    url = f"http://127.0.0.1:{receiver.server_port}/hooks/digitize"
    # The client is told of the dossiers it sent a record for.
    sent = api.put(f"/api/v1/dossiers/{CODE}", json={}, headers=keys.header("onestop"))
    assert sent.status_code == 201, sent.text
    made = api.post("/api/v1/webhooks", json={"url": url}, headers=keys.header("onestop"))
    assert made.status_code == 201, made.text
    secret = made.json()["secret"]
    assert api.get("/api/v1/webhooks", headers=keys.header("onestop")).json()[0]["url"] == url

    scan = REPO / "samples" / "scans" / "to-khai-khai-sinh.jpg"
    upload = api.post(
        "/api/v1/batches",
        files=[("files", (scan.name, scan.read_bytes(), "image/jpeg"))],
        data={"dossier_code": CODE},
        headers=keys.header("archive"),
    )
    assert upload.status_code == 202
    worker = start_worker(settings, burst=False, name="hooks")  # with the retry scheduler
    try:
        wait_until(lambda: len(receiver.received) >= 2, 300, "the webhook to be retried")
    finally:
        worker.send_signal(signal.SIGTERM)
        worker.wait(timeout=60)

    first, second = receiver.received[:2]
    assert first["body"] == second["body"]  # the same delivery, tried again
    assert len(receiver.received) == 2  # taken the second time: not sent a third
    payload = json.loads(second["body"])
    assert payload["event"] == "dossier.digitised" and payload["dossier_code"] == CODE
    assert payload["links"]["dossier"] == f"/api/v1/dossiers/{CODE}"
    expected = "sha256=" + hmac.new(secret.encode(), second["body"], hashlib.sha256).hexdigest()
    assert second["headers"]["X-Digitize-Signature"] == expected
    assert second["headers"]["X-Digitize-Event"] == "dossier.digitised"
    dossier = api.get(payload["links"]["dossier"], headers=keys.header("onestop")).json()
    assert [d["document"]["id"] for d in dossier["documents"]] == payload["documents"]
    with services.sessions() as session:
        [delivery] = session.scalars(select(WebhookDelivery)).all()
        assert delivery.status == DeliveryStatus.DELIVERED and delivery.attempts == 2


def test_webhooks_refuse_bad_urls_and_belong_to_their_client(api, keys: Keys, monkeypatch) -> None:
    # x.example resolves (for this test only) to a public address; nothing is sent to it.
    monkeypatch.setattr("service.destinations.resolve", lambda host, port: ["93.184.216.34"])
    bad = api.post(
        "/api/v1/webhooks", json={"url": "file:///etc/passwd"}, headers=keys.header("onestop")
    )
    assert bad.status_code == 422
    unknown = api.post(
        "/api/v1/webhooks", json={"url": "http://x.example/h", "events": ["dossier.deleted"]},
        headers=keys.header("onestop"),
    )  # fmt: skip
    assert unknown.status_code == 422
    made = api.post(
        "/api/v1/webhooks", json={"url": "http://x.example/h"}, headers=keys.header("onestop")
    )
    hook = made.json()["id"]
    other = api.post(
        "/api/v1/clients", json={"name": "another one-stop", "role": "onestop"},
        headers=keys.header("admin"),
    ).json()["key"]  # fmt: skip
    foreign = api.delete(f"/api/v1/webhooks/{hook}", headers={"Authorization": f"Bearer {other}"})
    assert foreign.status_code == 404
    assert api.delete(f"/api/v1/webhooks/{hook}", headers=keys.header("onestop")).status_code == 204
    assert api.get("/api/v1/webhooks", headers=keys.header("onestop")).json() == []
