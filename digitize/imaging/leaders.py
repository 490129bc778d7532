"""Dotted leaders kept away from OCR: they carry no text but cost OCR time.

Forms are full of "Họ và tên: NGUYỄN VĂN AN ...............". Tesseract's LSTM reads
every text line column by column, so each leader lengthens the line it decodes, only
to type out dots. `erase_leaders` paints them white in the black-and-white image sent
to OCR (the archived page keeps them) and says where they were; `restore_leaders` puts
them back into the text read, as dots at their place, so the text and the text layer
read as before: a line keeps its order in the PDF's text even where a leader left a
wide gap between two words.

A leader is a run of at least `MIN_RUN` dot-sized marks, evenly spaced along one
horizontal line, with nothing else above, below or between them, and no text after it
or no text before it on its line (see `_at_a_line_end`). Vietnamese marks
never qualify: the dot below (ạ ệ ộ ự ...), the dot of i and j and the tone marks all
sit within a fraction of a letter's height of their letter, which the clearance test
finds; a full stop or decimal point is a single dot; an ellipsis ("...", three dots)
in a sentence is shorter than a run and is left to OCR.

Sizes are relative to the page's own letter height, so any dpi and point size works.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import cv2
import numpy as np

from digitize.imaging.common import label_components, px
from digitize.results import BBox, Line, OcrText, Word, union_box

MIN_RUN = 5  # dots in a row; "..." in a sentence stays text
_MIN_LETTERS = 20  # fewer letter-sized marks than this: no reliable letter height
_LETTER_MIN_MM, _LETTER_MAX_MM = 1.0, 8.0  # letters from 6 to 30 pt; dots are below 0.8 mm
_DOT_MAX = 0.4  # a dot's width and height at most this share of the letter height
_DOT_MIN_FILL = 0.45  # dots are solid; a disc fills 79 % of its box
_DOT_MAX_ASPECT = 2.0  # hyphens and dashes are wider
_STEP_MIN, _STEP_MAX = 0.15, 1.2  # centre-to-centre spacing, in letter heights
_STEP_TOLERANCE = 0.3  # each step within 30 % of the run's median step: evenly spaced
_ROW_TOLERANCE = 0.5  # of the dot height: dots of one run sit on one line
_CLEARANCE = 0.6  # letter heights above and below a run kept free of other ink
_HIDDEN_MOST = 4.0  # letter heights of a typed value's word with no dot of its blank showing
# Dots a value typed over a blank leaves showing, at least; one dot past a leader's end
# is the numbering of the next field ("..........6. Email").
_SHOWING_LEAST = 2
_PHASE = 0.25  # of the leader's step: how far off its spacing a dot of the same blank sits
_POOL, _POOL_FROM_DPI = 2, 180  # pages this sharp are labelled in 2x2 blocks


@dataclass(frozen=True, slots=True)
class Leader:
    """An erased run of dots: its box in the image's pixels and how many dots it had."""

    bbox: BBox
    dots: int

    def shifted(self, dx: int, dy: int) -> Leader:
        x0, y0, x1, y1 = self.bbox
        return Leader((x0 + dx, y0 + dy, x1 + dx, y1 + dy), self.dots)


def erase_leaders(black_white: np.ndarray, dpi: float) -> list[Leader]:
    """Paint dotted leaders white in a page with ink 0 and paper 255, in place."""
    # Labelling is the cost here, so it runs on 2x2 blocks (a block with any ink is ink):
    # a quarter of the pixels, and from 180 dpi up dots stay apart from each other and
    # from letters.
    pool = _POOL if dpi >= _POOL_FROM_DPI else 1
    height, width = (size - size % pool for size in black_white.shape)
    small = black_white[:height, :width]
    if pool > 1:
        small = cv2.resize(small, (width // pool, height // pool), interpolation=cv2.INTER_AREA)
    ink = (small < 255).view(np.uint8)
    del small
    count, labels, stats, centroids = label_components(ink)
    del ink
    if count <= MIN_RUN:
        return []
    x, y, w, h = (stats[:, i] for i in range(4))
    letter = _letter_height(h, w, dpi / pool)
    if letter is None:
        return []
    dots = _dot_shaped(stats, letter)
    dot_max = _DOT_MAX * letter
    small = (w <= dot_max) & (h <= dot_max)  # dot-sized, whatever their shape
    candidates = np.flatnonzero(dots)
    if candidates.size < MIN_RUN:
        return []
    # Any ink but the run's own dots blocks it: letters, lines, and dots too (the other
    # dot of a colon, the dot of an i).
    blocker = np.ones(count, bool)
    blocker[0] = False
    leaders = []
    clear_runs: list[list[int]] = []  # the dotted blanks, erased or not
    for run in _runs(candidates, centroids, h, letter):
        blocker[run] = False
        parts = _clear_parts(run, labels, blocker, stats, letter)
        blocker[run] = True
        clear_runs += parts
        for part in (p for p in parts if _at_a_line_end(p, labels, stats, letter, small)):
            # A dot's box holds no other ink (the clearance test saw to it): paint it all.
            for label in part:
                lx, ly, lw, lh = (int(v) * pool for v in stats[label, :4])
                black_white[ly : ly + lh, lx : lx + lw] = 255
            x0, y0 = int(x[part].min()), int(y[part].min())
            x1, y1 = int((x[part] + w[part]).max()), int((y[part] + h[part]).max())
            box = (x0 * pool, y0 * pool, x1 * pool, y1 * pool)
            leaders.append(Leader(box, len(part)))
    # Dots of a blank showing between the letters of a value typed over it: OCR reads
    # them into the value ("1,6/1.1/1.894", "Vũ..T.hùy"). Gone, and not put back.
    blanks = [
        _Blank(
            float(x[run].min()) * pool,
            float((x[run] + w[run]).max()) * pool,
            float(centroids[run, 0].min() + 0.5) * pool,  # a pooled pixel's centre
            float(centroids[run, 0].max() + 0.5) * pool,
            float(centroids[run, 1].mean() + 0.5) * pool,
            # over the whole run: a pooled step is whole pixels, too coarse to keep
            # the spacing over the value's width
            float(np.ptp(centroids[run, 0]) / (len(run) - 1)) * pool,
        )
        for run in clear_runs
    ]
    erase_dots_under_values(black_white, blanks, letter * pool)
    return leaders


def _dot_shaped(stats: np.ndarray, letter: float) -> np.ndarray:
    """Which components (rows of `stats`) are dots: small beside `letter`, solid and
    round enough; never the background (row 0)."""
    w, h, area = stats[:, 2], stats[:, 3], stats[:, 4]
    dot_max = _DOT_MAX * letter
    dots = (
        (w <= dot_max)
        & (h <= dot_max)
        & (area >= _DOT_MIN_FILL * w * h)
        & (np.maximum(w, h) <= _DOT_MAX_ASPECT * np.minimum(w, h))
    )
    dots[0] = False  # the background
    return dots


@dataclass(frozen=True, slots=True)
class _Blank:
    """A dotted blank's run found on the page, in full-size pixels."""

    left: float  # the run's box
    right: float
    first: float  # its end dots' centres
    last: float
    row: float
    step: float


def erase_dots_under_values(black_white: np.ndarray, blanks: list[_Blank], letter: float) -> int:
    """Paint white the dots of the dotted blanks `blanks` that show past the runs' ends,
    between the letters of a value typed over the blank; how many went.

    A dot goes on its blank's row and at its spacing, within `_HIDDEN_MOST` letter
    heights of the last one (a word hides the dots under it; the label before the blank
    and the next field are further off), and only when at least `_SHOWING_LEAST` show.
    A dot that is a letter's mark (see `_mark_of`) is never one of them, and the
    label's colon ends the search. Done
    at full resolution, row by row: at half size these dots touch the digits beside
    them."""
    erased = 0
    height = black_white.shape[0]
    for row in _rows(blanks, letter):
        top = max(0, round(row[0].row - 1.5 * letter))
        bottom = min(height, round(row[0].row + 1.0 * letter))
        strip = black_white[top:bottom]
        count, labels, stats, centroids = label_components((strip < 255).view(np.uint8))
        if count <= 1:
            continue
        x, w, h = stats[:, 0], stats[:, 2], stats[:, 3]
        dots = _dot_shaped(stats, letter)
        for blank in row:  # the runs' own dots are the leader's, left to the code above
            dots &= ~((x >= blank.left - 1) & (x + w <= blank.right + 1))
        free = np.flatnonzero(dots)
        if free.size == 0:
            continue
        tolerance = max(2.0, _ROW_TOLERANCE * float(np.median(h[free])))
        reach = max(1, round(_CLEARANCE * letter))
        found: set[int] = set()
        for blank in row:
            for direction in (-1, 1):
                last_x = blank.first if direction < 0 else blank.last
                last_y = blank.row - top
                chain: list[int] = []
                ahead = free[(centroids[free, 0] - last_x) * direction > 0]
                for label in ahead[np.argsort((centroids[ahead, 0] - last_x) * direction)]:
                    cx, cy = float(centroids[label, 0]), float(centroids[label, 1])
                    gap = (cx - last_x) * direction
                    if gap > _HIDDEN_MOST * letter:
                        break
                    steps = gap / blank.step
                    if abs(steps - round(steps)) > _PHASE or abs(cy - last_y) > tolerance:
                        continue
                    mark = _mark_of(int(label), stats, centroids, labels, reach)
                    if mark == "colon":
                        break  # the label's colon: the blank starts after it
                    if mark:
                        continue
                    chain.append(int(label))
                    last_x, last_y = cx, cy
                if len(chain) >= _SHOWING_LEAST:
                    found.update(chain)
        for label in found:
            lx, ly, lw, lh = (int(v) for v in stats[label, :4])
            region = strip[ly : ly + lh, lx : lx + lw]
            region[labels[ly : ly + lh, lx : lx + lw] == label] = 255
        erased += len(found)
    return erased


def _rows(blanks: list[_Blank], letter: float) -> list[list[_Blank]]:
    """The blanks grouped by the text row they stand on."""
    rows: list[list[_Blank]] = []
    for blank in sorted(blanks, key=lambda b: b.row):
        if rows and blank.row - rows[-1][-1].row <= 0.3 * letter:
            rows[-1].append(blank)
        else:
            rows.append([blank])
    return rows


def _mark_of(
    label: int, stats: np.ndarray, centroids: np.ndarray, labels: np.ndarray, reach: int
) -> Literal["letter", "colon"] | None:
    """What ink above or below the dot makes it part of: a letter standing centred over
    it (the dot below ạ or ị, the stem under an i's dot), or a colon (another dot right
    over or under it). None when it is nobody's: a letter merely beside it (a typed
    value's digit, its box overhanging the dot's column by a pixel) does not count."""
    _, y, w, h = (int(v) for v in stats[label, :4])
    cx = float(centroids[label, 0])
    column = round(cx)
    window = labels[max(0, y - reach) : y + h + reach, max(0, column - 1) : column + 2]
    for other in np.unique(window):
        if other in (0, label):
            continue
        ox, _, ow, oh = (int(v) for v in stats[other, :4])
        if max(ow, oh) <= 2 * max(w, h):
            if abs(float(centroids[other, 0]) - cx) <= max(w, 2):
                return "colon"
            continue
        if 0.2 <= (cx - ox) / ow <= 0.8:
            return "letter"
    return None


def _letter_height(h: np.ndarray, w: np.ndarray, dpi: float) -> float | None:
    """Median height of letter-sized marks, or None on a page with too few of them."""
    low, high = px(_LETTER_MIN_MM, dpi), px(_LETTER_MAX_MM, dpi)
    letters = h[1:][(h[1:] >= low) & (h[1:] <= high) & (w[1:] <= high)]
    if letters.size < _MIN_LETTERS:
        return None
    return float(np.median(letters))


def _runs(
    candidates: np.ndarray, centroids: np.ndarray, h: np.ndarray, letter: float
) -> list[list[int]]:
    """Candidate dots (labels) grouped into evenly spaced horizontal runs of MIN_RUN or more."""
    cx, cy = centroids[candidates, 0], centroids[candidates, 1]
    tolerance = max(1.5, _ROW_TOLERANCE * float(np.median(h[candidates])))
    # Rows: dots sorted by height, split where the next one is clearly lower. A slight
    # residual skew only moves neighbouring dots of a run by a fraction of a pixel.
    order = np.argsort(cy, kind="stable")
    breaks = np.flatnonzero(np.diff(cy[order]) > tolerance) + 1
    runs: list[list[int]] = []
    for row in np.split(order, breaks):
        if row.size < MIN_RUN:
            continue
        row = row[np.argsort(cx[row], kind="stable")]
        steps = np.diff(cx[row])
        linked = (
            (steps >= _STEP_MIN * letter)
            & (steps <= _STEP_MAX * letter)
            & (np.abs(np.diff(cy[row])) <= tolerance)
        )
        for chain in _split(row, linked):
            runs.extend(_even_runs(chain, cx))
    return [[int(candidates[i]) for i in run] for run in runs]


def _split(items: np.ndarray, linked: np.ndarray) -> list[np.ndarray]:
    """Consecutive items joined where `linked[i]` holds between item i and i+1."""
    cuts = np.flatnonzero(~linked) + 1
    return [part for part in np.split(items, cuts) if part.size >= MIN_RUN]


def _even_runs(chain: np.ndarray, cx: np.ndarray) -> list[np.ndarray]:
    """Parts of a chain whose steps all stay close to the chain's typical step."""
    steps = np.diff(cx[chain])
    typical = float(np.median(steps))
    even = np.abs(steps - typical) <= max(1.5, _STEP_TOLERANCE * typical)
    if even.all():
        return [chain]
    # Two spacings side by side (two leaders meeting): each part is judged on its own.
    return [run for part in _split(chain, even) for run in _even_runs(part, cx)]


def _clear_parts(
    run: list[int],
    labels: np.ndarray,
    blocker: np.ndarray,
    stats: np.ndarray,
    letter: float,
) -> list[list[int]]:
    """The run cut wherever other ink lies near a dot or between two dots.

    A dot below or above a letter has its letter within a fraction of a letter height;
    a leader dot has clear paper above, below and on to the next dot.
    """
    reach = round(_CLEARANCE * letter)
    height, width = labels.shape

    def clear(x0: int, y0: int, x1: int, y1: int) -> bool:
        window = labels[max(0, y0 - reach) : min(height, y1 + reach), max(0, x0) : min(width, x1)]
        return not blocker[window].any()

    boxes = stats[run, :4]
    if clear(
        int(boxes[:, 0].min()),
        int(boxes[:, 1].min()),
        int((boxes[:, 0] + boxes[:, 2]).max()),
        int((boxes[:, 1] + boxes[:, 3]).max()),
    ):
        return [run]  # the usual case, in one look
    parts: list[list[int]] = []
    current: list[int] = []
    for position, label in enumerate(run):
        x, y, w, h = (int(v) for v in stats[label, :4])
        if clear(x, y, x + w, y + h):
            current.append(label)
            if position + 1 < len(run):
                # The gap on to the next dot, over the height of both.
                nx, ny, _, nh = (int(v) for v in stats[run[position + 1], :4])
                if clear(x + w, min(y, ny), nx, max(y + h, ny + nh)):
                    continue
        if len(current) >= MIN_RUN:
            parts.append(current)
        current = []
    return parts


def _at_a_line_end(
    run: list[int], labels: np.ndarray, stats: np.ndarray, letter: float, small: np.ndarray
) -> bool:
    """No text to the right of the run on its text line, or none to its left: no ink
    there but dot-sized marks (`small`).

    Leaders between two fields stay: without them Tesseract misjudged the spacing of the
    rest of the line ("số: 533" came out "số:533", "304,3 m2" as "3043m2") and saved
    little, as they are short (6 dots where a line's last leader has 15). A leader that
    starts its line has no field before it to misjudge, and left in, it spoils the word
    after it: "........., ngày ...... tháng" in italics was read "IQÂY ...... thúng".
    """
    boxes = stats[run, :4]
    left = int(boxes[:, 0].min())
    right = int((boxes[:, 0] + boxes[:, 2]).max())
    top = max(0, int(boxes[:, 1].min()) - round(letter))
    bottom = int((boxes[:, 1] + boxes[:, 3]).max()) + round(_CLEARANCE * letter)
    # Dots do not make a field: a scanner's specks out in the margin, the dots of a
    # second leader. Any letter does (the "6" of "....... 6. Email:").
    return _only_dots(labels[top:bottom, right:], small) or _only_dots(
        labels[top:bottom, :left], small
    )


def _only_dots(window: np.ndarray, small: np.ndarray) -> bool:
    found = np.unique(window)
    return not (~small[found[found > 0]]).any()


def restore_leaders(text: OcrText, leaders: list[Leader]) -> OcrText:
    """The text with each erased leader back as dots, at its place in its line.

    Boxes of `text` and `leaders` must be in the same pixels. A leader typed right after
    a word ("AN.....") joins that word, as OCR would have read it; one after a space is
    a word of its own; one on a line OCR found nothing else on becomes a line. What OCR
    read over a leader without a letter or digit goes: the clearance test left no ink
    there, so it is a speck further off or a dash imagined in the blank.
    """
    if not leaders:
        return text
    page_confidence = text.confidence
    lines = [list(line.words) for line in text.lines]
    blocks = [line.block for line in text.lines]
    kept: list[Line | None] = list(text.lines)  # None: changed, its box is made anew
    for leader in sorted(leaders, key=lambda lead: (lead.bbox[1], lead.bbox[0])):
        index = _line_of(leader, lines)
        if index is None:
            index = _new_line_index(leader, lines)
            lines.insert(index, [])
            blocks.insert(index, blocks[index - 1] if index else (blocks[0] if blocks else 0))
            kept.insert(index, None)
        lines[index] = [w for w in lines[index] if not _noise_over(w, leader)]
        _insert(leader, lines[index], 1.0 if page_confidence is None else page_confidence)
        kept[index] = None
    return OcrText(
        tuple(
            line or Line(tuple(words), union_box([w.bbox for w in words]), block)
            for words, block, line in zip(lines, blocks, kept, strict=True)
            if words
        ),
        engine=text.engine,
    )


def _line_of(leader: Leader, lines: list[list[Word]]) -> int | None:
    """The line whose height holds the leader's dots (they sit on its baseline)."""
    middle = (leader.bbox[1] + leader.bbox[3]) / 2
    best, best_distance = None, float("inf")
    for index, words in enumerate(lines):
        if not words:
            continue
        top = min(w.bbox[1] for w in words)
        bottom = max(w.bbox[3] for w in words)
        if top <= middle <= bottom:
            distance = abs(middle - (top + bottom) / 2)
            if distance < best_distance:
                best, best_distance = index, distance
    return best


def _noise_over(word: Word, leader: Leader) -> bool:
    middle = (word.bbox[0] + word.bbox[2]) / 2
    over = leader.bbox[0] <= middle <= leader.bbox[2]
    return over and not any(char.isalnum() for char in word.text)


def _new_line_index(leader: Leader, lines: list[list[Word]]) -> int:
    """Where a line holding only the leader goes in reading order (top to bottom)."""
    middle = (leader.bbox[1] + leader.bbox[3]) / 2
    for index, words in enumerate(lines):
        if words and (words[0].bbox[1] + words[0].bbox[3]) / 2 > middle:
            return index
    return len(lines)


def _insert(leader: Leader, words: list[Word], default_confidence: float) -> None:
    x0 = leader.bbox[0]
    position = sum(1 for w in words if w.bbox[0] < x0)
    dots = "." * leader.dots
    step = (leader.bbox[2] - leader.bbox[0]) / leader.dots
    if position:
        before = words[position - 1]
        if x0 - before.bbox[2] < step:  # no space between the word and its leader
            words[position - 1] = Word(
                before.text + dots, union_box([before.bbox, leader.bbox]), before.confidence
            )
            return
    # Not 1.0: dots OCR never read must not lift the confidence of a poorly read line.
    confidence = sum(w.confidence for w in words) / len(words) if words else default_confidence
    words.insert(position, Word(dots, leader.bbox, confidence))
