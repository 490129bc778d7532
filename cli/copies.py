"""`digitize verify` (is a PDF's signature intact, is it still PDF/A) and `digitize export`
(a dossier's package for the archive)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.markup import escape

from config import Settings
from digitize.errors import DigitizeError
from service import copies
from service.context import Services
from service.errors import ServiceError

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2

VERIFY_EPILOG = """\
Exit status: 0 when the file is signed, its signed bytes are intact and nothing was
added after the signature (and the signer leads to a trusted root, when roots are
known: --trust, DIGITIZE_SIGNING_TRUST, else the chain in DIGITIZE_SIGNING_P12);
1 otherwise; 2 when the file cannot be read.
"""


def add_parsers(commands: Any) -> None:
    verify = commands.add_parser(
        "verify",
        help="check a PDF's signature and PDF/A",
        description=(
            "Say whether a digitised PDF's signature is intact, who signed it and when, "
            "whether it was changed after signing, and whether it is still PDF/A-2b."
        ),
        epilog=VERIFY_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    verify.add_argument("pdf", type=Path, metavar="FILE.pdf")
    verify.add_argument("--trust", type=Path, metavar="CA.pem", help="CA roots to trust (PEM)")
    verify.add_argument("--json", action="store_true", help="print the result as JSON")
    verify.set_defaults(run=run_verify)

    export = commands.add_parser(
        "export",
        help="a dossier's package for the archive (zip)",
        description=(
            "Write one dossier of the service's database as a zip: its documents' signed "
            "PDFs, manifest.json and manifest.xml (the dossier and each document's "
            "metadata, TT 01/2023/TT-VPCP and TT 05/2025/TT-BNV)."
        ),
    )
    export.add_argument("code", metavar="CODE", help="the dossier code")
    export.add_argument(
        "--out",
        type=Path,
        metavar="FILE.zip",
        help="where to write (default: CODE.zip; - for stdout)",
    )
    export.set_defaults(run=run_export)


def run_verify(args: argparse.Namespace) -> int:
    console = Console(stderr=True)
    try:
        data = args.pdf.read_bytes()
    except OSError as exc:
        console.print(
            f"[red]error:[/] cannot read {escape(str(args.pdf))}: {exc.strerror}", soft_wrap=True
        )
        return EXIT_USAGE
    if not data.startswith(b"%PDF-"):
        console.print(f"[red]error:[/] {escape(str(args.pdf))} is not a PDF", soft_wrap=True)
        return EXIT_USAGE
    settings = Settings()
    try:
        if args.trust is not None:
            settings = settings.model_copy(update={"signing_trust": args.trust})
        signer = copies.unit_signer(settings) if settings.signing_trust is None else None
        roots = copies.trust_roots(settings, signer)
    except DigitizeError as exc:
        console.print(f"[red]error:[/] {escape(str(exc))}", soft_wrap=True)
        return EXIT_USAGE
    check = copies.verify_bytes(data, roots)
    if args.json:
        print(json.dumps(check.as_json(), ensure_ascii=False, indent=1))
    else:
        _print_check(Console(), args.pdf, check)
    return EXIT_OK if check.ok else EXIT_FAILED


def _print_check(console: Console, path: Path, check: copies.SignatureCheck) -> None:
    verdict = "[green]intact[/]" if check.ok else "[red]NOT intact[/]"
    lines = [f"{escape(str(path))}: {verdict}"]
    if check.signer is not None:
        lines.append(
            f"  signed by: {escape(check.signer.name)} (issuer {escape(check.signer.issuer)})"
        )
    if check.signed_at is not None:
        lines.append(f"  signed at: {check.signed_at.isoformat()}")
    lines.append(f"  changed after signing: {'yes' if check.changed_after_signing else 'no'}")
    if check.trusted is not None:
        lines.append(f"  trusted root: {'yes' if check.trusted else 'no'}")
    pdfa = {True: "yes", False: "no", None: "not checked"}[check.pdfa]
    lines.append(f"  PDF/A-2b: {pdfa}")
    lines += [f"  - {escape(p)}" for p in check.problems + check.pdfa_problems[:10]]
    for line in lines:
        console.print(line, soft_wrap=True, highlight=False)


def run_export(args: argparse.Namespace) -> int:
    console = Console(stderr=True)
    try:
        services = Services.from_settings(Settings())
    except Exception as exc:  # the database is away or not ours: say so, no traceback
        console.print(f"[red]error:[/] cannot open the service's database: {escape(str(exc))}")
        return EXIT_USAGE
    from service import queries

    target = args.out or Path(f"{args.code}.zip")
    try:
        with services.sessions() as session:
            dossier = queries.get_dossier(session, args.code)
            chunks = copies.dossier_package(dossier, services.store)
            if str(target) == "-":
                for chunk in chunks:
                    sys.stdout.buffer.write(chunk)
                return EXIT_OK
            temp = target.with_name(f".{target.name}.tmp")
            with temp.open("wb") as out:
                for chunk in chunks:
                    out.write(chunk)
            temp.replace(target)
    except (ServiceError, DigitizeError) as exc:
        console.print(f"[red]error:[/] {escape(str(exc))}", soft_wrap=True)
        return EXIT_FAILED
    except OSError as exc:
        console.print(f"[red]error:[/] cannot write {escape(str(target))}: {exc.strerror}")
        return EXIT_FAILED
    finally:
        services.close()
    console.print(f"{escape(args.code)} -> {escape(str(target))}", highlight=False)
    return EXIT_OK
