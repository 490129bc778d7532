"""Entry point of the `digitize` console script: one sub-command per job."""

from __future__ import annotations

import argparse
import logging
import sys

from cli import copies, process, records, search, service, understanding, upload, users, watch
from digitize import __version__


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="digitize",
        description=(
            "Digitise scanned Vietnamese administrative dossiers: upright clean pages, "
            "Vietnamese OCR, searchable PDF/A. Settings also come from DIGITIZE_* "
            "environment variables (see README)."
        ),
    )
    parser.add_argument("--version", action="version", version=f"digitize {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="log every step")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    process.add_parser(commands)
    understanding.add_parsers(commands)
    records.add_parser(commands)
    service.add_parsers(commands)
    upload.add_parser(commands)
    search.add_parser(commands)
    copies.add_parsers(commands)
    users.add_parser(commands)  # issue 15
    watch.add_parser(commands)  # issue 15
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
    )
    return int(args.run(args))


if __name__ == "__main__":
    sys.exit(main())
