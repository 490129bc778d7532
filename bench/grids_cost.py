"""What reading digit grids box by box costs per page (issue 13), side by side in-process.

    .venv/bin/python bench/grids_cost.py SCAN [SCAN ...] [--repeat N]

For each page of each scan (normalised once with `prepare_page`), times the OCR input
without digit grids (`find_digit_grids` left out) against with them, and OCR
(`recognise`) on the same input without the grids against with them (each box read
alone), alternating, the fastest of N runs each. Prints one line per page and the
totals for pages with and without a grid.
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
import time
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from digitize import pipeline  # noqa: E402
from digitize.inputs import ReadLimits, count_pages, read_page  # noqa: E402
from digitize.ocr import TesseractEngine  # noqa: E402
from digitize.pipeline import PipelineOptions, ocr_input, prepare_page, recognise  # noqa: E402


def _timed(run: Callable[..., object], *args: object) -> float:
    start = time.perf_counter()
    run(*args)
    return time.perf_counter() - start


def _input_without_grids(prepared: pipeline.PreparedPage) -> object:
    finder = pipeline.find_digit_grids
    pipeline.find_digit_grids = lambda masks, dpi: []  # type: ignore[assignment]
    try:
        return ocr_input(prepared)
    finally:
        pipeline.find_digit_grids = finder


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("scans", type=Path, nargs="+")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    engine = TesseractEngine()
    # with a grid? -> pages, input without, input with, OCR without, OCR with (seconds)
    totals: dict[bool, list[float]] = {True: [0.0] * 5, False: [0.0] * 5}
    boxes = 0
    for scan in args.scans:
        for index in range(count_pages(scan, ReadLimits())):
            page = read_page(scan, index, ReadLimits(), keep_text_layer=False)
            prepared = prepare_page(page, PipelineOptions())  # type: ignore[arg-type]
            if prepared.blank:
                continue
            job = ocr_input(prepared)
            if job is None:
                continue
            plain = dataclasses.replace(job, grids=())
            recognise(job, engine)  # children started, box reader too
            times = [float("inf")] * 4
            for _ in range(args.repeat):  # alternating, the fastest of each
                times[0] = min(times[0], _timed(_input_without_grids, prepared))
                times[1] = min(times[1], _timed(ocr_input, prepared))
                times[2] = min(times[2], _timed(recognise, plain, engine))
                times[3] = min(times[3], _timed(recognise, job, engine))
            count = sum(len(g.boxes) for g in job.grids)
            boxes += count
            print(
                f"{scan.name} p{index + 1}: {len(job.grids)} grids, {count} boxes; "
                f"OCR input {1000 * times[0]:.0f} -> {1000 * times[1]:.0f} ms; "
                f"OCR {1000 * times[2]:.0f} -> {1000 * times[3]:.0f} ms",
                flush=True,
            )
            row = totals[bool(job.grids)]
            row[0] += 1
            for k in range(4):
                row[k + 1] += times[k]
    for has, (n, before, after, plain_ocr, full) in totals.items():
        if not n:
            continue
        kind = "with a digit grid" if has else "without a digit grid"
        print(
            f"{n:.0f} pages {kind}: OCR input {1000 * before / n:.0f} -> "
            f"{1000 * after / n:.0f} ms/page; OCR {1000 * plain_ocr / n:.0f} -> "
            f"{1000 * full / n:.0f} ms/page; input + OCR "
            f"{100 * ((after + full) / (before + plain_ocr) - 1):+.1f} %"
        )
    print(f"boxes read: {boxes}")
    engine.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
