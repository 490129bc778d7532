"""What reading tables costs the OCR stage per page (issue 13), side by side in-process.

    .venv/bin/python bench/tables_cost.py SCAN [SCAN ...] [--repeat N] [--ocr]

For each page of each scan (normalised once with `prepare_page`), times the OCR input
as it was before tables were read (binarise, erase rules, erase leaders, crop) against
as it is now (the same, the rules found once, the table grids taken from them and the
tables' dotted and broken lines erased), alternating, the fastest of N runs each. With
`--ocr`, also Tesseract on each before and after (`recognise`: now with any table cell
that has ink but no word read alone). Prints one line per
page and the totals for pages with and without a table.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

import numpy as np  # noqa: E402

from digitize.imaging.binarise import binarise, ink_box  # noqa: E402
from digitize.imaging.common import px  # noqa: E402
from digitize.imaging.leaders import Leader, erase_leaders, restore_leaders  # noqa: E402
from digitize.imaging.rules import erase_rules  # noqa: E402
from digitize.inputs import ReadLimits, count_pages, read_page  # noqa: E402
from digitize.ocr import TesseractEngine  # noqa: E402
from digitize.ocr.noise import drop_noise  # noqa: E402
from digitize.pipeline import (  # noqa: E402
    PipelineOptions,
    ocr_input,
    prepare_page,
    recognise,
)


def _before(grey: np.ndarray, dpi: float) -> tuple[np.ndarray, list[Leader]] | None:
    """`ocr_input` of commit 742ea09, for a page already near 300 dpi: the crop and its
    leaders."""
    black_white = binarise(grey, dpi)
    erase_rules(black_white, dpi)
    leaders = erase_leaders(black_white, dpi)
    box = ink_box(black_white, margin=px(8.0, dpi))
    if box is None:
        return None
    x0, y0, x1, y1 = box
    crop = np.ascontiguousarray(black_white[y0:y1, x0:x1])
    return crop, [leader.shifted(-x0, -y0) for leader in leaders]


def _timed(run: Callable[..., object], *args: object) -> float:
    start = time.perf_counter()
    run(*args)
    return time.perf_counter() - start


def _old_ocr(before: tuple[np.ndarray, list[Leader]], dpi: int, engine: TesseractEngine) -> object:
    """`recognise` of commit 742ea09 on its own OCR input."""
    image, leaders = before
    return restore_leaders(drop_noise(engine.recognise(image, dpi), dpi), leaders)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("scans", type=Path, nargs="+")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--ocr", action="store_true", help="also time Tesseract before/after")
    args = parser.parse_args()
    engine = TesseractEngine() if args.ocr else None
    # with a table? -> pages, input before, input after, OCR before, OCR after (seconds)
    totals: dict[bool, list[float]] = {True: [0.0] * 5, False: [0.0] * 5}
    for scan in args.scans:
        for index in range(count_pages(scan, ReadLimits())):
            page = read_page(scan, index, ReadLimits(), keep_text_layer=False)
            prepared = prepare_page(page, PipelineOptions())  # type: ignore[arg-type]
            if prepared.blank or not 190 <= prepared.dpi <= 400:
                continue
            times = [float("inf")] * 4
            for _ in range(args.repeat):  # alternating, the fastest of each
                times[0] = min(times[0], _timed(_before, prepared.grey.copy(), prepared.dpi))
                times[1] = min(times[1], _timed(ocr_input, prepared))
            job = ocr_input(prepared)
            if job is None:
                continue
            row = totals[bool(job.tables)]
            line = f"{scan.name} p{index + 1}: tables {len(job.tables)}, OCR input "
            line += f"{1000 * times[0]:.0f} -> {1000 * times[1]:.0f} ms"
            old_input = _before(prepared.grey.copy(), prepared.dpi)
            if engine is not None and old_input is not None:
                for _ in range(2):
                    times[2] = min(times[2], _timed(_old_ocr, old_input, job.dpi, engine))
                    times[3] = min(times[3], _timed(recognise, job, engine))
                line += f"; OCR {1000 * times[2]:.0f} -> {1000 * times[3]:.0f} ms"
            print(line, flush=True)
            row[0] += 1
            for k in range(4 if engine is not None else 2):
                row[k + 1] += times[k]
    for has, (n, before, after, plain, full) in totals.items():
        if not n:
            continue
        kind = "with a table" if has else "without a table"
        line = f"{n:.0f} pages {kind}: OCR input {1000 * before / n:.0f} -> "
        line += f"{1000 * after / n:.0f} ms/page"
        if plain:
            line += f"; OCR {1000 * plain / n:.0f} -> {1000 * full / n:.0f} ms/page"
            line += f"; input + OCR {100 * ((after + full) / (before + plain) - 1):+.1f} %"
        print(line)
    if engine is not None:
        engine.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
