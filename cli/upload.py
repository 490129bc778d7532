"""`digitize upload`: send scans to the service's API, follow them, fetch the results.

A client of the API like any other: archive staff at a scanner that is not the
server, or scripts. The key is an `archive` client's (`digitize apikey create`).
"""

from __future__ import annotations

import argparse
import json
import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any, BinaryIO

import httpx
from rich.console import Console
from rich.markup import escape
from rich.progress import (
    BarColumn,
    DownloadColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
)

from cli.process import expand_inputs
from config import Settings
from service.ingest import safe_filename

EXIT_OK, EXIT_SOME_FAILED, EXIT_USAGE, EXIT_UNREACHABLE = 0, 1, 2, 4
_FINISHED = {"done", "partial", "failed"}
_FILES_PER_REQUEST = 100

EPILOG = """\
The API key comes from --key or DIGITIZE_API_KEY; the API from --api (default
http://DIGITIZE_API_HOST:DIGITIZE_API_PORT). With --wait it shows the pages done as the
workers go and ends with one line per file; with --save DIR it also downloads each
document's searchable PDF to DIR/<dossier code or file name>/<nn>-<document type>.pdf
and the batch's JSON to DIR/batch-<id>.json.

Exit status: 0 all files digitised; 1 some failed (or --wait timed out); 2 bad
arguments; 4 the API could not be reached or refused the key.
"""


def add_parser(commands: Any) -> None:
    parser = commands.add_parser(
        "upload",
        help="send scans to the service and follow them",
        description="Upload scans (PDF, TIFF, JPEG, PNG; files or folders) to the API.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("inputs", nargs="+", type=Path, metavar="INPUT", help="scans or folders")
    parser.add_argument("--api", metavar="URL", help="the API's base URL")
    parser.add_argument("--key", metavar="KEY", help="API key (default: DIGITIZE_API_KEY)")
    parser.add_argument("--dossier-code", metavar="CODE", help="the dossier these files are of")
    parser.add_argument("--wait", action="store_true", help="wait until digitised")
    parser.add_argument(
        "--timeout", type=float, default=3600, metavar="S", help="longest wait (default 3600 s)"
    )
    parser.add_argument("--save", type=Path, metavar="DIR", help="download the results here")
    parser.add_argument("--quiet", action="store_true", help="no progress bars")
    parser.set_defaults(run=run)


class _Counted:
    """A file object that reports how much of it has been read (sent)."""

    def __init__(self, handle: BinaryIO, progress: Progress, task: Any) -> None:
        self._handle, self._progress, self._task = handle, progress, task

    def read(self, size: int = -1) -> bytes:
        data = self._handle.read(size)
        self._progress.advance(self._task, len(data))
        return data

    def __iter__(self) -> Iterator[bytes]:
        while chunk := self.read(1 << 16):
            yield chunk


def run(args: argparse.Namespace) -> int:
    console = Console(stderr=True)
    settings = Settings()
    key = args.key or os.environ.get("DIGITIZE_API_KEY")
    if not key:
        console.print("[red]error:[/] no API key: give --key or set DIGITIZE_API_KEY")
        return EXIT_USAGE
    base = (args.api or f"http://{settings.api_host}:{settings.api_port}").rstrip("/")
    sources, problems = expand_inputs(args.inputs)
    for problem in problems:
        console.print(f"[red]error:[/] {escape(problem)}", soft_wrap=True)
    if not sources:
        console.print("[red]error:[/] no scans to upload")
        return EXIT_USAGE
    client = httpx.Client(
        base_url=f"{base}/api/v1",
        headers={"Authorization": f"Bearer {key}"},
        timeout=httpx.Timeout(60.0, write=600.0),
    )
    try:
        batches = [
            _send(client, sources[i : i + _FILES_PER_REQUEST], args, console)
            for i in range(0, len(sources), _FILES_PER_REQUEST)
        ]
        if args.wait or args.save:
            batches = [_wait(client, b, args, console) for b in batches]
        if args.save:
            for batch in batches:
                _save(client, batch, args.save, console)
    except _ApiError as exc:
        console.print(f"[red]error:[/] {escape(str(exc))}", soft_wrap=True)
        return EXIT_UNREACHABLE
    finally:
        client.close()
    for batch in batches:
        _summary(batch, console)
    finished = all(b["status"] in _FINISHED for b in batches)
    failed = len(problems) + sum(f["status"] != "done" for b in batches for f in b["files"])
    if not (args.wait or args.save):
        return EXIT_OK if not problems else EXIT_SOME_FAILED
    return EXIT_OK if finished and failed == 0 else EXIT_SOME_FAILED


class _ApiError(Exception):
    pass


def _call(client: httpx.Client, method: str, url: str, **kwargs: Any) -> httpx.Response:
    try:
        response = client.request(method, url, **kwargs)
    except httpx.HTTPError as exc:
        raise _ApiError(f"{client.base_url}{url}: {exc}") from None
    if response.status_code >= 400:
        try:
            detail = response.json().get("detail", response.text)
        except ValueError:
            detail = response.text
        raise _ApiError(f"{method} {url}: HTTP {response.status_code}: {detail}")
    return response


def _send(
    client: httpx.Client, sources: list[Path], args: argparse.Namespace, console: Console
) -> dict[str, Any]:
    total = sum(p.stat().st_size for p in sources)
    with Progress(
        TextColumn("upload"), BarColumn(), DownloadColumn(), console=console, disable=args.quiet
    ) as progress:
        task = progress.add_task("upload", total=total)
        handles = [p.open("rb") for p in sources]
        try:
            files = [
                ("files", (p.name, _Counted(h, progress, task), "application/octet-stream"))
                for p, h in zip(sources, handles, strict=True)
            ]
            data = {"dossier_code": args.dossier_code} if args.dossier_code else {}
            response = _call(client, "POST", "/batches", files=files, data=data)
        finally:
            for handle in handles:
                handle.close()
    batch: dict[str, Any] = response.json()
    console.print(f"batch {batch['id']}: {len(sources)} file(s) sent", highlight=False)
    return batch


def _wait(
    client: httpx.Client, batch: dict[str, Any], args: argparse.Namespace, console: Console
) -> dict[str, Any]:
    deadline = time.monotonic() + args.timeout
    with Progress(
        TextColumn(f"batch {batch['id']} pages"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        disable=args.quiet,
    ) as progress:
        task = progress.add_task("pages", total=None)
        while batch["status"] not in _FINISHED and time.monotonic() < deadline:
            time.sleep(1.0)
            batch = _call(client, "GET", f"/batches/{batch['id']}").json()
            counts = batch["progress"]
            progress.update(
                task,
                total=counts["pages_total"] or None,
                completed=counts["pages_done"] + counts["pages_failed"],
            )
    return batch


def _save(client: httpx.Client, batch: dict[str, Any], folder: Path, console: Console) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"batch-{batch['id']}.json").write_text(
        json.dumps(batch, ensure_ascii=False, indent=1), encoding="utf-8"
    )
    for item in batch["files"]:
        numbers: dict[str, int] = {}
        for document in item["documents"]:
            place = safe_filename(document["dossier_code"] or Path(item["filename"]).stem)
            numbers[place] = numbers.get(place, 0) + 1
            target = folder / place / f"{numbers[place]:02d}-{document['doc_type']}.pdf"
            target.parent.mkdir(parents=True, exist_ok=True)
            response = _call(client, "GET", f"/documents/{document['id']}/pdf")
            target.write_bytes(response.content)
    console.print(f"results of batch {batch['id']} saved in {escape(str(folder.resolve()))}")


def _summary(batch: dict[str, Any], console: Console) -> None:
    colours = {"done": "green", "partial": "yellow", "failed": "red"}
    for item in batch["files"]:
        status = item["status"]
        line = f"[{colours.get(status, 'cyan')}]{status:<10}[/] {escape(item['filename'])}"
        if item["duplicate"]:
            line += " (sent before: earlier results reused)"
        if item["error"]:
            line += f": {escape(item['error'])}"
        documents = item["documents"]
        if documents:
            kinds = ", ".join(
                f"{d['doc_type']}" + (f" [{d['dossier_code']}]" if d["dossier_code"] else "")
                for d in documents
            )
            line += f" -> {len(documents)} document(s): {escape(kinds)}"
        console.print(line, soft_wrap=True, highlight=False)
    counts = batch["progress"]
    console.print(
        f"batch {batch['id']} {batch['status']}: {counts['pages_done']} of "
        f"{counts['pages_total']} page(s) digitised, {counts['pages_failed']} failed",
        highlight=False,
    )
