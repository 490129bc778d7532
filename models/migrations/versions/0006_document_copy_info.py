"""Digitised copies with legal value (issue 19): documents.copy_info holds each
document's metadata (TT 01/2023/TT-VPCP, TT 05/2025/TT-BNV) as written into its PDF,
the digitiser's mark and the unit's signature. Documents filed before have none.

Revision ID: 0006
Revises: 0005
Created: 2026-12-07 12:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from models.base import Json

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


# Plain ALTER TABLE on both databases (SQLite has DROP COLUMN since 3.35): a batch
# rebuild of `documents` would drop the change-feed triggers of 0005 and, with foreign
# keys on, cannot drop the table the fields and dossier links refer to.
def upgrade() -> None:
    op.add_column("documents", sa.Column("copy_info", Json, nullable=True))


def downgrade() -> None:
    op.drop_column("documents", "copy_info")
