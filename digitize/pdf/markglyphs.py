"""The mark's lettering: DejaVu Sans Condensed glyphs drawn as filled vector outlines.

The stamp is drawn, not written: its letters are the font's own outlines as paths, so
they render the same everywhere (every precomposed Vietnamese letter is in DejaVu, so
NFC text needs no shaping), no font has to be embedded, and the page's text layer stays
exactly the text of the paper. Who digitised it and when is machine-readable in the XMP
metadata and the signature instead.
"""

from __future__ import annotations

import logging
import unicodedata
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path

from fontTools.pens.basePen import BasePen
from fontTools.ttLib import TTFont

from digitize.errors import DigitizeError
from digitize.pdf.textlayer import number

log = logging.getLogger(__name__)

# Debian's fonts-dejavu-core (scripts/setup.sh installs it); the condensed cut keeps the
# mark narrow, the regular one is the fallback.
FONT_CANDIDATES = (
    Path("/usr/share/fonts/truetype/dejavu/DejaVuSansCondensed.ttf"),
    Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"),
)
_REPLACEMENT = "?"


class MarkFontError(DigitizeError):
    """No usable font for the mark."""


def find_mark_font(given: Path | None = None) -> Path:
    """The font file to draw the mark with: `given`, else the first DejaVu found."""
    candidates = (given,) if given is not None else FONT_CANDIDATES
    for path in candidates:
        if path is not None and path.is_file():
            return path
    wanted = ", ".join(str(p) for p in candidates if p is not None)
    raise MarkFontError(
        f"no font for the digitiser's mark (looked for {wanted}); install fonts-dejavu-core"
    )


class _PathPen(BasePen):  # type: ignore[misc]
    """PDF path operators in font units; quadratic curves become cubic ones."""

    def __init__(self, glyph_set: object) -> None:
        super().__init__(glyph_set)
        self.ops: list[str] = []

    def _moveTo(self, pt: tuple[float, float]) -> None:  # noqa: N802 - fontTools' names
        self.ops.append(f"{number(pt[0])} {number(pt[1])} m")

    def _lineTo(self, pt: tuple[float, float]) -> None:  # noqa: N802
        self.ops.append(f"{number(pt[0])} {number(pt[1])} l")

    def _curveToOne(  # noqa: N802
        self, p1: tuple[float, float], p2: tuple[float, float], p3: tuple[float, float]
    ) -> None:
        coords = " ".join(f"{number(x)} {number(y)}" for x, y in (p1, p2, p3))
        self.ops.append(f"{coords} c")

    def _closePath(self) -> None:  # noqa: N802
        self.ops.append("h")


@dataclass(frozen=True)
class MarkFont:
    """Outlines and advances of the mark's font, in em units."""

    path: Path
    units_per_em: int
    ascent: float  # at size 1
    descent: float  # at size 1, negative

    def clean(self, text: str) -> str:
        """NFC `text` with characters the font lacks replaced by '?' (logged)."""
        text = unicodedata.normalize("NFC", text)
        cmap = _cmap(self.path)
        missing = {c for c in text if ord(c) not in cmap}
        if missing:
            log.warning("the mark's font lacks %r; drawn as %r", "".join(missing), _REPLACEMENT)
        return "".join(_REPLACEMENT if c in missing else c for c in text)

    def width(self, text: str, size: float) -> float:
        """How wide `text` (cleaned) is at `size` points."""
        return sum(_glyph(self.path, c)[1] for c in text) * size / self.units_per_em

    def draw(self, text: str, size: float, x: float, baseline: float) -> list[str]:
        """Operators filling `text` (cleaned) at `size` points from (x, baseline)."""
        scale = size / self.units_per_em
        ops = []
        for char in text:
            outline, advance = _glyph(self.path, char)
            if outline:
                matrix = f"{number(scale)} 0 0 {number(scale)} {number(x)} {number(baseline)} cm"
                ops.append(f"q {matrix} {outline} f Q")
            x += advance * scale
        return ops


@cache
def _font(path: Path) -> TTFont:
    try:
        return TTFont(path, lazy=True)
    except Exception as error:  # fontTools raises many types for a bad file
        raise MarkFontError(f"cannot read the mark's font {path}: {error}") from error


@cache
def _cmap(path: Path) -> dict[int, str]:
    return dict(_font(path).getBestCmap())


@lru_cache(maxsize=2048)
def _glyph(path: Path, char: str) -> tuple[str, int]:
    """A character's outline (PDF path operators, font units) and advance width."""
    font = _font(path)
    name = _cmap(path)[ord(char)]
    glyph_set = font.getGlyphSet()
    pen = _PathPen(glyph_set)
    glyph_set[name].draw(pen)
    return " ".join(pen.ops), int(font["hmtx"][name][0])


def load_mark_font(given: Path | None = None) -> MarkFont:
    """The mark's font: `given`, else DejaVu (MarkFontError if there is none)."""
    path = find_mark_font(given)
    font = _font(path)
    units = int(font["head"].unitsPerEm)
    hhea = font["hhea"]
    return MarkFont(path, units, hhea.ascent / units, hhea.descent / units)
