"""Alembic's entry: migrations run on the connection `models.migrate` hands over."""

from __future__ import annotations

from alembic import context
from sqlalchemy import text

from models import Base

_LOCK_ID = 7_436_221  # any constant: PostgreSQL's advisory lock for migrations

connection = context.config.attributes["connection"]
if connection.dialect.name == "postgresql":
    # Two processes starting at once (API and a worker) must not both migrate.
    connection.execute(text("SELECT pg_advisory_xact_lock(:id)"), {"id": _LOCK_ID})
context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=connection.dialect.name == "sqlite",  # SQLite alters by copying tables
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
