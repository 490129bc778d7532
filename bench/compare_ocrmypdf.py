"""digitize versus OCRmyPDF on the same multi-page scanned PDF, on this machine.

Runs `digitize process` and `ocrmypdf -l vie --deskew --rotate-pages` alternately on
one image-only PDF made by the sample generator, and prints for each: pages per
minute, peak memory of the whole process tree (PSS), and the character error rate
of the text layer (pdftotext, page by page) against the generator's ground truth.
Also the CPU seconds the run's processes used per page, and the machine's load
average when it started: on a shared machine, CPU time is the steadier figure.

    bash bench/setup.sh                      # once: OCRmyPDF in its own venv
    .venv/bin/python bench/compare_ocrmypdf.py --pages 100 --rounds 2
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench.memory import RunFigures, measure  # noqa: E402
from digitize.metrics import character_errors  # noqa: E402

WORK = REPO / "bench" / "work"
RESULTS = REPO / "bench" / "results"
DIGITIZE = REPO / ".venv" / "bin" / "digitize"
OCRMYPDF = REPO / "bench" / ".venv-ocrmypdf" / "bin" / "ocrmypdf"


@dataclass(frozen=True)
class Run:
    tool: str
    round: int
    pages: int
    seconds: float
    pages_per_minute: float
    peak_pss_mb: float
    peak_rss_mb: float
    cpu_seconds_per_page: float  # user + system, the whole process tree
    load_at_start: float  # 1-minute load average of the machine
    cer: float
    ok: bool


def make_input(pages: int, seed: int) -> tuple[Path, Path]:
    """The benchmark PDF and its truth, generated once per page count and seed."""
    pdf = WORK / f"stack-{pages}-seed{seed}.pdf"
    truth = pdf.with_name(pdf.name + ".json")  # the generator writes <pdf>.json beside it
    if not (pdf.exists() and truth.exists()):
        WORK.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            [
                sys.executable,
                "-m",
                "samples.generate",
                "--bench-pdf",
                str(pdf),
                "--pages",
                str(pages),
                "--seed",
                str(seed),
            ],
            cwd=REPO,
            check=True,
            timeout=3600,
        )
    return pdf, truth


def truth_pages(truth: Path) -> list[str]:
    document = json.loads(truth.read_text(encoding="utf-8"))
    return [page["text"] for page in document["pages"]]


def text_layer_cer(pdf: Path, expected: list[str]) -> float:
    """CER of the PDF's text layer, page by page, summed over the document."""
    errors = length = 0
    for number, reference in enumerate(expected, start=1):
        out = subprocess.run(
            [
                "pdftotext",
                "-q",
                "-enc",
                "UTF-8",
                "-f",
                str(number),
                "-l",
                str(number),
                str(pdf),
                "-",
            ],
            capture_output=True,
            timeout=120,
            check=False,
        )
        page_errors, page_length = character_errors(
            reference, out.stdout.decode("utf-8", "replace")
        )
        errors += page_errors
        length += page_length
    return errors / max(1, length)


def run_tool(
    tool: str, source: Path, out_dir: Path, jobs: int | None, timeout: float
) -> tuple[RunFigures, Path]:
    env = dict(os.environ)
    if tool == "digitize":
        command = [str(DIGITIZE), "process", str(source), "--out", str(out_dir), "--quiet"]
        if jobs:
            command += ["--jobs", str(jobs)]
        output = out_dir / f"{source.stem}.pdf"
    else:
        output = out_dir / f"{source.stem}.pdf"
        command = [
            str(OCRMYPDF),
            "-l",
            "vie",
            "--deskew",
            "--rotate-pages",
            str(source),
            str(output),
        ]
        if jobs:
            command[1:1] = ["--jobs", str(jobs)]
    return measure(command, timeout=timeout, env=env), output


def _children_cpu_seconds() -> float:
    """CPU time of every finished child, their own waited-for children included."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--pages", type=int, default=100, help="pages in the test PDF (default 100)"
    )
    parser.add_argument(
        "--rounds", type=int, default=2, help="runs of each tool, alternating (default 2)"
    )
    parser.add_argument("--seed", type=int, default=7, help="sample generator seed (default 7)")
    parser.add_argument(
        "--jobs", type=int, help="parallel jobs for both tools (default: each tool's own)"
    )
    parser.add_argument("--timeout", type=float, default=7200, help="seconds allowed per run")
    parser.add_argument("--only", choices=["digitize", "ocrmypdf"], help="run one tool only")
    args = parser.parse_args()

    tools = [args.only] if args.only else ["digitize", "ocrmypdf"]
    if "ocrmypdf" in tools and not OCRMYPDF.exists():
        print(f"OCRmyPDF not found at {OCRMYPDF}; run: bash bench/setup.sh", file=sys.stderr)
        return 2
    source, truth = make_input(args.pages, args.seed)
    expected = truth_pages(truth)
    print(f"input: {source.relative_to(REPO)} ({len(expected)} pages), {os.cpu_count()} cores")
    runs: list[Run] = []
    for round_number in range(args.rounds):
        order = tools if round_number % 2 == 0 else list(reversed(tools))
        for tool in order:
            out_dir = Path(tempfile.mkdtemp(prefix=f"bench-{tool}-"))
            load = os.getloadavg()[0]
            cpu_before = _children_cpu_seconds()
            figures, output = run_tool(tool, source, out_dir, args.jobs, args.timeout)
            cpu = _children_cpu_seconds() - cpu_before
            ok = figures.returncode == 0 and output.exists()
            error_rate = text_layer_cer(output, expected) if output.exists() else 1.0
            run = Run(
                tool,
                round_number + 1,
                len(expected),
                round(figures.seconds, 2),
                round(len(expected) / figures.seconds * 60, 2),
                round(figures.peak_pss_mb, 1),
                round(figures.peak_rss_mb, 1),
                round(cpu / len(expected), 3),
                round(load, 2),
                round(error_rate, 5),
                ok,
            )
            runs.append(run)
            print(
                f"  round {run.round} {tool:<9} {run.seconds:8.1f} s"
                f"  {run.pages_per_minute:6.1f} pages/min"
                f"  peak {run.peak_pss_mb:6.0f} MB PSS ({run.peak_rss_mb:.0f} MB RSS)"
                f"  CER {run.cer * 100:5.2f} %"
                f"  {run.cpu_seconds_per_page:.2f} CPU s/page  load {run.load_at_start:.1f}"
                + ("" if ok else "  FAILED")
            )
            shutil.rmtree(out_dir, ignore_errors=True)

    print()
    print(
        f"{'tool':<10}{'pages/min':>10}{'peak MB':>9}{'CER %':>8}{'CPU s/page':>12}"
        "   (median pages/min, max memory, mean CER, median CPU)"
    )
    summary: dict[str, dict[str, float]] = {}
    for tool in tools:
        mine = [r for r in runs if r.tool == tool]
        summary[tool] = {
            "pages_per_minute": statistics.median(r.pages_per_minute for r in mine),
            "peak_pss_mb": max(r.peak_pss_mb for r in mine),
            "cer": statistics.mean(r.cer for r in mine),
            "cpu_seconds_per_page": statistics.median(r.cpu_seconds_per_page for r in mine),
        }
        s = summary[tool]
        print(
            f"{tool:<10}{s['pages_per_minute']:>10.1f}"
            f"{s['peak_pss_mb']:>9.0f}{s['cer'] * 100:>8.2f}{s['cpu_seconds_per_page']:>12.2f}"
        )
    if len(tools) == 2:
        ratio = summary["digitize"]["pages_per_minute"] / summary["ocrmypdf"]["pages_per_minute"]
        cpu_ratio = (
            summary["ocrmypdf"]["cpu_seconds_per_page"]
            / summary["digitize"]["cpu_seconds_per_page"]
        )
        print(f"\ndigitize / OCRmyPDF speed: {ratio:.2f}x (CPU per page: {cpu_ratio:.2f}x less)")
    RESULTS.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    record = RESULTS / f"compare-{args.pages}p-{stamp}.json"
    record.write_text(json.dumps({"runs": [asdict(r) for r in runs], "summary": summary}, indent=1))
    print(f"figures saved to {record.relative_to(REPO)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
