"""Hostile and broken files, made on the spot: each stands for a way scans go wrong."""

from __future__ import annotations

import io
import struct
import zlib
from pathlib import Path

import numpy as np
import pikepdf
from PIL import Image

from tests.synthetic import text_page


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png_declaring(path: Path, width: int, height: int) -> Path:
    """A few hundred bytes claiming a gigantic image: a decompression bomb's header."""
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    body = zlib.compress(b"\x00" + b"\xff" * 64)
    path.write_bytes(
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", header)
        + _png_chunk(b"IDAT", body)
        + _png_chunk(b"IEND", b"")
    )
    return path


def real_large_tiff(path: Path, width: int = 10_000, height: int = 10_000) -> Path:
    """A genuine 100-megapixel black-and-white page; G4 keeps the file small."""
    Image.new("1", (width, height), 1).save(path, compression="group4", dpi=(600, 600))
    return path


def good_jpeg(path: Path) -> Path:
    Image.fromarray(text_page(dpi=100)).save(path, "JPEG", quality=85, dpi=(100, 100))
    return path


def good_tiff(path: Path) -> Path:
    image = Image.fromarray(text_page(dpi=100)).convert("1")
    image.save(path, compression="group4", save_all=True, append_images=[image], dpi=(100, 100))
    return path


def good_pdf(path: Path) -> Path:
    buffer = io.BytesIO()
    Image.fromarray(text_page(dpi=100)).save(buffer, "PDF", resolution=100)
    path.write_bytes(buffer.getvalue())
    return path


def truncated(source: Path, path: Path, fraction: float = 0.5) -> Path:
    data = source.read_bytes()
    path.write_bytes(data[: int(len(data) * fraction)])
    return path


def encrypted_pdf(source: Path, path: Path, user_password: str = "mat-khau") -> Path:
    with pikepdf.open(source) as pdf:
        pdf.save(path, encryption=pikepdf.Encryption(user=user_password, owner="chu-so-huu"))
    return path


def pdf_with_giant_image(path: Path) -> Path:
    """A PDF page whose image declares 50,000 x 50,000 pixels but holds a few bytes."""
    pdf = pikepdf.new()
    data = zlib.compress(b"\xff" * 1000)
    image = pikepdf.Stream(pdf, data)
    image.Type, image.Subtype = pikepdf.Name.XObject, pikepdf.Name.Image
    image.Width, image.Height, image.BitsPerComponent = 50_000, 50_000, 8
    image.ColorSpace, image.Filter = pikepdf.Name.DeviceGray, pikepdf.Name.FlateDecode
    page = pikepdf.Dictionary(
        Type=pikepdf.Name.Page,
        MediaBox=[0, 0, 595, 842],
        Resources=pikepdf.Dictionary(XObject=pikepdf.Dictionary(Im0=image)),
        Contents=pikepdf.Stream(pdf, b"q 595 0 0 842 0 0 cm /Im0 Do Q"),
    )
    pdf.pages.append(pikepdf.Page(page))
    pdf.save(path)
    return path


def pdf_with_giant_page(path: Path) -> Path:
    """A vector page 200 inches square: rendering it at 300 dpi would be 3.6 gigapixels."""
    pdf = pikepdf.new()
    pdf.add_blank_page(page_size=(14_400, 14_400))
    pdf.pages[0].Contents = pikepdf.Stream(pdf, b"0 g 10 10 100 100 re f")
    pdf.save(path)
    return path


def jpeg_declaring(path: Path, width: int, height: int) -> Path:
    """A JPEG whose frame header claims a huge size."""
    buffer = io.BytesIO()
    Image.new("L", (8, 8), 255).save(buffer, "JPEG")
    data = bytearray(buffer.getvalue())
    sof = data.find(b"\xff\xc0")
    struct.pack_into(">HH", data, sof + 5, height, width)
    path.write_bytes(bytes(data))
    return path


def corrupt_pdf(path: Path) -> Path:
    rng = np.random.default_rng(5)
    path.write_bytes(b"%PDF-1.4\n" + rng.integers(0, 256, 4000, dtype=np.uint8).tobytes())
    return path
