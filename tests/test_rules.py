"""Ruled lines and boxes leave the OCR image; the text beside and inside them stays.

The real CT01 (TT 66/2023/TT-BCA) puts "4. Số định danh cá nhân:" beside a grid of 12
boxes; with the boxes in the image Tesseract returned neither the label nor the digits.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import cv2
import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont

from digitize.imaging.rules import erase_rules
from tests.synthetic import FONT

DPI = 200
REAL_CT01 = Path(__file__).resolve().parents[2] / "shared" / "real-forms" / "pdf" / "ct01.pdf"


def _grid_page() -> tuple[np.ndarray, list[tuple[int, int, int, int]], tuple[int, int, int, int]]:
    """A label, a 12-box grid with a digit in each box, an underlined word."""
    image = Image.new("L", (1400, 400), 255)
    draw = ImageDraw.Draw(image)
    font = ImageFont.truetype(str(FONT), 36)
    draw.text((40, 60), "4. Số định danh cá nhân:", font=font, fill=0)
    boxes = []
    for i in range(12):
        x0, y0 = 600 + i * 62, 40
        draw.rectangle((x0, y0, x0 + 62, y0 + 80), outline=0, width=3)
        draw.text((x0 + 31, y0 + 40), str(i % 10), font=font, fill=0, anchor="mm")
        boxes.append((x0, y0, x0 + 62, y0 + 80))
    draw.text((40, 250), "Hộ kinh doanh", font=font, fill=0)
    underline = (40, 300, 700, 303)
    draw.rectangle(underline, fill=0)
    return np.asarray(image).copy(), boxes, underline


def test_boxes_and_rules_go_digits_and_letters_stay() -> None:
    page, boxes, underline = _grid_page()
    label_ink = int((page[40:120, 40:560] < 128).sum())
    word_ink = int((page[240:296, 40:700] < 128).sum())
    assert erase_rules(page, DPI) > 0
    for x0, y0, x1, y1 in boxes:
        # The box's sides are gone, its digit is not.
        assert (page[y0 : y0 + 3, x0 + 10 : x1 - 10] > 128).all()
        assert (page[y0 + 10 : y1 - 10, x0 : x0 + 3] > 128).all()
        assert (page[y0 + 15 : y1 - 15, x0 + 12 : x1 - 12] < 128).any()
    x0, y0, x1, y1 = underline
    assert (page[y0 : y1 + 1, x0:x1] > 128).mean() > 0.95
    # Letters beside and above the rules keep (nearly) all their ink.
    assert int((page[40:120, 40:560] < 128).sum()) == label_ink
    assert int((page[240:296, 40:700] < 128).sum()) >= 0.97 * word_ink


def _turned(page: np.ndarray, degrees: float) -> np.ndarray:
    height, width = page.shape
    matrix = cv2.getRotationMatrix2D((width / 2, height / 2), degrees, 1.0)
    return cv2.warpAffine(page, matrix, (width, height), borderValue=255)


@pytest.mark.parametrize("degrees", [1.2, 0.4])
def test_a_straightened_grid_goes_without_its_ragged_edges(degrees: float) -> None:
    """A scan skewed, straightened and thresholded again has rules ragged by a pixel;
    what the straight core left behind read as "TT", "¬" and "|" (CT01, 200 dpi)."""
    page, boxes, _ = _grid_page()
    blurred = cv2.GaussianBlur(_turned(_turned(page, degrees), -degrees), (3, 3), 0)
    page = np.where(blurred < 160, 0, 255).astype(np.uint8)
    label_ink = int((page[40:120, 40:560] < 128).sum())
    erase_rules(page, DPI)
    x0, y0, x1, y1 = boxes[0][0], boxes[0][1], boxes[-1][2], boxes[-1][3]
    for x in sorted({b[0] for b in boxes} | {x1}):  # the sides, away from the digits
        assert (page[y0 - 3 : y1 + 4, x - 3 : x + 4] > 128).all()
    for y in (y0, y1):
        assert (page[y - 3 : y + 4, x0 - 3 : x1 + 4] > 128).all()
    for bx0, by0, bx1, by1 in boxes:
        assert (page[by0 + 15 : by1 - 15, bx0 + 12 : bx1 - 12] < 128).any()  # its digit
    assert int((page[40:120, 40:560] < 128).sum()) == label_ink


def test_a_signature_of_loops_is_no_rule() -> None:
    """The tops of a signature's loops, side by side, run along one row give or take a
    pixel; erased as a rule, Tesseract read what was left with the name under it as
    "ta)" and lost the name (the generated stack's signed pages)."""
    image = Image.new("L", (900, 300), 255)
    draw = ImageDraw.Draw(image)
    for i in range(7):
        x = 100 + i * 45
        draw.ellipse((x, 60 + (i % 2), x + 110, 150 + 3 * i), outline=0, width=2)
    draw.text((120, 200), "Nguyễn Gia Cường", font=ImageFont.truetype(str(FONT), 36), fill=0)
    page = np.asarray(image).copy()
    before = page.copy()
    erase_rules(page, DPI)
    assert np.array_equal(page, before)


def test_a_dashed_cell_border_goes() -> None:
    """TT 04/2020 forms draw the value cells' borders as thin dashes, which Tesseract
    reads as rows of letters."""
    image = Image.new("L", (1400, 200), 255)
    draw = ImageDraw.Draw(image)
    font = ImageFont.truetype(str(FONT), 36)
    draw.text((40, 40), "Nơi thường trú: Số 98, ngõ 141, phố Nguyễn Văn Cừ", font=font, fill=0)
    for x in range(40, 1360, 41):  # 0.8 mm dashes every 5 mm at 200 dpi
        draw.rectangle((x, 120, x + 6, 120), fill=0)
    page = np.asarray(image).copy()
    text_ink = int((page[30:100] < 128).sum())
    erase_rules(page, DPI)
    assert (page[115:125] < 128).sum() <= 7  # the row's last dash may stay
    assert int((page[30:100] < 128).sum()) == text_ink


def test_a_page_of_text_alone_is_untouched() -> None:
    image = Image.new("L", (1200, 300), 255)
    draw = ImageDraw.Draw(image)
    font = ImageFont.truetype(str(FONT), 40)
    draw.text((40, 40), "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", font=font, fill=0)
    draw.text((40, 140), "lllllll IIIIIII ||||| —————", font=font, fill=0)
    page = np.asarray(image).copy()
    before = page.copy()
    erase_rules(page, DPI)
    changed = (page != before).sum()
    # At most the long dash run (a rule of its own) goes; every letter stays.
    assert (page[40:120] == before[40:120]).all()
    assert changed < 0.4 * (before[140:220] < 128).sum()


@pytest.mark.slow
@pytest.mark.skipif(not REAL_CT01.is_file(), reason="../shared/real-forms not present")
def test_real_ct01_id_labels_beside_the_grids_are_read(tmp_path: Path) -> None:
    from cli.main import main

    subprocess.run(
        ["pdftoppm", "-r", "200", "-gray", "-png", "-f", "1", "-l", "1", str(REAL_CT01),
         str(tmp_path / "ct01")],
        check=True,
        timeout=60,
    )  # fmt: skip
    (scan,) = tmp_path.glob("ct01*.png")
    assert main(["process", str(scan), "--out", str(tmp_path / "out"), "--quiet"]) == 0
    result = json.loads((tmp_path / "out" / f"{scan.stem}.json").read_text(encoding="utf-8"))
    text = result["pages"][0]["text"]
    assert "Số định danh cá nhân:" in text
    assert "Số định danh cá nhân của chủ hộ" in text
