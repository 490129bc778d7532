"""Poppler's command-line tools: render a PDF page, extract a page's text layer.

Rendering goes through pdftocairo (image pixels kept exactly); text through pdftotext.
Paths are passed absolute so a file named "-x.pdf" is never read as an option.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Literal

import cv2
import numpy as np

from digitize.errors import CorruptInputError
from digitize.exec.run import run

RenderMode = Literal["colour", "grey", "mono"]
_MODE_OPTION = {"colour": [], "grey": ["-gray"], "mono": ["-mono"]}


def render_page_exact(
    path: Path,
    page_number: int,
    *,
    width: int,
    height: int,
    dpi: float,
    mode: RenderMode,
    timeout: float,
) -> np.ndarray:
    """Rasterise one page (1-based) to exactly `width` x `height` pixels.

    For a page that is one image poppler can draw but that cannot be taken out as it
    is (JBIG2, exotic colour spaces): drawn at the image's own pixel size, each image
    pixel lands on one page pixel, so the page keeps its original quality; "mono" keeps
    a black-and-white scan black and white. Returns HxW uint8 (grey, mono as 0/255) or
    HxWx3 RGB. The picture goes through an uncompressed TIFF, never a pipe held twice.

    pdftocairo, not pdftoppm: at the image's own size cairo copies image pixels as
    they are, where pdftoppm (Splash) smooths them (2 % of a CCITT page's pixels
    changed, measured on OCRmyPDF's ccitt.pdf; pdftocairo: none).
    """
    with tempfile.TemporaryDirectory(prefix="digitize-render-") as folder:
        root = Path(folder) / "page"
        run(
            [
                "pdftocairo",
                "-q",
                "-tiff",
                "-tiffcompression",
                "none",
                "-f",
                str(page_number),
                "-l",
                str(page_number),
                "-singlefile",
                "-r",
                f"{dpi:.3f}",
                "-scale-to-x",
                str(width),
                "-scale-to-y",
                str(height),
                *_MODE_OPTION[mode],
                path.resolve(),
                root,
            ],
            timeout=timeout,
        )
        produced = root.with_suffix(".tif")
        flags = cv2.IMREAD_COLOR if mode == "colour" else cv2.IMREAD_GRAYSCALE
        pixels = cv2.imread(str(produced), flags) if produced.is_file() else None
    if pixels is None:
        raise CorruptInputError(f"poppler rendered nothing for page {page_number}")
    if mode == "colour":
        cv2.cvtColor(pixels, cv2.COLOR_BGR2RGB, dst=pixels)
    return np.ascontiguousarray(pixels)


def page_text_bbox_html(path: Path, page_number: int, *, timeout: float) -> str:
    """The page's text layer as pdftotext -bbox-layout XHTML (points, origin top-left)."""
    out = run(
        [
            "pdftotext",
            "-q",
            "-enc",
            "UTF-8",
            "-bbox-layout",
            "-f",
            str(page_number),
            "-l",
            str(page_number),
            path.resolve(),
            "-",
        ],
        timeout=timeout,
    )
    return out.stdout.decode("utf-8", "replace")


def text(path: Path, *, timeout: float, first: int | None = None, last: int | None = None) -> str:
    """Plain text of a PDF (or a page range), UTF-8, in pdftotext's reading order."""
    args: list[str | Path] = ["pdftotext", "-q", "-enc", "UTF-8"]
    if first is not None:
        args += ["-f", str(first)]
    if last is not None:
        args += ["-l", str(last)]
    out = run([*args, path.resolve(), "-"], timeout=timeout)
    return out.stdout.decode("utf-8", "replace")
