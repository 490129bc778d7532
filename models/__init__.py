"""Database tables (SQLAlchemy 2.0, typed) and the stores built on them.

Tables only hold data; the library (`digitize/`) never imports this package: it is
handed stores that satisfy its protocols (e.g. `digitize.understand.link.RecordBook`).
"""

from models.base import Base, create_engine_for, session_factory
from models.records import DossierRecordRow, SqlRecordBook

__all__ = ["Base", "DossierRecordRow", "SqlRecordBook", "create_engine_for", "session_factory"]
