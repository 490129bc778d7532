"""What staff settle on the review page: fields confirmed or corrected, a document's type
and procedure, an undecided dossier code; the review queue; retraining.

Each correction is kept beside the value read, with who and when (service/review.py),
and also appended to DATA_DIR/corrections.jsonl in the format `digitize correct`
writes, so `digitize train` and the retrain button learn from what staff settled.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from digitize.understand import load_catalogue
from digitize.understand.field_model import DEFAULT_FIELD_EXAMPLES, train_field_model
from digitize.understand.learned import learn_wordings, read_corrections, save_learned
from digitize.understand.model import TextModel, read_examples
from models import (
    Attachment,
    Batch,
    BatchFile,
    Document,
    Dossier,
    DossierDocument,
    Field,
    Page,
    RecordOrigin,
)
from service.audit import record
from service.context import Services
from service.errors import InvalidInputError
from service.queries import get_document
from service.review import correct_cell, correct_field
from service.staff import StaffSession

TRAINING_EXAMPLES = Path("samples/training/labelled.jsonl")  # as `digitize train` reads
FIELD_EXAMPLES = DEFAULT_FIELD_EXAMPLES


# --- the queue ------------------------------------------------------------------------


@dataclass(frozen=True)
class QueueItem:
    document: Document
    open_items: list[str]


def _maybe_open() -> Any:
    """Documents that may have something left to check (open_items says for sure)."""
    flagged = (
        select(Field.document_id)
        .where(Field.review.is_(True), Field.corrected_by.is_(None))
        .distinct()
    )
    return Document.id.in_(flagged) | (Document.review != []) | (Document.dossier_id.is_(None))


def review_queue(session: Session, limit: int = 200) -> list[QueueItem]:
    """Documents with something left to check, oldest first."""
    documents = session.scalars(
        select(Document)
        .where(_maybe_open())
        .options(selectinload(Document.fields))
        .order_by(Document.created_at, Document.id)
        .limit(limit * 3)
    )
    items = []
    for document in documents:
        left = open_items(session, document)
        if left:
            items.append(QueueItem(document, left))
        if len(items) >= limit:
            break
    return items


def next_in_queue(session: Session, document: Document, look: int = 20) -> int | None:
    """The document after `document` in the review queue (by id, wrapping round to the
    oldest): the review page's "next", found without building the whole queue."""
    for after in (Document.id > document.id, Document.id != document.id):
        candidates = session.scalars(
            select(Document)
            .where(_maybe_open(), after)
            .options(selectinload(Document.fields))
            .order_by(Document.id)
            .limit(look)
        )
        for candidate in candidates:
            if open_items(session, candidate):
                return candidate.id
    return None


def open_items(session: Session, document: Document) -> list[str]:
    """What is still to settle on a document: its review notes and unconfirmed fields."""
    left = list(document.review)
    for field in document.fields:
        if field.review and field.corrected_by is None:
            note = f"field {field.name}"
            if not any(item.startswith(note) for item in left):
                left.append(note)
    if document.dossier_id is None and not _in_a_dossier(session, document.id):
        left.append("dossier code undecided")
    return left


def _in_a_dossier(session: Session, document_id: int) -> bool:
    return (
        session.scalar(
            select(DossierDocument.dossier_id).where(DossierDocument.document_id == document_id)
        )
        is not None
    )


# --- settling -------------------------------------------------------------------------


def settle_field(
    services: Services, document_id: int, name: str, value: Any, *, staff: StaffSession
) -> Field:
    """Confirm (the value read, unchanged) or correct a field."""
    with services.writes.begin() as session:
        document = get_document(session, document_id)
        doc_type = services.knowledge.catalogue.document_types.get(document.doc_type)
        field = correct_field(
            session,
            document_id,
            name,
            value,
            actor=staff.actor,
            holder_id_field=doc_type.holder_id if doc_type else None,
        )
        field.review = False
        document.review = [r for r in document.review if not r.startswith(f"field {name}:")]
        _learn(services, session, document, staff, fields={name: field.corrected_value})
        return field


def settle_cell(
    services: Services,
    document_id: int,
    table: str,
    row: int,
    column: str,
    value: Any,
    *,
    staff: StaffSession,
) -> dict[str, Any]:
    """Confirm (the value read, unchanged) or correct a table cell (issue 13)."""
    with services.writes.begin() as session:
        return correct_cell(session, document_id, table, row, column, value, actor=staff.actor)


def settle_document(
    services: Services,
    document_id: int,
    *,
    doc_type: str | None,
    procedure: str | None,
    staff: StaffSession,
) -> Document:
    """Settle a document's type and procedure (from the catalogue)."""
    catalogue = services.knowledge.catalogue
    if doc_type and doc_type not in catalogue.document_types:
        raise InvalidInputError(f"loại giấy tờ {doc_type!r} không có trong danh mục")
    if procedure and procedure not in catalogue.procedures:
        raise InvalidInputError(f"thủ tục {procedure!r} không có trong danh mục")
    with services.writes.begin() as session:
        document = get_document(session, document_id)
        before = {"doc_type": document.doc_type, "procedure": document.procedure}
        if doc_type:
            document.doc_type = doc_type
            document.doc_type_name = catalogue.document_types[doc_type].name
            document.confidence = 1.0
            document.review = [r for r in document.review if not r.startswith("document type")]
        if procedure:
            chosen = catalogue.procedures[procedure]
            document.procedure = chosen.key
            document.procedure_code = chosen.code or None
            document.procedure_name = chosen.name
            document.procedure_confidence = 1.0
        after = {"doc_type": document.doc_type, "procedure": document.procedure}
        record(session, staff.actor, "document.settle", "document", document.id,
               {"before": before, "after": after})  # fmt: skip
        _learn(services, session, document, staff, fields={})
        return document


@dataclass(frozen=True)
class WaitingBatch:
    """A batch uploaded as one dossier without a code: its documents wait together."""

    batch_id: int
    documents: list[int]  # its documents not yet in a dossier, this one included


def waiting_batch(session: Session, document: Document) -> WaitingBatch | None:
    """The one-dossier batch, without a code yet, that `document` was uploaded in."""
    batch = session.scalar(
        select(Batch)
        .join(BatchFile, BatchFile.batch_id == Batch.id)
        .where(BatchFile.scan_id == document.scan_id, Batch.one_dossier.is_(True))
        .where(Batch.dossier_code.is_(None))
        .order_by(Batch.id)
        .limit(1)
    )
    if batch is None:
        return None
    return WaitingBatch(batch.id, _unfiled_documents(session, batch.id))


def _unfiled_documents(session: Session, batch_id: int) -> list[int]:
    scans = select(BatchFile.scan_id).where(BatchFile.batch_id == batch_id)
    filed = select(DossierDocument.document_id)
    return list(
        session.scalars(
            select(Document.id)
            .where(Document.scan_id.in_(scans), Document.dossier_id.is_(None))
            .where(Document.id.not_in(filed))
            .order_by(Document.id)
        )
    )


def settle_dossier(
    services: Services, document_id: int, code: str, *, staff: StaffSession
) -> Dossier:
    """Put a document whose dossier code was undecided into dossier `code` (made when no
    record of it exists yet). A document of a batch uploaded as one dossier takes the
    whole batch with it: its other documents, and those of its files still digitising
    (the batch keeps the code, which the assembly of each file reads)."""
    from service.ingest import checked_dossier_code

    checked = checked_dossier_code(code)
    if checked is None:
        raise InvalidInputError("hãy nhập mã hồ sơ")
    with services.writes.begin() as session:
        document = get_document(session, document_id)
        dossier = session.scalar(select(Dossier).where(Dossier.code == checked))
        if dossier is None:
            dossier = Dossier(code=checked, origin=RecordOrigin.FROM_SCAN, review=[])
            session.add(dossier)
            session.flush()
        documents = [document]
        waiting = waiting_batch(session, document)
        if waiting is not None:
            batch = session.get(Batch, waiting.batch_id, with_for_update=True)
            assert batch is not None
            batch.dossier_code = checked
            documents += [
                get_document(session, other) for other in waiting.documents if other != document.id
            ]
        position = len(dossier.attachments)
        for each in documents:
            each.dossier_id = dossier.id
            if not _in_a_dossier(session, each.id):
                session.add(
                    DossierDocument(
                        dossier_id=dossier.id,
                        document_id=each.id,
                        position=position,
                        origin=Attachment.SCANNED,
                        added_by=staff.actor,
                    )
                )
                position += 1
                session.flush()
            detail: dict[str, Any] = {"dossier_code": checked}
            if waiting is not None:
                detail["batch"] = waiting.batch_id
            record(session, staff.actor, "document.dossier", "document", each.id, detail)
        if waiting is not None:
            record(session, staff.actor, "batch.dossier", "batch", waiting.batch_id,
                   {"dossier_code": checked, "documents": [d.id for d in documents]})  # fmt: skip
        return dossier


def _learn(
    services: Services,
    session: Session,
    document: Document,
    staff: StaffSession,
    *,
    fields: dict[str, Any],
) -> None:
    """One line of corrections.jsonl: the document's text with what a person settled."""
    pages = session.scalars(
        select(Page.text)
        .where(Page.scan_id == document.scan_id, Page.number.in_(document.pages))
        .order_by(Page.number)
    )
    line = {
        "text": "\n\f\n".join(text or "" for text in pages),
        "doc_type": document.doc_type,
        "procedure": document.procedure,
        "fields": fields,
        "source": f"document:{document.id}",
        "corrected_by": staff.actor,
        "at": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    path = services.settings.corrections_file
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="utf-8") as handle:
        handle.write(json.dumps(line, ensure_ascii=False) + "\n")


# --- learning -------------------------------------------------------------------------


def corrections_count(services: Services) -> int:
    path = services.settings.corrections_file
    if not path.is_file():
        return 0
    with path.open(encoding="utf-8") as handle:
        return sum(1 for line in handle if line.strip())


def retrain(services: Services, *, actor: str) -> int:
    """Train the classifier on the packaged examples and the corrections, and learn the
    field wordings and the field model from the field corrections; saved where new worker
    processes load them (DATA_DIR/classifier.npz, DATA_DIR/learned_fields.json,
    DATA_DIR/field_model.npz). Returns the examples used.
    Run by a worker (workers/jobs.retrain_classifier), not in a request: it takes
    seconds, and more as corrections pile up."""
    sources = [p for p in (TRAINING_EXAMPLES, services.settings.corrections_file) if p.is_file()]
    if not sources:
        raise InvalidInputError("không có dữ liệu để học")
    examples = read_examples(sources)
    known = services.knowledge.catalogue.document_types
    examples = [e for e in examples if e.doc_type in known]
    model = TextModel.train(examples)
    out = services.settings.data_dir / "classifier.npz"
    model.save(out, meta={"examples": len(examples), "sources": [str(s) for s in sources]})
    corrections = services.settings.corrections_file
    if corrections.is_file():
        # Field corrections teach the extractor the label wordings before their values;
        # learned against the catalogue as staff wrote it, not one holding earlier ones.
        base = load_catalogue(services.settings.catalogue_dir)
        learned = learn_wordings(read_corrections(corrections), base)
        save_learned(learned, services.settings.learned_fields_file)
        # ... and the field model, which names the field of label wordings it never saw.
        field_model, count = train_field_model(
            base, [p for p in (FIELD_EXAMPLES,) if p.is_file()], read_corrections(corrections)
        )
        field_model.save(services.settings.data_dir / "field_model.npz", meta={"examples": count})
    with services.writes.begin() as session:
        record(session, actor, "classifier.retrain", "classifier", out.name,
               {"examples": len(examples)})  # fmt: skip
    return len(examples)
