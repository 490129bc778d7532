"""Tesseract as an OcrEngine: the page in as PBM or PGM, words out of Tesseract's TSV.

Two ways to run the same Tesseract, giving the same TSV for the same image:

- `TesseractEngine`, the default: libtesseract kept loaded in persistent child
  processes (digitize/exec/libtesseract.py), which spares each page the ~0.15 s the
  program spends starting and loading its model;
- `TesseractCliEngine`: one `tesseract` program run per page, the reference the
  tests compare the default with.
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from dataclasses import dataclass

import numpy as np

from digitize.exec import libtesseract, tesseract
from digitize.results import Line, OcrText, Word, union_box
from digitize.text import nfc, restrict_to_vietnamese

_WORD_LEVEL = "5"
# One uniform block: on the samples it lost no line where automatic segmentation
# (psm 3) dropped some, 0.75 % CER against 1.17 %; side-by-side columns read across.
DEFAULT_PSM = 6
# One character (a box of a digit grid, issue 13): without it Tesseract looks for lines
# and words in a box of one digit and reads "3" as "535" or nothing.
CHARACTER_PSM = 10
# One line (a number typed over a dotted blank, read again alone).
LINE_PSM = 7
_PROBE_TIMEOUT_S = 30.0  # to start Tesseract and load the models, in check()


class TesseractEngine:
    """Tesseract's library, models loaded once per child, children kept across pages.

    Pages may be recognised from several threads at once: each gets a child of its
    own. `close()` ends the children (they also end with this process).
    """

    name = "tesseract"

    def __init__(self, langs: str = "vie", psm: int = DEFAULT_PSM, timeout: float = 180.0) -> None:
        self.langs = langs
        self.psm = psm
        self.timeout = timeout
        # Pages and the boxes of digit grids alike: a box is one request in another
        # segmentation mode, not a child (and a model in memory) of its own.
        self._children = libtesseract.PersistentTesseract(langs=langs, psm=psm)

    def check(self) -> None:
        self._children.require(timeout=_PROBE_TIMEOUT_S)

    def recognise(self, grey: np.ndarray, dpi: int) -> OcrText:
        tsv = self._children.recognise_tsv(encode_pnm(grey), dpi=dpi, timeout=self.timeout)
        return parse_tsv(tsv, engine=f"tesseract {self._children.version} {self.langs}")

    def recognise_character(self, grey: np.ndarray, dpi: int) -> OcrText:
        tsv = self._children.recognise_tsv(
            encode_pnm(grey), dpi=dpi, timeout=self.timeout, psm=CHARACTER_PSM
        )
        return parse_tsv(tsv, engine=f"tesseract {self._children.version} {self.langs}")

    def recognise_line(self, grey: np.ndarray, dpi: int) -> OcrText:
        tsv = self._children.recognise_tsv(
            encode_pnm(grey), dpi=dpi, timeout=self.timeout, psm=LINE_PSM
        )
        return parse_tsv(tsv, engine=f"tesseract {self._children.version} {self.langs}")

    def pids(self) -> list[int]:
        """Process ids of its Tesseract children."""
        return self._children.pids()

    def close(self) -> None:
        self._children.close()

    def __enter__(self) -> TesseractEngine:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


@dataclass(frozen=True, slots=True)
class TesseractCliEngine:
    """The `tesseract` program, one process per page, page in through stdin."""

    langs: str = "vie"
    psm: int = DEFAULT_PSM
    timeout: float = 180.0
    name: str = "tesseract-cli"

    def check(self) -> None:
        tesseract.require(self.langs)

    def recognise(self, grey: np.ndarray, dpi: int) -> OcrText:
        tsv = tesseract.recognise_tsv(
            encode_pnm(grey), langs=self.langs, dpi=dpi, psm=self.psm, timeout=self.timeout
        )
        return parse_tsv(tsv, engine=f"tesseract {tesseract.version()} {self.langs}")

    def recognise_character(self, grey: np.ndarray, dpi: int) -> OcrText:
        tsv = tesseract.recognise_tsv(
            encode_pnm(grey), langs=self.langs, dpi=dpi, psm=CHARACTER_PSM, timeout=self.timeout
        )
        return parse_tsv(tsv, engine=f"tesseract {tesseract.version()} {self.langs}")

    def recognise_line(self, grey: np.ndarray, dpi: int) -> OcrText:
        tsv = tesseract.recognise_tsv(
            encode_pnm(grey), langs=self.langs, dpi=dpi, psm=LINE_PSM, timeout=self.timeout
        )
        return parse_tsv(tsv, engine=f"tesseract {tesseract.version()} {self.langs}")


def encode_pnm(grey: np.ndarray) -> bytes:
    """PBM for a black-and-white page (Tesseract skips its own thresholding), else PGM.

    Uncompressed, so nothing is spent encoding; Tesseract reads either from stdin.
    """
    if grey.ndim != 2 or grey.dtype != np.uint8:
        raise ValueError("OCR takes a 2-D uint8 grey image")
    height, width = grey.shape
    if not np.any((grey != 0) & (grey != 255)):
        bits = np.packbits(grey == 0, axis=1)  # PBM: 1 is black, rows padded to bytes
        return b"P4\n%d %d\n" % (width, height) + bits.tobytes()
    return b"P5\n%d %d\n255\n" % (width, height) + np.ascontiguousarray(grey).tobytes()


def parse_tsv(tsv: str, *, engine: str) -> OcrText:
    """Group Tesseract's word rows into lines, in its reading order."""
    rows = csv.reader(io.StringIO(tsv), delimiter="\t", quoting=csv.QUOTE_NONE)
    header = next(rows, None)
    if header is None:
        return OcrText(engine=engine)
    words_by_line: dict[tuple[int, int, int], list[Word]] = defaultdict(list)
    for row in rows:
        if len(row) < 12 or row[0] != _WORD_LEVEL:
            continue
        text = restrict_to_vietnamese(nfc(row[11].strip()))
        confidence = float(row[10])
        if not text or confidence < 0:
            continue
        left, top, width, height = (int(v) for v in row[6:10])
        key = (int(row[2]), int(row[3]), int(row[4]))
        words_by_line[key].append(
            Word(text, (left, top, left + width, top + height), confidence / 100.0)
        )
    lines: list[Line] = []
    paragraphs: dict[tuple[int, int], int] = {}
    for (block, paragraph, _), words in words_by_line.items():  # dicts keep TSV order
        block_id = paragraphs.setdefault((block, paragraph), len(paragraphs))
        lines.append(Line(tuple(words), union_box(w.bbox for w in words), block_id))
    return OcrText(tuple(lines), engine=engine)
