"""Small helpers shared by the stages: grey conversion, analysis scale, ink masks."""

from __future__ import annotations

import math

import cv2
import numpy as np

ANALYSIS_DPI = 150.0  # layout analysis needs no more; it keeps stages fast at 600 dpi
MM_PER_INCH = 25.4


def px(mm: float, dpi: float) -> int:
    """Millimetres to a pixel count (at least 1) at `dpi`."""
    return max(1, round(mm * dpi / MM_PER_INCH))


def use_one_opencv_thread() -> None:
    """For callers that run pages side by side, one per core: OpenCV's own threads on
    top only add hand-offs. Its parallel component labelling, for one, takes about
    three times the CPU of the single-threaded one on a 300 dpi A4 page (106 against
    33 ms with BBDT). Process-wide: OpenCV has no per-call setting."""
    cv2.setNumThreads(1)


def label_components(binary: np.ndarray) -> tuple[int, np.ndarray, np.ndarray, np.ndarray]:
    """8-connected components of a 0/1 uint8 image: count, labels, stats, centroids, as
    cv2.connectedComponentsWithStats gives them. BBDT, not OpenCV's default Spaghetti:
    the same labels, in 33 ms instead of 82 on a 300 dpi A4 page, one thread each."""
    return cv2.connectedComponentsWithStatsWithAlgorithm(binary, 8, cv2.CV_32S, cv2.CCL_BBDT)


def to_grey(pixels: np.ndarray) -> np.ndarray:
    """Luminance of an RGB page; grey pages pass through untouched."""
    if pixels.ndim == 2:
        return pixels
    return cv2.cvtColor(pixels, cv2.COLOR_RGB2GRAY)


def resize_to_dpi(grey: np.ndarray, dpi: float, target_dpi: float) -> tuple[np.ndarray, float]:
    """Resize to `target_dpi` (area averaging when shrinking); returns image and its dpi."""
    factor = target_dpi / dpi
    if abs(factor - 1.0) < 0.02:
        return grey, dpi
    height, width = grey.shape[:2]
    size = (max(1, round(width * factor)), max(1, round(height * factor)))
    interpolation = cv2.INTER_AREA if factor < 1 else cv2.INTER_CUBIC
    return cv2.resize(grey, size, interpolation=interpolation), target_dpi


def paper_level(grey: np.ndarray) -> float:
    """Brightness of the paper: a high percentile, robust to text and dark borders."""
    return _percentile_u8(grey[::4, ::4], 90.0)


def _percentile_u8(values: np.ndarray, q: float) -> float:
    """np.percentile(values, q) (linear interpolation) of uint8 values, from their
    histogram: a pass over them instead of a partial sort."""
    counts = cv2.calcHist([np.ascontiguousarray(values)], [0], None, [256], [0, 256])
    cumulative = np.cumsum(counts.ravel())
    position = q / 100.0 * (cumulative[-1] - 1)
    below = math.floor(position)
    low = int(np.searchsorted(cumulative, below, side="right"))
    high = int(np.searchsorted(cumulative, min(below + 1, cumulative[-1] - 1), side="right"))
    return low + (position - below) * (high - low)


def ink_threshold(grey: np.ndarray) -> float:
    """Grey level at or below which a pixel is ink.

    Otsu separates ink from paper on ordinary pages; on near-empty pages it would
    split paper from faint show-through instead, so the threshold is also kept
    well below the paper's own brightness.
    """
    otsu, _ = cv2.threshold(grey[::2, ::2], 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    return float(min(otsu, paper_level(grey) - 50.0))


def ink_mask(grey: np.ndarray) -> np.ndarray:
    """Boolean mask of ink pixels."""
    return grey <= ink_threshold(grey)
