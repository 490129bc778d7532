"""What the service's parts share: settings, the database, the store, the knowledge.

The API and each worker process build one `Services` at start-up from the settings;
service functions take it (or a session and the store) as their first argument.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from config import Settings, load_knowledge
from digitize.understand import Knowledge
from models import Database, create_engine_for
from models.migrate import upgrade
from storage import BlobStore
from storage import open_store as _open_store


@dataclass
class Services:
    settings: Settings
    database: Database
    store: BlobStore

    @classmethod
    def from_settings(cls, settings: Settings, *, migrate: bool = True) -> Services:
        """Open the database (migrated to the latest schema unless told not to) and store."""
        engine = create_engine_for(settings.effective_database_url())
        if migrate:
            upgrade(engine)
        return cls(settings, Database.on(engine), open_store(settings))

    @property
    def engine(self) -> Engine:
        return self.database.engine

    @property
    def sessions(self) -> sessionmaker[Session]:
        """Sessions for reading."""
        return self.database.reads

    @property
    def writes(self) -> sessionmaker[Session]:
        """Sessions for writing: `with services.writes.begin() as session:`."""
        return self.database.writes

    @functools.cached_property
    def knowledge(self) -> Knowledge:
        """The catalogue and classifier, loaded once per process."""
        return load_knowledge(self.settings)

    def close(self) -> None:
        self.engine.dispose()


def open_database(url: str) -> Database:
    """The database at `url`, migrated to the latest schema first."""
    engine = create_engine_for(url)
    upgrade(engine)
    return Database.on(engine)


def open_store(settings: Settings) -> BlobStore:
    return _open_store(settings)  # a folder, or S3 when DIGITIZE_STORAGE_URL says so
