"""Understanding a file: split its pages into documents, classify each, read its fields.

The stages, in order (`understand_pages`):

    pages -> documents (a new one where a catalogued title starts a page)
          -> document type (title rules + learned model) -> fields (labels, normalised,
             checked) -> procedure (the form's own, or named in a field)
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from digitize.understand.catalogue import Catalogue, load_catalogue
from digitize.understand.classify import (
    UNKNOWN,
    UNKNOWN_BELOW,
    classify,
    procedure_for,
    title_scores,
)
from digitize.understand.field_model import FieldModel
from digitize.understand.fields import REVIEW_BELOW, ExtractedField, extract_fields
from digitize.understand.learned import load_learned, with_learned
from digitize.understand.model import TextModel
from digitize.understand.pages import PageText
from digitize.understand.tables import (
    ExtractedTable,
    TableSpec,
    load_table_specs,
    read_tables,
)

_NEW_DOCUMENT_TITLE = (
    0.7  # a title this clear (ratio 0.88) at the top of a page starts a new document
)


@dataclass(frozen=True)
class Knowledge:
    """What understanding needs: the catalogue, the model (optional), the thresholds."""

    catalogue: Catalogue
    model: TextModel | None = None
    unknown_below: float = UNKNOWN_BELOW
    review_below: float = REVIEW_BELOW
    field_model: FieldModel | None = None  # unknown label wordings -> fields (issue 13)
    # Tables read as rows (issue 13): `tables.toml` of the catalogue; None = the packaged one.
    table_specs: tuple[TableSpec, ...] | None = None

    @functools.cached_property
    def tables(self) -> tuple[TableSpec, ...]:
        return load_table_specs() if self.table_specs is None else self.table_specs

    @functools.cached_property
    def all_labels(self) -> frozenset[str]:
        """Every field label of the catalogue: where one starts, the value before it ends."""
        return frozenset(
            label
            for doc in self.catalogue.document_types.values()
            for spec in doc.fields
            for label in spec.labels
        )

    @classmethod
    def load(
        cls,
        catalogue_dir: Path | None = None,
        model_path: Path | None = None,
        *,
        unknown_below: float = UNKNOWN_BELOW,
        review_below: float = REVIEW_BELOW,
        learned_path: Path | None = None,
        field_model_path: Path | None = None,
    ) -> Knowledge:
        """`learned_path`: field wordings learned from corrections (`learned.py`), added
        to the catalogue's labels when the file exists. `field_model_path`: the model
        that names the field of a label wording the catalogue does not know."""
        model = TextModel.load(model_path) if model_path is not None else None
        catalogue = load_catalogue(catalogue_dir)
        if learned_path is not None:
            catalogue = with_learned(catalogue, load_learned(learned_path))
        tables = load_table_specs(catalogue_dir)
        field_model = FieldModel.load(field_model_path) if field_model_path is not None else None
        return cls(
            catalogue,
            model,
            unknown_below,
            review_below,
            table_specs=tables,
            field_model=field_model,
        )


@dataclass(frozen=True, slots=True)
class UnderstoodDocument:
    pages: tuple[int, ...]
    doc_type: str
    doc_type_name: str | None
    confidence: float
    procedure: str | None
    procedure_name: str | None
    procedure_code: str | None
    procedure_confidence: float
    fields: dict[str, ExtractedField] = field(default_factory=dict)
    review: tuple[str, ...] = ()
    tables: tuple[ExtractedTable, ...] = ()  # issue 13: tables read as rows

    def as_json(self) -> dict[str, object]:
        procedure = (
            {
                "key": self.procedure,
                "code": self.procedure_code or None,
                "name": self.procedure_name,
            }
            if self.procedure
            else None
        )
        return {
            "pages": list(self.pages),
            "doc_type": self.doc_type,
            "doc_type_name": self.doc_type_name,
            "procedure": procedure,
            "confidence": round(self.confidence, 3),
            "procedure_confidence": round(self.procedure_confidence, 3),
            "fields": {name: item.as_json() for name, item in self.fields.items()},
            "review": list(self.review),
            "tables": [table.as_json() for table in self.tables],
        }


def document_groups(pages: Iterable[PageText], catalogue: Catalogue) -> Iterator[list[PageText]]:
    """Group a file's pages into documents, in order; every page lands in one group.

    A page whose top carries a catalogued title starts a new document; other pages
    (continuations, blank backs) stay with the document before them. Each group is
    handed over when the next one starts: only one document's pages are held.
    """
    group: list[PageText] = []
    for page in pages:
        starts = (
            not page.blank
            and bool(page.lines)
            and max(title_scores(page, catalogue).values(), default=0.0) >= _NEW_DOCUMENT_TITLE
        )
        if starts and any(p.lines and not p.blank for p in group):
            yield group
            group = []
        group.append(page)
    if group:
        yield group


def split_documents(pages: Iterable[PageText], catalogue: Catalogue) -> list[list[PageText]]:
    """All of `document_groups` at once."""
    return list(document_groups(pages, catalogue))


def understand_document(pages: Sequence[PageText], knowledge: Knowledge) -> UnderstoodDocument:
    catalogue = knowledge.catalogue
    doc_type, confidence, _, _ = classify(
        pages, catalogue, knowledge.model, unknown_below=knowledge.unknown_below
    )
    doc = catalogue.document_types.get(doc_type)
    fields = (
        extract_fields(
            pages,
            doc,
            review_below=knowledge.review_below,
            other_labels=knowledge.all_labels,
            field_model=knowledge.field_model,
        )
        if doc
        else {}
    )
    tables = (
        read_tables(pages, doc_type, knowledge.tables, review_below=knowledge.review_below)
        if doc
        else ()
    )
    procedure_text = ""
    if doc and doc.procedure_field and doc.procedure_field in fields:
        procedure_text = fields[doc.procedure_field].raw
    procedure_key, procedure_certainty = procedure_for(doc, catalogue, procedure_text)
    procedure = catalogue.procedure(procedure_key)
    review = []
    if doc_type == UNKNOWN:
        review.append("document type unknown")
    elif confidence < knowledge.review_below:
        review.append(f"document type uncertain ({confidence:.2f})")
    review += [
        f"field {name}: {', '.join(item.problems) or 'uncertain'}"
        for name, item in fields.items()
        if item.review
    ]
    review += [
        f"table {table.name} row {number} {name}: {', '.join(cell.problems) or 'uncertain'}"
        for table in tables
        for number, row in enumerate(table.rows, 1)
        for name, cell in row.items()
        if cell.review
    ]
    return UnderstoodDocument(
        pages=tuple(page.number for page in pages),
        doc_type=doc_type,
        doc_type_name=doc.name if doc else None,
        confidence=confidence,
        procedure=procedure.key if procedure else None,
        procedure_name=procedure.name if procedure else None,
        procedure_code=procedure.code if procedure else None,
        procedure_confidence=confidence * procedure_certainty if procedure else 0.0,
        fields=fields,
        review=tuple(review),
        tables=tables,
    )


def understand_pages(pages: Iterable[PageText], knowledge: Knowledge) -> list[UnderstoodDocument]:
    """Every document of a file, in page order; `pages` are read once, in order."""
    return [
        understand_document(group, knowledge)
        for group in document_groups(pages, knowledge.catalogue)
    ]
