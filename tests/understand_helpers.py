"""Pages built from text lines, with word boxes laid out like a typed form."""

from __future__ import annotations

import re

from digitize.results import Line, Word
from digitize.understand import PageText
from digitize.understand.pages import PageCode

LINE_HEIGHT = 40
CHAR_WIDTH = 12


def page(
    number: int,
    *rows: str,
    confidence: float = 0.95,
    blank: bool = False,
    codes: tuple[PageCode, ...] = (),
) -> PageText:
    """A page of `rows`; two spaces or more in a row stand for a wide blank."""
    lines = []
    for index, row in enumerate(rows):
        y = 100 + index * LINE_HEIGHT
        words, x = [], 100
        for token in re.findall(r"\S+|\s{2,}", row):
            if token.isspace():  # two spaces or more: a wide blank, like erased leaders
                x += 20 * CHAR_WIDTH
                continue
            width = len(token) * CHAR_WIDTH
            words.append(Word(token, (x, y, x + width, y + 30), confidence))
            x += width + CHAR_WIDTH
        box = (100, y, x, y + 30)
        lines.append(Line(tuple(words), box))
    return PageText(number, tuple(lines), blank, codes)
