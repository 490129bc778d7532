"""What Tesseract read from specks: dust is not text.

Our OCR input is read as one uniform block (psm 6, see tesseract.py), and in a block
every blob is taken for a glyph: a speck of dust becomes "l", ":" or ",". Tesseract's
own page layout analysis (psm 3) sets such blobs aside as noise; this does the same
after the fact. A speck is a word at most 1 mm either way and roundish (a hyphen or a
dash is flat and stays): no letter of body text is that small (the x-height of 8 pt
type is 1.3 mm), and a lone dot or comma carries nothing worth searching. Tesseract's
confidence does not tell: it read 0.7 mm specks as ":" at 0.8.

Low confidence alone is no reason to drop a word: on the real forms of
../shared/real-forms, dropping words read below 0.1 took out "ngày......tháng" (a
word run into its dots reads at 0) and made 7 of 100 pages worse.
"""

from __future__ import annotations

from digitize.results import Line, OcrText, Word

_SPECK_MM = 1.0
_SPECK_ASPECT = 2.0  # a speck's box is no more than this much longer one way


def drop_noise(text: OcrText, dpi: float) -> OcrText:
    """`text` without the words read from specks; lines left empty go."""
    speck = _SPECK_MM * dpi / 25.4
    lines = []
    for line in text.lines:
        words = tuple(word for word in line.words if not _is_speck(word, speck))
        if len(words) == len(line.words):
            lines.append(line)
        elif words:
            lines.append(Line(words, _union(words), line.block))
    return OcrText(tuple(lines), engine=text.engine)


def _is_speck(word: Word, speck: float) -> bool:
    x0, y0, x1, y1 = word.bbox
    longer, shorter = max(x1 - x0, y1 - y0), max(1, min(x1 - x0, y1 - y0))
    return longer <= speck and longer <= _SPECK_ASPECT * shorter


def _union(words: tuple[Word, ...]) -> tuple[int, int, int, int]:
    return (
        min(w.bbox[0] for w in words),
        min(w.bbox[1] for w in words),
        max(w.bbox[2] for w in words),
        max(w.bbox[3] for w in words),
    )
