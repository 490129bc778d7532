"""Where the service keeps files: originals byte for byte, derived PDFs and images."""

from storage.base import BlobStore, ObjectExistsError, StorageError, check_key, original_key
from storage.local import LocalStore

__all__ = [
    "BlobStore",
    "LocalStore",
    "ObjectExistsError",
    "StorageError",
    "check_key",
    "original_key",
]
