"""Filter tokens in the full-text index: column search_pages.facets, searched with the
text (a fourth FTS5 column on SQLite; weight D of the tsvector on PostgreSQL), so a
filtered search is narrowed by the engine itself (see service/search.py).

The rows indexed before are given their tokens here, from their documents and
dossiers as they are now.

Revision ID: 0003
Revises: 0002
Created: 2026-12-02 01:30:00
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterator
from datetime import date
from typing import Any

import sqlalchemy as sa
from alembic import op

from digitize.search_text import fold_in_place

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

_TEXT_COLUMNS = ("exact", "folded", "codes")
_WEIGHTS = "ABCD"  # exact, folded, codes, facets
_NOT_FACET_CHARS = re.compile(r"[^a-z0-9]+")


def upgrade() -> None:
    # The engine's index goes first, so that filling the new column does not update it
    # row by row; it is then made once over the four columns.
    _drop_engine_index()
    op.add_column("search_pages", sa.Column("facets", sa.Text(), nullable=False, server_default=""))
    _fill_facets()
    _make_engine_index((*_TEXT_COLUMNS, "facets"))


def downgrade() -> None:
    _drop_engine_index()
    op.drop_column("search_pages", "facets")
    _make_engine_index(_TEXT_COLUMNS)


def _drop_engine_index() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for trigger in ("search_pages_ai", "search_pages_ad", "search_pages_au"):
            op.execute(f"DROP TRIGGER IF EXISTS {trigger}")
        op.execute("DROP TABLE IF EXISTS search_pages_fts")
    elif op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE search_pages DROP COLUMN vector")  # and its GIN index


def _make_engine_index(columns: tuple[str, ...]) -> None:
    if op.get_bind().dialect.name == "sqlite":
        _sqlite_fts(columns)
    elif op.get_bind().dialect.name == "postgresql":
        _postgres_vector(columns)


def _sqlite_fts(columns: tuple[str, ...]) -> None:
    """The FTS5 table over `columns`, with its triggers, filled from search_pages
    (external content: the text stays there)."""
    names = ", ".join(columns)
    new = ", ".join(f"new.{c}" for c in columns)
    old = ", ".join(f"old.{c}" for c in columns)
    op.execute(
        f"CREATE VIRTUAL TABLE search_pages_fts USING fts5({names}, "
        "content='search_pages', content_rowid='id', "
        "tokenize='unicode61 remove_diacritics 0')"
    )
    insert = f"INSERT INTO search_pages_fts(rowid, {names}) VALUES (new.id, {new});"
    delete = (
        f"INSERT INTO search_pages_fts(search_pages_fts, rowid, {names}) "
        f"VALUES ('delete', old.id, {old});"
    )
    op.execute(f"CREATE TRIGGER search_pages_ai AFTER INSERT ON search_pages BEGIN {insert} END")
    op.execute(f"CREATE TRIGGER search_pages_ad AFTER DELETE ON search_pages BEGIN {delete} END")
    op.execute(
        f"CREATE TRIGGER search_pages_au AFTER UPDATE ON search_pages BEGIN {delete} {insert} END"
    )
    op.execute("INSERT INTO search_pages_fts(search_pages_fts) VALUES ('rebuild')")


def _postgres_vector(columns: tuple[str, ...]) -> None:
    """The generated tsvector over `columns`, and its GIN index."""
    vector = " || ".join(
        f"setweight(to_tsvector('simple'::regconfig, {column}), '{weight}')"
        for column, weight in zip(columns, _WEIGHTS, strict=False)
    )
    op.execute(
        f"ALTER TABLE search_pages ADD COLUMN vector tsvector GENERATED ALWAYS AS ({vector}) STORED"
    )
    op.execute("CREATE INDEX ix_search_pages_vector ON search_pages USING gin (vector)")


# The tokens as service/search.py made them at this revision: a migration keeps its own
# copy, so what it writes does not change when the service's code does.


def _token(kind: str, value: object) -> str | None:
    if value is None:
        return None
    compact = _NOT_FACET_CHARS.sub("", fold_in_place(unicodedata.normalize("NFC", str(value))))
    return f"zz{kind}{compact}" if compact else None


def _dossier_tokens(row: Any) -> Iterator[str | None]:
    yield _token("s", row.status)
    yield _token("u", row.code.split("-", 1)[0])
    yield _token("u", row.receiving_unit)
    yield _token("p", row.procedure)
    yield _token("p", row.procedure_code)
    if row.received_date is not None:
        received = row.received_date
        if isinstance(received, str):  # SQLite hands a DATE back as text to plain SQL
            received = date.fromisoformat(received[:10])
        yield _token("y", received.year)
        yield _token("m", f"{received.year}{received.month:02d}")


def _fill_facets() -> None:
    connection = op.get_bind()
    tokens: dict[int, set[str | None]] = defaultdict(set)
    documents = connection.execute(
        sa.text(
            "SELECT id, doc_type, procedure, procedure_code FROM documents "
            "WHERE id IN (SELECT document_id FROM search_pages)"
        )
    )
    for row in documents:
        tokens[row.id] |= {
            _token("t", row.doc_type),
            _token("p", row.procedure),
            _token("p", row.procedure_code),
        }
    attached = connection.execute(
        sa.text(
            "SELECT dd.document_id, ds.code, ds.status, ds.receiving_unit, ds.procedure, "
            "ds.procedure_code, ds.received_date FROM dossier_documents dd "
            "JOIN dossiers ds ON ds.id = dd.dossier_id "
            "WHERE dd.document_id IN (SELECT document_id FROM search_pages)"
        )
    )
    for row in attached:
        tokens[row.document_id].update(_dossier_tokens(row))
    rows = [
        {"document": document, "facets": " ".join(sorted(t for t in found if t))}
        for document, found in tokens.items()
    ]
    if rows:
        connection.execute(
            sa.text("UPDATE search_pages SET facets = :facets WHERE document_id = :document"),
            rows,
        )
