"""digitize on OCRmyPDF's own test corpus: real scans and odd PDFs nobody here made.

Runs `digitize process` on every file of OCRmyPDF's tests/resources, one process per
file, and (if bench/setup.sh made its venv) OCRmyPDF itself on each, then prints a
table file by file: digitize's status and its one-line error or warning, how many
Python tracebacks reached the console, and whether OCRmyPDF digitised the file.
Target: every file OCRmyPDF digitises is digitised; every other one named with a
clear one-line error; no traceback.

The corpus is fetched, never committed: export it from a clone of
github.com/ocrmypdf/OCRmyPDF outside this repository, e.g.

    git --git-dir=OCRmyPDF/.git archive HEAD tests/resources | tar x -C /work/ocrmypdf-corpus
    .venv/bin/python bench/ocrmypdf_corpus.py /work/ocrmypdf-corpus/tests/resources
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
DIGITIZE = REPO / ".venv" / "bin" / "digitize"
OCRMYPDF = REPO / "bench" / ".venv-ocrmypdf" / "bin" / "ocrmypdf"
SKIPPED = {".hocr", ".txt", ".rst"}  # OCRmyPDF's expected outputs and notes, not inputs
_STATUS = re.compile(r"^(done|partial|failed)\s+(.*)$")


def run_digitize(path: Path, out: Path, timeout: float) -> tuple[str, str, int, float]:
    """(status, the summary line's detail, tracebacks on the console, seconds)."""
    started = time.perf_counter()
    try:
        proc = subprocess.run(
            [str(DIGITIZE), "process", str(path), "--out", str(out), "--quiet"],
            capture_output=True, text=True, timeout=timeout, check=False,
        )  # fmt: skip
    except subprocess.TimeoutExpired:
        return "timeout", f"ran past {timeout:.0f} s", 0, time.perf_counter() - started
    console = proc.stdout + proc.stderr
    tracebacks = console.count("Traceback (most recent call last)")
    status, detail = "?", ""
    for line in proc.stderr.splitlines():
        match = _STATUS.match(line.strip())
        if match:
            status, detail = match.group(1), match.group(2)
            break
        if line.startswith("error:"):
            status, detail = "error", line
    detail = detail.replace(str(path), path.name)
    return status, detail, tracebacks, time.perf_counter() - started


def run_ocrmypdf(path: Path, out: Path, timeout: float) -> str:
    """ "ok", or OCRmyPDF's last error line."""
    if not OCRMYPDF.exists():
        return "not run"
    args = [str(OCRMYPDF), "-l", "vie", "--skip-text"]
    if path.suffix.lower() != ".pdf":
        args += ["--image-dpi", "300"]  # images without a resolution are refused otherwise
    try:
        proc = subprocess.run(
            [*args, str(path), str(out / f"{path.stem}.ocrmypdf.pdf")],
            capture_output=True, text=True, timeout=timeout, check=False,
            env={**os.environ, "OMP_THREAD_LIMIT": "1"},
        )  # fmt: skip
    except subprocess.TimeoutExpired:
        return f"timeout after {timeout:.0f} s"
    if proc.returncode == 0:
        return "ok"
    lines = [line.strip() for line in proc.stderr.splitlines() if line.strip()]
    return f"exit {proc.returncode}: {lines[-1] if lines else ''}"[:110]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("corpus", type=Path, help="OCRmyPDF's tests/resources, exported")
    parser.add_argument("--timeout", type=float, default=900, help="seconds per file and tool")
    parser.add_argument("--no-ocrmypdf", action="store_true", help="digitize only")
    args = parser.parse_args()
    files = sorted(
        p for p in args.corpus.iterdir() if p.is_file() and p.suffix.lower() not in SKIPPED
    )
    print(f"{len(files)} files; load at start {os.getloadavg()[0]:.2f}", flush=True)
    print("| file | digitize | detail | tracebacks | s | OCRmyPDF |")
    print("|---|---|---|---|---|---|")
    rows = []
    with tempfile.TemporaryDirectory(prefix="corpus-") as work:
        for path in files:
            out = Path(work) / path.stem
            status, detail, tracebacks, seconds = run_digitize(path, out, args.timeout)
            peer = "not run" if args.no_ocrmypdf else run_ocrmypdf(path, out, args.timeout)
            rows.append((path.name, status, detail, tracebacks, peer))
            shown = detail.replace("|", "/")
            print(
                f"| {path.name} | {status} | {shown} | {tracebacks} | {seconds:.0f} | {peer} |",
                flush=True,
            )
    digitised = sum(r[1] in ("done", "partial") for r in rows)
    peer_ok = [r for r in rows if r[4] == "ok"]
    missed = [r[0] for r in peer_ok if r[1] not in ("done", "partial")]
    print(f"\ndigitize: {digitised} of {len(rows)} digitised (done or partial); "
          f"tracebacks on the console: {sum(r[3] for r in rows)}")  # fmt: skip
    if not args.no_ocrmypdf:
        print(f"OCRmyPDF: {len(peer_ok)} digitised; of those, digitize missed: {missed or 'none'}")
    print(f"load at end {os.getloadavg()[0]:.2f}")
    return 0 if not missed and not any(r[3] for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
