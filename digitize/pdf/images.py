"""Encode a page image for a PDF image XObject, without ever resampling it.

Colour and grey pages become JPEG (/DCTDecode); bilevel pages become CCITT
Group 4 (/CCITTFaxDecode), which is lossless and far smaller for black text on
white paper. JBIG2 is deliberately not used.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

import numpy as np
import pikepdf
from PIL import Image, TiffImagePlugin

from digitize.errors import DigitizeError
from digitize.results import ColourMode

# JPEG cannot describe a larger image; Pillow refuses it anyway, with a less clear message.
_JPEG_MAX_SIDE = 65_500

_TIFF_STRIP_OFFSETS = 273
_TIFF_STRIP_BYTE_COUNTS = 279


@dataclass(frozen=True, slots=True)
class EncodedImage:
    """Image bytes ready to be a PDF image stream, with the keys that describe them."""

    data: bytes
    width: int
    height: int
    filter: str  # "/DCTDecode" or "/CCITTFaxDecode"
    colour_space: str  # "/DeviceRGB" or "/DeviceGray"
    bits_per_component: int
    decode_parms: dict[str, int | bool] | None = None


def check_image(image: np.ndarray, colour_mode: ColourMode) -> np.ndarray:
    """Return `image` as a C-contiguous uint8 array of the shape `colour_mode` needs.

    Raises DigitizeError for anything else: the caller passed the wrong page.
    """
    if not isinstance(image, np.ndarray):
        raise DigitizeError(f"page image must be a numpy array, not {type(image).__name__}")
    if image.dtype != np.uint8:
        raise DigitizeError(f"page image must be uint8, got {image.dtype}")
    if image.ndim == 3 and image.shape[2] == 1:
        image = image[:, :, 0]  # OpenCV's single-channel HxWx1 is still a grey image
    if colour_mode is ColourMode.COLOUR:
        if image.ndim != 3 or image.shape[2] != 3:
            raise DigitizeError(f"a colour page image must be HxWx3 (RGB), got shape {image.shape}")
    elif image.ndim != 2:
        raise DigitizeError(
            f"a {colour_mode.value} page image must be HxW (one channel), got shape {image.shape}"
        )
    height, width = image.shape[:2]
    if height == 0 or width == 0:
        raise DigitizeError(f"page image is empty (shape {image.shape})")
    if colour_mode is not ColourMode.BILEVEL and max(height, width) > _JPEG_MAX_SIDE:
        raise DigitizeError(
            f"page image {width}x{height} is too large for JPEG (max side {_JPEG_MAX_SIDE})"
        )
    return np.ascontiguousarray(image)


def check_jpeg_quality(quality: int) -> int:
    """`quality` if Pillow's JPEG encoder accepts it (1..100), else DigitizeError."""
    if isinstance(quality, bool) or not isinstance(quality, int) or not 1 <= quality <= 100:
        raise DigitizeError(f"jpeg_quality must be an integer from 1 to 100, got {quality!r}")
    return quality


def encode_jpeg(image: np.ndarray, quality: int) -> EncodedImage:
    """JPEG-encode a grey (HxW) or RGB (HxWx3) image at `quality`."""
    check_jpeg_quality(quality)
    grey = image.ndim == 2
    picture = Image.fromarray(image)  # HxW uint8 is mode "L", HxWx3 is "RGB"
    buffer = io.BytesIO()
    # Baseline (non-progressive) JPEG without an ICC profile: the PDF colour space says it all.
    picture.save(buffer, format="JPEG", quality=quality, optimize=True)
    return EncodedImage(
        data=buffer.getvalue(),
        width=image.shape[1],
        height=image.shape[0],
        filter="/DCTDecode",
        colour_space="/DeviceGray" if grey else "/DeviceRGB",
        bits_per_component=8,
    )


def encode_ccitt_g4(image: np.ndarray) -> EncodedImage:
    """CCITT Group 4 encode a bilevel image (0 = black, 255 = white; threshold at 128).

    Pillow's libtiff writer produces the G4 data; we ask for one strip holding the
    whole image and take that strip's bytes as the PDF stream. The fax coder codes
    1 bits as black runs, so ink is passed as 1: the paper is then coded as white
    runs (the short codes G4 was designed for), and in the PDF the decoder's black
    runs come out as 0 bits, which DeviceGray paints black; /BlackIs1 stays false.
    """
    height, width = image.shape
    ink = image < 128
    picture = Image.fromarray(ink)  # a bool array becomes a mode "1" image, True = bit 1
    buffer = io.BytesIO()
    try:
        picture.save(buffer, format="TIFF", compression="group4", strip_size=2**31 - 1)
    except (OSError, ValueError) as error:
        raise DigitizeError(f"CCITT G4 encoding failed: {error}") from error
    data = _single_strip(buffer.getvalue())
    return EncodedImage(
        data=data,
        width=width,
        height=height,
        filter="/CCITTFaxDecode",
        colour_space="/DeviceGray",
        bits_per_component=1,
        decode_parms={"/K": -1, "/Columns": width, "/Rows": height, "/BlackIs1": False},
    )


def _single_strip(tiff: bytes) -> bytes:
    """The compressed bytes of the only strip of a TIFF file."""
    with Image.open(io.BytesIO(tiff)) as parsed:
        if not isinstance(parsed, TiffImagePlugin.TiffImageFile):
            raise DigitizeError("CCITT G4 encoder did not produce a TIFF")
        offsets = parsed.tag_v2.get(_TIFF_STRIP_OFFSETS)
        counts = parsed.tag_v2.get(_TIFF_STRIP_BYTE_COUNTS)
    if isinstance(offsets, int):
        offsets = (offsets,)
    if isinstance(counts, int):
        counts = (counts,)
    if not offsets or not counts or len(offsets) != 1 or len(counts) != 1:
        raise DigitizeError("CCITT G4 encoder did not produce a single-strip TIFF")
    return tiff[offsets[0] : offsets[0] + counts[0]]


def encode_page_image(
    image: np.ndarray, colour_mode: ColourMode, jpeg_quality: int
) -> EncodedImage:
    """Encode a checked page image the way `colour_mode` asks."""
    if colour_mode is ColourMode.BILEVEL:
        return encode_ccitt_g4(image)
    return encode_jpeg(image, jpeg_quality)


def image_stream(pdf: pikepdf.Pdf, encoded: EncodedImage) -> pikepdf.Stream:
    """A PDF image XObject holding `encoded` as it is (already compressed, not re-filtered)."""
    stream = pikepdf.Stream(pdf, encoded.data)
    stream.Type = pikepdf.Name.XObject
    stream.Subtype = pikepdf.Name.Image
    stream.Width = encoded.width
    stream.Height = encoded.height
    stream.ColorSpace = pikepdf.Name(encoded.colour_space)
    stream.BitsPerComponent = encoded.bits_per_component
    stream.Filter = pikepdf.Name(encoded.filter)
    if encoded.decode_parms is not None:
        stream.DecodeParms = pikepdf.Dictionary(encoded.decode_parms)
    return stream
