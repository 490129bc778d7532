"""`digitize user`: staff accounts of the web application."""

from __future__ import annotations

import argparse
import getpass
import sys
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from config import Settings
from models import Role
from service import staff
from service.context import open_database
from service.errors import ServiceError

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


def add_parser(commands: Any) -> None:
    user = commands.add_parser(
        "user",
        help="manage staff accounts of the web application",
        description=(
            "Staff accounts of the web pages (/app). Roles are the API clients' roles: "
            "archive (upload, review, dossiers, search), onestop (dossiers, search), "
            "admin (accounts, clients, retraining)."
        ),
    )
    actions = user.add_subparsers(dest="action", metavar="ACTION", required=True)
    create = actions.add_parser(
        "create",
        help="create an account",
        description=(
            "Create an account. The password is asked for twice on a terminal, or read "
            "as the first line of standard input when it is not one."
        ),
    )
    create.add_argument("--name", required=True, help="the name to sign in with")
    create.add_argument("--role", required=True, choices=[r.value for r in Role])
    create.set_defaults(run=run_create)
    listing = actions.add_parser("list", help="list accounts", description="List accounts.")
    listing.set_defaults(run=run_list)
    for action, text in (("disable", "disable an account"), ("enable", "enable it again")):
        sub = actions.add_parser(action, help=text, description=text.capitalize() + ".")
        sub.add_argument("name", help="the account's name")
        sub.set_defaults(run=run_disable, disable=action == "disable")


def _password(console: Console) -> str | None:
    if not sys.stdin.isatty():
        return sys.stdin.readline().rstrip("\r\n")
    first = getpass.getpass("Mật khẩu (password): ")
    if getpass.getpass("Nhập lại (again): ") != first:
        console.print("[red]error:[/] the two passwords differ")
        return None
    return first


def run_create(args: argparse.Namespace) -> int:
    console = Console(stderr=True)
    password = _password(console)
    if password is None:
        return EXIT_USAGE
    database = open_database(Settings().effective_database_url())
    try:
        user = staff.create_user(database, args.name, args.role, password, actor="command line")
    except ServiceError as exc:
        console.print(f"[red]error:[/] {escape(exc.detail)}")
        return EXIT_USAGE
    print(f"user {user.id} {user.name!r}, role {user.role.value}")
    return EXIT_OK


def run_list(_args: argparse.Namespace) -> int:
    database = open_database(Settings().effective_database_url())
    with database.reads() as session:
        users = staff.list_users(session)
    table = Table("id", "name", "role", "created", "state")
    for user in users:
        state = "disabled" if user.disabled_at else "active"
        table.add_row(str(user.id), escape(user.name), user.role.value,
                      user.created_at.isoformat(timespec="seconds"), state)  # fmt: skip
    Console().print(table)
    return EXIT_OK


def run_disable(args: argparse.Namespace) -> int:
    database = open_database(Settings().effective_database_url())
    with database.reads() as session:
        found = [u for u in staff.list_users(session) if u.name == args.name]
    if not found:
        Console(stderr=True).print(f"[red]error:[/] no account {escape(args.name)!r}")
        return EXIT_FAILED
    staff.set_disabled(database, found[0].id, args.disable, actor="command line")
    print(f"{'disabled' if args.disable else 'enabled'} {args.name!r}")
    return EXIT_OK
