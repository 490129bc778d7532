"""Writers for the file formats scanners produce: JPEG, PNG, multi-page TIFF and
image-only PDF. The PDF writer takes one page at a time and keeps only the encoded
bytes, so a long benchmark file never holds its pages decoded at once.
"""

from __future__ import annotations

import io
from collections.abc import Iterable
from pathlib import Path

import pikepdf
from PIL import Image


def save_jpeg(image: Image.Image, path: Path, quality: int, dpi: int | None) -> None:
    """`dpi=None` writes no density (JFIF unit 0, aspect 1:1), like some cheap scanners."""
    options: dict[str, object] = {"quality": quality, "optimize": True}
    if dpi is not None:
        options["dpi"] = (dpi, dpi)
    image.save(path, "JPEG", **options)


def save_png(image: Image.Image, path: Path, dpi: int | None) -> None:
    options: dict[str, object] = {"optimize": True}
    if dpi is not None:
        options["dpi"] = (dpi, dpi)  # written as the pHYs chunk
    image.save(path, "PNG", **options)


def save_tiff(images: Iterable[Image.Image], path: Path, compression: str, dpi: int | None) -> None:
    """Multi-page TIFF; "group4" needs bilevel (mode "1") pages."""
    pages = list(images)
    options: dict[str, object] = {"compression": compression}
    if dpi is not None:
        options["dpi"] = (dpi, dpi)
    pages[0].save(path, "TIFF", save_all=True, append_images=pages[1:], **options)


def _g4_strip(image: Image.Image) -> tuple[bytes, bool]:
    """CCITT Group 4 data of a bilevel image, as one strip, and whether black is 1.

    Pillow writes bilevel TIFFs as "min is black"; libtiff codes those 0 (black) pixels
    as the fax "white" runs, so a PDF reader must be told that 1 is black.
    """
    buffer = io.BytesIO()
    image.save(buffer, "TIFF", compression="group4", strip_size=2**30)
    buffer.seek(0)
    with Image.open(buffer) as tiff:
        offsets = tiff.tag_v2[273]
        counts = tiff.tag_v2[279]
        photometric = tiff.tag_v2.get(262, 1)
    if len(offsets) != 1:
        raise RuntimeError("expected a single TIFF strip")
    data = buffer.getvalue()[offsets[0] : offsets[0] + counts[0]]
    return data, photometric == 1


class PdfWriter:
    """Image-only PDF: one image per page, the page as large as the image at its dpi."""

    def __init__(self) -> None:
        self.pdf = pikepdf.new()

    def add_page(self, image: Image.Image, dpi: int, jpeg_quality: int = 75) -> None:
        width_pt = image.width * 72 / dpi
        height_pt = image.height * 72 / dpi
        if image.mode == "1":
            data, black_is_1 = _g4_strip(image)
            xobject = pikepdf.Stream(self.pdf, data)
            xobject.Filter = pikepdf.Name.CCITTFaxDecode
            xobject.DecodeParms = pikepdf.Dictionary(
                K=-1,
                Columns=image.width,
                Rows=image.height,
                BlackIs1=black_is_1,
            )
            xobject.ColorSpace = pikepdf.Name.DeviceGray
            xobject.BitsPerComponent = 1
        else:
            if image.mode not in ("L", "RGB"):
                image = image.convert("RGB")
            buffer = io.BytesIO()
            image.save(buffer, "JPEG", quality=jpeg_quality, optimize=True)
            xobject = pikepdf.Stream(self.pdf, buffer.getvalue())
            xobject.Filter = pikepdf.Name.DCTDecode
            xobject.ColorSpace = (
                pikepdf.Name.DeviceGray if image.mode == "L" else pikepdf.Name.DeviceRGB
            )
            xobject.BitsPerComponent = 8
        xobject.Type = pikepdf.Name.XObject
        xobject.Subtype = pikepdf.Name.Image
        xobject.Width = image.width
        xobject.Height = image.height

        page = self.pdf.add_blank_page(page_size=(width_pt, height_pt))
        page.Resources = pikepdf.Dictionary(XObject=pikepdf.Dictionary(Im0=xobject))
        content = f"q {width_pt:.4f} 0 0 {height_pt:.4f} 0 0 cm /Im0 Do Q".encode()
        page.Contents = self.pdf.make_stream(content)

    @property
    def page_count(self) -> int:
        return len(self.pdf.pages)

    def save(self, path: Path) -> None:
        # Fixed document ID and no dates: the same input gives the same bytes.
        self.pdf.save(path, deterministic_id=True)
