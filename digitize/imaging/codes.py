"""QR codes and barcodes on a page: the dossier code on receipts and separator sheets.

`read_codes` returns every code it finds, decoded, and every code it can see but not
decode (``readable=False``), so that a damaged QR sends the dossier to review instead of
passing unnoticed.

How, and why this way:

1. **Decode the whole page at 200 dpi** (or the scan's own resolution when lower) with
   zxing-cpp, asking for QR, Code 128 and the two other common linear symbologies
   (Code 39, Code 93, reported as ``other``). 200 dpi keeps QR modules and ordinary
   Code 128 bars (>= 0.25 mm) at 2 pixels or more while costing about half of 300 dpi.
   Data Matrix and PDF417 are not asked for: each adds more than the rest together.
   That pass reads upright codes only (no sideways scan lines, no downscaled copies:
   each would double its time); step 2 finds the rest.
2. **Look for codes the first pass missed**, cheaply, on the same 200 dpi image:
   zxing's own failed attempts (a QR whose error correction failed, a Code 128 whose
   checksum did not match: found, not decoded); OpenCV's barcode *detector* (gradient
   texture at any angle: sideways bars, bars too thin to decode at 200 dpi); and QR
   finder patterns found here in the ink's contour tree (a solid square centred in a
   square hole in a ring one module thick), grouped in twos and threes as a QR's
   corners, or, when a torn-off corner took them, an alignment pattern amid module
   texture.
3. **Decode each candidate again**, thoroughly, from a crop of the full-resolution
   page: as scanned, enlarged (to 300 dpi at least), then sharpened and thresholded.
4. A candidate that still does not decode is reported unreadable only on strong
   evidence: QR finder or alignment patterns, zxing's failed QR, or bars verified here
   (many parallel edges that agree from row to row). Other candidates are dropped.

Library: **zxing-cpp** decodes, **OpenCV** (already a dependency) only detects.
Measured on synthetic A4 pages (tests/test_codes.py, bench/codes_speed.py): zxing-cpp
decodes QR and Code 128 at every orientation and through the blur and JPEG of a
scan, in 3-10 ms for a whole 200 dpi page, and reports the codes it found but could
not decode. OpenCV's ``QRCodeDetector`` needs ~100 ms per page just to detect, and
neither it nor zxing finds a QR whose format information a blot covers, hence the
finder patterns here. ``cv2.barcode`` decodes only EAN/UPC, not Code 128, but its
detector is a cheap (~8 ms) net for bars zxing's first pass did not catch. A
hand-written decoder (Reed-Solomon, QR masking and modes, Code 128 code sets) would
be a large, untested piece of code for what one maintained wheel does. A whole page
costs ~20-25 ms at 300 dpi without a code (see bench/codes_speed.py).

Every failure of either library counts as "nothing found there"; only input of the
wrong type raises (ValueError).
"""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from enum import StrEnum

import cv2
import numpy as np
import zxingcpp

from digitize.imaging.common import ink_threshold, label_components, px

WORK_DPI = 200.0  # first pass resolution: see the module docstring
_RETRY_MIN_DPI = 300.0  # candidates are decoded again at least this sharp
_MAX_UPSCALE = 3.0
_MARGIN_MM = 3.0  # paper around a candidate: zxing wants a quiet zone

_F = zxingcpp.BarcodeFormat
_QR_FORMATS = (_F.QRCodeModel2, _F.QRCodeModel1)  # asked for: not Micro QR, rMQR
_QR_RESULTS = (_F.QRCode, *_QR_FORMATS)  # reported: zxing names the family
_LINEAR_FORMATS = (_F.Code128, _F.Code39, _F.Code93)
_ALL_FORMATS = (*_QR_FORMATS, *_LINEAR_FORMATS)


class CodeKind(StrEnum):
    QR = "qr"
    CODE128 = "code128"
    OTHER = "other"  # Code 39 / 93, or bars whose symbology cannot be told


@dataclass(frozen=True, slots=True)
class Code:
    kind: CodeKind
    text: str  # decoded text, NFC; "" when unreadable
    bbox: tuple[int, int, int, int]  # x0, y0, x1, y1 (exclusive) in pixels of the image given
    readable: bool  # False: a code is there (finder patterns / bars found) but does not decode
    # Clockwise quarter turn (0, 90, 180, 270) that would make the symbol upright, as
    # decoded; None when unreadable. The one-stop system prints its codes upright.
    rotation: int | None = None


# -- candidates ---------------------------------------------------------------------------

_QR_EVIDENCE = 3  # finder patterns, or zxing found a QR: report it even if undecodable
_BAR_EVIDENCE = 2  # bars verified: report it as unreadable
_HINT = 1  # worth a second look, not worth a review flag


@dataclass(slots=True)
class _Candidate:
    box: tuple[float, float, float, float]  # x0, y0, x1, y1 in work pixels
    kind: CodeKind
    evidence: int


def read_codes(grey: np.ndarray, dpi: float) -> tuple[Code, ...]:
    """Every QR code and barcode on the page, in reading order.

    `grey`: the page in grey, uint8, 2-D; `dpi`: its resolution. Decodable codes come
    back with their text; codes that are clearly there but do not decode come back
    with ``readable=False`` and an empty text. Raises ValueError for other input.
    """
    _check_input(grey, dpi)
    grey = np.ascontiguousarray(grey)
    work, work_dpi, scale = _work_copy(grey, float(dpi))

    found: list[tuple[Code, int]] = []  # with zxing's orientation, for the bars' extent
    candidates: list[_Candidate] = []
    for barcode in _decode(work, _ALL_FORMATS, thorough=False):
        box = _position_box(barcode)
        kind = _kind(barcode.format)
        if barcode.valid:
            found.append(_decoded(barcode, box, (0.0, 0.0), scale, grey.shape))
        elif kind is CodeKind.QR:
            candidates.append(_Candidate(box, kind, _QR_EVIDENCE))
        else:
            candidates.append(_Candidate(box, kind, _HINT))

    decoded_boxes = [_to_work(code.bbox, scale) for code, _ in found]
    ink = work <= _threshold(work)
    candidates += _finder_candidates(ink, work_dpi, decoded_boxes)
    candidates += _detector_candidates(work)

    for candidate in _merged(candidates):
        if any(_overlap(candidate.box, box) > 0.3 for box in decoded_boxes):
            continue
        codes = _retry(grey, dpi, work_dpi, candidate, scale)
        if codes:
            found += codes
            decoded_boxes += [_to_work(code.bbox, scale) for code, _ in codes]
            continue
        if candidate.kind is not CodeKind.QR and _bars_verified(ink, candidate.box):
            candidate.evidence = max(candidate.evidence, _BAR_EVIDENCE)
        if candidate.evidence >= _BAR_EVIDENCE:
            box = _to_page(candidate.box, scale, grey.shape)
            found.append((Code(candidate.kind, "", box, False), 0))
    codes = [_with_whole_bars(code, angle, ink, scale, grey.shape) for code, angle in found]
    return tuple(_reading_order(_unique(codes)))


def _check_input(grey: object, dpi: object) -> None:
    if not isinstance(grey, np.ndarray):
        raise ValueError(f"grey must be a numpy array, not {type(grey).__name__}")
    if grey.dtype != np.uint8 or grey.ndim != 2:
        raise ValueError(f"grey must be 2-D uint8, not {grey.ndim}-D {grey.dtype}")
    if min(grey.shape) < 1:
        raise ValueError(f"grey is empty: {grey.shape}")
    if isinstance(dpi, bool) or not isinstance(dpi, int | float | np.integer | np.floating):
        raise ValueError(f"dpi must be a number, not {type(dpi).__name__}")
    if not math.isfinite(float(dpi)) or dpi <= 0:
        raise ValueError(f"dpi must be positive and finite, not {dpi}")


def _work_copy(grey: np.ndarray, dpi: float) -> tuple[np.ndarray, float, tuple[float, float]]:
    """The page near WORK_DPI, its resolution, and page pixels per work pixel.

    Area averaging by a whole factor takes OpenCV's fast path; the rest of the way
    (less than halving) is bilinear. General area averaging would cost as much as
    the decoding itself.
    """
    work, work_dpi = grey, dpi
    step = int(dpi // WORK_DPI)
    if step >= 2 and min(grey.shape) >= step:
        # the last few rows and columns (fewer than `step`) are left out
        work = grey[: grey.shape[0] - grey.shape[0] % step, : grey.shape[1] - grey.shape[1] % step]
        size = (work.shape[1] // step, work.shape[0] // step)
        work, work_dpi = cv2.resize(work, size, interpolation=cv2.INTER_AREA), dpi / step
        used = (size[0] * step, size[1] * step)
    else:
        used = (grey.shape[1], grey.shape[0])
    if work_dpi > WORK_DPI * 1.02:
        factor = WORK_DPI / work_dpi
        size = (max(1, round(work.shape[1] * factor)), max(1, round(work.shape[0] * factor)))
        work = cv2.resize(work, size, interpolation=cv2.INTER_LINEAR)
        work_dpi = WORK_DPI
    return work, work_dpi, (used[0] / work.shape[1], used[1] / work.shape[0])


def _threshold(work: np.ndarray) -> float:
    # Otsu, bounded below the paper: a page that is all paper has no ink at all.
    return ink_threshold(work) if work.size >= 4 else 127.0


# -- zxing ----------------------------------------------------------------------------------


def _decode(
    image: np.ndarray, formats: Sequence[zxingcpp.BarcodeFormat], *, thorough: bool = True
) -> list[zxingcpp.Barcode]:
    """zxing's results, including codes found but not decoded; [] if zxing fails.

    Not `thorough` (the whole-page pass): no sideways scan lines and no downscaled
    copies, which halve the time each; sideways bars are left to the detector's
    candidates, which are decoded thoroughly.
    """
    try:
        return list(
            zxingcpp.read_barcodes(
                image,
                formats=list(formats),
                try_rotate=thorough,
                try_downscale=thorough,
                try_invert=False,  # scans are dark on light
                text_mode=zxingcpp.TextMode.Plain,  # the data itself, not a display form
                return_errors=True,
            )
        )
    except Exception:  # any failure inside the decoder means "nothing decoded here"
        return []


def _kind(fmt: zxingcpp.BarcodeFormat) -> CodeKind:
    if fmt in _QR_RESULTS:
        return CodeKind.QR
    if fmt == _F.Code128:
        return CodeKind.CODE128
    return CodeKind.OTHER


def _position_box(barcode: zxingcpp.Barcode) -> tuple[float, float, float, float]:
    pos = barcode.position
    corners = (pos.top_left, pos.top_right, pos.bottom_right, pos.bottom_left)
    xs = [p.x for p in corners]
    ys = [p.y for p in corners]
    return float(min(xs)), float(min(ys)), float(max(xs) + 1), float(max(ys) + 1)


def _decoded(
    barcode: zxingcpp.Barcode,
    box: tuple[float, float, float, float],
    offset: tuple[float, float],
    factor: tuple[float, float],
    shape: tuple[int, ...],
) -> tuple[Code, int]:
    """A decoded code, its box (in some image's pixels, shifted by `offset` into the
    page and multiplied by `factor`) in pixels of the page of `shape`; and the angle
    zxing read it at."""
    x0, y0, x1, y1 = box
    shifted = (x0 + offset[0], y0 + offset[1], x1 + offset[0], y1 + offset[1])
    text = unicodedata.normalize("NFC", barcode.text)
    # zxing's orientation is the symbol's clockwise turn in the image, in degrees.
    rotation = round(-barcode.orientation / 90) % 4 * 90
    code = Code(_kind(barcode.format), text, _to_page(shifted, factor, shape), True, rotation)
    return code, int(barcode.orientation)


# -- second look ----------------------------------------------------------------------------


def _retry(
    grey: np.ndarray,
    dpi: float,
    work_dpi: float,
    candidate: _Candidate,
    scale: tuple[float, float],
) -> list[tuple[Code, int]]:
    """Decode the candidate from a sharper crop; the codes decoded there (maybe none).

    Unreadable results found on the way raise the candidate's evidence: a QR that zxing
    locates at full resolution is as good as finder patterns.
    """
    x0, y0, x1, y1 = _to_page(candidate.box, scale, grey.shape)
    margin = max(px(_MARGIN_MM, dpi), round(0.25 * max(x1 - x0, y1 - y0)))
    height, width = grey.shape
    cx0, cy0 = max(0, x0 - margin), max(0, y0 - margin)
    cx1, cy1 = min(width, x1 + margin), min(height, y1 + margin)
    crop = grey[cy0:cy1, cx0:cx1]
    if crop.size == 0:
        return []
    if candidate.kind is CodeKind.QR:
        formats: Sequence[zxingcpp.BarcodeFormat] = _QR_FORMATS
    elif candidate.kind is CodeKind.CODE128:
        formats = _LINEAR_FORMATS
    else:
        formats = _ALL_FORMATS

    for image, factor in _retry_images(crop, dpi, work_dpi):
        decoded = []
        for barcode in _decode(image, formats):
            if barcode.valid:
                bx0, by0, bx1, by1 = (v / factor for v in _position_box(barcode))
                box = (bx0, by0, bx1, by1)
                decoded.append(_decoded(barcode, box, (cx0, cy0), (1.0, 1.0), grey.shape))
            elif _kind(barcode.format) is CodeKind.QR:
                candidate.kind = CodeKind.QR
                candidate.evidence = max(candidate.evidence, _QR_EVIDENCE)
        if decoded:
            return decoded
    return []


def _retry_images(
    crop: np.ndarray, dpi: float, work_dpi: float
) -> Iterator[tuple[np.ndarray, float]]:
    """Ever costlier versions of a candidate's crop, each with its scale to the page:
    as scanned (when sharper than the first pass), enlarged, then sharpened and
    thresholded (bars blurred into each other by the scanner)."""
    if dpi > work_dpi * 1.02:
        yield crop, 1.0
    factor = min(_MAX_UPSCALE, max(2.0, _RETRY_MIN_DPI / dpi))
    yield cv2.resize(crop, None, fx=factor, fy=factor, interpolation=cv2.INTER_CUBIC), factor
    factor = max(1.0, min(_MAX_UPSCALE, _RETRY_MIN_DPI / dpi))
    sharp = crop
    if factor > 1.0:
        sharp = cv2.resize(crop, None, fx=factor, fy=factor, interpolation=cv2.INTER_CUBIC)
    soft = cv2.GaussianBlur(sharp, (0, 0), 0.1 * dpi * factor / 25.4)
    sharp = cv2.addWeighted(sharp, 3.0, soft, -2.0, 0)
    _, sharp = cv2.threshold(sharp, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    yield sharp, factor


def _merged(candidates: Iterable[_Candidate]) -> list[_Candidate]:
    """Overlapping candidates as one: their union, the best-known kind and evidence."""
    rank = {CodeKind.QR: 2, CodeKind.CODE128: 1, CodeKind.OTHER: 0}
    merged: list[_Candidate] = []
    for candidate in sorted(candidates, key=lambda c: -c.evidence):
        for other in merged:
            if _overlap(candidate.box, other.box) > 0.3:
                other.box = _union(other.box, candidate.box)
                if rank[candidate.kind] > rank[other.kind]:
                    other.kind = candidate.kind
                other.evidence = max(other.evidence, candidate.evidence)
                break
        else:
            merged.append(_Candidate(candidate.box, candidate.kind, candidate.evidence))
    return merged


# -- QR finder patterns ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Finder:
    centre: np.ndarray  # (x, y) in work pixels
    module: float  # pixels


def _finder_candidates(
    ink: np.ndarray, dpi: float, decoded: Sequence[tuple[float, float, float, float]]
) -> list[_Candidate]:
    """QRs told by their finder patterns alone, decodable or not; and QRs that lost
    them all (a torn-off corner) told by an alignment pattern amid module texture."""
    finders, alignments = _bullseyes(ink, dpi)
    finders = [f for f in finders if not any(_inside(f.centre, box) for box in decoded)]
    boxes = _finder_groups(ink, finders)
    for pattern in alignments:
        if any(_inside(pattern.centre, box) for box in (*decoded, *boxes)):
            continue
        box = _textured_qr(ink, pattern)
        if box is not None:
            boxes.append(box)
    return [_Candidate(box, CodeKind.QR, _QR_EVIDENCE) for box in boxes]


def _bullseyes(ink: np.ndarray, dpi: float) -> tuple[list[_Finder], list[_Finder]]:
    """QR finder and alignment patterns: a solid dark square alone in a light square
    hole, concentric, inside a dark ring one module thick. The square is 3 modules in
    a 5-module hole for a finder pattern, 1 module in a 3-module hole for an alignment
    pattern."""
    calm = _calm(ink)
    if calm is None:
        return [], []
    try:
        contours, hierarchy = cv2.findContours(
            calm.view(np.uint8), cv2.RETR_TREE, cv2.CHAIN_APPROX_SIMPLE
        )
    except cv2.error:
        return [], []
    if hierarchy is None:
        return [], []
    nxt, prv, child, parent = (hierarchy[0][:, i] for i in range(4))
    # An ink blob with no holes, the only thing inside a hole. Holes are the contours
    # at odd depth of the tree; a blob inside a hole sits at even depth >= 2.
    depth = _depths(parent)
    shortlist = np.flatnonzero(
        (depth >= 2) & (depth % 2 == 0) & (child < 0) & (nxt < 0) & (prv < 0)
    )
    min_module = max(1.0, 0.15 * dpi / 25.4)  # 0.15 mm: smaller is dust, not a code
    max_module = 3.0 * dpi / 25.4
    finders: list[_Finder] = []
    alignments: list[_Finder] = []
    for index in shortlist:
        inner = contours[index]
        (icx, icy), (iw, ih), _ = cv2.minAreaRect(inner)
        # Contours run through the boundary pixels' centres: a solid square's is one
        # pixel short of its size, a hole's one pixel long.
        iw, ih = iw + 1, ih + 1
        side = (iw + ih) / 2
        if not (3.0 <= side <= 3 * max_module) or max(iw, ih) > 1.35 * min(iw, ih):
            continue
        if cv2.contourArea(inner) + side < 0.7 * iw * ih:
            continue  # not filled like a square
        (hcx, hcy), (hw, hh), _ = cv2.minAreaRect(contours[parent[index]])
        hw, hh = hw - 1, hh - 1
        if min(hw, hh) <= 0 or max(hw, hh) > 1.35 * min(hw, hh):
            continue
        hole = (hw + hh) / 2
        if math.hypot(hcx - icx, hcy - icy) > 0.2 * hole:
            continue
        ratio = hole / side
        centre = np.array([icx, icy])
        if 1.3 <= ratio <= 2.2:  # 5 : 3 modules
            module, found, separated = (side / 3 + hole / 5) / 2, finders, True
        elif 2.3 <= ratio <= 4.5:  # 3 : 1 module
            module, found, separated = (side + hole / 3) / 2, alignments, False
        else:
            continue
        if min_module <= module <= max_module and _ring_is_one_module(
            ink, centre, module, separated=separated
        ):
            found.append(_Finder(centre, module))
    return finders, alignments


_TILE = 64  # work pixels, 8 mm
_BUSY_TILE = 0.3  # ink edges per pixel along rows: noise, halftone; a QR's data ~0.5/module
_BUSY_PAGE = 0.06  # text pages have 0.01-0.02


def _calm(ink: np.ndarray) -> np.ndarray | None:
    """The ink without its busiest tiles, or None when the page is busy all over.

    OpenCV's contour tree takes seconds on noise or halftone (hundreds of thousands of
    contours), milliseconds on a page of text; busy tiles hold no finder pattern big
    enough to tell anyway.
    """
    edges = ink[:, 1:] != ink[:, :-1]
    rows, cols = -(-edges.shape[0] // _TILE), -(-edges.shape[1] // _TILE)
    padded = np.zeros((rows * _TILE, cols * _TILE), np.uint8)
    padded[: edges.shape[0], : edges.shape[1]] = edges
    counts = padded.reshape(rows, _TILE, cols, _TILE).sum(axis=(1, 3), dtype=np.int32)
    density = counts / (_TILE * _TILE)
    busy = density > _BUSY_TILE
    if float(density[~busy].sum()) * _TILE * _TILE > _BUSY_PAGE * ink.size:
        return None
    if not busy.any():
        return ink
    mask = np.repeat(np.repeat(busy, _TILE, axis=0), _TILE, axis=1)
    return ink & ~mask[: ink.shape[0], : ink.shape[1]]


def _depths(parent: np.ndarray) -> np.ndarray:
    """Each contour's depth in the tree (0: outermost), from the parent links."""
    depth = np.where(parent < 0, 0, -1)
    for _ in range(len(parent)):
        todo = depth < 0
        if not todo.any():
            break
        known = todo & (depth[np.maximum(parent, 0)] >= 0)
        depth[known] = depth[parent[known]] + 1
    return depth


def _textured_qr(ink: np.ndarray, pattern: _Finder) -> tuple[float, float, float, float] | None:
    """The box of a QR around an alignment pattern, if modules surround it: the six
    modules on every side of an alignment pattern's centre are in the symbol, and a
    QR's data is about half dark where text is a fifth at most."""
    height, width = ink.shape
    m = pattern.module
    cx, cy = pattern.centre
    near = _window(cx, cy, 6.5 * m, width, height)
    if near is None:
        return None
    x0, y0, x1, y1 = near
    patch = ink[y0:y1, x0:x1].copy()
    core = 2.6 * m
    patch_y, patch_x = np.ogrid[y0:y1, x0:x1]
    around = (np.abs(patch_x - cx) > core) | (np.abs(patch_y - cy) > core)
    if patch.size < 0.6 * (13 * m) ** 2 or not 0.3 <= float(patch[around].mean()) <= 0.85:
        return None
    # The symbol: ink joined across a module or two of light, as far as a large QR
    # reaches from one of its alignment patterns.
    far = _window(cx, cy, 30 * m, width, height)
    if far is None:
        return None
    fx0, fy0, fx1, fy1 = far
    kernel = np.ones((math.ceil(2.5 * m),) * 2, np.uint8)
    joined = cv2.morphologyEx(ink[fy0:fy1, fx0:fx1].astype(np.uint8), cv2.MORPH_CLOSE, kernel)
    _, labels, stats, _ = label_components(joined)
    label = labels[round(cy) - fy0, round(cx) - fx0]
    if label == 0:
        return None
    left, top, w, h = stats[label, :4]
    return float(fx0 + left), float(fy0 + top), float(fx0 + left + w), float(fy0 + top + h)


def _window(
    cx: float, cy: float, reach: float, width: int, height: int
) -> tuple[int, int, int, int] | None:
    x0, y0 = max(0, math.floor(cx - reach)), max(0, math.floor(cy - reach))
    x1, y1 = min(width, math.ceil(cx + reach) + 1), min(height, math.ceil(cy + reach) + 1)
    return (x0, y0, x1, y1) if x1 > x0 and y1 > y0 else None


def _ring_is_one_module(
    ink: np.ndarray, centre: np.ndarray, module: float, *, separated: bool = True
) -> bool:
    """From the centre outwards, in at least three of four directions: dark core,
    one module of light, one module of dark (the ring) — 1:1:3:1:1 read from its middle.

    A finder pattern's ring is `separated` from the data by a light module; an
    alignment pattern's lies amid the data, so dark modules beside it lengthen the
    ring's run (a torn receipt's QR kept only its alignment pattern, ring run 3 modules)."""
    height, width = ink.shape
    reach = math.ceil(6 * module) + 2
    x, y = round(centre[0]), round(centre[1])
    good = 0
    for dx, dy in ((1, 0), (-1, 0), (0, 1), (0, -1)):
        steps = np.arange(reach)
        xs, ys = x + dx * steps, y + dy * steps
        keep = (xs >= 0) & (xs < width) & (ys >= 0) & (ys < height)
        runs = _runs(ink[ys[keep], xs[keep]])
        good += (
            len(runs) >= 3
            and runs[0][0]
            and 0.5 * module <= runs[1][1] <= 1.8 * module
            and 0.5 * module <= runs[2][1]
            and (runs[2][1] <= 2.2 * module or not separated)  # blur may join the separator
        )
    return good >= 3


def _runs(line: np.ndarray) -> list[tuple[bool, int]]:
    if line.size == 0:
        return []
    edges = np.flatnonzero(line[1:] != line[:-1]) + 1
    starts = np.concatenate(([0], edges))
    ends = np.concatenate((edges, [line.size]))
    return [(bool(line[s]), int(e - s)) for s, e in zip(starts, ends, strict=True)]


def _finder_groups(
    ink: np.ndarray, finders: Sequence[_Finder]
) -> list[tuple[float, float, float, float]]:
    """Boxes of QRs whose corners are three finders, or two with the square between
    them full of ink (a lone finder pattern could be a checked box ▣)."""
    used: set[int] = set()
    boxes = []
    # Three finders: a right angle with equal legs.
    for a, fa in enumerate(finders):
        if a in used:
            continue
        for b, c in _pairs(len(finders), exclude={a, *used}):
            fb, fc = finders[b], finders[c]
            if not (_same_size(fa, fb) and _same_size(fa, fc)):
                continue
            u, v = fb.centre - fa.centre, fc.centre - fa.centre
            lu, lv = float(np.hypot(*u)), float(np.hypot(*v))
            module = (fa.module + fb.module + fc.module) / 3
            if not (_legal_span(lu / module) and 0.85 <= lu / lv <= 1.18):
                continue
            if abs(float(u @ v)) > 0.2 * lu * lv:
                continue
            corners = _square(fa.centre, u, v, module)
            if _ink_fraction(ink, corners) >= 0.25:
                boxes.append(_bounds(corners))
                used |= {a, b, c}
                break
    # Two finders: side by side, or on a diagonal; the square must hold a QR's ink.
    rest = [i for i in range(len(finders)) if i not in used]
    for a, b in _pairs(len(rest)):
        fa, fb = finders[rest[a]], finders[rest[b]]
        if rest[a] in used or rest[b] in used or not _same_size(fa, fb):
            continue
        module = (fa.module + fb.module) / 2
        u = fb.centre - fa.centre
        span = float(np.hypot(*u)) / module
        normal = np.array([-u[1], u[0]])
        options = []
        if _legal_span(span):
            options += [(u, normal), (u, -normal)]
        if _legal_span(span / math.sqrt(2)):
            half = (u + normal) / 2, (u - normal) / 2
            options += [half]
        best: tuple[float, np.ndarray] | None = None
        for leg1, leg2 in options:
            corners = _square(fa.centre, leg1, leg2, module)
            fraction = _ink_fraction(ink, corners)
            if fraction >= 0.3 and (best is None or fraction > best[0]):
                best = (fraction, corners)
        if best is not None:
            boxes.append(_bounds(best[1]))
            used |= {rest[a], rest[b]}
    return boxes


def _pairs(n: int, exclude: set[int] | None = None) -> Iterable[tuple[int, int]]:
    items = [i for i in range(n) if not exclude or i not in exclude]
    for i, first in enumerate(items):
        for second in items[i + 1 :]:
            yield first, second


def _same_size(a: _Finder, b: _Finder) -> bool:
    return 0.7 <= a.module / b.module <= 1.43


def _legal_span(modules: float) -> bool:
    # Finder centres are (side - 7) modules apart; sides run 21..177 modules.
    return 12.5 <= modules <= 175.0


def _square(corner: np.ndarray, leg1: np.ndarray, leg2: np.ndarray, module: float) -> np.ndarray:
    """The QR's outline from one finder centre and the vectors to the two others: the
    centres are 3.5 modules inside the corners."""
    u = leg1 / np.hypot(*leg1) * 3.5 * module
    v = leg2 / np.hypot(*leg2) * 3.5 * module
    return np.array(
        [
            corner - u - v,
            corner + leg1 + u - v,
            corner + leg1 + leg2 + u + v,
            corner + leg2 - u + v,
        ]
    )


def _ink_fraction(ink: np.ndarray, corners: np.ndarray) -> float:
    x0, y0, x1, y1 = (round(v) for v in _bounds(corners))
    height, width = ink.shape
    if x0 < -2 or y0 < -2 or x1 > width + 2 or y1 > height + 2:
        return 0.0  # a code does not run off the page
    x0, y0, x1, y1 = max(0, x0), max(0, y0), min(width, x1), min(height, y1)
    if x1 <= x0 or y1 <= y0:
        return 0.0
    mask = np.zeros((y1 - y0, x1 - x0), np.uint8)
    cv2.fillConvexPoly(mask, np.round(corners - [x0, y0]).astype(np.int32), 1)
    inside = mask.astype(bool)
    return float(ink[y0:y1, x0:x1][inside].mean()) if inside.any() else 0.0


# -- bars ---------------------------------------------------------------------------------


def _detector_candidates(work: np.ndarray) -> list[_Candidate]:
    """Regions OpenCV's barcode detector sees as bars (at any angle)."""
    try:
        ok, points = cv2.barcode.BarcodeDetector().detect(work)
    except cv2.error:
        return []
    if not ok or points is None:
        return []
    return [
        _Candidate(_bounds(np.asarray(quad, dtype=float)), CodeKind.OTHER, _HINT)
        for quad in np.asarray(points).reshape(-1, 4, 2)
    ]


def _bars_verified(ink: np.ndarray, box: tuple[float, float, float, float]) -> bool:
    """Bars, not text: lines across the middle of the box (along or across it) cross
    many edges, and the same edges, row after row."""
    x0, y0, x1, y1 = (round(v) for v in box)
    patch = ink[max(0, y0) : max(0, y1), max(0, x0) : max(0, x1)]
    if patch.shape[0] < 8 or patch.shape[1] < 8:
        return False
    return any(_rows_agree(p) for p in (patch, patch.T))


def _rows_agree(patch: np.ndarray) -> bool:
    height = patch.shape[0]
    rows = [patch[round(height * f)] for f in (0.3, 0.5, 0.7)]
    if any(np.count_nonzero(r[1:] != r[:-1]) < 20 for r in rows):
        return False  # fewer than ten bars
    middle = rows[1]
    for other in (rows[0], rows[2]):
        # the best alignment within a few pixels: bars may lean a little
        best = max(float(np.mean(np.roll(other, s) == middle)) for s in range(-4, 5))
        if best < 0.85:
            return False
    return True


def _with_whole_bars(
    code: Code, angle: int, ink: np.ndarray, scale: tuple[float, float], shape: tuple[int, ...]
) -> Code:
    """A decoded 1-D code's box grown to the ends of its bars: zxing reports the rows it
    read, which on a skewed code are a band across the middle."""
    if code.kind is CodeKind.QR or not code.readable:
        return code
    box = _to_work(code.bbox, scale)
    bars_vertical = abs(math.cos(math.radians(angle))) >= 0.7
    if bars_vertical:
        grown = _grow_along_bars(ink, box)
    else:
        x0, y0, x1, y1 = _grow_along_bars(ink.T, (box[1], box[0], box[3], box[2]))
        grown = (y0, x0, y1, x1)
    whole = _to_page(grown, scale, shape)
    x0, y0, x1, y1 = code.bbox
    bbox = (min(x0, whole[0]), min(y0, whole[1]), max(x1, whole[2]), max(y1, whole[3]))
    return Code(code.kind, code.text, bbox, True, code.rotation)


def _grow_along_bars(
    ink: np.ndarray, box: tuple[float, float, float, float]
) -> tuple[float, float, float, float]:
    """Rows above and below the box that continue its bars (several bars, each lying
    under ink of the row before, give or take a pixel of lean)."""
    height, width = ink.shape
    x0, x1 = max(0, math.floor(box[0])), min(width, math.ceil(box[2]))
    y0, y1 = max(0, math.floor(box[1])), min(height, math.ceil(box[3]))
    if x1 - x0 < 8 or y1 <= y0:
        return box
    limit = x1 - x0  # bars are never taller than the code is long

    def continues(row: np.ndarray, previous: np.ndarray) -> bool:
        if np.count_nonzero(row[1:] != row[:-1]) < 8:
            return False
        near = previous | np.roll(previous, 1) | np.roll(previous, -1)
        return np.count_nonzero(row & near) >= 0.8 * np.count_nonzero(row)

    top = y0
    while top > 0 and y0 - top < limit and continues(ink[top - 1, x0:x1], ink[top, x0:x1]):
        top -= 1
    bottom = y1 - 1
    while (
        bottom < height - 1
        and bottom - y1 < limit
        and continues(ink[bottom + 1, x0:x1], ink[bottom, x0:x1])
    ):
        bottom += 1
    return box[0], float(top), box[2], float(bottom + 1)


# -- boxes ----------------------------------------------------------------------------------


def _bounds(points: np.ndarray) -> tuple[float, float, float, float]:
    return (
        float(points[:, 0].min()),
        float(points[:, 1].min()),
        float(points[:, 0].max()) + 1,
        float(points[:, 1].max()) + 1,
    )


def _to_page(
    box: tuple[float, float, float, float], scale: tuple[float, float], shape: tuple[int, ...]
) -> tuple[int, int, int, int]:
    height, width = shape[:2]
    x0, y0, x1, y1 = box
    return (
        min(width, max(0, math.floor(x0 * scale[0]))),
        min(height, max(0, math.floor(y0 * scale[1]))),
        min(width, max(0, math.ceil(x1 * scale[0]))),
        min(height, max(0, math.ceil(y1 * scale[1]))),
    )


def _to_work(
    box: tuple[int, int, int, int], scale: tuple[float, float]
) -> tuple[float, float, float, float]:
    return box[0] / scale[0], box[1] / scale[1], box[2] / scale[0], box[3] / scale[1]


def _inside(point: np.ndarray, box: tuple[float, float, float, float]) -> bool:
    return box[0] <= point[0] <= box[2] and box[1] <= point[1] <= box[3]


def _union(a: tuple[float, ...], b: tuple[float, ...]) -> tuple[float, float, float, float]:
    return min(a[0], b[0]), min(a[1], b[1]), max(a[2], b[2]), max(a[3], b[3])


def _overlap(a: Sequence[float], b: Sequence[float]) -> float:
    """Intersection over the smaller box: 1 when one holds the other."""
    w = min(a[2], b[2]) - max(a[0], b[0])
    h = min(a[3], b[3]) - max(a[1], b[1])
    if w <= 0 or h <= 0:
        return 0.0
    smaller = min((a[2] - a[0]) * (a[3] - a[1]), (b[2] - b[0]) * (b[3] - b[1]))
    return w * h / smaller if smaller > 0 else 0.0


def _unique(codes: Iterable[Code]) -> list[Code]:
    """One code per place: a decoded code wins over an unreadable one at the same spot."""
    kept: list[Code] = []
    for code in sorted(codes, key=lambda c: not c.readable):
        if not any(
            _overlap(code.bbox, k.bbox) > 0.5 and (not code.readable or code.text == k.text)
            for k in kept
        ):
            kept.append(code)
    return kept


def _reading_order(codes: Sequence[Code]) -> list[Code]:
    """Top to bottom; codes side by side (sharing half their height) left to right."""
    rows: list[list[Code]] = []
    for code in sorted(codes, key=lambda c: (c.bbox[1] + c.bbox[3]) / 2):
        row = rows[-1] if rows else None
        if row is not None and any(_same_row(code, other) for other in row):
            row.append(code)
        else:
            rows.append([code])
    return [code for row in rows for code in sorted(row, key=lambda c: c.bbox[0])]


def _same_row(a: Code, b: Code) -> bool:
    shared = min(a.bbox[3], b.bbox[3]) - max(a.bbox[1], b.bbox[1])
    shorter = min(a.bbox[3] - a.bbox[1], b.bbox[3] - b.bbox[1])
    return shorter > 0 and shared >= 0.5 * shorter
