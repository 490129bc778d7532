"""Generate synthetic scans of Vietnamese administrative forms, with ground truth.

Without --count, --bench-pdf, --labelled, --training-texts or --stack, writes the committed
sample set: images into OUT/scans/ and one truth JSON per image into
OUT/truth/<image file name>.json (OUT defaults to the samples/ package directory).
Everything follows from --seed: the same seed gives the same truth files.

The committed set (samples/README.md says what each file exercises):
  to-khai-khai-sinh.jpg    300 dpi grey JPEG q60, skew +2.5, noise
  to-khai-cu-tru-ct01.png  200 dpi grey PNG, skew -4, blur
  ho-kinh-doanh.tif        300 dpi bilevel G4 TIFF, 3 pages (page 2 a blank back side)
  don-dang-ky-dat-dai.pdf  200 dpi colour image-only PDF, dark lid, 180 and 90 turns, seal
  ly-lich-tu-phap.jpg      150 dpi grey JPEG q75 without dpi metadata, skew -1.5
  giay-tiep-nhan.tif       600 dpi bilevel LZW TIFF, the one-stop receipt, rotation 270

Truth conventions (per file):
  documents    one entry per document in the file, in order: "pages" (its page
               numbers, a blank back side included), "doc_type" and "procedure"
               (catalogue keys of digitize/data/catalogue; procedure null for papers
               that serve none: ID card, birth and land certificates...) and
               "expected": the normalised value of every catalogued field printed on
               it (names title case, dates ISO, years/integers/money int, areas float,
               sex male/female, ID numbers and phones digits, text as printed)
Truth conventions (per page):
  doc_type     catalogue document type; null on a blank page (see "documents")
  procedure    catalogue procedure, or null (blank page, or a paper without one)
  rotation     clockwise degrees (0/90/180/270) that make the scanned page upright
  skew_deg     skew of the text lines on the upright page, positive = rising to the
               right (applied before the rotation)
  text         the exact lines drawn, in reading order, joined with newlines (NFC);
               "" on a blank page ("blank": true)
  fields       the field values drawn on the page, by canonical key (verbatim)
  dpi          the rendering resolution; dpi_in_file says whether the file records it
  colour_mode  colour, grey or bilevel; effects lists the defects applied

Examples (from the repository root):
  python -m samples.generate                        # rewrite samples/scans + samples/truth
  python -m samples.generate --out /tmp/s           # the same set elsewhere
  python -m samples.generate --count 20 --out /tmp/more
  python -m samples.generate --bench-pdf bench/work/bench.pdf --pages 100
  python -m samples.generate --labelled /tmp/lab --per-type 3 --seed 7
  python -m samples.generate --training-texts samples/training/labelled.jsonl --per-type 40
  python -m samples.generate --stack /tmp/stack.pdf --dossiers 10 --leading-strays 1
  python -m samples.generate --stack /tmp/stack.tif --dossiers 75 --seed 3   # ~300 pages

--labelled DIR writes N (--per-type) documents of every catalogued document type into
DIR/scans and DIR/truth, mildly degraded (skew within 5 degrees, a few pages turned,
200-300 dpi, all fonts, JPEG/PNG for one page, TIFF/PDF for more, some blank back
sides). Form CT01 cycles through the three residence procedures and the receipt through
all 15 procedures (at least 3 and 5 of them), so every procedure appears. With N >= 2,
two more files hold a declaration followed by a copy of the applicant's ID card.

--training-texts FILE writes the same mix as JSON lines without drawing anything:
{"text": pages joined by "\\n\\f\\n", "doc_type": ..., "procedure": ... or null,
 "source": "generated seed S #i"}, from cases of their own.

--stack FILE writes one long scan of --dossiers dossiers as a feeder produces it (an
image-only PDF with JPEG pages, colour or grey, or a CCITT G4 bilevel TIFF: --format,
default from the file's extension; 200, 250 or 300 dpi: --dpi, default from the seed),
page by page. Each dossier opens with its one-stop receipt (dossier code printed, and
as a QR code or Code 128 barcode top left, or in print only) or a separator sheet
(PHIẾU PHÂN CÁCH HỒ SƠ, QR code); its papers follow as the catalogue lists them for its
procedure (declaration, multi-page forms, ID card copies, certificates), with blank
backs, pages turned 90/180/270 degrees and skewed within 5 degrees. With 6 dossiers or
more the stack holds one receipt whose QR code is torn or blotted (unreadable; the
printed code intact) and one whose QR code holds another valid code than the printed
one. --leading-strays K puts K stray pages that belong to no dossier first. Beside it:
FILE.json, the truth (per page: role receipt/separator/document/blank, dossier,
document; "documents", "dossiers" with code, code_sources, pages, documents, review
flags qr_damaged/code_disagrees; "unassigned_pages"), and the one-stop records of the
dossiers as STEM.records.json and STEM.records.csv (dossier_code, procedure_code,
procedure, applicant_name, applicant_id_number, receiving_unit, received_date, status),
one dossier's record left out and one with another applicant name.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import random
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any, get_args

from samples import formats
from samples.labelled import EXTENSIONS, training_texts, write_labelled
from samples.output import Part, document_entry, write_file, write_json
from samples.people import Case
from samples.render import FONTS
from samples.sample_set import SAMPLE_SET
from samples.scan import (
    PAPER_TINTS,
    ColourMode,
    DocumentSpec,
    Effects,
    FileFormat,
    PageSpec,
    ScannedPage,
    case_for,
    render_spec,
    scan_document,
)
from samples.stack import StackFormat, plan_stack, write_stack
from samples.templates import TEMPLATES

DEFAULT_SEED = 1
PACKAGE_DIR = Path(__file__).resolve().parent

__all__ = ["main", "write_document", "write_json", "write_labelled", "write_sample_set"]


# -- writing one document -------------------------------------------------------------


def write_document(
    spec: DocumentSpec,
    scans: Path,
    truths: Path,
    seed: int,
    scanned: Iterable[ScannedPage] | None = None,
    case: Case | None = None,
) -> Path:
    """Write one scan file holding one document, and its truth JSON; returns the scan's
    path. `scanned` pages must come from `case` (default: the spec's own case)."""
    case = case or case_for(spec, seed)
    pages = scanned if scanned is not None else scan_document(spec, seed, case)
    return write_file([Part(spec, case, pages)], scans, truths, seed)


def write_sample_set(out: Path, seed: int, only: Sequence[str] = ()) -> list[Path]:
    written = []
    for spec in SAMPLE_SET:
        if only and spec.file not in only:
            continue
        case = case_for(spec, seed)
        pages = scan_document(spec, seed, case, strict=True)
        written.append(write_document(spec, out / "scans", out / "truth", seed, pages, case))
    return written


# -- random documents ---------------------------------------------------------------


def _tenths(x: float) -> float:
    return round(x, 1) + 0.0  # + 0.0 turns -0.0 into 0.0


def random_effects(
    rng: random.Random, colour_mode: ColourMode, dpi: int, rotate_share: float = 0.08
) -> Effects:
    """A plausible mix of scan defects; rounded so that the truth reads cleanly."""
    small = rng.random() < 0.7
    skew = _tenths(rng.uniform(-2.0, 2.0) if small else rng.uniform(-5.0, 5.0))
    rotation = rng.choice((90, 180, 270)) if rng.random() < rotate_share else 0
    dark = rng.random() < 0.15
    return Effects(
        skew_deg=skew,
        rotation=rotation,
        lid="dark" if dark else "white",
        bed_margin_mm=float(rng.randint(2, 6)) if dark else 0.0,
        paper_tint=rng.choice(PAPER_TINTS)
        if colour_mode != "bilevel" and rng.random() < 0.4
        else None,
        show_through=round(rng.uniform(0.03, 0.09), 2) if rng.random() < 0.2 else 0.0,
        stamp=colour_mode == "colour" and rng.random() < 0.6,
        blur_sigma=round(rng.uniform(0.3, 1.0) * dpi / 200, 2) if rng.random() < 0.4 else 0.0,
        noise=float(rng.randint(2, 8)) if rng.random() < 0.5 else 0.0,
        speckles=rng.randint(5, 60) if rng.random() < 0.4 else 0,
        jpeg_roundtrip=rng.randint(40, 75)
        if colour_mode != "bilevel" and rng.random() < 0.15
        else None,
        binarise_threshold=rng.randint(140, 180),
    )


def blank_back_effects(rng: random.Random) -> Effects:
    return Effects(skew_deg=_tenths(rng.uniform(-1.0, 1.0)), speckles=rng.randint(2, 12))


def random_spec(rng: random.Random, file_stem: str, file_format: FileFormat) -> DocumentSpec:
    """Template, font and file settings; `pages` is filled in once the page count is known."""
    template = rng.choice(sorted(TEMPLATES))
    font = rng.choice(sorted(FONTS))
    colour: ColourMode
    compression = None
    quality = None
    dpi_in_file = True
    if file_format == "jpeg":
        colour = rng.choice(("grey", "colour"))
        dpi = rng.choice((150, 200, 300))
        quality = rng.randint(50, 90)
        dpi_in_file = rng.random() < 0.85
    elif file_format == "png":
        colour = rng.choice(("grey", "grey", "bilevel"))
        dpi = rng.choice((150, 200, 300))
    elif file_format == "tiff":
        colour = "bilevel"
        dpi = rng.choice((200, 300, 300, 600))
        compression = rng.choice(("group4", "group4", "tiff_lzw"))
    else:
        colour = rng.choice(("colour", "grey", "bilevel"))
        dpi = rng.choice((200, 300))
        quality = rng.randint(60, 85)
    # The receipt and form CT01 serve several procedures: the case picks one of them.
    choices = TEMPLATES[template].case_procedures
    procedure = rng.choice(choices) if choices else None
    return DocumentSpec(
        file=f"{file_stem}-{template.replace('_', '-')}.{EXTENSIONS[file_format]}",
        template=template,
        font=font,
        dpi=dpi,
        colour_mode=colour,
        file_format=file_format,
        pages=(),
        jpeg_quality=quality,
        tiff_compression=compression,
        dpi_in_file=dpi_in_file,
        procedure=procedure,
        case_seed=file_stem,
    )


def plan_pages(
    rng: random.Random, spec: DocumentSpec, page_count: int, blank_share: float
) -> tuple[PageSpec, ...]:
    pages: list[PageSpec] = []
    for source in range(1, page_count + 1):
        pages.append(PageSpec(source, random_effects(rng, spec.colour_mode, spec.dpi)))
        if rng.random() < blank_share:
            pages.append(PageSpec(None, blank_back_effects(rng)))
    return tuple(pages)


def random_document(
    rng: random.Random, seed: int, file_stem: str, file_format: FileFormat, blank_share: float = 0.0
) -> Part:
    spec = random_spec(rng, file_stem, file_format)
    case = case_for(spec, seed)
    document = render_spec(spec, case)
    single = file_format in ("jpeg", "png")
    count = 1 if single else len(document.pages)
    pages = plan_pages(rng, spec, count, 0.0 if single else blank_share)
    spec = dataclasses.replace(spec, pages=pages)
    return Part(spec, case, scan_document(spec, seed, case, document))


def write_random(out: Path, count: int, seed: int) -> list[Path]:
    """`count` single documents in mixed formats (first page only for JPEG and PNG)."""
    written = []
    file_formats: tuple[FileFormat, ...] = get_args(FileFormat)
    for index in range(1, count + 1):
        rng = random.Random(f"{seed}:random:{index}")
        part = random_document(
            rng, seed, f"random-{index:04d}", rng.choice(file_formats), blank_share=0.1
        )
        written.append(write_file([part], out / "scans", out / "truth", seed))
    return written


def write_bench_pdf(path: Path, page_count: int, seed: int) -> Path:
    """One long image-only PDF of many documents, built page by page; truth beside it as
    <path>.json with each page's document index."""
    writer = formats.PdfWriter()
    truth_pages: list[dict[str, Any]] = []
    documents: list[dict[str, Any]] = []
    index = 0
    while len(truth_pages) < page_count:
        index += 1
        rng = random.Random(f"{seed}:bench:{index}")
        part = random_document(rng, seed, f"bench-{index:04d}", "pdf", blank_share=0.1)
        part_pages = []
        for page in part.pages:
            if len(truth_pages) == page_count:
                break
            writer.add_page(page.image, part.spec.dpi, part.spec.jpeg_quality or 75)
            truth = dict(page.truth, number=len(truth_pages) + 1, document=index)
            truth_pages.append(truth)
            part_pages.append(truth)
        # The last document may be cut short: its expected values are those printed on
        # the pages that made it in.
        documents.append(document_entry(part.spec, part.case, part_pages))
    path.parent.mkdir(parents=True, exist_ok=True)
    writer.save(path)
    write_json(
        path.with_name(path.name + ".json"),
        {
            "file": path.name,
            "format": "pdf",
            "generator_seed": seed,
            "documents": documents,
            "pages": truth_pages,
        },
    )
    return path


def write_training_texts(path: Path, per_type: int, seed: int) -> int:
    """Training texts as JSON lines; returns how many were written."""
    path.parent.mkdir(parents=True, exist_ok=True)
    count = 0
    with path.open("w", encoding="utf-8") as handle:
        for record in training_texts(per_type, seed):
            handle.write(json.dumps(record, ensure_ascii=False) + "\n")
            count += 1
    return count


# -- command line -----------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m samples.generate",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--out",
        type=Path,
        default=PACKAGE_DIR,
        help="output directory; scans go to OUT/scans, truth to OUT/truth "
        "(default: the samples/ directory itself)",
    )
    parser.add_argument(
        "--seed",
        type=int,
        default=DEFAULT_SEED,
        help=f"generator seed (default {DEFAULT_SEED}, the committed set)",
    )
    parser.add_argument(
        "--only",
        action="append",
        default=[],
        metavar="FILE",
        choices=[s.file for s in SAMPLE_SET],
        help="write only this file of the sample set (repeatable)",
    )
    parser.add_argument(
        "--count",
        type=int,
        default=0,
        metavar="N",
        help="write N random documents in mixed formats (JPEG, PNG, TIFF, "
        "PDF; random template, font, dpi and defects) into OUT/scans and "
        "OUT/truth instead of the sample set",
    )
    parser.add_argument(
        "--bench-pdf",
        type=Path,
        metavar="PATH",
        help="write one long image-only PDF of many documents for benchmarks "
        "(varied templates, fonts, dpi, colour modes and defects, a few "
        "rotated pages, some blank back sides) and its truth as PATH.json",
    )
    parser.add_argument(
        "--pages",
        type=int,
        default=100,
        metavar="N",
        help="page count of --bench-pdf (default 100)",
    )
    parser.add_argument(
        "--labelled",
        type=Path,
        metavar="DIR",
        help="write the labelled set into DIR/scans and DIR/truth: --per-type "
        "documents of every catalogued document type, mildly degraded, every "
        "procedure among the declarations and receipts, and (with --per-type >= 2) "
        "two files holding a declaration and a copy of the applicant's ID card",
    )
    parser.add_argument(
        "--training-texts",
        type=Path,
        metavar="FILE",
        help="write labelled training texts as JSON lines to FILE, one document a "
        "line ({text, doc_type, procedure, source}), without drawing images",
    )
    parser.add_argument(
        "--per-type",
        type=int,
        default=3,
        metavar="N",
        help="documents per document type for --labelled and --training-texts (default 3)",
    )
    stack = parser.add_argument_group("stacks of dossiers (--stack)")
    stack.add_argument(
        "--stack",
        type=Path,
        metavar="FILE",
        help="write one long scan of many dossiers (receipts, separator sheets, papers, "
        "blank backs, turned and skewed pages), its truth as FILE.json and the one-stop "
        "records as STEM.records.json and STEM.records.csv",
    )
    stack.add_argument(
        "--dossiers",
        type=int,
        default=10,
        metavar="N",
        help="dossiers in --stack (default 10; 6 or more for every kind of boundary and "
        "both flawed codes; about 4 pages each, so 75 make a 300-page stack)",
    )
    stack.add_argument(
        "--format",
        choices=("pdf", "tiff"),
        help="file format of --stack: image-only PDF with JPEG pages, or CCITT G4 "
        "bilevel TIFF (default: from FILE's extension, .tif/.tiff give TIFF)",
    )
    stack.add_argument(
        "--leading-strays",
        type=int,
        default=0,
        metavar="K",
        help="stray pages before the first dossier of --stack, belonging to none (default 0)",
    )
    stack.add_argument(
        "--dpi",
        type=int,
        choices=(200, 250, 300),
        help="resolution of --stack (default: 200, 250 or 300, drawn from the seed)",
    )
    return parser


def stack_format(path: Path, given: str | None) -> StackFormat:
    if given == "tiff" or (given is None and path.suffix.lower() in (".tif", ".tiff")):
        return "tiff"
    return "pdf"


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    out: Path = args.out
    did_something = False
    if args.count > 0:
        paths = write_random(out, args.count, args.seed)
        print(f"wrote {len(paths)} random documents to {out / 'scans'}, truth in {out / 'truth'}")
        did_something = True
    if args.bench_pdf is not None:
        if args.pages < 1:
            raise SystemExit("--pages must be at least 1")
        path = write_bench_pdf(args.bench_pdf, args.pages, args.seed)
        print(f"wrote {path} ({args.pages} pages), truth in {path}.json")
        did_something = True
    if (args.labelled is not None or args.training_texts is not None) and args.per_type < 1:
        raise SystemExit("--per-type must be at least 1")
    if args.labelled is not None:
        paths = write_labelled(args.labelled, args.per_type, args.seed)
        print(
            f"wrote {len(paths)} labelled files to {args.labelled / 'scans'}, "
            f"truth in {args.labelled / 'truth'}"
        )
        did_something = True
    if args.training_texts is not None:
        count = write_training_texts(args.training_texts, args.per_type, args.seed)
        print(f"wrote {count} training texts to {args.training_texts}")
        did_something = True
    if args.stack is not None:
        if args.dossiers < 1:
            raise SystemExit("--dossiers must be at least 1")
        if args.leading_strays < 0:
            raise SystemExit("--leading-strays must not be negative")
        plan = plan_stack(
            args.dossiers,
            args.seed,
            file_format=stack_format(args.stack, args.format),
            leading_strays=args.leading_strays,
            dpi=args.dpi,
        )
        truth = write_stack(args.stack, plan)
        print(
            f"wrote {args.stack} ({len(truth['pages'])} pages, {args.dossiers} dossiers), "
            f"truth in {args.stack}.json, records in "
            f"{args.stack.with_suffix('.records.json')} and .csv"
        )
        did_something = True
    if not did_something:
        for path in write_sample_set(out, args.seed, args.only):
            print(f"wrote {path}  (truth: {out / 'truth' / (path.name + '.json')})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
