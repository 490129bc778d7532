"""Orientation, skew and OCR quality on real official forms (issue 14's targets).

Every page of ../shared/real-forms/pdf is rendered by pdftoppm at 200 and 300 dpi,
clean and with the project's scanner damage (samples/degrade.py: paper tint, a
1.2° skew, blur, noise, specks, an earlier JPEG generation), then fed in all four
orientations. For each it prints whether digitize turned the page upright, and the
character error rate (against the form's own text, pdftotext) of digitize's text
next to bare Tesseract's (`tesseract IMAGE - -l vie`, its defaults) on the same
upright image. Targets: 0 wrong rotations; no page worse than bare Tesseract by more
than 1 CER point.

    .venv/bin/python bench/real_forms.py                  # everything (CPU-heavy)
    .venv/bin/python bench/real_forms.py --geometry-only  # rotations and skews only
    .venv/bin/python bench/real_forms.py --upright-only   # CER of the 100 upright images

OCR of a fed page is skipped when the page came out with the same turn and skew as
the upright feed (the same pixels up to resampling): its text is the upright feed's.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from digitize.inputs import ScannedPage  # noqa: E402
from digitize.metrics import cer  # noqa: E402
from digitize.ocr import TesseractEngine  # noqa: E402
from digitize.pipeline import PipelineOptions, ocr_input, prepare_page, recognise  # noqa: E402
from digitize.results import ColourMode  # noqa: E402
from samples import degrade  # noqa: E402

FORMS = REPO.parent / "shared" / "real-forms" / "pdf"
TURNS = (0, 90, 180, 270)


@dataclass(frozen=True)
class Feed:
    form: str
    page: int
    dpi: int
    damaged: bool


def render(pdf: Path, page: int, dpi: int) -> np.ndarray:
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder) / "p"
        subprocess.run(
            ["pdftoppm", "-gray", "-r", str(dpi), "-f", str(page), "-l", str(page),
             "-singlefile", str(pdf), str(root)],
            check=True, timeout=120,
        )  # fmt: skip
        return np.asarray(Image.open(root.with_suffix(".pgm")).convert("L")).copy()


def damage(grey: np.ndarray, dpi: int, seed: int) -> np.ndarray:
    """The scanner's work on a sheet, as samples/scan.py applies it."""
    rng = np.random.default_rng(seed)
    image = Image.fromarray(grey).convert("RGB")
    image = degrade.paper_tint(image, (242, 236, 222), rng)
    image = degrade.skew(image, 1.2, degrade.WHITE_LID, 0)
    image = degrade.blur(image, dpi / 250)
    image = degrade.gaussian_noise(image, 6.0, rng)
    image = degrade.speckles(image, 40, rng, max_radius_px=max(1, dpi // 100))
    image = degrade.jpeg_roundtrip(image, 70)
    return np.asarray(image.convert("L")).copy()


def bare_tesseract(grey: np.ndarray, dpi: int) -> str:
    with tempfile.NamedTemporaryFile(suffix=".png") as file:
        Image.fromarray(grey).save(file.name, dpi=(dpi, dpi))
        out = subprocess.run(
            ["tesseract", file.name, "-", "-l", "vie", "--dpi", str(dpi)],
            capture_output=True, timeout=300, check=True,
            env={**os.environ, "OMP_THREAD_LIMIT": "1"},
        )  # fmt: skip
    return out.stdout.decode("utf-8")


def truth_text(pdf: Path, page: int) -> str:
    out = subprocess.run(
        ["pdftotext", "-q", "-enc", "UTF-8", "-f", str(page), "-l", str(page), str(pdf), "-"],
        capture_output=True, timeout=60, check=True,
    )  # fmt: skip
    return out.stdout.decode("utf-8")


def page_count(pdf: Path) -> int:
    out = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True)
    return int(
        next(line.split()[-1] for line in out.stdout.splitlines() if line.startswith("Pages:"))
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--geometry-only", action="store_true", help="no OCR: rotations only")
    parser.add_argument(
        "--upright-only", action="store_true", help="feed each page upright only (CER check)"
    )
    parser.add_argument("--dpi", type=int, nargs="+", default=[200, 300], help="render dpi")
    parser.add_argument("--forms", type=Path, default=FORMS, help="folder of form PDFs")
    args = parser.parse_args()
    print(f"load at start: {os.getloadavg()[0]:.2f}", flush=True)
    options = PipelineOptions(read_codes=False)
    engine = TesseractEngine(timeout=300)  # also settles up/down on unclear pages
    wrong: list[str] = []
    failed_skews: list[str] = []
    worse: list[str] = []
    feeds = checked = 0
    cers: list[tuple[float, float]] = []
    started = time.perf_counter()
    for pdf in sorted(args.forms.glob("*.pdf")):
        for number in range(1, page_count(pdf) + 1):
            truth = "" if args.geometry_only else truth_text(pdf, number)
            for dpi in args.dpi:
                clean = render(pdf, number, dpi)
                for damaged in (False, True):
                    upright = damage(clean, dpi, seed=number * 1000 + dpi) if damaged else clean
                    feed = Feed(pdf.stem, number, dpi, damaged)
                    name = f"{feed.form} p{number} {dpi}dpi {'damaged' if damaged else 'clean'}"
                    bare = None if args.geometry_only else cer(truth, bare_tesseract(upright, dpi))
                    reference: tuple[int, float, str] | None = None
                    marks = []
                    for turn in (0,) if args.upright_only else TURNS:
                        fed = np.ascontiguousarray(np.rot90(upright, k=turn // 90))
                        prepared = prepare_page(
                            ScannedPage(fed, float(dpi), False, ColourMode.GREY),
                            options,
                            engine=engine,
                        )
                        geometry = prepared.geometry
                        feeds += 1
                        ok = geometry.rotation == turn
                        if not ok:
                            wrong.append(f"{name} fed {turn}: turned {geometry.rotation}")
                        if "not applied" in geometry.note or "not measured" in geometry.note:
                            failed_skews.append(f"{name} fed {turn}: {geometry.note}")
                        if "OCR" in geometry.note:
                            checked += 1
                        marks.append(f"{turn}->{geometry.rotation} {geometry.skew_deg:+.2f}")
                        if args.geometry_only:
                            continue
                        same = (
                            reference is not None
                            and ok
                            and reference[0] == 0
                            and abs(reference[1] - geometry.skew_deg) < 0.05
                        )
                        if same and reference is not None:
                            text = reference[2]
                        else:
                            job = ocr_input(prepared)
                            text = "" if job is None else recognise(job, engine).text
                        if reference is None:
                            reference = (0 if ok else 1, geometry.skew_deg, text)
                        mine = cer(truth, text)
                        cers.append((mine, bare or 0.0))
                        if bare is not None and mine > bare + 0.01:
                            worse.append(
                                f"{name} fed {turn}: CER {100 * mine:.1f} % against "
                                f"bare Tesseract's {100 * bare:.1f} %"
                            )
                    line = f"{name}: " + ", ".join(marks)
                    if bare is not None:
                        line += f"; bare Tesseract CER {100 * bare:.1f} %"
                    print(line, flush=True)
    print(f"\n{feeds} pages fed, {time.perf_counter() - started:.0f} s, "
          f"load now {os.getloadavg()[0]:.2f}")  # fmt: skip
    print(f"pages whose up/down was settled by reading them both ways: {checked}")
    print(f"wrong rotations: {len(wrong)}")
    for item in wrong:
        print(f"  {item}")
    print(f"skews at the edge of the search (not applied): {len(failed_skews)}")
    for item in failed_skews:
        print(f"  {item}")
    if not args.geometry_only:
        mean_mine = 100 * sum(m for m, _ in cers) / len(cers)
        mean_bare = 100 * sum(b for _, b in cers) / len(cers)
        print(f"mean CER: digitize {mean_mine:.2f} %, bare Tesseract {mean_bare:.2f} %")
        print(f"pages worse than bare Tesseract by > 1 CER point: {len(worse)}")
        for item in worse:
            print(f"  {item}")
    engine.close()
    return 0 if not wrong and not worse else 1


if __name__ == "__main__":
    sys.exit(main())
