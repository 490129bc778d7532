"""Reading PDF scans page by page.

A scanned page is usually one image filling the page: that image is taken out
as it is (its own resolution and colour, nothing resampled). Anything else is
rendered with poppler at the resolution of its largest image. A page that already
carries a text layer is reported as such so its text can be kept.
"""

from __future__ import annotations

import html
import re
import struct
import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import cv2
import numpy as np
import pikepdf
from pikepdf.models.image import NotExtractableError
from PIL import Image

from digitize.errors import CorruptInputError, EncryptedPdfError, InputFileError
from digitize.exec import poppler
from digitize.inputs.page import (
    ReadLimits,
    ScannedPage,
    TextPage,
    check_pixels,
    is_two_valued,
    to_array,
)
from digitize.results import ColourMode, Line, OcrText, Word

_RENDER_DPI_DEFAULT = 300
_RENDER_DPI_RANGE = (150, 600)
_TEXT_LAYER_MIN_CHARS = 20  # fewer letters than this is a scanner's stamp, not a text layer
_KEPT_TEXT_DPI = 300  # boxes of kept text are reported at this nominal resolution
_IMAGE_ONLY_OPERATORS = {"q", "Q", "cm", "Do", "gs", "w", "J", "j", "M", "d", "ri", "i"}


@contextmanager
def open_pdf(path: Path) -> Iterator[pikepdf.Pdf]:
    """Open a PDF lazily (pages are parsed on demand), refusing encrypted ones."""
    try:
        pdf = pikepdf.open(path)
    except pikepdf.PasswordError as exc:
        raise EncryptedPdfError("encrypted PDF: it needs a password to open") from exc
    except pikepdf.PdfError as exc:
        raise CorruptInputError(f"damaged PDF: {_first_line(exc)}") from exc
    try:
        if pdf.is_encrypted:
            raise EncryptedPdfError("encrypted PDF: remove its encryption before digitising")
        yield pdf
    finally:
        pdf.close()


def count_pages(path: Path, limits: ReadLimits) -> int:
    with open_pdf(path) as pdf:
        try:
            count = len(pdf.pages)
        except pikepdf.PdfError as exc:
            raise CorruptInputError(f"damaged PDF page tree: {_first_line(exc)}") from exc
    if count == 0:
        raise CorruptInputError("the PDF has no pages")
    if count > limits.max_pages:
        raise InputFileError(f"{count} pages is more than the limit of {limits.max_pages}")
    return count


def read_page(
    path: Path, index: int, limits: ReadLimits, *, keep_text_layer: bool
) -> ScannedPage | TextPage:
    """Page `index` (0-based) as pixels, or as its kept text layer."""
    with open_pdf(path) as pdf:
        try:
            page = pdf.pages[index]
            if keep_text_layer and _has_fonts(page):
                kept = _read_text_layer(path, index, limits)
                if kept is not None:
                    return kept
            scanned = _extract_full_page_image(path, index, page, limits)
            if scanned is not None:
                return scanned
            render_dpi = _render_dpi(page)
            width_in, height_in = _page_inches(page)
            if int(page.obj.get("/Rotate", 0)) % 180 == 90:
                width_in, height_in = height_in, width_in
        except pikepdf.PdfError as exc:
            raise CorruptInputError(f"damaged PDF page {index + 1}: {_first_line(exc)}") from exc
    width, height = round(width_in * render_dpi), round(height_in * render_dpi)
    check_pixels(width, height, limits)
    # Straight from poppler's file into the array: a large page is held once, not as
    # pipe bytes, a Pillow image and an array in turn.
    pixels = poppler.render_page_exact(
        path,
        index + 1,
        width=width,
        height=height,
        dpi=render_dpi,
        mode="colour",
        timeout=limits.timeout,
    )
    return ScannedPage(pixels, float(render_dpi), False, ColourMode.COLOUR)


def _extract_full_page_image(
    path: Path, index: int, page: pikepdf.Page, limits: ReadLimits
) -> ScannedPage | None:
    """The page's single image, turned as the viewer sees it, if the page is just that image."""
    images = list(page.get_images(recursive=False).values())
    if len(images) != 1 or not _draws_only_images(page):
        return None
    raw = pikepdf.PdfImage(images[0])
    if raw.image_mask or "/SMask" in images[0] or "/Mask" in images[0]:
        return None
    check_pixels(raw.width, raw.height, limits)
    width_in, height_in = _page_inches(page)
    rotate = int(page.obj.get("/Rotate", 0)) % 360
    if rotate in (90, 270):
        width_in, height_in = height_in, width_in
    # The image must fill the page with the page's proportions, else layout is lost.
    width, height = (raw.height, raw.width) if rotate in (90, 270) else (raw.width, raw.height)
    dpi_x, dpi_y = width / width_in, height / height_in
    if abs(dpi_x - dpi_y) / max(dpi_x, dpi_y) > 0.03:
        return None
    dpi = round((dpi_x + dpi_y) / 2, 1)
    decoded = _decode_plain_jpeg(images[0], raw) or _decode_plain_flate(images[0], raw)
    if decoded is not None:
        pixels, colour_mode = decoded
        pixels = np.ascontiguousarray(np.rot90(pixels, k=-(rotate // 90))) if rotate else pixels
        return ScannedPage(pixels, dpi, False, colour_mode)
    try:
        pil = raw.as_pil_image()
        pil.load()
    except _NOT_EXTRACTABLE:
        # JBIG2 (what office scanners write for black-and-white pages), DeviceN, ...:
        # poppler draws it at its own pixel size, so the page loses nothing.
        return _render_image_page(path, index, raw, width, height, dpi, limits)
    except (OSError, ValueError, SyntaxError, TypeError, struct.error) as exc:
        raise CorruptInputError(f"cannot decode the page image: {exc}") from exc
    pixels, colour_mode = to_array(_apply_page_rotation(pil, rotate))
    if pixels.shape[:2] != (height, width):
        return None
    return ScannedPage(pixels, dpi, False, colour_mode)


# What pikepdf raises for an image it cannot hand over as it is; poppler draws them all.
_NOT_EXTRACTABLE = (
    pikepdf.PdfError,
    NotImplementedError,
    pikepdf.UnsupportedImageTypeError,
    pikepdf.DependencyError,  # JBIG2 without jbig2dec
    NotExtractableError,  # e.g. "not transcodable" DeviceN or high-fidelity print images
)


def _render_image_page(
    path: Path,
    index: int,
    raw: pikepdf.PdfImage,
    width: int,
    height: int,
    dpi: float,
    limits: ReadLimits,
) -> ScannedPage:
    """The page's one image drawn by poppler at the image's own size and kind."""
    if raw.bits_per_component == 1:
        mode: poppler.RenderMode = "mono"
    elif _is_grey(raw):
        mode = "grey"
    else:
        mode = "colour"
    pixels = poppler.render_page_exact(
        path,
        index + 1,
        width=width,
        height=height,
        dpi=dpi,
        mode=mode,
        timeout=limits.timeout,
    )
    if mode == "colour":
        return ScannedPage(pixels, dpi, False, ColourMode.COLOUR)
    bilevel = mode == "mono" or is_two_valued(pixels)
    return ScannedPage(pixels, dpi, False, ColourMode.BILEVEL if bilevel else ColourMode.GREY)


def _is_grey(raw: pikepdf.PdfImage) -> bool:
    try:
        return raw.colorspace == "/DeviceGray"
    except (pikepdf.PdfError, NotImplementedError, ValueError, TypeError):
        return False


def _decode_plain_jpeg(
    stream: pikepdf.Object, raw: pikepdf.PdfImage
) -> tuple[np.ndarray, ColourMode] | None:
    """A plain 8-bit grey or RGB JPEG, the usual scan, decoded by OpenCV straight into
    an array: less than half the time of Pillow's decode and copy. None for anything
    else (other filters, colour spaces, a /Decode array) or a JPEG OpenCV cannot read,
    which the general path then handles and reports."""
    colour_space = stream.get("/ColorSpace")
    if (
        stream.get("/Filter") != pikepdf.Name.DCTDecode
        or colour_space not in (pikepdf.Name.DeviceGray, pikepdf.Name.DeviceRGB)
        or raw.bits_per_component != 8
        or "/Decode" in stream
    ):
        return None
    # Unchanged: no EXIF turn (a PDF viewer shows the JPEG's pixels as stored).
    pixels = cv2.imdecode(np.frombuffer(stream.read_raw_bytes(), np.uint8), cv2.IMREAD_UNCHANGED)
    channels = 1 if colour_space == pikepdf.Name.DeviceGray else 3
    if (
        pixels is None
        or pixels.dtype != np.uint8
        or pixels.shape[:2] != (raw.height, raw.width)
        or (pixels.shape[2] if pixels.ndim == 3 else 1) != channels
    ):
        return None
    if channels == 1:
        return pixels, (ColourMode.BILEVEL if is_two_valued(pixels) else ColourMode.GREY)
    return cv2.cvtColor(pixels, cv2.COLOR_BGR2RGB), ColourMode.COLOUR


def _decode_plain_flate(
    stream: pikepdf.Object, raw: pikepdf.PdfImage
) -> tuple[np.ndarray, ColourMode] | None:
    """A plain 8-bit grey or RGB image stored deflated (lossless scans, large maps),
    taken straight from its decoded bytes: one copy of a large page fewer than through
    Pillow. None for anything else (predictors, a /Decode array, other filters)."""
    colour_space = stream.get("/ColorSpace")
    filters = stream.get("/Filter")
    if isinstance(filters, pikepdf.Array):
        filters = filters[0] if len(filters) == 1 else None
    if (
        filters != pikepdf.Name.FlateDecode
        or colour_space not in (pikepdf.Name.DeviceGray, pikepdf.Name.DeviceRGB)
        or raw.bits_per_component != 8
        or "/Decode" in stream
        or "/DecodeParms" in stream
    ):
        return None
    channels = 1 if colour_space == pikepdf.Name.DeviceGray else 3
    data = stream.read_bytes()
    if len(data) != raw.width * raw.height * channels:
        return None  # short or long data: the general path reports it
    shape = (raw.height, raw.width) if channels == 1 else (raw.height, raw.width, 3)
    pixels = np.frombuffer(data, np.uint8).reshape(shape).copy()  # writable, as stages need
    del data
    if channels == 1:
        return pixels, (ColourMode.BILEVEL if is_two_valued(pixels) else ColourMode.GREY)
    return pixels, ColourMode.COLOUR


def _draws_only_images(page: pikepdf.Page) -> bool:
    """True when the content stream only places images (no text, no vector drawing)."""
    try:
        for operands, operator in pikepdf.parse_content_stream(page):
            name = str(operator)
            if name not in _IMAGE_ONLY_OPERATORS:
                return False
            if name == "cm" and not _is_upright_scale([float(v) for v in operands]):
                return False
    except pikepdf.PdfError:
        return False
    return True


def _is_upright_scale(matrix: list[float]) -> bool:
    # Only plain scaling keeps the image the right way up; mirrored or turned images are rendered.
    a, b, c, d = matrix[:4]
    return b == 0 and c == 0 and a >= 0 and d >= 0


def _apply_page_rotation(image: Image.Image, rotate: int) -> Image.Image:
    # /Rotate turns the page clockwise for display; Pillow's transpose names are counter-clockwise.
    if rotate == 90:
        return image.transpose(Image.Transpose.ROTATE_270)
    if rotate == 180:
        return image.transpose(Image.Transpose.ROTATE_180)
    if rotate == 270:
        return image.transpose(Image.Transpose.ROTATE_90)
    return image


def _page_inches(page: pikepdf.Page) -> tuple[float, float]:
    box = page.obj.get("/CropBox", page.mediabox)
    x0, y0, x1, y1 = (float(v) for v in box)
    width, height = abs(x1 - x0) / 72.0, abs(y1 - y0) / 72.0
    if width <= 0 or height <= 0:
        raise CorruptInputError("page has an empty size")
    return width, height


def _render_dpi(page: pikepdf.Page) -> int:
    """Render at the resolution of the page's largest image, within sane bounds."""
    width_in, _ = _page_inches(page)
    widest = 0
    for image in page.get_images().values():
        try:
            widest = max(widest, int(image.get("/Width", 0)))
        except (TypeError, ValueError):
            continue
    if widest == 0:
        return _RENDER_DPI_DEFAULT
    low, high = _RENDER_DPI_RANGE
    return int(min(max(widest / width_in, low), high))


def page_inches(path: Path, index: int) -> tuple[float, float]:
    """Page `index`'s size in inches as a viewer shows it (its /Rotate applied)."""
    with open_pdf(path) as pdf:
        page = pdf.pages[index]
        width, height = _page_inches(page)
        if int(page.obj.get("/Rotate", 0)) % 180 == 90:
            width, height = height, width
    return width, height


def _has_fonts(page: pikepdf.Page) -> bool:
    resources = page.obj.get("/Resources")
    if resources is None:
        return False
    if "/Font" in resources and len(resources.Font) > 0:
        return True
    xobjects = resources.get("/XObject", {})
    return any(
        xobject.get("/Subtype") == "/Form"
        and "/Resources" in xobject
        and "/Font" in xobject.Resources
        for xobject in xobjects.values()
    )


_WORD = re.compile(
    r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>'
)
_LINE_START = re.compile(r"<line\b")
_BLOCK_START = re.compile(r"<block\b")
_PAGE = re.compile(r'<page width="([\d.]+)" height="([\d.]+)">')


def _read_text_layer(path: Path, index: int, limits: ReadLimits) -> TextPage | None:
    """The page's existing text, with word boxes, if it holds real text."""
    xhtml = poppler.page_text_bbox_html(path, index + 1, timeout=limits.timeout)
    size = _PAGE.search(xhtml)
    if size is None:
        return None
    scale = _KEPT_TEXT_DPI / 72.0
    lines: list[Line] = []
    block = -1
    for chunk in _BLOCK_START.split(xhtml)[1:]:
        block += 1
        for line_xml in _LINE_START.split(chunk)[1:]:
            words = tuple(
                Word(
                    unicodedata.normalize("NFC", html.unescape(text)),
                    (
                        round(float(x0) * scale),
                        round(float(y0) * scale),
                        round(float(x1) * scale),
                        round(float(y1) * scale),
                    ),
                    1.0,
                )
                for x0, y0, x1, y1, text in _WORD.findall(line_xml)
                if text.strip()
            )
            if words:
                box = (
                    min(w.bbox[0] for w in words),
                    min(w.bbox[1] for w in words),
                    max(w.bbox[2] for w in words),
                    max(w.bbox[3] for w in words),
                )
                lines.append(Line(words, box, block))
    text = OcrText(tuple(lines), engine="pdf")
    if sum(ch.isalnum() for ch in text.text) < _TEXT_LAYER_MIN_CHARS:
        return None
    width = round(float(size.group(1)) * scale)
    height = round(float(size.group(2)) * scale)
    return TextPage(text, width, height, _KEPT_TEXT_DPI)


def _first_line(exc: Exception) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__


__all__ = ["count_pages", "open_pdf", "read_page"]
