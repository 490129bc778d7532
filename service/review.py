"""Staff review: correcting what was read. The value read stays; the correction is kept
beside it with who made it and when, and the audit log says so too."""

from __future__ import annotations

import copy
import unicodedata
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from digitize.understand.checks import check_id_number
from models import Field
from models.base import utcnow
from service.audit import record
from service.errors import InvalidInputError, NotFoundError
from service.queries import get_document
from service.search import index_documents


def _clean(value: Any) -> Any:
    if isinstance(value, str):
        return unicodedata.normalize("NFC", " ".join(value.split()))
    if value is None or isinstance(value, int | float | bool):
        return value
    raise InvalidInputError("a field's value is text, a number or null")


def _id_number(value: Any) -> str | None:
    if value is None:
        return None
    checked = check_id_number(str(value))
    if checked.value is None or len(checked.value) != 12 or not checked.value.isdigit():
        raise InvalidInputError(f"{value!r} is not a personal ID number")
    return checked.value


def correct_field(
    session: Session,
    document_id: int,
    name: str,
    value: Any,
    *,
    actor: str,
    client_id: int | None = None,
    holder_id_field: str | None = None,
) -> Field:
    """Correct field `name` of a document. When it is the field that holds the holder's
    personal ID number (`holder_id_field`), the document now belongs to the number a
    person confirmed: it moves to that citizen's data store."""
    document = get_document(session, document_id)
    field = session.scalar(
        select(Field).where(Field.document_id == document.id, Field.name == name)
    )
    if field is None:
        # A field the reader missed: a person supplies it.
        field = Field(document_id=document.id, name=name, value=None, review=True, problems=[])
        session.add(field)
    before = field.current_value
    field.corrected_value = _clean(value)
    if name == holder_id_field:
        document.holder_id_number = _id_number(field.corrected_value)
    field.corrected_by = actor
    field.corrected_at = utcnow()
    session.flush()
    index_documents(session, [document.id])  # the correction is what search finds
    record(
        session,
        actor,
        "field.correct",
        "document",
        document.id,
        {"field": name, "before": before, "after": field.corrected_value},
        client_id=client_id,
    )
    return field


def correct_cell(
    session: Session,
    document_id: int,
    table: str,
    row: int,
    column: str,
    value: Any,
    *,
    actor: str,
) -> dict[str, Any]:
    """Correct (or confirm) cell `column` of row `row` (1-based) of a document's table
    (issue 13): the correction is kept in the cell beside the value read, as `corrected`
    {value, by, at}, and the cell's review note leaves the document's review list."""
    document = get_document(session, document_id)
    tables = copy.deepcopy(document.tables or [])
    found = next((t for t in tables if t.get("name") == table), None)
    rows = found.get("rows", []) if found else []
    cell = rows[row - 1].get(column) if 1 <= row <= len(rows) else None
    if not isinstance(cell, dict):
        raise NotFoundError(f"tài liệu {document_id} không có ô {table} dòng {row} {column}")
    before = (cell.get("corrected") or {}).get("value", cell.get("value"))
    after = _clean(value)
    if column.endswith("id_number"):
        after = _id_number(after)  # as a field's: twelve digits a person vouches for
    cell["corrected"] = {"value": after, "by": actor, "at": utcnow().isoformat()}
    cell["review"] = False
    document.tables = tables  # a new list: the JSON column is written again
    note = f"table {table} row {row} {column}:"
    document.review = [r for r in document.review if not r.startswith(note)]
    index_documents(session, [document.id])  # a member's corrected name is found by search
    record(
        session,
        actor,
        "table.correct",
        "document",
        document.id,
        {"table": table, "row": row, "column": column, "before": before, "after": after},
    )
    return cell
