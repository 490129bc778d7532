"""`digitize search reindex`: build the full-text index again, for documents stored
before it existed (the service indexes every document it stores or corrects itself)."""

from __future__ import annotations

import argparse
import time
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from config import Settings
from service.context import open_database
from service.search import REINDEX_BATCH, reindex

EXIT_OK = 0


def add_parser(commands: Any) -> None:
    parser = commands.add_parser(
        "search",
        help="the full-text search index",
        description="The full-text index behind GET /api/v1/search (see README).",
    )
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    rebuild = actions.add_parser(
        "reindex",
        help="index every stored document again",
        description=(
            "Index every document of DIGITIZE_DATABASE_URL again, a batch of documents per "
            "transaction: the API and workers may keep running, and searches find each "
            "document by its old rows or its new ones meanwhile."
        ),
    )
    rebuild.add_argument(
        "--batch", type=int, default=REINDEX_BATCH, metavar="N",
        help=f"documents per transaction (default {REINDEX_BATCH})",
    )  # fmt: skip
    rebuild.add_argument("--quiet", action="store_true", help="no progress bar")
    rebuild.set_defaults(run=run_reindex)


def run_reindex(args: argparse.Namespace) -> int:
    database = open_database(Settings().effective_database_url())
    progress = Progress(
        TextColumn("documents"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=Console(stderr=True),
        disable=args.quiet,
    )
    task = progress.add_task("documents", total=None)
    started = time.monotonic()
    try:
        with progress:
            documents, pages = reindex(
                database,
                batch=max(1, args.batch),
                on_start=lambda total: progress.update(task, total=total),
                on_progress=lambda done: progress.advance(task, done),
            )
    finally:
        database.engine.dispose()
    plural = "" if documents == 1 else "s"
    print(
        f"indexed {documents} document{plural} ({pages} pages with text) "
        f"in {time.monotonic() - started:.1f} s"
    )
    return EXIT_OK
