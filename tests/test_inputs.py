"""Reading every supported format page by page, with the right resolution and colour mode."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pikepdf
import pytest
from PIL import Image

from digitize.inputs import (
    InputFormat,
    ReadLimits,
    ScannedPage,
    count_pages,
    read_page,
    sniff_format,
)
from digitize.inputs.dpi import estimate_dpi, resolve_dpi
from digitize.results import ColourMode
from tests.synthetic import text_page

LIMITS = ReadLimits()


@pytest.fixture(scope="module")
def grey_page() -> np.ndarray:
    return text_page(dpi=100)


def image_pdf(path: Path, pages: list[Image.Image], dpi: float, rotate: int = 0) -> Path:
    """An image-only PDF, one JPEG per page filling it, like a scanner writes."""
    pdf = pikepdf.new()
    for image in pages:
        buffer = io.BytesIO()
        image.save(buffer, "JPEG", quality=90)
        width_pt, height_pt = image.width / dpi * 72, image.height / dpi * 72
        xobject = pikepdf.Stream(pdf, buffer.getvalue())
        xobject.Type, xobject.Subtype = pikepdf.Name.XObject, pikepdf.Name.Image
        xobject.Width, xobject.Height, xobject.BitsPerComponent = image.width, image.height, 8
        xobject.ColorSpace = (
            pikepdf.Name.DeviceGray if image.mode == "L" else pikepdf.Name.DeviceRGB
        )
        xobject.Filter = pikepdf.Name.DCTDecode
        content = f"q {width_pt:.3f} 0 0 {height_pt:.3f} 0 0 cm /Im0 Do Q".encode()
        page = pikepdf.Dictionary(
            Type=pikepdf.Name.Page,
            MediaBox=[0, 0, width_pt, height_pt],
            Resources=pikepdf.Dictionary(XObject=pikepdf.Dictionary(Im0=xobject)),
            Contents=pikepdf.Stream(pdf, content),
        )
        if rotate:
            page.Rotate = rotate
        pdf.pages.append(pikepdf.Page(page))
    pdf.save(path)
    return path


def test_formats_are_recognised_by_content_not_name(tmp_path: Path, grey_page: np.ndarray) -> None:
    image = Image.fromarray(grey_page)
    for fmt, pillow_format in (("png", "PNG"), ("jpeg", "JPEG"), ("tiff", "TIFF")):
        misnamed = tmp_path / f"scan-{fmt}.pdf"
        image.save(misnamed, pillow_format)
        assert sniff_format(misnamed) == InputFormat(fmt)
    pdf = image_pdf(tmp_path / "scan.jpg", [image], 100)
    assert sniff_format(pdf) is InputFormat.PDF


def test_multipage_g4_tiff_reads_each_page_as_bilevel(
    tmp_path: Path, grey_page: np.ndarray
) -> None:
    bilevel = Image.fromarray(grey_page).point(lambda v: 255 if v > 128 else 0).convert("1")
    blank = Image.new("1", bilevel.size, 1)
    path = tmp_path / "stack.tif"
    bilevel.save(
        path, compression="group4", save_all=True, append_images=[blank, bilevel], dpi=(100, 100)
    )
    assert count_pages(path, LIMITS) == 3
    page = read_page(path, 2, LIMITS)
    assert isinstance(page, ScannedPage)
    assert page.colour_mode is ColourMode.BILEVEL
    assert page.dpi == 100 and not page.dpi_estimated
    assert set(np.unique(page.pixels)) <= {0, 255}
    # Black text stays black: the photometric convention was honoured.
    assert (page.pixels == 0).mean() < 0.2
    assert np.array_equal(page.pixels == 0, np.asarray(bilevel) == 0)


def test_lzw_grey_tiff(tmp_path: Path, grey_page: np.ndarray) -> None:
    path = tmp_path / "grey.tif"
    Image.fromarray(grey_page).save(path, compression="tiff_lzw", dpi=(100, 100))
    page = read_page(path, 0, LIMITS)
    assert isinstance(page, ScannedPage)
    assert page.colour_mode is ColourMode.GREY
    assert np.array_equal(page.pixels, grey_page)


def test_jpeg_without_dpi_gets_an_estimate(tmp_path: Path) -> None:
    page = text_page(dpi=200)
    path = tmp_path / "nodpi.jpg"
    Image.fromarray(page).save(path, "JPEG", quality=80)  # no density written
    scanned = read_page(path, 0, LIMITS)
    assert isinstance(scanned, ScannedPage)
    assert scanned.dpi_estimated
    assert scanned.dpi == 200


def test_implausible_72_dpi_metadata_is_replaced_by_an_estimate(tmp_path: Path) -> None:
    page = text_page(dpi=300)
    path = tmp_path / "seventy-two.png"
    Image.fromarray(page).save(path, dpi=(72, 72))  # an A4 page at 72 dpi would be 1 m tall
    scanned = read_page(path, 0, LIMITS)
    assert isinstance(scanned, ScannedPage)
    assert scanned.dpi_estimated and scanned.dpi == 300


@pytest.mark.parametrize(
    ("size", "dpi"),
    [
        ((2480, 3508), 300),
        ((1654, 2339), 200),
        ((1275, 1650), 150),
        ((5100, 6600), 600),
        ((3508, 2480), 300),
    ],
)
def test_dpi_estimates_from_standard_paper(size: tuple[int, int], dpi: float) -> None:
    assert estimate_dpi(*size) == dpi


def test_plausible_metadata_is_trusted() -> None:
    resolution = resolve_dpi(1654, 2339, 200.0)
    assert resolution.dpi == 200 and not resolution.estimated


def test_colour_png_with_alpha_and_palette(tmp_path: Path) -> None:
    rgba = Image.new("RGBA", (850, 1100), (255, 0, 0, 0))
    path = tmp_path / "alpha.png"
    rgba.save(path)
    page = read_page(path, 0, LIMITS)
    assert isinstance(page, ScannedPage)
    assert page.colour_mode is ColourMode.COLOUR
    assert page.pixels.shape == (1100, 850, 3)
    assert page.pixels.min() == 255  # transparent means paper, not black
    palette = Image.new("P", (850, 1100), 0)
    palette.putpalette([10, 200, 30] * 256)
    palette.save(path)
    page = read_page(path, 0, LIMITS)
    assert isinstance(page, ScannedPage)
    assert tuple(page.pixels[0, 0]) == (10, 200, 30)


def test_sixteen_bit_grey_png(tmp_path: Path) -> None:
    wide = (np.arange(1100 * 850, dtype=np.uint32).reshape(1100, 850) % 65536).astype(np.uint16)
    path = tmp_path / "deep.png"
    Image.fromarray(wide).save(path)
    page = read_page(path, 0, LIMITS)
    assert isinstance(page, ScannedPage)
    assert page.pixels.dtype == np.uint8
    assert page.colour_mode is ColourMode.GREY
    assert page.pixels[-1, -1] == (int(wide[-1, -1]) >> 8)


def test_pages_are_writable_arrays_the_reader_owns(tmp_path: Path, grey_page: np.ndarray) -> None:
    image = Image.fromarray(grey_page)
    image.save(tmp_path / "a.png")
    image.convert("RGB").save(tmp_path / "b.jpg")
    image_pdf(tmp_path / "c.pdf", [image.convert("RGB")], 100)
    for name in ("a.png", "b.jpg", "c.pdf"):
        page = read_page(tmp_path / name, 0, LIMITS)
        assert isinstance(page, ScannedPage)
        assert page.pixels.flags.writeable and page.pixels.flags.owndata, name


def test_pdf_page_image_is_taken_out_at_its_own_resolution(
    tmp_path: Path, grey_page: np.ndarray
) -> None:
    image = Image.fromarray(grey_page)
    path = image_pdf(tmp_path / "scan.pdf", [image, image.convert("RGB")], 100)
    assert count_pages(path, LIMITS) == 2
    first = read_page(path, 0, LIMITS)
    second = read_page(path, 1, LIMITS)
    assert isinstance(first, ScannedPage) and isinstance(second, ScannedPage)
    assert first.pixels.shape == grey_page.shape and first.dpi == pytest.approx(100, abs=0.5)
    assert first.colour_mode is ColourMode.GREY
    assert second.colour_mode is ColourMode.COLOUR


def test_pdf_jpeg_pages_decode_to_what_pillow_decodes(
    tmp_path: Path, grey_page: np.ndarray
) -> None:
    # Plain grey and RGB JPEGs are decoded by OpenCV, the rest by Pillow: same pixels.
    rng = np.random.default_rng(5)
    colour = np.dstack([grey_page, np.roll(grey_page, 7, axis=1), grey_page // 2])
    colour = np.clip(colour + rng.integers(-20, 20, colour.shape), 0, 255).astype(np.uint8)
    images = [Image.fromarray(grey_page), Image.fromarray(colour)]
    path = image_pdf(tmp_path / "scan.pdf", images, 100)
    for index, image in enumerate(images):
        page = read_page(path, index, LIMITS)
        assert isinstance(page, ScannedPage)
        buffer = io.BytesIO()
        image.save(buffer, "JPEG", quality=90)
        expected = np.asarray(Image.open(buffer))
        assert page.pixels.shape == expected.shape
        assert np.abs(page.pixels.astype(int) - expected).max() <= 1


def test_pdf_page_rotate_is_applied_as_the_viewer_sees_it(tmp_path: Path) -> None:
    marked = np.full((200, 100), 255, np.uint8)
    marked[:20, :20] = 0  # top-left corner of the stored image
    path = image_pdf(tmp_path / "rotated.pdf", [Image.fromarray(marked)], 100, rotate=90)
    page = read_page(path, 0, LIMITS)
    assert isinstance(page, ScannedPage)
    # /Rotate 90 shows the page turned clockwise: the corner appears top-right.
    assert page.pixels.shape == (100, 200)
    assert page.pixels[:20, -20:].max() < 80


def test_vector_pdf_page_is_rendered(tmp_path: Path) -> None:
    pdf = pikepdf.new()
    pdf.add_blank_page(page_size=(595, 842))
    pdf.pages[0].Contents = pikepdf.Stream(pdf, b"0 0 0 rg 100 400 300 40 re f")
    path = tmp_path / "vector.pdf"
    pdf.save(path)
    page = read_page(path, 0, LIMITS)
    assert isinstance(page, ScannedPage)
    assert page.dpi == 300
    height, width = page.pixels.shape[:2]
    assert abs(height - 842 / 72 * 300) <= 1 and abs(width - 595 / 72 * 300) <= 1
    assert page.pixels.min() < 50  # the black bar was drawn
