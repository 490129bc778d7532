"""Taking in uploads: each file spooled to disk while hashed and measured, checked by
its content, stored once by SHA-256, and recorded in a batch.

A file uploaded before is not stored or digitised again: the new batch points at the
scan that exists, and its documents.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from digitize.errors import InputFileError
from digitize.inputs import InputFormat, sniff_format
from digitize.understand.checks import check_dossier_code
from models import ApiClient, Batch, BatchFile, BatchStatus, Scan
from service.audit import record
from service.errors import (
    InvalidInputError,
    PayloadTooLargeError,
    UnsupportedMediaError,
    public_reason,
)
from storage import BlobStore, original_key

_UNSAFE_NAME = re.compile(r"[\x00-\x1f\x7f/\\]")
# Unicode's other controls, format characters and line breaks (C*, Zl, Zp), among
# them the bidirectional overrides and marks (U+202A-202E, U+2066-2069, U+200E/F) that
# make "\u202egnp.exe" show as "exe.png": removed, not replaced.
_INVISIBLE = frozenset(["Cc", "Cf", "Co", "Cs", "Cn", "Zl", "Zp"])
_MAX_NAME_BYTES = 255


def safe_filename(raw: str | None) -> str:
    """The name a client gave, fit to show and store: last path part, NFC, no controls."""
    name = (raw or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = unicodedata.normalize("NFC", _UNSAFE_NAME.sub("_", name))
    name = "".join(ch for ch in name if unicodedata.category(ch) not in _INVISIBLE).strip()
    while len(name.encode("utf-8")) > _MAX_NAME_BYTES:
        name = name[:-1]
    return name if name.strip(".") else "scan"


@dataclass
class ReceivedFile:
    path: Path  # the spooled bytes; moved into the store by `create_batch`
    filename: str
    size: int
    sha256: str
    format: InputFormat


@dataclass
class Spool:
    """One uploaded file being written to disk as it arrives."""

    folder: Path
    limit: int  # bytes
    filename: str
    size: int = 0
    _hash: hashlib._Hash = field(default_factory=hashlib.sha256)
    _path: Path | None = None
    _handle: object = None

    def __post_init__(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        handle, name = tempfile.mkstemp(prefix=".upload-", dir=self.folder)
        self._path = Path(name)
        self._handle = os.fdopen(handle, "wb")

    def write(self, chunk: bytes) -> None:
        self.size += len(chunk)
        if self.size > self.limit:
            self.discard()
            raise PayloadTooLargeError(
                f"{self.filename}: larger than the {self.limit // 1_000_000} MB allowed per file"
            )
        self._hash.update(chunk)
        self._handle.write(chunk)  # type: ignore[attr-defined]

    def finish(self) -> ReceivedFile:
        """The complete file, checked to be a scan by its bytes (not its name)."""
        assert self._path is not None
        self._handle.close()  # type: ignore[attr-defined]
        try:
            scan_format = sniff_format(self._path)
        except InputFileError as exc:
            self.discard()
            raise UnsupportedMediaError(f"{self.filename}: {public_reason(exc)}") from None
        return ReceivedFile(
            self._path, self.filename, self.size, self._hash.hexdigest(), scan_format
        )

    def discard(self) -> None:
        if self._handle is not None:
            self._handle.close()  # type: ignore[attr-defined]
        if self._path is not None:
            self._path.unlink(missing_ok=True)


def discard_all(files: list[ReceivedFile]) -> None:
    for received in files:
        received.path.unlink(missing_ok=True)


def checked_dossier_code(raw: str | None) -> str | None:
    if raw is None or not raw.strip():
        return None
    check = check_dossier_code(raw)
    if not check.ok or check.value is None:
        raise InvalidInputError(
            f"dossier_code {raw!r} is not a dossier code ({'; '.join(check.problems)})"
        )
    return check.value


def create_batch(
    session: Session,
    store: BlobStore,
    files: list[ReceivedFile],
    *,
    client: ApiClient,
    dossier_code: str | None = None,
    one_dossier: bool = False,
) -> tuple[Batch, list[int]]:
    """Record a batch of received files; returns it and the ids of scans new to the store.

    Originals go into the store before the rows that name them are committed, so a
    committed scan always has its original.
    """
    if not files:
        raise InvalidInputError("no files in the upload")
    batch = Batch(
        client_id=client.id,
        uploaded_by=client.name,
        dossier_code=dossier_code,
        one_dossier=one_dossier or dossier_code is not None,
    )
    session.add(batch)
    new_scans: list[int] = []
    for position, received in enumerate(files):
        store.put_file(original_key(received.sha256), received.path, write_once=True)
        scan, created = _find_or_add_scan(session, received)
        if created:
            new_scans.append(scan.id)
        batch.files.append(
            BatchFile(
                scan_id=scan.id,
                position=position,
                filename=received.filename,
                duplicate=not created,
            )
        )
    if not new_scans:
        batch.status = BatchStatus.PROCESSING  # settled below once its scans are known
    session.flush()
    record(
        session,
        client.name,
        "batch.upload",
        "batch",
        batch.id,
        {
            "files": [f.filename for f in files],
            "sha256": [f.sha256 for f in files],
            "dossier_code": dossier_code,
            **({"one_dossier": True} if one_dossier else {}),
        },
        client_id=client.id,
    )
    return batch, new_scans


def _find_or_add_scan(session: Session, received: ReceivedFile) -> tuple[Scan, bool]:
    existing = session.scalar(select(Scan).where(Scan.sha256 == received.sha256))
    if existing is not None:
        return existing, False
    scan = Scan(
        sha256=received.sha256,
        size=received.size,
        format=received.format.value,
        original_name=received.filename,
    )
    try:
        with session.begin_nested():  # another upload of the same file may have won
            session.add(scan)
            session.flush()
    except IntegrityError:
        winner = session.scalar(select(Scan).where(Scan.sha256 == received.sha256))
        assert winner is not None
        return winner, False
    return scan, True
