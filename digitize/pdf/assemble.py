"""Join one-page PDFs (and pages kept from existing PDFs) into the final document.

Pages are joined by qpdf's page merging, run in-process through pikepdf's job
interface: a copied stream's data stays in its source file and is read only
while the output is written, so page images are never all in memory at once.
With `pdfa=True` the result claims PDF/A-2b: XMP metadata in sync with the info
dictionary and an sRGB output intent.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from pathlib import Path

import pikepdf
from PIL import ImageCms

from digitize import __version__
from digitize.errors import CorruptInputError, DigitizeError, EncryptedPdfError
from digitize.pdf._atomic import save_atomically
from digitize.pdf.font import is_glyphless_font, make_font
from digitize.pdf.mark import DigitiserMark, MarkPlacement, apply_mark
from digitize.pdf.page import PDF_VERSION
from digitize.pdf.sign import SignatureRequest, UnitSigner, sign_file
from digitize.pdf.xmp import XmpSchema, add_schema

# PDF/A-2 keeps PDF 1.7's implementation limit on page boundaries (in points).
_MIN_PAGE_SIDE = 3.0
_MAX_PAGE_SIDE = 14_400.0
_SRGB_CONDITION = "sRGB IEC61966-2.1"


@dataclass(frozen=True)
class DocumentMetadata:
    """What the document says about itself, in the info dictionary and the XMP."""

    title: str
    created: datetime  # timezone-aware
    author: str | None = None  # who digitised the document
    subject: str | None = None
    language: str = "vi"
    producer: str = f"digitize {__version__}"

    def __post_init__(self) -> None:
        if not isinstance(self.created, datetime):
            raise DigitizeError("DocumentMetadata.created must be a datetime")
        if self.created.tzinfo is None or self.created.utcoffset() is None:
            raise DigitizeError("DocumentMetadata.created must be timezone-aware")
        if not self.title.strip():
            # An empty title would be dropped from the info dictionary but not from the XMP.
            raise DigitizeError("DocumentMetadata.title must not be empty")


@dataclass(frozen=True)
class Assembled:
    """What assembling added beyond the pages: the mark's place, the signature's time."""

    mark: MarkPlacement | None = None
    signed_at: datetime | None = None


@dataclass(frozen=True)
class PageSource:
    """A one-page PDF from write_page_pdf, or page `index` of an existing PDF kept as is."""

    pdf: Path
    index: int = 0


def _count_pages(path: Path) -> int:
    """Page count of a source PDF; DigitizeError (or a subclass) if it cannot be used."""
    if not path.is_file():
        raise DigitizeError(f"page file not found: {path}")
    try:
        with pikepdf.open(path, access_mode=pikepdf.AccessMode.stream) as source:
            return len(source.pages)
    except pikepdf.PasswordError as error:
        raise EncryptedPdfError(f"page file is encrypted: {path}") from error
    except (pikepdf.PikepdfError, OSError) as error:
        raise CorruptInputError(f"page file cannot be read as PDF: {path}: {error}") from error


def _check_sources(pages: Sequence[PageSource]) -> None:
    """Fail early, with a clear message, on a missing or unreadable file or a bad page index."""
    counts: dict[Path, int] = {}
    for number, source in enumerate(pages, start=1):
        path = Path(source.pdf)
        if path not in counts:
            counts[path] = _count_pages(path)
        if not 0 <= source.index < counts[path]:
            raise DigitizeError(
                f"page {number}: {path} has {counts[path]} page(s), no page index {source.index}"
            )


def _merge_pages(pages: Sequence[PageSource], out: Path) -> pikepdf.Pdf:
    """A new in-memory PDF holding the source pages, their stream data not yet read.

    pikepdf's own page copy reads every copied stream into memory; qpdf's page
    merging (run in-process through its job interface) instead leaves foreign
    stream data in the source files and reads it only while the result is saved.
    """
    job_spec = {
        "empty": "",
        # Required by the job interface; create_pdf() never writes it, we save ourselves.
        "outputFile": os.fsdecode(out),
        "noWarn": "",
        "pages": [
            {"file": os.fsdecode(source.pdf), "range": str(source.index + 1)} for source in pages
        ],
    }
    try:
        return pikepdf.Job(job_spec).create_pdf()
    except (pikepdf.PikepdfError, OSError) as error:
        raise CorruptInputError(f"cannot join the page files: {error}") from error


def _font_resources(page: pikepdf.Page) -> pikepdf.Dictionary | None:
    """The page's own /Font resource dictionary, if it has one."""
    resources = page.obj.get("/Resources")
    fonts = resources.get("/Font") if isinstance(resources, pikepdf.Dictionary) else None
    return fonts if isinstance(fonts, pikepdf.Dictionary) else None


def _glyphless_font_names(fonts: pikepdf.Dictionary) -> list[str]:
    """Resource names under which `fonts` holds a glyphless font."""
    return [name for name in fonts if is_glyphless_font(fonts[name])]


def _share_glyphless_font(pdf: pikepdf.Pdf) -> None:
    """Make every page's glyphless font resource point at one shared font object.

    Each one-page PDF carries its own copy of the font; the copies left without
    a reference are not written.
    """
    shared: pikepdf.Dictionary | None = None
    for page in pdf.pages:
        fonts = _font_resources(page)
        if fonts is None:
            continue
        for name in _glyphless_font_names(fonts):
            if shared is None:
                shared = make_font(pdf)
            fonts[name] = shared


def _check_pdfa_page_sizes(pdf: pikepdf.Pdf) -> None:
    """PDF/A-2 forbids page boxes outside 3..14400 pt; refuse rather than claim falsely."""
    for number, page in enumerate(pdf.pages, start=1):
        box = page.mediabox
        width = abs(float(box[2]) - float(box[0]))
        height = abs(float(box[3]) - float(box[1]))
        if not all(_MIN_PAGE_SIDE <= side <= _MAX_PAGE_SIDE for side in (width, height)):
            raise DigitizeError(
                f"page {number} is {width:.1f}x{height:.1f} pt, outside PDF/A's "
                f"{_MIN_PAGE_SIDE:g}..{_MAX_PAGE_SIDE:g} pt limit (wrong dpi?)"
            )


@cache
def srgb_profile() -> bytes:
    """An sRGB ICC profile generated by LittleCMS through Pillow (nothing downloaded)."""
    return ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()


def _add_output_intent(pdf: pikepdf.Pdf) -> None:
    """The PDF/A output intent: device colours in this file mean sRGB."""
    profile = pikepdf.Stream(pdf, srgb_profile())
    profile.N = 3
    intent = pikepdf.Dictionary(
        Type=pikepdf.Name.OutputIntent,
        S=pikepdf.Name.GTS_PDFA1,
        OutputConditionIdentifier=pikepdf.String(_SRGB_CONDITION),
        Info=pikepdf.String(_SRGB_CONDITION),
        DestOutputProfile=profile,
    )
    pdf.Root.OutputIntents = pikepdf.Array([pdf.make_indirect(intent)])


def _write_metadata(pdf: pikepdf.Pdf, metadata: DocumentMetadata, pdfa: bool) -> None:
    """Write the XMP packet and let pikepdf mirror it into the info dictionary."""
    created = metadata.created.replace(microsecond=0)  # PDF dates have whole seconds
    with pdf.open_metadata(set_pikepdf_as_editor=False, update_docinfo=True) as meta:
        meta["dc:title"] = metadata.title
        if metadata.author:
            meta["dc:creator"] = [metadata.author]
        if metadata.subject:
            meta["dc:description"] = metadata.subject
        meta["dc:language"] = {metadata.language}
        meta["xmp:CreateDate"] = created
        meta["xmp:ModifyDate"] = created
        meta["xmp:MetadataDate"] = created
        meta["xmp:CreatorTool"] = metadata.producer
        meta["pdf:Producer"] = metadata.producer
        if pdfa:
            meta["pdfaid:part"] = "2"
            meta["pdfaid:conformance"] = "B"
    pdf.Root.Lang = pikepdf.String(metadata.language)


def assemble_pdf(
    pages: Sequence[PageSource],
    out: Path,
    *,
    metadata: DocumentMetadata,
    pdfa: bool = True,
    mark: DigitiserMark | None = None,
    xmp: tuple[XmpSchema, dict[str, str | int]] | None = None,
    signer: UnitSigner | None = None,
    signature: SignatureRequest | None = None,
) -> Assembled:
    """Join pages into one PDF at `out`, atomically (temp file in the same directory, then rename;
    on failure nothing is left under `out` and an existing `out` is untouched).

    With `pdfa=True` the document is marked PDF/A-2b; pass False when pages kept from
    other PDFs may carry things PDF/A forbids. Raises DigitizeError (or a subclass)
    for no pages, a missing, unreadable or encrypted page file, or a bad page index.

    In this order, when given: `xmp` (a custom schema's values) joins the XMP packet,
    `mark` is stamped on page 1, and `signer` signs the saved file (an incremental
    update, before the rename: the file never appears unsigned; SigningError if it
    cannot be signed, and then nothing is written).
    """
    if not pages:
        raise DigitizeError("no pages to assemble")
    out = Path(out)
    _check_sources(pages)
    with _merge_pages(pages, out) as pdf:
        _share_glyphless_font(pdf)
        if pdfa:
            _check_pdfa_page_sizes(pdf)
            _add_output_intent(pdf)
        _write_metadata(pdf, metadata, pdfa)
        if xmp is not None:
            add_schema(pdf, *xmp)
        placement = apply_mark(pdf, mark) if mark is not None else None
        signed: list[datetime] = []

        def sign(temp: Path) -> None:
            assert signer is not None
            signed.append(sign_file(temp, signer, signature))

        # qpdf reads the pages' image data from the source files during this save.
        save_atomically(
            pdf,
            out,
            finish=sign if signer is not None else None,
            min_version=PDF_VERSION,
            deterministic_id=True,
        )
    return Assembled(placement, signed[0] if signed else None)
