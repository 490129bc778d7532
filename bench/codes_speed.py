"""Milliseconds per page for `read_codes` on synthetic A4 pages (the pages of
tests/test_codes.py): no code, one or two codes, a damaged one, several resolutions.

    .venv/bin/python bench/codes_speed.py [--repeat N]

Prints the fastest and the median of N runs per case: the fastest is what the code
costs, the median what it costs on this machine as loaded now.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from digitize.imaging.codes import read_codes  # noqa: E402
from tests.synthetic import a4_size, text_page  # noqa: E402
from tests.test_codes import (  # noqa: E402
    DOSSIER,
    RECEIPT_QR,
    code128_image,
    place,
    qr_image,
    receipt_page,
    smear,
)


def blank(dpi: int) -> np.ndarray:
    width, height = a4_size(dpi)
    return np.full((height, width), 250, np.uint8)


def smeared_qr(dpi: int) -> np.ndarray:
    page, placed = receipt_page(dpi, code128=False)
    smear(page, placed[0][2], 0.3)
    return page


def small_codes(dpi: int) -> np.ndarray:
    # 0.3 mm modules, 0.15 mm bars: read again from the full resolution
    page = text_page(dpi)
    place(page, qr_image(RECEIPT_QR, dpi, module_mm=0.3), 20, 185, dpi)
    place(page, code128_image(DOSSIER, dpi, module_mm=0.15), 100, 190, dpi)
    return page


CASES: list[tuple[str, int, Callable[[int], np.ndarray]]] = [
    ("blank", 300, blank),
    ("text, no code", 300, text_page),
    ("text + QR", 300, lambda dpi: receipt_page(dpi, code128=False)[0]),
    ("text + QR + Code 128", 300, lambda dpi: receipt_page(dpi)[0]),
    ("text + smeared QR", 300, smeared_qr),
    ("text, no code", 200, text_page),
    ("text + QR + Code 128", 200, lambda dpi: receipt_page(dpi)[0]),
    ("blank", 600, blank),
    ("text + QR + Code 128", 600, lambda dpi: receipt_page(dpi)[0]),
    ("small codes", 600, small_codes),
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=15, help="runs per case (default 15)")
    args = parser.parse_args()
    print(f"{'case':28s} {'dpi':>4s} {'found':>6s} {'min ms':>8s} {'median ms':>10s}")
    for name, dpi, make in CASES:
        page = make(dpi)
        found = read_codes(page, dpi)  # warm-up, and what it finds
        times = []
        for _ in range(args.repeat):
            start = time.perf_counter()
            read_codes(page, dpi)
            times.append((time.perf_counter() - start) * 1000)
        print(
            f"{name:28s} {dpi:4d} {len(found):6d} {min(times):8.1f} "
            f"{statistics.median(times):10.1f}"
        )


if __name__ == "__main__":
    main()
