"""The store the settings name: an S3-compatible bucket (DIGITIZE_STORAGE_URL=s3://…)
or a local folder (DIGITIZE_STORAGE_DIR)."""

from __future__ import annotations

from config import Settings
from storage.base import BlobStore, StorageError
from storage.local import LocalStore


def open_store(settings: Settings) -> BlobStore:
    url = settings.storage_url
    if not url:
        return LocalStore(settings.effective_storage_dir)
    if not url.startswith("s3://"):
        raise StorageError(f"DIGITIZE_STORAGE_URL must be s3://bucket/prefix, not {url!r}")
    from storage.s3 import S3Options, S3Store  # boto3 is imported only when used

    secret = settings.s3_secret_access_key
    return S3Store(
        url,
        S3Options(
            endpoint_url=settings.s3_endpoint_url,
            region=settings.s3_region,
            access_key_id=settings.s3_access_key_id,
            secret_access_key=secret.get_secret_value() if secret else None,
            ca_bundle=str(settings.s3_ca_bundle) if settings.s3_ca_bundle else None,
            part_size=settings.s3_part_mb << 20,
        ),
    )
