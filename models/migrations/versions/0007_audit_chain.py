"""The audit log as a hash chain: each entry carries the SHA-256 of the one before it
and its own (over its content and that hash), so a row altered, removed or slipped in
by someone who can get past the append-only triggers (the table's owner can disable
them) breaks the chain at that row; `digitize audit verify` finds it.

Entries written before this revision carry no hashes: the chain starts after them.

Revision ID: 0007
Revises: 0006
Created: 2026-12-07 12:55:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("audit_log", recreate="never") as batch:
        batch.add_column(sa.Column("prev_hash", sa.String(64), nullable=True))
        batch.add_column(sa.Column("row_hash", sa.String(64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("audit_log", recreate="never") as batch:
        batch.drop_column("row_hash")
        batch.drop_column("prev_hash")
