"""Every kind of bad input gets one clear error, quickly, without decoding what it claims."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import pytest

from digitize.errors import (
    CorruptInputError,
    EncryptedPdfError,
    ImageTooLargeError,
    InputFileError,
    UnsupportedFormatError,
)
from digitize.inputs import ReadLimits, count_pages, read_page
from tests import badfiles

LIMITS = ReadLimits(max_page_pixels=75_000_000)  # under the 100 MP pages below
TIME_LIMIT_S = 10.0


def read_all(path: Path) -> None:
    for index in range(count_pages(path, LIMITS)):
        read_page(path, index, LIMITS)


def make(tmp_path: Path, name: str, maker: Callable[[Path], Path]) -> Path:
    return maker(tmp_path / name)


CASES: list[tuple[str, Callable[[Path], Path], type[InputFileError], str]] = [
    ("empty.pdf", lambda p: (p.write_bytes(b""), p)[1], CorruptInputError, "empty file"),
    (
        "notes.pdf",
        lambda p: (p.write_text("xin chào, đây không phải ảnh"), p)[1],
        UnsupportedFormatError,
        "looks like text",
    ),
    (
        "archive.tif",
        lambda p: (p.write_bytes(b"PK\x03\x04" + b"\0" * 100), p)[1],
        UnsupportedFormatError,
        "ZIP",
    ),
    (
        "bomb.png",
        lambda p: badfiles.png_declaring(p, 60_000, 60_000),
        ImageTooLargeError,
        "too large",
    ),
    (
        "hundred-mp.png",
        lambda p: badfiles.png_declaring(p, 10_000, 10_000),
        ImageTooLargeError,
        "100 MP",
    ),
    ("hundred-mp.tif", badfiles.real_large_tiff, ImageTooLargeError, "100 MP"),
    (
        "giant.jpg",
        lambda p: badfiles.jpeg_declaring(p, 60_000, 60_000),
        ImageTooLargeError,
        "too large",
    ),
    ("giant-image.pdf", badfiles.pdf_with_giant_image, ImageTooLargeError, "2500 MP"),
    ("giant-page.pdf", badfiles.pdf_with_giant_page, ImageTooLargeError, "too large"),
    ("corrupt.pdf", badfiles.corrupt_pdf, CorruptInputError, "PDF"),
]


@pytest.mark.parametrize(("name", "maker", "error", "message"), CASES, ids=[c[0] for c in CASES])
def test_bad_file_gets_a_clear_error(
    tmp_path: Path,
    name: str,
    maker: Callable[[Path], Path],
    error: type[InputFileError],
    message: str,
) -> None:
    path = make(tmp_path, name, maker)
    start = time.perf_counter()
    with pytest.raises(error) as caught:
        read_all(path)
    assert time.perf_counter() - start < TIME_LIMIT_S
    text = str(caught.value)
    assert message in text
    assert "\n" not in text


@pytest.mark.parametrize(
    ("good", "name"),
    [
        (badfiles.good_pdf, "scan.pdf"),
        (badfiles.good_tiff, "scan.tif"),
        (badfiles.good_jpeg, "scan.jpg"),
    ],
)
def test_truncated_files_are_refused(
    tmp_path: Path, good: Callable[[Path], Path], name: str
) -> None:
    whole = good(tmp_path / f"whole-{name}")
    read_all(whole)  # the untouched file reads fine
    cut = badfiles.truncated(whole, tmp_path / name)
    start = time.perf_counter()
    with pytest.raises(InputFileError):
        read_all(cut)
    assert time.perf_counter() - start < TIME_LIMIT_S


def test_pdf_needing_a_password_is_refused(tmp_path: Path) -> None:
    locked = badfiles.encrypted_pdf(badfiles.good_pdf(tmp_path / "a.pdf"), tmp_path / "locked.pdf")
    with pytest.raises(EncryptedPdfError, match="password"):
        read_all(locked)


def test_pdf_with_only_an_owner_password_is_refused(tmp_path: Path) -> None:
    source = badfiles.good_pdf(tmp_path / "a.pdf")
    restricted = badfiles.encrypted_pdf(source, tmp_path / "restricted.pdf", user_password="")
    with pytest.raises(EncryptedPdfError, match="encryption"):
        read_all(restricted)


def test_a_folder_without_page_images_is_not_a_scan(tmp_path: Path) -> None:
    # A folder is read as a stack of its page images (see test_inputs_folder.py).
    with pytest.raises(InputFileError, match="no page images"):
        read_all(tmp_path)


def test_too_many_pages_is_refused(tmp_path: Path) -> None:
    path = badfiles.good_tiff(tmp_path / "two.tif")
    with pytest.raises(InputFileError, match="limit of 1"):
        count_pages(path, ReadLimits(max_pages=1))
