"""Writing scan files and their truth JSON: one file may hold several documents (a
declaration followed by a copy of the applicant's ID card), each listed in the truth's
"documents" with its pages, document type, procedure and expected field values."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from samples import formats
from samples.expected import expected_values
from samples.people import Case
from samples.scan import DocumentSpec, ScannedPage
from samples.templates import TEMPLATES


@dataclass(frozen=True, slots=True)
class Part:
    """One document of a scan file: its recipe, its case and its scanned pages (a lazy
    iterator, consumed once while the file is written)."""

    spec: DocumentSpec
    case: Case
    pages: Iterable[ScannedPage]


def write_json(path: Path, data: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


def document_entry(spec: DocumentSpec, case: Case, pages: Sequence[dict[str, Any]]) -> dict:
    """The truth of one document: its page numbers in the file (blank backs included),
    type, procedure and the normalised values of the fields printed on those pages."""
    template = TEMPLATES[spec.template]
    printed = {key for page in pages for key in page["fields"]}
    return {
        "pages": [page["number"] for page in pages],
        "doc_type": template.doc_type,
        "procedure": template.document_procedure(case.procedure.key),
        "expected": expected_values(template, case, printed),
    }


def file_truth(
    spec: DocumentSpec,
    seed: int,
    documents: list[dict[str, Any]],
    pages: list[dict[str, Any]],
) -> dict[str, Any]:
    truth: dict[str, Any] = {"file": spec.file, "format": spec.file_format, "generator_seed": seed}
    if spec.tiff_compression is not None:
        truth["compression"] = "lzw" if spec.tiff_compression == "tiff_lzw" else "group4"
    truth["documents"] = documents
    truth["pages"] = pages
    return truth


def write_file(parts: Sequence[Part], scans: Path, truths: Path, seed: int) -> Path:
    """Write one scan file holding `parts` in order, and its truth JSON; returns the
    scan's path. File-level settings (name, format, dpi, compression) are the first
    part's; pages are numbered through the whole file."""
    first = parts[0].spec
    for part in parts[1:]:
        if (part.spec.file, part.spec.file_format, part.spec.dpi) != (
            first.file,
            first.file_format,
            first.dpi,
        ):
            raise ValueError(f"{first.file}: the parts of one file must share its settings")
    scans.mkdir(parents=True, exist_ok=True)
    path = scans / first.file
    dpi = first.dpi if first.dpi_in_file else None
    truth_pages: list[dict[str, Any]] = []
    documents: list[dict[str, Any]] = []
    images = []
    writer = formats.PdfWriter() if first.file_format == "pdf" else None
    for part in parts:
        part_pages: list[dict[str, Any]] = []
        for page in part.pages:  # one page decoded at a time for PDFs
            truth = dict(page.truth, number=len(truth_pages) + 1)
            truth_pages.append(truth)
            part_pages.append(truth)
            if writer is not None:
                writer.add_page(page.image, first.dpi, first.jpeg_quality or 75)
            else:
                images.append(page.image)
        documents.append(document_entry(part.spec, part.case, part_pages))

    if writer is not None:
        writer.save(path)
    elif first.file_format == "tiff":
        formats.save_tiff(images, path, first.tiff_compression or "group4", dpi)
    else:
        (image,) = images  # JPEG and PNG hold a single page
        if first.file_format == "jpeg":
            formats.save_jpeg(image, path, first.jpeg_quality or 75, dpi)
        else:
            formats.save_png(image, path, dpi)
    write_json(truths / f"{first.file}.json", file_truth(first, seed, documents, truth_pages))
    return path
