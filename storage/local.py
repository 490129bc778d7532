"""The store as a local folder (one machine, or a shared mount for several)."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

from storage.base import ObjectExistsError, StorageError, check_key

_DIR_MODE = 0o700
_FILE_MODE = 0o600


class LocalStore:
    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        # Citizens' documents: readable by the service's own user only (issue 18).
        self.root.mkdir(parents=True, exist_ok=True, mode=_DIR_MODE)

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
        try:
            return self.path(key).open("rb")
        except FileNotFoundError:
            raise StorageError(f"{key} is not in the store") from None

    @contextmanager
    def local_copy(self, key: str) -> Iterator[Path]:
        path = self.path(key)
        if not path.is_file():
            raise StorageError(f"{key} is not in the store")
        yield path

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
