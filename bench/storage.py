"""The file store's speed: the local folder beside S3 (a SeaweedFS server of its own on
loopback, as the tests start it), the same files through the same interface, in
alternating rounds.

    .venv/bin/python bench/storage.py --rounds 3

Two kinds of file, as the service stores them:

- scans: a few large originals (`--scan-mb`, default 64 MB each), stored write-once
  (S3: multipart, 16 MiB parts, each with its SHA-256), read back streamed (S3: hashed
  and checked) and as a local copy (what a worker does before OCR; the local store
  gives its own file, so its figure there is only a stat);
- pages: many small files (`--page-kb`, default 120 kB: a page's PDF or preview).

Printed: MB/s per operation and store (median of the rounds), files per second for the
small ones, and the load average before and after. The machine is shared: compare the
two stores within a round, not against other days.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from storage import BlobStore, LocalStore, original_key
from storage.s3 import S3Options, S3Store
from tests.s3_fixtures import ACCESS_KEY, BUCKET, SECRET_KEY, start_seaweedfs, stop_seaweedfs

RESULTS = Path(__file__).resolve().parent / "results"


def _timed(action: Callable[[], None]) -> float:
    begin = time.perf_counter()
    action()
    return time.perf_counter() - begin


def one_round(store: BlobStore, work: Path, scans: int, scan_mb: int, pages: int, page_kb: int,
              tag: str) -> dict[str, float]:  # fmt: skip
    """Seconds of each operation on fresh files (random bytes: no compression helps)."""
    scan_files = []
    for n in range(scans):
        data = os.urandom(scan_mb << 20)
        path = work / f"scan{n}"
        path.write_bytes(data)
        scan_files.append((path, original_key(hashlib.sha256(data).hexdigest())))
    page_blobs = [os.urandom(page_kb << 10) for _ in range(pages)]
    figures: dict[str, float] = {}

    def put_scans() -> None:
        for path, key in scan_files:
            store.put_file(key, path, write_once=True)

    def read_scans() -> None:
        for _, key in scan_files:
            with store.open(key) as handle:
                while handle.read(1 << 20):
                    pass

    def copy_scans() -> None:
        for _, key in scan_files:
            with store.local_copy(key) as path:
                path.stat()

    def put_pages() -> None:
        for n, blob in enumerate(page_blobs):
            store.put_bytes(f"pages/{tag}/{n:05d}.jpg", blob)

    def read_pages() -> None:
        for n in range(len(page_blobs)):
            with store.open(f"pages/{tag}/{n:05d}.jpg") as handle:
                handle.read()

    for name, action in (("put_scans", put_scans), ("read_scans", read_scans),
                         ("copy_scans", copy_scans), ("put_pages", put_pages),
                         ("read_pages", read_pages)):  # fmt: skip
        figures[name] = _timed(action)
    return figures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=3, help="rounds of both (default 3)")
    parser.add_argument("--scans", type=int, default=3, help="large files a round (default 3)")
    parser.add_argument("--scan-mb", type=int, default=64, help="MB each (default 64)")
    parser.add_argument("--pages", type=int, default=200, help="small files a round (200)")
    parser.add_argument("--page-kb", type=int, default=120, help="kB each (default 120)")
    args = parser.parse_args()

    root = Path(tempfile.mkdtemp(prefix="bench-storage-"))
    process, endpoint = start_seaweedfs(root / "seaweedfs")
    try:
        stores: dict[str, BlobStore] = {
            "local": LocalStore(root / "local"),
            "s3": S3Store(
                f"s3://{BUCKET}/bench",
                S3Options(endpoint, access_key_id=ACCESS_KEY, secret_access_key=SECRET_KEY),
            ),
        }
        # Warm up: SeaweedFS makes its volumes on the first write to a bucket.
        warm = root / "warm"
        warm.write_bytes(os.urandom(20 << 20))
        stores["s3"].put_file("pages/warm/up.pdf", warm)
        runs: dict[str, list[dict[str, float]]] = {name: [] for name in stores}
        for number in range(args.rounds):
            order = list(stores) if number % 2 == 0 else list(reversed(stores))
            for name in order:
                work = root / f"work-{name}-{number}"
                work.mkdir()
                load = os.getloadavg()[0]
                seconds = one_round(stores[name], work, args.scans, args.scan_mb, args.pages,
                                    args.page_kb, f"r{number}")  # fmt: skip
                seconds["load_before"], seconds["load_after"] = load, os.getloadavg()[0]
                runs[name].append(seconds)
                shutil.rmtree(work, ignore_errors=True)
                print(f"round {number + 1} {name:<5} " + ", ".join(
                    f"{k} {v:.2f} s" for k, v in seconds.items() if not k.startswith("load")
                ) + f" (load {load:.2f} -> {os.getloadavg()[0]:.2f})", flush=True)  # fmt: skip
    finally:
        stop_seaweedfs(process)
        shutil.rmtree(root, ignore_errors=True)

    scan_mb = args.scans * args.scan_mb * 1.048576  # MB (10^6 bytes)
    page_mb = args.pages * args.page_kb * 1.024 / 1000
    print(f"\nmedian of {args.rounds} rounds     local     s3 (SeaweedFS)")
    summary: dict[str, dict[str, float]] = {}
    for op, size, unit in (("put_scans", scan_mb, "MB/s"), ("read_scans", scan_mb, "MB/s"),
                           ("copy_scans", scan_mb, "MB/s"), ("put_pages", args.pages, "files/s"),
                           ("read_pages", args.pages, "files/s")):  # fmt: skip
        line = {name: size / statistics.median(r[op] for r in runs[name]) for name in stores}
        summary[op] = line
        print(f"{op:<12} {unit:<8} {line['local']:9.1f} {line['s3']:9.1f}")
    print(f"(pages: {args.page_kb} kB each, {page_mb:.1f} MB a round)")
    RESULTS.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    (RESULTS / f"storage-{stamp}.json").write_text(
        json.dumps({"args": vars(args), "runs": runs, "summary": summary}, indent=1)
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
