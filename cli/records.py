"""`digitize records`: one-stop dossier records, imported from the one-stop system.

Scanned stacks are linked to these records by dossier code (see `digitize process`).
Until the service's API takes them, records come in as a JSON or CSV export.
"""

from __future__ import annotations

import argparse
import csv
import json
from collections.abc import Iterator, Mapping
from functools import cached_property
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.table import Column, Table

from config import Settings
from digitize.understand.link import DossierRecord
from service.context import open_database
from service.records import SqlRecordBook, parse_record

EXIT_OK, EXIT_SOME_BAD, EXIT_USAGE = 0, 1, 2
COLUMNS = (
    "dossier_code",
    "procedure_code",
    "procedure",
    "applicant_name",
    "applicant_id_number",
    "receiving_unit",
    "received_date",
    "status",
)
EPILOG = f"""\
A JSON file holds a list of objects, a CSV file a header row; the columns are
{", ".join(COLUMNS)} (only dossier_code is required; received_date as YYYY-MM-DD).
A record whose code is already stored is updated: the one-stop system is the authority.
Rows with problems are listed with their line and skipped; the others are imported.
Records live in DIGITIZE_DATABASE_URL (default: SQLite file DATA_DIR/digitize.db).
"""


class LazyRecordBook:
    """The record book of the settings' database, opened on first use only."""

    def __init__(self, settings: Settings) -> None:
        self._url = settings.effective_database_url()

    @cached_property
    def _book(self) -> SqlRecordBook:
        return SqlRecordBook(open_database(self._url))

    def find(self, code: str) -> DossierRecord | None:
        return self._book.find(code)

    def add(self, record: DossierRecord) -> DossierRecord:
        return self._book.add(record)


def add_parser(commands: Any) -> None:
    parser = commands.add_parser(
        "records",
        help="import or list one-stop dossier records",
        description="Import one-stop dossier records (JSON or CSV) or list those stored.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    importing = actions.add_parser("import", help="import records from a JSON or CSV file")
    importing.add_argument("file", type=Path, metavar="FILE", help="a .json or .csv export")
    importing.set_defaults(run=run_import)
    listing = actions.add_parser("list", help="list the stored records")
    listing.set_defaults(run=run_list)


def run_import(args: argparse.Namespace) -> int:
    console = Console(stderr=True)
    try:
        rows = list(_read_rows(args.file))
    except (OSError, ValueError, csv.Error) as exc:
        console.print(
            f"[red]error:[/] {escape(str(args.file))}: {escape(str(exc))}", soft_wrap=True
        )
        return EXIT_USAGE
    records, problems = [], []
    for line, row in rows:
        try:
            records.append(parse_record(row))
        except ValueError as exc:
            problems.append(f"{args.file} record {line}: {exc}")
    book = SqlRecordBook(open_database(Settings().effective_database_url()))
    created = sum(book.upsert(record) for record in records)
    for problem in problems:
        console.print(f"[red]skipped[/] {escape(problem)}", soft_wrap=True)
    console.print(
        f"{len(records)} record(s) imported ({created} new, {len(records) - created} updated), "
        f"{len(problems)} skipped",
        soft_wrap=True,
    )
    return EXIT_SOME_BAD if problems else EXIT_OK


def run_list(args: argparse.Namespace) -> int:
    book = SqlRecordBook(open_database(Settings().effective_database_url()))
    table = Table("procedure", "applicant", "ID number", "received", "status", "origin")
    table.columns.insert(0, Column("code", no_wrap=True))  # a code must read whole
    for record in book.all():
        table.add_row(
            record.code,
            record.procedure or record.procedure_code or "",
            record.applicant_name or "",
            record.applicant_id_number or "",
            record.received_date.isoformat() if record.received_date else "",
            record.status,
            record.origin,
        )
    Console().print(table)
    return EXIT_OK


def _read_rows(path: Path) -> Iterator[tuple[int, Mapping[str, Any]]]:
    """(record number, fields) for each record of a JSON list or a CSV file."""
    text = path.read_text(encoding="utf-8-sig")
    if path.suffix.lower() == ".json":
        data = json.loads(text)
        if not isinstance(data, list):
            raise ValueError("a JSON import must be a list of records")
        for number, item in enumerate(data, 1):
            yield number, item if isinstance(item, dict) else {}
    elif path.suffix.lower() == ".csv":
        reader = csv.DictReader(text.splitlines())
        for row in reader:
            yield reader.line_num, row
    else:
        raise ValueError("give a .json or .csv file")
