"""Database tables (SQLAlchemy 2.0, typed) and how to reach the database.

Tables only hold data: what is done with them lives in `service/`. The library
(`digitize/`) never imports this package.
"""

from models.audit import AuditEntry
from models.base import Base, Database, create_engine_for, session_factory, sqlite_path
from models.batches import Batch, BatchFile, BatchStatus, Page, PageStatus, Scan, ScanStatus
from models.clients import ApiClient, DeliveryStatus, Role, Webhook, WebhookDelivery
from models.dossiers import Attachment, Document, Dossier, DossierDocument, Field, RecordOrigin
from models.search import SearchPage
from models.users import SignInAttempt, User, WebSession  # issue 15

__all__ = [
    "ApiClient",
    "Attachment",
    "AuditEntry",
    "Base",
    "Batch",
    "BatchFile",
    "BatchStatus",
    "Database",
    "DeliveryStatus",
    "Document",
    "Dossier",
    "DossierDocument",
    "Field",
    "Page",
    "PageStatus",
    "RecordOrigin",
    "Role",
    "Scan",
    "ScanStatus",
    "SearchPage",
    "SignInAttempt",
    "User",
    "WebSession",
    "Webhook",
    "WebhookDelivery",
    "create_engine_for",
    "session_factory",
    "sqlite_path",
]
