"""Whether the ink of a value sits on a straight baseline, as print does (issue 13, point 4).

Typed letters stand on one baseline (only descenders and marks under a letter go below
it); a hand's letters do not: the writing rises and falls along the line, letters lean
and come out of different sizes. Measured on the value's box only, once understanding
knows where the value is, on the page image as archived (grey), binarised here: never the
ink's colour or darkness, which says how a pen or a scanner works, not whether a hand
wrote.

Decoding the page image is most of the check's cost, so `digitize process` cuts each
OCR line's ink into pieces while the page image is at hand (`measure_lines`) and keeps
them with the line (`LineInk`); understanding then measures a value from its line's
pieces (`stored_on_baseline`) and decodes a page only for lines stored without them
(results of older versions, pages that kept their own text).
"""

from __future__ import annotations

import io
import struct
import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
import pikepdf
from pikepdf import PdfImage
from PIL import Image

from digitize.results import BBox, Line, LineInk

# Ink taken for letters: between 0.45 and 2.5 times the print's height, at most 4 times
# as wide (a word written joined up still counts; a rule or a leader line does not).
_LETTER_MIN, _LETTER_MAX, _LETTER_WIDEST = 0.45, 2.5, 4.0
# How far from the baseline a letter's foot may stand and still sit on it.
_ON_BASELINE = 0.08
_FEWEST_LETTERS = 4  # fewer: no baseline to speak of


def letters_on_baseline(grey: np.ndarray, print_height: float) -> float | None:
    """The share of the letters in `grey` (a value's box, some margin above and below)
    whose feet stand on one straight line (fitted through the feet, robust to the
    descenders), within 8 % of `print_height`; None when fewer than 4 letters are found."""
    if grey.size == 0 or print_height <= 0:
        return None
    x, y, w, h = _pieces(grey)
    return _on_baseline(x, y, w, h, print_height)


def _pieces(grey: np.ndarray) -> tuple[np.ndarray, ...]:
    """The 8-connected pieces of `grey`'s ink at its Otsu threshold: x, y, width, height."""
    _, ink = cv2.threshold(grey, 0, 255, cv2.THRESH_BINARY_INV | cv2.THRESH_OTSU)
    # 16-bit labels when they cannot run out (8-connected pieces stand at least a pixel
    # apart): the same pieces in half the time of 32-bit ones
    rows, cols = ink.shape
    wide = cv2.CV_16U if ((rows + 1) // 2) * ((cols + 1) // 2) < 2**16 else cv2.CV_32S
    _, _, stats, _ = cv2.connectedComponentsWithStats(ink, connectivity=8, ltype=wide)
    return tuple(stats[1:, k] for k in range(4))


def _on_baseline(
    x: np.ndarray, y: np.ndarray, w: np.ndarray, h: np.ndarray, print_height: float
) -> float | None:
    """`letters_on_baseline` from a box's pieces (their places in the box's pixels)."""
    # as arrays, not row by row: a scan's specks make a box's pieces many
    letters = (
        (_LETTER_MIN * print_height <= h)
        & (h <= _LETTER_MAX * print_height)
        & (w <= _LETTER_WIDEST * print_height)
    )
    if np.count_nonzero(letters) < _FEWEST_LETTERS:
        return None
    xs = x[letters] + w[letters] / 2
    feet = (y[letters] + h[letters]).astype(np.float64)
    # Theil-Sen: the median of the slopes between every two letters (a page a little
    # skewed is still one straight line; a few descenders do not pull it)
    dx = xs[None, :] - xs[:, None]
    dy = feet[None, :] - feet[:, None]
    pairs = np.triu(dx != 0, 1)
    slope = float(np.median(dy[pairs] / dx[pairs])) if pairs.any() else 0.0
    off = feet - slope * xs
    off -= np.median(off)
    return float(np.mean(np.abs(off) <= _ON_BASELINE * print_height))


# A line's band: this much of the page's print height above and below its words, as
# understanding crops a value (fields._ink_off_baseline).
BAND_MARGIN = 0.3


def print_height(lines: Sequence[Line]) -> float:
    """A page's print: the median height of its words of 3 letters or more read surely
    (0 when there are none)."""
    heights = sorted(
        w.bbox[3] - w.bbox[1]
        for line in lines
        for w in line.words
        if w.confidence > 0.9 and len(w.text) > 2
    )
    return float(heights[len(heights) // 2]) if heights else 0.0


def measure_lines(image: PageImage | None, lines: tuple[Line, ...]) -> tuple[Line, ...]:
    """`lines` (a page's, as its report keeps them) each with its ink cut into pieces
    (`LineInk`) on `image`, the page image as archived; unchanged without an image or
    print to measure against."""
    height = print_height(lines)
    if image is None or height <= 0 or max(image.image.size) > _MOST_PIXELS:
        return lines
    margin = round(BAND_MARGIN * height)
    lowest = _LETTER_MIN * height
    measured = []
    for line in lines:
        boxes = [line.bbox, *(w.bbox for w in line.words)]
        x0 = max(0, min(b[0] for b in boxes))
        y0 = max(0, min(b[1] for b in boxes) - margin)
        x1 = min(image.image.width, max(b[2] for b in boxes))
        y1 = min(image.image.height, max(b[3] for b in boxes) + margin)
        if x1 <= x0 or y1 <= y0 or not line.words:
            measured.append(line)
            continue
        x, y, w, h = _pieces(image.grey(x0, y0, x1, y1))
        tall = h >= lowest  # clipped to a value's box a piece only gets smaller
        packed = np.stack([x[tall] + x0, y[tall] + y0, w[tall], h[tall]], axis=1)
        ink = LineInk(int(height), (x0, y0, x1, y1), packed.astype("<u2").tobytes())
        measured.append(Line(line.words, line.bbox, line.block, ink))
    return tuple(measured)


# Pieces are kept as 16-bit numbers: larger pages are measured from their image instead.
_MOST_PIXELS = 2**16 - 1


def stored_on_baseline(
    lines: Sequence[Line], box: BBox, print_height: float
) -> tuple[bool, float | None]:
    """`letters_on_baseline` of the page's pixels in `box` (a value's part on one line,
    with its margins) from the ink pieces stored with the page's lines: (True, share)
    from the tightest line band holding the box, cut for this print height; (False,
    None) when no line's stored pieces hold it (the page image must be looked at)."""
    pieces = stored_pieces(lines, box, print_height)
    if pieces is None:
        return False, None
    if pieces.size == 0 or print_height <= 0:
        return True, None
    x0, y0 = max(0, box[0]), max(0, box[1])
    x, y, w, h = pieces.T
    return True, _on_baseline(x - x0, y - y0, w, h, print_height)


def stored_pieces(
    lines: Sequence[Line], box: BBox, print_height: float, *, reach: int = 0
) -> np.ndarray | None:
    """The ink pieces in `box` (x, y, width, height in page pixels, each cut to the box as
    a crop of the page cuts it) from the tightest line band holding it, cut for this
    print height, and `reach` pixels left of it as far as that band goes; None when no
    line's stored pieces hold it."""
    x0, y0, x1, y1 = (max(0, v) for v in box)
    band: LineInk | None = None
    for line in lines:
        ink = line.ink
        if (
            ink is not None
            and ink.print_height == print_height
            and ink.box[0] <= x0
            and ink.box[1] <= y0
            and x1 <= ink.box[2]
            and y1 <= ink.box[3]
            and (band is None or _area(ink.box) < _area(band.box))
        ):
            band = ink
    if band is None:
        return None
    x0 = max(band.box[0], x0 - reach)
    if x1 <= x0 or y1 <= y0:
        return np.zeros((0, 4), np.int64)
    pieces = np.frombuffer(band.pieces, "<u2").reshape(-1, 4).astype(np.int64)
    left = np.maximum(pieces[:, 0], x0)
    top = np.maximum(pieces[:, 1], y0)
    right = np.minimum(pieces[:, 0] + pieces[:, 2], x1)
    bottom = np.minimum(pieces[:, 1] + pieces[:, 3], y1)
    inside = (right > left) & (bottom > top)
    left, top, right, bottom = left[inside], top[inside], right[inside], bottom[inside]
    return np.stack([left, top, right - left, bottom - top], axis=1)


def page_pieces(grey: np.ndarray | None, box: BBox) -> np.ndarray | None:
    """The ink pieces of `grey`, the page's pixels in `box`, in page pixels (as
    `stored_pieces` gives them); None without pixels."""
    if grey is None or grey.size == 0:
        return None
    x, y, w, h = _pieces(grey)
    return np.stack([x + max(0, box[0]), y + max(0, box[1]), w, h], axis=1).astype(np.int64)


# A value too short for a baseline of its own ("Nam", "Nữ") is held against the print
# before it on its line, its label: typed, its letters stand on the label's baseline
# (median foot within 0.15 of the print's height on the tuned templates' copies) at
# about the label's letters' size (at most 1.24 times); written by hand, they stood
# 0.21-0.55 off it and 1.19-1.92 times as tall (the helper's half-handwritten sets).
_SHORT_OFF_LINE = 0.2
_SHORT_TALLER = 1.15
_FEWEST_LABEL_LETTERS = 3
LABEL_REACH = 15  # print heights left of the value: the label's last words


def off_the_labels_line(pieces: np.ndarray, value: BBox, print_height: float) -> bool | None:
    """Whether a short value's letters (`value`: its box) stand off the baseline of the
    print just before them on their line and taller than its letters; `pieces`: the
    line band's (label and value) ink pieces in page pixels. None when either has too
    few letters to tell."""
    if print_height <= 0 or pieces.size == 0:
        return None
    x, y, w, h = pieces.T
    letters = (
        (_LETTER_MIN * print_height <= h)
        & (h <= _LETTER_MAX * print_height)
        & (w <= _LETTER_WIDEST * print_height)
    )
    x0, _, x1, _ = value
    own = letters & (x >= x0) & (x + w <= x1)
    label = letters & (x + w <= x0) & (x + w >= x0 - LABEL_REACH * print_height)
    if not own.any() or np.count_nonzero(label) < _FEWEST_LABEL_LETTERS:
        return None
    baseline = np.median((y + h)[label])
    off = np.median(np.abs((y + h)[own] - baseline)) / print_height
    taller = np.median(h[own]) / np.median(h[label])
    return bool(off >= _SHORT_OFF_LINE and taller >= _SHORT_TALLER)


def _area(box: BBox) -> int:
    return (box[2] - box[0]) * (box[3] - box[1])


def pdf_page_ink(pdf: Path, index: int) -> Callable[[BBox], np.ndarray | None]:
    """The grey pixels inside a box of page `index` (0-based) of a PDF the pipeline wrote
    (one image a page, in the same pixels as the page report's boxes). The image is
    decoded at the first look only, so pages whose values need no look cost nothing, and
    only down to that box (ask for the lowest box first); the last two pages decoded are
    kept, never a whole file's."""
    return box_crops(lambda rows: _page_image(pdf, index, rows))


def box_crops(image: Callable[[int], PageImage | None]) -> Callable[[BBox], np.ndarray | None]:
    """A box's pixels of the page image `image(rows)` gives, decoded down to at least
    `rows` (called at each look: it keeps whatever cache it wants)."""

    def crop(box: BBox) -> np.ndarray | None:
        x0, y0, x1, y1 = (max(0, v) for v in box)
        page = image(y1)
        return None if page is None else page.grey(x0, y0, x1, y1)

    return crop


@dataclass(frozen=True, slots=True)
class PageImage:
    """A page's image as decoded: its top `image.height` rows, or all of it (`whole`).
    Kept as Pillow decoded it; a box is made grey only when looked at, which costs far
    less than making the whole page grey (a bilevel page is 1 bit a pixel)."""

    image: Image.Image
    whole: bool

    def covers(self, rows: int) -> bool:
        return self.whole or self.image.height >= rows

    def grey(self, x0: int, y0: int, x1: int, y1: int) -> np.ndarray:
        """The box's pixels in grey, cut to the image as a numpy slice would be."""
        x1, y1 = min(x1, self.image.width), min(y1, self.image.height)
        if x1 <= x0 or y1 <= y0:
            return np.zeros((0, 0), np.uint8)
        box = self.image.crop((x0, y0, x1, y1))
        return np.asarray(box if box.mode == "L" else box.convert("L"))


def page_image(pdf: Path, index: int, rows: int | None = None) -> PageImage | None:
    """Page `index`'s image of a PDF the pipeline wrote, decoded down to row `rows` at
    least (None: all of it), not cached; None when the page is not one image (its boxes
    are then not its pixels)."""
    try:
        with pikepdf.open(pdf) as document:
            images = document.pages[index].get_images(recursive=False)
            if len(images) != 1:
                return None  # not a page the pipeline drew: its boxes are not its pixels
            raw = next(iter(images.values()))
            width, height = int(raw.Width), int(raw.Height)
            top = height if rows is None else max(1, min(rows, height))
            decoded = _top_rows(raw, width, height, top)
            if decoded is not None:
                return PageImage(decoded, whole=top == height)
            return PageImage(PdfImage(raw).as_pil_image().convert("L"), whole=True)
    except (
        OSError,
        IndexError,
        ValueError,
        struct.error,  # a JPEG cut short in its headers
        Image.DecompressionBombError,
        pikepdf.PdfError,
        NotImplementedError,
    ):
        return None  # no image to look at: the check is skipped, not the page


def _top_rows(raw: pikepdf.Object, width: int, height: int, rows: int) -> Image.Image | None:
    """The image's top `rows` rows (or more), for the two kinds the pipeline writes: a
    JPEG told its frame is `rows` high and a CCITT G4 stream told it has `rows` rows are
    both decoded only that far, pixel for pixel as a whole decode gives them (both code
    a page from the top down); the decoding is most of the check's cost. A JPEG that
    cannot be cut short is decoded whole, to the same grey. None for any other image."""
    filters = raw.get("/Filter")
    if filters == pikepdf.Name.DCTDecode and "/Decode" not in raw:
        data = raw.read_raw_bytes()
        cut = _jpeg_of_height(data, rows) if rows < height else None
        image = Image.open(io.BytesIO(cut or data))
        if image.size != (width, rows if cut else height):
            return None  # not the frame the PDF says
        if image.mode != "L":
            image.draft("L", image.size)  # the JPEG's luma, as a grey decode gives it
        image.load()
        return image if image.mode == "L" else image.convert("L")
    if filters == pikepdf.Name.CCITTFaxDecode and "/Decode" not in raw:
        parms = raw.get("/DecodeParms")
        if not isinstance(parms, pikepdf.Dictionary):
            return None
        if (
            int(parms.get("/K", 0)) >= 0
            or bool(parms.get("/BlackIs1", False))
            or bool(parms.get("/EncodedByteAlign", False))
            or int(parms.get("/Columns", 1728)) != width
        ):
            return None  # not the G4 the pipeline writes
        image = Image.open(io.BytesIO(_g4_tiff(raw.read_raw_bytes(), width, rows)))
        image.load()
        return image
    return None


# JPEG markers: start of a frame coded sequentially with Huffman codes (baseline or
# extended), start of a scan; markers with no length after them.
_SEQUENTIAL_FRAMES = (0xC0, 0xC1)
_START_OF_SCAN = 0xDA
_NO_LENGTH = frozenset({0x01, *range(0xD0, 0xD8)})


def _jpeg_of_height(data: bytes, rows: int) -> bytes | None:
    """`data` with its frame header saying `rows` rows, so a decoder stops there, when
    that is safe: a sequential frame coded in one scan of all its components (its MCU
    rows in order, top to bottom); None otherwise (progressive, several scans)."""
    at, frame = 2, None
    while at + 4 <= len(data) and data[at] == 0xFF:
        marker = data[at + 1]
        if marker == 0xFF:
            at += 1  # a fill byte before a marker
            continue
        if marker in _NO_LENGTH:
            at += 2
            continue
        (length,) = struct.unpack_from(">H", data, at + 2)
        if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
            if marker not in _SEQUENTIAL_FRAMES:
                return None
            frame = at
        elif marker == _START_OF_SCAN:
            if frame is None or data[at + 4] != data[frame + 9]:
                return None  # one scan of some components: more scans follow
            (height,) = struct.unpack_from(">H", data, frame + 5)
            if height == 0 or rows > height:
                return None  # the height comes later (DNL), or is not the PDF's
            patched = bytearray(data)
            struct.pack_into(">H", patched, frame + 5, rows)
            return bytes(patched)
        at += 2 + length
    return None


def _g4_tiff(data: bytes, width: int, rows: int) -> bytes:
    """A TIFF of a CCITT G4 stream's top `rows` rows (white is zero, as the PDF's
    /BlackIs1 false says): libtiff decodes only that many."""
    tags = (  # tag, type (3 short, 4 long), value
        (256, 4, width),  # ImageWidth
        (257, 4, rows),  # ImageLength
        (258, 3, 1),  # BitsPerSample
        (259, 3, 4),  # Compression: CCITT T.6 (G4)
        (262, 3, 0),  # PhotometricInterpretation: WhiteIsZero
        (273, 4, 8 + 2 + 12 * 8 + 4),  # StripOffsets: the data after this header
        (278, 4, rows),  # RowsPerStrip
        (279, 4, len(data)),  # StripByteCounts
    )
    header = struct.pack("<2sHLH", b"II", 42, 8, len(tags))
    for tag, kind, value in tags:
        packed = struct.pack("<HH", value, 0) if kind == 3 else struct.pack("<L", value)
        header += struct.pack("<HHL", tag, kind, 1) + packed
    return header + struct.pack("<L", 0) + data


# The last two pages decoded, by path and page: a file's pages are looked at in order.
# The lock keeps the cache whole when files are understood in threads side by side.
_KEPT = 2
_decoded: OrderedDict[tuple[Path, int], PageImage | None] = OrderedDict()
_decoded_lock = threading.Lock()


def _page_image(pdf: Path, index: int, rows: int) -> PageImage | None:
    key = (pdf, index)
    with _decoded_lock:
        seen = key in _decoded
        kept = _decoded.get(key)
        if seen:
            _decoded.move_to_end(key)
    if seen and (kept is None or kept.covers(rows)):
        return kept
    # A box below what was decoded: all of it this time, so a caller that does not ask
    # for the lowest box first decodes a page at most twice.
    image = page_image(pdf, index, None if seen else rows)
    with _decoded_lock:
        _decoded[key] = image
        _decoded.move_to_end(key)
        while len(_decoded) > _KEPT:
            _decoded.popitem(last=False)
    return image
