"""Text in table cells never lost: a cell with ink but no word read is read on its own.

With the rules erased, Tesseract reads a table row by row like any text; but a short
value alone in a wide cell (a sex "Nữ", a row number) may be taken for noise by its
page layout analysis and dropped. Each cell of a found table (`imaging.tables`) that
holds ink of text height and no word's centre is cut out, with paper around it, and
read alone; its words join the page's text as a block of their own. Cells the page's
OCR read cost nothing more.
"""

from __future__ import annotations

import numpy as np

from digitize.imaging.common import px
from digitize.ocr.engine import OcrEngine
from digitize.results import Line, OcrText, TableGrid

_INSET_MM = 0.6  # left out at the cell's sides: what may remain of its rules
_TEXT_MM = 1.2  # ink this tall is a letter, not dust or a rule's remains
_PAPER_MM = 3.0  # white margin around the cut-out cell: Tesseract reads margins better


def read_lost_cells(
    text: OcrText, image: np.ndarray, dpi: int, tables: tuple[TableGrid, ...], engine: OcrEngine
) -> OcrText:
    """`text` with the words of every inked cell it has no word in, read cell by cell."""
    centres = [((w.bbox[0] + w.bbox[2]) / 2, (w.bbox[1] + w.bbox[3]) / 2) for w in text.words]
    inset, tall, paper = px(_INSET_MM, dpi), px(_TEXT_MM, dpi), px(_PAPER_MM, dpi)
    block = max((line.block for line in text.lines), default=0)
    added: list[Line] = []
    for table in tables:
        for top, bottom in zip(table.rows, table.rows[1:], strict=False):
            for left, right in zip(table.columns, table.columns[1:], strict=False):
                if any(left <= x < right and top <= y < bottom for x, y in centres):
                    continue
                x0, y0 = max(0, left + inset), max(0, top + inset)
                x1, y1 = min(image.shape[1], right - inset), min(image.shape[0], bottom - inset)
                if x1 - x0 < tall or y1 - y0 < tall:
                    continue
                ink_rows = np.flatnonzero((image[y0:y1, x0:x1] < 128).any(axis=1))
                if ink_rows.size == 0 or ink_rows[-1] - ink_rows[0] + 1 < tall:
                    continue
                cell = np.full((y1 - y0 + 2 * paper, x1 - x0 + 2 * paper), 255, np.uint8)
                cell[paper:-paper, paper:-paper] = image[y0:y1, x0:x1]
                read = engine.recognise(cell, dpi).mapped(offset=(x0 - paper, y0 - paper))
                for line in read.lines:
                    block += 1
                    added.append(Line(line.words, line.bbox, block))
    if not added:
        return text
    return OcrText(text.lines + tuple(added), text.engine)
