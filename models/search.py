"""The full-text index: one row per page of a document (see service/search.py).

The columns hold the page's text in the forms of digitize/search_text.py. What the
database searches them with is its own and made by migrations 0002 and 0003, outside this model:
on SQLite an FTS5 table `search_pages_fts` over them (kept in step by triggers), on
PostgreSQL a generated tsvector column `vector` with a GIN index, and (migration 0005)
a generated tsvector `pairs` of the adjacent folded words, with its own GIN index, that
phrase queries go through first.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base
from models.dossiers import Document, Dossier


class SearchPage(Base):
    __tablename__ = "search_pages"
    # Also the index by document that re-indexing one document deletes through.
    __table_args__ = (UniqueConstraint("document_id", "page"),)

    # document id << 20 | page (service/search.py): 64 bits. On SQLite exactly INTEGER,
    # which makes it the rowid (64 bits there) and so the FTS5 table's.
    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer(), "sqlite"), primary_key=True, autoincrement=False
    )
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"))
    page: Mapped[int]  # 1-based, in the document
    exact: Mapped[str] = mapped_column(Text)
    folded: Mapped[str] = mapped_column(Text)
    codes: Mapped[str] = mapped_column(Text)
    # The document's filter tokens (migration 0003): its type, procedure, and its
    # dossiers' status, unit and month; what a filtered search is narrowed by.
    facets: Mapped[str] = mapped_column(Text, default="")


# What the search filters look documents and dossiers up by (service/search.py).
SEARCH_FILTER_INDEXES = (
    Index("ix_documents_procedure", Document.procedure),
    Index("ix_documents_procedure_code", Document.procedure_code),
    Index("ix_dossiers_procedure", Dossier.procedure),
    Index("ix_dossiers_procedure_code", Dossier.procedure_code),
    Index("ix_dossiers_receiving_unit", Dossier.receiving_unit),
    Index("ix_dossiers_received_date", Dossier.received_date),
)
