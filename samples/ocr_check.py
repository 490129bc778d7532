"""Check that clean renders read back under real Tesseract (`vie`): prints the character
error rate of each page against its truth text. Not used by the tests (it needs the
tesseract binary and takes seconds per page).

    python -m samples.ocr_check --dpi 300 --font "Liberation Serif" --font "DejaVu Sans"
    python -m samples.ocr_check --sample-set
    python -m samples.ocr_check --template can_cuoc_cong_dan --psm 6   # as digitize reads

CER is the Levenshtein distance over the truth length, after collapsing whitespace
(Tesseract separates blocks by blank lines). "CER without leaders" also turns every run
of three or more dots into a space, since the count of leader dots is noise to a reader.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from rapidfuzz.distance import Levenshtein

from samples.people import make_case
from samples.render import FONTS, RenderedDocument, render
from samples.sample_set import SAMPLE_SET
from samples.scan import case_for, render_spec
from samples.templates import TEMPLATES
from samples.vntext import nfc

# Runs of three or more leader characters count as one space, however many the OCR saw.
_LEADERS = re.compile(r"[.…·_]{3,}")


def normalise(text: str, leaders: bool = True) -> str:
    text = nfc(text)
    if not leaders:
        text = _LEADERS.sub(" ", text)
    return " ".join(text.split())


def cer(truth: str, read: str, leaders: bool = True) -> float:
    a, b = normalise(truth, leaders), normalise(read, leaders)
    return Levenshtein.distance(a, b) / max(1, len(a))


def tesseract(image: Path, psm: int = 3) -> str:
    env = dict(os.environ, OMP_THREAD_LIMIT="1")
    out = subprocess.run(
        ["tesseract", str(image), "-", "-l", "vie", "--psm", str(psm)],
        capture_output=True,
        check=True,
        env=env,
    )
    return out.stdout.decode("utf-8")


def _documents(args: argparse.Namespace) -> Iterator[tuple[str, str, int, RenderedDocument]]:
    if args.sample_set:
        for spec in SAMPLE_SET:
            yield spec.font, spec.template, spec.dpi, render_spec(spec, case_for(spec, args.seed))
        return
    for font in args.font or sorted(FONTS):
        for key in args.template or list(TEMPLATES):
            template = TEMPLATES[key]
            case = make_case(
                random.Random(f"{args.seed}:{key}"),
                template.procedure,
                young_family=template.young_family,
            )
            yield font, key, args.dpi, render(template, case, font=font, dpi=args.dpi)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m samples.ocr_check",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--dpi", type=int, default=300)
    parser.add_argument(
        "--font",
        action="append",
        choices=sorted(FONTS),
        help="font family (repeatable; default: all)",
    )
    parser.add_argument(
        "--template",
        action="append",
        choices=sorted(TEMPLATES),
        help="template key (repeatable; default: all)",
    )
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--psm",
        type=int,
        default=3,
        help="Tesseract page segmentation mode (default 3; digitize itself uses 6)",
    )
    parser.add_argument("--show", action="store_true", help="print what Tesseract read")
    parser.add_argument(
        "--sample-set",
        action="store_true",
        help="check the committed set's documents instead (same case, font "
        "and dpi), rendered clean and upright (ignores --dpi/--font/--template)",
    )
    args = parser.parse_args(argv)

    jobs = []
    with tempfile.TemporaryDirectory() as tmp:
        for font, key, dpi, document in _documents(args):
            for page in document.pages:
                path = Path(tmp) / f"{key}-{font.replace(' ', '')}-{dpi}-{page.number}.png"
                page.image.save(path, dpi=(dpi, dpi))
                jobs.append((font, f"{key} @{dpi}", page.number, page.text, path))
        with ThreadPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
            reads = list(pool.map(lambda job: tesseract(job[4], args.psm), jobs))

    total = [0.0, 0.0, 0]
    print(f"{'font':18} {'template':34} page  CER   CER without leaders")
    for (font, key, number, truth, _), read in zip(jobs, reads, strict=True):
        raw, clean = cer(truth, read), cer(truth, read, leaders=False)
        n = len(normalise(truth))
        total[0] += raw * n
        total[1] += clean * n
        total[2] += n
        print(f"{font:18} {key:34} {number:4}  {raw:6.2%} {clean:6.2%}")
        if args.show:
            print(read)
    print(
        f"overall (weighted by length): CER {total[0] / total[2]:.2%}, "
        f"without leaders {total[1] / total[2]:.2%}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
