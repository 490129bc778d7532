"""PDF pages whose one image pikepdf cannot hand over as it is (JBIG2, DeviceN, ...) are
drawn by poppler at the image's own size: the page read is the scanned image, pixel for
pixel, not a refusal and not a resampled copy."""

from __future__ import annotations

import zlib
from pathlib import Path

import numpy as np
import pikepdf
import pytest
from pikepdf.models.image import NotExtractableError

from digitize.inputs import ReadLimits, ScannedPage, read_page
from digitize.results import ColourMode
from tests.synthetic import text_page

CORPUS = Path("/work/ocrmypdf-corpus/tests/resources")  # OCRmyPDF's test files, if fetched


def device_n_pdf(path: Path, grey: np.ndarray, dpi: float, *, bits: int = 8) -> Path:
    """A scanner-like PDF: one DeviceN image (one black colorant) filling the page.

    pikepdf refuses to extract DeviceN images ("not transcodable"), as it does JBIG2
    without jbig2dec: the path every such page takes.
    """
    height, width = grey.shape
    ink = np.uint8(255) - grey  # tint 1 is full black
    data = np.packbits(ink > 127, axis=1).tobytes() if bits == 1 else ink.tobytes()
    pdf = pikepdf.new()
    tint = pikepdf.Dictionary(FunctionType=2, Domain=[0, 1], C0=[1], C1=[0], N=1)
    colour_space = pikepdf.Array(
        [
            pikepdf.Name.DeviceN,
            pikepdf.Array([pikepdf.Name("/Black")]),
            pikepdf.Name.DeviceGray,
            tint,
        ]
    )
    image = pikepdf.Stream(pdf, zlib.compress(data))
    image.Type, image.Subtype = pikepdf.Name.XObject, pikepdf.Name.Image
    image.Width, image.Height, image.BitsPerComponent = width, height, bits
    image.ColorSpace, image.Filter = colour_space, pikepdf.Name.FlateDecode
    width_pt, height_pt = width / dpi * 72, height / dpi * 72
    page = pikepdf.Dictionary(
        Type=pikepdf.Name.Page,
        MediaBox=[0, 0, width_pt, height_pt],
        Resources=pikepdf.Dictionary(XObject=pikepdf.Dictionary(Im0=image)),
        Contents=pikepdf.Stream(
            pdf, f"q {width_pt:.4f} 0 0 {height_pt:.4f} 0 0 cm /Im0 Do Q".encode()
        ),
    )
    pdf.pages.append(pikepdf.Page(page))
    pdf.save(path)
    return path


def test_pikepdf_still_refuses_device_n(tmp_path: Path) -> None:
    # Guards the premise of the tests below: this page cannot be extracted as it is.
    path = device_n_pdf(tmp_path / "devicen.pdf", text_page(dpi=100), 100)
    with pikepdf.open(path) as pdf:
        image = pikepdf.PdfImage(pdf.pages[0].get_images()["/Im0"])
        with pytest.raises(NotExtractableError):
            image.as_pil_image()


def test_not_transcodable_page_is_rendered_pixel_for_pixel(tmp_path: Path) -> None:
    grey = text_page(dpi=100)
    path = device_n_pdf(tmp_path / "devicen.pdf", grey, 100)
    page = read_page(path, 0, ReadLimits(), keep_text_layer=False)
    assert isinstance(page, ScannedPage)
    assert page.dpi == pytest.approx(100, abs=0.1)
    assert page.pixels.shape[:2] == grey.shape
    drawn = page.pixels if page.pixels.ndim == 2 else page.pixels[..., 0]
    assert int(np.abs(drawn.astype(np.int16) - grey).max()) <= 1


def test_one_bit_page_stays_black_and_white(tmp_path: Path) -> None:
    grey = np.where(text_page(dpi=150) > 127, 255, 0).astype(np.uint8)
    path = device_n_pdf(tmp_path / "mono.pdf", grey, 150, bits=1)
    page = read_page(path, 0, ReadLimits(), keep_text_layer=False)
    assert isinstance(page, ScannedPage)
    assert page.colour_mode is ColourMode.BILEVEL
    assert page.pixels.shape == grey.shape
    assert np.array_equal(page.pixels, grey)


@pytest.mark.skipif(not CORPUS.is_dir(), reason="OCRmyPDF's test corpus is not fetched")
@pytest.mark.parametrize("name", ["jbig2.pdf", "linn.pdf"])
def test_jbig2_scan_is_read_at_its_own_resolution(name: str) -> None:
    # linn.pdf (JBIG2) and ccitt.pdf (CCITT G4) hold the same 300 dpi scan.
    limits = ReadLimits()
    jbig2 = read_page(CORPUS / name, 0, limits, keep_text_layer=False)
    assert isinstance(jbig2, ScannedPage)
    assert jbig2.colour_mode is ColourMode.BILEVEL
    assert jbig2.dpi == pytest.approx(300, abs=0.5)
    if name == "linn.pdf":
        ccitt = read_page(CORPUS / "ccitt.pdf", 0, limits, keep_text_layer=False)
        assert isinstance(ccitt, ScannedPage)
        assert np.array_equal(jbig2.pixels, ccitt.pixels)


@pytest.mark.parametrize("colour", [False, True])
def test_deflated_page_image_is_read_as_it_is(tmp_path: Path, colour: bool) -> None:
    # Lossless scans and large maps are often stored deflated: read from their bytes.
    grey = text_page(dpi=100)
    pixels = np.dstack([grey, grey // 2 + 100, grey]) if colour else grey
    height, width = grey.shape
    pdf = pikepdf.new()
    image = pikepdf.Stream(pdf, zlib.compress(np.ascontiguousarray(pixels).tobytes()))
    image.Type, image.Subtype = pikepdf.Name.XObject, pikepdf.Name.Image
    image.Width, image.Height, image.BitsPerComponent = width, height, 8
    image.ColorSpace = pikepdf.Name.DeviceRGB if colour else pikepdf.Name.DeviceGray
    image.Filter = pikepdf.Name.FlateDecode
    width_pt, height_pt = width * 0.72, height * 0.72
    page = pikepdf.Dictionary(
        Type=pikepdf.Name.Page,
        MediaBox=[0, 0, width_pt, height_pt],
        Resources=pikepdf.Dictionary(XObject=pikepdf.Dictionary(Im0=image)),
        Contents=pikepdf.Stream(pdf, f"q {width_pt} 0 0 {height_pt} 0 0 cm /Im0 Do Q".encode()),
    )
    pdf.pages.append(pikepdf.Page(page))
    pdf.save(tmp_path / "flate.pdf")
    read = read_page(tmp_path / "flate.pdf", 0, ReadLimits(), keep_text_layer=False)
    assert isinstance(read, ScannedPage)
    assert read.colour_mode is (ColourMode.COLOUR if colour else ColourMode.GREY)
    assert read.dpi == pytest.approx(100, abs=0.1)
    assert np.array_equal(read.pixels, pixels)
    read.pixels[0, 0] = 0  # the stages work in place: the array must be writable
