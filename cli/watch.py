"""`digitize watch DIR`: upload every complete file scanners save into DIR."""

from __future__ import annotations

import argparse
import functools
import logging
import signal
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.markup import escape

from config import Settings
from service.context import Services
from service.watch import Watcher
from workers.queue import enqueue_scans

EXIT_OK, EXIT_FAILED = 0, 1


def add_parser(commands: Any) -> None:
    watch = commands.add_parser(
        "watch",
        help="upload the scans saved into a folder",
        description=(
            "Watch DIR (a shared folder scanners save into): each file, once complete "
            "(its size and time unchanged between two looks), is uploaded as a batch and "
            "moved to DIR/done/ or DIR/failed/ with the reason in NAME.txt beside it. "
            "Files being worked on wait in DIR/processing/; a restarted watcher finishes "
            "them without taking any twice. `digitize up` runs this when "
            "DIGITIZE_WATCH_DIR is set."
        ),
    )
    watch.add_argument("dir", type=Path, nargs="?", help="the folder (default DIGITIZE_WATCH_DIR)")
    watch.add_argument("--interval", type=float, help="seconds between looks (default 2)")
    watch.add_argument(
        "--once", action="store_true", help="look twice, take what is complete, stop"
    )
    watch.set_defaults(run=run_watch)


def run_watch(args: argparse.Namespace) -> int:
    console = Console(stderr=True, soft_wrap=True)
    settings = Settings()
    folder = args.dir or settings.watch_dir
    if folder is None:
        console.print("[red]error:[/] give DIR or set DIGITIZE_WATCH_DIR")
        return EXIT_FAILED
    if not folder.is_dir():
        console.print(f"[red]error:[/] {escape(str(folder))} is not a folder")
        return EXIT_FAILED
    logging.getLogger("service.watch").setLevel(logging.INFO)
    services = Services.from_settings(settings)
    watcher = Watcher(
        services, folder, functools.partial(enqueue_scans, settings),
        interval=args.interval or settings.watch_interval,
    )  # fmt: skip
    stopping: list[bool] = []
    signal.signal(signal.SIGTERM, lambda *_: stopping.append(True))
    console.print(f"watching {escape(str(watcher.folder))}")
    try:
        if args.once:
            for outcome in [*watcher.recover(), *watcher.step(), *_later(watcher)]:
                console.print(f"{escape(outcome.name)}: {escape(outcome.detail)}")
        else:
            watcher.run(stop=lambda: bool(stopping))
    except KeyboardInterrupt:
        pass
    finally:
        services.close()
    return EXIT_OK


def _later(watcher: Watcher) -> list[Any]:
    import time

    time.sleep(watcher.interval)
    return watcher.step()
