"""What staff corrections of fields teach the extractor, on the issue 13 development set.

    .venv/bin/python bench/learning_from_corrections.py DEV OCR [--out DIR] [--json FILE]

DEV is `python -m samples.real_forms DEV`, OCR the results of `digitize process` on its
splits (OCR/<split>/*.json), as for bench/understanding_dev.py. Per split, the first
typed copy of every template or wording (the lowest-numbered file of its group) is
"corrected" as a reviewer would: every field whose value is wrong gets the true value,
written as a corrections.jsonl record (the page text, document type, fields). The
extractor learns the wordings of those corrections (`digitize train` does the same from
DATA_DIR/corrections.jsonl), and understanding is redone on the OTHER copies only, before
and after learning: no copy learned from is scored. OUT/<split> is then a labelled set of
the scored copies, which `digitize evaluate OUT/<split> --results OUT/<split>/after`
(or `/before`) scores with its full table.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import tempfile
from collections import defaultdict
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from config import Settings, load_knowledge  # noqa: E402
from digitize.results import PageReport  # noqa: E402
from digitize.understand import Knowledge, load_catalogue, page_from_report  # noqa: E402
from digitize.understand.evaluation import (  # noqa: E402
    SURE,
    score_results,
    silent_error_rate,
)
from digitize.understand.field_model import DEFAULT_FIELD_EXAMPLES, train_field_model  # noqa: E402
from digitize.understand.files import understand_file  # noqa: E402
from digitize.understand.learned import learn_wordings, with_learned  # noqa: E402

SPLITS = ("heldout", "tuned")
_COPY = re.compile(r"-(?:filled)-(\d+)$")
_WORDING = re.compile(r"^(\w+)-labelled-(\d+)-(.+)$")


def group_of(stem: str) -> tuple[str, int] | None:
    """(template or wording group, copy order) of a truth file; None: not learned from
    (handwritten copies are only ever scored)."""
    stem = Path(stem).stem  # "ct01-filled-00.tif" (the scan's name) -> "ct01-filled-00"
    if match := _COPY.search(stem):
        return stem[: match.start()], int(match.group(1))
    if match := _WORDING.match(stem):
        return match.group(3), int(match.group(2))
    return None


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("dev", type=Path, help="the set: DEV/<split>/truth")
    parser.add_argument("ocr", type=Path, help="results of `digitize process`: OCR/<split>")
    parser.add_argument("--out", type=Path, help="keep the corrections and results here")
    parser.add_argument("--json", type=Path, help="save the figures")
    args = parser.parse_args()
    out = args.out or Path(tempfile.mkdtemp(prefix="learning-"))
    settings = Settings()
    base = load_knowledge(settings)
    catalogue = load_catalogue(settings.catalogue_dir)
    base = Knowledge(catalogue, base.model, base.unknown_below, base.review_below, base.field_model)
    figures: dict[str, object] = {}
    for split in SPLITS:
        truths = sorted((args.dev / split / "truth").glob("*.json"))
        groups: dict[str, list[tuple[int, Path]]] = defaultdict(list)
        for path in truths:
            if (found := group_of(path.stem)) is not None:
                groups[found[0]].append((found[1], path))
        teach = {min(members)[1] for members in groups.values()}
        records = []
        for truth_path in sorted(teach):
            records += corrections_for(truth_path, args.ocr / split, base)
        learned = learn_wordings(records, catalogue)
        # The field model retrained with the corrections, as `digitize train` does.
        examples = REPO / DEFAULT_FIELD_EXAMPLES
        files = [examples] if examples.is_file() else []
        field_model, _ = train_field_model(catalogue, files, records)
        after = Knowledge(
            with_learned(catalogue, learned["wordings"]),
            base.model,
            base.unknown_below,
            base.review_below,
            field_model,
        )
        # OUT/<split> is a labelled set of the scored copies (scans linked, truth
        # copied): `digitize evaluate OUT/<split> --results OUT/<split>/after` scores it.
        scored, scans = out / split / "truth", out / split / "scans"
        scored.mkdir(parents=True, exist_ok=True)
        scans.mkdir(parents=True, exist_ok=True)
        for path in truths:
            if path not in teach:
                (scored / path.name).write_bytes(path.read_bytes())
                scan = args.dev / split / "scans" / Path(path.stem).name
                if scan.exists() and not (scans / scan.name).exists():
                    (scans / scan.name).symlink_to(scan.resolve())
        (out / split / "corrections.jsonl").write_text(
            "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), "utf-8"
        )
        (out / split / "learned_fields.json").write_text(
            json.dumps(learned, ensure_ascii=False, indent=1) + "\n", "utf-8"
        )
        figures[split] = {}
        print(f"\n== {split}: learned from {len(teach)} copies ({len(records)} corrected docs),")
        print(f"   scored on {len(truths) - len(teach)} other copies")
        print(f"   learned wordings: {json.dumps(learned['wordings'], ensure_ascii=False)}")
        for name, knowledge in (("before", base), ("after", after)):
            results = out / split / name
            redo(args.ocr / split, results, knowledge, {Path(p.stem).stem for p in teach})
            scores = score_results(scored, results, catalogue)
            figures[split][name] = scores["scores"]  # type: ignore[index]
            line = []
            for measure in ("fields (all)", "ID numbers", SURE):
                entry = scores["scores"].get(measure)
                if entry and entry["total"]:
                    line.append(f"{measure} {entry['right']}/{entry['total']}")
            silent = silent_error_rate(scores)
            if silent is not None:
                line.append(f"silent {100 * silent:.1f} %")
            print(f"   {name:7} " + "; ".join(line))
    if args.json:
        args.json.write_text(json.dumps(figures, ensure_ascii=False, indent=1) + "\n")
    return 0


def _pages(result_path: Path) -> list:
    result = json.loads(result_path.read_text(encoding="utf-8"))
    return [page_from_report(PageReport.from_json(p)) for p in result["pages"]]


def corrections_for(truth_path: Path, ocr: Path, knowledge: Knowledge) -> list[dict]:
    """What a reviewer would settle on this copy: every wrong field set to its truth."""
    truth = json.loads(truth_path.read_text(encoding="utf-8"))
    result_path = ocr / f"{Path(truth['file']).stem}.json"
    if truth.get("blank") or not result_path.is_file():
        return []
    pages = _pages(result_path)
    understood = understand_file(pages, knowledge).as_json()
    by_first = {d["pages"][0]: d for d in understood["documents"] if d["pages"]}
    records = []
    for expected in truth["documents"]:
        got = by_first.get(min(expected["pages"]), {})
        fields = {}
        for name, want in expected.get("expected", {}).items():
            if (got.get("fields", {}).get(name) or {}).get("value") != want:
                fields[name] = want
        if fields:
            text = "\n\f\n".join(p.text for p in pages if p.number in expected["pages"])
            records.append({"text": text, "doc_type": expected["doc_type"], "fields": fields})
    return records


def redo(ocr: Path, results: Path, knowledge: Knowledge, skip: set[str]) -> None:
    results.mkdir(parents=True, exist_ok=True)
    for path in sorted(ocr.glob("*.json")):
        if Path(path.stem).stem in skip or path.stem in skip:
            continue
        result = json.loads(path.read_text(encoding="utf-8"))
        result.update(understand_file(_pages(path), knowledge).as_json())
        (results / path.name).write_text(json.dumps(result, ensure_ascii=False), "utf-8")


if __name__ == "__main__":
    raise SystemExit(main())
