"""A visible font for the digitiser's mark: DejaVu Sans Condensed, subset and embedded.

The text layer's font (font.py) has no visible glyphs; the mark has to be seen, in
Vietnamese, and PDF/A wants every font embedded. DejaVu has every precomposed
Vietnamese letter, so NFC text needs no shaping: one character, one glyph. The subset
holds only the characters the mark uses and is embedded as a Type0 font (Identity-H,
two-byte codes = glyph ids of the subset, CIDToGIDMap /Identity), with widths taken
from the font program and a ToUnicode CMap, so copy and search give the text back.
"""

from __future__ import annotations

import hashlib
import io
import string
import unicodedata
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path

import pikepdf
from fontTools import subset
from fontTools.ttLib import TTFont

from digitize.errors import DigitizeError

# Debian's fonts-dejavu-core (scripts/setup.sh installs it); the condensed cut keeps the
# mark narrow, the regular one is the fallback.
FONT_CANDIDATES = (
    Path("/usr/share/fonts/truetype/dejavu/DejaVuSansCondensed.ttf"),
    Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"),
)


class MarkFontError(DigitizeError):
    """No usable font for the mark (missing file, or a character it cannot draw)."""


def find_mark_font(given: Path | None = None) -> Path:
    """The font file to draw the mark with: `given`, else the first DejaVu found."""
    candidates = (given,) if given is not None else FONT_CANDIDATES
    for path in candidates:
        if path is not None and path.is_file():
            return path
    wanted = ", ".join(str(p) for p in candidates if p is not None)
    raise MarkFontError(f"no font for the digitiser's mark (looked for {wanted}); "
                        "install fonts-dejavu-core")  # fmt: skip


# Tables the mark never needs: shaping (precomposed letters need none), kerning, and
# FontForge's timestamp, which the subsetter cannot subset.
_DROPPED = ("GSUB", "GPOS", "GDEF", "kern", "FFTM")


@cache
def _base_program(path: Path) -> bytes:
    """The font without the tables the mark never needs, read once per process:
    decompiling DejaVu's layout tables took 0.25 s of each subset's 0.36 s."""
    try:
        font = TTFont(path)
        for tag in _DROPPED:
            if tag in font:
                del font[tag]
        out = io.BytesIO()
        font.save(out)
    except Exception as error:  # fontTools raises many types for a bad file
        raise MarkFontError(f"cannot read the mark's font {path}: {error}") from error
    return out.getvalue()


@dataclass(frozen=True)
class EmbeddedFont:
    """A subset font added to a PDF, and how to write text in it."""

    font: pikepdf.Dictionary  # the Type0 font dictionary (indirect)
    codes: dict[str, int]  # character -> two-byte code (the subset's glyph id)
    widths: dict[str, float]  # character -> advance at font size 1 (points per point)
    ascent: float  # at font size 1
    descent: float  # at font size 1, negative

    def encode(self, text: str) -> str:
        """`text` (NFC) as a PDF hex string of the subset's codes."""
        return "<" + "".join(f"{self.codes[c]:04X}" for c in text) + ">"

    def width(self, text: str, size: float) -> float:
        """How wide `text` is at `size` points."""
        return sum(self.widths[c] for c in text) * size


@lru_cache(maxsize=16)
def _subset_program(base: bytes, characters: str) -> tuple[bytes, TTFont]:
    """The TrueType program holding only `characters` (and .notdef), and it parsed.

    Kept for the next document: a batch's marks differ only in the time, whose digits
    are always in the subset, so the 0.1 s subsetting is paid once per unit and person.
    Unhinted: a 6 pt stamp gains nothing from DejaVu's hinting, which is most of its size.
    """
    options = subset.Options()
    options.hinting = False
    options.layout_features = []
    options.name_IDs = ["*"]
    options.notdef_outline = True
    options.recalc_timestamp = False  # the same text gives the same bytes
    font = TTFont(io.BytesIO(base))
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=[ord(c) for c in characters])
    subsetter.subset(font)
    out = io.BytesIO()
    font.save(out)
    program = out.getvalue()
    return program, TTFont(io.BytesIO(program))


@cache
def _cmap(base: bytes) -> dict[int, str]:
    return dict(TTFont(io.BytesIO(base)).getBestCmap())


def _to_unicode(codes: dict[str, int]) -> bytes:
    """A ToUnicode CMap from each code back to its character."""
    pairs = sorted((code, char) for char, code in codes.items())
    blocks = []
    for start in range(0, len(pairs), 100):
        chunk = pairs[start : start + 100]
        lines = [f"<{code:04X}> <{char.encode('utf-16-be').hex().upper()}>" for code, char in chunk]
        blocks.append(f"{len(chunk)} beginbfchar\n" + "\n".join(lines) + "\nendbfchar")
    text = "\n".join(
        [
            "/CIDInit /ProcSet findresource begin",
            "12 dict begin",
            "begincmap",
            "/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def",
            "/CMapName /Adobe-Identity-UCS def",
            "/CMapType 2 def",
            "1 begincodespacerange",
            "<0000> <FFFF>",
            "endcodespacerange",
            *blocks,
            "endcmap",
            "CMapName currentdict /CMap defineresource pop",
            "end",
            "end",
            "",
        ]
    )
    return text.encode("ascii")


def embed_mark_font(pdf: pikepdf.Pdf, text: str, font_path: Path | None = None) -> EmbeddedFont:
    """Add a subset of the mark's font covering `text` to `pdf`.

    MarkFontError when the font is missing or lacks a character of `text`.
    """
    text = unicodedata.normalize("NFC", text)
    path = find_mark_font(font_path)
    base = _base_program(path)
    cmap = _cmap(base)
    characters = "".join(sorted(set(text + string.digits + " ")))
    missing = [c for c in characters if ord(c) not in cmap]
    if missing:
        raise MarkFontError(f"the mark's font {path.name} cannot draw {''.join(missing)!r}")
    program, subset_font = _subset_program(base, characters)
    order = subset_font.getGlyphOrder()
    subset_cmap = subset_font.getBestCmap()
    units = subset_font["head"].unitsPerEm
    metrics = subset_font["hmtx"].metrics
    codes = {c: order.index(subset_cmap[ord(c)]) for c in characters}
    widths = {c: metrics[subset_cmap[ord(c)]][0] / units for c in characters}
    hhea = subset_font["hhea"]
    head = subset_font["head"]
    scale = 1000 / units
    # Subset fonts are named TAG+Name, the tag fixed by what the subset holds.
    tag = "".join(chr(ord("A") + b % 26) for b in hashlib.sha256(characters.encode()).digest()[:6])
    base = pikepdf.Name(f"/{tag}+{subset_font['name'].getDebugName(6) or 'DejaVuSans'}")
    font_file = pikepdf.Stream(pdf, program)
    font_file.Length1 = len(program)
    descriptor = pdf.make_indirect(
        pikepdf.Dictionary(
            Type=pikepdf.Name.FontDescriptor,
            FontName=base,
            Flags=4,  # symbolic: codes are glyph ids, not a standard encoding
            FontBBox=[round(v * scale) for v in (head.xMin, head.yMin, head.xMax, head.yMax)],
            ItalicAngle=0,
            Ascent=round(hhea.ascent * scale),
            Descent=round(hhea.descent * scale),
            CapHeight=round(hhea.ascent * scale),
            StemV=80,
            FontFile2=font_file,
        )
    )
    # Widths in glyph space (1/1000 em), each exactly the program's advance.
    widths_array: list[object] = []
    for code in sorted(codes.values()):
        advance = metrics[order[code]][0] * scale
        widths_array += [code, [round(advance, 3)]]
    descendant = pdf.make_indirect(
        pikepdf.Dictionary(
            Type=pikepdf.Name.Font,
            Subtype=pikepdf.Name.CIDFontType2,
            BaseFont=base,
            CIDSystemInfo=pikepdf.Dictionary(
                Registry=pikepdf.String("Adobe"),
                Ordering=pikepdf.String("Identity"),
                Supplement=0,
            ),
            FontDescriptor=descriptor,
            DW=round(metrics[order[0]][0] * scale),
            W=pikepdf.Array(widths_array),
            CIDToGIDMap=pikepdf.Name.Identity,
        )
    )
    font = pdf.make_indirect(
        pikepdf.Dictionary(
            Type=pikepdf.Name.Font,
            Subtype=pikepdf.Name.Type0,
            BaseFont=base,
            Encoding=pikepdf.Name("/Identity-H"),
            DescendantFonts=[descendant],
            ToUnicode=pikepdf.Stream(pdf, _to_unicode(codes)),
        )
    )
    return EmbeddedFont(
        font=font,
        codes=codes,
        widths=widths,
        ascent=hhea.ascent / units,
        descent=hhea.descent / units,
    )
