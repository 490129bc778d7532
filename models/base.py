"""The declarative base, shared column types, and engines: SQLite file by default,
PostgreSQL (or any SQLAlchemy URL) through DIGITIZE_DATABASE_URL."""

from __future__ import annotations

import contextlib
import os
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import JSON, DateTime, Engine, MetaData, String, create_engine, event
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.types import TypeDecorator

# Constraint names fixed by convention, so migrations can name what they alter.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# JSON everywhere, stored as JSONB on PostgreSQL (indexable, compact).
Json = JSON().with_variant(JSONB(), "postgresql")

_SQLITE_BUSY_MS = 30_000  # a writer waits this long for another before giving up
_WRITES = "digitize_writes"  # execution option of engines whose transactions write


class UtcDateTime(TypeDecorator[datetime]):
    """A timezone-aware timestamp on every backend (SQLite keeps none of its own)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is not None and value.tzinfo is None:
            raise ValueError("timestamps must be timezone-aware")
        return value.astimezone(UTC) if value is not None else None

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value


E = TypeVar("E", bound=StrEnum)


class EnumText(TypeDecorator[E]):
    """A StrEnum stored as its text (the VARCHAR columns the migrations made), read back as
    the enum; a value that is not one of the enum's is refused before it is written."""

    impl = String
    cache_ok = True

    def __init__(self, enum: type[E], length: int = 16) -> None:
        super().__init__(length)
        self.enum = enum

    def process_bind_param(self, value: Any, dialect: Any) -> str | None:
        return None if value is None else self.enum(value).value

    def process_result_value(self, value: Any, dialect: Any) -> E | None:
        return None if value is None else self.enum(value)


def utcnow() -> datetime:
    return datetime.now(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {datetime: UtcDateTime()}  # noqa: RUF012 - SQLAlchemy's hook


def sqlite_path(url: str) -> Path | None:
    """The file of a SQLite URL, or None for other databases and in-memory SQLite."""
    if not url.startswith("sqlite:///") or url in ("sqlite:///", "sqlite:///:memory:"):
        return None
    return Path(url.removeprefix("sqlite:///"))


def create_engine_for(url: str) -> Engine:
    """An engine for `url` (tables are made by migrations: see `models.migrate`).

    SQLite serves several processes (API and workers) on one machine: WAL so readers
    never block the writer, a busy timeout so writers queue instead of failing, and
    write transactions (`session_factory(..., writes=True)`) that take the write lock
    when they begin, because a read upgraded to a write mid-transaction fails at once
    when another writer won. Read transactions take no lock (WAL): they block nobody.
    """
    path = sqlite_path(url)
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        # Made here, 0600, before SQLite makes it with the umask's 0644: it holds webhook
        # secrets and personal data. SQLite gives its -wal and -shm files the same mode.
        with contextlib.suppress(FileExistsError):
            os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    if not url.startswith("sqlite"):
        return create_engine(url, pool_pre_ping=True)
    engine = create_engine(url, connect_args={"timeout": _SQLITE_BUSY_MS / 1000})

    @event.listens_for(engine, "connect")
    def _sqlite_pragmas(connection: Any, _record: object) -> None:
        connection.isolation_level = None  # let the "begin" hook below issue BEGIN
        cursor = connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={_SQLITE_BUSY_MS}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(connection: Any) -> None:
        writes = connection.get_execution_options().get(_WRITES, False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if writes else "BEGIN")

    return engine


def session_factory(engine: Engine, *, writes: bool = False) -> sessionmaker[Session]:
    """Sessions on `engine`: for reading, or (`writes`) for transactions that write."""
    bind = engine.execution_options(**{_WRITES: True}) if writes else engine
    return sessionmaker(bind, expire_on_commit=False)


@dataclass(frozen=True)
class Database:
    engine: Engine
    reads: sessionmaker[Session]  # no lock taken: long-lived sessions block no writer
    writes: sessionmaker[Session]  # use as `with db.writes.begin() as session:`

    @classmethod
    def on(cls, engine: Engine) -> Database:
        return cls(engine, session_factory(engine), session_factory(engine, writes=True))
