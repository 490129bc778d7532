"""Write one page as a PDF: the page image at its own resolution plus the invisible OCR text."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pikepdf

from digitize.errors import DigitizeError
from digitize.pdf._atomic import save_atomically
from digitize.pdf.font import make_font
from digitize.pdf.images import (
    EncodedImage,
    check_image,
    check_jpeg_quality,
    encode_page_image,
    image_stream,
)
from digitize.pdf.textlayer import PageGeometry, number, text_layer
from digitize.results import ColourMode, OcrText

# Resource names inside the page; assemble.py finds the font by its dictionary, not this name.
IMAGE_NAME = "Im0"
FONT_NAME = "Fgl"
PDF_VERSION = "1.7"


def _check_dpi(dpi: float) -> float:
    """The resolution as a float; DigitizeError unless it is a finite positive number."""
    try:
        value = float(dpi)
    except (TypeError, ValueError) as error:
        raise DigitizeError(f"dpi must be a number, got {dpi!r}") from error
    if not math.isfinite(value) or value <= 0:
        raise DigitizeError(f"dpi must be a positive number, got {dpi!r}")
    return value


def _check_colour_mode(colour_mode: ColourMode | str) -> ColourMode:
    """Accept the enum or its value; DigitizeError for anything else."""
    try:
        return ColourMode(colour_mode)
    except ValueError as error:
        raise DigitizeError(f"unknown colour mode {colour_mode!r}") from error


def _image_operators(width_pt: float, height_pt: float) -> bytes:
    """Paint the image XObject over the whole page (an image fills the unit square)."""
    matrix = f"{number(width_pt)} 0 0 {number(height_pt)} 0 0 cm"
    return f"q\n{matrix}\n/{IMAGE_NAME} Do\nQ\n".encode("ascii")


def encode_page(
    image: np.ndarray, *, colour_mode: ColourMode | str, jpeg_quality: int = 80
) -> EncodedImage:
    """Compress a page image for the PDF now, so the pixels can be freed before OCR.

    JPEG for colour and grey pages, CCITT G4 for bilevel ones; DigitizeError for an
    unusable image or quality.
    """
    mode = _check_colour_mode(colour_mode)
    pixels = check_image(image, mode)
    check_jpeg_quality(jpeg_quality)  # even for bilevel pages: a bad argument is a caller bug
    return encode_page_image(pixels, mode, jpeg_quality)


def build_page_pdf(
    image: np.ndarray | EncodedImage,
    *,
    colour_mode: ColourMode,
    dpi: float,
    text: OcrText | None,
    jpeg_quality: int = 80,
) -> pikepdf.Pdf:
    """The one-page PDF that `write_page_pdf` saves, in memory."""
    dpi = _check_dpi(dpi)
    if isinstance(image, EncodedImage):
        encoded = image
    else:
        encoded = encode_page(image, colour_mode=colour_mode, jpeg_quality=jpeg_quality)
    height_px, width_px = encoded.height, encoded.width
    geometry = PageGeometry(height_px=height_px, points_per_pixel=72.0 / dpi)
    # Rounded like the content stream, so the image and the MediaBox agree to the last digit.
    width_pt = float(number(geometry.x(width_px)))
    height_pt = float(number(geometry.y(0)))

    pdf = pikepdf.new()
    resources = pikepdf.Dictionary(
        XObject=pikepdf.Dictionary({"/" + IMAGE_NAME: image_stream(pdf, encoded)})
    )
    content = _image_operators(width_pt, height_pt)
    layer = text_layer(text, FONT_NAME, geometry) if text is not None else b""
    if layer:
        resources.Font = pikepdf.Dictionary({"/" + FONT_NAME: make_font(pdf)})
        content += layer
    page = pikepdf.Dictionary(
        Type=pikepdf.Name.Page,
        MediaBox=[0, 0, width_pt, height_pt],
        Resources=resources,
        Contents=pikepdf.Stream(pdf, content),
    )
    pdf.pages.append(pikepdf.Page(page))
    return pdf


def write_page_pdf(
    image: np.ndarray | EncodedImage,
    *,
    colour_mode: ColourMode,
    dpi: float,
    text: OcrText | None,
    path: Path,
    jpeg_quality: int = 80,
) -> None:
    """Write a one-page PDF: `image` fills the page at its own resolution (page size =
    pixels / dpi * 72 pt, never resampled), with an invisible text layer (render mode 3)
    placing each OCR word over its box.

    `image` is HxW uint8 for grey and bilevel pages (bilevel: 0 = black, 255 = white)
    or HxWx3 uint8 RGB for colour pages, or what `encode_page` made of one (then
    `colour_mode` and `jpeg_quality` were already applied). Colour and grey pages are
    stored as JPEG at `jpeg_quality`, bilevel pages losslessly as CCITT Group 4. The
    file is written atomically. Raises DigitizeError for an unusable image, dpi or
    output path.
    """
    with build_page_pdf(
        image, colour_mode=colour_mode, dpi=dpi, text=text, jpeg_quality=jpeg_quality
    ) as pdf:
        # deterministic_id: the same page always gives the same bytes (handy for caching, tests).
        save_atomically(pdf, Path(path), min_version=PDF_VERSION, deterministic_id=True)
