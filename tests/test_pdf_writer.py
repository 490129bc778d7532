"""The one-page PDF writer: image encodings, page geometry, the invisible text layer.

Text and images are checked the way a reader sees them, with the real poppler
tools (pdftotext, pdftoppm, pdftocairo) and qpdf, each run with a timeout.
"""

from __future__ import annotations

import html
import io
import math
import re
import subprocess
import unicodedata
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pikepdf
import pytest
from fontTools.ttLib import TTFont
from PIL import Image

from digitize.errors import DigitizeError
from digitize.pdf import DocumentMetadata, PageSource, assemble_pdf, write_page_pdf
from digitize.pdf import font as glyphless
from digitize.results import ColourMode, Line, OcrText, Word

TIMEOUT = 60
DPI = 300
WIDTH, HEIGHT = 2480, 1754  # A4 landscape-ish half page at 300 dpi: quick but realistic

BASE_VOWELS = "aăâeêioôơuưy"
TONE_MARKS = "\u0300\u0309\u0303\u0301\u0323"  # huyền, hỏi, ngã, sắc, nặng


def vietnamese_letters() -> list[str]:
    """The 134 Vietnamese letters that carry a diacritic, lower then upper case, NFC."""
    lower: list[str] = []
    for vowel in BASE_VOWELS:
        if vowel not in "aeiouy":
            lower.append(vowel)  # ă â ê ô ơ ư themselves
        lower += [unicodedata.normalize("NFC", vowel + mark) for mark in TONE_MARKS]
    lower.append("đ")
    return lower + [letter.upper() for letter in lower]


def layout_line(
    words: list[str], *, top: int, height: int = 40, left: int = 120, block: int = 0
) -> Line:
    """A Line whose word boxes are proportional to word length, 18 px per character."""
    placed: list[Word] = []
    x = left
    for text in words:
        width = 18 * len(text)
        placed.append(Word(text, (x, top, x + width, top + height), 0.95))
        x += width + 22
    return Line(tuple(placed), (left, top, placed[-1].bbox[2], top + height), block)


def letter_words() -> list[str]:
    """All 134 letters grouped into short words: one per base vowel and case, plus đ/Đ."""
    letters = vietnamese_letters()
    half = len(letters) // 2
    words: list[str] = []
    for case in (letters[:half], letters[half:]):
        group: list[str] = []
        for letter in case:
            group.append(letter)
            if len(group) == 6 or letter in "đĐ":
                words.append("".join(group))
                group = []
    return words


def sample_ocr() -> OcrText:
    """Several blocks of administrative Vietnamese, the 134 letters, digits and punctuation."""
    letters = letter_words()
    lines = [
        layout_line(["ỦY", "BAN", "NHÂN", "DÂN"], top=80, block=0),
        layout_line(["TỈNH", "BÌNH", "DƯƠNG"], top=130, block=0),
        layout_line(["CỘNG", "HÒA", "XÃ", "HỘI", "CHỦ", "NGHĨA", "VIỆT", "NAM"], top=230, block=1),
        layout_line(["Độc", "lập", "-", "Tự", "do", "-", "Hạnh", "phúc"], top=280, block=1),
        layout_line(
            ["Số:", "123/QĐ-UBND", "ngày", "15/3/2024,", "về", "việc", "cấp", "Giấy", "chứng"],
            top=380,
            block=2,
        ),
        layout_line(
            ["nhận", "quyền", "sử", "dụng", "đất", "(lần", "2);", "diện", "tích:", "120,5", "m²."],
            top=430,
            block=2,
        ),
        layout_line(letters[: len(letters) // 2], top=530, block=3),
        layout_line(letters[len(letters) // 2 :], top=580, block=3),
        layout_line(
            ["Họ", "và", "tên:", "NGUYỄN", "THỊ", "HỒNG", "NHUNG", "“Đã", "ký”", "50%"],
            top=680,
            height=52,
            block=4,
        ),
    ]
    return OcrText(lines=tuple(lines), engine="test")


def paper(colour_mode: ColourMode, width: int = WIDTH, height: int = HEIGHT) -> np.ndarray:
    """A blank page in the array shape `colour_mode` expects."""
    grey = np.full((height, width), 255, np.uint8)
    return np.dstack([grey] * 3) if colour_mode is ColourMode.COLOUR else grey


def run(*args: str | Path) -> subprocess.CompletedProcess[bytes]:
    """Run a poppler/qpdf tool, failing the test on error or timeout."""
    return subprocess.run(
        [str(arg) for arg in args], capture_output=True, timeout=TIMEOUT, check=True
    )


def pdftotext(pdf: Path, *extra: str) -> str:
    """Text of `pdf` as pdftotext (default mode, UTF-8) extracts it."""
    return run("pdftotext", "-enc", "UTF-8", *extra, pdf, "-").stdout.decode("utf-8")


def normalise(text: str) -> str:
    """Collapse all whitespace (pdftotext adds form feeds and blank lines between blocks)."""
    return " ".join(text.split())


_WORD = re.compile(
    r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">(.*?)</word>'
)


def bbox_words(pdf: Path) -> list[tuple[str, tuple[float, float, float, float]]]:
    """Words and their boxes (points, origin top-left) from `pdftotext -bbox`."""
    out = pdftotext(pdf, "-bbox")
    return [
        (html.unescape(m[5]), (float(m[1]), float(m[2]), float(m[3]), float(m[4])))
        for m in _WORD.finditer(out)
    ]


def qpdf_check(pdf: Path) -> None:
    """qpdf --check must pass with no warnings."""
    result = subprocess.run(["qpdf", "--check", str(pdf)], capture_output=True, timeout=TIMEOUT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert b"No syntax or stream encoding errors" in result.stdout


def render(pdf: Path, dpi: float, *, tool: str = "pdftoppm") -> np.ndarray:
    """Render page 1 of `pdf` to a grey array at `dpi`."""
    out = pdf.with_suffix("")
    if tool == "pdftoppm":
        run("pdftoppm", "-r", str(dpi), "-gray", "-singlefile", pdf, out)
        path = out.with_suffix(".pgm")
    else:
        run("pdftocairo", "-r", str(dpi), "-gray", "-png", "-singlefile", pdf, out)
        path = out.with_suffix(".png")
    with Image.open(path) as picture:
        return np.array(picture.convert("L"))


@dataclass(frozen=True)
class PageImage:
    """What a one-page PDF says about its image XObject."""

    filter: str
    colour_space: str
    width: int
    height: int
    bits: int
    decode_parms: dict[str, int | bool]
    raw: bytes  # the stream bytes as stored (still JPEG / G4 encoded)
    decoded: np.ndarray  # decoded independently of poppler, by pikepdf + Pillow


def page_image(pdf: Path) -> PageImage:
    """The only image XObject of a one-page PDF."""
    with pikepdf.open(pdf) as document:
        images = list(document.pages[0].resources.XObject.values())
        assert len(images) == 1
        stream = images[0]
        parms = stream.get("/DecodeParms", pikepdf.Dictionary())
        return PageImage(
            filter=str(stream.Filter),
            colour_space=str(stream.ColorSpace),
            width=int(stream.Width),
            height=int(stream.Height),
            bits=int(stream.BitsPerComponent),
            decode_parms={key[1:]: parms[key] for key in parms},
            raw=stream.read_raw_bytes(),
            decoded=np.array(pikepdf.PdfImage(stream).as_pil_image()),
        )


@pytest.fixture(scope="module")
def ocr() -> OcrText:
    return sample_ocr()


@pytest.fixture(scope="module")
def grey_page(tmp_path_factory: pytest.TempPathFactory, ocr: OcrText) -> Path:
    path = tmp_path_factory.mktemp("grey") / "page.pdf"
    write_page_pdf(
        paper(ColourMode.GREY), colour_mode=ColourMode.GREY, dpi=DPI, text=ocr, path=path
    )
    return path


# --- the fixture itself -------------------------------------------------------------


def test_all_134_letters_are_in_the_sample(ocr: OcrText) -> None:
    letters = vietnamese_letters()
    assert len(letters) == len(set(letters)) == 134
    assert all(unicodedata.is_normalized("NFC", letter) and len(letter) == 1 for letter in letters)
    assert set(letters) <= set(ocr.text)


# --- text layer ---------------------------------------------------------------------


def test_pdftotext_returns_the_ocr_text_exactly(grey_page: Path, ocr: OcrText) -> None:
    text = pdftotext(grey_page)
    assert unicodedata.is_normalized("NFC", text)
    assert normalise(text) == normalise(ocr.text)
    for letter in vietnamese_letters():
        assert letter in text, f"{letter!r} (U+{ord(letter):04X}) lost"


def test_ocr_lines_come_back_as_lines(grey_page: Path, ocr: OcrText) -> None:
    extracted = [line.strip() for line in pdftotext(grey_page).splitlines() if line.strip()]
    assert extracted == [line.text for line in ocr.lines]


def test_word_boxes_land_on_the_ocr_boxes(grey_page: Path, ocr: OcrText) -> None:
    found = bbox_words(grey_page)
    expected = ocr.words
    assert [text for text, _ in found] == [word.text for word in expected]
    scale = 72 / DPI
    for (text, box), word in zip(found, expected, strict=True):
        want = [edge * scale for edge in word.bbox]
        assert all(abs(got - w) < 1.0 for got, w in zip(box, want, strict=True)), (text, box, want)


def test_text_is_invisible(tmp_path: Path, ocr: OcrText) -> None:
    path = tmp_path / "page.pdf"
    write_page_pdf(
        paper(ColourMode.GREY), colour_mode=ColourMode.GREY, dpi=DPI, text=ocr, path=path
    )
    with pikepdf.open(path) as document:
        content = document.pages[0].Contents.read_bytes()
    assert b"3 Tr" in content
    # White paper plus invisible text renders as white paper (JPEG keeps 255 at 255 here).
    assert render(path, 72).min() >= 250


def test_words_of_a_line_share_one_baseline_and_size(grey_page: Path) -> None:
    with pikepdf.open(grey_page) as document:
        operations = pikepdf.parse_content_stream(document.pages[0])
    lines: list[set[float]] = []
    for operands, operator in operations:
        if str(operator) == "Tf":
            lines.append(set())
        elif str(operator) == "Tm":
            lines[-1].add(float(operands[5]))
    assert len(lines) == len(sample_ocr().lines)
    assert all(len(baselines) == 1 for baselines in lines)


def test_text_none_or_empty_gives_no_font(tmp_path: Path) -> None:
    for name, text in (("none", None), ("empty", OcrText()), ("blank", _blank_words_ocr())):
        path = tmp_path / f"{name}.pdf"
        write_page_pdf(
            paper(ColourMode.GREY, 200, 100),
            colour_mode=ColourMode.GREY,
            dpi=DPI,
            text=text,
            path=path,
        )
        with pikepdf.open(path) as document:
            assert "/Font" not in document.pages[0].resources
        assert normalise(pdftotext(path)) == ""
        qpdf_check(path)


def _blank_words_ocr() -> OcrText:
    return OcrText((Line((Word("  ", (1, 1, 5, 5), 0.1),), (1, 1, 5, 5)),))


@pytest.mark.parametrize("second_x0", [150, 190, 200, 201, 260])
def test_touching_or_overlapping_boxes_still_give_separate_words(
    tmp_path: Path, second_x0: int
) -> None:
    words = (
        Word("một", (100, 50, 200, 90), 0.9),
        Word("hai", (second_x0, 50, second_x0 + 70, 90), 0.9),
    )
    text = OcrText((Line(words, (100, 50, second_x0 + 70, 90)),))
    path = tmp_path / "overlap.pdf"
    write_page_pdf(
        paper(ColourMode.GREY, 400, 200), colour_mode=ColourMode.GREY, dpi=DPI, text=text, path=path
    )
    assert normalise(pdftotext(path)) == "một hai"


def test_line_of_single_letters_keeps_its_spaces(tmp_path: Path) -> None:
    # poppler treats a line of one-character words like CJK text and wants wider gaps.
    letters = ["Ỷ", "Ỹ", "Ỵ", "ỷ", "ỹ", "ỵ", "Đ", "đ", "1", "x"]
    words, x = [], 100
    for letter in letters:
        words.append(Word(letter, (x, 50, x + 30, 100), 0.9))
        x += 30 + 14  # a typical space: under 0.3 of the line height
    text = OcrText((Line(tuple(words), (100, 50, x - 14, 100)),))
    path = tmp_path / "letters.pdf"
    write_page_pdf(
        paper(ColourMode.GREY, 800, 200), colour_mode=ColourMode.GREY, dpi=DPI, text=text, path=path
    )
    assert normalise(pdftotext(path)) == " ".join(letters)


# --- the font -------------------------------------------------------------------------


def test_font_is_an_embedded_glyphless_type0_font(grey_page: Path) -> None:
    with pikepdf.open(grey_page) as document:
        fonts = document.pages[0].resources.Font
        assert len(fonts) == 1
        font = next(iter(fonts.values()))
        assert font.Subtype == "/Type0"
        assert font.Encoding == "/Identity-H"
        assert "/ToUnicode" in font
        cid_font = font.DescendantFonts[0]
        assert cid_font.Subtype == "/CIDFontType2"
        cid_to_gid = cid_font.CIDToGIDMap.read_bytes()
        program = cid_font.FontDescriptor.FontFile2.read_bytes()
        assert int(cid_font.FontDescriptor.FontFile2.Length1) == len(program)
        dw = int(cid_font.DW)
    # Every CID goes to glyph 1, never to .notdef (glyph 0).
    assert cid_to_gid == b"\x00\x01" * 65536
    embedded = TTFont(io.BytesIO(program))
    glyph_name = embedded.getGlyphOrder()[1]
    assert glyph_name != ".notdef"
    assert embedded["hmtx"][glyph_name][0] == dw
    assert embedded["glyf"][glyph_name].numberOfContours == 0


def test_font_program_is_deterministic_and_cached() -> None:
    first = glyphless.glyphless_font_program()
    assert glyphless.glyphless_font_program() is first  # cached
    glyphless.glyphless_font_program.cache_clear()
    assert glyphless.glyphless_font_program() == first  # rebuilt byte for byte
    head = TTFont(io.BytesIO(first))["head"]
    assert head.created == head.modified


def test_tounicode_maps_every_code_to_itself() -> None:
    cmap = glyphless.to_unicode_cmap().decode("ascii")
    ranges = re.findall(r"<([0-9A-F]{4})> <([0-9A-F]{4})> <([0-9A-F]{4})>", cmap)
    covered = [code for lo, hi, _ in ranges for code in range(int(lo, 16), int(hi, 16) + 1)]
    assert covered == list(range(0x10000))
    assert all(lo == dst and lo[:2] == hi[:2] for lo, hi, dst in ranges)


# --- images ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("mode", "space"), [(ColourMode.GREY, "/DeviceGray"), (ColourMode.COLOUR, "/DeviceRGB")]
)
def test_grey_and_colour_pages_are_jpeg(tmp_path: Path, mode: ColourMode, space: str) -> None:
    rng = np.random.default_rng(3)
    image = paper(mode, 640, 480)
    image[100:300, 100:500] = rng.integers(0, 256, image[100:300, 100:500].shape, dtype=np.uint8)
    path = tmp_path / "page.pdf"
    write_page_pdf(image, colour_mode=mode, dpi=200, text=sample_ocr(), path=path)
    stored = page_image(path)
    assert stored.filter == "/DCTDecode"
    assert stored.colour_space == space
    assert (stored.width, stored.height, stored.bits) == (640, 480, 8)
    with Image.open(io.BytesIO(stored.raw)) as jpeg:
        assert jpeg.format == "JPEG"
        assert jpeg.size == (640, 480)  # never resampled
        assert jpeg.mode == ("L" if mode is ColourMode.GREY else "RGB")
        decoded = np.array(jpeg)
    assert np.abs(decoded.astype(int) - image.astype(int)).mean() < 20
    qpdf_check(path)


def test_jpeg_quality_is_used(tmp_path: Path) -> None:
    image = np.random.default_rng(5).integers(0, 256, (300, 400, 3), dtype=np.uint8)
    sizes = []
    for quality in (30, 95):
        path = tmp_path / f"q{quality}.pdf"
        write_page_pdf(
            image,
            colour_mode=ColourMode.COLOUR,
            dpi=150,
            text=None,
            path=path,
            jpeg_quality=quality,
        )
        sizes.append(len(page_image(path).raw))
    assert sizes[0] < sizes[1] / 2


def bilevel_sample(width: int = 1203, height: int = 611) -> np.ndarray:
    """Text-like black marks on white paper; odd width so rows are not whole bytes."""
    rng = np.random.default_rng(7)
    image = np.full((height, width), 255, np.uint8)
    for _ in range(400):
        y, x = int(rng.integers(0, height - 30)), int(rng.integers(0, width - 30))
        h, w = int(rng.integers(2, 30)), int(rng.integers(1, 30))
        image[y : y + h, x : x + w] = 0
    image[0, :] = 0  # marks on every edge catch off-by-one placement
    image[:, -1] = 0
    image[-3:, :50] = 0
    return image


def test_bilevel_page_is_ccitt_g4_and_lossless(tmp_path: Path) -> None:
    image = bilevel_sample()
    path = tmp_path / "bilevel.pdf"
    write_page_pdf(image, colour_mode=ColourMode.BILEVEL, dpi=DPI, text=sample_ocr(), path=path)
    stored = page_image(path)
    assert stored.filter == "/CCITTFaxDecode"
    assert stored.colour_space == "/DeviceGray"
    assert stored.bits == 1
    parms = stored.decode_parms
    assert (parms["K"], parms["Columns"], parms["Rows"]) == (-1, 1203, 611)
    assert parms.get("BlackIs1", False) is False
    # An independent decoder (pikepdf wraps the G4 data in a TIFF for Pillow) gets the input back.
    assert np.array_equal(np.where(stored.decoded, 255, 0), image)
    qpdf_check(path)


def test_bilevel_renders_back_black_on_white(tmp_path: Path) -> None:
    image = bilevel_sample()
    path = tmp_path / "bilevel.pdf"
    write_page_pdf(image, colour_mode=ColourMode.BILEVEL, dpi=DPI, text=None, path=path)
    # pdftoppm at the page's own dpi: one output pixel per image pixel, black stays black.
    # Splash smooths images even at 1:1 (1-px lines at the page edge fade), so compare
    # where the input is uniform over a 3x3 neighbourhood.
    same_dpi = render(path, DPI)
    assert same_dpi.shape == image.shape
    windows = np.lib.stride_tricks.sliding_window_view(image, (3, 3))
    uniform = windows.min(axis=(2, 3)) == windows.max(axis=(2, 3))
    inner, rendered = image[1:-1, 1:-1][uniform], same_dpi[1:-1, 1:-1][uniform]
    assert (inner == 0).sum() > 10_000  # plenty of ink to check
    assert np.array_equal(np.where(rendered < 128, 0, 255), inner)
    # At 4x, Splash replicates pixels instead of smoothing: exactly the input, block by block.
    four = render(path, 4 * DPI)[: 4 * image.shape[0], : 4 * image.shape[1]]
    assert np.array_equal(four, np.kron(image, np.ones((4, 4), np.uint8)))
    # Cairo draws an unscaled image as it is: pixel-identical at the page dpi.
    assert np.array_equal(
        render(path, DPI, tool="pdftocairo")[: image.shape[0], : image.shape[1]], image
    )


def test_bilevel_all_white_and_all_black(tmp_path: Path) -> None:
    for value in (0, 255):
        image = np.full((64, 77), value, np.uint8)
        path = tmp_path / f"flat{value}.pdf"
        write_page_pdf(image, colour_mode=ColourMode.BILEVEL, dpi=72, text=None, path=path)
        assert np.array_equal(render(path, 72, tool="pdftocairo")[:64, :77], image)
        qpdf_check(path)


@pytest.mark.parametrize(
    ("width", "height", "dpi"),
    [(2480, 3508, 300), (1700, 2200, 200), (601, 403, 96), (100, 50, 72.5)],
)
def test_page_size_is_pixels_over_dpi(tmp_path: Path, width: int, height: int, dpi: float) -> None:
    path = tmp_path / "page.pdf"
    write_page_pdf(
        paper(ColourMode.BILEVEL, width, height),
        colour_mode=ColourMode.BILEVEL,
        dpi=dpi,
        text=None,
        path=path,
    )
    with pikepdf.open(path) as document:
        box = [float(v) for v in document.pages[0].MediaBox]
    assert box[:2] == [0, 0]
    assert math.isclose(box[2], width / dpi * 72, abs_tol=0.001)
    assert math.isclose(box[3], height / dpi * 72, abs_tol=0.001)
    stored = page_image(path)
    assert (stored.width, stored.height) == (width, height)


def test_single_page_passes_qpdf_check_in_every_mode(tmp_path: Path, ocr: OcrText) -> None:
    for mode in ColourMode:
        path = tmp_path / f"{mode.value}.pdf"
        write_page_pdf(paper(mode, 800, 600), colour_mode=mode, dpi=DPI, text=ocr, path=path)
        qpdf_check(path)
        with pikepdf.open(path) as document:
            assert document.pdf_version >= "1.4"
            assert "/ID" in document.trailer


def test_same_input_gives_the_same_bytes(tmp_path: Path, ocr: OcrText) -> None:
    first, second = tmp_path / "a.pdf", tmp_path / "b.pdf"
    for path in (first, second):
        write_page_pdf(
            paper(ColourMode.GREY, 500, 400),
            colour_mode=ColourMode.GREY,
            dpi=DPI,
            text=ocr,
            path=path,
        )
    assert first.read_bytes() == second.read_bytes()


def test_opencv_style_single_channel_and_string_mode_are_accepted(tmp_path: Path) -> None:
    image = paper(ColourMode.GREY, 120, 80)[:, :, np.newaxis]
    path = tmp_path / "page.pdf"
    write_page_pdf(image, colour_mode="grey", dpi=DPI, text=None, path=path)  # type: ignore[arg-type]
    assert page_image(path).colour_space == "/DeviceGray"


# --- errors ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("image", "mode", "dpi", "message"),
    [
        (np.zeros((10, 10), np.float32), ColourMode.GREY, 300, "uint8"),
        (np.zeros((10, 10), np.uint16), ColourMode.BILEVEL, 300, "uint8"),
        (np.zeros((10, 10, 4), np.uint8), ColourMode.COLOUR, 300, "HxWx3"),
        (np.zeros((10, 10, 3), np.uint8), ColourMode.GREY, 300, "HxW"),
        (np.zeros((10, 10), np.uint8), ColourMode.COLOUR, 300, "HxWx3"),
        (np.zeros(10, np.uint8), ColourMode.GREY, 300, "HxW"),
        (np.zeros((0, 10), np.uint8), ColourMode.GREY, 300, "empty"),
        (np.zeros((10, 0, 3), np.uint8), ColourMode.COLOUR, 300, "empty"),
        (np.zeros((10, 10), np.uint8), ColourMode.GREY, 0, "dpi"),
        (np.zeros((10, 10), np.uint8), ColourMode.GREY, -300, "dpi"),
        (np.zeros((10, 10), np.uint8), ColourMode.GREY, float("nan"), "dpi"),
        (np.zeros((10, 10), np.uint8), ColourMode.GREY, float("inf"), "dpi"),
        (np.zeros((10, 10), np.uint8), "sepia", 300, "colour mode"),
        ([[0, 255]], ColourMode.GREY, 300, "numpy"),
    ],
)
def test_unusable_input_raises_digitize_error(
    tmp_path: Path, image: np.ndarray, mode: ColourMode, dpi: float, message: str
) -> None:
    path = tmp_path / "page.pdf"
    with pytest.raises(DigitizeError, match=message):
        write_page_pdf(image, colour_mode=mode, dpi=dpi, text=None, path=path)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("quality", [0, 101, 80.5, True])
@pytest.mark.parametrize("mode", [ColourMode.GREY, ColourMode.BILEVEL])
def test_bad_jpeg_quality_raises(tmp_path: Path, quality: object, mode: ColourMode) -> None:
    with pytest.raises(DigitizeError, match="jpeg_quality"):
        write_page_pdf(
            paper(mode, 20, 20),
            colour_mode=mode,
            dpi=DPI,
            text=None,
            path=tmp_path / "a.pdf",
            jpeg_quality=quality,  # type: ignore[arg-type]
        )
    assert list(tmp_path.iterdir()) == []


def test_missing_output_directory_raises(tmp_path: Path) -> None:
    with pytest.raises(DigitizeError, match="directory"):
        write_page_pdf(
            paper(ColourMode.GREY, 20, 20),
            colour_mode=ColourMode.GREY,
            dpi=DPI,
            text=None,
            path=tmp_path / "no" / "a.pdf",
        )
    assert list(tmp_path.iterdir()) == []


# --- through the assembler ------------------------------------------------------------


@pytest.mark.parametrize("pdfa", [True, False])
def test_round_trip_through_assemble(tmp_path: Path, ocr: OcrText, pdfa: bool) -> None:
    pages = []
    for number, mode in enumerate(ColourMode):
        path = tmp_path / f"page{number}.pdf"
        write_page_pdf(paper(mode), colour_mode=mode, dpi=DPI, text=ocr, path=path)
        pages.append(PageSource(path))
    out = tmp_path / "document.pdf"
    metadata = DocumentMetadata(title="Hồ sơ thử", created=datetime.now(UTC))
    assemble_pdf(pages, out, metadata=metadata, pdfa=pdfa)
    qpdf_check(out)
    for number in range(1, len(pages) + 1):
        text = pdftotext(out, "-f", str(number), "-l", str(number))
        assert unicodedata.is_normalized("NFC", text)
        assert normalise(text) == normalise(ocr.text)
    found = bbox_words(out)
    assert [text for text, _ in found] == [word.text for word in ocr.words] * len(pages)
    for (_, box), word in zip(found, ocr.words * len(pages), strict=True):
        want = [edge * 72 / DPI for edge in word.bbox]
        assert all(abs(got - w) < 1.0 for got, w in zip(box, want, strict=True))
