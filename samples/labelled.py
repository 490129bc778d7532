"""A labelled set for a document classifier and a field extractor, and training texts.

`write_labelled` writes N scanned documents of every document type of the catalogue,
mildly and variously degraded, with truth that names each document's type, procedure and
expected field values (see `samples.output`). Every procedure of the catalogue appears
among the declarations and receipts: form CT01 cycles through the three residence
procedures and the receipts through all of them, those without a form of their own
first, so CT01 gets at least 3 documents and the receipt at least 5 whatever N is. With
N >= 2, two more files each hold a declaration followed by a copy of the applicant's ID
card.

`training_texts` gives the same mix as text only (the truth text of each document, pages
joined by a form feed line), laid out but not drawn, from cases of their own.
"""

from __future__ import annotations

import dataclasses
import random
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from samples import data
from samples.output import Part, write_file
from samples.people import make_case
from samples.render import FONTS, render
from samples.scan import (
    PAPER_TINTS,
    ColourMode,
    DocumentSpec,
    Effects,
    FileFormat,
    PageSpec,
    TiffCompression,
    case_for,
    render_spec,
    scan_document,
)
from samples.templates import BY_DOC_TYPE, RESIDENCE_PROCEDURES, TEMPLATES, Template

EXTENSIONS: dict[str, str] = {"jpeg": "jpg", "png": "png", "tiff": "tif", "pdf": "pdf"}
DPIS = (200, 250, 300)
PAGE_SEPARATOR = "\n\f\n"  # between the pages of one document in a training text
CARD = "can_cuoc_cong_dan"
# Declarations whose dossiers ask for a copy of the applicant's ID card.
PAIRED_WITH_CARD = (
    "to_khai_khai_sinh",
    "to_khai_ly_lich_tu_phap",
    "giay_de_nghi_ho_kinh_doanh",
    "to_khai_dang_ky_ket_hon",
    "to_khai_dang_ky_khai_tu",
)
PAIRS = 2
# Papers an office signs and seals (colour scans show the red seal).
SEALED = frozenset(
    {
        "giay_tiep_nhan_ho_so",
        "giay_chung_sinh",
        "giay_khai_sinh",
        "giay_chung_nhan_dang_ky_ho_kinh_doanh",
        "giay_chung_nhan_quyen_su_dung_dat",
    }
)


def _own_procedures() -> set[str]:
    """Procedures some form or paper other than the receipt belongs to."""
    own: set[str] = set()
    for template in TEMPLATES.values():
        if template.doc_type == "giay_tiep_nhan_ho_so":
            continue
        own.update(
            template.case_procedures or ((template.procedure,) if template.procedure else ())
        )
    return own


def receipt_procedures() -> tuple[str, ...]:
    """The order receipts cycle through: procedures without a form of their own first."""
    own = _own_procedures()
    keys = [p.key for p in data.PROCEDURES]
    return tuple([k for k in keys if k not in own] + [k for k in keys if k in own])


@dataclass(frozen=True, slots=True)
class Planned:
    """One file of the labelled set: (template key, case procedure or None) per document;
    a second document is a copy of the first one's applicant's ID card."""

    index: int
    documents: tuple[tuple[str, str | None], ...]


def labelled_plan(per_type: int, seed: int) -> list[Planned]:
    if per_type < 1:
        raise ValueError("per_type must be at least 1")
    receipts = receipt_procedures()
    formless = sum(1 for k in receipts if k not in _own_procedures())
    items: list[tuple[tuple[str, str | None], ...]] = []
    for template in BY_DOC_TYPE.values():
        if template.doc_type == "giay_tiep_nhan_ho_so":
            for i in range(max(per_type, formless)):
                items.append(((template.key, receipts[i % len(receipts)]),))
        elif template.case_procedures:
            for i in range(max(per_type, len(RESIDENCE_PROCEDURES))):
                choices = template.case_procedures
                items.append(((template.key, choices[i % len(choices)]),))
        else:
            items.extend(((template.key, template.procedure),) for _ in range(per_type))
    if per_type >= 2:
        rng = random.Random(f"{seed}:labelled:pairs")
        for key in rng.sample(PAIRED_WITH_CARD, PAIRS):
            items.append(((key, TEMPLATES[key].procedure), (CARD, None)))
    return [Planned(i, docs) for i, docs in enumerate(items, 1)]


def _tenths(x: float) -> float:
    return round(x, 1) + 0.0  # + 0.0 turns -0.0 into 0.0


def mild_effects(rng: random.Random, colour_mode: ColourMode, dpi: int, stamp: bool) -> Effects:
    """Defects of an ordinary office scanner: skew within ±5° (mostly ±2°), now and then
    a sheet fed sideways or upside down, light blur, noise and specks."""
    skew = _tenths(rng.uniform(-2.0, 2.0) if rng.random() < 0.75 else rng.uniform(-5.0, 5.0))
    dark = rng.random() < 0.1
    grey = colour_mode != "bilevel"
    return Effects(
        skew_deg=skew,
        rotation=rng.choice((90, 180, 270)) if rng.random() < 0.1 else 0,
        lid="dark" if dark else "white",
        bed_margin_mm=float(rng.randint(2, 5)) if dark else 0.0,
        paper_tint=rng.choice(PAPER_TINTS) if grey and rng.random() < 0.3 else None,
        show_through=round(rng.uniform(0.03, 0.07), 2) if rng.random() < 0.1 else 0.0,
        stamp=stamp and colour_mode == "colour",
        blur_sigma=round(rng.uniform(0.3, 0.8) * dpi / 200, 2) if rng.random() < 0.3 else 0.0,
        noise=float(rng.randint(2, 6)) if rng.random() < 0.4 else 0.0,
        speckles=rng.randint(5, 30) if rng.random() < 0.3 else 0,
        jpeg_roundtrip=rng.randint(50, 80) if grey and rng.random() < 0.1 else None,
        binarise_threshold=rng.randint(145, 175),
    )


def _file_settings(
    rng: random.Random, page_count: int
) -> tuple[FileFormat, ColourMode, int | None, TiffCompression | None, bool]:
    """Format, colour mode, JPEG quality, TIFF compression and whether the dpi is
    recorded. JPEG and PNG hold one page, so longer files are TIFF or PDF."""
    single: tuple[FileFormat, ...] = ("jpeg", "png", "tiff", "pdf")
    several: tuple[FileFormat, ...] = ("tiff", "pdf", "pdf")
    file_format = rng.choice(single if page_count == 1 else several)
    colour: ColourMode
    if file_format == "jpeg":
        colour = rng.choice(("grey", "colour"))
        return "jpeg", colour, rng.randint(60, 90), None, rng.random() < 0.9
    if file_format == "png":
        colour = rng.choice(("grey", "bilevel"))
        return "png", colour, None, None, True
    if file_format == "tiff":
        compression: TiffCompression = rng.choice(("group4", "group4", "tiff_lzw"))
        return "tiff", "bilevel", None, compression, True
    colour = rng.choice(("colour", "grey", "bilevel"))
    return "pdf", colour, rng.randint(65, 85), None, True


def _stem(item: Planned) -> str:
    doc_type = TEMPLATES[item.documents[0][0]].doc_type.replace("_", "-")
    return f"labelled-{item.index:04d}-{doc_type}" + (
        "-with-cccd" if len(item.documents) > 1 else ""
    )


def labelled_parts(item: Planned, seed: int) -> list[Part]:
    """The documents of one planned file, ready to be written (pages scanned lazily)."""
    rng = random.Random(f"{seed}:labelled:{item.index}")
    stem = _stem(item)
    font = rng.choice(sorted(FONTS))
    dpi = rng.choice(DPIS)
    first_key, procedure = item.documents[0]
    base = DocumentSpec(
        file=stem,
        template=first_key,
        font=font,
        dpi=dpi,
        colour_mode="grey",
        file_format="pdf",
        pages=(),
        procedure=procedure,
        case_seed=stem,
    )
    case = case_for(base, seed)
    # Lay out first (cheap) to count pages: the count decides the file format, which
    # decides the colour mode the pages are drawn in.
    counts = [
        len(render(TEMPLATES[key], case, font=font, dpi=dpi, draw=False).pages)
        for key, _ in item.documents
    ]
    file_format, colour, quality, compression, dpi_in_file = _file_settings(rng, sum(counts))
    base = dataclasses.replace(
        base,
        file=f"{stem}.{EXTENSIONS[file_format]}",
        colour_mode=colour,
        file_format=file_format,
        jpeg_quality=quality,
        tiff_compression=compression,
        dpi_in_file=dpi_in_file,
    )
    parts = []
    for number, ((key, _), count) in enumerate(zip(item.documents, counts, strict=True), 1):
        template = TEMPLATES[key]
        stamped = template.doc_type in SEALED
        pages: list[PageSpec] = []
        for source in range(1, count + 1):
            stamp = stamped and rng.random() < 0.7
            pages.append(PageSpec(source, mild_effects(rng, colour, dpi, stamp)))
            if file_format in ("tiff", "pdf") and rng.random() < 0.12:
                pages.append(
                    PageSpec(
                        None,
                        Effects(skew_deg=_tenths(rng.uniform(-1, 1)), speckles=rng.randint(2, 10)),
                    )
                )
        spec = dataclasses.replace(
            base,
            template=key,
            pages=tuple(pages),
            effects_seed=None if number == 1 else f"{base.file}#{number}",
        )
        document = render_spec(spec, case)
        parts.append(Part(spec, case, scan_document(spec, seed, case, document, strict=True)))
    return parts


def write_labelled(out: Path, per_type: int, seed: int) -> list[Path]:
    """The labelled set into OUT/scans and OUT/truth."""
    return [
        write_file(labelled_parts(item, seed), out / "scans", out / "truth", seed)
        for item in labelled_plan(per_type, seed)
    ]


def training_texts(per_type: int, seed: int) -> Iterator[dict[str, Any]]:
    """One record per document: its truth text page by page, type and procedure. Cases,
    fonts and resolutions (which move line breaks) vary; nothing is drawn."""
    number = 0
    for item in labelled_plan(per_type, seed):
        if len(item.documents) > 1:
            continue  # the pairs repeat documents of types already there
        for key, procedure in item.documents:
            number += 1
            rng = random.Random(f"{seed}:texts:{number}")
            template: Template = TEMPLATES[key]
            case = make_case(
                random.Random(f"{seed}:texts-case:{number}"),
                procedure,
                young_family=template.young_family,
            )
            document = render(
                template, case, font=rng.choice(sorted(FONTS)), dpi=rng.choice(DPIS), draw=False
            )
            yield {
                "text": PAGE_SEPARATOR.join(page.text for page in document.pages),
                "doc_type": template.doc_type,
                "procedure": template.document_procedure(case.procedure.key),
                "source": f"generated seed {seed} #{number}",
            }
