"""The database: migrations run by themselves and twice safely, the audit log refuses
changes, and the same holds on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from sqlalchemy import inspect, text
from sqlalchemy.exc import DBAPIError

from models import AuditEntry, create_engine_for
from models.migrate import current_revision, head_revision, upgrade
from service.audit import entries_for, record
from service.context import open_database


def test_migrations_make_every_table_and_run_twice_safely(database_url: str) -> None:
    engine = create_engine_for(database_url)
    upgrade(engine)
    upgrade(engine)
    assert current_revision(engine) == head_revision()
    tables = set(inspect(engine).get_table_names())
    assert {
        "batches", "batch_files", "scans", "pages", "dossiers", "documents",
        "dossier_documents", "fields", "api_clients", "webhooks", "webhook_deliveries",
        "audit_log",
    } <= tables  # fmt: skip
    engine.dispose()


def test_the_audit_log_is_append_only(database_url: str) -> None:
    database = open_database(database_url)
    with database.writes.begin() as session:
        record(session, "Lan", "field.correct", "document", 7, {"field": "applicant_name"})
    for statement in ("UPDATE audit_log SET actor = 'someone else'", "DELETE FROM audit_log"):
        with pytest.raises(DBAPIError, match="append-only"), database.writes.begin() as session:
            session.execute(text(statement))
    with database.reads() as session:
        entries = entries_for(session, "document", 7)
        assert [(e.actor, e.action, e.detail) for e in entries] == [
            ("Lan", "field.correct", {"field": "applicant_name"})
        ]
        assert isinstance(entries[0], AuditEntry) and entries[0].at.tzinfo is not None
    database.engine.dispose()


def test_records_of_the_earlier_table_are_carried_over(tmp_path) -> None:
    url = f"sqlite:///{tmp_path}/old.db"
    engine = create_engine_for(url)
    with engine.begin() as connection:  # the table `digitize records import` used to fill
        connection.execute(
            text(
                "CREATE TABLE dossier_records (id INTEGER PRIMARY KEY, code VARCHAR(64), "
                "procedure VARCHAR(80), procedure_code VARCHAR(16), applicant_name VARCHAR(200), "
                "applicant_id_number VARCHAR(12), receiving_unit VARCHAR(200), "
                "received_date DATE, status VARCHAR(32), origin VARCHAR(16), "
                "created_at DATETIME, updated_at DATETIME)"
            )
        )
        connection.execute(
            text(
                "INSERT INTO dossier_records VALUES (1, '000.00.13.H12-240115-0042', "
                "'dang_ky_khai_sinh', '1.001193', 'Nguyễn Văn An', '001090012345', 'UBND', "
                "'2024-01-15', 'received', 'imported', '2024-01-15 08:00:00', "
                "'2024-01-15 08:00:00')"
            )
        )
    upgrade(engine)
    with engine.connect() as connection:
        row = connection.execute(text("SELECT code, applicant_name FROM dossiers")).one()
    assert tuple(row) == ("000.00.13.H12-240115-0042", "Nguyễn Văn An")
    engine.dispose()
