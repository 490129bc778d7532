"""The file store, on both backends (a local folder, and S3 on a real SeaweedFS server):
atomic writes, originals written once, checksums checked on read, streaming without
holding a file in memory, only the service's own keys."""

from __future__ import annotations

import hashlib
import io
import os
import threading
import tracemalloc
from collections.abc import Callable
from pathlib import Path

import pytest

from config import Settings
from digitize.errors import DigitizeError
from storage import (
    BlobStore,
    CorruptObjectError,
    LocalStore,
    ObjectExistsError,
    StorageError,
    StorageUnavailableError,
    check_key,
    open_store,
    original_key,
)
from storage.base import VerifiedReader, verified
from storage.s3 import S3Store
from tests.s3_fixtures import S3Server
from tests.service_fixtures import free_port

MakeStore = Callable[[], BlobStore]


@pytest.fixture(params=["local", "s3"])
def make_store(request: pytest.FixtureRequest, tmp_path: Path) -> MakeStore:
    """A fresh, empty store of each kind (S3: a prefix of its own in the test bucket)."""
    if request.param == "local":
        count = iter(range(1000))
        return lambda: LocalStore(tmp_path / f"store{next(count)}")
    server: S3Server = request.getfixturevalue("s3_server")
    return lambda: server.store()


def _file(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def _read(store: BlobStore, key: str) -> bytes:
    with store.open(key) as handle:
        return handle.read()


def test_put_and_read_back(make_store: MakeStore, tmp_path: Path) -> None:
    store = make_store()
    store.put_file("pages/abc/00001.pdf", _file(tmp_path / "a", b"%PDF-1.7 one"))
    store.put_bytes("pages/abc/00001.jpg", b"\xff\xd8\xffjpeg")
    assert _read(store, "pages/abc/00001.pdf") == b"%PDF-1.7 one"
    assert store.size("pages/abc/00001.jpg") == 7
    assert store.exists("pages/abc/00001.jpg") and not store.exists("pages/abc/00002.jpg")
    assert list(store.keys("pages/")) == ["pages/abc/00001.jpg", "pages/abc/00001.pdf"]
    assert not (tmp_path / "a").exists()  # the source was consumed
    with store.local_copy("pages/abc/00001.pdf") as path:
        assert path.read_bytes() == b"%PDF-1.7 one"


def test_replacing_leaves_the_new_bytes_and_nothing_beside_them(
    make_store: MakeStore, tmp_path: Path
) -> None:
    store = make_store()
    store.put_bytes("documents/x.pdf", b"old")
    store.put_bytes("documents/x.pdf", b"new and longer")
    assert _read(store, "documents/x.pdf") == b"new and longer"
    store.put_file("documents/x.pdf", _file(tmp_path / "a", b"newest"))
    assert _read(store, "documents/x.pdf") == b"newest"
    assert list(store.keys("documents/")) == ["documents/x.pdf"]  # no temporary left


def test_originals_are_written_once(make_store: MakeStore, tmp_path: Path) -> None:
    store = make_store()
    key = original_key(hashlib.sha256(b"scan bytes").hexdigest())
    store.put_file(key, _file(tmp_path / "a", b"scan bytes"), write_once=True)
    # The same bytes again (a second upload): kept as they are, the new copy dropped.
    store.put_file(key, _file(tmp_path / "b", b"scan bytes"), write_once=True)
    assert not (tmp_path / "b").exists()
    with pytest.raises(ObjectExistsError):
        store.put_file(key, _file(tmp_path / "c", b"other bytes!"), write_once=True)
    assert _read(store, key) == b"scan bytes"


def test_local_originals_are_read_only_files(tmp_path: Path) -> None:
    store = LocalStore(tmp_path / "store")
    key = original_key("ab" * 32)
    store.put_file(key, _file(tmp_path / "a", b"scan bytes"), write_once=True)
    assert store.path(key).stat().st_mode & 0o222 == 0


@pytest.mark.parametrize("size", [1000, 11 << 20], ids=["one-put", "multipart"])
def test_a_write_once_key_taken_in_a_race_is_kept_by_the_server(
    s3_server: S3Server, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, size: int
) -> None:
    """Two machines storing one key at once: both look (HEAD), find nothing, and write.
    The race itself cannot be timed in a test, so the look is made to miss; the write
    is then refused by the server (If-None-Match: *), and the first bytes stay."""
    store = s3_server.store()
    first, second = os.urandom(size), os.urandom(size)
    key = original_key(hashlib.sha256(first).hexdigest())
    store.put_file(key, _file(tmp_path / "first", first), write_once=True)
    real_head, looks = store._head, []

    def missing_at_first(name: str) -> object:
        looks.append(name)
        return None if len(looks) == 1 else real_head(name)

    monkeypatch.setattr(store, "_head", missing_at_first)
    with pytest.raises(ObjectExistsError):
        store.put_file(key, _file(tmp_path / "second", second), write_once=True)
    assert _read(store, key) == first
    assert list(store.keys("originals/")) == [key]


def test_large_files_stream_both_ways_without_being_held_in_memory(
    make_store: MakeStore, tmp_path: Path
) -> None:
    store = make_store()
    size = 32 << 20  # S3 sends it in 5 MiB parts; both read in 1 MiB chunks
    data = os.urandom(size)
    key = original_key(hashlib.sha256(data).hexdigest())
    source = _file(tmp_path / "big", data)
    del data
    assert not store.exists(key)  # (S3: the client and its API model loaded before)
    tracemalloc.start()
    try:
        store.put_file(key, source, write_once=True)
        digest = hashlib.sha256()
        with store.open(key) as handle:
            while chunk := handle.read(1 << 20):
                digest.update(chunk)
        with store.local_copy(key) as copy:
            assert copy.stat().st_size == size
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert digest.hexdigest() == key.rsplit("/", 1)[1]
    assert store.size(key) == size
    assert peak < size / 2, f"{peak / 2**20:.1f} MiB held at once for a {size >> 20} MiB file"


def test_bytes_that_changed_in_the_store_are_refused_on_read(
    s3_server: S3Server, tmp_path: Path
) -> None:
    """On S3 every object keeps the SHA-256 it was written with; bytes that no longer
    match (rot at rest, written behind the store's back) are refused, by open() at the
    end of the stream and by local_copy() before the caller sees the file."""
    store = s3_server.store()
    data = b"%PDF-1.7 the document as filed" * 100
    key = f"documents/{hashlib.sha256(data).hexdigest()}.pdf"
    store.put_file(key, _file(tmp_path / "doc", data), write_once=True)
    damaged = data[:-5] + b"XXXXX"  # the same size: only the checksum can tell
    store._client.put_object(
        Bucket=store.bucket,
        Key=store.prefix + key,
        Body=damaged,
        Metadata={"sha256": hashlib.sha256(data).hexdigest()},
    )
    with pytest.raises(CorruptObjectError, match="SHA-256"):
        _read(store, key)
    with pytest.raises(CorruptObjectError), store.local_copy(key):
        pass


def test_bytes_changed_in_the_local_store_are_refused_on_read(tmp_path: Path) -> None:
    """The folder keeps each file's SHA-256 on the file (an extended attribute): bytes
    changed in place are refused by open() at the end of the stream and by
    local_copy(); an original replaced by another file is checked against the SHA-256
    its key names; a file from before checksums were kept is read as it is."""
    store = LocalStore(tmp_path / "store")
    data = b"%PDF-1.7 the document as filed" * 100
    key = f"documents/{hashlib.sha256(data).hexdigest()}.pdf"
    store.put_file(key, _file(tmp_path / "doc", data), write_once=True)
    assert _read(store, key) == data
    with store.local_copy(key) as path:
        assert path.read_bytes() == data
    path = store.path(key)
    path.chmod(0o600)
    with path.open("r+b") as handle:  # the same size, in place: only the checksum can tell
        handle.seek(len(data) - 5)
        handle.write(b"XXXXX")
    with pytest.raises(CorruptObjectError, match="SHA-256"):
        _read(store, key)
    with pytest.raises(CorruptObjectError), store.local_copy(key):
        pass
    with path.open("ab") as handle:  # longer than written
        handle.write(b"more")
    with pytest.raises(CorruptObjectError, match="bytes"):
        _read(store, key)

    original = b"a scan as uploaded"
    sha = hashlib.sha256(original).hexdigest()
    store.put_file(original_key(sha), _file(tmp_path / "scan", original), write_once=True)
    stored = store.path(original_key(sha))
    stored.unlink()
    stored.write_bytes(b"another scan put there")  # a new file: no checksum of its own
    with pytest.raises(CorruptObjectError, match="SHA-256"), store.local_copy(original_key(sha)):
        pass
    with pytest.raises(CorruptObjectError, match="SHA-256"):
        _read(store, original_key(sha))

    older = store.path("pages/" + "ab" * 32 + "/00001.jpg")
    older.parent.mkdir(parents=True)
    older.write_bytes(b"a preview stored before checksums")
    assert _read(store, "pages/" + "ab" * 32 + "/00001.jpg") == older.read_bytes()


def test_a_broken_read_goes_on_where_it_stopped() -> None:
    """A connection that drops mid-object: the reader asks again from the byte it had
    (a ranged read), and the whole still checks. The drop is simulated: a real server
    does not drop on request."""
    data = os.urandom(3 << 20)
    asked: list[int] = []

    class Dropping(io.BytesIO):
        def read(self, size: int | None = -1) -> bytes:
            if self.tell() >= (1 << 20) and len(asked) < 3:
                raise ConnectionResetError("connection reset by peer")
            return super().read(size)

    def reopen(offset: int) -> io.BytesIO:
        asked.append(offset)
        stream = Dropping(data)
        stream.seek(offset)
        return stream

    reader = VerifiedReader(
        "pages/x/00001.pdf",
        reopen,  # type: ignore[arg-type]
        len(data),
        hashlib.sha256(data).hexdigest(),
        transient=(OSError,),
    )
    with verified(reader) as handle:
        assert handle.read() == data
    assert asked[0] == 0 and asked[1] == 1 << 20  # resumed at the first MiB, not from 0


def test_keys_are_kept_apart_by_prefix(s3_server: S3Server) -> None:
    one, two = s3_server.store("site-a"), s3_server.store("site-b")
    one.put_bytes("pages/a/00001.jpg", b"a")
    two.put_bytes("pages/b/00001.jpg", b"b")
    assert list(one.keys("pages/")) == ["pages/a/00001.jpg"]
    assert not two.exists("pages/a/00001.jpg")


@pytest.mark.parametrize(
    "key", ["../etc/passwd", "/abs/path", "pages/../../x", "Pages/UPPER", "", "a//b", "a/./b"]
)
def test_hostile_keys_are_refused(make_store: MakeStore, key: str) -> None:
    with pytest.raises(StorageError):
        check_key(key)
    with pytest.raises(StorageError):
        make_store().put_bytes(key, b"x")


def test_missing_keys_are_a_clear_error(make_store: MakeStore) -> None:
    store = make_store()
    with pytest.raises(StorageError, match="not in the store"):
        store.open("pages/none.pdf")
    with pytest.raises(StorageError, match="not in the store"):
        store.size("pages/none.pdf")
    with pytest.raises(StorageError, match="not in the store"), store.local_copy("pages/none.pdf"):
        pass


def test_an_unusable_s3_store_is_a_retryable_error(s3_server: S3Server) -> None:
    """Not the file's fault: not a DigitizeError, which would fail a page for good; the
    queue retries the job instead."""
    closed = f"http://127.0.0.1:{free_port()}"
    stores = {
        "no server": s3_server.store(endpoint_url=closed, attempts=1),
        "wrong secret": s3_server.store(secret_access_key="not-the-secret"),
        "no bucket": S3Store("s3://no-such-bucket/x", s3_server.options()),
    }
    for why, store in stores.items():
        with pytest.raises(StorageUnavailableError) as caught:
            store.exists("pages/x/00001.jpg")
        assert not isinstance(caught.value, DigitizeError), why
        with pytest.raises(StorageUnavailableError):
            store.put_bytes("pages/x/00001.jpg", b"x")
        with pytest.raises(StorageUnavailableError):  # the health check says so too
            store.ping()
    s3_server.store().ping()


def test_a_local_store_whose_folder_is_gone_is_unavailable(tmp_path: Path) -> None:
    store = LocalStore(tmp_path / "store")
    store.ping()
    (tmp_path / "store").rename(tmp_path / "elsewhere")
    with pytest.raises(StorageUnavailableError):
        store.ping()


def test_the_settings_choose_the_store(s3_server: S3Server, tmp_path: Path) -> None:
    local = open_store(Settings(data_dir=tmp_path))
    assert isinstance(local, LocalStore) and local.root == tmp_path / "store"
    url = s3_server.url("from-settings")
    chosen = open_store(
        Settings(
            data_dir=tmp_path,
            storage_url=url,
            s3_endpoint_url=s3_server.endpoint,
            s3_access_key_id=s3_server.access_key,
            s3_secret_access_key=s3_server.secret_key,  # type: ignore[arg-type]
        )
    )
    assert isinstance(chosen, S3Store)
    assert (chosen.bucket, chosen.prefix) == (s3_server.bucket, "from-settings/")
    chosen.put_bytes("pages/s/00001.jpg", b"through the settings")
    assert _read(chosen, "pages/s/00001.jpg") == b"through the settings"
    with pytest.raises(StorageError, match="s3://"):
        open_store(Settings(data_dir=tmp_path, storage_url="ftp://example/x"))


def test_concurrent_writers_of_one_original_store_it_once(
    s3_server: S3Server, tmp_path: Path
) -> None:
    """Machines uploading the same scan at once: every one succeeds, one object stays."""
    store = s3_server.store()
    data = os.urandom(200_000)
    key = original_key(hashlib.sha256(data).hexdigest())
    errors: list[BaseException] = []

    def upload(n: int) -> None:
        try:
            store.put_file(key, _file(tmp_path / f"copy{n}", data), write_once=True)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=upload, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    assert _read(store, key) == data
    assert list(store.keys("originals/")) == [key]


def test_a_process_keeps_its_last_originals_instead_of_fetching_them_per_page(
    s3_server: S3Server, tmp_path: Path
) -> None:
    """A worker opens a scan's original once per page; the bytes cross the network once
    (originals never change), and only the last two stay on disk."""
    store = s3_server.store()
    fetched: list[str] = []
    store._client.meta.events.register(
        "before-call.s3.GetObject", lambda params, **_: fetched.append(params["url_path"])
    )
    keys = []
    for n in range(3):
        data = os.urandom(50_000) + bytes([n])
        keys.append(original_key(hashlib.sha256(data).hexdigest()))
        store.put_file(keys[-1], _file(tmp_path / f"scan{n}", data), write_once=True)
    with store.local_copy(keys[0]) as first:
        for _ in range(3):  # three pages of the same scan
            with store.local_copy(keys[0]) as again:
                assert again == first
        assert len(fetched) == 1
        with store.local_copy(keys[1]) as second:
            pass
        with store.local_copy(keys[2]):
            pass
        # Three kept, two allowed: the least recent one not being read goes.
        assert first.is_file() and not second.exists()
    assert len(fetched) == 3
    with store.local_copy(keys[2]):
        pass
    assert len(fetched) == 3  # still kept
    with store.local_copy(keys[1]):
        pass
    assert len(fetched) == 4 and not first.exists()  # now the first was the oldest
