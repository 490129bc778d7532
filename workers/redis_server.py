"""A Redis server of our own for one machine (`digitize up`).

redis-server is started as a child with its data in DATA_DIR/redis (append-only file,
synced before each answer, so queued work survives a crash), waited for with a timeout,
and stopped with one. It asks for a password made once and kept in
DATA_DIR/redis/password (0600), read from a config file of the same mode (never on a
command line `ps` shows); workers and the API get it in the Redis URL. A Redis already
answering on the port is not ours: `up` refuses it rather than share another
instance's queue.
"""

from __future__ import annotations

import os
import secrets
import shutil
import subprocess
import time
from pathlib import Path
from urllib.parse import quote, urlsplit, urlunsplit

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


def redacted(url: str) -> str:
    """`url` without its credentials, for messages and logs."""
    parts = urlsplit(url)
    if not (parts.username or parts.password):
        return url
    host = parts.netloc.rsplit("@", 1)[-1]
    return urlunsplit((parts.scheme, f"***@{host}", parts.path, parts.query, parts.fragment))


def without_password(url: str) -> str:
    parts = urlsplit(url)
    host = parts.netloc.rsplit("@", 1)[-1]
    return urlunsplit((parts.scheme, host, parts.path, parts.query, parts.fragment))


def port_taken(url: str, timeout: float = 1.0) -> bool:
    """Whether anything listens on the URL's port (a Redis of someone else's, or not)."""
    import socket

    parts = urlsplit(url)
    try:
        with socket.create_connection(
            (parts.hostname or "127.0.0.1", parts.port or 6379), timeout=timeout
        ):
            return True
    except OSError:
        return False


def password(data_dir: Path) -> str:
    """This installation's Redis password, made once (0600 in a 0700 folder)."""
    data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    data_dir.chmod(0o700)
    path = data_dir / "password"
    if not path.exists():
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="ascii") as out:
            out.write(secrets.token_urlsafe(32))
    return path.read_text(encoding="ascii").strip()


def instance_id(data_dir: Path) -> str:
    """This installation's id, made once (DATA_DIR/redis/instance): written into the Redis
    it uses, so that its workers and API can tell their Redis from another's."""
    data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    path = data_dir / "instance"
    if not path.exists():
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="ascii") as out:
            out.write(secrets.token_hex(16))
    return path.read_text(encoding="ascii").strip()


def instance_key(queue_name: str) -> str:
    return f"digitize:{queue_name}:instance"


def claim(connection: Redis, queue_name: str, instance: str) -> str | None:
    """Mark the queue in this Redis as `instance`'s, unless another's; None when it is
    ours (now or already), else the other instance's id. A Redis that came back empty
    is claimed again by the first of ours to look."""
    key = instance_key(queue_name)
    connection.set(key, instance, nx=True)
    holder = connection.get(key)
    current = holder.decode("ascii", "replace") if isinstance(holder, bytes) else str(holder)
    return None if current == instance else current


def with_password(url: str, secret: str) -> str:
    """`url` with `secret` as its password (and no user: Redis's default one)."""
    parts = urlsplit(url)
    host = parts.hostname or "127.0.0.1"
    if ":" in host:
        host = f"[{host}]"
    netloc = f":{quote(secret, safe='')}@{host}:{parts.port or 6379}"
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))


def start(url: str, data_dir: Path, *, timeout: float = 20.0) -> subprocess.Popen[bytes]:
    """Start redis-server for `url` (a local address, with this installation's password
    in it: see `password`) and wait until it answers."""
    binary = shutil.which(PROGRAM)
    if binary is None:
        raise MissingDependencyError("redis-server is not installed (apt-get install redis-server)")
    parts = urlsplit(url)
    data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    config = data_dir / "redis.conf"
    lines = [
        f"bind {parts.hostname or '127.0.0.1'}",
        f"port {parts.port or 6379}",
        f'dir "{data_dir.resolve()}"',
        "appendonly yes",
        # Each write reaches the disk before Redis answers it: a job the API was told is
        # queued survives Redis (or the machine) dying. Redis syncs once per round of its
        # event loop, and the queue sees a few writes a second, so this costs little.
        "appendfsync always",
        'save ""',
        "daemonize no",
        "protected-mode yes",
        f'logfile "{(data_dir / "redis.log").resolve()}"',
    ]
    if parts.password:
        lines.append(f'requirepass "{parts.password}"')
    config.unlink(missing_ok=True)
    fd = os.open(config, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        out.write("\n".join(lines) + "\n")
    process = subprocess.Popen(
        [binary, str(config.resolve())],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
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
