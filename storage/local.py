"""The store as a local folder (one machine, or a shared mount for several).

Checksums, as on S3: each file carries the SHA-256 and size of the bytes written, in an
extended attribute of the file itself (set before the file is renamed into place, so
it is never seen without it). Reads check them: `open` as the bytes stream (reading to
the end raises CorruptObjectError if they differ), `local_copy` before the caller sees
the file. A file without the attribute was written before checksums were kept (or on
a file system without user attributes): an original is then checked against the
SHA-256 its key names; other such files are read as they are.
"""

from __future__ import annotations

import errno
import hashlib
import logging
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

from storage.base import (
    CorruptObjectError,
    ObjectExistsError,
    StorageError,
    StorageUnavailableError,
    VerifiedReader,
    check_key,
    file_sha256,
    verified,
)

log = logging.getLogger(__name__)
_CHECKSUM = "user.digitize.sha256"  # "<sha256 hex>:<size>" of the bytes written
_ORIGINAL = "originals/"

_DIR_MODE = 0o700
_FILE_MODE = 0o600


class LocalStore:
    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        # Citizens' documents: readable by the service's own user only (issue 18).
        self.root.mkdir(parents=True, exist_ok=True, mode=_DIR_MODE)
        self._stamps = True  # until the file system says it keeps no user attributes
        # Files checked whole by local_copy, as they were then (a change moves ctime).
        self._checked: set[tuple[str, int, int, int, int]] = set()

    def path(self, key: str) -> Path:
        return self.root / check_key(key)

    def put_file(self, key: str, source: Path, *, write_once: bool = False) -> None:
        target = self.path(key)
        if write_once and target.exists():
            if target.stat().st_size != source.stat().st_size:
                raise ObjectExistsError(f"{key} is stored already, with other content")
            source.unlink()
            return
        target.parent.mkdir(parents=True, exist_ok=True, mode=_DIR_MODE)
        temp = self._temp_beside(target)
        try:
            try:
                source.replace(temp)  # same file system: a rename, no copy
            except OSError:
                shutil.copyfile(source, temp)
                source.unlink()
            self._stamp(temp, *file_sha256(temp))
            temp.chmod(0o400 if write_once else _FILE_MODE)  # originals are never modified
            self._settle(temp)
            temp.replace(target)
        except BaseException:
            temp.unlink(missing_ok=True)
            raise

    def put_bytes(self, key: str, data: bytes) -> None:
        target = self.path(key)
        target.parent.mkdir(parents=True, exist_ok=True, mode=_DIR_MODE)
        temp = self._temp_beside(target)
        try:
            with temp.open("wb") as handle:
                handle.write(data)
            self._stamp(temp, hashlib.sha256(data).hexdigest(), len(data))
            temp.chmod(_FILE_MODE)
            self._settle(temp)
            temp.replace(target)
        except BaseException:
            temp.unlink(missing_ok=True)
            raise

    def exists(self, key: str) -> bool:
        return self.path(key).is_file()

    def size(self, key: str) -> int:
        try:
            return self.path(key).stat().st_size
        except FileNotFoundError:
            raise StorageError(f"{key} is not in the store") from None

    def open(self, key: str) -> BinaryIO:
        path = self.path(key)
        try:
            handle = path.open("rb")
        except FileNotFoundError:
            raise StorageError(f"{key} is not in the store") from None
        expected = self._expected(key, path, handle)
        if expected is None:
            return handle
        digest, size = expected
        first = [handle]

        def reopen(offset: int) -> BinaryIO:
            stream = first.pop() if first else path.open("rb")
            stream.seek(offset)
            return stream

        return verified(VerifiedReader(key, reopen, size, digest))

    @contextmanager
    def local_copy(self, key: str) -> Iterator[Path]:
        path = self.path(key)
        if not path.is_file():
            raise StorageError(f"{key} is not in the store")
        self._verify(key, path)
        yield path

    def _verify(self, key: str, path: Path) -> None:
        """The whole file checked against its checksum, once per process while the file
        stays as it was (tools read an original once per page)."""
        stat = path.stat()
        seen = (str(path), stat.st_ino, stat.st_size, stat.st_mtime_ns, stat.st_ctime_ns)
        if seen in self._checked:
            return
        with path.open("rb") as handle:
            expected = self._expected(key, path, handle)
        if expected is not None:
            digest, size = file_sha256(path)
            if size != expected[1]:
                raise CorruptObjectError(f"{key}: {size} bytes, {expected[1]} stored")
            if digest != expected[0]:
                raise CorruptObjectError(f"{key}: the stored bytes do not match their SHA-256")
        if len(self._checked) >= 10_000:
            self._checked.clear()
        self._checked.add(seen)

    def _expected(self, key: str, path: Path, handle: BinaryIO) -> tuple[str, int] | None:
        """The SHA-256 and size the file must have, or None when nothing says."""
        try:
            stamp = os.getxattr(path, _CHECKSUM).decode("ascii")
        except OSError:
            stamp = ""
        if stamp:
            digest, _, size = stamp.partition(":")
            return digest, int(size)
        if key.startswith(_ORIGINAL):  # content-addressed: the key names its SHA-256
            return key.rsplit("/", 1)[-1], os.fstat(handle.fileno()).st_size
        return None

    def _stamp(self, path: Path, digest: str, size: int) -> None:
        if not self._stamps:
            return
        try:
            os.setxattr(path, _CHECKSUM, f"{digest}:{size}".encode("ascii"))
        except OSError as exc:
            if exc.errno not in (errno.ENOTSUP, errno.EOPNOTSUPP):
                raise
            self._stamps = False
            log.warning("%s keeps no user attributes: files are stored without checksums",
                        self.root)  # fmt: skip

    def ping(self) -> None:
        """Whether the folder is there to write in (a health check): a shared mount
        that went away leaves an empty or read-only mount point."""
        if not self.root.is_dir() or not os.access(self.root, os.W_OK | os.X_OK):
            raise StorageUnavailableError(f"the store {self.root} is not a folder we can write")

    def keys(self, prefix: str) -> Iterator[str]:
        base = self.path(prefix.rstrip("/")) if prefix.strip("/") else self.root
        if not base.is_dir():
            return
        for path in sorted(base.rglob("*")):
            if path.is_file() and not path.name.startswith("."):
                yield path.relative_to(self.root).as_posix()

    @staticmethod
    def _temp_beside(target: Path) -> Path:
        handle, name = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
        os.close(handle)
        return Path(name)

    @staticmethod
    def _settle(path: Path) -> None:
        """Data on disk before the rename makes it visible: a crash leaves no empty file."""
        with path.open("rb") as handle:
            os.fsync(handle.fileno())
