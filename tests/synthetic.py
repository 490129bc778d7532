"""Synthetic pages for unit tests: Vietnamese text drawn with Pillow, exact geometry known."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFont

FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf")

LINES = (
    "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
    "Độc lập - Tự do - Hạnh phúc",
    "TỜ KHAI ĐĂNG KÝ KHAI SINH",
    "Kính gửi: Ủy ban nhân dân phường Bến Nghé, quận 1",
    "Họ, chữ đệm, tên người yêu cầu: Nguyễn Thị Ngọc Ánh",
    "Ngày, tháng, năm sinh: 12/03/1985. Giới tính: Nữ",
    "Nơi cư trú: số 15 đường Trần Hưng Đạo, phường Bến Nghé",
    "Giấy tờ tùy thân: Căn cước công dân số 079185001234",
    "Quan hệ với người được khai sinh: mẹ đẻ của cháu bé",
    "Đề nghị cơ quan đăng ký khai sinh cho người dưới đây:",
    "Họ, chữ đệm, tên: Phạm Quỳnh Hương. Dân tộc: Kinh",
    "Nơi sinh: Bệnh viện Từ Dũ, thành phố Hồ Chí Minh",
    "Quê quán: xã Nghĩa Hưng, huyện Nghĩa Đàn, tỉnh Nghệ An",
    "Tôi cam đoan những nội dung khai trên đây là đúng sự thật",
    "và chịu trách nhiệm trước pháp luật về lời cam đoan của mình.",
    "Làm tại: thành phố Hồ Chí Minh, ngày 15 tháng 01 năm 2024",
)


def a4_size(dpi: float) -> tuple[int, int]:
    return round(8.27 * dpi), round(11.69 * dpi)


def text_page(
    dpi: float = 150, lines: tuple[str, ...] = LINES, point_size: float = 13
) -> np.ndarray:
    """A white A4 page with `lines` of body text, as a uint8 grey array."""
    width, height = a4_size(dpi)
    page = Image.new("L", (width, height), 255)
    draw = ImageDraw.Draw(page)
    font = ImageFont.truetype(str(FONT), round(point_size / 72 * dpi))
    x, y = round(0.8 * dpi), round(1.0 * dpi)
    for line in lines:
        draw.text((x, y), line, font=font, fill=0)
        y += round(point_size / 72 * dpi * 1.9)
    return np.asarray(page, dtype=np.uint8).copy()


def skewed(page: np.ndarray, skew_deg: float) -> np.ndarray:
    """Content turned counter-clockwise by `skew_deg`, so lines rise to the right."""
    image = Image.fromarray(page).rotate(skew_deg, resample=Image.Resampling.BICUBIC, fillcolor=255)
    return np.asarray(image, dtype=np.uint8).copy()


def fed_rotated(page: np.ndarray, correction: int) -> np.ndarray:
    """The page as fed so that turning it `correction` degrees clockwise makes it upright."""
    return np.ascontiguousarray(np.rot90(page, k=correction // 90))
