"""Reading TIFF (multi-page, G4, LZW), JPEG and PNG scans with Pillow, one frame at a time."""

from __future__ import annotations

import struct
import warnings
from pathlib import Path

from PIL import Image, ImageFile, UnidentifiedImageError

from digitize.errors import CorruptInputError, ImageTooLargeError
from digitize.inputs.dpi import resolve_dpi
from digitize.inputs.page import ReadLimits, ScannedPage, check_pixels, to_array

# Never guess the rest of a truncated image: a truncated scan is an error, not a grey bar.
ImageFile.LOAD_TRUNCATED_IMAGES = False

# What Pillow raises on damaged files varies by format and by how the file is damaged.
_DECODE_ERRORS = (OSError, ValueError, SyntaxError, TypeError, KeyError, IndexError, struct.error)


def count_frames(path: Path, limits: ReadLimits) -> int:
    """How many pages (frames) the image file holds."""
    with _open(path) as image:
        try:
            frames = getattr(image, "n_frames", 1)
        except _DECODE_ERRORS as exc:
            raise CorruptInputError(f"damaged image: cannot count its pages ({exc})") from exc
    if frames > limits.max_pages:
        raise CorruptInputError(f"{frames} pages is more than the limit of {limits.max_pages}")
    return frames


def read_frame(path: Path, index: int, limits: ReadLimits) -> ScannedPage:
    """Decode frame `index` (0-based), checking its declared size before decoding."""
    with _open(path) as image:
        try:
            image.seek(index)
        except EOFError as exc:
            raise CorruptInputError(f"page {index + 1} is missing (file truncated?)") from exc
        except _DECODE_ERRORS as exc:
            raise CorruptInputError(f"damaged image at page {index + 1}: {exc}") from exc
        check_pixels(image.width, image.height, limits)
        file_dpi = _file_dpi(image)
        try:
            image.load()
            pixels, colour_mode = to_array(image)
        except _DECODE_ERRORS as exc:
            raise CorruptInputError(f"cannot decode page {index + 1}: {exc}") from exc
    height, width = pixels.shape[:2]
    resolution = resolve_dpi(width, height, file_dpi)
    return ScannedPage(pixels, resolution.dpi, resolution.estimated, colour_mode)


def frame_inches(path: Path, index: int) -> tuple[float, float]:
    """Frame `index`'s size in inches, from its header only (its resolution as read)."""
    with _open(path) as image:
        image.seek(index)
        resolution = resolve_dpi(image.width, image.height, _file_dpi(image))
        return image.width / resolution.dpi, image.height / resolution.dpi


def _open(path: Path) -> Image.Image:
    try:
        with warnings.catch_warnings():
            # Our own pixel limit is lower; Pillow's bomb warning would only be noise, and
            # damage is reported as our error rather than as Pillow's warnings.
            warnings.simplefilter("ignore")
            return Image.open(path)
    except Image.DecompressionBombError as exc:
        raise ImageTooLargeError(f"image too large (decompression bomb?): {exc}") from exc
    except UnidentifiedImageError as exc:
        raise CorruptInputError("damaged image: the header cannot be read") from exc
    except _DECODE_ERRORS as exc:
        raise CorruptInputError(f"damaged image: {exc}") from exc


def _file_dpi(image: Image.Image) -> float | None:
    dpi = image.info.get("dpi")
    if not dpi:
        return None
    try:
        x, y = float(dpi[0]), float(dpi[1])
    except (TypeError, ValueError, IndexError):
        return None
    # Non-square pixels are rare in document scans; the larger figure is the scanner's.
    return max(x, y) if x > 0 and y > 0 else None
