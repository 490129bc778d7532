"""Does the field model name wordings it never saw? A second held-out test, on the tuned
split of the issue 13 development set.

    .venv/bin/python bench/unseen_wordings.py DEV OCR [--out DIR]

The tuned split's reworded forms (`samples.real_forms.WORDINGS["tuned"]`) print labels
that the catalogue was given and the field model was trained on. Here both forget them:
those labels are taken out of the catalogue, every training example whose label is one
of them is dropped, and the model is retrained on what is left (the catalogue's other
labels, the own labelled texts, the rest of the tuned split). Understanding is then
redone on the tuned split's reworded copies, from their stored OCR, three ways: with the
full catalogue (what the catalogue knows), without those labels and without the model
(what rules alone do on an unseen wording), and without those labels but with the
retrained model. Figures per field, with the silent errors beside them.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from config import Settings, load_knowledge  # noqa: E402
from digitize.results import PageReport  # noqa: E402
from digitize.understand import Knowledge, page_from_report  # noqa: E402
from digitize.understand.catalogue import Catalogue  # noqa: E402
from digitize.understand.evaluation import score_results, silent_error_rate  # noqa: E402
from digitize.understand.field_model import (  # noqa: E402
    DEFAULT_FIELD_EXAMPLES,
    FieldModel,
    catalogue_examples,
    clean_examples,
    read_field_examples,
)
from digitize.understand.files import understand_file  # noqa: E402
from digitize.understand.vietnamese import fold  # noqa: E402
from samples.real_forms import WORDINGS  # noqa: E402
from samples.templates import TEMPLATES  # noqa: E402

_NUMBERING = re.compile(r"^\s*(?:\d{1,2}(?:\.\d{1,2})*[.)]|[a-z]\))\s*")


def forgotten() -> dict[str, set[str]]:
    """Per document type, the folded tuned wordings."""
    out: dict[str, set[str]] = {}
    for key, labels in WORDINGS["tuned"].items():
        doc_type = TEMPLATES[key].doc_type
        for new in labels.values():
            out.setdefault(doc_type, set()).add(fold(_NUMBERING.sub("", new)))
    return out


def without(catalogue: Catalogue, forget: dict[str, set[str]]) -> Catalogue:
    types = dict(catalogue.document_types)
    for doc_type, labels in forget.items():
        doc = types[doc_type]
        fields = tuple(
            spec.model_copy(
                update={"labels": tuple(lb for lb in spec.labels if fold(lb) not in labels)}
            )
            for spec in doc.fields
        )
        types[doc_type] = doc.model_copy(update={"fields": fields})
    return Catalogue(catalogue.procedures, types, catalogue.provinces)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("dev", type=Path, help="the set: DEV/tuned/truth")
    parser.add_argument("ocr", type=Path, help="results of `digitize process`: OCR/tuned")
    parser.add_argument("--out", type=Path, help="keep the redone results here")
    args = parser.parse_args()
    out = args.out or Path(tempfile.mkdtemp(prefix="unseen-"))
    full = load_knowledge(Settings())
    forget = forgotten()
    every = {label for labels in forget.values() for label in labels}
    reduced = without(full.catalogue, forget)
    examples = [
        e
        for e in clean_examples(
            [*catalogue_examples(reduced), *read_field_examples([REPO / DEFAULT_FIELD_EXAMPLES])]
        )
        if fold(e.label) not in every
    ]
    model = FieldModel.train(examples)
    runs = {
        "catalogue knows the wordings": full,
        "wordings unseen, rules only": Knowledge(
            reduced, full.model, full.unknown_below, full.review_below, None
        ),
        "wordings unseen, field model": Knowledge(
            reduced, full.model, full.unknown_below, full.review_below, model
        ),
    }
    truths = out / "truth"
    truths.mkdir(parents=True, exist_ok=True)
    files = sorted((args.dev / "tuned" / "truth").glob("tuned-labelled-*.json"))
    for path in files:
        (truths / path.name).write_bytes(path.read_bytes())
    print(f"forgotten wordings: {sorted(every)}")
    for number, (name, knowledge) in enumerate(runs.items()):
        results = out / f"run{number}"
        results.mkdir(parents=True, exist_ok=True)
        for path in files:
            stem = Path(json.loads(path.read_text(encoding="utf-8"))["file"]).stem
            result = json.loads((args.ocr / "tuned" / f"{stem}.json").read_text(encoding="utf-8"))
            pages = [page_from_report(PageReport.from_json(p)) for p in result["pages"]]
            result.update(understand_file(pages, knowledge).as_json())
            (results / f"{stem}.json").write_text(json.dumps(result, ensure_ascii=False), "utf-8")
        scores = score_results(truths, results, full.catalogue)["scores"]
        fields = scores["fields (all)"]
        sure = scores.get("fields returned sure", {"right": 0, "total": 0})
        silent = silent_error_rate({"scores": scores})
        print(f"\n== {name}")
        print(f"  fields {fields['right']}/{fields['total']}; sure right {sure['right']}/"
              f"{sure['total']}; silent {100 * (silent or 0):.1f} %")  # fmt: skip
        for field, entry in scores.items():
            if field.startswith("field "):
                print(f"    {field:36} {entry['right']:3}/{entry['total']}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
