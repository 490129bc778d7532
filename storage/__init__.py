"""Where the service keeps files: originals byte for byte, derived PDFs and images."""

from storage.base import (
    BlobStore,
    CorruptObjectError,
    ObjectExistsError,
    StorageError,
    StorageUnavailableError,
    check_key,
    original_key,
)
from storage.config import open_store
from storage.local import LocalStore

__all__ = [
    "BlobStore",
    "CorruptObjectError",
    "LocalStore",
    "ObjectExistsError",
    "StorageError",
    "StorageUnavailableError",
    "check_key",
    "open_store",
    "original_key",
]
