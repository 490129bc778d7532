"""The digitiser's mark: a small visible stamp at the top left of a document's first page.

Luật Giao dịch điện tử 2023 (Điều 12) wants a paper document converted to a data
message to carry a mark confirming the conversion and naming who converted it;
TT 01/2023/TT-VPCP puts the digitiser and the time at the top left of page 1.

The stamp never covers the scan: it goes into the first blank patch of the top-left
area of the page image (found on a reduced copy of the image), at a smaller size if
that is what fits; where no patch is blank (or the page is not one page image, e.g. a
page kept from a text PDF) the page grows by a white band above the scan and the stamp
goes there, the scan left at 100 % scale, its text layer where it was.

The stamp's letters are drawn as the font's outlines (markglyphs.py), not written as
text: the page's text layer stays exactly the text of the paper (Điều 12 wants the
content kept whole; search, copy and the accuracy figures read only the paper), and
who digitised it, where and when is machine-readable in the XMP metadata and the
signature. It is drawn after the page's own content, in its own q/Q, so nothing of the
page's state leaks into it.
"""

from __future__ import annotations

import io
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from enum import StrEnum
from pathlib import Path

import numpy as np
import pikepdf
from PIL import Image

from digitize.errors import DigitizeError
from digitize.pdf.font import is_glyphless_font
from digitize.pdf.markglyphs import MarkFont, load_mark_font
from digitize.pdf.textlayer import number

VIETNAM = timezone(timedelta(hours=7), "GMT+7")  # no daylight saving: a fixed offset is exact
TITLE = "ĐÃ CHUYỂN ĐỔI TỪ VĂN BẢN GIẤY"
# Sizes tried in a blank patch, largest first; the band always uses the first.
_FONT_SIZES = (6.0, 4.5)
_LEADING = 1.25  # line height / font size
_PADDING = 3.0  # points inside the frame
_CLEARANCE = 4.0  # points of blank kept around the frame
_EDGE = 10.0  # points from the page edges to the stamp
_MAX_TEXT_WIDTH = 260.0  # points; longer names are cut with an ellipsis
# The top-left area searched for a blank patch, as fractions of the page.
_SEARCH_WIDTH = 0.6
_SEARCH_HEIGHT = 0.3
_STEP = 3.0  # points between candidate positions
_INK_TOLERANCE = 0.002  # fraction of a patch's pixels allowed dark (scanner dust)
_TEXT_RGB = "0 0.18 0.5"  # dark blue: reads as a stamp, prints fine in grey


class Placement(StrEnum):
    MARGIN = "margin"  # in a blank patch of the scan
    BAND = "band"  # in a white band added above the scan


@dataclass(frozen=True)
class DigitiserMark:
    """Who digitised the document and when, as the stamp says it."""

    unit: str  # the converting body (đơn vị)
    person: str  # the staff account, API client or operator
    time: datetime  # timezone-aware

    def __post_init__(self) -> None:
        if self.time.tzinfo is None or self.time.utcoffset() is None:
            raise DigitizeError("DigitiserMark.time must be timezone-aware")
        if not self.unit.strip() or not self.person.strip():
            raise DigitizeError("the digitiser's mark needs a unit and a person")

    def lines(self) -> list[str]:
        local = self.time.astimezone(VIETNAM)
        return [
            TITLE,
            f"Đơn vị: {_clean(self.unit)}",
            f"Người số hóa: {_clean(self.person)}",
            f"Thời gian: {local:%d/%m/%Y %H:%M} (GMT+7)",
        ]


@dataclass(frozen=True)
class MarkPlacement:
    placement: Placement
    box: tuple[float, float, float, float]  # x0, y0, x1, y1 in PDF points
    font_size: float

    def as_json(self) -> dict[str, object]:
        return {
            "placement": self.placement.value,
            "box": [round(v, 2) for v in self.box],
            "font_size": self.font_size,
        }


def _clean(text: str) -> str:
    """NFC, one line, no control characters."""
    text = unicodedata.normalize("NFC", text)
    return " ".join("".join(c if c.isprintable() else " " for c in text).split())


def _fit(font: MarkFont, line: str, size: float) -> str:
    """`line`, cut with an ellipsis if wider than the stamp may be."""
    if font.width(line, size) <= _MAX_TEXT_WIDTH:
        return line
    while line and font.width(line + "…", size) > _MAX_TEXT_WIDTH:
        line = line[:-1]
    return line.rstrip() + "…"


def _stamp_size(font: MarkFont, lines: list[str], size: float) -> tuple[float, float]:
    width = max(font.width(line, size) for line in lines) + 2 * _PADDING
    height = len(lines) * size * _LEADING + 2 * _PADDING
    return width, height


def _page_image(page: pikepdf.Page) -> pikepdf.Stream | None:
    """The image painted over the whole page (our one-page PDFs have exactly one)."""
    images = list(page.get_images(recursive=False).values())
    if len(images) != 1:
        return None
    return images[0]


def _ink_mask(image: pikepdf.Stream) -> np.ndarray | None:
    """True where the page image is dark, at a reduced scale; None if it cannot be read.

    A JPEG is decoded at a quarter of its size in the DCT domain (a few ms for a
    whole page); other images are decoded whole.
    """
    try:
        pdf_image = pikepdf.PdfImage(image)
        if pdf_image.filters == ["/DCTDecode"]:
            picture = Image.open(io.BytesIO(image.read_raw_bytes()))
            picture.draft("L", (picture.width // 4, picture.height // 4))
        else:
            picture = pdf_image.as_pil_image()
        grey = np.asarray(picture.convert("L"))
    except Exception:  # any unreadable image means "no blank patch known": use the band
        return None
    background = float(np.percentile(grey, 90))
    # Downscaling greys thin strokes; anything clearly darker than the paper counts.
    return grey < min(200.0, background - 40.0)


def _find_blank(
    mask: np.ndarray, page_w: float, page_h: float, w: float, h: float
) -> tuple[float, float] | None:
    """Top-left corner (points, from the page's top-left) of the first blank patch of
    w x h plus clearance in the top-left area, scanning rows top down, each left to right."""
    rows, cols = mask.shape
    sx, sy = cols / page_w, rows / page_h  # pixels per point
    integral = np.zeros((rows + 1, cols + 1), np.int64)
    integral[1:, 1:] = np.cumsum(np.cumsum(mask, axis=0), axis=1)
    full_w, full_h = w + 2 * _CLEARANCE, h + 2 * _CLEARANCE
    y = _EDGE - _CLEARANCE
    while y + full_h <= page_h * _SEARCH_HEIGHT + full_h and y + full_h <= page_h:
        x = _EDGE - _CLEARANCE
        while x + full_w <= max(page_w * _SEARCH_WIDTH, full_w + _EDGE) and x + full_w <= page_w:
            r0, r1 = int(y * sy), min(rows, int(np.ceil((y + full_h) * sy)))
            c0, c1 = int(x * sx), min(cols, int(np.ceil((x + full_w) * sx)))
            area = max(1, (r1 - r0) * (c1 - c0))
            ink = integral[r1, c1] - integral[r0, c1] - integral[r1, c0] + integral[r0, c0]
            if ink <= _INK_TOLERANCE * area:
                return x + _CLEARANCE, y + _CLEARANCE
            x += _STEP
        y += _STEP
    return None


def _stamp_operators(
    font: MarkFont, lines: list[str], size: float, x0: float, y1: float
) -> tuple[bytes, tuple[float, float, float, float]]:
    """Frame and lettering with the frame's top-left at (x0, y1) in PDF points."""
    w, h = _stamp_size(font, lines, size)
    y0 = y1 - h
    ops = [
        "q",
        "1 1 1 rg",
        f"{number(x0)} {number(y0)} {number(w)} {number(h)} re f",
        f"{_TEXT_RGB} RG 0.5 w",
        f"{number(x0 + 0.25)} {number(y0 + 0.25)} {number(w - 0.5)} {number(h - 0.5)} re S",
        f"{_TEXT_RGB} rg",
    ]
    leading = size * _LEADING
    # First baseline: the ascent's share of one line below the top padding.
    baseline = y1 - _PADDING - size * font.ascent / (font.ascent - font.descent) * _LEADING
    for index, line in enumerate(lines):
        ops += font.draw(line, size, x0 + _PADDING, baseline - index * leading)
    ops += ["Q", ""]
    return "\n".join(ops).encode("ascii"), (x0, y0, x0 + w, y1)


def _rotation(page: pikepdf.Page) -> int:
    """The page's /Rotate, clockwise degrees in 0, 90, 180, 270."""
    try:
        rotate = int(page.obj.get("/Rotate", 0)) % 360
    except (TypeError, ValueError):
        return 0
    return rotate if rotate in (0, 90, 180, 270) else 0


def _visual_to_user(rotate: int, box: tuple[float, float, float, float]) -> str:
    """The cm matrix from the page as seen (origin its bottom-left corner, after /Rotate)
    to the page's own coordinates."""
    left, bottom, right, top = (number(v) for v in box)
    return {
        0: f"1 0 0 1 {left} {bottom}",
        90: f"0 1 -1 0 {right} {bottom}",  # the left edge is seen on top
        180: f"-1 0 0 -1 {right} {top}",
        270: f"0 -1 1 0 {left} {top}",  # the right edge is seen on top
    }[rotate]


def _only_invisible_text(page: pikepdf.Page) -> bool:
    """No font but the text layer's: nothing but the page image can be seen on it."""
    resources = page.obj.get("/Resources")
    fonts = resources.get("/Font") if isinstance(resources, pikepdf.Dictionary) else None
    if not isinstance(fonts, pikepdf.Dictionary):
        return True
    return all(is_glyphless_font(fonts[name]) for name in fonts)


def _grow_top(page: pikepdf.Page, rotate: int, band: float) -> None:
    """Add `band` points on the side of the page that is seen on top."""
    for key in ("/MediaBox", "/CropBox"):
        if key not in page.obj:
            continue
        left, bottom, right, top = (float(v) for v in page.obj[key])
        if rotate == 0:
            top += band
        elif rotate == 90:
            left -= band
        elif rotate == 180:
            bottom -= band
        else:
            right += band
        page.obj[key] = pikepdf.Array([left, bottom, right, top])


def apply_mark(pdf: pikepdf.Pdf, mark: DigitiserMark, *, font: Path | None = None) -> MarkPlacement:
    """Stamp `mark` on the first page of `pdf` (in memory; the caller saves), at the top
    left of the page as seen (its /Rotate applied). The box returned is in those seen
    coordinates, from the visible page's bottom-left corner.

    DigitizeError (MarkFontError) if the font is missing.
    """
    if not len(pdf.pages):
        raise DigitizeError("no page to mark")
    page = pdf.pages[0]
    embedded = load_mark_font(font)
    raw_lines = [embedded.clean(line) for line in mark.lines()]
    rotate = _rotation(page)

    def seen_size() -> tuple[float, float]:
        left, bottom, right, top = (float(v) for v in page.cropbox)
        width, height = right - left, top - bottom
        return (height, width) if rotate in (90, 270) else (width, height)

    page_w, page_h = seen_size()
    placed: tuple[float, float, float] | None = None  # x0, y1 (seen), size
    image = _page_image(page)
    # The blank-patch search trusts the page image only where nothing else is visible
    # and the image is the whole page (our pages); otherwise the band is the safe place.
    whole_page = "/CropBox" not in page.obj and _only_invisible_text(page)
    mask = _ink_mask(image) if image is not None and whole_page else None
    if mask is not None:
        mask = np.rot90(mask, k=-(rotate // 90))  # as seen: turned clockwise by /Rotate
        for size in _FONT_SIZES:
            lines = [_fit(embedded, line, size) for line in raw_lines]
            w, h = _stamp_size(embedded, lines, size)
            found = _find_blank(mask, page_w, page_h, w, h)
            if found is not None:
                placed = (found[0], page_h - found[1], size)
                break
    placement = Placement.MARGIN
    if placed is None:
        placement = Placement.BAND
        size = _FONT_SIZES[0]
        lines = [_fit(embedded, line, size) for line in raw_lines]
        _, h = _stamp_size(embedded, lines, size)
        _grow_top(page, rotate, h + 2 * _EDGE)
        page_w, page_h = seen_size()
        placed = (_EDGE, page_h - _EDGE, size)
    x0, y1, size = placed
    lines = [_fit(embedded, line, size) for line in raw_lines]
    stamp, frame = _stamp_operators(embedded, lines, size, x0, y1)
    box = tuple(float(v) for v in page.cropbox)
    matrix = _visual_to_user(rotate, box)  # type: ignore[arg-type]
    # The page's own content in q/Q, so whatever state it leaves cannot reach the stamp.
    page.contents_add(pikepdf.Stream(pdf, b"q\n"), prepend=True)
    content = b"\nQ\nq " + matrix.encode("ascii") + b" cm\n" + stamp + b"Q\n"
    page.contents_add(pikepdf.Stream(pdf, content), prepend=False)
    return MarkPlacement(placement, frame, size)
