"""Reading scans: any supported file, one page at a time, never the whole file in memory."""

from __future__ import annotations

from pathlib import Path

from digitize.inputs import pdf, raster
from digitize.inputs.page import ReadLimits, ScannedPage, TextPage
from digitize.inputs.sniff import InputFormat, sniff_format

__all__ = [
    "InputFormat",
    "ReadLimits",
    "ScannedPage",
    "TextPage",
    "count_pages",
    "read_page",
    "sniff_format",
]


def count_pages(path: Path, limits: ReadLimits) -> int:
    """Number of pages in the scan; raises InputFileError for unusable files."""
    if sniff_format(path) is InputFormat.PDF:
        return pdf.count_pages(path, limits)
    return raster.count_frames(path, limits)


def read_page(
    path: Path, index: int, limits: ReadLimits, *, keep_text_layer: bool = True
) -> ScannedPage | TextPage:
    """Page `index` (0-based) of the scan, decoded on its own."""
    if sniff_format(path) is InputFormat.PDF:
        return pdf.read_page(path, index, limits, keep_text_layer=keep_text_layer)
    return raster.read_frame(path, index, limits)
