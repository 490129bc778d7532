"""The recipe of a scanned document (which template, font, dpi, colour mode and, per
page, which effects) and the function that turns a recipe into page images plus their
ground truth, one page at a time.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
from PIL import Image

from samples import codes, degrade
from samples.people import Case, make_case
from samples.render import (
    FONTS,
    RenderedDocument,
    RenderedPage,
    blank_page,
    fill,
    mm_to_px,
    render,
)
from samples.templates import ALL_TEMPLATES, Template
from samples.vntext import nfc

ColourMode = Literal["colour", "grey", "bilevel"]
FileFormat = Literal["jpeg", "png", "tiff", "pdf"]
TiffCompression = Literal["group4", "tiff_lzw"]
# Paper colours of old or recycled sheets.
PAPER_TINTS = ((250, 243, 222), (247, 245, 238), (252, 248, 232), (243, 240, 230))


@dataclass(frozen=True, slots=True)
class Effects:
    """What happens to one sheet between the printer and the file. Defaults do nothing."""

    skew_deg: float = 0.0  # counter-clockwise turn of the sheet = truth skew_deg
    rotation: int = 0  # counter-clockwise quarter turns (fed sideways) = truth rotation
    lid: Literal["white", "dark"] = "white"
    bed_margin_mm: float = 0.0  # bed visible around the sheet (dark lid: dark bands)
    paper_tint: tuple[int, int, int] | None = None
    show_through: float = 0.0  # strength of the back side's mirrored text
    stamp: bool = False  # red seal over the signature (colour pages)
    blur_sigma: float = 0.0  # pixels
    noise: float = 0.0  # grey levels (standard deviation)
    speckles: int = 0
    jpeg_roundtrip: int | None = None  # an earlier JPEG generation at this quality
    binarise_threshold: int = 160  # bilevel scans only
    # What spoils the page's QR code or barcode (stacks: one receipt per stack).
    code_damage: codes.Damage | None = None

    def truth(self, colour_mode: ColourMode, stamp_text: str | None) -> dict[str, Any]:
        """The effects that were applied, for the truth file (geometry is recorded apart)."""
        out: dict[str, Any] = {}
        if self.lid != "white" or self.bed_margin_mm:
            out["scanner_lid"] = self.lid
            out["bed_margin_mm"] = self.bed_margin_mm
        if self.paper_tint is not None:
            out["paper_tint"] = list(self.paper_tint)
        if self.show_through:
            out["show_through"] = self.show_through
        if stamp_text is not None:
            out["stamp"] = stamp_text
        if self.blur_sigma:
            out["blur"] = self.blur_sigma
        if self.noise:
            out["noise"] = self.noise
        if self.speckles:
            out["speckles"] = self.speckles
        if self.jpeg_roundtrip is not None:
            out["jpeg_roundtrip"] = self.jpeg_roundtrip
        if colour_mode == "bilevel":
            out["binarise_threshold"] = self.binarise_threshold
        if self.code_damage is not None:
            out["code_damage"] = self.code_damage
        return out


@dataclass(frozen=True, slots=True)
class PageSpec:
    source: int | None  # page of the rendered document, 1-based; None = blank back side
    effects: Effects = field(default_factory=Effects)


@dataclass(frozen=True, slots=True)
class DocumentSpec:
    """One scan file."""

    file: str
    template: str
    font: str
    dpi: int
    colour_mode: ColourMode
    file_format: FileFormat
    pages: tuple[PageSpec, ...]
    jpeg_quality: int | None = None  # JPEG files and JPEG inside PDFs
    tiff_compression: TiffCompression | None = None
    dpi_in_file: bool = True
    # The case's procedure (catalogue key): the receipt's, CT01's; default: the template's.
    procedure: str | None = None
    case_seed: str | None = None  # default: the file name
    # Seeds the effects' randomness; default: the file name. A file holding several
    # documents gives each its own, so that their pages do not share one noise pattern.
    effects_seed: str | None = None


@dataclass(slots=True)
class ScannedPage:
    image: Image.Image
    truth: dict[str, Any]


def _stamp_page(
    image: Image.Image,
    page: RenderedPage,
    pattern: str,
    case: Case,
    font: str,
    dpi: int,
    rng: np.random.Generator,
) -> tuple[Image.Image, str | None]:
    """Seal the signature: over the left of the signing space, as officials do.
    `pattern` is the seal's text with placeholders (the template's office)."""
    box = page.anchors.get("signature_space")
    if box is None:
        return image, None
    text = fill(pattern, case.values)
    x0, y0, x1, y1 = box
    centre = (round(x0 + (x1 - x0) * 0.3), round((y0 + y1) / 2))
    radius = mm_to_px(17.5, dpi)
    font_path = str(FONTS[font].path("bold"))
    return degrade.stamp(image, centre, radius, text, font_path, rng), text


def _damage_code(
    image: Image.Image,
    page: RenderedPage,
    damage: codes.Damage,
    lid: tuple[int, int, int],
    rng: np.random.Generator,
) -> Image.Image:
    """Spoil the page's code: a torn-off corner (the lid shows through) or an ink blot."""
    box = page.anchors.get("code")
    if box is None:
        raise ValueError("code damage asked for on a page without a code")
    local = random.Random(int(rng.integers(2**63)))
    if damage == "blot":
        return codes.blot(image, box, local)
    fill: int | tuple[int, int, int] = lid
    if image.mode == "L":
        fill = round(0.299 * lid[0] + 0.587 * lid[1] + 0.114 * lid[2])
    return codes.tear_corner(image, box, local, fill)


def scan_page(
    page: RenderedPage | None,
    spec: DocumentSpec,
    effects: Effects,
    case: Case,
    back: Image.Image | None,
    rng: np.random.Generator,
) -> tuple[Image.Image, str | None]:
    """Apply the effects in the order a real sheet meets them: ink and paper first, then
    the sheet's position on the bed, then the optics, sensor and file encoding."""
    colour = spec.colour_mode == "colour"
    image = page.image.copy() if page is not None else blank_page(spec.dpi, colour)
    stamp_text = None
    if effects.stamp and colour and page is not None:
        pattern = ALL_TEMPLATES[spec.template].stamp
        image, stamp_text = _stamp_page(image, page, pattern, case, spec.font, spec.dpi, rng)
    if effects.paper_tint is not None:
        image = degrade.paper_tint(image, effects.paper_tint, rng)
    if effects.show_through and back is not None:
        image = degrade.show_through(
            image, back, effects.show_through, blur_sigma_px=spec.dpi / 150
        )
    lid = degrade.DARK_LID if effects.lid == "dark" else degrade.WHITE_LID
    if effects.code_damage is not None and page is not None:
        image = _damage_code(image, page, effects.code_damage, lid, rng)
    image = degrade.skew(image, effects.skew_deg, lid, mm_to_px(effects.bed_margin_mm, spec.dpi))
    image = degrade.orient(image, effects.rotation)
    image = degrade.blur(image, effects.blur_sigma)
    image = degrade.gaussian_noise(image, effects.noise, rng)
    image = degrade.speckles(image, effects.speckles, rng, max_radius_px=max(1, spec.dpi // 100))
    if effects.jpeg_roundtrip is not None:
        image = degrade.jpeg_roundtrip(image, effects.jpeg_roundtrip)
    if spec.colour_mode == "bilevel":
        image = degrade.binarise(image, effects.binarise_threshold)
    elif spec.colour_mode == "grey" and image.mode != "L":
        image = image.convert("L")
    return image, stamp_text


def case_for(spec: DocumentSpec, seed: int) -> Case:
    template = ALL_TEMPLATES[spec.template]
    rng = random.Random(f"{seed}:case:{spec.case_seed or spec.file}")
    return make_case(rng, spec.procedure or template.procedure, young_family=template.young_family)


def page_truth(
    spec: DocumentSpec,
    template: Template,
    case: Case,
    number: int,
    page: RenderedPage | None,
    effects: Effects,
    image: Image.Image,
    stamp_text: str | None,
) -> dict[str, Any]:
    """One page's truth. A blank page (the back of a sheet) has no document type or
    procedure of its own: the file's "documents" list says which document it belongs to."""
    blank = page is None
    truth: dict[str, Any] = {
        "number": number,
        "template": "blank" if blank else template.key,
        "doc_type": None if blank else template.doc_type,
        "procedure": None if blank else template.document_procedure(case.procedure.key),
        "title": "" if blank else nfc(template.title),
        "source_page": None if blank else page.number,
        "text": "" if blank else nfc(page.text),
        "rotation": effects.rotation,
        "skew_deg": effects.skew_deg,
        "dpi": spec.dpi,
        "dpi_in_file": spec.dpi_in_file,
        "width": image.width,
        "height": image.height,
        "blank": blank,
        "colour_mode": spec.colour_mode,
        "font": spec.font,
        "effects": effects.truth(spec.colour_mode, stamp_text),
        "fields": {} if blank else {k: nfc(v) for k, v in page.fields.items()},
    }
    if (
        spec.jpeg_quality is not None
        and spec.file_format in ("jpeg", "pdf")
        and spec.colour_mode != "bilevel"
    ):
        truth["effects"]["jpeg_quality"] = spec.jpeg_quality
    return truth


def render_spec(spec: DocumentSpec, case: Case) -> RenderedDocument:
    return render(
        ALL_TEMPLATES[spec.template],
        case,
        font=spec.font,
        dpi=spec.dpi,
        colour=spec.colour_mode == "colour",
    )


def scan_document(
    spec: DocumentSpec,
    seed: int,
    case: Case | None = None,
    document: RenderedDocument | None = None,
    strict: bool = False,
) -> Iterator[ScannedPage]:
    """Render the document once (unless given), then degrade and yield its pages one at a
    time, so that writers can stream them. `strict`: every rendered page must be scanned
    (a recipe that silently dropped the end of a form would have incomplete truth)."""
    template = ALL_TEMPLATES[spec.template]
    case = case or case_for(spec, seed)
    document = document or render_spec(spec, case)
    pages = document.pages
    wanted = [p.source for p in spec.pages if p.source is not None]
    if wanted and max(wanted) > len(pages):
        raise ValueError(
            f"{spec.file}: {template.key} rendered {len(pages)} page(s) in "
            f"{spec.font} at {spec.dpi} dpi, the recipe needs {max(wanted)}"
        )
    if strict and sorted(set(wanted)) != list(range(1, len(pages) + 1)):
        raise ValueError(
            f"{spec.file}: {template.key} rendered {len(pages)} page(s) in "
            f"{spec.font} at {spec.dpi} dpi, the recipe scans {sorted(wanted)}"
        )
    effects_seed = spec.effects_seed or spec.file
    rng = np.random.default_rng(random.Random(f"{seed}:effects:{effects_seed}").getrandbits(64))
    for number, page_spec in enumerate(spec.pages, 1):
        page = pages[page_spec.source - 1] if page_spec.source is not None else None
        back = None
        if page_spec.effects.show_through and page is not None:
            # The back of this sheet: the next page of the form, else the previous one.
            others = [p for p in pages if p.number != page.number]
            back = others[0].image if others else None
        image, stamp_text = scan_page(page, spec, page_spec.effects, case, back, rng)
        yield ScannedPage(
            image,
            page_truth(spec, template, case, number, page, page_spec.effects, image, stamp_text),
        )
