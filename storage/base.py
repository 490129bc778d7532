"""What the service needs of a file store; a local folder now, S3-compatible later.

Keys are relative, '/'-separated names made by the service (never by users):

    originals/ab/cd/<sha256>          the uploaded file, byte for byte, written once
    pages/<scan sha256>/00001.pdf     a page's searchable one-page PDF
    pages/<scan sha256>/00001.jpg     its preview (and -thumb.jpg, its thumbnail)
    documents/<pdf sha256>.pdf        a document's searchable PDF
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import AbstractContextManager
from pathlib import Path
from typing import BinaryIO, Protocol

from digitize.errors import DigitizeError

_KEY = re.compile(r"[a-z0-9][a-z0-9._-]*(/[a-z0-9][a-z0-9._-]*)*")


class StorageError(DigitizeError):
    """A store could not keep or give back a file."""


class ObjectExistsError(StorageError):
    """A write-once key (an original) is already taken by other bytes."""


def check_key(key: str) -> str:
    """Keys are the service's own names; anything else (.., absolute paths) is a bug."""
    if not _KEY.fullmatch(key) or ".." in key:
        raise StorageError(f"not a storage key: {key!r}")
    return key


def original_key(sha256: str) -> str:
    return f"originals/{sha256[:2]}/{sha256[2:4]}/{sha256}"


class BlobStore(Protocol):
    def put_file(self, key: str, source: Path, *, write_once: bool = False) -> None:
        """Store the file at `source` under `key`, atomically: readers see all or nothing.

        `source` is consumed (moved where possible). With `write_once`, an existing key
        is left as it is (same size: the same content-addressed bytes) or refused.
        """
        ...

    def put_bytes(self, key: str, data: bytes) -> None:
        """Store `data` under `key`, atomically, replacing what was there."""
        ...

    def exists(self, key: str) -> bool: ...

    def size(self, key: str) -> int: ...

    def open(self, key: str) -> BinaryIO:
        """The stored bytes, for reading; StorageError if absent."""
        ...

    def local_copy(self, key: str) -> AbstractContextManager[Path]:
        """A local file holding the stored bytes while the context lasts (read only).

        Tools such as qpdf and poppler need a path; a local store gives its own file,
        a remote one a temporary download.
        """
        ...

    def keys(self, prefix: str) -> Iterator[str]: ...
