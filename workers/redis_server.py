"""A Redis server of our own for one machine (`digitize up`), when none is running.

redis-server is started as a child with its data in DATA_DIR/redis (append-only file,
so queued work survives a restart), waited for with a timeout, and stopped with one.
"""

from __future__ import annotations

import shutil
import subprocess
import time
from pathlib import Path
from urllib.parse import urlsplit

from redis import Redis
from redis.exceptions import RedisError

from digitize.errors import ExternalTimeoutError, MissingDependencyError

PROGRAM = "redis-server"
_LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1"}


def answers(url: str, timeout: float = 1.0) -> bool:
    try:
        return bool(
            Redis.from_url(url, socket_timeout=timeout, socket_connect_timeout=timeout).ping()
        )
    except (RedisError, OSError):
        return False


def is_local(url: str) -> bool:
    return (urlsplit(url).hostname or "") in _LOCAL_HOSTS


def start(url: str, data_dir: Path, *, timeout: float = 20.0) -> subprocess.Popen[bytes]:
    """Start redis-server for `url` (a local address) and wait until it answers."""
    binary = shutil.which(PROGRAM)
    if binary is None:
        raise MissingDependencyError("redis-server is not installed (apt-get install redis-server)")
    parts = urlsplit(url)
    data_dir.mkdir(parents=True, exist_ok=True)
    process = subprocess.Popen(
        [
            binary,
            "--bind", parts.hostname or "127.0.0.1",
            "--port", str(parts.port or 6379),
            "--dir", str(data_dir.resolve()),
            "--appendonly", "yes",
            "--save", "",
            "--daemonize", "no",
            "--logfile", str((data_dir / "redis.log").resolve()),
        ],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )  # fmt: skip
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if answers(url):
            return process
        if process.poll() is not None:
            raise MissingDependencyError(
                f"redis-server exited at once (code {process.returncode}); see {data_dir}/redis.log"
            )
        time.sleep(0.1)
    stop(process)
    raise ExternalTimeoutError(f"redis-server did not answer within {timeout:.0f} s")


def stop(process: subprocess.Popen[bytes], *, timeout: float = 10.0) -> None:
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=timeout)
