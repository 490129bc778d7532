"""Two changes for archive scale: the change feed, and word pairs for PostgreSQL's
phrase search.

**The change feed** (GET /api/v1/dossiers?changed_since=...): every dossier and document
row carries the position of its last change, (change_tx, change_seq), set by triggers
on every write, so no code path can forget it (see service/feed.py).

- change_seq: a counter bumped on every change (a sequence on PostgreSQL; a one-row
  counter on SQLite, whose single writer at a time makes its order the commit order).
- change_tx: on PostgreSQL the writing transaction's id (pg_current_xact_id). Readers
  only hand out rows of transactions older than the oldest one still running
  (pg_snapshot_xmin), so a transaction that took its numbers early but commits late can
  never land behind a position a client has already passed. Always 0 on SQLite.

A change of a document (its row or its fields) also moves the dossiers it is in; so
does attaching a document to a dossier. Rows present before are positioned here, in id
order.

**Word pairs** (PostgreSQL only): search_pages.pairs, a generated tsvector of each
page's adjacent folded words as one lexeme each ("nguyen van"), under a GIN index. The
GIN index on `vector` knows which words a page holds but not where, so every phrase
query re-read, out of TOAST, the whole vector of each page holding its words (7,000
pages for a common name, 170 ms). The pairs index finds the pages with the words side
by side itself; only those are checked for the whole phrase (see service/search.py).
The table's rows are made narrow (toast_tuple_target) in the same rewrite.

Revision ID: 0005
Revises: 0003
Created: 2026-12-07 12:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0003"
branch_labels = None
depends_on = None

_TABLES = ("dossiers", "documents")

_PG_STAMP = """
CREATE FUNCTION change_feed_stamp() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.change_tx := pg_current_xact_id()::text::bigint;
    NEW.change_seq := nextval('change_feed_seq');
    RETURN NEW;
END $$
"""
# Moving a row already moved in this transaction again would only add row versions:
# the whole transaction becomes visible to the feed at once.
_PG_DOCUMENT_MOVES_DOSSIERS = """
CREATE FUNCTION change_feed_document_moves_dossiers() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE dossiers SET change_seq = 0
    WHERE change_tx <> pg_current_xact_id()::text::bigint
      AND id IN (SELECT dossier_id FROM dossier_documents WHERE document_id = NEW.id);
    RETURN NULL;
END $$
"""
# Attaching a document (or taking it away) changes it (the dossiers it is in: its
# other dossiers list where it is reused) and the dossier. The document moves the
# dossiers it is in; the dossier is moved itself when the document was already moved in
# this transaction, or is no longer in it.
_PG_ATTACHMENT_MOVES_DOSSIER = """
CREATE FUNCTION change_feed_attachment_moves_dossier() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    row_ dossier_documents := CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
BEGIN
    UPDATE documents SET change_seq = 0
    WHERE id = row_.document_id AND change_tx <> pg_current_xact_id()::text::bigint;
    UPDATE dossiers SET change_seq = 0
    WHERE id = row_.dossier_id AND change_tx <> pg_current_xact_id()::text::bigint;
    RETURN NULL;
END $$
"""
_PG_FIELD_MOVES_DOCUMENT = """
CREATE FUNCTION change_feed_field_moves_document() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    target integer := CASE WHEN TG_OP = 'DELETE' THEN OLD.document_id ELSE NEW.document_id END;
BEGIN
    UPDATE documents SET change_seq = 0
    WHERE id = target AND change_tx <> pg_current_xact_id()::text::bigint;
    RETURN NULL;
END $$
"""

# SQLite: AFTER triggers that number the row they fire for. With recursive triggers
# off (SQLite's default) the UPDATE inside a trigger does not fire that trigger again.
_SQLITE_NEXT = "UPDATE change_feed_counter SET value = value + 1;"
_SQLITE_SEQ = "(SELECT value FROM change_feed_counter)"


# The adjacent pairs of a page's folded words (single spaces between them: see
# digitize/search_text.py), as lexemes taken verbatim.
_PG_PAIRS = """
CREATE FUNCTION search_pairs(folded text) RETURNS tsvector
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT coalesce(array_to_tsvector(array_agg(pair) FILTER (WHERE pair IS NOT NULL)), '')
    FROM (SELECT word || ' ' || lead(word) OVER (ORDER BY n) AS pair
          FROM unnest(string_to_array(folded, ' ')) WITH ORDINALITY AS t(word, n)) AS pairs
$$
"""


def upgrade() -> None:
    _feed_upgrade()
    if op.get_bind().dialect.name == "postgresql":
        op.execute(_PG_PAIRS)
        # Rows of a few hundred bytes, their long values (texts, vectors) in TOAST: a
        # search reads the row of every page that matches (GIN has no index-only
        # scan), and 2 KB rows meant a block per match; now ~50 rows share a block. The
        # new column rewrites the table, which stores the rows so.
        op.execute("ALTER TABLE search_pages SET (toast_tuple_target = 128)")
        op.execute(
            "ALTER TABLE search_pages ADD COLUMN pairs tsvector "
            "GENERATED ALWAYS AS (search_pairs(folded)) STORED"
        )
        op.execute("CREATE INDEX ix_search_pages_pairs ON search_pages USING gin (pairs)")


def _feed_upgrade() -> None:
    for table in _TABLES:
        op.add_column(
            table, sa.Column("change_tx", sa.BigInteger(), nullable=False, server_default="0")
        )
        op.add_column(
            table, sa.Column("change_seq", sa.BigInteger(), nullable=False, server_default="0")
        )
        op.create_index(f"ix_{table}_change", table, ["change_tx", "change_seq"])
    # What a filtered feed pages through.
    for name, column in (("unit", "receiving_unit"), ("status", "status")):
        op.create_index(
            f"ix_dossiers_{name}_change", "dossiers", [column, "change_tx", "change_seq"]
        )
    if op.get_bind().dialect.name == "postgresql":
        _postgresql_upgrade()
    else:
        _sqlite_upgrade()


def _postgresql_upgrade() -> None:
    op.execute("CREATE SEQUENCE change_feed_seq AS bigint")
    for table in _TABLES:
        op.execute(
            f"UPDATE {table} SET change_tx = pg_current_xact_id()::text::bigint, "
            f"change_seq = numbered.seq FROM (SELECT id, nextval('change_feed_seq') AS seq "
            f"FROM {table} ORDER BY id) AS numbered WHERE {table}.id = numbered.id"
        )
    op.execute(_PG_STAMP)
    op.execute(_PG_DOCUMENT_MOVES_DOSSIERS)
    op.execute(_PG_ATTACHMENT_MOVES_DOSSIER)
    op.execute(_PG_FIELD_MOVES_DOCUMENT)
    for table in _TABLES:
        op.execute(
            f"CREATE TRIGGER {table}_change_stamp BEFORE INSERT OR UPDATE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION change_feed_stamp()"
        )
    op.execute(
        "CREATE TRIGGER documents_change_moves_dossiers AFTER UPDATE ON documents "
        "FOR EACH ROW EXECUTE FUNCTION change_feed_document_moves_dossiers()"
    )
    op.execute(
        "CREATE TRIGGER dossier_documents_change AFTER INSERT OR UPDATE OR DELETE "
        "ON dossier_documents FOR EACH ROW EXECUTE FUNCTION change_feed_attachment_moves_dossier()"
    )
    op.execute(
        "CREATE TRIGGER fields_change AFTER INSERT OR UPDATE OR DELETE ON fields "
        "FOR EACH ROW EXECUTE FUNCTION change_feed_field_moves_document()"
    )


def _sqlite_upgrade() -> None:
    op.execute(
        "CREATE TABLE change_feed_counter "
        "(id INTEGER PRIMARY KEY CHECK (id = 1), value INTEGER NOT NULL)"
    )
    op.execute("INSERT INTO change_feed_counter (id, value) VALUES (1, 0)")
    for table in _TABLES:
        op.execute(
            f"UPDATE {table} SET change_seq = "
            f"(SELECT value FROM change_feed_counter) + "
            f"(SELECT count(*) FROM {table} AS earlier WHERE earlier.id <= {table}.id)"
        )
        op.execute(f"UPDATE change_feed_counter SET value = value + (SELECT count(*) FROM {table})")
    stamp = f"{_SQLITE_NEXT} UPDATE {{}} SET change_seq = {_SQLITE_SEQ} WHERE id = NEW.id;"
    stamp_dossier, stamp_document = stamp.format("dossiers"), stamp.format("documents")
    dossiers_of_document = (
        "UPDATE dossiers SET change_seq = 0 WHERE id IN "
        "(SELECT dossier_id FROM dossier_documents WHERE document_id = NEW.id);"
    )
    for event in ("INSERT", "UPDATE"):
        op.execute(
            f"CREATE TRIGGER dossiers_change_{event.lower()} AFTER {event} ON dossiers "
            f"BEGIN {stamp_dossier} END"
        )
    op.execute(
        "CREATE TRIGGER documents_change_insert AFTER INSERT ON documents "
        f"BEGIN {stamp_document} END"
    )
    op.execute(
        "CREATE TRIGGER documents_change_update AFTER UPDATE ON documents "
        f"BEGIN {stamp_document} {dossiers_of_document} END"
    )
    for event, row in (("INSERT", "NEW"), ("UPDATE", "NEW"), ("DELETE", "OLD")):
        op.execute(
            f"CREATE TRIGGER dossier_documents_change_{event.lower()} AFTER {event} "
            f"ON dossier_documents BEGIN "
            f"UPDATE documents SET change_seq = 0 WHERE id = {row}.document_id; "
            f"UPDATE dossiers SET change_seq = 0 WHERE id = {row}.dossier_id; END"
        )
        op.execute(
            f"CREATE TRIGGER fields_change_{event.lower()} AFTER {event} ON fields BEGIN "
            f"UPDATE documents SET change_seq = 0 WHERE id = {row}.document_id; END"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE search_pages DROP COLUMN pairs")  # and its index
        op.execute("ALTER TABLE search_pages RESET (toast_tuple_target)")
        op.execute("DROP FUNCTION search_pairs(text)")
        for trigger, table in (
            ("dossiers_change_stamp", "dossiers"),
            ("documents_change_stamp", "documents"),
            ("documents_change_moves_dossiers", "documents"),
            ("dossier_documents_change", "dossier_documents"),
            ("fields_change", "fields"),
        ):
            op.execute(f"DROP TRIGGER IF EXISTS {trigger} ON {table}")
        for function in (
            "change_feed_stamp",
            "change_feed_document_moves_dossiers",
            "change_feed_attachment_moves_dossier",
            "change_feed_field_moves_document",
        ):
            op.execute(f"DROP FUNCTION IF EXISTS {function}()")
        op.execute("DROP SEQUENCE IF EXISTS change_feed_seq")
    else:
        for table in ("dossiers", "documents", "dossier_documents", "fields"):
            for event in ("insert", "update", "delete"):
                op.execute(f"DROP TRIGGER IF EXISTS {table}_change_{event}")
        op.execute("DROP TABLE IF EXISTS change_feed_counter")
    op.drop_index("ix_dossiers_status_change", "dossiers")
    op.drop_index("ix_dossiers_unit_change", "dossiers")
    for table in _TABLES:
        op.drop_index(f"ix_{table}_change", table)
        for column in ("change_seq", "change_tx"):  # SQLite 3.35+ drops a column in place
            op.execute(f"ALTER TABLE {table} DROP COLUMN {column}")
