"""The database role the service runs as, on PostgreSQL (issue 18).

The audit log's triggers refuse UPDATE, DELETE and TRUNCATE, and its hash chain shows
any change; but the owner of a table may disable its triggers. So the service should
not own the tables: migrate as the owner, then let the service connect as a role of its
own that may read and write the other tables, and only read and append to the audit
log. That role can neither change an entry nor switch the triggers off.
"""

from __future__ import annotations

import re

from sqlalchemy import Engine, text

_ROLE = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


def grant_service_role(engine: Engine, role: str) -> None:
    """Give `role` (an existing role that does not own the tables) what the service
    needs; run as the tables' owner, after migrating."""
    if engine.dialect.name != "postgresql":
        raise ValueError("a separate service role is for PostgreSQL (SQLite has no roles)")
    if not _ROLE.match(role):
        raise ValueError(f"{role!r} is not a plain role name (a-z, 0-9, _)")
    with engine.begin() as connection:
        schema = connection.scalar(text("SELECT current_schema()"))
        owner = connection.scalar(
            text("SELECT tableowner FROM pg_tables WHERE schemaname = :s AND tablename = :t"),
            {"s": schema, "t": "audit_log"},
        )
        if owner is None:
            raise ValueError("no audit_log table here: migrate first (digitize db upgrade)")
        if owner == role:
            raise ValueError(f"{role!r} owns the tables: the service needs a role that does not")
        exists = connection.scalar(text("SELECT 1 FROM pg_roles WHERE rolname = :r"), {"r": role})
        if not exists:
            raise ValueError(f"no role {role!r}: CREATE ROLE {role} LOGIN PASSWORD '…' first")
        quoted = f'"{role}"'
        where = f'"{schema}"'
        for statement in (
            f"GRANT USAGE ON SCHEMA {where} TO {quoted}",
            f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA {where} TO {quoted}",
            f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA {where} TO {quoted}",
            # The audit log: read and append only. The migrations' record: read only.
            f"REVOKE UPDATE, DELETE, TRUNCATE ON audit_log FROM {quoted}",
            f"REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON alembic_version FROM {quoted}",
        ):
            connection.execute(text(statement))
