"""Joining pages into the final document: PDF/A-2b markers, one shared font, atomic writes,
kept pages, and memory that does not grow with the page images."""

from __future__ import annotations

import io
import json
import subprocess
import sys
import textwrap
import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import numpy as np
import pikepdf
import pytest
from pikepdf.models.metadata import decode_pdf_date
from PIL import ImageCms

from digitize.errors import CorruptInputError, DigitizeError, EncryptedPdfError
from digitize.pdf import DocumentMetadata, PageSource, assemble_pdf, write_page_pdf
from digitize.results import ColourMode, Line, OcrText, Word

TIMEOUT = 120
DPI = 200
ICT = timezone(timedelta(hours=7))  # Vietnam
METADATA = DocumentMetadata(
    title="Hồ sơ đăng ký đất đai số 15",
    created=datetime(2024, 3, 15, 9, 30, 5, 123456, tzinfo=ICT),
    author="Trần Thị Ánh",
    subject="Số hoá hồ sơ một cửa",
)
XMP_NS = {
    "x": "adobe:ns:meta/",
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "dc": "http://purl.org/dc/elements/1.1/",
    "xmp": "http://ns.adobe.com/xap/1.0/",
    "pdf": "http://ns.adobe.com/pdf/1.3/",
    "pdfaid": "http://www.aiim.org/pdfa/ns/id/",
}


def short_ocr(words: tuple[str, ...] = ("Giấy", "chứng", "nhận", "Đỗ", "Quỳnh")) -> OcrText:
    """One line of Vietnamese words, 20 px per character."""
    placed, x = [], 60
    for text in words:
        placed.append(Word(text, (x, 100, x + 20 * len(text), 140), 0.9))
        x += 20 * len(text) + 25
    return OcrText((Line(tuple(placed), (60, 100, x - 25, 140)),))


def image_for(mode: ColourMode, width: int = 900, height: int = 600) -> np.ndarray:
    """Paper with one black bar, in the shape `mode` expects."""
    grey = np.full((height, width), 255, np.uint8)
    grey[200:240, 60:800] = 0
    return np.dstack([grey, grey, grey]) if mode is ColourMode.COLOUR else grey


def make_pages(directory: Path, ocr: OcrText | None = None) -> list[PageSource]:
    """One page per colour mode, each with the same text."""
    pages = []
    for mode in ColourMode:
        path = directory / f"{mode.value}.pdf"
        write_page_pdf(
            image_for(mode), colour_mode=mode, dpi=DPI, text=ocr or short_ocr(), path=path
        )
        pages.append(PageSource(path))
    return pages


def run(*args: str | Path) -> str:
    """Run a poppler/qpdf tool and return its UTF-8 output."""
    result = subprocess.run(
        [str(arg) for arg in args], capture_output=True, timeout=TIMEOUT, check=True
    )
    return result.stdout.decode("utf-8")


def qpdf_check(pdf: Path) -> None:
    result = subprocess.run(["qpdf", "--check", str(pdf)], capture_output=True, timeout=TIMEOUT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert b"No syntax or stream encoding errors" in result.stdout


def page_text(pdf: Path, number: int) -> str:
    return " ".join(run("pdftotext", "-f", str(number), "-l", str(number), pdf, "-").split())


@pytest.fixture
def pages(tmp_path: Path) -> list[PageSource]:
    directory = tmp_path / "pages"
    directory.mkdir()
    return make_pages(directory)


@pytest.fixture
def pdfa_document(tmp_path: Path, pages: list[PageSource]) -> Path:
    out = tmp_path / "document.pdf"
    assemble_pdf(pages, out, metadata=METADATA, pdfa=True)
    return out


@pytest.fixture
def plain_document(tmp_path: Path, pages: list[PageSource]) -> Path:
    out = tmp_path / "plain.pdf"
    assemble_pdf(pages, out, metadata=METADATA, pdfa=False)
    return out


# --- structure and text -----------------------------------------------------------------


def test_both_flavours_pass_qpdf_check_and_keep_text(
    pdfa_document: Path, plain_document: Path
) -> None:
    for document in (pdfa_document, plain_document):
        qpdf_check(document)
        for number in (1, 2, 3):
            assert page_text(document, number) == short_ocr().text


def test_header_trailer_and_no_encryption(pdfa_document: Path) -> None:
    head = pdfa_document.read_bytes()[:32]
    assert head.startswith(b"%PDF-1.7")
    # PDF/A wants a comment of at least four bytes above 127 right after the header.
    second_line = head.split(b"\n")[1]
    assert second_line.startswith(b"%") and sum(byte > 127 for byte in second_line) >= 4
    with pikepdf.open(pdfa_document) as pdf:
        assert pdf.pdf_version >= "1.4"
        assert len(pdf.trailer.ID) == 2
        assert not pdf.is_encrypted
        assert "/Encrypt" not in pdf.trailer


def test_pdfa_markers(pdfa_document: Path) -> None:
    with pikepdf.open(pdfa_document) as pdf:
        meta = pdf.open_metadata()
        assert meta.pdfa_status == "2B"
        metadata_stream = pdf.Root.Metadata
        assert "/Filter" not in metadata_stream  # PDF/A: the XMP stays readable as plain bytes
        xmp = metadata_stream.read_raw_bytes()
        intents = list(pdf.Root.OutputIntents)
        docinfo = {str(key): str(value) for key, value in pdf.docinfo.items()}
        assert pdf.Root.Lang == "vi"
        assert len(intents) == 1
        intent = intents[0]
        assert intent.S == "/GTS_PDFA1"
        assert intent.OutputConditionIdentifier
        assert int(intent.DestOutputProfile.N) == 3
        profile = ImageCms.ImageCmsProfile(io.BytesIO(intent.DestOutputProfile.read_bytes()))
    assert profile.profile.xcolor_space.strip() == "RGB"
    assert profile.profile.device_class in ("mntr", "prtr")

    assert xmp.startswith(b"<?xpacket begin=")
    root = ET.fromstring(xmp)
    description = root.find("rdf:RDF/rdf:Description", XMP_NS)
    assert description is not None

    def value(path: str) -> str:
        found = description.find(path, XMP_NS)
        assert found is not None, path
        return (found.text or "").strip()

    assert value("pdfaid:part") == "2"
    assert value("pdfaid:conformance") == "B"
    assert value("dc:title/rdf:Alt/rdf:li") == METADATA.title
    assert value("dc:creator/rdf:Seq/rdf:li") == METADATA.author
    assert value("dc:description/rdf:Alt/rdf:li") == METADATA.subject
    assert value("dc:language/rdf:Bag/rdf:li") == "vi"
    assert value("pdf:Producer") == METADATA.producer == docinfo["/Producer"]
    assert value("xmp:CreatorTool") == METADATA.producer == docinfo["/Creator"]
    assert docinfo["/Title"] == METADATA.title
    assert docinfo["/Author"] == METADATA.author
    assert docinfo["/Subject"] == METADATA.subject
    created = METADATA.created.replace(microsecond=0)
    for key in ("xmp:CreateDate", "xmp:ModifyDate", "xmp:MetadataDate"):
        assert datetime.fromisoformat(value(key)) == created
    for key in ("/CreationDate", "/ModDate"):
        assert decode_pdf_date(docinfo[key]) == created


def test_plain_pdf_has_info_but_no_pdfa_claim(plain_document: Path) -> None:
    with pikepdf.open(plain_document) as pdf:
        assert pdf.open_metadata().pdfa_status == ""
        assert b"pdfaid" not in pdf.Root.Metadata.read_raw_bytes()
        assert "/OutputIntents" not in pdf.Root
        assert str(pdf.docinfo.Title) == METADATA.title
        assert str(pdf.docinfo.Author) == METADATA.author
    info = run("pdfinfo", plain_document)
    assert f"Title:           {METADATA.title}" in info


def test_no_transparency_anywhere(pdfa_document: Path) -> None:
    with pikepdf.open(pdfa_document) as pdf:
        for page in pdf.pages:
            assert "/Group" not in page.obj
            assert "/ExtGState" not in page.resources
            for image in page.resources.XObject.values():
                assert "/SMask" not in image and "/Mask" not in image
                assert not image.get("/Interpolate", False)


def test_font_is_embedded_once_and_shared(pdfa_document: Path) -> None:
    with pikepdf.open(pdfa_document) as pdf:
        type0 = [
            obj
            for obj in pdf.objects
            if isinstance(obj, pikepdf.Dictionary) and obj.get("/Subtype") == "/Type0"
        ]
        font_files = [
            obj for obj in pdf.objects if isinstance(obj, pikepdf.Stream) and "/Length1" in obj
        ]
        assert len(type0) == 1
        assert len(font_files) == 1
        used = {font.objgen for page in pdf.pages for font in page.resources.Font.values()}
        assert used == {type0[0].objgen}
    assert run("pdffonts", pdfa_document).count("DigitizeGlyphless") == 1


def test_page_images_are_copied_byte_for_byte(pdfa_document: Path, pages: list[PageSource]) -> None:
    with pikepdf.open(pdfa_document) as pdf:
        copied = [
            next(iter(page.resources.XObject.values())).read_raw_bytes() for page in pdf.pages
        ]
        boxes = [list(page.MediaBox) for page in pdf.pages]
    for source, data, box in zip(pages, copied, boxes, strict=True):
        with pikepdf.open(source.pdf) as original:
            page = original.pages[0]
            assert next(iter(page.resources.XObject.values())).read_raw_bytes() == data
            assert list(page.MediaBox) == box


def test_pikepdf_pdfa_validator_approves(pdfa_document: Path, plain_document: Path) -> None:
    """pikepdf's allowlist PDF/A validator (the dev extra installs its dependencies)."""
    from pikepdf import pdfa

    report = pdfa.validate_written(pdfa_document, "2b")
    assert report.passed, report.findings
    assert not pdfa.validate_written(plain_document, "2b").passed


# --- kept pages ---------------------------------------------------------------------


def test_kept_pages_are_copied_as_they_are(tmp_path: Path, pdfa_document: Path) -> None:
    fresh = tmp_path / "fresh.pdf"
    write_page_pdf(
        image_for(ColourMode.GREY),
        colour_mode=ColourMode.GREY,
        dpi=DPI,
        text=short_ocr(("Bản", "sao", "y", "chính")),
        path=fresh,
    )
    out = tmp_path / "mixed.pdf"
    sources = [PageSource(pdfa_document, 2), PageSource(fresh), PageSource(pdfa_document, 0)]
    assemble_pdf(sources, out, metadata=METADATA, pdfa=False)
    qpdf_check(out)
    assert page_text(out, 1) == page_text(pdfa_document, 3)
    assert page_text(out, 2) == "Bản sao y chính"
    assert page_text(out, 3) == page_text(pdfa_document, 1)
    with pikepdf.open(out) as pdf, pikepdf.open(pdfa_document) as original:
        assert len(pdf.pages) == 3
        for copied, kept in ((pdf.pages[0], original.pages[2]), (pdf.pages[2], original.pages[0])):
            assert copied.Contents.read_bytes() == kept.Contents.read_bytes()
        fonts = {font.objgen for page in pdf.pages for font in page.resources.Font.values()}
        assert len(fonts) == 1  # our font from the old document is shared too


# --- errors and atomic writes ---------------------------------------------------------


def test_missing_page_leaves_existing_output_untouched(
    tmp_path: Path, pages: list[PageSource]
) -> None:
    out = tmp_path / "document.pdf"
    out.write_bytes(b"previous version")
    before = sorted(tmp_path.iterdir())
    with pytest.raises(DigitizeError, match="not found"):
        assemble_pdf([*pages, PageSource(tmp_path / "gone.pdf")], out, metadata=METADATA)
    assert out.read_bytes() == b"previous version"
    assert sorted(tmp_path.iterdir()) == before


def test_failed_save_removes_temp_file_and_keeps_output(
    tmp_path: Path, pages: list[PageSource], monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "document.pdf"
    out.write_bytes(b"previous version")
    before = sorted(tmp_path.iterdir())
    real_save = pikepdf.Pdf.save

    def half_save(self: pikepdf.Pdf, filename: Path, **kwargs: object) -> None:
        real_save(self, filename, **kwargs)
        Path(filename).write_bytes(Path(filename).read_bytes()[:1000])  # a torn write
        raise pikepdf.PdfError("disk full")

    monkeypatch.setattr(pikepdf.Pdf, "save", half_save)
    with pytest.raises(DigitizeError, match="disk full"):
        assemble_pdf(pages, out, metadata=METADATA)
    assert out.read_bytes() == b"previous version"
    assert sorted(tmp_path.iterdir()) == before


def test_success_replaces_existing_output_without_leftovers(
    tmp_path: Path, pages: list[PageSource]
) -> None:
    out = tmp_path / "document.pdf"
    out.write_bytes(b"previous version")
    assemble_pdf(pages, out, metadata=METADATA)
    assert out.read_bytes().startswith(b"%PDF-")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["document.pdf", "pages"]


@pytest.mark.parametrize("index", [3, -1, 1])
def test_bad_page_index(tmp_path: Path, pages: list[PageSource], index: int) -> None:
    with pytest.raises(DigitizeError, match="page index"):
        assemble_pdf([PageSource(pages[0].pdf, index)], tmp_path / "out.pdf", metadata=METADATA)
    assert not (tmp_path / "out.pdf").exists()


def test_unreadable_and_encrypted_page_files(tmp_path: Path, pages: list[PageSource]) -> None:
    junk = tmp_path / "junk.pdf"
    junk.write_bytes(b"this is not a PDF at all")
    with pytest.raises(CorruptInputError):
        assemble_pdf([PageSource(junk)], tmp_path / "out.pdf", metadata=METADATA)
    locked = tmp_path / "locked.pdf"
    with pikepdf.open(pages[0].pdf) as pdf:
        pdf.save(locked, encryption=pikepdf.Encryption(owner="o", user="secret"))
    with pytest.raises(EncryptedPdfError):
        assemble_pdf([PageSource(locked)], tmp_path / "out.pdf", metadata=METADATA)
    assert not (tmp_path / "out.pdf").exists()


def test_bad_arguments(tmp_path: Path, pages: list[PageSource]) -> None:
    with pytest.raises(DigitizeError, match="no pages"):
        assemble_pdf([], tmp_path / "out.pdf", metadata=METADATA)
    with pytest.raises(DigitizeError, match="timezone"):
        DocumentMetadata(title="x", created=datetime(2024, 1, 1))
    with pytest.raises(DigitizeError, match="title"):
        DocumentMetadata(title=" ", created=datetime.now(UTC))
    with pytest.raises(DigitizeError, match="directory"):
        assemble_pdf(pages, tmp_path / "missing" / "out.pdf", metadata=METADATA)


def test_pdfa_refuses_pages_beyond_its_size_limit(tmp_path: Path) -> None:
    path = tmp_path / "huge.pdf"
    # 600 px at 2 dpi is 300 inches: a wrong dpi, and over PDF/A's 200-inch limit.
    write_page_pdf(
        np.full((600, 100), 255, np.uint8), colour_mode=ColourMode.GREY, dpi=2, text=None, path=path
    )
    with pytest.raises(DigitizeError, match="14400"):
        assemble_pdf([PageSource(path)], tmp_path / "out.pdf", metadata=METADATA)
    assemble_pdf([PageSource(path)], tmp_path / "out.pdf", metadata=METADATA, pdfa=False)


# --- memory ---------------------------------------------------------------------------

MEMORY_SCRIPT = textwrap.dedent(
    """
    import json, sys
    from datetime import UTC, datetime
    from pathlib import Path

    from digitize.pdf import DocumentMetadata, PageSource, assemble_pdf

    def status_kib(field):
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
        raise KeyError(field)

    directory = Path(sys.argv[1])
    pages = [PageSource(path) for path in sorted(directory.glob("page*.pdf"))]
    metadata = DocumentMetadata(title="memory", created=datetime.now(UTC))
    # Warm up on one page so lazily imported modules (lxml for XMP...) count in `before`.
    assemble_pdf(pages[:1], directory / "warm.pdf", metadata=metadata)
    # Reset the peak-RSS mark (VmHWM); ru_maxrss would also count the forking parent.
    Path("/proc/self/clear_refs").write_text("5")
    before = status_kib("VmRSS")
    assemble_pdf(pages, directory / "big.pdf", metadata=metadata)
    print(json.dumps({"before": before * 1024, "peak": status_kib("VmHWM") * 1024}))
    """
)


def test_assembling_does_not_hold_page_images_in_memory(tmp_path: Path) -> None:
    """150 pages of ~1 MB JPEG each: the assembling process grows by a small fraction of that."""
    if not Path("/proc/self/clear_refs").exists():
        pytest.skip("needs Linux /proc to measure peak memory")
    noise = np.random.default_rng(11).integers(0, 256, (1240, 1240, 3), dtype=np.uint8)
    first = tmp_path / "page000.pdf"
    write_page_pdf(noise, colour_mode=ColourMode.COLOUR, dpi=150, text=short_ocr(), path=first)
    data = first.read_bytes()
    for number in range(1, 150):
        (tmp_path / f"page{number:03d}.pdf").write_bytes(data)
    total = 150 * len(data)
    assert total > 120 * 2**20

    result = subprocess.run(
        [sys.executable, "-c", MEMORY_SCRIPT, str(tmp_path)],
        capture_output=True,
        timeout=300,
        check=True,
    )
    figures = json.loads(result.stdout)
    growth = figures["peak"] - figures["before"]
    print(
        f"\npages: 150 x {len(data) / 2**20:.2f} MiB = {total / 2**20:.0f} MiB; "
        f"RSS before {figures['before'] / 2**20:.0f} MiB, peak {figures['peak'] / 2**20:.0f} MiB, "
        f"growth {growth / 2**20:.1f} MiB"
    )
    assert growth < total / 10
    big = tmp_path / "big.pdf"
    assert big.stat().st_size > total * 0.95
    with pikepdf.open(big) as pdf:
        assert len(pdf.pages) == 150
        last = next(iter(pdf.pages[-1].resources.XObject.values())).read_raw_bytes()
    with pikepdf.open(first) as source:
        assert last == next(iter(source.pages[0].resources.XObject.values())).read_raw_bytes()
