"""Understanding on the development set of issue 13, again from stored OCR, in-process.

    .venv/bin/python -m samples.real_forms /tmp/dev            # the set (real forms read
                                                               # from ../shared/real-forms)
    .venv/bin/digitize process /tmp/dev/tuned/scans --out /tmp/ocr/tuned   # and heldout, blank
    .venv/bin/python bench/understanding_dev.py /tmp/dev /tmp/ocr [--out /tmp/redone]
        [--repeat N] [--json FILE]

The OCR is made once; this redoes classification and fields from the stored page text
(as `digitize understand` does) with the code as it is now, scores every split as
`digitize evaluate` does, and times understanding per page in this process (the
fastest of N runs: what the code costs; the median: what it cost on this machine as
loaded now). Two versions of the code compare on the same pages and the same load when
run one after the other.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from cli.process import load_knowledge  # noqa: E402
from config import Settings  # noqa: E402
from digitize.imaging.handwriting import pdf_page_ink  # noqa: E402
from digitize.results import PageReport  # noqa: E402
from digitize.understand import load_catalogue, page_from_report  # noqa: E402
from digitize.understand.evaluation import (  # noqa: E402
    BLANK_SURE,
    HAND_FLAGGED,
    SURE,
    TYPED_NOT_HAND,
    score_results,
    silent_error_rate,
)
from digitize.understand.fields import forget_sections  # noqa: E402
from digitize.understand.files import understand_file  # noqa: E402
from digitize.understand.vietnamese import forget_folds  # noqa: E402

SPLITS = ("heldout", "unseen", "tuned", "blank")
HEADLINE = (
    "document type",
    "procedure",
    "fields (all)",
    "ID numbers",
    SURE,
    BLANK_SURE,
    HAND_FLAGGED,
    TYPED_NOT_HAND,
)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("dev", type=Path, help="the set: DEV/<split>/truth")
    parser.add_argument("ocr", type=Path, help="results of `digitize process`: OCR/<split>")
    parser.add_argument("--out", type=Path, help="write the redone results here")
    parser.add_argument("--repeat", type=int, default=3, help="timing runs (default 3)")
    parser.add_argument("--json", type=Path, help="save the figures")
    parser.add_argument("--fields", action="store_true", help="print every field's figure")
    parser.add_argument(
        "--no-ink",
        action="store_true",
        help="understand from the text alone, without looking at the pages' ink for "
        "handwriting (neither the images in the results' PDFs nor the ink measured at "
        "OCR time and kept with the lines)",
    )
    args = parser.parse_args()

    settings = Settings()
    knowledge = load_knowledge(settings)
    catalogue = load_catalogue(settings.catalogue_dir)
    figures: dict[str, object] = {}
    total_pages, timings = 0, []
    loaded = []
    for split in SPLITS:
        for path in sorted((args.ocr / split).glob("*.json")):
            result = json.loads(path.read_text(encoding="utf-8"))
            loaded.append(
                (
                    split,
                    path,
                    result,
                    [
                        page_from_report(
                            _without_ink(PageReport.from_json(p))
                            if args.no_ink
                            else PageReport.from_json(p),
                            None if args.no_ink else pdf_page_ink(path.with_suffix(".pdf"), i),
                        )
                        for i, p in enumerate(result["pages"])
                    ],
                )
            )
            total_pages += len(result["pages"])
    for _ in range(max(1, args.repeat)):
        # each run from cold caches: the words' n-grams unmade, no text folded yet, no
        # label named by the field model, no heading matched against a section cue
        if knowledge.model is not None:
            knowledge.model.forget_words()
        if knowledge.field_model is not None:
            knowledge.field_model.forget()
        forget_folds()
        forget_sections()
        start = time.perf_counter()
        for _, _, _, pages in loaded:
            understand_file(pages, knowledge)
        timings.append((time.perf_counter() - start) / max(1, total_pages))
    out = args.out or Path(f"/tmp/understanding-dev-{int(time.time())}")
    for split, path, result, pages in loaded:
        result.update(understand_file(pages, knowledge).as_json())
        target = out / split / path.name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(json.dumps(result, ensure_ascii=False), encoding="utf-8")
    for split in SPLITS:
        if not (args.dev / split / "truth").is_dir():
            continue
        scores = score_results(args.dev / split / "truth", out / split, catalogue)
        figures[split] = scores
        print(f"\n== {split}")
        for name in HEADLINE:
            entry = scores["scores"].get(name)
            if entry and entry["total"]:
                share = 100 * entry["right"] / entry["total"]
                print(f"  {name:40} {entry['right']:4}/{entry['total']:<4} {share:5.1f} %")
        silent = silent_error_rate(scores)
        if silent is not None:
            print(f"  {'silent errors (share of sure)':40} {100 * silent:5.1f} %")
        if args.fields:
            for name, entry in scores["scores"].items():
                if name.startswith("field "):
                    share = 100 * entry["right"] / entry["total"]
                    print(f"    {name:38} {entry['right']:4}/{entry['total']:<4} {share:5.1f} %")
    fastest, median = min(timings), statistics.median(timings)
    print(
        f"\nunderstanding: {1000 * fastest:.1f} ms/page fastest, {1000 * median:.1f} ms/page "
        f"median of {len(timings)} runs over {total_pages} pages"
    )
    if args.json:
        figures["ms_per_page"] = {"fastest": 1000 * fastest, "median": 1000 * median}
        args.json.write_text(json.dumps(figures, ensure_ascii=False, indent=1) + "\n")
    return 0


def _without_ink(report: PageReport) -> PageReport:
    lines = tuple(dataclasses.replace(line, ink=None) for line in report.lines)
    return dataclasses.replace(report, lines=lines)


if __name__ == "__main__":
    raise SystemExit(main())
