"""Bulk-scan stacks: pages per minute and peak memory of `digitize process` on stacks of
several lengths, and whether the split came out right.

    .venv/bin/python bench/stack.py --dossiers 25 75        # about 100 and 300 pages

Each stack is made by the sample generator (`--stack`, cached in bench/work/), its
records imported into a fresh database, then digitised with the default settings.
Peak memory is the whole process tree's PSS, sampled every 50 ms (bench/memory.py);
it should not grow with the stack's length. The load average (1 minute) before and
after each run is printed too: on a machine shared with other work, pages per minute
are only as good as it was quiet. `--keep DIR` keeps each run's output there;
`--folder` digitises each stack as a folder of one-page TIFFs (`process --stack`);
`--pdf PAGES` adds runs on ordinary multi-page PDFs, no stacks (the generator's
`--bench-pdf` of that many pages, seed 7, without its one-stop receipts), whose memory
must not grow either.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import pikepdf
from PIL import Image, ImageSequence

from bench.memory import measure
from digitize.understand.evaluation import accuracy, score_stack

REPO = Path(__file__).resolve().parent.parent
WORK = REPO / "bench" / "work"
DIGITIZE = Path(sys.executable).parent / "digitize"


def make_stack(dossiers: int, seed: int) -> Path:
    path = WORK / f"stack-{dossiers}d-seed{seed}.tif"
    if not path.exists():
        WORK.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            [sys.executable, "-m", "samples.generate", "--stack", str(path),
             "--dossiers", str(dossiers), "--seed", str(seed), "--format", "tiff",
             "--leading-strays", "1"],
            cwd=REPO, check=True,
        )  # fmt: skip
    return path


def make_plain_pdf(pages: int) -> Path:
    """A scanned PDF of typed forms with no dossier boundary: the generator's bench PDF
    (as bench/compare_ocrmypdf.py uses) without its one-stop receipts."""
    bench = WORK / f"bench-{pages}p-seed7.pdf"
    if not bench.exists():
        WORK.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            [sys.executable, "-m", "samples.generate", "--bench-pdf", str(bench),
             "--pages", str(pages), "--seed", "7"],
            cwd=REPO, check=True,
        )  # fmt: skip
    path = WORK / f"plain-{pages}p-seed7.pdf"
    if not path.exists():
        truth = json.loads(Path(f"{bench}.json").read_text(encoding="utf-8"))
        with pikepdf.open(bench) as source, pikepdf.new() as plain:
            for page, page_truth in zip(source.pages, truth["pages"], strict=True):
                if page_truth.get("doc_type") != "giay_tiep_nhan_ho_so":
                    plain.pages.append(page)
            plain.save(path)
    return path


def as_folder(stack: Path) -> Path:
    """The stack's pages as one-page TIFFs page1.tif ... pageN.tif in a folder beside it."""
    folder = stack.with_suffix(".pages")
    if not folder.is_dir():
        folder.mkdir()
        with Image.open(stack) as tiff:
            for number, frame in enumerate(ImageSequence.Iterator(tiff), 1):
                frame.save(
                    folder / f"page{number}.tif", compression="group4", dpi=frame.info["dpi"]
                )
    return folder


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--dossiers", type=int, nargs="*", default=[25, 75], help="stack sizes in dossiers"
    )
    parser.add_argument("--seed", type=int, default=3, help="sample generator seed")
    parser.add_argument("--timeout", type=float, default=3600, help="seconds per run")
    parser.add_argument("--keep", type=Path, metavar="DIR", help="keep each run's output here")
    parser.add_argument(
        "--folder", action="store_true", help="digitise each stack as a folder of page images"
    )
    parser.add_argument(
        "--pdf", type=int, nargs="+", default=[], metavar="PAGES",
        help="also ordinary multi-page PDFs (no stacks) of these page counts",
    )  # fmt: skip
    args = parser.parse_args()
    print(
        f"{'dossiers':>8} {'pages':>6} {'seconds':>8} {'pages/min':>9} {'peak MB':>8} "
        f"{'load':>9}  split"
    )
    for dossiers in args.dossiers:
        stack = make_stack(dossiers, args.seed)
        truth = json.loads(Path(f"{stack}.json").read_text(encoding="utf-8"))
        pages = len(truth["pages"])
        source, extra = (as_folder(stack), ["--stack"]) if args.folder else (stack, [])
        with tempfile.TemporaryDirectory(prefix="bench-stack-") as temp:
            env = {**os.environ, "DIGITIZE_DATA_DIR": str(Path(temp) / "data")}
            records = stack.with_name(f"{stack.stem}.records.json")
            subprocess.run(
                [str(DIGITIZE), "records", "import", str(records)],
                env=env, check=True, capture_output=True,
            )  # fmt: skip
            out = Path(temp) / "out" if args.keep is None else args.keep / source.name
            load_before = os.getloadavg()[0]
            figures = measure(
                [
                    str(DIGITIZE),
                    "process",
                    str(source),
                    *extra,
                    "--out",
                    str(out),
                    "--quiet",
                    "--link-records",
                ],
                timeout=args.timeout,
                env=env,
            )
            load_after = os.getloadavg()[0]
            stem = source.name if source.is_dir() else source.stem  # a folder's whole name
            result = json.loads((out / f"{stem}.json").read_text(encoding="utf-8"))
        scores = score_stack(truth, result)
        split = ", ".join(
            f"{name} {100 * (accuracy(scores, name) or 0):.0f} %"
            for name in ("boundaries", "codes", "documents", "review flags")
        )
        print(
            f"{dossiers:>8} {pages:>6} {figures.seconds:>8.1f} "
            f"{60 * pages / figures.seconds:>9.1f} {figures.peak_pss_mb:>8.0f} "
            f"{load_before:>4.1f}-{load_after:<4.1f}  {split}"
        )
        for miss in scores["misses"][:10]:
            print(f"    miss: {miss}")
    for pages in args.pdf:
        source = make_plain_pdf(pages)
        with tempfile.TemporaryDirectory(prefix="bench-stack-") as temp:
            env = {**os.environ, "DIGITIZE_DATA_DIR": str(Path(temp) / "data")}
            out = Path(temp) / "out" if args.keep is None else args.keep / source.name
            load_before = os.getloadavg()[0]
            figures = measure(
                [str(DIGITIZE), "process", str(source), "--out", str(out), "--quiet"],
                timeout=args.timeout,
                env=env,
            )
            load_after = os.getloadavg()[0]
            result = json.loads((out / f"{source.stem}.json").read_text(encoding="utf-8"))
        pages = len(result["pages"])
        print(
            f"{'-':>8} {pages:>6} {figures.seconds:>8.1f} "
            f"{60 * pages / figures.seconds:>9.1f} {figures.peak_pss_mb:>8.0f} "
            f"{load_before:>4.1f}-{load_after:<4.1f}  no stack: {len(result['documents'])} "
            f"documents, {len(result.get('dossiers', []))} dossiers"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
