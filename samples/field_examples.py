"""Labelled label wordings for the field model (`digitize/understand/field_model.py`).

    python -m samples.field_examples OUT.jsonl [--per-type N] [--seed S]
        [--tuned DEV OCR]

Examples come from the project's own labelled documents (their text laid out, nothing
drawn, with the values the truth expects) and, with `--tuned`, from the **tuned** split
of the issue 13 development set (`python -m samples.real_forms DEV`, its OCR made with
`digitize process DEV/tuned/scans --out OCR/tuned`): the OCR text of real templates and
other wordings, with their truth. The held-out split is never read, so it stays a test
of wordings the model was not trained on.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path

from digitize.results import PageReport
from digitize.understand import load_catalogue, page_from_report
from digitize.understand.catalogue import Catalogue
from digitize.understand.field_model import (
    FieldExample,
    clean_examples,
    examples_from_text,
    write_field_examples,
)
from samples.expected import expected_values
from samples.labelled import labelled_plan
from samples.people import make_case
from samples.render import FONTS, render
from samples.templates import TEMPLATES


def own_examples(catalogue: Catalogue, per_type: int, seed: int) -> Iterator[FieldExample]:
    """Examples of the generator's own labelled documents, text only."""
    number = 0
    for item in labelled_plan(per_type, seed):
        for key, procedure in item.documents:
            number += 1
            template = TEMPLATES[key]
            rng = random.Random(f"{seed}:fields:{number}")
            case = make_case(rng, procedure, young_family=template.young_family)
            document = render(template, case, font=rng.choice(sorted(FONTS)), draw=False)
            printed = {k for page in document.pages for k in page.fields}
            doc = catalogue.document_types.get(template.doc_type)
            if doc is None:
                continue
            text = "\n".join(page.text for page in document.pages)
            fields = expected_values(template, case, printed)
            yield from examples_from_text(text, doc, fields, f"generated {key} #{number}")


def tuned_examples(catalogue: Catalogue, dev: Path, ocr: Path) -> Iterator[FieldExample]:
    """Examples of the tuned split's OCR text and truth (handwritten fields left out)."""
    for truth_path in sorted((dev / "tuned" / "truth").glob("*.json")):
        truth = json.loads(truth_path.read_text(encoding="utf-8"))
        result_path = ocr / "tuned" / f"{Path(truth['file']).stem}.json"
        if not result_path.is_file():
            continue
        result = json.loads(result_path.read_text(encoding="utf-8"))
        pages = {
            page.number: page
            for page in (page_from_report(PageReport.from_json(p)) for p in result["pages"])
        }
        for document in truth["documents"]:
            doc = catalogue.document_types.get(document["doc_type"])
            if doc is None:
                continue
            hand = set(document.get("handwritten") or ())
            fields = {k: v for k, v in document["expected"].items() if k not in hand}
            text = "\n".join(
                line.text for n in document["pages"] if n in pages for line in pages[n].lines
            )
            yield from examples_from_text(text, doc, fields, f"tuned {truth['file']}")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out", type=Path, help="the JSON-lines file to write")
    parser.add_argument("--per-type", type=int, default=4, help="own documents per type")
    parser.add_argument("--seed", type=int, default=11, help="seed of the own documents")
    parser.add_argument(
        "--tuned", nargs=2, type=Path, metavar=("DEV", "OCR"), help="add the tuned split"
    )
    args = parser.parse_args(argv)
    catalogue = load_catalogue()
    examples = list(own_examples(catalogue, args.per_type, args.seed))
    if args.tuned:
        examples += list(tuned_examples(catalogue, *args.tuned))
    count = write_field_examples(clean_examples(examples), args.out)
    print(f"{count} field examples written to {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
