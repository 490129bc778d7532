"""The store as a bucket of S3-compatible object storage (AWS S3, SeaweedFS, MinIO, Ceph),
which every machine of a deployment sees alike.

The local store's guarantees, kept with what S3 offers:

- Atomic visibility: an object appears whole when its PUT (or the completion of its
  multipart upload) succeeds, never before; a failed multipart upload is aborted.
- Originals (and documents) written once: a write-once key is written with
  `If-None-Match: *`, so the server refuses to replace an object that exists, even when
  two machines race (SeaweedFS, MinIO and AWS S3 honour it; a server that ignored it
  would still see the HEAD that comes first). A key taken by other bytes is refused.
- Checksums: every object is sent with its SHA-256 (`x-amz-checksum-sha256` per PUT or
  part, checked by the server) and keeps it as metadata; reads are hashed as they
  stream and checked against it at the end.
- Streaming: files go up in parts of `part_size` bytes (one part in memory at a time),
  come down in chunks; a read that breaks goes on with a ranged GET where it stopped.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import os
import shutil
import tempfile
import threading
import weakref
from collections import OrderedDict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO
from urllib.parse import urlsplit

from storage.base import (
    ObjectExistsError,
    StorageError,
    StorageUnavailableError,
    VerifiedReader,
    check_key,
    file_sha256,
    verified,
)

_META = "sha256"  # user metadata (x-amz-meta-sha256): the whole object's SHA-256, hex
_MISSING = {"404", "NoSuchKey", "NotFound"}
_REPLACED = {"412", "PreconditionFailed"}
_CHUNK = 1 << 20
_KEPT = "originals/"  # write-once and named by their hash: safe to keep a local copy of


@dataclass(frozen=True)
class S3Options:
    """Where the bucket is and how to reach it; None leaves it to boto3's defaults
    (AWS's endpoints, its credential chain, the system's CA certificates)."""

    endpoint_url: str | None = None
    region: str = "us-east-1"
    access_key_id: str | None = None
    secret_access_key: str | None = None
    ca_bundle: str | None = None
    part_size: int = 16 << 20
    attempts: int = 5  # tries of each request (botocore's standard retry mode)
    kept_originals: int = 2  # local copies of originals kept by a process (see _KeptCopies)


def parse_url(url: str) -> tuple[str, str]:
    """`s3://bucket/some/prefix` -> ("bucket", "some/prefix/")."""
    parts = urlsplit(url)
    if parts.scheme != "s3" or not parts.netloc:
        raise StorageError(f"not an s3://bucket/prefix URL: {url!r}")
    prefix = parts.path.strip("/")
    return parts.netloc, f"{prefix}/" if prefix else ""


class S3Store:
    def __init__(self, url: str, options: S3Options | None = None) -> None:
        self.bucket, self.prefix = parse_url(url)
        self.options = options or S3Options()
        if self.options.part_size < 5 << 20:
            raise StorageError("S3 parts are at least 5 MiB")  # the protocol's minimum
        self._client_of: tuple[int, Any] | None = None
        self._probe_of: tuple[int, Any] | None = None  # the health check's client (ping)
        self._kept = _KeptCopies(self.options.kept_originals)

    # --- the interface ------------------------------------------------------------------

    def put_file(self, key: str, source: Path, *, write_once: bool = False) -> None:
        name = self._name(key)
        digest, size = file_sha256(source)
        if write_once:
            # Most repeated writes are a file uploaded again: skip sending it at all.
            existing = self._head(name)
            if existing is not None:
                self._keep_existing(key, existing, digest, size)
                source.unlink()
                return
        try:
            if size <= self.options.part_size:
                self._put_whole(name, source, digest, write_once)
            else:
                self._put_parts(name, source, digest, write_once)
        except _TakenError:
            existing = self._head(name)
            if existing is None:  # replaced and removed in between: nothing sane to do
                raise StorageUnavailableError(f"{key} changed while being written") from None
            self._keep_existing(key, existing, digest, size)
        source.unlink()

    def put_bytes(self, key: str, data: bytes) -> None:
        digest = hashlib.sha256(data)
        self._call(
            "put_object",
            key,
            Bucket=self.bucket,
            Key=self._name(key),
            Body=data,
            ChecksumSHA256=base64.b64encode(digest.digest()).decode(),
            Metadata={_META: digest.hexdigest()},
        )

    def exists(self, key: str) -> bool:
        return self._head(self._name(key)) is not None

    def size(self, key: str) -> int:
        head = self._head(self._name(key))
        if head is None:
            raise StorageError(f"{key} is not in the store")
        return int(head["ContentLength"])

    def open(self, key: str) -> BinaryIO:
        name = self._name(key)
        head = self._head(name)
        if head is None:
            raise StorageError(f"{key} is not in the store")
        etag = head["ETag"]

        def reopen(offset: int) -> BinaryIO:
            ranged = {"Range": f"bytes={offset}-"} if offset else {}
            # IfMatch: a read resumed after a break must be of the same object.
            answer = self._call(
                "get_object", key, Bucket=self.bucket, Key=name, IfMatch=etag, **ranged
            )
            return answer["Body"]  # type: ignore[no-any-return]

        from botocore.exceptions import BotoCoreError
        from urllib3.exceptions import HTTPError

        expected = head.get("Metadata", {}).get(_META)  # None: not written by us
        reader = VerifiedReader(
            key,
            reopen,
            int(head["ContentLength"]),
            expected,
            transient=(BotoCoreError, HTTPError, OSError),
        )
        return verified(reader)

    @contextmanager
    def local_copy(self, key: str) -> Iterator[Path]:
        if key.startswith(_KEPT):
            with self._kept.copy(key, self._download) as path:
                yield path
            return
        folder = Path(tempfile.mkdtemp(prefix="digitize-blob-"))
        try:
            yield self._download(key, folder)
        finally:
            shutil.rmtree(folder, ignore_errors=True)

    def _download(self, key: str, folder: Path) -> Path:
        target = folder / key.rsplit("/", 1)[-1]
        with self.open(key) as source, target.open("wb") as out:
            shutil.copyfileobj(source, out, _CHUNK)
        target.chmod(0o444)
        return target

    def keys(self, prefix: str) -> Iterator[str]:
        paginator = self._client.get_paginator("list_objects_v2")
        try:
            for page in paginator.paginate(Bucket=self.bucket, Prefix=self.prefix + prefix):
                for item in page.get("Contents", []):
                    yield item["Key"][len(self.prefix) :]
        except Exception as exc:
            raise self._translate(exc, prefix) from exc

    # --- writing ------------------------------------------------------------------------

    def _put_whole(self, name: str, source: Path, digest: str, write_once: bool) -> None:
        with source.open("rb") as body:
            self._call(
                "put_object",
                name,
                Bucket=self.bucket,
                Key=name,
                Body=body,
                ChecksumSHA256=_b64(digest),
                Metadata={_META: digest},
                **_if_absent(write_once),
            )

    def _put_parts(self, name: str, source: Path, digest: str, write_once: bool) -> None:
        started = self._call(
            "create_multipart_upload",
            name,
            Bucket=self.bucket,
            Key=name,
            ChecksumAlgorithm="SHA256",
            Metadata={_META: digest},
        )
        upload = started["UploadId"]
        try:
            parts = []
            with source.open("rb") as handle:
                number = 1
                while part := handle.read(self.options.part_size):
                    checksum = base64.b64encode(hashlib.sha256(part).digest()).decode()
                    sent = self._call(
                        "upload_part",
                        name,
                        Bucket=self.bucket,
                        Key=name,
                        UploadId=upload,
                        PartNumber=number,
                        Body=part,
                        ChecksumSHA256=checksum,
                    )
                    parts.append(
                        {"ETag": sent["ETag"], "PartNumber": number, "ChecksumSHA256": checksum}
                    )
                    number += 1
            self._call(
                "complete_multipart_upload",
                name,
                Bucket=self.bucket,
                Key=name,
                UploadId=upload,
                MultipartUpload={"Parts": parts},
                **_if_absent(write_once),
            )
        except BaseException:
            # Nothing of an unfinished upload is visible; abort frees its parts.
            # (The server's lifecycle rules clean up what a failed abort leaves.)
            with contextlib.suppress(Exception):
                self._client.abort_multipart_upload(Bucket=self.bucket, Key=name, UploadId=upload)
            raise

    @staticmethod
    def _keep_existing(key: str, existing: dict[str, Any], digest: str, size: int) -> None:
        """A write-once key is taken: fine if by the same bytes, refused otherwise."""
        stored = existing.get("Metadata", {}).get(_META)
        same = stored == digest if stored else int(existing["ContentLength"]) == size
        if not same:
            raise ObjectExistsError(f"{key} is stored already, with other content")

    # --- the client ---------------------------------------------------------------------

    @property
    def _client(self) -> Any:
        """One client per process: a worker's job process must not share its parent's
        connections."""
        pid = os.getpid()
        if self._client_of is None or self._client_of[0] != pid:
            self._client_of = (pid, self._make_client())
        return self._client_of[1]

    def ping(self) -> None:
        """Whether the bucket answers us (a health check): StorageUnavailableError if
        not. One try with short timeouts, on a client of its own, so a store that is
        away is told in seconds rather than after the retries of a real transfer."""
        pid = os.getpid()
        if self._probe_of is None or self._probe_of[0] != pid:
            self._probe_of = (pid, self._make_client(attempts=1, connect=3, read=5))
        try:
            self._probe_of[1].head_bucket(Bucket=self.bucket)
        except Exception as exc:
            reason = _code(exc) or type(exc).__name__
            where = f"s3://{self.bucket}/{self.prefix}"
            raise StorageUnavailableError(f"the store {where} cannot be used: {reason}") from exc

    def _make_client(self, attempts: int | None = None, connect: int = 10, read: int = 120) -> Any:
        import boto3  # only a deployment with S3 storage pays for importing it
        from botocore.config import Config

        options = self.options
        config = Config(
            # Path-style (endpoint/bucket/key): what SeaweedFS and MinIO expect by default.
            s3={"addressing_style": "path" if options.endpoint_url else "auto"},
            retries={"mode": "standard", "max_attempts": attempts or options.attempts},
            connect_timeout=connect,
            read_timeout=read,
            # We send SHA-256 ourselves and check reads ourselves; botocore's own CRC32
            # trailers (aws-chunked) are not understood by every S3-compatible server.
            request_checksum_calculation="when_required",
            response_checksum_validation="when_required",
        )
        return boto3.session.Session().client(
            "s3",
            endpoint_url=options.endpoint_url,
            region_name=options.region,
            aws_access_key_id=options.access_key_id,
            aws_secret_access_key=options.secret_access_key,
            verify=options.ca_bundle,
            config=config,
        )

    def _name(self, key: str) -> str:
        return self.prefix + check_key(key)

    def _head(self, name: str) -> dict[str, Any] | None:
        try:
            return self._client.head_object(Bucket=self.bucket, Key=name)  # type: ignore[no-any-return]
        except Exception as exc:
            if _code(exc) not in _MISSING:
                raise self._translate(exc, name) from exc
            if self._bucket_missing():
                missing = f"the store s3://{self.bucket} cannot be used: no such bucket"
                raise StorageUnavailableError(missing) from exc
            return None

    def _bucket_missing(self) -> bool:
        """HEAD answers a bare 404 for a missing bucket too; tell them apart."""
        try:
            self._client.head_bucket(Bucket=self.bucket)
        except Exception:
            return True
        return False

    def _call(self, operation: str, key: str, **arguments: Any) -> Any:
        try:
            return getattr(self._client, operation)(**arguments)
        except Exception as exc:
            if _code(exc) in _REPLACED and "IfNoneMatch" in arguments:
                raise _TakenError from exc
            raise self._translate(exc, key) from exc

    def _translate(self, exc: Exception, key: str) -> Exception:
        """The store's errors, said plainly: a missing object is the caller's StorageError;
        anything about the store itself (unreachable, credentials, bucket) is
        StorageUnavailableError, which the queue retries."""
        code = _code(exc)
        where = f"s3://{self.bucket}/{self.prefix}"
        if code in _MISSING:
            return StorageError(f"{key.removeprefix(self.prefix)} is not in the store")
        if code is None and not _is_boto(exc):
            return exc  # not the store's: a local file, a bug; raised as it is
        reason = code or type(exc).__name__
        return StorageUnavailableError(f"the store {where} cannot be used: {reason} ({exc})")


class _KeptCopies:
    """The last few originals a process downloaded, kept on its disk.

    A worker takes a scan's pages a few at a time and opens the original for each page;
    without this a 300-page scan would be fetched 300 times. Originals are written once
    and named by their SHA-256, so a kept copy can never be stale. A copy in use is
    never removed; the folder goes when the process ends.
    """

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._lock = threading.Lock()
        self._paths: OrderedDict[str, Path] = OrderedDict()
        self._users: dict[str, int] = {}
        self._folder: Path | None = None

    @contextmanager
    def copy(self, key: str, download: Callable[[str, Path], Path]) -> Iterator[Path]:
        with self._lock:
            path = self._paths.get(key)
            if path is not None and path.is_file():
                self._paths.move_to_end(key)
            else:
                path = None
            self._users[key] = self._users.get(key, 0) + 1
        try:
            if path is None:
                folder = Path(tempfile.mkdtemp(prefix="copy-", dir=self._root()))
                try:
                    path = download(key, folder)
                except BaseException:
                    shutil.rmtree(folder, ignore_errors=True)
                    raise
                with self._lock:
                    self._paths[key] = path
                    self._paths.move_to_end(key)
            yield path
        finally:
            with self._lock:
                self._users[key] -= 1
                if not self._users[key]:
                    del self._users[key]
                self._evict()

    def _root(self) -> Path:
        with self._lock:
            if self._folder is None:
                self._folder = Path(tempfile.mkdtemp(prefix="digitize-originals-"))
                weakref.finalize(self, shutil.rmtree, self._folder, True)
            return self._folder

    def _evict(self) -> None:
        for key in list(self._paths):
            if len(self._paths) <= self.limit:
                return
            if key not in self._users:
                shutil.rmtree(self._paths.pop(key).parent, ignore_errors=True)


class _TakenError(Exception):
    """A conditional write found the key taken."""


def _if_absent(write_once: bool) -> dict[str, str]:
    return {"IfNoneMatch": "*"} if write_once else {}


def _b64(hex_digest: str) -> str:
    return base64.b64encode(bytes.fromhex(hex_digest)).decode()


def _code(exc: Exception) -> str | None:
    response = getattr(exc, "response", None)
    if isinstance(response, dict):
        return str(response.get("Error", {}).get("Code") or "") or None
    return None


def _is_boto(exc: Exception) -> bool:
    from botocore.exceptions import BotoCoreError, ClientError

    return isinstance(exc, BotoCoreError | ClientError)
