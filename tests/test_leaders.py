"""Dotted leaders leave the OCR image and come back as dots in the text; marks never go.

Decided here: a run needs MIN_RUN (5) evenly spaced dots, so an ellipsis ("...") in a
sentence, full stops, decimal points and every Vietnamese mark stay in the image. Five
or more dots in a row with nothing after them on their line go; the text gets them back.
Leaders between two fields ("Nam...... Dân tộc") stay, and so does a longer ellipsis
inside a sentence.
"""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont

from digitize.imaging.geometry import PageGeometry
from digitize.imaging.leaders import MIN_RUN, Leader, erase_leaders, restore_leaders
from digitize.pipeline import PreparedPage, ocr_input, recognise
from digitize.results import ColourMode, Line, OcrText, Word
from tests.synthetic import FONT, a4_size

SANS = Path("/usr/share/fonts/truetype/liberation2/LiberationSerif-Regular.ttf")
FONTS = [FONT, SANS] if SANS.exists() else [FONT]

# Lines that must come through untouched: dots below, dots of i and j, tone marks,
# full stops, decimal points, an ellipsis, dots below in a row under letters in a row.
KEPT = (
    "ạ ặ ậ ẹ ệ ị ọ ộ ợ ụ ự ỵ Ạ Ặ Ậ Ẹ Ệ Ị Ọ Ộ Ợ Ụ Ự Ỵ",
    "ạạạạạạạạạạ ịịịịịịịịịị ọọọọọọọọọọ ụụụụụụụụụụ ỵỵỵỵỵỵỵỵỵ",
    "iiiiiiiiiiii jjjjjjjjjj ïïïïïïï íìỉĩị iịiịiịiịiị",
    "Phạm Thị Ngọc Diệp, Bệnh viện Đại học Y Hà Nội, Nguyễn Văn Lộc.",
    "Diện tích: 130.6 m2; giá 1.250.000.000 đồng; ngày 12.03.1985.",
    "Chờ một chút... rồi đi tiếp... và cứ thế... mãi. A. B. C. D. E. F.",
    "Số: 01/2024/QĐ-UBND. Điều 1. Khoản 2. Mục 3.",
    "Anh ấy chờ mãi..... rồi về. Giới tính: Nam...... Dân tộc: Kinh",
)


def draw_page(
    dpi: int, lines: tuple[str, ...], font_path: Path = FONT, point_size: float = 12
) -> tuple[np.ndarray, list[tuple[int, int, int, int]]]:
    """Black-and-white page (ink 0, paper 255) and the box of every run of 5+ dots drawn
    at the end of its line."""
    width, height = a4_size(dpi)
    page = Image.new("L", (width, height), 255)
    draw = ImageDraw.Draw(page)
    font = ImageFont.truetype(str(font_path), round(point_size / 72 * dpi))
    x, y = round(0.8 * dpi), round(1.0 * dpi)
    boxes = []
    for line in lines:
        draw.text((x, y), line, font=font, fill=0)
        start = 0
        while (start := line.find("." * MIN_RUN, start)) >= 0:
            end = start
            while end < len(line) and line[end] == ".":
                end += 1
            left = x + draw.textlength(line[:start], font=font)
            right = x + draw.textlength(line[:end], font=font)
            if not line[end:].strip():
                boxes.append((int(left), y, int(right) + 1, y + round(point_size / 72 * dpi * 1.3)))
            start = end
        y += round(point_size / 72 * dpi * 1.9)
    grey = np.asarray(page, dtype=np.uint8)
    return np.where(grey < 128, 0, 255).astype(np.uint8), boxes


def removed(before: np.ndarray, after: np.ndarray) -> np.ndarray:
    return (before == 0) & (after == 255)


def components(mask: np.ndarray) -> int:
    return cv2.connectedComponents(mask.astype(np.uint8), connectivity=8)[0] - 1


@pytest.mark.parametrize("font_path", FONTS, ids=lambda p: p.stem)
@pytest.mark.parametrize(("dpi", "point_size"), [(200, 10), (200, 13), (300, 9), (300, 12)])
def test_leaders_are_erased_and_nothing_else(font_path: Path, dpi: int, point_size: float) -> None:
    lines = (
        "Họ và tên: NGUYỄN VĂN AN...............",
        "Giới tính: Nam...... Dân tộc: Kinh...... Quốc tịch: Việt Nam...............",
        "Nơi tạm trú: ...............",
        "Họ, chữ đệm, tên người yêu cầu:...............",  # the colon's dot stays
        "Quan hệ với người được khai sinh: Mẹ...............",
        "Nội dung khác: ............................................................",
        *KEPT,
    )
    page, boxes = draw_page(dpi, lines, font_path, point_size)
    before = page.copy()
    leaders = erase_leaders(page, dpi)
    gone = removed(before, page)
    expected = np.zeros_like(gone)
    for x0, y0, x1, y1 in boxes:
        expected[y0:y1, x0:x1] = True
        assert not (page[y0:y1, x0:x1] == 0).any(), "a leader was left in the image"
    assert not (gone & ~expected).any(), "ink outside the leaders was erased"
    assert len(leaders) == len(boxes)
    assert sum(leader.dots for leader in leaders) == components(gone)
    # Only what was drawn as dots changed: the page equals itself with the dots whitened.
    assert ((before == 0) & ~expected).sum() == ((page == 0) & ~expected).sum()


@pytest.mark.parametrize("font_path", FONTS, ids=lambda p: p.stem)
@pytest.mark.parametrize(("dpi", "point_size"), [(200, 9), (200, 13), (300, 9), (300, 14)])
def test_marks_points_and_short_ellipses_stay(font_path: Path, dpi: int, point_size: float) -> None:
    page, boxes = draw_page(dpi, KEPT * 2, font_path, point_size)
    assert boxes == []
    before = page.copy()
    assert erase_leaders(page, dpi) == []
    assert np.array_equal(page, before)


def test_four_dots_stay_five_go() -> None:
    page, _ = draw_page(300, ("Họ và tên: AN, Nam....", "Họ và tên: AN, Nam.....") * 10)
    leaders = erase_leaders(page, 300)
    assert len(leaders) == 10
    assert {leader.dots for leader in leaders} == {5}


def test_unevenly_spaced_dots_are_not_a_leader() -> None:
    page = np.full((600, 1600), 255, np.uint8)
    rng = np.random.default_rng(1)
    # Letters so the page has a letter height: 40 bars of a capital's size.
    for i in range(40):
        page[100:130, 100 + i * 35 : 106 + i * 35] = 0
    x = 100
    for _ in range(12):  # dot-sized specks along a line, at random spacings
        page[400:406, x : x + 6] = 0
        x += int(rng.choice([9, 30, 14, 45]))
    before = page.copy()
    assert erase_leaders(page, 300) == []
    assert np.array_equal(page, before)


def test_pages_without_text_are_left_alone() -> None:
    empty = np.full((3508, 2480), 255, np.uint8)
    assert erase_leaders(empty, 300) == []
    dots_only = empty.copy()
    for i in range(20):  # dots but no letters: no letter height to judge them by
        dots_only[1000:1006, 300 + 16 * i : 306 + 16 * i] = 0
    assert erase_leaders(dots_only, 300) == []


def word(text: str, x0: int, x1: int, y0: int = 100, y1: int = 130, c: float = 0.9) -> Word:
    return Word(text, (x0, y0, x1, y1), c)


def test_restored_leaders_join_their_word_or_stand_alone() -> None:
    text = OcrText(
        (
            Line(
                (word("tên:", 0, 80), word("AN", 95, 140), word("Dân", 400, 470)),
                (0, 100, 470, 130),
            ),
            Line(
                (word("Nơi", 0, 60, 200, 230), word("trú:", 70, 130, 200, 230, 0.5)),
                (0, 200, 130, 230),
                0,
            ),
        ),
        engine="test",
    )
    leaders = [
        Leader((142, 122, 240, 128), 10),  # right after "AN": typed onto it
        Leader((150, 222, 300, 228), 15),  # after "trú: ": a word of its own
        Leader((0, 322, 500, 328), 50),  # alone on its line
    ]
    restored = restore_leaders(text, leaders)
    assert [line.text for line in restored.lines] == [
        "tên: AN.......... Dân",
        "Nơi trú: " + "." * 15,
        "." * 50,
    ]
    joined = restored.lines[0].words[1]
    assert joined.bbox == (95, 100, 240, 130) and joined.confidence == 0.9
    alone = restored.lines[1].words[2]
    assert alone.bbox == (150, 222, 300, 228) and alone.confidence == pytest.approx(0.7)
    assert restored.lines[1].bbox == (0, 200, 300, 230)
    assert restored.engine == "test"
    assert restore_leaders(text, []) is text


def test_what_ocr_read_over_a_leader_without_letters_goes() -> None:
    words = (word("Nam", 0, 60), word("—", 150, 170), word("'", 200, 204), word("Kinh", 400, 470))
    text = OcrText((Line(words, (0, 100, 470, 130)),))
    restored = restore_leaders(text, [Leader((80, 122, 260, 128), 12)])
    assert restored.lines[0].text == "Nam " + "." * 12 + " Kinh"


def test_a_leader_line_between_lines_keeps_reading_order() -> None:
    text = OcrText(
        (
            Line((word("một", 0, 60, 100, 130),), (0, 96, 64, 134), 0),
            Line((word("hai", 0, 60, 300, 330),), (0, 296, 64, 334), 1),
        )
    )
    restored = restore_leaders(text, [Leader((0, 222, 400, 228), 30)])
    assert [line.text for line in restored.lines] == ["một", "." * 30, "hai"]
    assert [line.block for line in restored.lines] == [0, 0, 1]
    # Lines without a leader are the engine's own, boxes included.
    assert restored.lines[0] is text.lines[0] and restored.lines[2] is text.lines[1]


class _Echo:
    """An engine reading "Họ" wherever a row of ink is: enough to check the box mapping."""

    name = "echo"

    def check(self) -> None:
        pass

    def recognise(self, grey: np.ndarray, dpi: int) -> OcrText:
        rows = np.flatnonzero((grey == 0).any(axis=1))
        # Rows of one text line, the dot below and the marks above included.
        bands = np.split(rows, np.flatnonzero(np.diff(rows) > dpi // 10) + 1)
        lines = []
        for band in bands:
            xs = np.flatnonzero((grey[band[0] : band[-1] + 1] == 0).any(axis=0))
            box = (int(xs[0]), int(band[0]), int(xs[-1]) + 1, int(band[-1]) + 1)
            lines.append(Line((Word("Họ", box, 0.9),), box))
        return OcrText(tuple(lines))


def test_the_pipeline_puts_leaders_back_in_archive_pixels() -> None:
    dpi = 600  # OCR reads it at 300 dpi: boxes are scaled back by 2
    page, boxes = draw_page(dpi, ("Họ, chữ đệm, tên người yêu cầu:" + "." * 30,) * 3)
    prepared = PreparedPage(
        page, page, dpi, ColourMode.BILEVEL, PageGeometry(0, 0.0, 1.0, 1.0), blank=False
    )
    job = ocr_input(prepared)
    assert job is not None and job.dpi == 300
    assert [leader.dots for leader in job.leaders] == [30, 30, 30]
    assert not (page == 255).all() and (page == 0).sum() > 0  # the archive keeps its dots
    text = recognise(job, _Echo())
    assert [line.text for line in text.lines] == ["Họ" + "." * 30] * 3
    for line, (_, y0, x1, y1) in zip(text.lines, boxes, strict=True):
        # The word and its dots, in archive pixels, end where the dots were drawn.
        _, by0, bx1, by1 = line.words[0].bbox
        assert abs(bx1 - x1) <= 24
        assert y0 - 24 <= by0 < by1 <= y1 + 24


def test_a_page_of_dotted_lines_for_handwriting() -> None:
    # Far more dots than letters: the letter height must come from the letters.
    lines = ("Ý kiến của cơ quan tiếp nhận hồ sơ:",) + ("." * 90,) * 12
    page, boxes = draw_page(300, lines)
    leaders = erase_leaders(page, 300)
    assert len(leaders) == len(boxes) == 12
    assert all(leader.dots == 90 for leader in leaders)


@pytest.mark.parametrize("dpi", [200, 300])
def test_specks_after_a_leader_do_not_keep_it(dpi: int) -> None:
    # A scanner's dust out in the margin of a leader's line (CT01 "Kính gửi:....." at
    # 200 dpi, damaged) is no field after it; a letter is ("..........6. Email:").
    lines = ("Kính gửi:" + "." * 60, "Số điện thoại:" + "." * 30 + "6. Email:", *KEPT[:3])
    page, boxes = draw_page(dpi, lines)
    assert len(boxes) == 1  # only the first line's dots end their line
    _, y0, x1, y1 = boxes[0]
    speck = max(2, dpi // 100)
    middle = (y0 + y1) // 2 + speck
    for x in (x1 + dpi // 2, page.shape[1] - dpi // 3):  # dust, and a dot in the margin
        page[middle : middle + speck, x : x + speck] = 0
    before = page.copy()
    leaders = erase_leaders(page, dpi)
    assert [leader.dots for leader in leaders] == [60]
    assert not (page[y0:y1, boxes[0][0] : x1] == 0).any()
    assert (page[middle : middle + speck, x1 + dpi // 2 :] == 0).sum() == 2 * speck * speck
    second_line = slice(y1, y1 + (y1 - y0) * 2)
    assert np.array_equal(page[second_line], before[second_line])  # "6. Email" kept its dots


@pytest.mark.parametrize("dpi", [200, 300])
def test_a_leader_starting_its_line_goes_those_between_fields_stay(dpi: int) -> None:
    # "........., ngày ...... tháng ...... năm ......." ends a Vietnamese form: the
    # first run has no field before it (left in, it spoiled the italic "ngày" after
    # it), the last none after it; the two between fields stay.
    line = "........., ngày ...... tháng ...... năm ......."
    page, _ = draw_page(dpi, (line, *KEPT[:3]))
    before = page.copy()
    leaders = erase_leaders(page, dpi)
    assert sorted(leader.dots for leader in leaders) == [7, 9]
    first, last = sorted(leaders, key=lambda leader: leader.bbox[0])
    gone = removed(before, page)
    assert components(gone) == 16
    x0, x1 = first.bbox[2], last.bbox[0]
    assert np.array_equal(page[:, x0:x1], before[:, x0:x1])  # the rest of the line kept


VALUE_FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")


def typed_over_blank(
    dpi: int, value: str, label: str = "Họ, chữ đệm và tên:"
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A page whose blank ("label:" and a dotted line) was typed over, as a form filled
    on a printer: the page, the value's ink alone and the blank's dots alone (ink True).
    A few lines of plain text give the page its letter height."""
    width, height = a4_size(dpi)
    size = round(12 / 72 * dpi)
    layers = []
    for part in ("page", "value", "dots"):
        image = Image.new("L", (width, height), 255)
        draw = ImageDraw.Draw(image)
        label_font = ImageFont.truetype(str(FONT), size)
        x, y = round(0.8 * dpi), round(1.0 * dpi)
        start = x + draw.textlength(label + " ", font=label_font)
        if part in ("page", "dots"):
            if part == "page":
                draw.text((x, y), label, font=label_font, fill=0)
                for row, line in enumerate(KEPT[:3]):
                    draw.text((x, y + (row + 2) * 2 * size), line, font=label_font, fill=0)
            draw.text((start, y), "." * 90, font=label_font, fill=0)
        if part in ("page", "value"):
            draw.text(
                (start + size // 2, y),
                value,
                font=ImageFont.truetype(str(VALUE_FONT), size),
                fill=0,
            )
        layers.append(np.asarray(image) < 128)
    page, value_ink, dots = layers
    return np.where(page, 0, 255).astype(np.uint8), value_ink, dots & ~value_ink


@pytest.mark.parametrize("dpi", [200, 300])
@pytest.mark.parametrize("value", ["Phạm Thị Ngọc Diệp", "16/11/1994", "0383978775", "Vũ Thùy Mai"])
def test_dots_between_typed_letters_go_and_the_letters_marks_stay(dpi: int, value: str) -> None:
    page, value_ink, dots = typed_over_blank(dpi, value)
    before = page.copy()
    erase_leaders(page, dpi)
    ink = page == 0
    # Every pixel of the value stays: its dots below (ạ ị ọ ệ) too.
    assert not (value_ink & ~ink).any()
    # The blank's dots under the value that touch no letter: most of them go (one under
    # a letter's overhang, the T's bar, stays: it may be the letter's own mark).
    columns = np.flatnonzero(value_ink.any(axis=0))
    under = np.zeros_like(dots)
    under[:, columns.min() : columns.max() + 1] = True
    count, labels = cv2.connectedComponents((dots & under).astype(np.uint8), connectivity=8)
    grown = cv2.dilate(value_ink.astype(np.uint8), np.ones((3, 3), np.uint8)).astype(bool)
    apart = [i for i in range(1, count) if not (grown & (labels == i)).any()]
    assert apart, "the drawing left no dot between letters"
    gone = [i for i in apart if not (ink & (labels == i)).any()]
    assert len(gone) >= 0.7 * len(apart)
    # The label and its colon stay as they were.
    label_part = slice(0, columns.min() - dpi // 10)
    assert np.array_equal(page[:, label_part], before[:, label_part])
