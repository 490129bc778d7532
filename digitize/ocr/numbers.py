"""Numbers typed over a dotted blank, read again on their own (issue 13).

A date or a phone number typed over a form's dotted line has the line's dots touching
its digits. Read with the rest of the page line, Tesseract makes letters and marks of
them: "QG/05/#96GG" for 06/05/1966, "(4/05/19É6", "O5607967285". Read again alone, as
one line in a tight crop, the same digits mostly come out clean ("06/05/1966"):
the page's line no longer pulls the reading toward words.

Only a word whose digits are mixed with such junk is read again, and only its part
from the first to the last digit-like character. The second reading replaces that part
when it is a plain date (d/m/yyyy) or a plain run of 9 to 12 digits, with its
confidence capped at `REREAD_CONFIDENCE`: the value is then likely right, but it goes
to a person as an uncertain reading, never straight through.
"""

from __future__ import annotations

import logging
import re

import numpy as np

from digitize.errors import ExternalProgramError
from digitize.ocr.engine import OcrEngine
from digitize.results import Line, OcrText, Word

log = logging.getLogger(__name__)

# A reading made again is never sure: understanding sends it to review (its words below
# 0.85 are an uncertain reading there).
REREAD_CONFIDENCE = 0.5
_LEAST_DIGITS, _MOST_DIGITS = 4, 14
# What Tesseract makes of a digit with a blank's dot glued to it, besides digits.
_LOOK_ALIKES = "OQGDIlL|()[]#ÉéÊêÔôƠơ⁄"
_SEPARATORS = "/.,:;-_'’`"
_DATE = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")
_NUMBER = re.compile(r"^\d{9,12}$")
# A date, an amount grouped by thousands, a phone number grouped by dots, a plain or
# decimal number: read clean.
_CLEAN = re.compile(
    r"^(?:\d{1,2}([/.\-])\d{1,2}\1\d{4}|\d{1,3}(?:([.,])\d{3})+(?:[.,]\d+)?"
    r"|0\d{2,3}([.\-])\d{3,4}\3\d{3,4}|\d+(?:[.,]\d+)?)$"
)
# Letters a second reading still makes of digits, and nothing else in a number.
_AS_DIGITS = str.maketrans({"O": "0", "o": "0", "I": "1", "l": "1", "|": "1"})
_WIDTH = {ch: 0.35 for ch in ".,:;'’`|"} | {ch: 0.5 for ch in "/1Iil()[]⁄"}
_MARGINS = (0.4, 0.7)  # of the word's height, around the part read again


def reread_typed_numbers(text: OcrText, image: np.ndarray, dpi: int, engine: OcrEngine) -> OcrText:
    """`text` with each garbled number (see the module) read again from `image`, the
    black-and-white OCR image its boxes are in."""
    lines: list[Line] = []
    changed = False
    for line in text.lines:
        words = list(line.words)
        for index, word in enumerate(words):
            span = garbled_span(word.text)
            if span is None:
                continue
            try:
                again = _read_again(word, span, image, dpi, engine)
            except ExternalProgramError as exc:
                log.warning("a garbled number not read again: %s", exc)
                continue
            if again is not None:
                words[index] = again
                changed = True
        lines.append(Line(tuple(words), line.bbox, line.block) if changed else line)
    return OcrText(tuple(lines), text.engine) if changed else text


def garbled_span(text: str) -> tuple[int, int] | None:
    """Where in `text` a number mixed with junk stands: from the first to the last
    digit, widened over look-alikes and separators next to it; None when the word holds
    fewer than 4 digits, or its digits are clean already ("06/05/1966", "0912345678")."""
    # A blank's dots left after the number end it ("0817337997....6. Email").
    pieces = [(m.start(), m.end()) for m in re.finditer(r"(?:[^.]|\.(?!\.\.))+", text)]
    piece = max(pieces, key=lambda p: sum(ch.isdigit() for ch in text[p[0] : p[1]]), default=None)
    if piece is None:
        return None
    digits = [i for i in range(*piece) if text[i].isdigit()]
    if len(digits) < _LEAST_DIGITS:
        return None
    start, end = digits[0], digits[-1] + 1
    while start > 0 and text[start - 1] in _LOOK_ALIKES + "/":
        start -= 1
    while end < len(text) and text[end] in _LOOK_ALIKES:
        end += 1
    part = text[start:end]
    glued = text[start - 1 : start]
    if any(ch.isalpha() and ch not in _LOOK_ALIKES for ch in part + glued) or "-" in part:
        # a code ("000.00.13.H12-240115-0001", "H12-240115-0001", "QĐ-12"), not a number
        return None
    if sum(ch.isdigit() for ch in part) > _MOST_DIGITS:
        return None  # longer than any date or phone or ID number, dots read as digits too
    if _CLEAN.match(part):
        return None  # read clean: a date, a grouped amount, a plain number
    alike = sum(ch.isdigit() or ch in _LOOK_ALIKES for ch in part)
    if alike < 0.6 * sum(not ch.isspace() for ch in part):
        return None  # words with a number in them, not a number
    if not any(ch in _LOOK_ALIKES or ch in _SEPARATORS.replace("/", "") for ch in part):
        return None
    return start, end


def _read_again(
    word: Word, span: tuple[int, int], image: np.ndarray, dpi: int, engine: OcrEngine
) -> Word | None:
    x0, y0, x1, y1 = word.bbox
    # Where the part stands in the word's box, by the widths its characters usually
    # take (a blank's dots are narrow, and a word read over one holds many): a crop a
    # little wider than that, the margin making up for the guess. Too tight loses the
    # first digit, too wide takes in the label's last letter: a second, wider crop is
    # read when the first gives no plain number.
    widths = [_WIDTH.get(ch, 1.0) for ch in word.text]
    total = sum(widths)
    start = x0 + (x1 - x0) * sum(widths[: span[0]]) / total
    end = x0 + (x1 - x0) * sum(widths[: span[1]]) / total
    for share in _MARGINS:
        margin = max(1, round(share * (y1 - y0)))
        left, right = max(0, round(start) - margin), min(image.shape[1], round(end) + margin)
        top, bottom = max(0, y0 - margin), min(image.shape[0], y1 + margin)
        if right - left < 2 or bottom - top < 2:
            return None
        cut = np.full((bottom - top + 2 * margin, right - left + 2 * margin), 255, np.uint8)
        cut[margin:-margin, margin:-margin] = image[top:bottom, left:right]
        read = engine.recognise_line(cut, dpi)
        clean = _plain_number("".join(w.text for w in read.words))
        if clean is not None:
            before, after = word.text[: span[0]], word.text[span[1] :]
            confidence = min(
                word.confidence, REREAD_CONFIDENCE, *(w.confidence for w in read.words)
            )
            return Word(before + clean + after, word.bbox, confidence)
    return None


def _plain_number(read: str) -> str | None:
    """A date d/m/yyyy or a run of 9 to 12 digits in what the second reading gave, its
    separators' stray dots and a blank's leftover dots dropped; None otherwise."""
    read = read.translate(_AS_DIGITS).strip(_SEPARATORS + " ")
    kept = re.sub(r"[^\d/]", "", read).strip("/")
    if date := _DATE.match(kept):
        day, month = int(date[1]), int(date[2])
        return kept if 1 <= day <= 31 and 1 <= month <= 12 else None
    return kept if _NUMBER.match(kept) else None
