"""The service's commands: `serve` (API), `worker` (RQ worker), `up` (all of it on one
machine), `db` (migrations) and `apikey` (API clients)."""

from __future__ import annotations

import argparse
import functools
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from config import Settings
from digitize.errors import DigitizeError
from models import Role, create_engine_for
from models.migrate import current_revision, head_revision, upgrade
from service import usecases
from service.context import open_database
from service.errors import ServiceError

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2
_WORKER_STOP_SECONDS = 30  # a worker hands its job back on SIGTERM; then it is killed

SETTINGS_EPILOG = """\
Settings come from the environment: DIGITIZE_DATABASE_URL [SQLite DATA_DIR/digitize.db],
DIGITIZE_REDIS_URL [redis://127.0.0.1:6379/0], DIGITIZE_DATA_DIR [data],
DIGITIZE_STORAGE_DIR [DATA_DIR/store], DIGITIZE_API_HOST [127.0.0.1],
DIGITIZE_API_PORT [8000], DIGITIZE_MAX_UPLOAD_MB [1024], DIGITIZE_PAGES_PER_JOB [4],
DIGITIZE_JOB_TIMEOUT [1800 s], DIGITIZE_JOB_RETRIES [3], DIGITIZE_RETRY_BACKOFF
[10,60,300 s], DIGITIZE_WORKER_GRACE [60 s], DIGITIZE_WORKER_MAINTENANCE [30 s],
DIGITIZE_WEBHOOK_RETRIES [6], DIGITIZE_WEBHOOK_BACKOFF [10,60,300,900,3600,21600 s],
DIGITIZE_WEBHOOK_ALLOWED_NETWORKS [none: public addresses only],
DIGITIZE_WORKER_STOP_SECONDS [5 s], DIGITIZE_UNIT_NAME, DIGITIZE_SIGNING_P12 and
DIGITIZE_SIGNING_PASSWORD [not signing; an unusable certificate stops the command at
start-up], DIGITIZE_SIGNING_TRUST (see README, "The service", "Security" and "Copies
with legal value").
"""


def add_parsers(commands: Any) -> None:
    formatter = argparse.RawDescriptionHelpFormatter
    serve = commands.add_parser(
        "serve",
        help="run the HTTP API",
        description="Run the HTTP API (/api/v1, OpenAPI at /api/v1/docs). Migrates first.",
        epilog=SETTINGS_EPILOG,
        formatter_class=formatter,
    )
    serve.add_argument("--host", help="address to listen on (default DIGITIZE_API_HOST)")
    serve.add_argument("--port", type=int, help="port (default DIGITIZE_API_PORT)")
    serve.set_defaults(run=run_serve)

    worker = commands.add_parser(
        "worker",
        help="run a worker that digitises queued scans",
        description=(
            "Run an RQ worker on DIGITIZE_REDIS_URL. Run one per core, on as many machines "
            "as share the database, the Redis server and the store. SIGTERM lets the "
            "current job finish; a worker killed outright has its job taken over."
        ),
        epilog=SETTINGS_EPILOG,
        formatter_class=formatter,
    )
    worker.add_argument("--burst", action="store_true", help="stop when the queue is empty")
    worker.add_argument("--name", help="worker name (default: RQ picks one)")
    worker.set_defaults(run=run_worker)

    up = commands.add_parser(
        "up",
        help="run the whole service on this machine: Redis, workers, API",
        description=(
            "Run everything on one machine with embedded defaults: a Redis server of its own "
            "with a generated password (unless DIGITIZE_REDIS_URL names one with a password), "
            "N workers and the API. Redis and workers that die are restarted. Ctrl-C or "
            "SIGTERM stops it all."
        ),
        epilog=SETTINGS_EPILOG,
        formatter_class=formatter,
    )
    up.add_argument(
        "--workers", type=int, metavar="N", help="worker processes (default: one per core)"
    )
    up.add_argument("--host", help="API address (default DIGITIZE_API_HOST)")
    up.add_argument("--port", type=int, help="API port (default DIGITIZE_API_PORT)")
    up.set_defaults(run=run_up)

    db = commands.add_parser(
        "db",
        help="database migrations",
        description="Migrate the database (DIGITIZE_DATABASE_URL) or show its revision.",
        formatter_class=formatter,
    )
    db.add_argument(
        "action",
        choices=("upgrade", "current", "grant"),
        help="what to do (grant: on PostgreSQL, as the tables' owner, give --role what the "
        "service needs, with the audit log read and append only; then run the service as it)",
    )
    db.add_argument("--role", help="for grant: the role the service connects as")
    db.set_defaults(run=run_db)

    apikey = commands.add_parser(
        "apikey",
        help="create, list or revoke API clients and keys",
        description="API clients: each has a name, a role and a key (shown once).",
        epilog="Roles: archive (upload, review), onestop (read dossiers, import records, "
        "webhooks), admin (clients and keys).",
        formatter_class=formatter,
    )
    actions = apikey.add_subparsers(dest="action", metavar="ACTION", required=True)
    create = actions.add_parser("create", help="create a client and print its key")
    create.add_argument("--name", required=True, help="who the client is, e.g. 'one-stop HN'")
    create.add_argument("--role", required=True, choices=[r.value for r in Role], help="its role")
    create.add_argument("--quiet", action="store_true", help="print the key only")
    create.set_defaults(run=run_apikey_create)
    listing = actions.add_parser("list", help="list clients (never their keys)")
    listing.set_defaults(run=run_apikey_list)
    revoke = actions.add_parser("revoke", help="revoke a client's key")
    revoke.add_argument("id", type=int, help="the client's id (see list)")
    revoke.set_defaults(run=run_apikey_revoke)

    audit = commands.add_parser(
        "audit",
        help="check the audit log",
        description="Check the audit log's hash chain: each entry carries the hash of the "
        "one before it, so an entry altered, removed or slipped in (past the database's "
        "append-only triggers) breaks the chain there. Exit code 1 names the first such entry.",
        formatter_class=formatter,
    )
    audit_actions = audit.add_subparsers(dest="action", metavar="ACTION", required=True)
    verify = audit_actions.add_parser("verify", help="check the chain, name the first break")
    verify.set_defaults(run=run_audit_verify)


def _settings(**overrides: Any) -> Settings:
    return Settings(**{k: v for k, v in overrides.items() if v is not None})


def run_serve(
    args: argparse.Namespace, *, redis_url: str | None = None, instance_id: str | None = None
) -> int:
    import uvicorn

    from api.app import create_app

    settings = _settings(
        api_host=args.host, api_port=args.port, redis_url=redis_url, instance_id=instance_id
    )
    if not _signing_usable(settings):
        return EXIT_USAGE
    app = create_app(settings=settings)
    uvicorn.run(app, host=settings.api_host, port=settings.api_port, log_level="warning")
    return EXIT_OK


def run_worker(args: argparse.Namespace) -> int:
    from workers.worker import ForeignRedisError
    from workers.worker import run_worker as work

    settings = Settings()
    if not _signing_usable(settings):
        return EXIT_USAGE
    try:
        work(settings, burst=args.burst, name=args.name)
    except ForeignRedisError as exc:
        Console(stderr=True).print(f"[red]error:[/] {escape(str(exc))}", soft_wrap=True)
        return EXIT_FAILED
    return EXIT_OK


def _signing_usable(settings: Settings) -> bool:
    """The unit's certificate, when set, is checked at start-up (issue 19): an expired or
    non-signing one stops the process with the reason, not a traceback in every job."""
    from service.copies import unit_signer

    try:
        unit_signer(settings)
    except DigitizeError as exc:
        Console(stderr=True).print(f"[red]error:[/] {escape(str(exc))}", soft_wrap=True)
        return False
    return True


def run_up(args: argparse.Namespace) -> int:
    from workers import redis_server
    from workers.supervisor import Supervisor

    console = Console(stderr=True)
    settings = _settings(api_host=args.host, api_port=args.port)
    count = args.workers or len(os.sched_getaffinity(0))
    if not _signing_usable(settings):
        return EXIT_USAGE
    upgrade(create_engine_for(settings.effective_database_url()))
    redis_url, start_redis = _redis_for_up(settings, console)
    if redis_url is None:
        return EXIT_FAILED
    instance = redis_server.instance_id(settings.data_dir / "redis")
    supervisor = Supervisor()
    redis = None
    if start_redis is not None:
        start_redis = functools.partial(_start_claimed, start_redis, redis_url, settings, instance)
        try:
            redis = supervisor.add("redis", start_redis, start_redis())
        except DigitizeError as exc:
            console.print(f"[red]error:[/] {escape(str(exc))}")
            return EXIT_FAILED
        console.print(f"redis-server started on {escape(redis_server.redacted(redis_url))}")
    elif not _claim_for_up(redis_url, settings, instance, console):
        return EXIT_FAILED
    # Workers and the API find the password in the URL, never on a command line; and
    # the instance id, which they check their Redis holds.
    env = {**os.environ, "DIGITIZE_REDIS_URL": redis_url, "DIGITIZE_INSTANCE_ID": instance}
    prefix = f"{os.uname().nodename}-{os.getpid()}"
    for n in range(1, count + 1):
        supervisor.add(f"worker {n}", functools.partial(_start_worker, env, f"{prefix}-{n}"))
    if settings.watch_dir is not None:  # issue 15: scans that arrive by themselves
        supervisor.add("watch", functools.partial(_start_watch, env, settings.watch_dir))
        console.print(f"watching {escape(str(settings.watch_dir))}")
    supervisor.start_thread()
    console.print(
        f"{count} worker(s); API on http://{settings.api_host}:{settings.api_port}/api/v1 "
        f"(docs: /api/v1/docs); data in {escape(str(settings.data_dir.resolve()))}"
    )
    # uvicorn stops on SIGTERM, then raises it again with our handler in place: it must
    # end like Ctrl-C does, so the workers and Redis below are stopped too.
    signal.signal(signal.SIGTERM, _interrupt)
    try:
        run_serve(
            argparse.Namespace(host=settings.api_host, port=settings.api_port),
            redis_url=redis_url,
            instance_id=instance,
        )
    except KeyboardInterrupt:
        pass
    finally:
        supervisor.stop()
        _stop_workers([c.process for c in supervisor.children if c is not redis and c.process])
        if redis is not None and redis.process is not None:
            redis_server.stop(redis.process)
    return EXIT_OK


def _redis_for_up(
    settings: Settings, console: Console
) -> tuple[str | None, Callable[[], subprocess.Popen[bytes]] | None]:
    """The Redis URL `up` uses, and how to start (and restart) that Redis if it is ours.

    A local URL without a password is ours to start, on its port, with this
    installation's password; anything already listening there is refused (another
    instance's queue is not ours to share). A URL with a password, or elsewhere, is
    used as given, but never a Redis that answers without one.
    """
    from workers import redis_server

    url = settings.redis_url
    shown = escape(redis_server.redacted(url))
    if redis_server.is_local(url) and not urlsplit(url).password:
        if redis_server.port_taken(url):
            console.print(
                f"[red]error:[/] something already listens on {shown} (another `digitize up`?). "
                "Set DIGITIZE_REDIS_URL to a free port for this one, or to that Redis "
                "with its password."
            )
            return None, None
        folder = settings.data_dir / "redis"
        url = redis_server.with_password(url, redis_server.password(folder))
        return url, functools.partial(redis_server.start, url, folder)
    if redis_server.answers(redis_server.without_password(url)):
        console.print(
            f"[red]error:[/] the Redis at {shown} answers without a password: "
            "anyone who reaches it could queue work. Protect it (requirepass) first."
        )
        return None, None
    if not redis_server.answers(url):
        console.print(f"[red]error:[/] no Redis answers at {shown}")
        return None, None
    return url, None


def _start_claimed(
    start: Callable[[], subprocess.Popen[bytes]], url: str, settings: Settings, instance: str
) -> subprocess.Popen[bytes]:
    """Start our Redis, and mark its queue as this instance's (again, if it came back
    empty)."""
    from redis import Redis

    from workers import redis_server

    process = start()
    redis_server.claim(Redis.from_url(url), settings.queue_name, instance)
    return process


def _claim_for_up(url: str, settings: Settings, instance: str, console: Console) -> bool:
    """A Redis `up` did not start (named with its password): ours, unless another
    instance's queue of the same name is in it."""
    from redis import Redis

    from workers import redis_server

    other = redis_server.claim(Redis.from_url(url), settings.queue_name, instance)
    if other is None:
        return True
    console.print(
        f"[red]error:[/] the queue {escape(settings.queue_name)!r} in "
        f"{escape(redis_server.redacted(url))} belongs to another digitize instance "
        f"({escape(other)}). Give this one its own Redis, or another DIGITIZE_QUEUE_NAME."
    )
    return False


def _start_worker(env: dict[str, str], name: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, "-m", "cli.main", "worker", "--name", name], env=env)


def _start_watch(env: dict[str, str], folder: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, "-m", "cli.main", "watch", str(folder)], env=env)


def _interrupt(_signum: int, _frame: object) -> None:
    raise KeyboardInterrupt


def _stop_workers(workers: list[subprocess.Popen[bytes]]) -> None:
    for process in workers:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + _WORKER_STOP_SECONDS
    for process in workers:
        try:
            process.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            process.kill()  # its job is taken over by the next worker to start
            process.wait(timeout=10)


def run_db(args: argparse.Namespace) -> int:
    from models.roles import grant_service_role

    engine = create_engine_for(Settings().effective_database_url())
    if args.action == "grant":
        try:
            if not args.role:
                raise ValueError("say which role: --role NAME")
            grant_service_role(engine, args.role)
        except ValueError as exc:
            Console(stderr=True).print(f"[red]error:[/] {escape(str(exc))}")
            return EXIT_USAGE
        print(f"{args.role} may read and write the tables, and only append to the audit log")
        return EXIT_OK
    if args.action == "upgrade":
        upgrade(engine)
    current = current_revision(engine)
    print(f"database at revision {current or 'none'} (latest {head_revision()})")
    return EXIT_OK


def run_apikey_create(args: argparse.Namespace) -> int:
    database = open_database(Settings().effective_database_url())
    try:
        client, key = usecases.add_client(database, args.name, args.role, actor="command line")
        client_id = client.id
    except ServiceError as exc:
        Console(stderr=True).print(f"[red]error:[/] {escape(exc.detail)}")
        return EXIT_USAGE
    if args.quiet:
        print(key)
    else:
        print(f"client {client_id} {args.name!r}, role {args.role}. Its key, shown only now:")
        print(key)
    return EXIT_OK


def run_apikey_list(args: argparse.Namespace) -> int:
    database = open_database(Settings().effective_database_url())
    table = Table("id", "name", "role", "key starts", "created", "revoked")
    with database.reads() as session:
        for client in usecases.list_clients(session):
            table.add_row(
                str(client.id),
                client.name,
                client.role,
                client.key_prefix,
                client.created_at.isoformat(timespec="seconds"),
                client.revoked_at.isoformat(timespec="seconds") if client.revoked_at else "",
            )
    Console().print(table)
    return EXIT_OK


def run_apikey_revoke(args: argparse.Namespace) -> int:
    database = open_database(Settings().effective_database_url())
    try:
        client = usecases.remove_client(database, args.id, actor="command line")
        print(f"client {client.id} {client.name!r} revoked")
    except ServiceError as exc:
        Console(stderr=True).print(f"[red]error:[/] {escape(exc.detail)}")
        return EXIT_USAGE
    return EXIT_OK


def run_audit_verify(args: argparse.Namespace) -> int:
    from service.audit import verify_chain

    database = open_database(Settings().effective_database_url())
    with database.reads() as session:
        report = verify_chain(session)
    if report.intact:
        print(
            f"audit log intact: {report.checked} chained entries checked"
            + (f" ({report.unchained} older entries carry no hash)" if report.unchained else "")
        )
        return EXIT_OK
    Console(stderr=True).print(
        f"[red]audit log broken[/] at entry {report.broken_at}: {escape(report.reason or '')} "
        f"({report.checked} entries before it hold)"
    )
    return EXIT_FAILED
