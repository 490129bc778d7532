"""A labelled development set on layouts this project did not draw (issue 13).

Three parts, each written as scans/ + truth/ in the labelled set's format (so
`digitize evaluate` scores them), under one folder:

- `tuned/`: filled copies of real official templates and of the project's own forms in
  wordings the extractor's rules may be built from;
- `heldout/`: other real templates and other wordings, never looked at while writing rules;
- `unseen/`: a further set of wordings, written later, for figures only;
- `blank/`: every real template left blank (no field may be returned sure there).

Real templates are read from `../shared/real-forms/pdf` at run time (never committed).
Values are the generator's (`people.make_case`), drawn after each label found with
`pdftotext -bbox-layout` on the page rendered by `pdftoppm`: typed into the dotted or
ruled blank, one digit per box in the 12-box ID grids; then scanner damage
(`samples.degrade`). Run: `python -m samples.real_forms OUT [--copies N]`.
"""

from __future__ import annotations

import argparse
import dataclasses
import itertools
import math
import random
import re
import subprocess
import tempfile
import unicodedata
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

from samples import degrade
from samples import templates as t
from samples.expected import normalise
from samples.labelled import Planned, labelled_parts
from samples.output import write_file, write_json
from samples.people import FEMALE, MALE, Case, make_case, make_person
from samples.render import FONTS, load_font

REAL_FORMS = Path(__file__).resolve().parents[2] / "shared" / "real-forms" / "pdf"
SPLITS = ("tuned", "heldout", "unseen", "blank")
_TIMEOUT_S = 60


# -- real templates: where each value goes -----------------------------------------------


@dataclass(frozen=True, slots=True)
class Blank:
    """A value drawn after the `occurrence`-th line matching `label` (a regex searched in
    the line's text; the value starts after the match). `value` names a key of the
    form's values; `field` the catalogue field whose truth it is ('' = drawn, not scored).
    `grid`: the value goes one digit per box into the box grid to the right of the label.
    `at_x`: the value cell's left edge in points (tables of labels and ruled values)."""

    label: str
    value: str
    field: str = ""
    occurrence: int = 1
    grid: bool = False
    at_x: float | None = None


@dataclass(frozen=True, slots=True)
class RealForm:
    file: str  # stem in REAL_FORMS
    doc_type: str | None  # catalogue type; None: not catalogued (blank part only)
    procedure: str | None
    split: str  # tuned or heldout
    blanks: tuple[Blank, ...] = ()
    kinds: tuple[tuple[str, str], ...] = ()  # field -> kind of samples.expected
    # The household members table (CT01) gets 0-4 typed rows, listed in the truth's
    # "tables" (issue 13, round d).
    household_table: bool = False


_NAME = r"Họ, chữ đệm, tên:"
_DOB = r"Ngày, tháng, năm sinh:"
_ID = r"nhân/CCCD/Hộ chiếu:"
_TABLE_X = 238.0  # 01-03: the value column of the label/value tables


def _cell(label: str, value: str, field: str = "", occurrence: int = 1) -> Blank:
    return Blank(label, value, field, occurrence, at_x=_TABLE_X)


REAL: tuple[RealForm, ...] = (
    RealForm(
        "01_To_khai_dang_ky_khai_sinh",
        "to_khai_dang_ky_khai_sinh",
        "dang_ky_khai_sinh",
        "tuned",
        (
            Blank(r"Kính gửi: Ủy ban nhân dân", "ward", "issuer"),
            _cell(_NAME, "subject_name", "subject_name", 1),
            _cell(r"^Giới tính:", "subject_sex", "subject_sex", 1),
            _cell(_DOB, "subject_dob", "subject_dob", 1),
            _cell(r"trấn nơi sinh\):", "subject_birth_place"),
            _cell(r"Quê quán:", "subject_hometown"),
            _cell(r"Dân tộc:", "applicant_ethnicity", "", 1),
            _cell(r"Quốc tịch:", "nationality", "", 1),
            _cell(_NAME, "father_name", "father_name", 2),
            _cell(_DOB, "father_dob", "", 2),
            _cell(_ID, "father_id", "", 1),
            _cell(r"Nơi thường trú/tạm trú:", "address", "", 1),
            _cell(_NAME, "mother_name", "mother_name", 3),
            _cell(_DOB, "mother_dob", "", 3),
            _cell(_ID, "mother_id", "", 2),
            _cell(r"Nơi thường trú/tạm trú:", "address", "", 2),
            _cell(_NAME, "applicant_name", "applicant_name", 4),
            _cell(r"^đăng ký:", "relation"),
            _cell(_ID, "id_number", "id_number", 3),
            _cell(r"Nơi thường trú/tạm trú:", "address", "address", 3),
            _cell(r"Số điện thoại liên hệ:", "phone"),
        ),
    ),
    RealForm(
        "02_To_khai_dang_ky_ket_hon",
        "to_khai_dang_ky_ket_hon",
        "dang_ky_ket_hon",
        "heldout",
        (
            Blank(r"Kính gửi: Ủy ban nhân dân", "ward", "issuer"),
            # The catalogue's convention (and the project's own form): the applicant is
            # the bride ("bên nữ"), the spouse the groom, whatever order the form has.
            _cell(_NAME, "groom_name", "spouse_name", 1),
            _cell(_DOB, "groom_dob", "spouse_dob", 1),
            _cell(r"Dân tộc:", "applicant_ethnicity", "", 1),
            _cell(r"Quốc tịch:", "nationality", "", 1),
            _cell(_ID, "groom_id_number", "spouse_id_number", 1),
            _cell(r"Nơi thường trú:", "groom_address", "", 1),
            _cell(_NAME, "bride_name", "applicant_name", 2),
            _cell(_DOB, "bride_dob", "applicant_dob", 2),
            _cell(r"Dân tộc:", "applicant_ethnicity", "", 2),
            _cell(r"Quốc tịch:", "nationality", "", 2),
            _cell(_ID, "bride_id_number", "id_number", 2),
            _cell(r"Nơi thường trú:", "bride_address", "address", 2),
        ),
    ),
    RealForm(
        "03_To_khai_dang_ky_khai_tu",
        "to_khai_dang_ky_khai_tu",
        "dang_ky_khai_tu",
        "heldout",
        (
            Blank(r"Kính gửi: Ủy ban nhân dân", "ward", "issuer"),
            _cell(_NAME, "deceased_name", "subject_name", 1),
            _cell(r"^Giới tính:", "deceased_sex", "subject_sex", 1),
            _cell(_DOB, "deceased_dob", "subject_dob", 1),
            _cell(r"Dân tộc:", "applicant_ethnicity", "", 1),
            _cell(r"Quốc tịch:", "nationality", "", 1),
            _cell(_ID, "deceased_id_number", "", 1),
            _cell(r"Nơi thường trú cuối cùng:", "address"),
            _cell(r"Ngày chết:", "death_day", "death_date"),
            _cell(r"Nơi chết:", "death_place", "death_place"),
            _cell(r"Nguyên nhân chết:", "death_cause", "death_cause"),
            _cell(_NAME, "applicant_name", "applicant_name", 2),
            _cell(r"Quan hệ với người chết:", "death_relation", "relation"),
            _cell(_ID, "id_number", "id_number", 2),
            _cell(r"Nơi thường trú/tạm trú:", "address", "address"),
            _cell(r"Số điện thoại liên hệ:", "phone"),
        ),
        (("relation", "text"), ("death_place", "text"), ("death_cause", "text")),
    ),
    RealForm(
        "ct01",
        "to_khai_thay_doi_thong_tin_cu_tru",
        "dang_ky_thuong_tru",
        "tuned",
        (
            Blank(r"Kính gửi :", "police", "issuer"),
            Blank(r"Họ, chữ đệm và tên:", "applicant_name", "applicant_name"),
            Blank(r"năm sinh:", "applicant_dob", "applicant_dob"),
            Blank(r"^tính:", "applicant_sex", "applicant_sex"),
            Blank(r"4\. Số định danh cá nhân:", "id_number", "id_number", grid=True),
            Blank(r"Số điện thoại liên hệ:", "phone", "phone"),
            Blank(r"tên chủ hộ:", "spouse_name", "household_head_name"),
            Blank(r"quan hệ với chủ hộ:", "household_relation"),
            Blank(
                r"9\. Số định danh cá nhân của chủ hộ:",
                "spouse_id_number",
                "household_head_id_number",
                grid=True,
            ),
            Blank(r"Nội dung đề nghị.*?:", "residence_short", "residence_request"),
        ),
        (("residence_request", "text"),),
        household_table=True,
    ),
    RealForm(
        "ct04",
        "giay_tiep_nhan_ho_so",
        "dang_ky_thuong_tru",
        "tuned",
        (
            Blank(r"Mã hồ sơ:", "dossier_code", "dossier_code"),
            Blank(r"hồ sơ của Ông/Bà:", "applicant_name", "applicant_name"),
            Blank(r"Số định danh cá nhân/CMND:", "id_number", grid=True),
            Blank(r"Nơi thường trú:", "address", "address"),
            Blank(r"Số điện thoại:", "phone", "phone"),
            Blank(r"Nội dung yêu cầu giải quyết:", "procedure_name", "procedure_name"),
        ),
        (("procedure_name", "text"),),
    ),
    RealForm("04_Don_dang_ky_thuong_tru", None, None, "tuned"),
    RealForm("05_Don_dang_ky_tam_tru", None, None, "tuned"),
    RealForm("06_Don_cap_ban_sao_trich_luc_ho_tich", None, None, "tuned"),
    RealForm("07_Giay_de_nghi_chung_thuc_ban_sao", None, None, "tuned"),
    RealForm("ct05", None, None, "tuned"),
    RealForm("ct06", None, None, "tuned"),
    RealForm("ct07", None, None, "tuned"),
    RealForm("ct08", None, None, "tuned"),
)


def _form_values(case: Case) -> dict[str, str]:
    """The printed values under the keys the blanks name, and their typed facts."""
    v = {k: val for k, val in case.values.items() if isinstance(val, str)}
    father, mother = (
        (case.applicant, case.spouse)
        if case.applicant.sex == MALE
        else (case.spouse, case.applicant)
    )
    v["father_dob"] = father.dob.strftime("%d/%m/%Y")
    v["mother_dob"] = mother.dob.strftime("%d/%m/%Y")
    v["father_id"] = father.id_number
    v["mother_id"] = mother.id_number
    v["police"] = f"Công an {case.values['ward']}"
    v["death_day"] = str(v["death_date"]).rsplit("ngày ", 1)[-1]
    v["residence_short"] = f"{case.procedure.name} vào hộ gia đình"
    return v


def _truth_value(case: Case, blank: Blank, printed: str, kind: str) -> object:
    facts: dict[str, Any] = dict(case.facts)
    if blank.field == "issuer" and "Ủy ban nhân dân" in blank.label:
        return normalise("text", f"Ủy ban nhân dân {printed}")
    if kind in ("text", "address", "dossier_code"):
        return normalise(kind, printed)
    if kind == "date":
        return normalise(kind, _parse_dmy(printed))
    if kind == "sex":
        return normalise(kind, printed)
    if kind == "name":
        return normalise(kind, printed)
    if kind in ("id_number", "phone"):
        return normalise(kind, printed)
    return normalise(kind, facts.get(blank.value, printed))


def _parse_dmy(text: str) -> date:
    day, month, year = (int(x) for x in re.findall(r"\d+", text)[:3])
    return date(year, month, day)


# -- finding labels on a rendered page ---------------------------------------------------


@dataclass(frozen=True, slots=True)
class _PdfLine:
    page: int
    text: str
    words: tuple[tuple[str, float, float, float, float], ...]  # text, x0, y0, x1, y1 (pt)


def _run(args: Sequence[str]) -> None:
    subprocess.run(list(args), check=True, timeout=_TIMEOUT_S, capture_output=True)


def pdf_lines(pdf: Path) -> list[_PdfLine]:
    """Every text line of the PDF with its words' boxes, from `pdftotext -bbox-layout`."""
    with tempfile.TemporaryDirectory() as temp:
        out = Path(temp) / "layout.html"
        _run(["pdftotext", "-bbox-layout", str(pdf), str(out)])
        html = out.read_text(encoding="utf-8")
    lines = []
    for number, page in enumerate(re.findall(r"<page .*?</page>", html, re.S), 1):
        for body in re.findall(r"<line [^>]*>(.*?)</line>", page, re.S):
            words = tuple(
                (unicodedata.normalize("NFC", w), float(a), float(b), float(c), float(d))
                for a, b, c, d, w in re.findall(
                    r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">'
                    r"([^<]*)</word>",
                    body,
                )
            )
            if words:
                text = " ".join(w[0] for w in words).replace("&amp;", "&")
                lines.append(_PdfLine(number, text, words))
    return lines


def _find(lines: Sequence[_PdfLine], blank: Blank) -> tuple[_PdfLine, float] | None:
    """The line of the blank's label and the x (pt) where its value starts."""
    seen = 0
    for line in lines:
        match = re.search(blank.label, line.text)
        if not match:
            continue
        seen += 1
        if seen != blank.occurrence:
            continue
        # The word holding the match's end; the value starts after its last non-dot.
        position, end_x = 0, line.words[0][3]
        for word, x0, _, x1, _ in line.words:
            if position + len(word) >= match.end():
                keep = len(word.rstrip(".…"))
                end_x = x0 + (x1 - x0) * keep / max(1, len(word)) if keep else x0
                break
            position += len(word) + 1
        return line, (blank.at_x if blank.at_x is not None else end_x + 4.0)
    return None


def _grid_cells(
    grey: np.ndarray, band: tuple[int, int], x_from: int
) -> list[tuple[int, int, int, int]]:
    """The boxes of the digit grid right of `x_from` in the row band (pixels)."""
    top, bottom = band
    dark = grey[top:bottom, x_from:] < 128
    runs = dark.sum(axis=0)
    tall = runs >= 0.6 * (bottom - top) / 2
    xs = np.flatnonzero(tall)
    if xs.size < 2:
        return []
    groups = np.split(xs, np.flatnonzero(np.diff(xs) > 2) + 1)
    centres = [int(g.mean()) + x_from for g in groups]
    if len(centres) < 6:
        return []
    column = grey[top:bottom, centres[0]] < 128
    rows = np.flatnonzero(column)
    y0, y1 = top + int(rows.min()), top + int(rows.max())
    return [(a, y0, b, y1) for a, b in itertools.pairwise(centres)]


# -- drawing ------------------------------------------------------------------------------


def _draw_value(
    image: Image.Image,
    line: _PdfLine,
    x_pt: float,
    text: str,
    dpi: int,
    font_name: str,
    erase: bool,
) -> str:
    scale = dpi / 72
    y0, y1 = min(w[2] for w in line.words), max(w[4] for w in line.words)
    size = max(8, round((y1 - y0) * scale * 0.72))
    font = load_font(FONTS[font_name].path("regular"), size)
    draw = ImageDraw.Draw(image)
    x, top = round(x_pt * scale), round(y0 * scale + (y1 - y0) * scale * 0.12)
    # A value too long for the page loses its last comma-separated parts (the truth is
    # what was printed).
    right = image.width - round(15 / 25.4 * dpi)
    while draw.textbbox((x, top), text, font=font)[2] > right and ", " in text:
        text = text.rsplit(", ", 1)[0]
    box = draw.textbbox((x, top), text, font=font)
    if erase:  # a portal's print: the value replaces the dots under it
        draw.rectangle((box[0], box[1] - 1, box[2] + 2, box[3] + 1), fill=255)
    draw.text((x, top), text, font=font, fill=20)
    return text


def _draw_hand(
    image: Image.Image,
    line: _PdfLine,
    x_pt: float,
    text: str,
    dpi: int,
    rng: random.Random,
    right: int | None = None,
) -> str:
    """The value written by hand, as synthetic strokes: an italic face letter by letter,
    each turned, shifted off the baseline and resized a little, in ballpoint blue-grey,
    the baseline drifting; the pen's width varies. `right`: where the writing must stop
    (pixels; default the page's right margin)."""
    scale = dpi / 72
    y0, y1 = min(w[2] for w in line.words), max(w[4] for w in line.words)
    size = max(10, round((y1 - y0) * scale * rng.uniform(0.8, 1.05)))
    face = FONTS[rng.choice(sorted(FONTS))].path("italic")
    x, base = float(x_pt * scale), (y0 + (y1 - y0) * 0.05) * scale
    right = right if right is not None else image.width - round(15 / 25.4 * dpi)
    drift, phase = rng.uniform(0.03, 0.1) * size, rng.uniform(0, 6.3)
    pen = rng.choice((1, 2, 2, 3))
    written = []
    for index, char in enumerate(text):
        if char == " ":
            x += size * rng.uniform(0.3, 0.5)
            written.append(char)
            continue
        font = load_font(face, max(8, round(size * rng.uniform(0.85, 1.15))))
        box = font.getbbox(char)
        glyph = Image.new("L", (box[2] + 8, size * 2), 0)
        ImageDraw.Draw(glyph).text((4, 0), char, font=font, fill=255)
        glyph = glyph.rotate(rng.uniform(-12, 12), resample=Image.BICUBIC, expand=True)
        if pen > 1:
            glyph = glyph.filter(ImageFilter.MaxFilter(pen if pen % 2 else pen + 1))
        if x + glyph.width > right:
            break
        y = base + math.sin(phase + index / 3) * drift + rng.uniform(-0.08, 0.08) * size
        image.paste(rng.randint(40, 90), (round(x), round(y)), glyph)
        x += (box[2] - box[0]) * rng.uniform(0.9, 1.15) + size * 0.05
        written.append(char)
    return "".join(written).strip()


def _draw_grid(
    image: Image.Image, line: _PdfLine, x_pt: float, digits: str, dpi: int, font_name: str
) -> bool:
    scale = dpi / 72
    grey = np.asarray(image)
    y0, y1 = min(w[2] for w in line.words), max(w[4] for w in line.words)
    pad = (y1 - y0) * scale
    band = (max(0, round(y0 * scale - pad)), round(y1 * scale + pad))
    cells = _grid_cells(grey, band, round(x_pt * scale))
    if len(cells) < len(digits):
        return False
    draw = ImageDraw.Draw(image)
    font = load_font(FONTS[font_name].path("regular"), round((y1 - y0) * scale * 0.8))
    for digit, (a, b, c, d) in zip(digits, cells, strict=False):
        draw.text(((a + c) / 2, (b + d) / 2), digit, font=font, fill=20, anchor="mm")
    return True


def _fill_date_lines(
    image: Image.Image,
    lines: Sequence[_PdfLine],
    page: int,
    day: date,
    place: str,
    dpi: int,
    font_name: str,
) -> bool:
    """Fill '........., ngày ...... tháng ...... năm .......' lines of the page."""
    scale = dpi / 72
    done = False
    for line in (ln for ln in lines if ln.page == page):
        words = [w[0] for w in line.words]
        if not any(w.startswith("ngày") for w in words) or not any("tháng" in w for w in words):
            continue
        if not re.search(r"ngày\s*\.+", line.text):
            continue
        parts = {"ngày": f"{day.day:02d}", "tháng": f"{day.month:02d}", "năm": str(day.year)}
        size = max(8, round((line.words[0][4] - line.words[0][2]) * scale * 0.72))
        font = load_font(FONTS[font_name].path("regular"), size)
        draw = ImageDraw.Draw(image)
        previous = ""
        for index, (word, x0, y0, x1, y1) in enumerate(line.words):
            box = (round(x0 * scale), round(y0 * scale), round(x1 * scale), round(y1 * scale))
            fill = None
            if index == 0 and word.startswith("..."):
                fill = place
            elif word.startswith("..") and previous in parts:
                fill = parts[previous]
            elif re.match(r"(ngày|tháng|năm)\.\.", word):
                # "ngày......" glued, or the whole "ngày.....tháng.....năm....." as one word
                # (CT04): each number in its own run of dots, the words between kept.
                # Painting over everything after "ngày" left "ng11" on the page.
                # Where a character stands: its share of the word's width in the face
                # (dots are narrow, letters wide), not its share of the characters.
                scaled = (x1 - x0) * scale / max(1.0, font.getlength(word))
                for run in re.finditer(r"(ngày|tháng|năm)(\.+)", word):
                    a, b = (round(font.getlength(word[:i]) * scaled) for i in run.span(2))
                    dots = (box[0] + a, box[1], box[0] + b, box[3])
                    draw.rectangle(dots, fill=255)
                    draw.text((dots[0] + 2, dots[1]), parts[run.group(1)], font=font, fill=20)
                    done = True
                previous = word
                continue
            if fill:
                draw.rectangle(box, fill=255)
                # Right-aligned in its blank: a long place name must not cover "ngày".
                width = draw.textbbox((0, 0), fill, font=font)[2]
                x = box[2] - width - 2 if fill == place else box[0] + 2
                draw.text((x, box[1]), fill, font=font, fill=20)
                done = True
            previous = word
    return done


# -- the household members table (CT01) ----------------------------------------------------

HOUSEHOLD_TABLE = "household_members"
# The table's columns in the order CT01 prints them after "TT", and the truth's kind.
HOUSEHOLD_COLUMNS = (
    ("full_name", "name"),
    ("date_of_birth", "date"),
    ("sex", "sex"),
    ("id_number", "id_number"),
    ("relation", "text"),
)
_RELATIONS = ("Vợ", "Chồng", "Con", "Con", "Cha", "Mẹ", "Con dâu", "Cháu", "Em")


def table_rules(grey: np.ndarray, top: int) -> tuple[list[int], list[int]]:
    """The column and row lines of the ruled table starting at pixel row `top` of a
    clean rendering: columns are near-solid dark pixel columns under the header, rows
    pixel rows a quarter dark or more between the side lines (CT01 dots its row lines).
    Found by projection, independently of `digitize.imaging.tables`, whose work this
    set measures."""
    dark = grey < 128
    band = dark[top : top + grey.shape[0] // 20]
    xs = np.flatnonzero(band.mean(axis=0) >= 0.9)
    columns = [int(g.mean()) for g in np.split(xs, np.flatnonzero(np.diff(xs) > 2) + 1) if g.size]
    if len(columns) < 3:
        return columns, []
    left, right = columns[0] + 3, columns[-1] - 3
    below = dark[top:, left:right]
    # The side line still stands: the table has not ended.
    side = dark[top:, columns[0] - 1 : columns[0] + 2].any(axis=1)
    end = int(np.flatnonzero(~side)[0]) if (~side).any() else below.shape[0]
    ys = np.flatnonzero(below[: end + 3].mean(axis=1) >= 0.25)
    rows = [
        top + int(g.mean()) for g in np.split(ys, np.flatnonzero(np.diff(ys) > 2) + 1) if g.size
    ]
    return columns, rows


def household_members(rng: random.Random, case: Case, count: int) -> list[dict[str, str]]:
    """`count` members as CT01 lists them: printed text of each column."""
    members = []
    for _ in range(count):
        sex = rng.choice((MALE, FEMALE))
        born = date(rng.randint(1945, 2020), rng.randint(1, 12), rng.randint(1, 28))
        person = make_person(rng, sex, born)
        members.append(
            {
                "full_name": person.name,
                "date_of_birth": born.strftime("%d/%m/%Y"),
                "sex": sex,
                "id_number": person.id_number,
                "relation": rng.choice(_RELATIONS),
            }
        )
    return members


def _fill_household(
    image: Image.Image,
    lines: Sequence[_PdfLine],
    members: Sequence[dict[str, str]],
    dpi: int,
    font_name: str,
    by_hand: Sequence[bool] = (),
    rng: random.Random | None = None,
) -> list[dict[str, object]]:
    """Type the members into the table's first rows (or write those of `by_hand` by
    hand, listed under the row's "handwritten"); the truth of each row."""
    header = next((ln for ln in lines if ln.page == 1 and ln.words[0][0] == "TT"), None)
    if header is None:
        raise ValueError("ct01: no household table header 'TT'")
    scale = dpi / 72
    grey = np.asarray(image)
    top = round(min(w[2] for w in header.words) * scale)
    # The table's top rule is above the header's words: start from the header cell.
    columns, rows = table_rules(grey, max(0, top - round(12 * scale)))
    if len(columns) != 7 or len(rows) < 3 + len(members):
        raise ValueError(f"ct01: household table not found ({len(columns)} columns)")
    body = rows[1:]  # the first rule under the table's top is the header's bottom
    if rows[0] > top:  # the top rule was not in the band: rows[0] is the header's bottom
        body = rows
    draw = ImageDraw.Draw(image)
    truth: list[dict[str, object]] = []
    for number, member in enumerate(members):
        y0, y1 = body[number], body[number + 1]
        size = max(8, round((y1 - y0) * 0.42))
        texts = [str(number + 1), *(member[key] for key, _ in HOUSEHOLD_COLUMNS)]
        hand = number < len(by_hand) and by_hand[number] and rng is not None
        for k, (text, x0, x1) in enumerate(zip(texts, columns, columns[1:], strict=False)):
            if hand and k > 0 and rng is not None:
                # A row written by hand, cell by cell, inside the cell's rules.
                pad = (y1 - y0) * 0.2 / scale
                cell = _PdfLine(1, text, ((text, 0, y0 / scale + pad, 0, y1 / scale - pad),))
                _draw_hand(image, cell, (x0 + 6) / scale, text, dpi, rng, right=x1 - 4)
                continue
            font = load_font(FONTS[font_name].path("regular"), size)
            while size > 8 and draw.textlength(text, font=font) > (x1 - x0) - 0.3 * size:
                size -= 1
                font = load_font(FONTS[font_name].path("regular"), size)
            draw.text(((x0 + x1) / 2, (y0 + y1) / 2), text, font=font, fill=20, anchor="mm")
        row: dict[str, object] = {
            key: normalise(kind, _parse_dmy(member[key]) if kind == "date" else member[key])
            for key, kind in HOUSEHOLD_COLUMNS
        }
        if hand:
            row["handwritten"] = [key for key, _ in HOUSEHOLD_COLUMNS]
        truth.append(row)
    return truth


def _damage(image: Image.Image, rng: random.Random, dpi: int) -> Image.Image:
    """An office scanner: slight skew, blur, noise, specks, now and then black and white."""
    nrng = np.random.default_rng(rng.getrandbits(32))
    image = degrade.skew(image, round(rng.uniform(-1.5, 1.5), 1), degrade.WHITE_LID, 0)
    if rng.random() < 0.4:
        image = degrade.blur(image, round(rng.uniform(0.3, 0.7) * dpi / 200, 2))
    if rng.random() < 0.5:
        image = degrade.gaussian_noise(image, float(rng.randint(2, 6)), nrng)
    if rng.random() < 0.4:
        image = degrade.speckles(image, rng.randint(5, 25), nrng, max_radius_px=max(1, dpi // 100))
    if rng.random() < 0.3:
        image = degrade.binarise(image, rng.randint(145, 175)).convert("L")
    return image.convert("L")


def _render(pdf: Path, dpi: int, folder: Path) -> list[Image.Image]:
    _run(["pdftoppm", "-r", str(dpi), "-gray", "-png", str(pdf), str(folder / "page")])
    return [Image.open(p).convert("L") for p in sorted(folder.glob("page-*.png"))]


def fill_real_form(
    form: RealForm,
    pdf: Path,
    copy: int,
    seed: int,
    out: Path,
    *,
    filled: bool = True,
    handwritten: float = 0.0,
    household: int | None = None,
) -> Path:
    """One (filled or blank) scanned copy of a real template, its truth beside it.
    `handwritten`: the share of the text blanks (not grids) filled in by hand; their
    fields are listed under the truth's "handwritten", not "expected". `household`: how
    many members the household table lists (default: 0-4 drawn from the seed)."""
    rng = random.Random(f"{seed}:real:{form.file}:{copy}:{filled}")
    dpi = rng.choice((200, 300))
    font = rng.choice(sorted(FONTS))
    case = make_case(random.Random(f"{seed}:real-case:{form.file}:{copy}"), form.procedure)
    values = _form_values(case)
    lines = pdf_lines(pdf)
    expected: dict[str, object] = {}
    by_hand: list[str] = []
    tables: dict[str, list[dict[str, object]]] = {}
    kinds = dict(form.kinds)
    with tempfile.TemporaryDirectory() as temp:
        pages = _render(pdf, dpi, Path(temp))
    if filled:
        erase = rng.random() < 0.5
        for blank in form.blanks:
            found = _find(lines, blank)
            if found is None:
                raise ValueError(f"{form.file}: no label {blank.label!r} #{blank.occurrence}")
            line, x = found
            text = values[blank.value]
            image = pages[line.page - 1]
            if blank.grid:
                if not _draw_grid(image, line, x, text, dpi, font):
                    raise ValueError(f"{form.file}: no digit grid beside {blank.label!r}")
            elif rng.random() < handwritten:
                _draw_hand(image, line, x, text, dpi, rng)
                if blank.field:
                    by_hand.append(blank.field)
                continue
            else:
                text = _draw_value(image, line, x, text, dpi, font, erase)
            if blank.field:
                kind = kinds.get(blank.field) or _kind(blank.field)
                expected[blank.field] = _truth_value(case, blank, text, kind)
        if form.household_table:
            table_rng = random.Random(f"{seed}:household:{form.file}:{copy}:{handwritten}")
            count = table_rng.randint(0, 4) if household is None else household
            members = household_members(table_rng, case, count)
            hand_rows = [table_rng.random() < handwritten for _ in members]
            tables[HOUSEHOLD_TABLE] = _fill_household(
                pages[0], lines, members, dpi, font, hand_rows, table_rng
            )
        for number in range(1, len(pages) + 1):
            if _fill_date_lines(
                pages[number - 1], lines, number, case.document_date, values["place"], dpi, font
            ):
                expected.setdefault("document_date", case.document_date.isoformat())
    pages = [_damage(page, rng, dpi) for page in pages]
    split = form.split if filled else "blank"
    kind = "handwritten" if handwritten else "filled" if filled else "blank"
    name = f"{form.file}-{kind}-{copy:02d}.tif"
    scans = out / split / "scans"
    scans.mkdir(parents=True, exist_ok=True)
    path = scans / name
    pages[0].save(
        path, save_all=True, append_images=pages[1:], compression="tiff_lzw", dpi=(dpi, dpi)
    )
    documents = []
    if form.doc_type:
        documents.append(
            {
                "pages": list(range(1, len(pages) + 1)),
                "doc_type": form.doc_type,
                "procedure": form.procedure if filled else None,
                "expected": expected,
                "handwritten": by_hand,
                **({"tables": tables} if tables else {}),
            }
        )
    truth = {
        "file": name,
        "format": "tiff",
        "generator_seed": seed,
        "template": f"real:{form.file}",
        "split": split,
        "blank": not filled,
        "documents": documents,
        "pages": [{"number": n, "dpi": dpi, "font": font} for n in range(1, len(pages) + 1)],
    }
    write_json(out / split / "truth" / f"{name}.json", truth)
    return path


def _kind(field: str) -> str:
    from samples.expected import kind_of

    return kind_of(field)


# -- the project's own forms in other official wordings -----------------------------------

# Label (or heading) as the template prints it -> another official wording. `tuned`
# wordings may be looked at when writing rules, `heldout` ones never.
WORDINGS: dict[str, dict[str, dict[str, str]]] = {
    "tuned": {
        "to_khai_cu_tru_ct01": {
            "1) Họ, chữ đệm và tên": "1) Họ và tên",
            "4) Số định danh cá nhân": "4) Số CCCD",
        },
        "giay_de_nghi_ho_kinh_doanh": {
            "Tôi là (ghi họ tên bằng chữ in hoa)": "Tôi là",
            "Tổng số (bằng số; VNĐ)": "Vốn kinh doanh",
        },
        "don_dang_ky_dat_dai_04a": {
            "3.1. Thửa đất số": "3.1. Số thửa",
            "3.2. Tờ bản đồ số": "3.2. Số tờ bản đồ",
        },
        "to_khai_khai_sinh": {
            "Họ, chữ đệm, tên người yêu cầu": "Họ và tên người yêu cầu",
            "Số định danh cá nhân": "Số CCCD",
        },
        "don_de_nghi_cap_giay_phep_xay_dung": {
            "Tên chủ đầu tư (tên chủ hộ)": "Tên chủ đầu tư",
            "Lô đất số": "Thửa đất số",
        },
        "to_khai_ly_lich_tu_phap": {"10) Số định danh cá nhân": "10) Số căn cước công dân"},
        "to_khai_dang_ky_khai_tu": {
            "Họ, chữ đệm, tên người yêu cầu": "Họ và tên người yêu cầu",
        },
    },
    "heldout": {
        "to_khai_cu_tru_ct01": {
            "1) Họ, chữ đệm và tên": "1) Họ, chữ đệm, tên",
            "4) Số định danh cá nhân": "4) Giấy tờ tùy thân: Căn cước công dân số",
        },
        "giay_de_nghi_ho_kinh_doanh": {
            "Tôi là (ghi họ tên bằng chữ in hoa)": "Họ và tên chủ hộ kinh doanh",
            "Tổng số (bằng số; VNĐ)": "Tổng vốn kinh doanh",
        },
        "don_dang_ky_dat_dai_04a": {
            "1.1. Tên (viết chữ in hoa)": "1.1. Họ và tên",
            "3.1. Thửa đất số": "3.1. Thửa số",
            "Số định danh cá nhân": "Số căn cước",
        },
        "to_khai_khai_sinh": {
            "Họ, chữ đệm, tên người yêu cầu": "Tôi là",
            "Số định danh cá nhân": "Giấy tờ tùy thân: Căn cước công dân số",
        },
        "don_de_nghi_cap_giay_phep_xay_dung": {
            "Tên chủ đầu tư (tên chủ hộ)": "Tên chủ hộ",
            "Lô đất số": "Số thửa",
            "Tờ bản đồ số": "Tờ bản đồ",
        },
        "to_khai_ly_lich_tu_phap": {
            "1) Họ và tên": "1) Họ, chữ đệm và tên",
            "10) Số định danh cá nhân": "10) Số CCCD",
        },
        "to_khai_dang_ky_khai_tu": {"Họ, chữ đệm, tên người yêu cầu": "Tôi là"},
    },
    # A second blind set, written at the start of the stop after the held-out split's
    # misses had been printed once: figures only, never read file by file.
    "unseen": {
        "to_khai_cu_tru_ct01": {
            "1) Họ, chữ đệm và tên": "1) Họ tên",
            "4) Số định danh cá nhân": "4) Số căn cước",
        },
        "giay_de_nghi_ho_kinh_doanh": {
            "Tôi là (ghi họ tên bằng chữ in hoa)": "Họ tên người đại diện hộ kinh doanh",
            "Tổng số (bằng số; VNĐ)": "Vốn đăng ký",
        },
        "don_dang_ky_dat_dai_04a": {
            "3.1. Thửa đất số": "3.1. Số hiệu thửa đất",
            "3.2. Tờ bản đồ số": "3.2. Thuộc tờ bản đồ số",
        },
        "to_khai_khai_sinh": {
            "Họ, chữ đệm, tên người yêu cầu": "Người đi đăng ký",
            "Số định danh cá nhân": "Số giấy tờ tùy thân",
        },
        "don_de_nghi_cap_giay_phep_xay_dung": {
            "Tên chủ đầu tư (tên chủ hộ)": "Chủ đầu tư",
            "Lô đất số": "Số hiệu lô đất",
        },
        "to_khai_ly_lich_tu_phap": {"10) Số định danh cá nhân": "10) Số thẻ căn cước"},
        "to_khai_dang_ky_khai_tu": {"Họ, chữ đệm, tên người yêu cầu": "Họ tên người đi khai tử"},
    },
}


# Labels and titles as the real templates of the tuned split print them, which the
# catalogue lists beside the project's own wordings.
REAL_LABELS = frozenset(
    {
        "Số định danh cá nhân/CCCD/Hộ chiếu",
        "Nơi thường trú/tạm trú",
        "Nơi thường trú",
        "Họ, chữ đệm, tên",
        "PHIẾU TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ",
    }
)


def other_wordings() -> frozenset[str]:
    """Every label the catalogue may list that the project's own forms do not print: the
    tuned split's wordings (numbering dropped) and the real templates' labels."""
    tuned = {
        re.sub(r"^\d+(?:\.\d+)*[.)]\s*", "", new)
        for labels in WORDINGS["tuned"].values()
        for new in labels.values()
    }
    return frozenset(tuned) | REAL_LABELS


def reworded(template: t.Template, labels: dict[str, str], suffix: str) -> t.Template:
    """The template with other wordings of some labels, under a new key."""

    def field(f: t.Field) -> t.Field:
        return dataclasses.replace(f, label=labels.get(f.label, f.label))

    blocks: list[t.Block] = []
    for block in template.blocks:
        if isinstance(block, t.Field):
            block = field(block)
        elif isinstance(block, t.FieldRow):
            block = t.FieldRow(tuple(field(f) for f in block.fields))
        elif isinstance(block, t.Heading):
            block = dataclasses.replace(block, text=labels.get(block.text, block.text))
        blocks.append(block)
    return dataclasses.replace(template, key=f"{template.key}@{suffix}", blocks=tuple(blocks))


def write_wordings(out: Path, copies: int, seed: int) -> Iterator[Path]:
    """The project's forms in the wordings of each split, rendered and scanned."""
    index = 9000
    for split, by_template in WORDINGS.items():
        for key, labels in by_template.items():
            variant = reworded(t.TEMPLATES[key], labels, split)
            t.TEMPLATES[variant.key] = variant  # the labelled writer looks templates up by key
            t.ALL_TEMPLATES[variant.key] = variant
            for _ in range(copies):
                index += 1
                procedure = (
                    variant.case_procedures[0] if variant.case_procedures else variant.procedure
                )
                parts = labelled_parts(Planned(index, ((variant.key, procedure),)), seed)
                parts = [
                    dataclasses.replace(
                        p, spec=dataclasses.replace(p.spec, file=f"{split}-{p.spec.file}")
                    )
                    for p in parts
                ]
                yield write_file(parts, out / split / "scans", out / split / "truth", seed)


def write_development_set(
    out: Path, copies: int, seed: int, real_dir: Path = REAL_FORMS
) -> list[Path]:
    """Everything: filled and blank real templates (when `real_dir` exists), wordings."""
    paths: list[Path] = []
    if real_dir.is_dir():
        for form in REAL:
            pdf = real_dir / f"{form.file}.pdf"
            if not pdf.is_file():
                continue
            if form.doc_type:
                paths += [fill_real_form(form, pdf, c, seed, out) for c in range(copies)]
                paths.append(fill_real_form(form, pdf, copies, seed, out, handwritten=0.5))
            paths.append(fill_real_form(form, pdf, 0, seed, out, filled=False))
    paths += list(write_wordings(out, copies, seed))
    return paths


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m samples.real_forms",
        description="Write the development set of issue 13 (real templates filled, blank, "
        "and the project's forms in other wordings) as "
        "OUT/{tuned,heldout,unseen,blank}/{scans,truth}.",
    )
    parser.add_argument("out", type=Path, metavar="OUT")
    parser.add_argument("--copies", type=int, default=3, help="filled copies per real template")
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--real-forms", type=Path, default=REAL_FORMS, metavar="DIR")
    args = parser.parse_args(argv)
    paths = write_development_set(args.out, args.copies, args.seed, args.real_forms)
    print(f"{len(paths)} files in {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
