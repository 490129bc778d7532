"""Machine-readable codes drawn into page images, and the damage that makes one unreadable.

The one-stop system prints the dossier code as a QR code (TT 01/2023/TT-VPCP: documents
it issues carry one in the top-left corner) or as a Code 128 barcode. zxing-cpp encodes
the symbol; it is then drawn module by module with whole-pixel modules, so that its edges
stay crisp at any resolution, as a laser printer makes them. The symbol holds the code
alone (no procedure code, ID number or time): that is what a splitter reads.

Damage (`tear_corner`, `blot`) is applied to the paper before it is skewed and scanned:
it removes one finder pattern and a large part of the symbol, well beyond what the error
correction (level M, 15 %) can restore, and stays clear of the printed text below.
"""

from __future__ import annotations

import math
import random
from functools import cache
from typing import Literal

import numpy as np
import zxingcpp
from PIL import Image, ImageDraw, ImageFilter

from samples.templates import Symbology

Damage = Literal["torn_corner", "blot"]
BBox = tuple[int, int, int, int]

SYMBOLOGIES: tuple[Symbology, ...] = ("qr", "code128")
DAMAGES: tuple[Damage, ...] = ("torn_corner", "blot")
_FORMATS = {"qr": zxingcpp.BarcodeFormat.QRCode, "code128": zxingcpp.BarcodeFormat.Code128}
# Level M: the usual default; a damaged symbol then fails clearly rather than by luck.
QR_EC_LEVEL = "M"
QUIET_MODULES: dict[Symbology, int] = {"qr": 4, "code128": 10}


@cache
def modules(text: str, symbology: Symbology) -> np.ndarray:
    """The symbol's modules without quiet zone, True where dark: a square matrix for a QR
    code, one row of bar modules for Code 128."""
    options = {"ec_level": QR_EC_LEVEL} if symbology == "qr" else {}
    barcode = zxingcpp.create_barcode(text, _FORMATS[symbology], **options)
    image = np.asarray(barcode.to_image(scale=1, add_quiet_zones=False))
    dark = image < 128
    dark.setflags(write=False)  # cached: shared between callers
    return dark if symbology == "qr" else dark[:1]


def module_px(module_mm: float, dpi: int) -> int:
    """Whole pixels per module, never narrower than `module_mm`."""
    return max(1, math.ceil(module_mm * dpi / 25.4 - 1e-9))


def symbol_size(
    text: str, symbology: Symbology, module: int, bar_height_px: int
) -> tuple[int, int]:
    """Width and height in pixels of the symbol without its quiet zone."""
    matrix = modules(text, symbology)
    width = matrix.shape[1] * module
    height = width if symbology == "qr" else bar_height_px
    return width, height


def draw_symbol(
    image: Image.Image,
    text: str,
    symbology: Symbology,
    origin: tuple[int, int],
    module: int,
    bar_height_px: int,
    ink: int | tuple[int, int, int],
) -> BBox:
    """Draw the symbol with its top-left corner at `origin`; the quiet zone around it
    must be white already. Returns its box (x1, y1 exclusive)."""
    matrix = modules(text, symbology)
    mask = Image.fromarray((matrix * 255).astype(np.uint8), "L")
    width, height = symbol_size(text, symbology, module, bar_height_px)
    # Nearest-neighbour scaling keeps every module a sharp rectangle of whole pixels.
    mask = mask.resize((width, height), Image.Resampling.NEAREST)
    x, y = origin
    image.paste(ink, (x, y, x + width, y + height), mask)
    return x, y, x + width, y + height


def decode(image: Image.Image) -> list[tuple[Symbology, str]]:
    """Every QR code and Code 128 barcode zxing-cpp finds on the image."""
    names = {zxingcpp.BarcodeFormat.QRCode: "qr", zxingcpp.BarcodeFormat.Code128: "code128"}
    found = zxingcpp.read_barcodes(
        image if image.mode in ("L", "RGB") else image.convert("L"),
        formats=(zxingcpp.BarcodeFormat.QRCode, zxingcpp.BarcodeFormat.Code128),
    )
    return [(names[b.format], b.text) for b in found if b.format in names]


# -- damage ----------------------------------------------------------------------------


def _ragged(
    start: tuple[float, float], end: tuple[float, float], rng: random.Random, jitter: float
) -> list[tuple[float, float]]:
    """A torn edge from `start` to `end`: a line that wanders sideways by up to `jitter`."""
    steps = 24
    (x0, y0), (x1, y1) = start, end
    length = math.hypot(x1 - x0, y1 - y0) or 1.0
    nx, ny = -(y1 - y0) / length, (x1 - x0) / length
    points = []
    for i in range(steps + 1):
        s = i / steps
        off = 0.0 if i in (0, steps) else rng.uniform(-jitter, jitter)
        points.append((x0 + (x1 - x0) * s + nx * off, y0 + (y1 - y0) * s + ny * off))
    return points


def tear_corner(
    image: Image.Image, box: BBox, rng: random.Random, lid: int | tuple[int, int, int]
) -> Image.Image:
    """Tear off the page's top-left corner along a ragged diagonal through the symbol in
    `box`: its top-left finder pattern and more than half of it go, and the scanner's lid
    shows where the paper is missing. The tear line meets the page edges at x + y =
    x0 + y0 + cut, which the printed text below the symbol lies beyond."""
    x0, y0, x1, _ = box
    size = x1 - x0
    # Along each side from the symbol's corner: the finder pattern (7 of 25 modules)
    # and about half of the modules go. Text starts more than 0.15 sizes below.
    cut = size * rng.uniform(0.95, 1.1)
    reach = x0 + y0 + cut  # the tear line: x + y = reach
    edge = _ragged((reach, 0.0), (0.0, reach), rng, jitter=size * 0.04)
    out = image.copy()
    ImageDraw.Draw(out).polygon([(0.0, 0.0), *edge], fill=lid)
    return out


def blot(image: Image.Image, box: BBox, rng: random.Random) -> Image.Image:
    """A dark, opaque ink blot (a spilt stamp pad, a marker) over the symbol's top-left
    finder pattern and a third of the symbol; it stays within the symbol's box."""
    x0, y0, x1, y1 = box
    size = x1 - x0
    mask = Image.new("L", image.size, 0)
    draw = ImageDraw.Draw(mask)
    cx, cy = x0 + size * 0.22, y0 + size * 0.22
    for _ in range(9):
        r = size * rng.uniform(0.16, 0.26)
        dx, dy = rng.uniform(-0.12, 0.2) * size, rng.uniform(-0.12, 0.2) * size
        draw.ellipse((cx + dx - r, cy + dy - r, cx + dx + r, cy + dy + r), fill=255)
    # Cover the finder pattern whatever the ellipses did, and keep to the symbol.
    draw.rectangle((x0, y0, x0 + size * 0.34, y0 + size * 0.34), fill=255)
    clip = Image.new("L", image.size, 0)
    ImageDraw.Draw(clip).rectangle((x0, y0, x1 - 1, y1 - 1), fill=255)
    mask = Image.fromarray(np.minimum(np.asarray(mask), np.asarray(clip)))
    mask = mask.filter(ImageFilter.GaussianBlur(max(1.0, size / 120)))
    shade = 58 + rng.randint(-8, 8)
    colour: int | tuple[int, int, int] = (
        (shade + 18, shade + 4, shade - 6) if image.mode == "RGB" else shade
    )
    out = image.copy()
    out.paste(colour, (0, 0), mask)
    return out
