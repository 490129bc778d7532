"""Draw a template filled with a case onto clean white A4 pages.

Everything is laid out in millimetres and points and converted with the dpi, so one
document looks the same at 150 and 600 dpi. Each page records the exact lines drawn in
reading order (for the two-column header: the left column, then the right one) with
their pixel boxes, and the field values drawn on it; that record is the ground truth.

`render(..., draw=False)` lays the document out without drawing it (the same lines, page
breaks and fields; the page images are 1x1 placeholders), for texts made in bulk.
"""

from __future__ import annotations

import math
import random
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

from samples import codes
from samples import templates as t
from samples.people import Case
from samples.vntext import nfc

BBox = tuple[int, int, int, int]

A4_MM = (210.0, 297.0)
MARGIN_MM = {"left": 20.0, "top": 20.0, "right": 15.0, "bottom": 18.0}
LINE_SPACING = 1.42  # baseline-to-baseline, in multiples of the font size
LEADER_MAX = 15  # dots after a value at most: long dot runs make Tesseract hallucinate
LEADER_MIN = 3
LEADER_INNER = 6  # dots after a field that another field follows on the same line
SIGNATURE_COLUMN = 0.45  # the signature block is centred on the text area's right 55 %
HEADER_LEFT_COLUMN = 0.42

# ID cards: 85.6 x 54 mm (ISO/IEC 7810 ID-1), printed at about 6 points.
CARD_MM = (85.6, 53.98)
CARD_BODY_PT = 6.0
CARD_HEADER_PT = 5.6
CARD_TITLE_PT = 7.4
CARD_LINE_SPACING = 1.32
CARD_FILL_GREY = 236  # the card's printed background comes out as a light grey

INK_GREY = 20
INK_RGB = (22, 22, 28)
PEN_RGB = (28, 46, 140)  # ballpoint blue for the handwritten signature

_DEJAVU = Path("/usr/share/fonts/truetype/dejavu")
_LIBERATION = Path("/usr/share/fonts/truetype/liberation2")


@dataclass(frozen=True, slots=True)
class FontFamily:
    name: str
    files: Mapping[str, Path]  # style -> file
    body_pt: float
    title_pt: float

    def path(self, style: t.Style) -> Path:
        return self.files[style]


def _family(
    name: str, base: Path, stems: tuple[str, str, str, str], body: float, title: float
) -> FontFamily:
    styles = ("regular", "bold", "italic", "bold_italic")
    return FontFamily(
        name, {s: base / f"{f}.ttf" for s, f in zip(styles, stems, strict=True)}, body, title
    )


# DejaVu is wider than Liberation, so it gets the smaller body size.
FONTS: dict[str, FontFamily] = {
    f.name: f
    for f in (
        _family(
            "Liberation Serif",
            _LIBERATION,
            (
                "LiberationSerif-Regular",
                "LiberationSerif-Bold",
                "LiberationSerif-Italic",
                "LiberationSerif-BoldItalic",
            ),
            13.0,
            15.0,
        ),
        _family(
            "Liberation Sans",
            _LIBERATION,
            (
                "LiberationSans-Regular",
                "LiberationSans-Bold",
                "LiberationSans-Italic",
                "LiberationSans-BoldItalic",
            ),
            12.0,
            14.0,
        ),
        _family(
            "DejaVu Serif",
            _DEJAVU,
            ("DejaVuSerif", "DejaVuSerif-Bold", "DejaVuSerif-Italic", "DejaVuSerif-BoldItalic"),
            12.0,
            14.0,
        ),
        _family(
            "DejaVu Sans",
            _DEJAVU,
            ("DejaVuSans", "DejaVuSans-Bold", "DejaVuSans-Oblique", "DejaVuSans-BoldOblique"),
            12.0,
            14.0,
        ),
    )
}


@dataclass(frozen=True, slots=True)
class DrawnLine:
    text: str
    bbox: BBox  # pixels, x1/y1 exclusive, of the glyphs actually drawn
    kind: str  # "header", "title", "field", "paragraph", "date", "signature", ...


@dataclass(frozen=True, slots=True)
class DrawnCode:
    symbology: t.Symbology
    text: str  # what the symbol holds
    bbox: BBox  # pixels of the symbol without its quiet zone, x1/y1 exclusive


@dataclass(slots=True)
class RenderedPage:
    number: int  # 1-based within the document
    image: Image.Image
    lines: list[DrawnLine] = field(default_factory=list)
    fields: dict[str, str] = field(default_factory=dict)
    anchors: dict[str, BBox] = field(default_factory=dict)  # e.g. "signature_space"
    codes: list[DrawnCode] = field(default_factory=list)  # QR codes and barcodes

    @property
    def text(self) -> str:
        return "\n".join(line.text for line in self.lines)


@dataclass(frozen=True, slots=True)
class RenderedDocument:
    template: t.Template
    font: str
    dpi: int
    pages: tuple[RenderedPage, ...]


def mm_to_px(mm: float, dpi: int) -> int:
    return round(mm / 25.4 * dpi)


def page_size(dpi: int) -> tuple[int, int]:
    return mm_to_px(A4_MM[0], dpi), mm_to_px(A4_MM[1], dpi)


@cache
def load_font(path: Path, size_px: int) -> ImageFont.FreeTypeFont:
    # The basic layout engine: same widths, hence same line breaks, with or without raqm.
    return ImageFont.truetype(str(path), size_px, layout_engine=ImageFont.Layout.BASIC)


_PLACEHOLDER = re.compile(r"\{(\w+)(?::(upper))?\}")


def fill(text: str, values: Mapping[str, object], used: dict[str, str] | None = None) -> str:
    """Substitute `{key}` / `{key:upper}`; plain keys are recorded in `used`."""

    def sub(m: re.Match[str]) -> str:
        value = values[m.group(1)]
        if not isinstance(value, str):
            raise TypeError(f"{m.group(1)} is not text")
        if m.group(2) == "upper":
            return value.upper()
        if used is not None:
            used[m.group(1)] = value
        return value

    return nfc(_PLACEHOLDER.sub(sub, text))


def document_values(template: t.Template, case: Case) -> dict[str, str | tuple[str, ...]]:
    """The case's values as the template prints them: its bindings applied (the birth
    paper's "id_number" is the mother's), plus who it is addressed to or issued by."""
    values = dict(case.values)
    for key, source in template.bind:
        values[key] = case.values[source]
    values["issuer"] = fill(template.issuer, values)
    return values


def blank_page(dpi: int, colour: bool = False) -> Image.Image:
    return Image.new("RGB" if colour else "L", page_size(dpi), "white")


class _Layout:
    """Places lines top to bottom, opening a new page when one is full."""

    def __init__(self, family: FontFamily, dpi: int, colour: bool, drawing: bool = True) -> None:
        self.family = family
        self.dpi = dpi
        self.colour = colour
        self.drawing = drawing
        self.draw: ImageDraw.ImageDraw | None = None
        self.width, self.height = page_size(dpi)
        self.left = mm_to_px(MARGIN_MM["left"], dpi)
        self.right = self.width - mm_to_px(MARGIN_MM["right"], dpi)
        self.top = mm_to_px(MARGIN_MM["top"], dpi)
        self.bottom = self.height - mm_to_px(MARGIN_MM["bottom"], dpi)
        self.pages: list[RenderedPage] = []
        self.y = 0
        self.new_page()

    # -- units and fonts -----------------------------------------------------------
    def px(self, pt: float) -> int:
        return round(pt * self.dpi / 72)

    def font(self, style: t.Style, pt: float) -> ImageFont.FreeTypeFont:
        return load_font(self.family.path(style), self.px(pt))

    def line_height(self, pt: float) -> int:
        return round(self.px(pt) * LINE_SPACING)

    @property
    def ink(self) -> int | tuple[int, int, int]:
        return INK_RGB if self.colour else INK_GREY

    # -- pages -----------------------------------------------------------------------
    @property
    def page(self) -> RenderedPage:
        return self.pages[-1]

    def new_page(self) -> None:
        image = blank_page(self.dpi, self.colour) if self.drawing else Image.new("L", (1, 1))
        self.pages.append(RenderedPage(len(self.pages) + 1, image))
        self.draw = ImageDraw.Draw(image) if self.drawing else None
        self.y = self.top

    def page_is_empty(self) -> bool:
        return not self.page.lines

    def need(self, height: int) -> None:
        if self.y + height > self.bottom and not self.page_is_empty():
            self.new_page()

    # -- drawing -------------------------------------------------------------------
    def draw_line(
        self, text: str, x: int, style: t.Style, pt: float, kind: str, y: int | None = None
    ) -> DrawnLine:
        """Draw one line with its top at `y` (default: the cursor, which then advances)."""
        font = self.font(style, pt)
        top = self.y if y is None else y
        baseline = top + font.getmetrics()[0]
        if self.draw is not None:
            self.draw.text((x, baseline), text, font=font, fill=self.ink, anchor="ls")
            x0, y0, x1, y1 = self.draw.textbbox((x, baseline), text, font=font, anchor="ls")
        else:
            bx0, by0, bx1, by1 = font.getbbox(text, anchor="ls")
            x0, y0, x1, y1 = x + bx0, baseline + by0, x + bx1, baseline + by1
        line = DrawnLine(text, (int(x0), int(y0), int(x1), int(y1)), kind)
        self.page.lines.append(line)
        if y is None:
            self.y += self.line_height(pt)
        return line

    def text_width(self, text: str, style: t.Style, pt: float) -> float:
        return self.font(style, pt).getlength(text)

    def wrap(self, text: str, style: t.Style, pt: float, first: int, rest: int) -> list[str]:
        """Greedy word wrap; a word wider than a line is cut between characters."""
        font = self.font(style, pt)
        lines: list[str] = []
        current = ""
        for word in text.split(" "):
            limit = first if not lines else rest
            candidate = f"{current} {word}" if current else word
            if font.getlength(candidate) <= limit:
                current = candidate
                continue
            if current:
                lines.append(current)
                limit = rest
            while font.getlength(word) > limit:
                cut = max(
                    1,
                    max(
                        i
                        for i in range(1, len(word) + 1)
                        if i == 1 or font.getlength(word[:i]) <= limit
                    ),
                )
                lines.append(word[:cut])
                word = word[cut:]
            current = word
        if current or not lines:
            lines.append(current)
        return lines

    def leader(self, line: str, style: t.Style, pt: float, limit: int, most: int) -> str:
        """Dots after `line` up to `limit` px, at most `most`, none if fewer than 3 fit."""
        dot = self.text_width(".", style, pt)
        room = limit - self.text_width(line, style, pt)
        count = min(most, math.floor(room / dot) - 1)
        return line + "." * count if count >= LEADER_MIN else line

    def centred(
        self,
        text: str,
        style: t.Style,
        pt: float,
        kind: str,
        x0: int,
        x1: int,
        y: int | None = None,
    ) -> DrawnLine:
        width = self.text_width(text, style, pt)
        x = round((x0 + x1 - width) / 2)
        # A line wider than its column (a long place name on the date line) slides left
        # rather than crossing the right margin.
        x = max(self.left, min(x, self.right - math.ceil(width)))
        return self.draw_line(text, x, style, pt, kind, y)

    def rule(self, cx: int, width: float, y: int) -> None:
        if self.draw is None:
            return
        thickness = max(1, self.px(0.6))
        half = round(width / 2)
        self.draw.rectangle((cx - half, y, cx + half, y + thickness - 1), fill=self.ink)


def _scribble(layout: _Layout, box: BBox, seed: str) -> None:
    """A handwritten-looking signature seeded by the signer's name: a tall opening loop,
    then slanted loops of varying height, then an underline stroke."""
    if layout.draw is None:
        return
    rng = random.Random(seed)
    x0, y0, x1, y1 = box
    w, h = x1 - x0, y1 - y0
    loops = rng.randint(4, 7)
    heights = [rng.uniform(0.3, 1.0) for _ in range(loops + 2)]
    lean = rng.uniform(0.04, 0.09) * w
    span = w * rng.uniform(0.32, 0.45)
    start = x0 + w * rng.uniform(0.2, 0.3)
    slope = rng.uniform(-0.15, 0.25)
    phase = rng.uniform(0, math.pi)
    cap_w, cap_h = w * rng.uniform(0.03, 0.07), h * rng.uniform(0.35, 0.5)
    path = [
        (start - 0.02 * w + cap_w * math.sin(u), y0 + 0.55 * h - cap_h * math.sin(u / 2))
        for u in (i * 2 * math.pi / 40 for i in range(41))
    ]
    steps = 40 * loops
    for i in range(steps + 1):
        s = i / steps
        k = s * loops
        j, frac = int(k), k - int(k)
        height = heights[j] * (1 - frac) + heights[j + 1] * frac
        path.append(
            (
                start + span * s + lean * math.sin(2 * math.pi * loops * s + phase),
                y0 + h * (0.6 - slope * s) - height * 0.32 * h * math.cos(2 * math.pi * loops * s),
            )
        )
    tail = [
        (start - 0.05 * w, y0 + h * rng.uniform(0.8, 0.9)),
        (start + span * rng.uniform(0.8, 1.15), y0 + h * rng.uniform(0.7, 0.85)),
    ]
    colour: int | tuple[int, int, int] = PEN_RGB if layout.colour else 70
    layout.draw.line(path, fill=colour, width=max(1, layout.px(0.9)), joint="curve")
    layout.draw.line(tail, fill=colour, width=max(1, layout.px(0.7)))


def _render_block(layout: _Layout, block: t.Block, values: Mapping[str, object]) -> None:
    fam = layout.family
    body = fam.body_pt
    width = layout.right - layout.left
    step = layout.line_height(body)

    match block:
        case t.FormNumber(text=text):
            pt = body - 1
            layout.need(layout.line_height(pt))
            w = layout.text_width(text, "bold", pt)
            layout.draw_line(nfc(text), round(layout.right - w), "bold", pt, "form_number")
            layout.y += layout.line_height(body) // 3

        case t.NationalHeader(left=(), right_extra=extra):
            for text in ("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc"):
                line = layout.centred(text, "bold", body, "header", layout.left, layout.right)
            layout.rule(
                (layout.left + layout.right) // 2,
                line.bbox[2] - line.bbox[0],
                line.bbox[3] + layout.px(4),
            )
            layout.y += layout.line_height(body) // 3
            for item in extra:
                layout.centred(
                    fill(item.text, values, layout.page.fields),
                    item.style,
                    body,
                    "date",
                    layout.left,
                    layout.right,
                )

        case t.NationalHeader(left=left, right_extra=extra):
            _two_column_header(layout, left, extra, values)

        case t.Title(text=text, subtitle=subtitle):
            pt = fam.title_pt
            layout.y += layout.line_height(body) // 2
            lines = layout.wrap(nfc(text), "bold", pt, width, width)
            layout.need(len(lines) * layout.line_height(pt))
            for line in lines:
                layout.centred(line, "bold", pt, "title", layout.left, layout.right)
            for item in subtitle:
                layout.centred(
                    fill(item.text, values, layout.page.fields),
                    item.style,
                    body,
                    "title",
                    layout.left,
                    layout.right,
                )
            layout.y += layout.line_height(body) // 3

        case t.Centered(text=text, style=style):
            layout.need(step)  # first, so that values are recorded on the right page
            for line in layout.wrap(
                fill(text, values, layout.page.fields), style, body, width, width
            ):
                layout.need(step)
                layout.centred(line, style, body, "centred", layout.left, layout.right)

        case t.Heading(text=text, style=style):
            layout.need(step)
            for line in layout.wrap(
                fill(text, values, layout.page.fields), style, body, width, width
            ):
                layout.need(step)
                layout.draw_line(line, layout.left, style, body, "heading")

        case t.Field() | t.FieldRow():
            row = block.fields if isinstance(block, t.FieldRow) else (block,)
            parts = []
            layout.need(step)
            for i, f in enumerate(row):
                value = _field_value(f, values)
                if value:
                    layout.page.fields.setdefault(f.key or "", value)
                inner = "." * LEADER_INNER if i < len(row) - 1 else ""
                # A label may hold a placeholder ("Ông" or "Bà" on a land certificate).
                parts.append(f"{fill(f.label, values)}: {value}{inner}")
            lines = layout.wrap(nfc(" ".join(parts)), "regular", body, width, width)
            # A value that wrapped overflowed its dotted line: no leader is left after it.
            # (Leaders on short continuation lines also make Tesseract drop lines.)
            if len(lines) == 1:
                lines[0] = layout.leader(lines[0], "regular", body, width, LEADER_MAX)
            for line in lines:
                layout.need(step)
                layout.draw_line(line, layout.left, "regular", body, "field")

        case t.Paragraph(text=text, style=style, indent=indent, small=small):
            pt = body - 2 if small else body
            shift = layout.px(28) if indent else 0
            layout.need(layout.line_height(pt))
            lines = layout.wrap(
                fill(text, values, layout.page.fields), style, pt, width - shift, width
            )
            for i, line in enumerate(lines):
                layout.need(layout.line_height(pt))
                layout.draw_line(
                    line, layout.left + (shift if i == 0 else 0), style, pt, "paragraph"
                )

        case t.ItemList(key=key, suffix=suffix):
            items = values[key]
            assert isinstance(items, tuple)
            shift = layout.px(14)
            for n, item in enumerate(items, 1):
                text = nfc(f"{n}. {item}{suffix}")
                for line in layout.wrap(text, "regular", body, width - shift, width - shift):
                    layout.need(step)
                    layout.draw_line(line, layout.left + shift, "regular", body, "item")

        case t.Signature():
            _signature(layout, block, values)

        case t.Card():
            _card(layout, block, values)

        case t.CodeMark():
            _code_mark(layout, block, values)

        case t.Spacer(lines=n):
            layout.y += round(n * step)

        case t.PageBreak():
            if not layout.page_is_empty():
                layout.new_page()


def _field_value(f: t.Field | t.CardField, values: Mapping[str, object]) -> str:
    if not f.key:
        return ""
    value = values[f.key]
    if not isinstance(value, str):
        raise TypeError(f"{f.key} is not text")
    return nfc(value.upper() if f.upper else value)


def _two_column_header(
    layout: _Layout,
    left: tuple[t.Text, ...],
    extra: tuple[t.Text, ...],
    values: Mapping[str, object],
) -> None:
    """Office on the left, motto on the right, both columns starting at the same height.
    Lines are recorded left column first: that is the reading order of such headers."""
    width = layout.right - layout.left
    split = layout.left + round(width * HEADER_LEFT_COLUMN)
    motto = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
    pt = layout.family.body_pt
    # The motto must fit its column on one line: shrink by half points until it does.
    while layout.text_width(motto, "bold", pt) > (layout.right - split) * 0.97 and pt > 9:
        pt -= 0.5
    step = layout.line_height(pt)
    top = layout.y
    fields = layout.page.fields

    y = top
    last: DrawnLine | None = None
    for item in left:
        text = fill(item.text, values, fields)
        for line in layout.wrap(text, item.style, pt, split - layout.left, split - layout.left):
            last = layout.centred(line, item.style, pt, "header", layout.left, split, y)
            y += step
    if last is not None:
        layout.rule(
            (layout.left + split) // 2, (split - layout.left) / 3, last.bbox[3] + layout.px(4)
        )
    left_bottom = y

    y = top
    layout.centred(motto, "bold", pt, "header", split, layout.right, y)
    y += step
    line = layout.centred(
        "Độc lập - Tự do - Hạnh phúc", "bold", pt, "header", split, layout.right, y
    )
    layout.rule(
        (split + layout.right) // 2, line.bbox[2] - line.bbox[0], line.bbox[3] + layout.px(4)
    )
    y += step + step // 3
    for item in extra:
        layout.centred(
            fill(item.text, values, fields), item.style, pt, "date", split, layout.right, y
        )
        y += step
    layout.y = max(left_bottom, y) + step // 3


def _signature(layout: _Layout, block: t.Signature, values: Mapping[str, object]) -> None:
    body = layout.family.body_pt
    step = layout.line_height(body)
    x0 = layout.left + round((layout.right - layout.left) * SIGNATURE_COLUMN)
    x1 = layout.right
    space = round(step * 3.2)
    used: dict[str, str] = {}
    date_lines: list[str] = []
    if block.date_line:
        width = layout.right - layout.left
        date_lines = layout.wrap(fill(t.DATE_LINE, values, used), "italic", body, width, width)
    name = fill("{" + block.name_key + "}", values, used) if block.name_key else None
    rows = len(date_lines) + 2 + (1 if name else 0)
    layout.y += step // 3
    layout.need(rows * step + space)  # the block is never split over two pages
    for key, value in used.items():
        layout.page.fields.setdefault(key, value)
    top = layout.y
    for line in date_lines:
        layout.centred(line, "italic", body, "date", x0, x1)
    layout.centred(nfc(block.caption), "bold", body, "signature", x0, x1)
    layout.centred(nfc(block.hint), "italic", body, "signature", x0, x1)
    space_box = (x0, layout.y, x1, layout.y + space)
    layout.page.anchors["signature_space"] = space_box
    layout.y += space
    if name:
        _scribble(layout, space_box, name)
        layout.centred(name, "bold", body, "signature", x0, x1)
    layout.page.anchors["signature"] = (x0, top, x1, layout.y)


def _card(layout: _Layout, block: t.Card, values: Mapping[str, object]) -> None:
    """The card in its frame at the left margin: header and title centred, then the
    fields left-aligned. Laid out first, then drawn, since the frame's fill goes under
    the text and its height depends on how the values wrap."""
    scale = block.scale
    mm = layout.dpi / 25.4
    x0 = layout.left
    x1 = min(layout.right, x0 + round(CARD_MM[0] * scale * mm))
    pad = round(3.0 * scale * mm)
    inner0, inner1 = x0 + pad, x1 - pad
    width = inner1 - inner0
    body, header_pt, title_pt = (scale * pt for pt in (CARD_BODY_PT, CARD_HEADER_PT, CARD_TITLE_PT))
    gap = layout.px(body * 1.2)  # between two fields on one row

    # (pieces of text, style, size, centred); a row of two fields is two pieces.
    rows: list[tuple[list[str], t.Style, float, bool]] = []
    for item in block.header:
        rows.append(([fill(item.text, values)], item.style, header_pt, True))
    for item in block.title:
        rows.append(([fill(item.text, values)], item.style, title_pt, True))
    fields: dict[str, str] = {}
    for row in block.rows:
        pieces = []
        for f in row:
            value = _field_value(f, values)
            if value:
                fields.setdefault(f.key, value)
            label = fill(f.label, values)
            if f.below:
                rows.append(([f"{label}:"], "regular", body, False))
                style: t.Style = "bold" if f.upper else "regular"
                for line in layout.wrap(value, style, body, width, width):
                    rows.append(([line], style, body, False))
            else:
                pieces.append(f"{label}: {value}")
        if pieces:
            total = sum(layout.text_width(p, "regular", body) for p in pieces)
            if total + gap * (len(pieces) - 1) <= width:
                rows.append((pieces, "regular", body, False))
            else:
                for line in layout.wrap(" ".join(pieces), "regular", body, width, width):
                    rows.append(([line], "regular", body, False))

    steps = [round(layout.px(pt) * CARD_LINE_SPACING) for _, _, pt, _ in rows]
    height = max(round(CARD_MM[1] * scale * mm), sum(steps) + 2 * pad)
    layout.need(height)
    for key, value in fields.items():  # on the page the card lands on
        layout.page.fields.setdefault(key, value)
    top = layout.y
    if layout.draw is not None:
        fill_colour = (CARD_FILL_GREY,) * 3 if layout.colour else CARD_FILL_GREY
        layout.draw.rounded_rectangle(
            (x0, top, x1, top + height),
            radius=round(3.2 * scale * mm),
            fill=fill_colour,
            outline=layout.ink,
            width=max(1, layout.px(0.8)),
        )
    y = top + pad
    for (pieces, style, pt, centred), step in zip(rows, steps, strict=True):
        if centred:
            layout.centred(pieces[0], style, pt, "card", inner0, inner1, y)
        elif len(pieces) == 1:
            layout.draw_line(pieces[0], inner0, style, pt, "card", y)
        else:
            _pieces_line(layout, pieces, inner0, style, pt, gap, y)
        y += step
    layout.y = top + height + layout.line_height(layout.family.body_pt)


def _code_mark(layout: _Layout, block: t.CodeMark, values: Mapping[str, object]) -> None:
    """The symbol at the left margin, then a gap of 4 mm: more than the 15 % of its size
    that a torn corner through it may reach beyond it (see `codes.tear_corner`)."""
    text = values[block.key]
    if not isinstance(text, str):
        raise TypeError(f"{block.key} is not text")
    module = codes.module_px(block.module, layout.dpi)
    width, height = codes.symbol_size(
        text, block.symbology, module, mm_to_px(block.height_mm, layout.dpi)
    )
    layout.need(height)
    origin = (layout.left, layout.y)
    box = (origin[0], origin[1], origin[0] + width, origin[1] + height)
    if layout.draw is not None:
        codes.draw_symbol(
            layout.page.image, text, block.symbology, origin, module, height, layout.ink
        )
    layout.page.codes.append(DrawnCode(block.symbology, text, box))
    layout.page.anchors["code"] = box
    layout.y += height + mm_to_px(4.0, layout.dpi)


def _pieces_line(
    layout: _Layout, pieces: list[str], x: int, style: t.Style, pt: float, gap: int, y: int
) -> None:
    """Several fields on one line with a wide gap between them, recorded as one line
    whose text joins them with a space (as a reader, or Tesseract, would)."""
    start = len(layout.page.lines)
    for piece in pieces:
        layout.draw_line(piece, x, style, pt, "card", y)
        x += math.ceil(layout.text_width(piece, style, pt)) + gap
    drawn = layout.page.lines[start:]
    del layout.page.lines[start:]
    box = (
        min(d.bbox[0] for d in drawn),
        min(d.bbox[1] for d in drawn),
        max(d.bbox[2] for d in drawn),
        max(d.bbox[3] for d in drawn),
    )
    layout.page.lines.append(DrawnLine(" ".join(d.text for d in drawn), box, "card"))


def render(
    template: t.Template,
    case: Case,
    *,
    font: str = "Liberation Serif",
    dpi: int = 300,
    colour: bool = False,
    draw: bool = True,
    code: t.CodeMark | None = None,
) -> RenderedDocument:
    """Lay out and draw the whole document; it may run onto several pages. `draw=False`
    only lays it out: the same lines and fields, without images. `code` puts a QR code
    or barcode at the top left of the first page, above the template's own blocks (the
    receipt as the one-stop system prints it)."""
    layout = _Layout(FONTS[font], dpi, colour, drawing=draw)
    values = document_values(template, case)
    blocks = template.blocks if code is None else (code, *template.blocks)
    for block in blocks:
        _render_block(layout, block, values)
    return RenderedDocument(template, font, dpi, tuple(layout.pages))
