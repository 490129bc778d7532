"""A folder of page images read as one stack: its image files in natural name order.

A feeder that writes one file per page (page1.png, page2.png, ... page10.png) gives a
folder, not a file. Read as a stack, its pages are the image files directly inside it
(TIFF, JPEG, PNG), sorted as people number them (page2 before page10), each multi-page
TIFF contributing all its pages in order. Hidden files (.DS_Store, macOS's ._page1.tif)
and files of other kinds (notes, a scanner's manifest) are not pages; subfolders are not
read. A PDF in the folder is refused: its pages would have to be taken apart from it.

The layout (which file holds which page) is worked out once per state of the folder:
every page read checks the files' sizes and times, so a folder changed in between is
read afresh, never from a stale map.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Callable, MutableMapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from digitize.errors import InputFileError
from digitize.inputs import raster
from digitize.inputs.page import ReadLimits, ScannedPage
from digitize.inputs.sniff import InputFormat, sniff_format

IMAGE_SUFFIXES = (".tif", ".tiff", ".jpg", ".jpeg", ".png")
_DIGITS = re.compile(r"([0-9]+)")
_UNPRINTABLE = re.compile(r"[\x00-\x1f\x7f]")
_T = TypeVar("_T")


@dataclass(frozen=True, slots=True)
class FolderPage:
    """Where page `index` of a folder stack comes from."""

    file: Path
    frame: int  # 0-based, within the file


def natural_key(name: str) -> tuple[tuple[int, str | int], ...]:
    """Sort key: runs of digits compare as numbers (page2 < page10), text ignoring case."""
    parts = _DIGITS.split(unicodedata.normalize("NFC", name).casefold())
    return tuple((1, int(p)) if i % 2 else (0, p) for i, p in enumerate(parts) if p)


def shown(name: str) -> str:
    """A file name fit for a one-line message: control characters (a newline) escaped."""
    return _UNPRINTABLE.sub(lambda m: f"\\x{ord(m.group()):02x}", name)


def page_files(folder: Path) -> list[Path]:
    """The folder's page images in natural name order; InputFileError when it has none."""
    try:
        entries = list(folder.iterdir())
    except NotADirectoryError as exc:
        raise InputFileError("is not a folder") from exc
    except OSError as exc:
        raise InputFileError(f"cannot list the folder: {exc.strerror or exc}") from exc
    files: list[Path] = []
    for entry in entries:
        if entry.name.startswith(".") or not entry.is_file():
            continue
        suffix = entry.suffix.lower()
        if suffix == ".pdf":
            raise InputFileError(
                f"{shown(entry.name)}: a PDF in a folder stack; a folder stack is page "
                "images (TIFF, JPEG, PNG), so give the PDF on its own"
            )
        if suffix in IMAGE_SUFFIXES:
            files.append(entry)
    if not files:
        raise InputFileError("no page images (.tif .tiff .jpg .jpeg .png) in this folder")
    return sorted(files, key=lambda p: (natural_key(p.name), p.name))


def count_pages(folder: Path, limits: ReadLimits) -> int:
    """Pages of the folder stack; InputFileError naming the file that is unusable."""
    return len(_layout(folder, limits))


def read_page(folder: Path, index: int, limits: ReadLimits) -> ScannedPage:
    """Page `index` (0-based) of the folder stack, decoded on its own."""
    layout = _layout(folder, limits)
    if not 0 <= index < len(layout):
        raise InputFileError(f"page {index + 1} is not in the folder (it has {len(layout)})")
    where = layout[index]
    return _named(where.file, lambda: raster.read_frame(where.file, where.frame, limits))


def page_origins(folder: Path, limits: ReadLimits) -> list[FolderPage]:
    """For each page of the folder stack, in order: its file and frame."""
    return list(_layout(folder, limits))


def note_page_origins(folder: Path, reports: Sequence[MutableMapping[str, Any]]) -> None:
    """Add to each page's report the image it came from: `source_file` (its name in the
    folder) and `source_frame` (1-based, the page within a multi-page TIFF). Left out
    when the folder changed since its pages were read."""
    try:
        origins = page_origins(folder, ReadLimits(max_pages=max(len(reports), 1)))
    except InputFileError:
        return
    if len(origins) != len(reports):
        return
    for report, origin in zip(reports, origins, strict=True):
        report["source_file"] = origin.file.name
        report["source_frame"] = origin.frame + 1


def _layout(folder: Path, limits: ReadLimits) -> tuple[FolderPage, ...]:
    files = page_files(folder)
    if len(files) > limits.max_pages:
        raise InputFileError(
            f"{len(files)} page images is more than the limit of {limits.max_pages} pages"
        )
    state = []
    for path in files:
        try:
            info = path.stat()
        except OSError as exc:
            raise InputFileError(f"{shown(path.name)}: cannot read: {exc.strerror}") from exc
        state.append((str(path), info.st_size, info.st_mtime_ns))
    return _frames(tuple(state), limits.max_pages)


@functools.lru_cache(maxsize=8)
def _frames(state: tuple[tuple[str, int, int], ...], max_pages: int) -> tuple[FolderPage, ...]:
    """Each page's file and frame, for one state of the folder (names, sizes, times)."""
    limits = ReadLimits(max_pages=max_pages)
    pages: list[FolderPage] = []
    for name, _, _ in state:
        path = Path(name)
        frames = _named(path, lambda p=path: _count_frames(p, limits))
        pages += [FolderPage(path, frame) for frame in range(frames)]
        if len(pages) > max_pages:
            raise InputFileError(f"more than the limit of {max_pages} pages in the folder")
    return tuple(pages)


def _count_frames(path: Path, limits: ReadLimits) -> int:
    found = sniff_format(path)
    if found is InputFormat.PDF:
        raise InputFileError("a PDF named as an image; give the PDF on its own")
    return raster.count_frames(path, limits)


def _named(path: Path, read: Callable[[], _T]) -> _T:
    """Run `read`; an input error it raises names the file inside the folder."""
    try:
        return read()
    except InputFileError as exc:
        raise type(exc)(f"{shown(path.name)}: {exc}") from exc
