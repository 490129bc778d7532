"""The invisible font of the text layer.

The text layer only has to be found by search and copy, never seen, so every
character is drawn with one empty glyph. The font is a tiny TrueType program
built here with fontTools and embedded as a Type0 font: Identity-H encoding (text
is written as UTF-16BE code units, two bytes per code), a CIDFontType2 descendant
whose CIDToGIDMap sends every CID to glyph 1 (empty, never .notdef, which PDF/A
forbids), and a ToUnicode CMap that maps every code to itself, so text extraction
returns exactly the UTF-16 that was written.
"""

from __future__ import annotations

import io
from functools import cache

import pikepdf
from fontTools.fontBuilder import FontBuilder
from fontTools.pens.ttGlyphPen import TTGlyphPen

# BaseFont name of the font; assemble.py recognises our font by it.
FONT_NAME = "DigitizeGlyphless"
UNITS_PER_EM = 1000
# Advance width of the single glyph every character is drawn with (font units).
GLYPH_ADVANCE = 500
ASCENT = 800
DESCENT = -200  # ASCENT - DESCENT == UNITS_PER_EM, so the font size equals the line height
# Fixed head.created/modified (seconds since 1904-01-01): identical bytes on every build.
_FIXED_TIMESTAMP = 3_786_912_000  # 2024-01-01T00:00:00Z


def _notdef_glyph() -> object:
    """A plain rectangle outline for .notdef; keeps the glyf table non-empty for strict readers."""
    pen = TTGlyphPen(None)
    pen.moveTo((50, 0))
    pen.lineTo((50, ASCENT))
    pen.lineTo((GLYPH_ADVANCE - 50, ASCENT))
    pen.lineTo((GLYPH_ADVANCE - 50, 0))
    pen.closePath()
    return pen.glyph()


def _empty_glyph() -> object:
    """A glyph with no outline: what every character of the text layer is drawn with."""
    return TTGlyphPen(None).glyph()


@cache
def glyphless_font_program() -> bytes:
    """The TrueType program, built once per process; the same bytes on every build."""
    builder = FontBuilder(unitsPerEm=UNITS_PER_EM, isTTF=True)
    builder.font.recalcTimestamp = False  # otherwise fontTools stamps head.modified with "now"
    builder.setupGlyphOrder([".notdef", "blank"])
    # The PDF never uses this cmap (CIDToGIDMap does the work); it only makes the font well formed.
    builder.setupCharacterMap({0x20: "blank"})
    builder.setupGlyf({".notdef": _notdef_glyph(), "blank": _empty_glyph()})
    builder.setupHorizontalMetrics({".notdef": (GLYPH_ADVANCE, 50), "blank": (GLYPH_ADVANCE, 0)})
    builder.setupHorizontalHeader(ascent=ASCENT, descent=DESCENT)
    builder.setupNameTable(
        {
            "familyName": FONT_NAME,
            "styleName": "Regular",
            "psName": FONT_NAME,
            "version": "Version 1.000",
        }
    )
    builder.setupOS2(
        sTypoAscender=ASCENT,
        sTypoDescender=DESCENT,
        sTypoLineGap=0,
        usWinAscent=ASCENT,
        usWinDescent=-DESCENT,
        achVendID="NONE",
        fsType=0,  # installable embedding: nothing restricts embedding it
    )
    builder.setupPost()
    head = builder.font["head"]
    head.created = _FIXED_TIMESTAMP
    head.modified = _FIXED_TIMESTAMP
    out = io.BytesIO()
    builder.save(out)
    return out.getvalue()


@cache
def cid_to_gid_map() -> bytes:
    """CIDToGIDMap stream data: two bytes per CID, all 65536 CIDs pointing at glyph 1."""
    return b"\x00\x01" * 0x10000


@cache
def to_unicode_cmap() -> bytes:
    """A ToUnicode CMap mapping every two-byte code to the same UTF-16 code unit.

    bfrange entries may not let the last byte run past 0xFF and a block holds at
    most 100 entries, so the identity is written as 256 ranges of 256 codes.
    """
    ranges = [f"<{high:02X}00> <{high:02X}FF> <{high:02X}00>" for high in range(256)]
    blocks: list[str] = []
    for start in range(0, len(ranges), 100):
        chunk = ranges[start : start + 100]
        blocks.append(f"{len(chunk)} beginbfrange\n" + "\n".join(chunk) + "\nendbfrange")
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


def make_font(pdf: pikepdf.Pdf) -> pikepdf.Dictionary:
    """Add the glyphless Type0 font to `pdf` and return its (indirect) font dictionary."""
    program = glyphless_font_program()
    font_file = pikepdf.Stream(pdf, program)
    font_file.Length1 = len(program)  # length of the uncompressed TrueType program
    descriptor = pdf.make_indirect(
        pikepdf.Dictionary(
            Type=pikepdf.Name.FontDescriptor,
            FontName=pikepdf.Name("/" + FONT_NAME),
            Flags=4,  # symbolic: the glyphs are not a standard Latin set
            FontBBox=[0, DESCENT, GLYPH_ADVANCE, ASCENT],
            ItalicAngle=0,
            Ascent=ASCENT,
            Descent=DESCENT,
            CapHeight=ASCENT,
            StemV=80,
            FontFile2=font_file,
        )
    )
    descendant = pdf.make_indirect(
        pikepdf.Dictionary(
            Type=pikepdf.Name.Font,
            Subtype=pikepdf.Name.CIDFontType2,
            BaseFont=pikepdf.Name("/" + FONT_NAME),
            CIDSystemInfo=pikepdf.Dictionary(
                Registry=pikepdf.String("Adobe"),
                Ordering=pikepdf.String("Identity"),
                Supplement=0,
            ),
            FontDescriptor=descriptor,
            DW=GLYPH_ADVANCE,  # every CID is glyph 1, whose advance is GLYPH_ADVANCE
            CIDToGIDMap=pikepdf.Stream(pdf, cid_to_gid_map()),
        )
    )
    return pdf.make_indirect(
        pikepdf.Dictionary(
            Type=pikepdf.Name.Font,
            Subtype=pikepdf.Name.Type0,
            BaseFont=pikepdf.Name("/" + FONT_NAME),
            Encoding=pikepdf.Name("/Identity-H"),
            DescendantFonts=[descendant],
            ToUnicode=pikepdf.Stream(pdf, to_unicode_cmap()),
        )
    )


def is_glyphless_font(font: pikepdf.Object) -> bool:
    """True for a font dictionary made by `make_font` (in this or another PDF)."""
    if not isinstance(font, pikepdf.Dictionary):
        return False
    if font.get("/Subtype") != pikepdf.Name.Type0:
        return False
    if font.get("/BaseFont") != pikepdf.Name("/" + FONT_NAME):
        return False
    descendants = font.get("/DescendantFonts")
    if not isinstance(descendants, pikepdf.Array) or len(descendants) != 1:
        return False
    # Same advance width: text placed for this font lands in the same place with the shared one.
    return descendants[0].get("/DW") == GLYPH_ADVANCE
