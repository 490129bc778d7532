"""The service's commands: `serve` (API), `worker` (RQ worker), `up` (all of it on one
machine), `db` (migrations) and `apikey` (API clients)."""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import time
from typing import Any

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
_WORKER_STOP_SECONDS = 60  # a worker finishes its job on SIGTERM; then it is killed

SETTINGS_EPILOG = """\
Settings come from the environment: DIGITIZE_DATABASE_URL [SQLite DATA_DIR/digitize.db],
DIGITIZE_REDIS_URL [redis://127.0.0.1:6379/0], DIGITIZE_DATA_DIR [data],
DIGITIZE_STORAGE_DIR [DATA_DIR/store], DIGITIZE_API_HOST [127.0.0.1],
DIGITIZE_API_PORT [8000], DIGITIZE_MAX_UPLOAD_MB [1024], DIGITIZE_PAGES_PER_JOB [4],
DIGITIZE_JOB_TIMEOUT [1800 s], DIGITIZE_JOB_RETRIES [3], DIGITIZE_RETRY_BACKOFF
[10,60,300 s], DIGITIZE_WORKER_GRACE [60 s], DIGITIZE_WORKER_MAINTENANCE [30 s],
DIGITIZE_WEBHOOK_RETRIES [6], DIGITIZE_WEBHOOK_BACKOFF [10,60,300,900,3600,21600 s]
(see README, "The service").
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
            "(unless DIGITIZE_REDIS_URL answers already), N workers and the API. Ctrl-C or "
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
    db.add_argument("action", choices=("upgrade", "current"), help="what to do")
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


def _settings(**overrides: Any) -> Settings:
    return Settings(**{k: v for k, v in overrides.items() if v is not None})


def run_serve(args: argparse.Namespace) -> int:
    import uvicorn

    from api.app import create_app

    settings = _settings(api_host=args.host, api_port=args.port)
    app = create_app(settings=settings)
    uvicorn.run(app, host=settings.api_host, port=settings.api_port, log_level="warning")
    return EXIT_OK


def run_worker(args: argparse.Namespace) -> int:
    from workers.worker import run_worker as work

    work(Settings(), burst=args.burst, name=args.name)
    return EXIT_OK


def run_up(args: argparse.Namespace) -> int:
    from workers import redis_server

    console = Console(stderr=True)
    settings = _settings(api_host=args.host, api_port=args.port)
    count = args.workers or len(os.sched_getaffinity(0))
    upgrade(create_engine_for(settings.effective_database_url()))
    redis = None
    if not redis_server.answers(settings.redis_url):
        if not redis_server.is_local(settings.redis_url):
            console.print(f"[red]error:[/] no Redis answers at {escape(settings.redis_url)}")
            return EXIT_FAILED
        try:
            redis = redis_server.start(settings.redis_url, settings.data_dir / "redis")
        except DigitizeError as exc:
            console.print(f"[red]error:[/] {escape(str(exc))}")
            return EXIT_FAILED
        console.print(f"redis-server started on {escape(settings.redis_url)}")
    env = {**os.environ, "DIGITIZE_REDIS_URL": settings.redis_url}
    prefix = f"{os.uname().nodename}-{os.getpid()}"
    workers = [
        subprocess.Popen(
            [sys.executable, "-m", "cli.main", "worker", "--name", f"{prefix}-{n}"], env=env
        )
        for n in range(1, count + 1)
    ]
    if settings.watch_dir is not None:  # issue 15: scans that arrive by themselves
        watch = [sys.executable, "-m", "cli.main", "watch", str(settings.watch_dir)]
        workers.append(subprocess.Popen(watch, env=env))
        console.print(f"watching {escape(str(settings.watch_dir))}")
    console.print(
        f"{count} worker(s); API on http://{settings.api_host}:{settings.api_port}/api/v1 "
        f"(docs: /api/v1/docs); data in {escape(str(settings.data_dir.resolve()))}"
    )
    # uvicorn stops on SIGTERM, then raises it again with our handler in place: it must
    # end like Ctrl-C does, so the workers and Redis below are stopped too.
    signal.signal(signal.SIGTERM, _interrupt)
    try:
        run_serve(argparse.Namespace(host=settings.api_host, port=settings.api_port))
    except KeyboardInterrupt:
        pass
    finally:
        _stop_workers(workers)
        if redis is not None:
            redis_server.stop(redis)
    return EXIT_OK


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
    engine = create_engine_for(Settings().effective_database_url())
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
