"""What the service needs of a file store: a local folder (local.py) or S3-compatible
object storage (s3.py), chosen by the settings (config.py).

Keys are relative, '/'-separated names made by the service (never by users):

    originals/ab/cd/<sha256>          the uploaded file, byte for byte, written once
    pages/<scan sha256>/00001.pdf     a page's searchable one-page PDF
    pages/<scan sha256>/00001.jpg     its preview (and -thumb.jpg, its thumbnail)
    documents/<pdf sha256>.pdf        a document's searchable PDF
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import re
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from pathlib import Path
from typing import BinaryIO, Protocol

from digitize.errors import DigitizeError

_KEY = re.compile(r"[a-z0-9][a-z0-9._-]*(/[a-z0-9][a-z0-9._-]*)*")


class StorageError(DigitizeError):
    """A store could not keep or give back a file."""


class ObjectExistsError(StorageError):
    """A write-once key (an original) is already taken by other bytes."""


class CorruptObjectError(StorageError):
    """The stored bytes are not the bytes written: their SHA-256 or size differs."""


class StorageUnavailableError(ConnectionError):
    """The store did not answer, or refused us (credentials, bucket): not the file's
    fault, so deliberately not a DigitizeError: a job meeting it is retried by the queue
    instead of failing its page for good."""


def check_key(key: str) -> str:
    """Keys are the service's own names; anything else (.., absolute paths) is a bug."""
    if not _KEY.fullmatch(key) or ".." in key:
        raise StorageError(f"not a storage key: {key!r}")
    return key


def original_key(sha256: str) -> str:
    return f"originals/{sha256[:2]}/{sha256[2:4]}/{sha256}"


def file_sha256(path: Path) -> tuple[str, int]:
    """SHA-256 (hex) and size of a file, read in chunks."""
    digest, size = hashlib.sha256(), 0
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


class VerifiedReader(io.RawIOBase):
    """Stored bytes as they are read, hashed on the way: reading to the end raises
    CorruptObjectError if they are not the `size` bytes of SHA-256 `sha256`.

    `reopen(offset)` gives a stream from `offset` on; a stream that breaks or ends early
    is reopened where it stopped (a ranged read), `retries` times at most.
    """

    def __init__(
        self,
        key: str,
        reopen: Callable[[int], BinaryIO],
        size: int,
        sha256: str | None,
        *,
        retries: int = 3,
        transient: tuple[type[BaseException], ...] = (),
    ) -> None:
        super().__init__()
        self.key, self._reopen, self._size, self._expected = key, reopen, size, sha256
        self._retries, self._transient = retries, transient
        self._digest = hashlib.sha256()
        self._position = 0
        self._stream: BinaryIO | None = reopen(0)
        self._checked = False

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        view = memoryview(buffer).cast("B")
        tries = 0
        failure: BaseException | None = None
        while True:
            try:
                if self._stream is None:
                    self._stream = self._reopen(self._position)
                data = self._stream.read(len(view))
            except self._transient as exc:
                data, failure = None, exc
            if data:
                count = len(data)
                view[:count] = data
                self._digest.update(data)
                self._position += count
                return count
            if data == b"" and self._position >= self._size:
                self._check()
                return 0
            # Broken, or ended before its size: read on from where it stopped.
            tries += 1
            if tries > self._retries:
                said = f"{self.key}: the store gave {self._position} of {self._size} bytes"
                if failure is not None:
                    raise StorageUnavailableError(f"{said} ({failure})") from failure
                raise CorruptObjectError(said)
            self._drop_stream()

    def _check(self) -> None:
        if self._checked:
            return
        self._checked = True
        if self._position != self._size:
            raise CorruptObjectError(f"{self.key}: {self._position} bytes, {self._size} stored")
        if self._expected is not None and self._digest.hexdigest() != self._expected:
            raise CorruptObjectError(f"{self.key}: the stored bytes do not match their SHA-256")

    def _drop_stream(self) -> None:
        if self._stream is not None:
            with contextlib.suppress(Exception):  # a broken stream may fail to close too
                self._stream.close()
            self._stream = None

    def close(self) -> None:
        self._drop_stream()
        super().close()


def verified(raw: VerifiedReader) -> BinaryIO:
    return io.BufferedReader(raw, buffer_size=1 << 20)  # type: ignore[return-value]


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
        """The stored bytes, streamed; StorageError if absent. Where the store keeps a
        checksum (S3), it is checked as they are read: reading to the end raises
        CorruptObjectError if they differ."""
        ...

    def local_copy(self, key: str) -> AbstractContextManager[Path]:
        """A local file holding the stored bytes while the context lasts (read only).

        Tools such as qpdf and poppler need a path; a local store gives its own file,
        a remote one a temporary download, checked against its checksum.
        """
        ...

    def keys(self, prefix: str) -> Iterator[str]: ...

    def ping(self) -> None:
        """Whether the store can be used now (a health check); StorageUnavailableError
        if not."""
        ...
