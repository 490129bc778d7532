"""Scan resolution: trust the file's own figure when plausible, else infer it from paper sizes."""

from __future__ import annotations

from dataclasses import dataclass

# Paper a one-stop centre scans, short side x long side in inches, most common first.
# A3 and A5 share A4's proportions, so from pixels alone A4 (by far the usual) is assumed.
_PAPER_INCHES: dict[str, tuple[float, float]] = {
    "A4": (8.27, 11.69),
    "Letter": (8.5, 11.0),
    "Legal": (8.5, 14.0),
    "B5": (6.93, 9.84),
}
_COMMON_DPI = (150, 200, 240, 300, 400, 600, 1200)
_ASPECT_TOLERANCE = 0.04
_MIN_PLAUSIBLE_SHORT_SIDE_IN = 2.0  # an ID card is 2.1 in on its short side
_MAX_PLAUSIBLE_LONG_SIDE_IN = 25.0  # beyond A2 nobody feeds a scanner
_MIN_DPI, _MAX_DPI = 50.0, 2400.0


@dataclass(frozen=True, slots=True)
class Resolution:
    dpi: float
    estimated: bool  # True when inferred from the page size, not read from the file


def plausible_file_dpi(width_px: int, height_px: int, dpi: float | None) -> bool:
    """Whether a resolution read from a file describes real paper (72 dpi defaults often don't)."""
    if dpi is None or not (_MIN_DPI <= dpi <= _MAX_DPI):
        return False
    short_in = min(width_px, height_px) / dpi
    long_in = max(width_px, height_px) / dpi
    return short_in >= _MIN_PLAUSIBLE_SHORT_SIDE_IN and long_in <= _MAX_PLAUSIBLE_LONG_SIDE_IN


def estimate_dpi(width_px: int, height_px: int) -> float:
    """Infer resolution from the pixel size, assuming a standard paper size.

    The first paper (most common first) whose proportions match wins; without a
    match the page is taken to be A4 wide. Results near a common scanner setting snap
    to it.
    """
    short_px, long_px = sorted((width_px, height_px))
    aspect = long_px / short_px
    dpi = short_px / _PAPER_INCHES["A4"][0]
    for short_in, long_in in _PAPER_INCHES.values():
        if abs(aspect - long_in / short_in) / (long_in / short_in) <= _ASPECT_TOLERANCE:
            dpi = long_px / long_in
            break
    for common in _COMMON_DPI:
        if abs(dpi - common) / common <= 0.05:
            return float(common)
    return round(dpi, 1)


def resolve_dpi(width_px: int, height_px: int, file_dpi: float | None) -> Resolution:
    """The resolution to use for a page: the file's when plausible, otherwise an estimate."""
    if plausible_file_dpi(width_px, height_px, file_dpi):
        assert file_dpi is not None
        return Resolution(float(file_dpi), estimated=False)
    return Resolution(estimate_dpi(width_px, height_px), estimated=True)
