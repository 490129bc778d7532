"""The full-text index: one row per page of a document (see service/search.py).

The columns hold the page's text in the forms of digitize/search_text.py. What the
database searches them with is its own and made by migration 0002, outside this model:
on SQLite an FTS5 table `search_pages_fts` over them (kept in step by triggers), on
PostgreSQL a generated tsvector column `vector` with a GIN index.
"""

from __future__ import annotations

from sqlalchemy import ForeignKey, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base


class SearchPage(Base):
    __tablename__ = "search_pages"
    # Also the index by document that re-indexing one document deletes through.
    __table_args__ = (UniqueConstraint("document_id", "page"),)

    id: Mapped[int] = mapped_column(primary_key=True)  # the FTS5 rowid on SQLite
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"))
    page: Mapped[int]  # 1-based, in the document
    exact: Mapped[str] = mapped_column(Text)
    folded: Mapped[str] = mapped_column(Text)
    codes: Mapped[str] = mapped_column(Text)
