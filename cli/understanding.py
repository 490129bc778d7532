"""`digitize catalogue`, `train`, `correct` and `evaluate`: the understanding side.

- `catalogue check|list`: check the catalogue files staff edit, list what they hold.
- `correct`: a reviewer fixes a document's type, procedure or fields in a result JSON;
  the correction is kept (DATA_DIR/corrections.jsonl) as training data.
- `train`: retrain the classifier on the labelled samples plus every correction.
- `understand`: work out the documents of existing results again (after the catalogue
  or the model changed), without OCR.
- `evaluate`: digitise a labelled set and print accuracy per document type, procedure
  and field against its truth.
"""

from __future__ import annotations

import argparse
import functools
import json
import tempfile
import unicodedata
from collections import defaultdict
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.progress import track
from rich.table import Table

from cli import process
from config import Settings, load_knowledge
from digitize.batch import write_json_atomically
from digitize.errors import DigitizeError
from digitize.filing import FileFiler, FilingOptions
from digitize.imaging.handwriting import pdf_page_ink
from digitize.results import PageReport
from digitize.understand import (
    CatalogueError,
    load_catalogue,
)
from digitize.understand.evaluation import (
    BLANK_SURE,
    BLIND_SPLITS,
    HAND_FLAGGED,
    SURE,
    TABLE_BLANK_SURE,
    TABLE_CELLS,
    TABLE_HAND_FLAGGED,
    TABLE_ROWS,
    TABLE_ROWS_EXACT,
    TABLE_SURE,
    score_results,
    silent_error_rate,
    sure_of,
    table_silent_error_rate,
)
from digitize.understand.field_model import DEFAULT_FIELD_EXAMPLES, train_field_model
from digitize.understand.learned import learn_wordings, read_corrections, save_learned
from digitize.understand.model import Example, TextModel, read_examples

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2
DEFAULT_EXAMPLES = Path("samples/training/labelled.jsonl")


def add_parsers(commands: Any) -> None:
    formatter = argparse.RawDescriptionHelpFormatter
    catalogue = commands.add_parser(
        "catalogue",
        help="check or list the procedure catalogue",
        description="Check the catalogue files (procedures, document types) or list them.",
        formatter_class=formatter,
    )
    catalogue.add_argument("action", choices=("check", "list"), help="what to do")
    catalogue.add_argument(
        "--dir", type=Path, metavar="DIR", help="catalogue folder (default: DIGITIZE_CATALOGUE_DIR)"
    )
    catalogue.set_defaults(run=run_catalogue)

    correct = commands.add_parser(
        "correct",
        help="record a reviewer's correction of a document",
        description=(
            "Correct a document of a result JSON (its type, procedure or fields). The JSON "
            "is updated and the correction kept in DATA_DIR/corrections.jsonl, which "
            "`digitize train` learns from."
        ),
        formatter_class=formatter,
    )
    correct.add_argument("result", type=Path, metavar="RESULT_JSON", help="a result JSON")
    correct.add_argument(
        "--document", type=int, default=1, metavar="N", help="which document (1-based, default 1)"
    )
    correct.add_argument("--doc-type", metavar="KEY", help="the right document type key")
    correct.add_argument("--procedure", metavar="KEY", help="the right procedure key")
    correct.add_argument(
        "--field",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="the right value of a field (repeatable)",
    )
    correct.add_argument("--by", required=True, metavar="NAME", help="who corrects")
    correct.set_defaults(run=run_correct)

    train = commands.add_parser(
        "train",
        help="retrain the document-type classifier",
        description=(
            "Train the classifier on labelled examples (JSON lines with text and doc_type) "
            "plus the corrections in DATA_DIR/corrections.jsonl, and save it where "
            "`digitize process` finds it (DATA_DIR/classifier.npz unless --out). Field "
            "corrections also teach the extractor: the label printed before each "
            "corrected value becomes a learned wording of that field "
            "(DATA_DIR/learned_fields.json, read at extraction; the catalogue files "
            "are not changed). The field model (label wording to field, for labels the "
            "catalogue does not know) is retrained on the catalogue's labels, "
            f"{DEFAULT_FIELD_EXAMPLES} and the field corrections "
            "(DATA_DIR/field_model.npz unless --field-model-out)."
        ),
        formatter_class=formatter,
    )
    train.add_argument(
        "--examples",
        type=Path,
        action="append",
        metavar="FILE",
        help=f"labelled examples (default {DEFAULT_EXAMPLES}; repeatable)",
    )
    train.add_argument("--no-corrections", action="store_true", help="ignore corrections")
    train.add_argument("--out", type=Path, metavar="FILE", help="where to save the model")
    train.add_argument(
        "--wordings-out",
        type=Path,
        metavar="FILE",
        help="where to save the field wordings learned from corrections "
        "(default DATA_DIR/learned_fields.json)",
    )
    train.add_argument(
        "--field-model-out",
        type=Path,
        metavar="FILE",
        help="where to save the field model (default DATA_DIR/field_model.npz)",
    )
    train.set_defaults(run=run_train)

    understand = commands.add_parser(
        "understand",
        help="redo classification and fields of existing results, without OCR",
        description=(
            "Work out the documents (type, procedure, fields) of result JSONs again from "
            "their stored page text, e.g. after the catalogue or the model changed; the "
            "page images of the PDF beside each JSON (same name), when there, are looked "
            "at for handwriting. Each JSON is rewritten in place; corrections recorded in "
            "it are lost."
        ),
        formatter_class=formatter,
    )
    understand.add_argument("results", nargs="+", type=Path, metavar="RESULT_JSON")
    understand.set_defaults(run=run_understand)

    evaluate = commands.add_parser(
        "evaluate",
        help="measure classification and field accuracy on a labelled set",
        description=(
            "Digitise a labelled set (DIR/scans with truth in DIR/truth, as written by "
            "`python -m samples.generate --labelled DIR`) and print procedure, document "
            "type and per-field exact-match accuracy, ID-number accuracy and the silent "
            "errors (wrong values returned with review false). A development set of "
            "splits (DIR/tuned, DIR/heldout, DIR/unseen, DIR/blank, as written by `python -m "
            "samples.real_forms DIR`) is scored split by split; on blank forms every "
            "field returned sure counts against."
        ),
        formatter_class=formatter,
    )
    evaluate.add_argument("labelled", type=Path, metavar="DIR", help="the labelled set")
    evaluate.add_argument(
        "--results",
        type=Path,
        metavar="DIR",
        help="results already made for DIR/scans, or DIR/<split>/scans in DIR/<split> "
        "(else digitised now into a temporary folder)",
    )
    evaluate.add_argument("--jobs", type=int, metavar="N", help="pages processed at once")
    evaluate.add_argument("--json", type=Path, metavar="FILE", help="also save the figures")
    evaluate.add_argument(
        "--show-heldout-misses",
        action="store_true",
        help="also print the blind splits' (heldout, unseen) misses file by file (by default"
        " only their figures: rules and models are not to be written from what they get wrong)",
    )
    evaluate.set_defaults(run=run_evaluate)


# -- catalogue --------------------------------------------------------------------------


def run_catalogue(args: argparse.Namespace) -> int:
    console = Console()
    try:
        catalogue = load_catalogue(args.dir or Settings().catalogue_dir)
    except CatalogueError as exc:
        for problem in exc.problems:
            console.print(f"[red]problem:[/] {escape(problem)}", soft_wrap=True)
        return EXIT_FAILED
    if args.action == "check":
        console.print(
            f"catalogue ok: {len(catalogue.procedures)} procedures, "
            f"{len(catalogue.document_types)} document types, "
            f"{len(catalogue.provinces)} province codes"
        )
        return EXIT_OK
    table = Table("procedure", "code", "certainty", "field", "level", title="Procedures")
    for key, p in catalogue.procedures.items():
        table.add_row(
            f"{key}\n{p.name}", p.code or "-", p.code_certainty, p.field, ", ".join(p.level)
        )
    console.print(table)
    table = Table("document type", "category", "procedures", "fields", title="Document types")
    for key, d in catalogue.document_types.items():
        fields = ", ".join(spec.name for spec in d.fields)
        table.add_row(f"{key}\n{d.name}", d.category, ", ".join(d.procedures) or "-", fields)
    console.print(table)
    return EXIT_OK


# -- correct ----------------------------------------------------------------------------


def run_correct(args: argparse.Namespace) -> int:
    console = Console(stderr=True)
    settings = Settings()
    try:
        catalogue = load_catalogue(settings.catalogue_dir)
        result = json.loads(args.result.read_text(encoding="utf-8"))
        documents = result["documents"]
        document = documents[args.document - 1]
        if args.document < 1:
            raise IndexError
    except (OSError, ValueError, KeyError, IndexError, DigitizeError) as exc:
        console.print(f"[red]error:[/] {escape(str(args.result))}: {escape(_reason(exc))}")
        return EXIT_USAGE
    if args.doc_type and args.doc_type not in catalogue.document_types:
        console.print(f"[red]error:[/] unknown document type {escape(args.doc_type)}")
        return EXIT_USAGE
    if args.procedure and args.procedure not in catalogue.procedures:
        console.print(f"[red]error:[/] unknown procedure {escape(args.procedure)}")
        return EXIT_USAGE
    fields: dict[str, str] = {}
    for item in args.field:
        name, sep, value = item.partition("=")
        if not sep or not name:
            console.print(f"[red]error:[/] --field wants NAME=VALUE, not {escape(item)}")
            return EXIT_USAGE
        fields[name.strip()] = unicodedata.normalize("NFC", value.strip())
    if not (args.doc_type or args.procedure or fields):
        console.print("[red]error:[/] nothing to correct: give --doc-type, --procedure or --field")
        return EXIT_USAGE

    at = datetime.now(UTC).isoformat(timespec="seconds")
    pages = {page["number"]: page for page in result["pages"]}
    text = "\n\f\n".join(pages[n]["text"] for n in document["pages"] if n in pages)
    doc_type = args.doc_type or document["doc_type"]
    procedure = args.procedure or (document.get("procedure") or {}).get("key")
    record = {
        "text": text,
        "doc_type": doc_type,
        "procedure": procedure,
        "fields": fields,
        "source": f"{result.get('source')}#document{args.document}",
        "corrected_by": args.by,
        "at": at,
    }
    document["corrected"] = {
        "by": args.by,
        "at": at,
        "doc_type": document["doc_type"] if args.doc_type else None,
        "procedure": document.get("procedure") if args.procedure else None,
        "fields": {name: document["fields"].get(name, {}).get("value") for name in fields},
    }  # what was there before, for the audit trail
    if args.doc_type:
        document["doc_type"] = doc_type
        document["doc_type_name"] = catalogue.document_types[doc_type].name
        document["confidence"] = 1.0
    if args.procedure:
        proc = catalogue.procedures[args.procedure]
        document["procedure"] = {"key": proc.key, "code": proc.code or None, "name": proc.name}
        document["procedure_confidence"] = 1.0
    for name, value in fields.items():
        entry = document["fields"].setdefault(name, {"page": None, "bbox": None, "raw": ""})
        entry.update(value=value, confidence=1.0, review=False, problems=[])
    corrections = settings.corrections_file
    corrections.parent.mkdir(parents=True, exist_ok=True)
    with corrections.open("a", encoding="utf-8") as handle:
        handle.write(json.dumps(record, ensure_ascii=False) + "\n")
    write_json_atomically(args.result, result)
    console.print(
        f"corrected document {args.document} of {escape(str(args.result))}; kept in {corrections}"
    )
    return EXIT_OK


def _reason(exc: BaseException) -> str:
    if isinstance(exc, IndexError):
        return "no such document"
    if isinstance(exc, KeyError):
        return f"not a digitize result (no {exc})"
    if isinstance(exc, OSError):
        return exc.strerror or str(exc)
    return str(exc)


# -- train ------------------------------------------------------------------------------


def run_train(args: argparse.Namespace) -> int:
    console = Console(stderr=True)
    settings = Settings()
    sources = list(args.examples or [DEFAULT_EXAMPLES])
    if not args.no_corrections and settings.corrections_file.is_file():
        sources.append(settings.corrections_file)
    try:
        catalogue = load_catalogue(settings.catalogue_dir)
        examples = read_examples(sources)
        unknown = sorted({e.doc_type for e in examples} - set(catalogue.document_types))
        if unknown:
            raise DigitizeError(f"examples name document types not in the catalogue: {unknown}")
        with console.status(f"training on {len(examples)} examples"):
            model = TextModel.train(examples)
        out = args.out or settings.data_dir / "classifier.npz"
        model.save(out, meta=_training_meta(examples, sources))
        wordings = _learn_wordings(args, settings, catalogue)
        with console.status("training the field model"):
            field_note = _train_field_model(args, settings, catalogue)
    except (OSError, DigitizeError) as exc:
        console.print(f"[red]error:[/] {escape(_reason(exc))}", soft_wrap=True)
        return EXIT_FAILED
    counts = defaultdict(int)
    for example in examples:
        counts[example.doc_type] += 1
    console.print(
        f"trained on {len(examples)} examples of {len(counts)} document types "
        f"from {', '.join(str(s) for s in sources)}; saved {out}"
    )
    if wordings is not None:
        console.print(wordings)
    console.print(field_note)
    return EXIT_OK


def _train_field_model(args: argparse.Namespace, settings: Settings, catalogue: Any) -> str:
    """The field model retrained on the catalogue's labels, the packaged field examples
    and the field corrections."""
    files = [DEFAULT_FIELD_EXAMPLES] if DEFAULT_FIELD_EXAMPLES.is_file() else []
    records = (
        read_corrections(settings.corrections_file)
        if not args.no_corrections and settings.corrections_file.is_file()
        else []
    )
    model, count = train_field_model(catalogue, files, records)
    out = args.field_model_out or settings.data_dir / "field_model.npz"
    model.save(out, meta={"examples": count, "corrections": len(records)})
    return f"field model trained on {count} label examples; saved {out}"


def _learn_wordings(args: argparse.Namespace, settings: Settings, catalogue: Any) -> str | None:
    """Field wordings learned from the corrections' field values, saved where
    understanding reads them (DATA_DIR/learned_fields.json unless --wordings-out)."""
    if args.no_corrections or not settings.corrections_file.is_file():
        return None
    learned = learn_wordings(read_corrections(settings.corrections_file), catalogue)
    out = args.wordings_out or settings.learned_fields_file
    save_learned(learned, out)
    count = sum(len(v) for fields in learned["wordings"].values() for v in fields.values())
    return f"learned {count} field wordings from the corrections; saved {out}"


def _training_meta(examples: list[Example], sources: list[Path]) -> dict[str, object]:
    return {
        "trained": datetime.now(UTC).isoformat(timespec="seconds"),
        "examples": len(examples),
        "sources": [str(s) for s in sources],
    }


# -- understand ------------------------------------------------------------------------


class _Reports:
    """A result file's page reports, read back (`PageReports`)."""

    def __init__(self, reports: Sequence[PageReport]) -> None:
        self._reports = reports

    def report(self, index: int) -> PageReport:
        return self._reports[index]


def run_understand(args: argparse.Namespace) -> int:
    console = Console(stderr=True)
    try:
        knowledge = load_knowledge(Settings())
    except DigitizeError as exc:
        console.print(f"[red]error:[/] {escape(str(exc))}", soft_wrap=True)
        return EXIT_USAGE
    failed = 0
    for path in track(args.results, description="understanding", console=console):
        try:
            result = json.loads(path.read_text(encoding="utf-8"))
            reports = [PageReport.from_json(r) for r in result["pages"]]
            # Documents and dossiers again, through the one filing path; per-document
            # PDFs and record links stay as made.
            pdf = path.with_suffix(".pdf")  # the pages' images, for a look at handwriting
            filer = FileFiler(
                _Reports(reports),
                len(reports),
                FilingOptions(knowledge=knowledge),
                ink=functools.partial(pdf_page_ink, pdf) if pdf.is_file() else None,
            )
            result.update(filer.understand().as_json())
            write_json_atomically(path, result)
        except (DigitizeError, OSError, ValueError, KeyError, TypeError) as exc:
            console.print(f"[red]failed[/] {escape(str(path))}: {escape(_reason(exc))}")
            failed += 1
    return EXIT_FAILED if failed else EXIT_OK


# -- evaluate ---------------------------------------------------------------------------


def run_evaluate(args: argparse.Namespace) -> int:
    console = Console()
    splits = _splits(args.labelled)
    if not splits:
        console.print(
            f"[red]error:[/] {escape(str(args.labelled))} holds no scans/ and truth/ "
            "(nor split folders holding them)"
        )
        return EXIT_USAGE
    try:
        catalogue = load_catalogue(Settings().catalogue_dir)
    except CatalogueError as exc:
        console.print(f"[red]error:[/] {escape(str(exc))}")
        return EXIT_USAGE
    figures: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="digitize-evaluate-") as temp:
        for split, folder in splits.items():
            results = args.results / split if args.results and split else args.results
            if results is None:
                results = Path(temp) / (split or "all")
                argv = [str(folder / "scans"), "--out", str(results)]
                if args.jobs:
                    argv += ["--jobs", str(args.jobs)]
                process.main(argv)  # the same command a user runs
            figures[split or "all"] = scores = score_results(folder / "truth", results, catalogue)
            _print_scores(console, scores, split, args.show_heldout_misses)
    for split in BLIND_SPLITS:
        if split in figures and not args.show_heldout_misses:
            hidden = len(figures[split]["misses"])
            figures[split] = {**figures[split], "misses": [f"{hidden} not shown"]}
    if args.json:
        payload = figures if len(figures) > 1 else next(iter(figures.values()))
        args.json.write_text(json.dumps(payload, ensure_ascii=False, indent=1) + "\n")
    return EXIT_OK


def _splits(labelled: Path) -> dict[str, Path]:
    """'' -> DIR for a plain labelled set; split name -> DIR/split for a development set
    written by `python -m samples.real_forms` (tuned, heldout, unseen, blank)."""
    if (labelled / "scans").is_dir() and (labelled / "truth").is_dir():
        return {"": labelled}
    return {
        sub.name: sub
        for sub in sorted(labelled.iterdir() if labelled.is_dir() else [])
        if (sub / "scans").is_dir() and (sub / "truth").is_dir()
    }


def _print_scores(
    console: Console, scores: Mapping[str, Any], split: str = "", show_blind_misses: bool = False
) -> None:
    title = "Understanding, exact match" + (f": {split}" if split else "")
    table = Table("measure", "right", "total", "accuracy", "sure", "silent", title=title)
    order = ["procedure", "document type", "fields (all)", "ID numbers", SURE, BLANK_SURE]
    order.append(HAND_FLAGGED)
    order += [TABLE_ROWS, TABLE_ROWS_EXACT, TABLE_CELLS, TABLE_SURE, TABLE_BLANK_SURE]
    order.append(TABLE_HAND_FLAGGED)
    sure_tallies = {sure_of(name): name for name in scores["scores"]}
    sure_tallies[SURE] = "fields (all)"
    names = order + sorted(n for n in scores["scores"] if n not in order and n not in sure_tallies)
    for name in names:
        if name not in scores["scores"]:
            continue
        right, total = scores["scores"][name]["right"], scores["scores"][name]["total"]
        # Beside a field's accuracy: how many of its values came back sure, and how many
        # of those were wrong (silent errors), as the evaluation asks.
        sure = scores["scores"].get(SURE if name == "fields (all)" else sure_of(name))
        table.add_row(
            name,
            str(right),
            str(total),
            f"{100 * right / total:.1f} %" if total else "-",
            str(sure["total"]) if sure else "",
            str(sure["total"] - sure["right"]) if sure else "",
        )
    console.print(table)
    silent = silent_error_rate(dict(scores))
    if silent is not None:
        console.print(f"silent errors (wrong with review false): {100 * silent:.1f} % of sure")
    table_silent = table_silent_error_rate(dict(scores))
    if table_silent is not None:
        console.print(
            f"table cells: silent errors (wrong with review false): {100 * table_silent:.1f} %"
            " of sure"
        )
    if split in BLIND_SPLITS and not show_blind_misses:
        console.print(
            f"  ({len(scores['misses'])} misses not shown: the {split} split is read as"
            " figures only; --show-heldout-misses prints them)"
        )
        return
    for miss in scores["misses"][:40]:
        console.print(f"  miss: {escape(miss)}", soft_wrap=True, highlight=False)
    if len(scores["misses"]) > 40:
        console.print(f"  … and {len(scores['misses']) - 40} more misses")
