"""What reading a scan yields, one page at a time."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from PIL import Image

from digitize.errors import CorruptInputError, ImageTooLargeError
from digitize.results import ColourMode, OcrText


@dataclass(frozen=True, slots=True)
class ReadLimits:
    """Bounds that keep hostile or enormous files from exhausting the machine."""

    # OCRmyPDF's default (--max-image-mpixels 250): A0 land maps at 300 dpi are 140 MP.
    max_page_pixels: int = 250_000_000
    max_pages: int = 5000
    timeout: float = 120.0  # for each external program a page needs


@dataclass(frozen=True, slots=True)
class ScannedPage:
    """A page as pixels: HxW uint8 grey (0/255 when bilevel) or HxWx3 uint8 RGB.

    The array is writable and belongs to whoever reads the page: stages may work in place.
    """

    pixels: np.ndarray
    dpi: float
    dpi_estimated: bool
    colour_mode: ColourMode


@dataclass(frozen=True, slots=True)
class TextPage:
    """A PDF page that carries its own text layer, kept as it is (boxes at `dpi`)."""

    text: OcrText
    width: int
    height: int
    dpi: int


def check_pixels(width: int, height: int, limits: ReadLimits) -> None:
    """Refuse, before decoding, a page that would be larger than the limit."""
    if width <= 0 or height <= 0:
        raise CorruptInputError(f"page declares an empty size {width}x{height}")
    if width * height > limits.max_page_pixels:
        raise ImageTooLargeError(
            f"page too large: {width}x{height} px ({width * height / 1e6:.0f} MP), "
            f"limit {limits.max_page_pixels / 1e6:.0f} MP"
        )


def to_array(image: Image.Image) -> tuple[np.ndarray, ColourMode]:
    """Decode a Pillow image into a writable array of the pipeline's form, and its colour mode."""
    mode = image.mode
    if mode == "1":
        # Pillow's rows of packed bits (1 is white), unpacked by numpy: twice as fast
        # as asking Pillow for an array.
        width, height = image.size
        packed = np.frombuffer(image.tobytes(), np.uint8).reshape(height, -1)
        bits = np.unpackbits(packed, axis=1)[:, :width]
        bits *= np.uint8(255)
        return np.ascontiguousarray(bits), ColourMode.BILEVEL
    if mode in ("I;16", "I;16B", "I;16L", "I;16N"):
        wide = np.asarray(image).astype(np.uint16)
        return (wide >> 8).astype(np.uint8), ColourMode.GREY
    if mode in ("I", "F"):
        values = np.asarray(image, dtype=np.float64)
        top = float(values.max()) or 1.0
        scale = 255.0 / top if top > 255 else 1.0
        return np.clip(values * scale, 0, 255).astype(np.uint8), ColourMode.GREY
    if mode in ("LA", "PA", "RGBA", "La", "RGBa") or (mode == "P" and "transparency" in image.info):
        image = _flatten_on_white(image)
        mode = image.mode
    if mode == "P":
        image = image.convert("RGB")
        mode = "RGB"
    if mode == "L":
        grey = np.array(image, dtype=np.uint8)
        return grey, (ColourMode.BILEVEL if is_two_valued(grey) else ColourMode.GREY)
    if mode != "RGB":
        image = image.convert("RGB")
    return np.array(image, dtype=np.uint8), ColourMode.COLOUR


def _flatten_on_white(image: Image.Image) -> Image.Image:
    rgba = image.convert("RGBA")
    background = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
    flat = Image.alpha_composite(background, rgba).convert("RGB")
    return flat.convert("L") if image.mode in ("LA", "La") else flat


def is_two_valued(grey: np.ndarray) -> bool:
    # A grey scan holding only pure black and white is a black-and-white scan.
    return not np.any((grey != 0) & (grey != 255))
