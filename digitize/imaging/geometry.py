"""Orientation (0/90/180/270) and skew: measured on ink, applied to the page.

Skew comes from projection profiles: ink points projected onto the vertical axis
at a trial angle pile up into sharp peaks (one per text line) only when the angle
matches the lines. Doing the same on the transposed page tells horizontal lines
from vertical ones, so a sideways page and its skew are found in one search.
Whether the page is upside down is told by the text itself: in Latin script, and
more so in Vietnamese with its marks above letters, text lines carry much more ink
above their x-height band (ascenders, capitals, tone marks) than below it
(descenders, the dot below).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import cv2
import numpy as np

from digitize.imaging.common import px

MAX_SKEW_DEG = 15.0
# The search reaches a degree further than a skew it would apply: an angle found out
# there is the search running into its wall (frames, blobs), not a measurement.
_SEARCH_DEG = MAX_SKEW_DEG + 1.0
_MAX_POINTS = 120_000
_COARSE_POINTS = 15_000
_MIN_POINTS = 200
_SKEW_APPLY_MIN_DEG = 0.05  # below this a resampling costs more sharpness than it gains
_LETTER_WIDTH_MM = 2.0  # body text letters are 1.5-2.5 mm wide, lines 5-8 mm apart

_TEXT_TELLS_UP = 0.5  # below this orientation confidence, printed codes decide up/down
Box = tuple[int, int, int, int]  # x0, y0, x1, y1 (exclusive), pixels


@dataclass(frozen=True, slots=True)
class PageGeometry:
    """How to make a page upright: turn clockwise by `rotation`, then straighten `skew_deg`."""

    rotation: int  # 0, 90, 180, 270, clockwise
    skew_deg: float  # positive: lines rise to the right before correction
    orientation_confidence: float  # 0 when there was too little text to tell
    skew_confidence: float
    note: str = ""  # a measurement that failed or was settled otherwise (the page's report)


_BACKGROUND_MM = 3.0  # wider than any stroke: a filter this wide sees only paper
_INK_BELOW_PAPER = 50  # grey levels under the local paper that make a pixel ink


def text_ink(grey: np.ndarray, dpi: float) -> np.ndarray:
    """Boolean ink mask measured against the local paper, for orientation and skew.

    A global threshold turns the dark side of a grey gradient (a shaded header, a
    photo, a lamp's falloff) into one huge blob of "ink" whose outline then decides
    the page's angle: a clean upright form was turned 90° with a skew of -14.97°.
    Against its own background the gradient is paper and only strokes are ink.
    """
    size = px(_BACKGROUND_MM, dpi) | 1
    # Black-hat: the closing (the page with strokes filled in) minus the page. Unlike
    # a plain max filter it keeps edges between paper and a dark area (a whitened
    # border beside a shaded side) instead of making a band of ink along them.
    kernel = cv2.getStructuringElement(cv2.MORPH_RECT, (size, size))
    darker = cv2.morphologyEx(grey, cv2.MORPH_BLACKHAT, kernel)
    otsu, _ = cv2.threshold(darker, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    return darker >= max(float(otsu), _INK_BELOW_PAPER)


def _ink_points(ink: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    ys, xs = np.nonzero(ink)
    if ys.size > _MAX_POINTS:
        keep = rng.choice(ys.size, _MAX_POINTS, replace=False)
        ys, xs = ys[keep], xs[keep]
    # float32: a page's coordinates need far fewer digits, and the searches run faster.
    return ys.astype(np.float32), xs.astype(np.float32)


def _profile(ys: np.ndarray, xs: np.ndarray, angle_deg: float) -> np.ndarray:
    """Histogram of ink along the vertical axis after turning the points by `angle_deg`."""
    theta = np.deg2rad(angle_deg)
    projected = ys * np.float32(np.cos(theta))
    projected += xs * np.float32(np.sin(theta))
    projected -= projected.min() - np.float32(0.5)  # bins from 0, rounded to the nearest
    return np.bincount(projected.astype(np.intp))


def _sharpness(profile: np.ndarray) -> float:
    """How peaked a profile is: mean square over squared mean, on the span holding ink."""
    values = profile.astype(np.float64)
    total = values.sum()
    return float(values.size * np.dot(values, values) / (total * total)) if total > 0 else 0.0


_COARSE_STEPS = ((0.5, None), (0.1, 0.5))  # (step, span either side; None: the whole range)
_FINE_STEPS = ((0.02, 0.12), (0.005, 0.02))


def _best_angle(
    ys: np.ndarray,
    xs: np.ndarray,
    max_deg: float,
    *,
    steps: Sequence[tuple[float, float | None]],
    start: float = 0.0,
    sample: slice = slice(None),
) -> float:
    """Search, step by step around `start`, of the angle with the sharpest profile."""
    best = start
    for step, span in steps:
        reach = max_deg if span is None else span
        angles = np.arange(best - reach, best + reach + step / 2, step)
        angles = angles[np.abs(angles) <= max_deg + 1e-9]
        scores = [_sharpness(_profile(ys[sample], xs[sample], float(a))) for a in angles]
        best = float(angles[int(np.argmax(scores))])
    return best


def _line_sharpness(ys: np.ndarray, xs: np.ndarray, angle_deg: float, window: int) -> float:
    """Sharpness of the profile smoothed over about a letter's width.

    Smoothing keeps the structure of text lines (millimetres apart) and removes that
    of letters: across a single line, the gaps between letters would otherwise look
    like line spacing.
    """
    profile = _profile(ys, xs, angle_deg).astype(np.float64)
    smoothed = np.convolve(profile, np.ones(window) / window, mode="same")
    return _sharpness(smoothed)


def measure_geometry(
    ink: np.ndarray,
    dpi: float,
    *,
    ignore: Sequence[Box] = (),
    printed_rotation: int | None = None,
) -> PageGeometry:
    """Find the rotation and skew that make the page's text horizontal and upright.

    `ink` is a boolean ink mask at `dpi` (analysis resolution), borders already removed.
    `ignore`: boxes (x0, y0, x1, y1 exclusive, in the mask's pixels) of ink that is not
    text, such as QR codes: a separator sheet's QR has more ink than its two lines of
    text, and its square blocks pile up along both axes alike.
    `printed_rotation`: the turn that makes the page's printed codes upright (the
    one-stop system prints them so), which tells up from down where the text cannot:
    two lines of capitals carry little ink above or below their letters.
    """
    if ignore:
        ink = ink.copy()
        for x0, y0, x1, y1 in ignore:
            ink[max(0, y0) : max(0, y1), max(0, x0) : max(0, x1)] = False
    rng = np.random.default_rng(0)
    ys, xs = _ink_points(ink, rng)
    if ys.size < _MIN_POINTS:
        return PageGeometry(printed_rotation or 0, 0.0, 0.0, 0.0)
    # Lines horizontal as scanned, or vertical (page fed sideways)? The coarse steps
    # only need to land near the answer, so they look at a sample of the points, and
    # tell the two apart; the fine steps, on all the points, follow the lines only.
    coarse = slice(None, None, max(1, ys.size // _COARSE_POINTS))
    angle_h = _best_angle(ys, xs, _SEARCH_DEG, steps=_COARSE_STEPS, sample=coarse)
    angle_v = _best_angle(xs, -ys, _SEARCH_DEG, steps=_COARSE_STEPS, sample=coarse)
    window = max(3, round(_LETTER_WIDTH_MM * dpi / 25.4))
    lines_h = _line_sharpness(ys, xs, angle_h, window)
    lines_v = _line_sharpness(xs, -ys, angle_v, window)
    at_wall_h, at_wall_v = _at_wall(angle_h), _at_wall(angle_v)
    note = ""
    if at_wall_h and at_wall_v:
        # Neither direction holds lines: nothing measured, nothing turned.
        note = f"skew not measured (both directions at the ±{_SEARCH_DEG:.0f}° search limit)"
        return PageGeometry(printed_rotation or 0, 0.0, 0.0, 0.0, note)
    # When one direction ran into the wall, the other holds the lines (a page's cross
    # direction has none); else the sharper lines win.
    sideways = at_wall_h if at_wall_h or at_wall_v else lines_v > lines_h
    if sideways:
        # Turned 90° clockwise, point (x, y) goes to (H-1-y, x): new y = x, new x = -y + const.
        ys_up, xs_up, coarse_skew = xs, -ys, angle_v
    else:
        ys_up, xs_up, coarse_skew = ys, xs, angle_h
    skew = _best_angle(ys_up, xs_up, _SEARCH_DEG, steps=_FINE_STEPS, start=coarse_skew)
    skew_confidence = 1.0 - min(lines_h, lines_v) / max(lines_h, lines_v)
    if abs(skew) > MAX_SKEW_DEG:
        note = f"skew {skew:+.2f}° is beyond ±{MAX_SKEW_DEG:.0f}°: not applied"
        skew, skew_confidence = 0.0, 0.0
    flipped, orientation_confidence = _upside_down(ys_up, xs_up, skew)
    if (
        printed_rotation is not None
        and orientation_confidence < _TEXT_TELLS_UP
        and (printed_rotation // 90) % 2 == sideways  # a code never overrules the lines
    ):
        flipped = printed_rotation >= 180
    rotation = (90 if sideways else 0) + (180 if flipped else 0)
    return PageGeometry(rotation, skew, orientation_confidence, skew_confidence, note)


def _at_wall(angle: float) -> bool:
    """Whether a coarse search's best angle is at (or a step from) the search's limit."""
    return abs(angle) >= _SEARCH_DEG - 0.5 - 1e-9


def _upside_down(ys: np.ndarray, xs: np.ndarray, skew_deg: float) -> tuple[bool, float]:
    """Compare ink above and below the x-height band of every text line.

    Returns (upside down?, confidence 0..1).
    """
    profile = _profile(ys, xs, skew_deg).astype(np.float64)
    profile = np.convolve(profile, np.ones(3) / 3, mode="same")
    above = below = 0.0
    for top, bottom in _line_spans(profile):
        line = profile[top:bottom]
        peak = line.max()
        core = np.nonzero(line >= 0.5 * peak)[0]
        core_top, core_bottom = core[0], core[-1] + 1
        above += float(line[:core_top].sum())
        below += float(line[core_bottom:].sum())
    total = above + below
    if total <= 0:
        return False, 0.0
    # The balance in favour of one side; a ratio of 1.5 or more is unambiguous.
    balance = (above - below) / total
    return balance < 0, float(min(1.0, abs(balance) / 0.2))


def _line_spans(profile: np.ndarray) -> list[tuple[int, int]]:
    """Runs of the profile that hold a text line: above a low floor, of plausible height."""
    if profile.size == 0 or profile.max() <= 0:
        return []
    inked = profile > 0.04 * np.percentile(profile[profile > 0], 90)
    edges = np.diff(np.concatenate(([0], inked.astype(np.int8), [0])))
    starts, ends = np.nonzero(edges == 1)[0], np.nonzero(edges == -1)[0]
    spans = [(int(s), int(e)) for s, e in zip(starts, ends, strict=True) if e - s >= 4]
    if not spans:
        return []
    typical = float(np.median([e - s for s, e in spans]))
    # Spans far taller than a line are pictures or merged blocks; they carry no up/down signal.
    return [(s, e) for s, e in spans if e - s <= 3 * typical]


def _upright_matrix(
    shape: tuple[int, ...], geometry: PageGeometry
) -> tuple[np.ndarray, tuple[int, int], int, float]:
    """The affine map from the page as scanned to the upright page; the upright size
    (width, height); the quarter turns and the skew applied."""
    turns = (geometry.rotation // 90) % 4
    skew = geometry.skew_deg if abs(geometry.skew_deg) >= _SKEW_APPLY_MIN_DEG else 0.0
    height, width = shape[:2]
    out_width, out_height = (height, width) if turns % 2 else (width, height)
    # OpenCV's positive angles turn counter-clockwise; both corrections turn clockwise.
    centre = ((width - 1) / 2.0, (height - 1) / 2.0)  # pixel centres, as np.rot90 turns
    matrix = cv2.getRotationMatrix2D(centre, -(90.0 * turns + skew), 1.0)
    matrix[0, 2] += (out_width - width) / 2.0
    matrix[1, 2] += (out_height - height) / 2.0
    return matrix, (out_width, out_height), turns, skew


def upright_box(box: Box, shape: tuple[int, ...], geometry: PageGeometry) -> Box:
    """Where a box (x0, y0, x1, y1 exclusive) of the page as scanned, of `shape`, lies
    on the page `apply_geometry` makes of it: the bounds of its turned corners."""
    matrix, (out_width, out_height), _, _ = _upright_matrix(shape, geometry)
    x0, y0, x1, y1 = box
    corners = np.array([[x0, y0], [x1 - 1, y0], [x1 - 1, y1 - 1], [x0, y1 - 1]], np.float64)
    moved = corners @ matrix[:, :2].T + matrix[:, 2]
    return (
        min(out_width, max(0, math.floor(moved[:, 0].min() + 1e-6))),
        min(out_height, max(0, math.floor(moved[:, 1].min() + 1e-6))),
        min(out_width, max(0, math.floor(moved[:, 0].max() + 1e-6) + 1)),
        min(out_height, max(0, math.floor(moved[:, 1].max() + 1e-6) + 1)),
    )


def apply_geometry(pixels: np.ndarray, geometry: PageGeometry) -> np.ndarray:
    """Turn the page upright and straighten it, on a canvas of the same paper size.

    Quarter turns alone are exact (no resampling); with a skew both happen in one
    resampling, so a turned colour page costs one new image, not two.
    """
    matrix, (out_width, out_height), turns, skew = _upright_matrix(pixels.shape, geometry)
    if skew == 0.0:
        return np.ascontiguousarray(np.rot90(pixels, k=-turns)) if turns else pixels
    white = (255, 255, 255) if pixels.ndim == 3 else 255
    return cv2.warpAffine(
        pixels,
        matrix,
        (out_width, out_height),
        flags=cv2.INTER_LINEAR,
        borderMode=cv2.BORDER_CONSTANT,
        borderValue=white,
    )
