"""Tesseract's OpenMP threading versus one thread per process, on this machine.

Runs Tesseract on N copies of one page at once (N = cores), first with Tesseract's
default threading, then with OMP_THREAD_LIMIT=1, and prints seconds per page.

    .venv/bin/python bench/omp_threads.py [--page IMAGE] [--lang vie]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
DEFAULT_PAGE = REPO / "samples" / "scans" / "to-khai-khai-sinh.jpg"


def run_batch(page: Path, copies: int, lang: str, env: dict[str, str]) -> float:
    """Seconds for `copies` simultaneous Tesseract runs on `page`."""
    start = time.perf_counter()
    procs = [
        subprocess.Popen(
            ["tesseract", str(page), "-", "-l", lang, "--psm", "3"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            env=env,
        )
        for _ in range(copies)
    ]
    for proc in procs:
        proc.wait(timeout=600)
    return time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--page", type=Path, default=DEFAULT_PAGE, help="page image to OCR")
    parser.add_argument("--lang", default="vie", help="Tesseract language (default vie)")
    parser.add_argument("--rounds", type=int, default=2, help="repetitions of each setting")
    args = parser.parse_args()
    cores = len(os.sched_getaffinity(0))
    with tempfile.TemporaryDirectory() as tmp:
        page = Path(tmp) / "page.png"
        # A plain PNG copy: both settings then read the same simple input.
        subprocess.run(
            [
                sys.executable,
                "-c",
                f"from PIL import Image; Image.open({str(args.page)!r}).save({str(page)!r})",
            ],
            check=True,
            timeout=120,
        )
        settings = {
            "OpenMP default": {k: v for k, v in os.environ.items() if k != "OMP_THREAD_LIMIT"},
            "OMP_THREAD_LIMIT=1": {**os.environ, "OMP_THREAD_LIMIT": "1"},
        }
        results: dict[str, list[float]] = {name: [] for name in settings}
        for _ in range(args.rounds):
            for name, env in settings.items():
                results[name].append(run_batch(page, cores, args.lang, env) / cores)
    print(f"{cores} pages at once on {cores} cores, Tesseract -l {args.lang}, {args.page.name}")
    for name, values in results.items():
        print(f"  {name:<20} {min(values):6.2f} s per page (best of {len(values)})")
    ratio = min(results["OpenMP default"]) / min(results["OMP_THREAD_LIMIT=1"])
    print(f"  single-threaded processes are {ratio:.1f}x faster")
    return 0


if __name__ == "__main__":
    sys.exit(main())
