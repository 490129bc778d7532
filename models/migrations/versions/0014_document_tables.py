"""Tables read as rows (issue 13): documents.tables holds each document's tables as the
library gives them (name, columns, pages, rows of cells shaped like fields). Documents
filed before, and documents of types without tables, have an empty list.

Revision ID: 0014
Revises: 0011
Created: 2026-12-07 18:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from models.base import Json

revision = "0014"
down_revision = "0011"
branch_labels = None
depends_on = None


# Plain ALTER TABLE, as in 0006: a batch rebuild of `documents` would drop the change-feed
# triggers of 0005. The server default fills the rows already there.
def upgrade() -> None:
    op.add_column(
        "documents", sa.Column("tables", Json, nullable=False, server_default=sa.text("'[]'"))
    )


def downgrade() -> None:
    op.drop_column("documents", "tables")
