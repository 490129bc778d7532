"""What the copy with legal value costs (issue 19): the digitiser's mark, the metadata and
the unit's signature, per document and per page, in time and bytes.

Each round assembles the same documents three ways, side by side, in alternating order:

    plain   the searchable PDF/A as before
    marked  plus the XMP metadata and the mark on page 1
    signed  plus the unit's PAdES signature (a test certificate made here, RSA 2048)

and prints the median time per document, the extra time per page, and the bytes added.
The pages are synthetic A4 scans at 200 dpi (grey JPEG, a few lines of Vietnamese text
in the text layer), so the figures are about the PDF work, not OCR.

    .venv/bin/python bench/copies.py --documents 10 --pages 1 3 10 --rounds 3
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from digitize.pdf import DocumentMetadata, PageSource, assemble_pdf, write_page_pdf  # noqa: E402
from digitize.pdf.mark import DigitiserMark  # noqa: E402
from digitize.pdf.sign import UnitSigner  # noqa: E402
from digitize.records import COPY_SCHEMA, CopyMetadata  # noqa: E402
from digitize.results import ColourMode, Line, OcrText, Word  # noqa: E402
from tests.pki import PASSWORD, make_ca, make_unit_p12  # noqa: E402


def _page(directory: Path, number: int) -> PageSource:
    rng = np.random.default_rng(number)
    grey = np.full((2339, 1654), 235, np.uint8)
    lines = []
    for row in range(8):
        top = 300 + row * 120
        grey[top : top + 40, 200:1400] = rng.integers(0, 80, (40, 1200), dtype=np.uint8)
        words = tuple(
            Word(text, (200 + 300 * i, top, 440 + 300 * i, top + 40), 0.9)
            for i, text in enumerate(("Họ", "và", "tên", "Nguyễn"))
        )
        lines.append(Line(words, (200, top, 1340, top + 40)))
    path = directory / f"page-{number:03d}.pdf"
    write_page_pdf(grey, colour_mode=ColourMode.GREY, dpi=200, text=OcrText(tuple(lines)),
                   path=path)  # fmt: skip
    return PageSource(path)


def _assemble(way: str, pages: list[PageSource], out: Path, signer: UnitSigner) -> float:
    metadata = DocumentMetadata(title="Tờ khai", created=datetime.now(UTC))
    extra: dict[str, object] = {}
    if way in ("marked", "signed"):
        values = CopyMetadata("to_khai_dang_ky_khai_sinh", "Tờ khai", page_count=len(pages))
        extra["xmp"] = (COPY_SCHEMA, values.xmp_values())
        extra["mark"] = DigitiserMark("UBND xã Hòa Bình", "Trần Thị Ánh", metadata.created)
    if way == "signed":
        extra["signer"] = signer
    started = time.perf_counter()
    assemble_pdf(pages, out, metadata=metadata, **extra)  # type: ignore[arg-type]
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--documents", type=int, default=10, help="documents per round and size")
    parser.add_argument("--pages", type=int, nargs="+", default=[1, 3, 10], help="pages each")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    print(f"load: {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f}, cores: {os.cpu_count()}")
    with tempfile.TemporaryDirectory(prefix="bench-copies-") as work_dir:
        work = Path(work_dir)
        signer = UnitSigner.load(make_unit_p12(make_ca(), work / "unit.p12"), PASSWORD)
        pages = [_page(work, n) for n in range(max(args.pages))]
        ways = ["plain", "marked", "signed"]
        _assemble("signed", pages[:1], work / "warm.pdf", signer)  # imports, font, pyHanko
        print(f"{'pages':>5} {'way':>7} {'ms/doc':>8} {'+ms/doc':>8} {'+ms/page':>9} "
              f"{'bytes':>9} {'+bytes':>7}")  # fmt: skip
        for count in args.pages:
            times: dict[str, list[float]] = {w: [] for w in ways}
            sizes: dict[str, int] = {}
            for round_number in range(args.rounds):
                order = ways if round_number % 2 == 0 else ways[::-1]
                for n in range(args.documents):
                    for way in order:
                        out = work / f"{way}-{n}.pdf"
                        times[way].append(_assemble(way, pages[:count], out, signer))
                        sizes[way] = out.stat().st_size
            base = statistics.median(times["plain"]) * 1000
            for way in ways:
                ms = statistics.median(times[way]) * 1000
                extra = ms - base
                print(f"{count:>5} {way:>7} {ms:>8.1f} {extra:>8.1f} {extra / count:>9.1f} "
                      f"{sizes[way]:>9} {sizes[way] - sizes['plain']:>7}")  # fmt: skip
    print(f"load after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
