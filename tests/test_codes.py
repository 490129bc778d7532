"""Reading QR codes and barcodes from pages: real codes drawn by zxing-cpp on synthetic
A4 pages, read back through the real decoder."""

from __future__ import annotations

import time
import unicodedata
from collections.abc import Callable

import cv2
import numpy as np
import pytest
import zxingcpp
from PIL import Image, ImageDraw, ImageFont

from digitize.imaging.codes import Code, CodeKind, read_codes
from digitize.inputs import ScannedPage
from digitize.pipeline import PipelineOptions, prepare_page
from digitize.results import ColourMode
from tests.synthetic import FONT, a4_size, fed_rotated, skewed, text_page

DOSSIER = "000.00.13.H12-240115-0042"
OTHER_DOSSIER = "000.00.79.H29-231130-1187"
# What TT 01/2023 puts in the QR of documents the one-stop system issues.
RECEIPT_QR = (
    "MaHoSo:000.00.13.H12-240115-0042;MaTTHC:1.001193;SoDinhDanh:079185001234;"
    "TenGiayTo:Giấy tiếp nhận hồ sơ và hẹn trả kết quả;HeThong:dichvucong;"
    "ThoiGian:2024-01-15T09:30:00"
)
QR = zxingcpp.BarcodeFormat.QRCode
CODE128 = zxingcpp.BarcodeFormat.Code128

Box = tuple[int, int, int, int]


# -- page helpers (also used by bench/codes_speed.py) -------------------------------------


def mm(value: float, dpi: float) -> int:
    return round(value * dpi / 25.4)


def symbol(text: str, fmt: zxingcpp.BarcodeFormat, **options: str) -> np.ndarray:
    """The code at one pixel per module, no quiet zone (0 ink, 255 paper)."""
    image = zxingcpp.write_barcode_to_image(
        zxingcpp.create_barcode(text, fmt, **options), scale=1, add_quiet_zones=False
    )
    return np.asarray(image, dtype=np.uint8)


def printed(
    sym: np.ndarray, module_mm: float, dpi: float, height_mm: float | None = None
) -> np.ndarray:
    """`sym` printed with `module_mm` modules (bars `height_mm` tall) and scanned at
    `dpi`: drawn 16 times finer, then area-averaged, so edges come out grey."""
    if height_mm is not None:
        sym = np.repeat(sym[:1], 16, axis=0)
        out_h = mm(height_mm, dpi)
    else:
        out_h = round(sym.shape[0] * module_mm * dpi / 25.4)
    out_w = round(sym.shape[1] * module_mm * dpi / 25.4)
    fine = cv2.resize(sym, (sym.shape[1] * 16, sym.shape[0] * 16), interpolation=cv2.INTER_NEAREST)
    return cv2.resize(fine, (out_w, out_h), interpolation=cv2.INTER_AREA)


def qr_image(text: str, dpi: float, module_mm: float = 0.8, ec_level: str = "L") -> np.ndarray:
    return printed(symbol(text, QR, ec_level=ec_level), module_mm, dpi)


def code128_image(text: str, dpi: float, module_mm: float = 0.25) -> np.ndarray:
    return printed(symbol(text, CODE128), module_mm, dpi, height_mm=12)


def place(page: np.ndarray, image: np.ndarray, x_mm: float, y_mm: float, dpi: float) -> Box:
    """Print `image` on `page` at (x_mm, y_mm); its box in page pixels."""
    x, y = mm(x_mm, dpi), mm(y_mm, dpi)
    h, w = image.shape
    region = page[y : y + h, x : x + w]
    np.minimum(region, image, out=region)
    return x, y, x + w, y + h


def caption(page: np.ndarray, text: str, x_mm: float, y_mm: float, dpi: float) -> None:
    """A line of text near a code, as receipts print the code in words too."""
    image = Image.fromarray(page)
    font = ImageFont.truetype(str(FONT), round(11 / 72 * dpi))
    ImageDraw.Draw(image).text((mm(x_mm, dpi), mm(y_mm, dpi)), text, font=font, fill=0)
    page[:] = np.asarray(image)


def receipt_page(dpi: float, *, qr: bool = True, code128: bool = True) -> tuple[np.ndarray, list]:
    """A text page with a QR (left) and a Code 128 (right) below the text, each with
    its caption; returns the page and [(kind, text, box)] left to right."""
    page = text_page(dpi)
    placed = []
    if qr:
        box = place(page, qr_image(DOSSIER, dpi), 20, 185, dpi)
        caption(page, f"Mã hồ sơ: {DOSSIER}", 20, 212, dpi)
        placed.append((CodeKind.QR, DOSSIER, box))
    if code128:
        box = place(page, code128_image(DOSSIER, dpi), 100, 190, dpi)
        caption(page, "Quét mã để tra cứu hồ sơ", 110, 206, dpi)
        placed.append((CodeKind.CODE128, DOSSIER, box))
    return page, placed


def smear(page: np.ndarray, box: Box, fraction: float) -> None:
    """Paint an ink blot over `fraction` of the code's area, on its data (away from the
    three finder patterns)."""
    x0, y0, x1, _ = box
    side = x1 - x0
    radius = round(np.sqrt(fraction * side * side / np.pi))
    centre = (x0 + round(0.62 * side), y0 + round(0.62 * side))
    cv2.circle(page, centre, radius, 45, -1)


def jpeg(page: np.ndarray, quality: int) -> np.ndarray:
    ok, data = cv2.imencode(".jpg", page, [cv2.IMWRITE_JPEG_QUALITY, quality])
    assert ok
    return cv2.imdecode(data, cv2.IMREAD_GRAYSCALE)


def moved_box(shape: tuple[int, ...], box: Box, move: Callable[[np.ndarray], np.ndarray]) -> Box:
    """Where `box` ends up when the page is moved by `move` (a page -> page function)."""
    marker = np.full(shape, 255, np.uint8)
    x0, y0, x1, y1 = box
    marker[y0:y1, x0:x1] = 0
    ys, xs = np.nonzero(move(marker) < 128)
    return int(xs.min()), int(ys.min()), int(xs.max()) + 1, int(ys.max()) + 1


def iou(a: Box, b: Box) -> float:
    w = min(a[2], b[2]) - max(a[0], b[0])
    h = min(a[3], b[3]) - max(a[1], b[1])
    if w <= 0 or h <= 0:
        return 0.0
    inter = w * h
    return inter / ((a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter)


def assert_found(codes: tuple[Code, ...], placed: list, min_iou: float = 0.6) -> None:
    assert [(c.kind, c.text, c.readable) for c in codes] == [
        (kind, text, True) for kind, text, _ in placed
    ]
    for code, (_, _, box) in zip(codes, placed, strict=True):
        assert iou(code.bbox, box) >= min_iou, (code.bbox, box)


# -- decoding ------------------------------------------------------------------------------


@pytest.mark.parametrize("dpi", [200, 300])
def test_qr_and_code128_on_a_receipt_decode_exactly(dpi: int) -> None:
    page, placed = receipt_page(dpi)
    before = page.copy()
    codes = read_codes(page, dpi)
    assert_found(codes, placed)
    assert codes[0].text == DOSSIER  # exactly: no check repair needed
    assert np.array_equal(page, before)  # the caller's page is left alone


@pytest.mark.parametrize("dpi", [150, 600])
def test_the_ends_of_the_resolution_range(dpi: int) -> None:
    page, placed = receipt_page(dpi)
    assert_found(read_codes(page, dpi), placed)


def test_small_codes_on_a_600_dpi_scan_are_read_from_the_full_resolution() -> None:
    # 0.15 mm bars and 0.3 mm modules blur away at the 200 dpi first pass.
    dpi = 600
    page = text_page(dpi)
    qr_box = place(page, qr_image(RECEIPT_QR, dpi, module_mm=0.3), 20, 185, dpi)
    bar_box = place(page, code128_image(DOSSIER, dpi, module_mm=0.15), 100, 190, dpi)
    codes = read_codes(page, dpi)
    assert_found(codes, [(CodeKind.QR, RECEIPT_QR, qr_box), (CodeKind.CODE128, DOSSIER, bar_box)])


def test_a_receipt_qr_with_vietnamese_text_comes_back_nfc() -> None:
    dpi = 300
    page = text_page(dpi)
    decomposed = unicodedata.normalize("NFD", RECEIPT_QR)
    assert decomposed != RECEIPT_QR
    place(page, qr_image(decomposed, dpi, module_mm=0.5), 20, 185, dpi)
    (code,) = read_codes(page, dpi)
    assert code.kind is CodeKind.QR and code.readable
    assert code.text == RECEIPT_QR


@pytest.mark.parametrize("correction", [90, 180, 270])
def test_codes_on_a_page_fed_sideways_or_upside_down(correction: int) -> None:
    dpi = 200
    page, placed = receipt_page(dpi)
    turned = fed_rotated(page, correction)
    codes = read_codes(turned, dpi)
    assert sorted((c.kind, c.text, c.readable) for c in codes) == sorted(
        (kind, text, True) for kind, text, _ in placed
    )
    for code in codes:
        box = next(b for k, _, b in placed if k is code.kind)
        expected = moved_box(page.shape, box, lambda p: fed_rotated(p, correction))
        assert iou(code.bbox, expected) >= 0.6


@pytest.mark.parametrize("dpi", [200, 300])
@pytest.mark.parametrize("skew", [-3.0, 3.0])
def test_codes_on_a_skewed_page(dpi: int, skew: float) -> None:
    page, placed = receipt_page(dpi)
    codes = read_codes(skewed(page, skew), dpi)
    moved = [
        (kind, text, moved_box(page.shape, box, lambda p: skewed(p, skew)))
        for kind, text, box in placed
    ]
    assert_found(codes, moved, min_iou=0.5)


@pytest.mark.parametrize("dpi", [200, 300])
def test_codes_through_blur_and_jpeg(dpi: int) -> None:
    page, placed = receipt_page(dpi)
    sigma = 0.12 * dpi / 25.4  # a soft scanner: 0.12 mm
    degraded = jpeg(cv2.GaussianBlur(page, (0, 0), sigma), quality=30)
    assert_found(read_codes(degraded, dpi), placed)


def test_two_codes_side_by_side_come_left_to_right() -> None:
    dpi = 300
    page = text_page(dpi)
    right = place(page, qr_image(OTHER_DOSSIER, dpi), 150, 185, dpi)
    left = place(page, code128_image(DOSSIER, dpi), 20, 190, dpi)
    codes = read_codes(page, dpi)
    assert_found(codes, [(CodeKind.CODE128, DOSSIER, left), (CodeKind.QR, OTHER_DOSSIER, right)])


def test_two_codes_one_above_the_other_come_top_to_bottom() -> None:
    dpi = 200
    page = text_page(dpi)
    bottom = place(page, qr_image(DOSSIER, dpi), 20, 250, dpi)
    top = place(page, code128_image(OTHER_DOSSIER, dpi), 110, 6, dpi)
    codes = read_codes(page, dpi)
    assert_found(codes, [(CodeKind.CODE128, OTHER_DOSSIER, top), (CodeKind.QR, DOSSIER, bottom)])


# -- no code, and codes that cannot be read ------------------------------------------------


def form_page(dpi: float) -> np.ndarray:
    """Text with the things forms carry that look a little like codes: a table, digit
    boxes, ticked boxes (a square in a square, in pairs), dotted leaders, a stamp."""
    page = text_page(dpi)
    image = Image.fromarray(page)
    draw = ImageDraw.Draw(image)
    font = ImageFont.truetype(str(FONT), round(11 / 72 * dpi))
    y = mm(175, dpi)
    for row in range(5):  # a table
        draw.line([(mm(20, dpi), y + mm(8 * row, dpi)), (mm(190, dpi), y + mm(8 * row, dpi))], 0, 3)
    for col in (20, 60, 120, 190):
        draw.line([(mm(col, dpi), y), (mm(col, dpi), y + mm(32, dpi))], 0, 3)
    for row in range(4):
        draw.text((mm(22, dpi), y + mm(8 * row + 1.5, dpi)), f"Dòng {row + 1}", font=font, fill=0)
    y = mm(215, dpi)
    draw.text((mm(20, dpi), y), "Số định danh:", font=font, fill=0)
    for i in range(12):  # digit boxes
        x = mm(60 + 6 * i, dpi)
        draw.rectangle([x, y, x + mm(5.5, dpi), y + mm(6, dpi)], outline=0, width=2)
        draw.text((x + mm(1.3, dpi), y + mm(0.6, dpi)), "079185001234"[i], font=font, fill=0)
    y = mm(228, dpi)
    for i, label in enumerate(("Có", "Không", "Bản chính", "Bản sao")):  # ticked boxes
        x = mm(20 + 40 * i, dpi)
        draw.rectangle([x, y, x + mm(4, dpi), y + mm(4, dpi)], outline=0, width=2)
        draw.rectangle([x + mm(1, dpi), y + mm(1, dpi), x + mm(3, dpi), y + mm(3, dpi)], fill=0)
        draw.text((x + mm(6, dpi), y), label, font=font, fill=0)
    y = mm(240, dpi)
    draw.text((mm(20, dpi), y), "Ghi chú: " + "." * 90, font=font, fill=0)
    centre = (mm(150, dpi), mm(265, dpi))  # a round stamp
    r = mm(18, dpi)
    draw.ellipse([centre[0] - r, centre[1] - r, centre[0] + r, centre[1] + r], outline=90, width=4)
    draw.text((centre[0] - mm(12, dpi), centre[1] - mm(2, dpi)), "UBND PHƯỜNG", font=font, fill=90)
    return np.asarray(image, dtype=np.uint8).copy()


@pytest.mark.parametrize("dpi", [150, 200, 300])
def test_a_form_without_a_code_has_none(dpi: int) -> None:
    assert read_codes(form_page(dpi), dpi) == ()
    assert read_codes(text_page(dpi), dpi) == ()


@pytest.mark.parametrize("dpi", [200, 300])
@pytest.mark.parametrize("fraction", [0.15, 0.3])
def test_a_smeared_qr_is_reported_unreadable(dpi: int, fraction: float) -> None:
    page, placed = receipt_page(dpi, code128=False)
    box = placed[0][2]
    smear(page, box, fraction)
    (code,) = read_codes(page, dpi)
    assert code == Code(CodeKind.QR, "", code.bbox, readable=False)
    assert iou(code.bbox, box) >= 0.7


def test_a_smeared_receipt_qr_sideways_is_reported_unreadable() -> None:
    dpi = 300
    page = text_page(dpi)
    box = place(page, qr_image(RECEIPT_QR, dpi, module_mm=0.5), 20, 185, dpi)
    smear(page, box, 0.3)
    codes = read_codes(fed_rotated(page, 90), dpi)
    assert [(c.kind, c.readable) for c in codes] == [(CodeKind.QR, False)]


def test_a_smeared_qr_next_to_a_good_code128_both_come_back() -> None:
    dpi = 300
    page, placed = receipt_page(dpi)
    smear(page, placed[0][2], 0.3)
    codes = read_codes(page, dpi)
    assert [(c.kind, c.text, c.readable) for c in codes] == [
        (CodeKind.QR, "", False),
        (CodeKind.CODE128, DOSSIER, True),
    ]


@pytest.mark.parametrize("dpi", [200, 300])
def test_a_qr_with_its_corner_torn_off_is_reported_unreadable(dpi: int) -> None:
    # No finder pattern survives whole: the alignment pattern amid modules tells it.
    page = text_page(dpi)
    x0, y0, x1, y1 = place(page, qr_image(DOSSIER, dpi, 0.6, ec_level="M"), 20, 185, dpi)
    ys, xs = np.ogrid[: page.shape[0], : page.shape[1]]
    page[(xs - x0) + (ys - y0) < 1.05 * (x1 - x0)] = 255  # paper gone, border whitened
    codes = read_codes(page, dpi)
    assert [(c.kind, c.text, c.readable) for c in codes] == [(CodeKind.QR, "", False)]
    bx0, by0, bx1, by1 = codes[0].bbox
    assert x0 - mm(2, dpi) <= bx0 and by0 >= y0 - mm(2, dpi)
    assert abs(bx1 - x1) <= mm(2, dpi) and abs(by1 - y1) <= mm(2, dpi)


def _alignment_amid_dark_modules(count: int) -> list[str]:
    """Dossier codes whose QR (version 2, level M) has two dark data modules in a row
    beside its alignment pattern's ring on two sides or more, so that the ring reads
    as a run of three modules there: as many as `count`, by sequence number."""
    found = []
    for number in range(1, 5000):
        code = f"000.00.{number % 90 + 10}.H63-2311{number % 28 + 1:02d}-{number:04d}"
        dark = symbol(code, QR, ec_level="M") < 128
        if dark.shape != (25, 25):
            continue
        beside = (
            dark[18, 21] and dark[18, 22],
            dark[18, 15] and dark[18, 14],
            dark[21, 18] and dark[22, 18],
            dark[15, 18] and dark[14, 18],
        )
        if sum(beside) >= 2:
            found.append(code)
        if len(found) == count:
            break
    return found


@pytest.mark.parametrize("code", _alignment_amid_dark_modules(3))
def test_a_torn_qr_whose_alignment_pattern_touches_dark_modules(code: str) -> None:
    # An alignment pattern has no light separator around its ring (a finder pattern
    # has): dark data modules beside it must not hide it.
    dpi = 200
    page = text_page(dpi)
    x0, y0, x1, _ = place(page, qr_image(code, dpi, 0.6, ec_level="M"), 20, 185, dpi)
    ys, xs = np.ogrid[: page.shape[0], : page.shape[1]]
    page[(xs - x0) + (ys - y0) < 1.05 * (x1 - x0)] = 255
    codes = read_codes(page, dpi)
    assert [(c.kind, c.text, c.readable) for c in codes] == [(CodeKind.QR, "", False)]


def test_a_torn_receipt_on_a_dark_lid_keeps_its_unreadable_qr_through_the_pipeline() -> None:
    # The lid shows black where the corner is gone; border cleaning whitens it and the
    # modules touching it, leaving the QR's far corner with its alignment pattern.
    dpi = 200
    (code,) = _alignment_amid_dark_modules(1)
    page = text_page(dpi)
    x0, y0, x1, _ = place(page, qr_image(code, dpi, 0.6, ec_level="M"), 12, 12, dpi)
    ys, xs = np.ogrid[: page.shape[0], : page.shape[1]]
    page[(xs - x0) + (ys - y0) < 1.0 * (x1 - x0)] = 0
    scanned = ScannedPage(skewed(page, -1.5), float(dpi), False, ColourMode.GREY)
    prepared = prepare_page(scanned, PipelineOptions())
    assert [(c.kind, c.readable) for c in prepared.codes] == [(CodeKind.QR, False)]


def test_a_qr_with_a_finder_pattern_blotted_out_is_reported_unreadable() -> None:
    # Two finder patterns left, on a diagonal.
    dpi = 250
    page = text_page(dpi)
    box = place(page, qr_image(DOSSIER, dpi, 0.6, ec_level="M"), 20, 185, dpi)
    x0, y0, x1, _ = box
    side = x1 - x0
    cv2.rectangle(page, (x0, y0), (x0 + side // 2, y0 + side // 2), 50, -1)
    codes = read_codes(page, dpi)
    assert [(c.kind, c.text, c.readable) for c in codes] == [(CodeKind.QR, "", False)]
    assert iou(codes[0].bbox, box) >= 0.7


def test_bars_cut_through_are_reported_unreadable() -> None:
    dpi = 300
    page, placed = receipt_page(dpi, qr=False)
    x0, y0, x1, y1 = placed[0][2]
    third = (x1 - x0) // 3
    page[y0:y1, x0 + third : x0 + 2 * third : 7] = 0  # extra bars drawn over the middle
    page[y0:y1, x0 + third + 3 : x0 + 2 * third : 11] = 255
    codes = read_codes(page, dpi)
    assert len(codes) == 1
    assert not codes[0].readable and codes[0].text == ""
    assert iou(codes[0].bbox, placed[0][2]) >= 0.5


# -- odd input -----------------------------------------------------------------------------


def test_a_blank_page_is_fast() -> None:
    dpi = 600
    page = np.full(a4_size(dpi)[::-1], 250, np.uint8)
    read_codes(page, dpi)
    start = time.perf_counter()
    assert read_codes(page, dpi) == ()
    # A guard against pathological slowness, not a benchmark (see bench/codes_speed.py).
    assert time.perf_counter() - start < 2.0


@pytest.mark.parametrize(
    "image",
    [
        np.zeros((1, 1), np.uint8),
        np.zeros((5, 3000), np.uint8),
        np.zeros((1754, 1240), np.uint8),
        np.random.default_rng(7).integers(0, 256, (1200, 900), dtype=np.uint8),
        np.asfortranarray(text_page(150)),
        text_page(150)[::-1, ::2],
    ],
    ids=["pixel", "strip", "black", "noise", "fortran", "strided"],
)
def test_odd_images_give_a_tuple_never_an_exception(image: np.ndarray) -> None:
    assert isinstance(read_codes(image, 150), tuple)


@pytest.mark.parametrize(
    ("image", "dpi"),
    [
        (np.zeros((10, 10, 3), np.uint8), 300),
        (np.zeros((10, 10), np.float32), 300),
        (np.zeros((0, 10), np.uint8), 300),
        ([[0, 255]], 300),
        (np.zeros((10, 10), np.uint8), 0),
        (np.zeros((10, 10), np.uint8), float("nan")),
        (np.zeros((10, 10), np.uint8), "300"),
        (np.zeros((10, 10), np.uint8), True),
    ],
)
def test_wrong_input_raises_value_error(image: object, dpi: object) -> None:
    with pytest.raises(ValueError):
        read_codes(image, dpi)  # type: ignore[arg-type]
