"""Scan effects. Each is a small function from image to image, parameterised and, where
random, driven by a `numpy.random.Generator` the caller seeds.

Images are Pillow images in mode "L" (grey) or "RGB" (colour); `binarise` returns "1".
Geometry conventions (what the ground truth records):

- `skew(img, a)` turns the paper counter-clockwise by `a` degrees: text lines then rise
  to the right and the truth `skew_deg` is `+a`;
- `orient(img, r)` turns the page counter-clockwise by `r` degrees (90, 180, 270): the
  truth `rotation`, the clockwise turn that makes it upright again, is `r`.
"""

from __future__ import annotations

import io
import math

import cv2
import numpy as np
from PIL import Image, ImageDraw, ImageFont

Colour = tuple[int, int, int]

WHITE_LID: Colour = (255, 255, 255)
DARK_LID: Colour = (38, 38, 42)  # the black backing of a dark-lid flatbed or ADF
STAMP_RED: Colour = (214, 40, 52)


_BAND = 512  # rows processed at once by the per-pixel effects


def _fill(img: Image.Image, colour: Colour) -> int | Colour:
    """`colour` in the image's mode (grey uses the luminance)."""
    if img.mode == "L":
        r, g, b = colour
        return round(0.299 * r + 0.587 * g + 0.114 * b)
    return colour


def _array(img: Image.Image) -> np.ndarray:
    return np.array(img, dtype=np.float32)  # a writable copy


def _image(arr: np.ndarray, mode: str) -> Image.Image:
    """Round to 8 bits; works in place, since a 300 dpi colour page is 100 MB as floats."""
    arr += 0.5
    np.clip(arr, 0, 255, out=arr)
    return Image.fromarray(arr.astype(np.uint8), mode)


def paper_tint(
    img: Image.Image, colour: Colour, rng: np.random.Generator, unevenness: float = 3.0
) -> Image.Image:
    """Multiply by a paper colour with a slow, blotchy variation (recycled/aged paper)."""
    w, h = img.size
    # A coarse random field blown up to the page: brightness drifts over centimetres.
    coarse = rng.normal(0.0, unevenness, size=(8, 6)).astype(np.float32)
    field = cv2.resize(coarse, (w, h), interpolation=cv2.INTER_CUBIC)
    out = np.array(img)
    grey = _fill(img, colour)
    levels: list[int] = [grey] if isinstance(grey, int) else list(colour)
    for top in range(0, h, _BAND):
        band = out[top : top + _BAND].astype(np.float32)
        rows = field[top : top + _BAND]
        if band.ndim == 2:
            band *= (levels[0] + rows) / 255.0
        else:
            for channel, level in enumerate(levels):
                band[:, :, channel] *= (level + rows) / 255.0
        band += 0.5
        np.clip(band, 0, 255, out=band)
        out[top : top + _BAND] = band.astype(np.uint8)
    return Image.fromarray(out, img.mode)


def show_through(
    img: Image.Image, back: Image.Image, strength: float = 0.07, blur_sigma_px: float = 2.0
) -> Image.Image:
    """Faint, mirrored, blurred text of the back side seen through thin paper."""
    mirrored = back.convert(img.mode).transpose(Image.Transpose.FLIP_LEFT_RIGHT)
    mirrored = mirrored.resize(img.size)
    # The back side shows as a grey shadow, whatever its colours.
    ghost = cv2.GaussianBlur(_array(mirrored.convert("L")), (0, 0), blur_sigma_px)
    ghost *= strength / 255.0
    ghost += 1.0 - strength  # now the factor that darkens the front
    arr = _array(img)
    if arr.ndim == 3:
        arr *= ghost[:, :, None]
    else:
        arr *= ghost
    return _image(arr, img.mode)


def stamp(
    img: Image.Image,
    centre: tuple[int, int],
    radius: int,
    text: str,
    font_path: str,
    rng: np.random.Generator,
    colour: Colour = STAMP_RED,
    opacity: float = 0.8,
) -> Image.Image:
    """A round red seal: two rings, a star, the office's name around the rim, uneven ink.
    Blended by multiplication, like ink over print."""
    size = 2 * radius + 4
    mask = Image.new("L", (size, size), 0)
    draw = ImageDraw.Draw(mask)
    c = size // 2
    ring = max(2, radius // 22)
    draw.ellipse((c - radius, c - radius, c + radius, c + radius), outline=255, width=ring)
    inner = round(radius * 0.66)
    draw.ellipse((c - inner, c - inner, c + inner, c + inner), outline=255, width=max(1, ring // 2))
    star = [
        (
            c + (inner * 0.45 if i % 2 == 0 else inner * 0.18) * math.sin(i * math.pi / 5),
            c - (inner * 0.45 if i % 2 == 0 else inner * 0.18) * math.cos(i * math.pi / 5),
        )
        for i in range(10)
    ]
    draw.polygon(star, fill=255)

    # Letters around the rim, upright towards the outside, spread over 320 degrees and
    # sized so that neighbours do not touch.
    text_radius = (radius + inner) / 2
    sweep = math.radians(320)
    count = max(1, len(text))
    glyph_px = max(8, round(min(radius * 0.22, 1.45 * text_radius * sweep / count)))
    font = ImageFont.truetype(font_path, glyph_px)
    for i, char in enumerate(text):
        if char == " ":
            continue
        angle = -sweep / 2 + sweep * (i + 0.5) / count  # 0 = top of the seal
        tile = Image.new("L", (glyph_px * 2, glyph_px * 2), 0)
        ImageDraw.Draw(tile).text((glyph_px, glyph_px), char, font=font, fill=255, anchor="mm")
        tile = tile.rotate(-math.degrees(angle), resample=Image.Resampling.BICUBIC)
        x = c + text_radius * math.sin(angle) - glyph_px
        y = c - text_radius * math.cos(angle) - glyph_px
        mask.paste(255, (round(x), round(y)), tile)

    # Uneven ink: blotchy coverage, lighter towards one side as the stamp was tilted.
    alpha = _array(mask) / 255.0
    coarse = rng.uniform(0.55, 1.0, size=(6, 6)).astype(np.float32)
    alpha *= cv2.resize(coarse, (size, size), interpolation=cv2.INTER_CUBIC) * opacity
    alpha = np.clip(cv2.GaussianBlur(alpha, (0, 0), max(0.6, radius / 250)), 0, 1)

    x0, y0 = centre[0] - c, centre[1] - c
    # Clip the seal to the page; only that square of the page is touched.
    box = (max(0, x0), max(0, y0), min(img.width, x0 + size), min(img.height, y0 + size))
    if box[2] <= box[0] or box[3] <= box[1]:
        return img
    region = img.crop(box).convert("RGB")
    a = alpha[box[1] - y0 : box[3] - y0, box[0] - x0 : box[2] - x0, None]
    ink = np.array(colour, dtype=np.float32)[None, None, :] / 255.0
    inked = _image(_array(region) * (1 - a + a * ink), "RGB")
    out = img.copy()
    out.paste(inked if img.mode == "RGB" else inked.convert(img.mode), box[:2])
    return out


def skew(
    img: Image.Image, angle_deg: float, lid: Colour = WHITE_LID, bed_margin_px: int = 0
) -> Image.Image:
    """Turn the sheet counter-clockwise by `angle_deg` on the scanner bed.

    The scan keeps the page's size plus `bed_margin_px` of bed on every side; what the
    sheet does not cover shows the lid colour (dark bands and wedges on a dark lid).
    """
    fill = _fill(img, lid)
    if bed_margin_px > 0:
        bed = Image.new(
            img.mode, (img.width + 2 * bed_margin_px, img.height + 2 * bed_margin_px), fill
        )
        bed.paste(img, (bed_margin_px, bed_margin_px))
        img = bed
    if angle_deg == 0:
        return img
    if bed_margin_px <= 0:
        return img.rotate(angle_deg, resample=Image.Resampling.BICUBIC, fillcolor=fill)
    # Rotate the sheet alone, then lay it on the bed, so that its edges stay crisp.
    sheet_mask = Image.new("L", img.size, 0)
    sheet_mask.paste(
        255, (bed_margin_px, bed_margin_px, img.width - bed_margin_px, img.height - bed_margin_px)
    )
    turned = img.rotate(angle_deg, resample=Image.Resampling.BICUBIC, fillcolor=fill)
    mask = sheet_mask.rotate(angle_deg, resample=Image.Resampling.BILINEAR, fillcolor=0)
    bed = Image.new(img.mode, img.size, fill)
    bed.paste(turned, (0, 0), mask)
    return bed


def orient(img: Image.Image, rotation: int) -> Image.Image:
    """Turn the page counter-clockwise by 0/90/180/270 degrees (fed sideways or upside
    down); the truth `rotation` is the same number."""
    ops = {
        0: None,
        90: Image.Transpose.ROTATE_90,
        180: Image.Transpose.ROTATE_180,
        270: Image.Transpose.ROTATE_270,
    }
    if rotation not in ops:
        raise ValueError(f"rotation must be 0, 90, 180 or 270, not {rotation}")
    op = ops[rotation]
    return img if op is None else img.transpose(op)


def blur(img: Image.Image, sigma_px: float) -> Image.Image:
    """Optical softness of the scanner (Gaussian, sigma in pixels)."""
    if sigma_px <= 0:
        return img
    arr = np.asarray(img)
    return Image.fromarray(cv2.GaussianBlur(arr, (0, 0), sigma_px), img.mode)


def gaussian_noise(img: Image.Image, sigma: float, rng: np.random.Generator) -> Image.Image:
    """Sensor noise, in grey levels."""
    if sigma <= 0:
        return img
    out = np.array(img)
    for top in range(0, out.shape[0], _BAND):  # in bands: a few MB of floats at a time
        band = out[top : top + _BAND].astype(np.float32)
        band += sigma * rng.standard_normal(size=band.shape, dtype=np.float32)
        band += 0.5
        np.clip(band, 0, 255, out=band)
        out[top : top + _BAND] = band.astype(np.uint8)
    return Image.fromarray(out, img.mode)


def speckles(
    img: Image.Image,
    count: int,
    rng: np.random.Generator,
    max_radius_px: int = 3,
    salt_fraction: float = 0.25,
) -> Image.Image:
    """Salt and pepper: dust specks (dark) and ink drop-outs (light), a few pixels wide."""
    if count <= 0:
        return img
    out = img.copy()
    draw = ImageDraw.Draw(out)
    w, h = img.size
    xs = rng.integers(0, w, count)
    ys = rng.integers(0, h, count)
    radii = rng.uniform(0.6, max(1.0, max_radius_px), count)
    salt = rng.random(count) < salt_fraction
    dark = _fill(img, (30, 30, 30))
    light = _fill(img, (250, 250, 250))
    for x, y, r, s in zip(xs, ys, radii, salt, strict=True):
        draw.ellipse((x - r, y - r, x + r, y + r), fill=light if s else dark)
    return out


def jpeg_roundtrip(img: Image.Image, quality: int) -> Image.Image:
    """Artefacts of an earlier JPEG generation (scanned to JPEG, later re-encoded)."""
    buffer = io.BytesIO()
    img.save(buffer, "JPEG", quality=quality)
    buffer.seek(0)
    with Image.open(buffer) as decoded:
        return decoded.convert(img.mode)


def binarise(img: Image.Image, threshold: int = 160) -> Image.Image:
    """Black-and-white scan: a fixed threshold, as scanner firmware does (mode "1")."""
    grey = np.asarray(img.convert("L"))
    return Image.fromarray(grey >= threshold)
