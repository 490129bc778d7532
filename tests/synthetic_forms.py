"""Synthetic form pages that have fooled orientation and skew (issue 14): text in a
thin frame, tables, check boxes, round stamps, grey gradients, sparse pages, pages of
dotted leaders only, pages of signature blocks only. Upright A4, uint8 grey."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from tests.synthetic import FONT, LINES, a4_size

BOLD = FONT.with_name("DejaVuSerif-Bold.ttf")


def _font(dpi: float, points: float, bold: bool = False) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(
        str(BOLD if bold and BOLD.exists() else FONT), round(points / 72 * dpi)
    )


def _canvas(dpi: float) -> tuple[Image.Image, ImageDraw.ImageDraw]:
    page = Image.new("L", a4_size(dpi), 255)
    return page, ImageDraw.Draw(page)


def _lines(
    draw: ImageDraw.ImageDraw,
    dpi: float,
    lines: tuple[str, ...],
    x_in: float,
    y_in: float,
    points: float = 12,
    step: float = 1.8,
) -> float:
    font = _font(dpi, points)
    y = y_in * dpi
    for line in lines:
        draw.text((x_in * dpi, y), line, font=font, fill=0)
        y += points / 72 * dpi * step
    return y / dpi


def _stamp(draw: ImageDraw.ImageDraw, dpi: float, cx_in: float, cy_in: float) -> None:
    """A round seal: two rings and a star, a little text across its middle."""
    r = 0.75 * dpi
    cx, cy = cx_in * dpi, cy_in * dpi
    width = max(2, round(dpi / 60))
    draw.ellipse((cx - r, cy - r, cx + r, cy + r), outline=90, width=width)
    r2 = r * 0.72
    draw.ellipse((cx - r2, cy - r2, cx + r2, cy + r2), outline=90, width=max(1, width // 2))
    font = _font(dpi, 7, bold=True)
    draw.text((cx - 0.42 * dpi, cy - 0.05 * dpi), "ỦY BAN NHÂN DÂN", font=font, fill=90)
    # Letters around the ring, each turned along it, as seals are cut.
    text = "PHƯỜNG BẾN NGHÉ * QUẬN 1 * "
    for i, ch in enumerate(text):
        angle = 2 * np.pi * i / len(text)
        x, y = cx + 0.86 * r * np.sin(angle), cy - 0.86 * r * np.cos(angle)
        glyph = Image.new("L", (round(0.12 * dpi), round(0.12 * dpi)), 0)
        ImageDraw.Draw(glyph).text((0, 0), ch, font=font, fill=255)
        turned = glyph.rotate(-np.degrees(angle), expand=True)
        draw.bitmap((round(x - turned.width / 2), round(y - turned.height / 2)), turned, fill=90)


def _gradient(page: Image.Image, dpi: float, box_in: tuple[float, float, float, float]) -> None:
    """A grey band darkening left to right, as scanned photos and shaded headers are."""
    x0, y0, x1, y1 = (round(v * dpi) for v in box_in)
    ramp = np.linspace(245, 150, x1 - x0, dtype=np.float32)
    band = np.repeat(ramp[None, :], y1 - y0, axis=0).astype(np.uint8)
    pixels = np.asarray(page).copy()
    pixels[y0:y1, x0:x1] = np.minimum(pixels[y0:y1, x0:x1], band)
    page.paste(Image.fromarray(pixels))


def framed_form(dpi: float) -> np.ndarray:
    """The reported page: typed form in a thin frame, a round stamp, a grey gradient."""
    page, draw = _canvas(dpi)
    w, h = a4_size(dpi)
    m = round(0.5 * dpi)
    draw.rectangle((m, m, w - m, h - m), outline=0, width=max(1, round(dpi / 150)))
    _gradient(page, dpi, (0.7, 0.7, 7.6, 1.5))
    draw = ImageDraw.Draw(page)
    _lines(draw, dpi, LINES[:3], 1.0, 0.85, points=13)
    _lines(draw, dpi, LINES[3:], 1.0, 2.2)
    _stamp(draw, dpi, 5.6, 9.6)
    return np.asarray(page).copy()


def table_form(dpi: float) -> np.ndarray:
    page, draw = _canvas(dpi)
    y = _lines(draw, dpi, LINES[:4], 0.9, 0.9)
    cols = [0.8, 1.4, 4.2, 5.6, 7.4]
    rows = [y + 0.2 + 0.4 * i for i in range(9)]
    line = max(1, round(dpi / 150))
    for r in rows:
        draw.line((cols[0] * dpi, r * dpi, cols[-1] * dpi, r * dpi), fill=0, width=line)
    for c in cols:
        draw.line((c * dpi, rows[0] * dpi, c * dpi, rows[-1] * dpi), fill=0, width=line)
    font = _font(dpi, 10)
    heads = ("TT", "Họ và tên", "Ngày sinh", "Quan hệ với chủ hộ")
    for i, r in enumerate(rows[:-1]):
        cells = heads if i == 0 else (str(i), f"Nguyễn Văn Thành {i}", f"0{i}/05/198{i}", "con đẻ")
        for c, text in zip(cols, cells, strict=False):
            draw.text(((c + 0.08) * dpi, (r + 0.1) * dpi), text, font=font, fill=0)
    _lines(draw, dpi, LINES[12:], 0.9, rows[-1] + 0.3)
    return np.asarray(page).copy()


def boxes_form(dpi: float) -> np.ndarray:
    """Check boxes and digit grids beside their labels."""
    page, draw = _canvas(dpi)
    _lines(draw, dpi, LINES[:3], 0.9, 0.9)
    font = _font(dpi, 12)
    y = 2.4
    side = 0.22 * dpi
    for label in ("Số định danh cá nhân:", "Số điện thoại:", "Mã hồ sơ:"):
        draw.text((0.9 * dpi, y * dpi), label, font=font, fill=0)
        for k in range(12):
            x = (3.3 + 0.25 * k) * dpi
            draw.rectangle((x, y * dpi, x + side, y * dpi + side), outline=0, width=2)
        y += 0.6
    for label in ("Thường trú", "Tạm trú", "Lưu trú", "Khai báo tạm vắng"):
        draw.rectangle((0.9 * dpi, y * dpi, 0.9 * dpi + side, y * dpi + side), outline=0, width=2)
        draw.text((1.3 * dpi, y * dpi), label, font=font, fill=0)
        y += 0.45
    return np.asarray(page).copy()


def stamp_page(dpi: float) -> np.ndarray:
    page, draw = _canvas(dpi)
    _lines(draw, dpi, LINES[:2], 2.0, 0.9)
    _lines(draw, dpi, LINES[13:16], 0.9, 2.0)
    _stamp(draw, dpi, 5.8, 4.3)
    _stamp(draw, dpi, 2.2, 7.0)
    return np.asarray(page).copy()


def gradient_page(dpi: float) -> np.ndarray:
    page, _ = _canvas(dpi)
    _gradient(page, dpi, (0.0, 0.0, 8.27, 11.69))
    _lines(ImageDraw.Draw(page), dpi, LINES, 0.9, 1.0)
    return np.asarray(page).copy()


def sparse_page(dpi: float) -> np.ndarray:
    page, draw = _canvas(dpi)
    _lines(draw, dpi, ("Kính gửi: Ủy ban nhân dân phường Bến Nghé",), 1.0, 1.2)
    _lines(draw, dpi, ("Trang 2/3",), 3.8, 10.8, points=10)
    return np.asarray(page).copy()


def leader_page(dpi: float) -> np.ndarray:
    """Labels followed by dotted leaders, and a table stub: CT07's second page."""
    page, draw = _canvas(dpi)
    font = _font(dpi, 12)
    y = 1.0
    for label in (
        "Họ, chữ đệm và tên:",
        "Ngày, tháng, năm sinh:",
        "Nơi thường trú:",
        "",
        "Nơi ở hiện tại:",
        "",
        "Nghề nghiệp:",
        "Ghi chú:",
    ):
        x = 0.9 * dpi
        if label:
            draw.text((x, y * dpi), label, font=font, fill=0)
            x += draw.textlength(label, font=font) + 0.1 * dpi
        while x < 7.4 * dpi:
            draw.text((x, y * dpi), ".", font=font, fill=0)
            x += 0.06 * dpi
        y += 0.45
    line = max(1, round(dpi / 150))
    for c in (0.8, 2.0, 4.5, 7.4):
        draw.line((c * dpi, (y + 0.2) * dpi, c * dpi, (y + 1.0) * dpi), fill=0, width=line)
    draw.line((0.8 * dpi, (y + 0.2) * dpi, 7.4 * dpi, (y + 0.2) * dpi), fill=0, width=line)
    draw.line((0.8 * dpi, (y + 0.6) * dpi, 7.4 * dpi, (y + 0.6) * dpi), fill=0, width=line)
    draw.text((0.9 * dpi, (y + 0.28) * dpi), "TT", font=_font(dpi, 10), fill=0)
    draw.text((2.1 * dpi, (y + 0.28) * dpi), "Họ và tên", font=_font(dpi, 10), fill=0)
    return np.asarray(page).copy()


def signature_page(dpi: float) -> np.ndarray:
    """Only signature blocks: titles, "(Ký, ghi rõ họ tên)", a scrawl, a name."""
    page, draw = _canvas(dpi)
    rng = np.random.default_rng(7)
    for cx, title in ((2.0, "NGƯỜI KÊ KHAI"), (6.0, "CÁN BỘ TIẾP NHẬN")):
        draw.text(((cx - 0.8) * dpi, 1.2 * dpi), title, font=_font(dpi, 12, bold=True), fill=0)
        draw.text(
            ((cx - 0.75) * dpi, 1.5 * dpi), "(Ký, ghi rõ họ tên)", font=_font(dpi, 11), fill=0
        )
        points = [
            (
                (cx - 0.7 + 0.07 * k) * dpi,
                (2.3 + 0.15 * np.sin(k * 1.3) + 0.05 * rng.standard_normal()) * dpi,
            )
            for k in range(22)
        ]
        draw.line(points, fill=0, width=max(2, round(dpi / 100)))
        draw.text(
            ((cx - 0.7) * dpi, 2.9 * dpi), "Nguyễn Văn Bình", font=_font(dpi, 12, bold=True), fill=0
        )
    return np.asarray(page).copy()


PAGES: dict[str, Callable[[float], np.ndarray]] = {
    "frame": framed_form,
    "table": table_form,
    "boxes": boxes_form,
    "stamp": stamp_page,
    "gradient": gradient_page,
    "sparse": sparse_page,
    "leaders": leader_page,
    "signatures": signature_page,
}
