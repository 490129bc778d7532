"""A batch uploaded as one dossier whose code is not known yet (issue 15): its documents
wait together, and the code a reviewer gives one of them is the whole batch's.

Revision ID: 0011
Revises: 0008
Created: 2026-12-07 14:55:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("batches") as batch:
        batch.add_column(
            sa.Column("one_dossier", sa.Boolean(), nullable=False, server_default=sa.false())
        )


def downgrade() -> None:
    with op.batch_alter_table("batches") as batch:
        batch.drop_column("one_dossier")
