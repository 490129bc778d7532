"""The full-text index: table search_pages, with FTS5 on SQLite and a tsvector column
with a GIN index on PostgreSQL (configuration 'simple': no stemming, which Vietnamese
does not need; the tokens are made by digitize/search_text.py); and indexes on the
columns of documents and dossiers that search filters on.

Documents stored before this migration are indexed by `digitize search reindex`.

Revision ID: 0002
Revises: 0001
Created: 2026-12-03 10:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

_COLUMNS = ("exact", "folded", "codes")
# Weights: exact forms A, folded B, codes C (ts_rank and the queries' :A/:B/:C rely on it).
_VECTOR = " || ".join(
    f"setweight(to_tsvector('simple'::regconfig, {column}), '{weight}')"
    for column, weight in zip(_COLUMNS, "ABC", strict=True)
)


def upgrade() -> None:
    op.create_table(
        "search_pages",
        # document id << 20 | page: 64 bits; on SQLite INTEGER, so that it is the rowid.
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=False,
            nullable=False,
        ),
        sa.Column("document_id", sa.Integer(), nullable=False),
        sa.Column("page", sa.Integer(), nullable=False),
        sa.Column("exact", sa.Text(), nullable=False),
        sa.Column("folded", sa.Text(), nullable=False),
        sa.Column("codes", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["document_id"],
            ["documents.id"],
            name=op.f("fk_search_pages_document_id_documents"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_search_pages")),
        sa.UniqueConstraint("document_id", "page", name=op.f("uq_search_pages_document_id")),
    )
    for name, table, column in _FILTER_INDEXES:
        op.create_index(name, table, [column])
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        _sqlite_fts()
    elif dialect == "postgresql":
        op.execute(
            f"ALTER TABLE search_pages ADD COLUMN vector tsvector "
            f"GENERATED ALWAYS AS ({_VECTOR}) STORED"
        )
        op.execute("CREATE INDEX ix_search_pages_vector ON search_pages USING gin (vector)")


# The columns search filters look documents and dossiers up by.
_FILTER_INDEXES = (
    ("ix_documents_procedure", "documents", "procedure"),
    ("ix_documents_procedure_code", "documents", "procedure_code"),
    ("ix_dossiers_procedure", "dossiers", "procedure"),
    ("ix_dossiers_procedure_code", "dossiers", "procedure_code"),
    ("ix_dossiers_receiving_unit", "dossiers", "receiving_unit"),
    ("ix_dossiers_received_date", "dossiers", "received_date"),
)


def _sqlite_fts() -> None:
    """An external-content FTS5 table: the text stays in search_pages only, and
    triggers keep the index in step with it (FTS5 needs the old text to delete)."""
    columns = ", ".join(_COLUMNS)
    new = ", ".join(f"new.{c}" for c in _COLUMNS)
    old = ", ".join(f"old.{c}" for c in _COLUMNS)
    # remove_diacritics 0: `exact` keeps its marks; the tokens are already lower case.
    op.execute(
        f"CREATE VIRTUAL TABLE search_pages_fts USING fts5({columns}, "
        "content='search_pages', content_rowid='id', "
        "tokenize='unicode61 remove_diacritics 0')"
    )
    insert = f"INSERT INTO search_pages_fts(rowid, {columns}) VALUES (new.id, {new});"
    delete = (
        f"INSERT INTO search_pages_fts(search_pages_fts, rowid, {columns}) "
        f"VALUES ('delete', old.id, {old});"
    )
    op.execute(f"CREATE TRIGGER search_pages_ai AFTER INSERT ON search_pages BEGIN {insert} END")
    op.execute(f"CREATE TRIGGER search_pages_ad AFTER DELETE ON search_pages BEGIN {delete} END")
    op.execute(
        f"CREATE TRIGGER search_pages_au AFTER UPDATE ON search_pages BEGIN {delete} {insert} END"
    )


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for trigger in ("search_pages_ai", "search_pages_ad", "search_pages_au"):
            op.execute(f"DROP TRIGGER IF EXISTS {trigger}")
        op.execute("DROP TABLE IF EXISTS search_pages_fts")
    op.drop_table("search_pages")
    for name, table, _ in _FILTER_INDEXES:
        op.drop_index(name, table_name=table)
