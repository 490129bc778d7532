"""Reading scans: any supported file, one page at a time, never the whole file in memory.

A folder is read as one stack of page images (see `folder`): callers that mean its
files one by one list them themselves.
"""

from __future__ import annotations

from pathlib import Path

from digitize.inputs import folder, pdf, raster
from digitize.inputs.page import ReadLimits, ScannedPage, TextPage
from digitize.inputs.sniff import InputFormat, sniff_format

__all__ = [
    "InputFormat",
    "ReadLimits",
    "ScannedPage",
    "TextPage",
    "count_pages",
    "page_inches",
    "read_page",
    "sniff_format",
]


def count_pages(path: Path, limits: ReadLimits) -> int:
    """Number of pages in the scan (a folder: its page images); InputFileError if unusable."""
    if path.is_dir():
        return folder.count_pages(path, limits)
    if sniff_format(path) is InputFormat.PDF:
        return pdf.count_pages(path, limits)
    return raster.count_frames(path, limits)


def read_page(
    path: Path, index: int, limits: ReadLimits, *, keep_text_layer: bool = True
) -> ScannedPage | TextPage:
    """Page `index` (0-based) of the scan, decoded on its own."""
    if path.is_dir():
        return folder.read_page(path, index, limits)
    if sniff_format(path) is InputFormat.PDF:
        return pdf.read_page(path, index, limits, keep_text_layer=keep_text_layer)
    return raster.read_frame(path, index, limits)


def page_inches(path: Path, index: int) -> tuple[float, float] | None:
    """Page `index`'s paper size (width, height in inches, as shown), without decoding
    it, for a stand-in page when the page itself cannot be read; None if unknown."""
    try:
        if path.is_dir():
            return None
        if sniff_format(path) is InputFormat.PDF:
            return pdf.page_inches(path, index)
        return raster.frame_inches(path, index)
    except Exception:  # a best guess for a page already failing; A4 is the caller's default
        return None
