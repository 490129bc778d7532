"""The file store: atomic writes, originals written once, only the service's own keys."""

from __future__ import annotations

from pathlib import Path

import pytest

from storage import LocalStore, ObjectExistsError, StorageError, check_key, original_key


def _file(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def test_put_and_read_back(tmp_path: Path) -> None:
    store = LocalStore(tmp_path / "store")
    store.put_file("pages/abc/00001.pdf", _file(tmp_path / "a", b"%PDF-1.7 one"))
    store.put_bytes("pages/abc/00001.jpg", b"\xff\xd8\xffjpeg")
    with store.open("pages/abc/00001.pdf") as handle:
        assert handle.read() == b"%PDF-1.7 one"
    assert store.size("pages/abc/00001.jpg") == 7
    assert list(store.keys("pages/")) == ["pages/abc/00001.jpg", "pages/abc/00001.pdf"]
    assert not (tmp_path / "a").exists()  # the source was moved in, not copied


def test_replacing_never_shows_a_partial_file(tmp_path: Path) -> None:
    store = LocalStore(tmp_path / "store")
    store.put_bytes("documents/x.pdf", b"old")
    store.put_bytes("documents/x.pdf", b"new and longer")
    assert store.path("documents/x.pdf").read_bytes() == b"new and longer"
    # No temporary file is left beside it.
    assert [p.name for p in store.path("documents/x.pdf").parent.iterdir()] == ["x.pdf"]


def test_originals_are_written_once_and_read_only(tmp_path: Path) -> None:
    store = LocalStore(tmp_path / "store")
    key = original_key("ab" * 32)
    store.put_file(key, _file(tmp_path / "a", b"scan bytes"), write_once=True)
    # The same bytes again (a second upload): kept as they are, the new copy dropped.
    store.put_file(key, _file(tmp_path / "b", b"scan bytes"), write_once=True)
    assert not (tmp_path / "b").exists()
    with pytest.raises(ObjectExistsError):
        store.put_file(key, _file(tmp_path / "c", b"other bytes!"), write_once=True)
    assert store.path(key).read_bytes() == b"scan bytes"
    assert store.path(key).stat().st_mode & 0o222 == 0


@pytest.mark.parametrize(
    "key", ["../etc/passwd", "/abs/path", "pages/../../x", "Pages/UPPER", "", "a//b", "a/./b"]
)
def test_hostile_keys_are_refused(tmp_path: Path, key: str) -> None:
    with pytest.raises(StorageError):
        check_key(key)
    with pytest.raises(StorageError):
        LocalStore(tmp_path).put_bytes(key, b"x")


def test_missing_keys_are_a_clear_error(tmp_path: Path) -> None:
    store = LocalStore(tmp_path)
    with pytest.raises(StorageError, match="not in the store"):
        store.open("pages/none.pdf")
    with pytest.raises(StorageError, match="not in the store"), store.local_copy("pages/none.pdf"):
        pass
