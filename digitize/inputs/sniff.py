"""Recognise a scan's format by its bytes, never by its name."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path

from digitize.errors import CorruptInputError, InputFileError, UnsupportedFormatError


class InputFormat(StrEnum):
    PDF = "pdf"
    TIFF = "tiff"
    JPEG = "jpeg"
    PNG = "png"


# What common non-scan files look like, so the error can say what was given instead.
_OTHER_SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (b"PK\x03\x04", "a ZIP archive or Office document"),
    (b"GIF8", "a GIF image"),
    (b"BM", "a BMP image"),
    (b"\xd0\xcf\x11\xe0", "an old Microsoft Office document"),
    (b"{\\rtf", "an RTF document"),
    (b"\x1f\x8b", "a gzip archive"),
    (b"Rar!", "a RAR archive"),
    (b"7z\xbc\xaf", "a 7-Zip archive"),
)


def sniff_format(path: Path) -> InputFormat:
    """Return the scan format of `path`, or raise a clear InputFileError."""
    try:
        with path.open("rb") as handle:
            head = handle.read(1024)
    except IsADirectoryError as exc:
        raise InputFileError("is a directory, not a file") from exc
    except OSError as exc:
        raise InputFileError(f"cannot read: {exc.strerror or exc}") from exc
    if not head:
        raise CorruptInputError("empty file (0 bytes)")
    if head.startswith((b"II*\x00", b"MM\x00*", b"II+\x00", b"MM\x00+")):
        return InputFormat.TIFF
    if head.startswith(b"\xff\xd8\xff"):
        return InputFormat.JPEG
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return InputFormat.PNG
    # The PDF header may follow some junk bytes; readers accept it within the first 1 KiB.
    if b"%PDF-" in head:
        return InputFormat.PDF
    raise UnsupportedFormatError(f"not a PDF, TIFF, JPEG or PNG scan ({_describe(head)})")


def _describe(head: bytes) -> str:
    for signature, name in _OTHER_SIGNATURES:
        if head.startswith(signature):
            return f"looks like {name}"
    if head[4:12] in (b"ftypheic", b"ftypmif1", b"ftypheix"):
        return "looks like a HEIC photo"
    if head.startswith(b"RIFF") and head[8:12] == b"WEBP":
        return "looks like a WebP image"
    try:
        head.decode("utf-8")
    except UnicodeDecodeError:
        return "unrecognised binary data"
    return "looks like text"
