"""Stacks of dossiers as archive staff scan them: many dossiers through a feeder into one
long PDF or TIFF, with exact truth, to build and test a splitter that cuts a stack into
dossiers and documents.

Each dossier opens with a boundary page: the one-stop receipt "GIẤY TIẾP NHẬN HỒ SƠ VÀ
HẸN TRẢ KẾT QUẢ" with the dossier code printed ("Mã hồ sơ: …") and, usually, as a QR code
or a Code 128 barcode in its top-left corner; or the separator sheet "PHIẾU PHÂN CÁCH HỒ
SƠ" (QR code and printed code). Then the dossier's papers follow: the procedure's
declaration, ID card copies and certificates as the catalogue lists them for the
procedure (digitize/data/catalogue/procedures.toml), with blank backs here and there
(single-sided sheets fed in duplex), some pages turned 90/180/270° and all skewed a
little (within ±5°). A stack may open with stray pages that belong to no dossier of it.

Every stack holds, given enough dossiers (6 for all of them): one receipt whose QR code
was torn or blotted so that it cannot be read (the printed code is intact), one receipt
whose QR code holds another valid code than the one printed, a receipt with a Code 128
barcode, one with the code in print only, a separator sheet and a receipt with an intact
QR code. One ID card copy and one certificate (where the stack has them) are copied
without their top, national header and title gone, each after a paper of another
type: only the document type, as a classifier reads it, says where they begin. The
one-stop records written beside the stack lack one dossier's record and give one record
an applicant name the documents do not bear.

`write_stack` writes page by page: only one document's pages are drawn at a time (a PDF
keeps its pages' encoded bytes until it is saved; a TIFF is appended to on disk).
Everything follows from the seed.
"""

from __future__ import annotations

import csv
import dataclasses
import json
import random
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, Literal

from PIL import Image, TiffImagePlugin

from samples import data, formats, vntext
from samples.codes import DAMAGES, Damage
from samples.expected import expected_values
from samples.labelled import SEALED, mild_effects
from samples.output import write_json
from samples.people import (
    CHIP_CARDS_FROM,
    FEMALE,
    Case,
    capitalise,
    current_card,
    full_name,
    make_case,
    province_address_name,
)
from samples.render import FONTS, RenderedDocument, fill, render
from samples.scan import ColourMode, DocumentSpec, Effects, PageSpec, ScannedPage, scan_document
from samples.templates import (
    ALL_TEMPLATES,
    BY_DOC_TYPE,
    GIAY_TIEP_NHAN,
    PHIEU_PHAN_CACH,
    Card,
    CodeMark,
    FormNumber,
    NationalHeader,
    Template,
    Title,
)

StackFormat = Literal["pdf", "tiff"]
Boundary = Literal["receipt_qr", "receipt_barcode", "receipt_text", "separator"]
Flaw = Literal["qr_damaged", "code_disagrees"]
RecordState = Literal["ok", "missing", "name_differs"]
Holder = Literal["applicant", "spouse"]

CATALOGUE = Path(__file__).resolve().parent.parent / "digitize" / "data" / "catalogue"
CARD = "can_cuoc_cong_dan"
# Papers a clerk takes as proof beside the listed ones (and the paper certified in a
# "chứng thực bản sao" dossier).
SUPPORTING = (
    "giay_khai_sinh",
    "giay_chung_nhan_quyen_su_dung_dat",
    "giay_chung_nhan_dang_ky_ho_kinh_doanh",
)
# Procedures whose declaration (or required certificate) runs onto several pages.
MULTI_PAGE_PROCEDURES = (
    "dang_ky_dat_dai_lan_dau",
    "dang_ky_thanh_lap_ho_kinh_doanh",
    "cap_giay_phep_xay_dung",
)
# Templates whose last page may lie on top of a stack, left over from an earlier one.
STRAY_TEMPLATES = (
    CARD,
    "giay_de_nghi_ho_kinh_doanh",
    "giay_chung_nhan_quyen_su_dung_dat",
    "don_dang_ky_dat_dai_04a",
)
# Boundaries every stack has (as far as its dossiers go), in the order they are handed out.
REQUIRED: tuple[tuple[Boundary, Flaw | None], ...] = (
    ("receipt_qr", "qr_damaged"),
    ("receipt_qr", "code_disagrees"),
    ("separator", None),
    ("receipt_barcode", None),
    ("receipt_text", None),
    ("receipt_qr", None),
)
# The other dossiers' boundaries, with weights.
OTHER_BOUNDARIES: tuple[tuple[Boundary, int], ...] = (
    ("receipt_qr", 4),
    ("separator", 3),
    ("receipt_barcode", 2),
    ("receipt_text", 1),
)
DPIS = (200, 250, 300)
STATUSES = ("received", "processing", "completed")
RECORD_FIELDS = (
    "dossier_code",
    "procedure_code",
    "procedure",
    "applicant_name",
    "applicant_id_number",
    "receiving_unit",
    "received_date",
    "status",
)
BLANK_BACK_SHARE = 0.1  # sheets printed on one side whose empty back was scanned too
TURNED_SHARE = 0.08  # pages fed sideways or upside down


@dataclass(frozen=True, slots=True)
class PlannedDocument:
    template: str
    holder: Holder = "applicant"  # whose ID card (the spouse's in a marriage, say)
    untitled: bool = False  # copied without its top: no national header, no title


@dataclass(frozen=True, slots=True)
class DossierPlan:
    index: int
    procedure: str
    boundary: Boundary
    flaw: Flaw | None
    documents: tuple[PlannedDocument, ...]  # after the boundary page, in paper order
    record: RecordState
    boundary_rotation: int
    boundary_skew: float | None  # None: drawn like any page's
    blank_after_boundary: bool
    damage: Damage | None


@dataclass(frozen=True, slots=True)
class StackPlan:
    seed: int
    file_format: StackFormat
    colour_mode: ColourMode
    dpi: int
    jpeg_quality: int
    lid: Literal["white", "dark"]  # one feeder, one backing colour for the whole stack
    bed_margin_mm: float
    system_font: str  # the one-stop system's printouts: receipts, separator sheets
    strays: tuple[str, ...]  # template keys; each stray is that paper's last page
    dossiers: tuple[DossierPlan, ...]


# -- the plan -----------------------------------------------------------------------------


@cache
def _catalogue_documents() -> dict[str, list[tuple[str, bool]]]:
    """(document type, required) of each procedure's component papers that have one."""
    with (CATALOGUE / "procedures.toml").open("rb") as handle:
        procedures = tomllib.load(handle)
    return {
        key: [
            (d["doc_type"], bool(d.get("required"))) for d in entry["documents"] if "doc_type" in d
        ]
        for key, entry in procedures.items()
    }


def dossier_documents(procedure: str, rng: random.Random) -> tuple[PlannedDocument, ...]:
    """The papers of a dossier: those the catalogue lists for the procedure (optional
    ones mostly), topped up to two with an ID card copy and a certificate; a marriage
    brings both parties' cards, other couples now and then."""
    listed = _catalogue_documents()[procedure]
    docs = [
        PlannedDocument(BY_DOC_TYPE[doc_type].key)
        for doc_type, required in listed
        if required or rng.random() < 0.7
    ]
    keys = [d.template for d in docs]
    while len(docs) < 2:
        if CARD not in keys:
            docs.append(PlannedDocument(CARD))
        else:
            docs.append(PlannedDocument(rng.choice(SUPPORTING)))
        keys = [d.template for d in docs]
    if CARD in keys and (procedure == "dang_ky_ket_hon" or rng.random() < 0.25):
        docs.insert(keys.index(CARD) + 1, PlannedDocument(CARD, "spouse"))
    return tuple(docs[:6])


def plan_stack(
    dossiers: int,
    seed: int,
    *,
    file_format: StackFormat = "pdf",
    leading_strays: int = 0,
    dpi: int | None = None,
) -> StackPlan:
    if dossiers < 1:
        raise ValueError("a stack needs at least one dossier")
    if leading_strays < 0:
        raise ValueError("leading_strays must not be negative")
    rng = random.Random(f"{seed}:stack:{dossiers}:{leading_strays}")
    colour_mode: ColourMode = (
        "bilevel" if file_format == "tiff" else rng.choice(("colour", "grey", "grey"))
    )
    dark = rng.random() < 0.25
    chosen_dpi = dpi if dpi is not None else rng.choice(DPIS)

    # Boundaries: the required kinds first, then weighted draws, in shuffled order.
    kinds: list[tuple[Boundary, Flaw | None]] = list(REQUIRED[:dossiers])
    names = [b for b, _ in OTHER_BOUNDARIES]
    weights = [w for _, w in OTHER_BOUNDARIES]
    kinds += [(rng.choices(names, weights)[0], None) for _ in range(dossiers - len(kinds))]
    rng.shuffle(kinds)

    # Procedures: every one once before any repeats; at least one multi-page paper.
    keys = [p.key for p in data.PROCEDURES]
    procedures: list[str] = []
    while len(procedures) < dossiers:
        batch = keys[:]
        rng.shuffle(batch)
        procedures += batch
    procedures = procedures[:dossiers]
    if not set(procedures) & set(MULTI_PAGE_PROCEDURES):
        procedures[rng.randrange(dossiers)] = rng.choice(MULTI_PAGE_PROCEDURES)

    # Records: one missing, one with another applicant name; on dossiers without a
    # flawed code where there are enough of them, so that each problem comes alone.
    order = sorted(range(dossiers), key=lambda i: (kinds[i][1] is not None, rng.random()))
    records: list[RecordState] = ["ok"] * dossiers
    records[order[0]] = "missing"
    if dossiers > 1:
        records[order[1]] = "name_differs"

    # Turned boundary pages: 90, 180 and 270 on three that carry a code, so that the
    # code readers meet every orientation; the barcode gets the worst skew.
    coded = [i for i, (b, _) in enumerate(kinds) if b != "receipt_text"]
    rng.shuffle(coded)
    rotations = dict.fromkeys(range(dossiers), 0)
    for i, rotation in zip(coded, (90, 180, 270), strict=False):
        rotations[i] = rotation
    blank_after = rng.randrange(dossiers)  # at least one blank back in every stack

    plans = []
    for i, ((boundary, flaw), procedure) in enumerate(zip(kinds, procedures, strict=True)):
        skew = None
        if boundary == "receipt_barcode":
            skew = round(rng.choice((-1, 1)) * rng.uniform(4.0, 5.0), 1)
        plans.append(
            DossierPlan(
                index=i,
                procedure=procedure,
                boundary=boundary,
                flaw=flaw,
                documents=dossier_documents(procedure, rng),
                record=records[i],
                boundary_rotation=rotations[i],
                boundary_skew=skew,
                blank_after_boundary=i == blank_after or rng.random() < BLANK_BACK_SHARE,
                damage=rng.choice(DAMAGES) if flaw == "qr_damaged" else None,
            )
        )
    # Drawn apart, so that the rest of a seed's stack stays as it was.
    untitled_rng = random.Random(f"{seed}:stack:untitled:{dossiers}:{leading_strays}")
    papers = _untitled_papers(plans, untitled_rng)
    plans = [dataclasses.replace(d, documents=p) for d, p in zip(plans, papers, strict=True)]
    return StackPlan(
        seed=seed,
        file_format=file_format,
        colour_mode=colour_mode,
        dpi=chosen_dpi,
        jpeg_quality=rng.randint(70, 85),
        lid="dark" if dark else "white",
        bed_margin_mm=3.0 if dark else 0.0,
        system_font=rng.choice(sorted(FONTS)),
        strays=tuple(rng.choice(STRAY_TEMPLATES) for _ in range(leading_strays)),
        dossiers=tuple(plans),
    )


def _untitled_papers(
    plans: list[DossierPlan], rng: random.Random
) -> list[tuple[PlannedDocument, ...]]:
    """One ID card copy and one certificate of the stack copied without their top (no
    header, no title), each after a paper of another type (the receipt counts; a
    separator sheet is none): only the classifier can tell where they start. Two
    untitled papers of one type in a row could not be told apart."""
    out = [list(plan.documents) for plan in plans]
    for wanted in ((CARD,), SUPPORTING):
        options = [
            (i, j)
            for i, papers in enumerate(out)
            for j, paper in enumerate(papers)
            if paper.template in wanted
            and not paper.untitled
            and (
                papers[j - 1].template != paper.template if j else plans[i].boundary != "separator"
            )
            and (j + 1 == len(papers) or papers[j + 1].template != paper.template)
        ]
        if options:
            i, j = rng.choice(options)
            out[i][j] = dataclasses.replace(out[i][j], untitled=True)
    return [tuple(papers) for papers in out]


def untitled(template: Template) -> Template:
    """The paper as copied without its top: national header, form number and title gone
    (a card's header and title too); what follows them is as printed."""
    blocks: list[Any] = []
    for block in template.blocks:
        if isinstance(block, NationalHeader | Title | FormNumber):
            continue
        if isinstance(block, Card):
            block = dataclasses.replace(block, header=(), title=())
        blocks.append(block)
    return dataclasses.replace(template, title="", form_number=None, blocks=tuple(blocks))


# -- cases --------------------------------------------------------------------------------


def dossier_case(plan: StackPlan, dossier: DossierPlan) -> Case:
    """The dossier's case, for its procedure; a young family where a paper needs one."""
    young = any(ALL_TEMPLATES[d.template].young_family for d in dossier.documents)
    rng = random.Random(f"{plan.seed}:stack:case:{dossier.index}")
    return make_case(rng, dossier.procedure, young_family=young)


def spouse_case(case: Case, rng: random.Random) -> Case:
    """The same case seen from the spouse, for a copy of the spouse's ID card: the card's
    values and facts are the spouse's. A marriage's parties lived apart before it."""
    spouse = case.spouse
    assert spouse.id_issued is not None
    issued, valid_until = current_card(spouse.dob, spouse.id_issued, case.document_date)
    if case.procedure.key == "dang_ky_ket_hon":
        address = case.values["bride_address" if spouse.sex == FEMALE else "groom_address"]
    else:
        address = case.values["address"]
    hometown = f"{capitalise(rng.choice(data.COMMUNES))}, " + province_address_name(
        spouse.birth_province
    )
    values = {
        "applicant_name": spouse.name,
        "applicant_dob": vntext.dmy(spouse.dob),
        "applicant_sex": spouse.sex,
        "id_number": spouse.id_number,
        "card_number_label": "Số định danh cá nhân / Personal identification number"
        if issued >= CHIP_CARDS_FROM
        else "Số / No.",
        "applicant_hometown": hometown,
        "address": address,
        "valid_until": vntext.dmy(valid_until) if valid_until else "Không thời hạn",
    }
    facts = {
        "applicant_name": spouse.name,
        "applicant_dob": spouse.dob,
        "applicant_sex": spouse.sex,
        "id_number": spouse.id_number,
        "valid_until": valid_until,
    }
    return dataclasses.replace(
        case,
        values={**case.values, **{k: vntext.nfc(str(v)) for k, v in values.items()}},
        facts={**case.facts, **facts},
    )


def other_code(code: str, taken: set[str], rng: random.Random) -> str:
    """Another valid dossier code of the same unit and day (a neighbour's, as when a
    receipt is reprinted from the wrong record), none of the stack's."""
    head, _, number = code.rpartition("-")
    while True:
        candidate = f"{head}-{max(1, int(number) + rng.choice((-1, 1)) * rng.randint(1, 30)):04d}"
        if candidate not in taken:
            return candidate


# -- scanning -----------------------------------------------------------------------------


@dataclass(slots=True)
class _Document:
    """One paper of the stack, ready to scan."""

    template: Template
    case: Case
    rendered: RenderedDocument
    spec: DocumentSpec
    dossier: int | None
    role: Literal["receipt", "separator", "document"]
    damaged: bool = False


def _page_effects(
    plan: StackPlan,
    rng: random.Random,
    template: Template,
    rotation: int | None = None,
    skew: float | None = None,
) -> Effects:
    """Mild office-scanner defects; the stack's lid; the plan's turn and skew if given."""
    stamp = template.doc_type in SEALED and rng.random() < 0.7
    effects = mild_effects(rng, plan.colour_mode, plan.dpi, stamp)
    if rotation is None:
        rotation = rng.choice((90, 180, 270)) if rng.random() < TURNED_SHARE else 0
    return dataclasses.replace(
        effects,
        rotation=rotation,
        skew_deg=effects.skew_deg if skew is None else skew,
        lid=plan.lid,
        bed_margin_mm=plan.bed_margin_mm,
    )


def _blank_effects(plan: StackPlan, rng: random.Random) -> Effects:
    return Effects(
        skew_deg=round(rng.uniform(-1.0, 1.0), 1) + 0.0,
        speckles=rng.randint(2, 10),
        lid=plan.lid,
        bed_margin_mm=plan.bed_margin_mm,
    )


def _document(
    plan: StackPlan,
    file_name: str,
    number: int,
    template: Template,
    case: Case,
    *,
    dossier: int | None,
    role: Literal["receipt", "separator", "document"],
    code: CodeMark | None = None,
    first: Effects | None = None,
    blank_after_first: bool = False,
    only_last_page: bool = False,
) -> _Document:
    """Render paper number `number` of the stack and plan its pages: `first` overrides
    the first page's effects; blank backs follow sheets now and then."""
    rng = random.Random(f"{plan.seed}:stack:document:{number}")
    font = plan.system_font if role != "document" else rng.choice(sorted(FONTS))
    rendered = render(
        template, case, font=font, dpi=plan.dpi, colour=plan.colour_mode == "colour", code=code
    )
    sources = [len(rendered.pages)] if only_last_page else range(1, len(rendered.pages) + 1)
    pages: list[PageSpec] = []
    for n, source in enumerate(sources):
        effects = first if n == 0 and first is not None else _page_effects(plan, rng, template)
        pages.append(PageSpec(source, effects))
        blank = (
            blank_after_first if n == 0 and role != "document" else rng.random() < BLANK_BACK_SHARE
        )
        if blank and not only_last_page:
            pages.append(PageSpec(None, _blank_effects(plan, rng)))
    spec = DocumentSpec(
        file=file_name,
        template=template.key,
        font=font,
        dpi=plan.dpi,
        colour_mode=plan.colour_mode,
        file_format=plan.file_format,
        pages=tuple(pages),
        jpeg_quality=plan.jpeg_quality if plan.file_format == "pdf" else None,
        tiff_compression="group4" if plan.file_format == "tiff" else None,
        procedure=case.procedure.key,
        effects_seed=f"stack:{number}",
    )
    damaged = first is not None and first.code_damage is not None
    return _Document(template, case, rendered, spec, dossier, role, damaged)


def _boundary(
    plan: StackPlan, dossier: DossierPlan, case: Case, file_name: str, number: int, taken: set[str]
) -> tuple[_Document, str | None]:
    """The dossier's first page and the code its symbol holds (None: print only)."""
    rng = random.Random(f"{plan.seed}:stack:boundary:{dossier.index}")
    template = PHIEU_PHAN_CACH if dossier.boundary == "separator" else GIAY_TIEP_NHAN
    first = _page_effects(
        plan, rng, template, rotation=dossier.boundary_rotation, skew=dossier.boundary_skew
    )
    if dossier.damage is not None:
        first = dataclasses.replace(first, code_damage=dossier.damage)
    code: CodeMark | None = None
    symbol: str | None = str(case.values["dossier_code"])
    if dossier.boundary == "receipt_qr":
        code = CodeMark("qr")
    elif dossier.boundary == "receipt_barcode":
        code = CodeMark("code128")
    elif dossier.boundary == "receipt_text":
        symbol = None
    if dossier.flaw == "code_disagrees":
        assert symbol is not None
        symbol = other_code(symbol, taken, rng)
        case = dataclasses.replace(case, values={**case.values, "symbol_code": symbol})
        code = CodeMark("qr", key="symbol_code")
    role: Literal["receipt", "separator"] = (
        "separator" if dossier.boundary == "separator" else "receipt"
    )
    document = _document(
        plan,
        file_name,
        number,
        template,
        case,
        dossier=dossier.index,
        role=role,
        code=code,
        first=first,
        blank_after_first=dossier.blank_after_boundary,
    )
    return document, symbol


def _papers(plan: StackPlan, file_name: str) -> Iterator[tuple[_Document, str | None]]:
    """The stack's papers in feeder order, each drawn only when its turn comes; with
    each boundary, the code its symbol holds."""
    number = 0
    for k, key in enumerate(plan.strays):
        template = ALL_TEMPLATES[key]
        rng = random.Random(f"{plan.seed}:stack:stray-case:{k}")
        procedure = template.procedure or (
            template.case_procedures[0] if template.case_procedures else None
        )
        case = make_case(rng, procedure, young_family=template.young_family)
        yield (
            _document(
                plan,
                file_name,
                number,
                template,
                case,
                dossier=None,
                role="document",
                only_last_page=True,
            ),
            None,
        )
        number += 1
    cases = [dossier_case(plan, d) for d in plan.dossiers]
    taken = {str(c.values["dossier_code"]) for c in cases}
    for dossier, case in zip(plan.dossiers, cases, strict=True):
        document, symbol = _boundary(plan, dossier, case, file_name, number, taken)
        number += 1
        yield document, symbol
        rng = random.Random(f"{plan.seed}:stack:spouse:{dossier.index}")
        for planned in dossier.documents:
            holder_case = spouse_case(case, rng) if planned.holder == "spouse" else case
            template = ALL_TEMPLATES[planned.template]
            if planned.untitled:
                template = untitled(template)
            yield (
                _document(
                    plan,
                    file_name,
                    number,
                    template,
                    holder_case,
                    dossier=dossier.index,
                    role="document",
                ),
                None,
            )
            number += 1


# -- writing ------------------------------------------------------------------------------


class _TiffStack:
    """A multi-page CCITT G4 TIFF appended to page by page on disk."""

    def __init__(self, path: Path, dpi: int) -> None:
        self.writer = TiffImagePlugin.AppendingTiffWriter(path, new=True)
        self.dpi = dpi

    def add_page(self, image: Image.Image) -> None:
        image.save(self.writer, format="TIFF", compression="group4", dpi=(self.dpi, self.dpi))
        self.writer.newFrame()

    def close(self) -> None:
        self.writer.close()


def _page_entry(
    scanned: ScannedPage, number: int, document: _Document, index: int | None
) -> dict[str, Any]:
    truth = dict(scanned.truth, number=number)
    if not document.template.title:  # copied without its top (see `untitled`)
        truth["title"] = ""
    blank = truth["blank"]
    role = "blank" if blank else document.role
    source = truth["source_page"]
    codes = [] if blank else document.rendered.pages[source - 1].codes
    truth.update(
        role=role,
        dossier=document.dossier,
        document=None if blank else index,
        codes=[
            {"symbology": c.symbology, "text": c.text, "damaged": document.damaged} for c in codes
        ],
    )
    return truth


def _record(dossier: DossierPlan, case: Case, rng: random.Random) -> dict[str, str] | None:
    if dossier.record == "missing":
        return None
    name = case.applicant.name
    if dossier.record == "name_differs":
        # Another person's name (a record keyed in for the wrong applicant).
        while vntext.fold(name) == vntext.fold(case.applicant.name):
            name = full_name(rng, case.applicant.sex)
    procedure = data.PROCEDURE_BY_KEY[dossier.procedure]
    return {
        "dossier_code": str(case.values["dossier_code"]),
        "procedure_code": procedure.code,
        "procedure": procedure.key,
        "applicant_name": name,
        "applicant_id_number": case.applicant.id_number,
        "receiving_unit": fill(GIAY_TIEP_NHAN.issuer, case.values),
        "received_date": case.document_date.isoformat(),
        "status": rng.choice(STATUSES),
    }


def records_paths(path: Path) -> tuple[Path, Path]:
    """OUT.records.json and OUT.records.csv beside the stack OUT.pdf / OUT.tif."""
    return path.with_suffix(".records.json"), path.with_suffix(".records.csv")


def write_stack(path: Path, plan: StackPlan) -> dict[str, Any]:
    """Write the stack, its truth (PATH.json) and the one-stop records; returns the truth."""
    path.parent.mkdir(parents=True, exist_ok=True)
    pdf = formats.PdfWriter() if plan.file_format == "pdf" else None
    tiff = _TiffStack(path, plan.dpi) if plan.file_format == "tiff" else None
    pages: list[dict[str, Any]] = []
    documents: list[dict[str, Any]] = []
    dossiers: list[dict[str, Any]] = [{} for _ in plan.dossiers]
    cases: list[Case | None] = [None] * len(plan.dossiers)
    try:
        for document, symbol in _papers(plan, path.name):
            index = len(documents)
            printed: set[str] = set()
            own_pages: list[int] = []
            for scanned in scan_document(
                document.spec, plan.seed, document.case, document.rendered
            ):
                number = len(pages) + 1
                if pdf is not None:
                    pdf.add_page(scanned.image, plan.dpi, plan.jpeg_quality)
                elif tiff is not None:
                    tiff.add_page(scanned.image)
                entry = _page_entry(scanned, number, document, index)
                pages.append(entry)
                if not entry["blank"]:
                    own_pages.append(number)
                    printed.update(entry["fields"])
                if document.dossier is not None:
                    dossiers[document.dossier].setdefault("pages", []).append(number)
            documents.append(
                {
                    "pages": own_pages,
                    "doc_type": document.template.doc_type,
                    "procedure": document.template.document_procedure(document.case.procedure.key),
                    "dossier": document.dossier,
                    "template": document.template.key,
                    "untitled": not document.template.title,
                    "expected": expected_values(document.template, document.case, printed),
                }
            )
            if document.dossier is None:
                continue
            entry_d = dossiers[document.dossier]
            entry_d.setdefault("documents", []).append(index)
            if document.role != "document":
                dossier = plan.dossiers[document.dossier]
                cases[document.dossier] = document.case
                entry_d.update(_dossier_head(dossier, document.case, symbol))
    finally:
        if tiff is not None:
            tiff.close()
    if pdf is not None:
        pdf.save(path)

    records_json, records_csv = records_paths(path)
    rng = random.Random(f"{plan.seed}:stack:records")
    records = []
    for dossier, case in zip(plan.dossiers, cases, strict=True):
        assert case is not None
        record = _record(dossier, case, rng)
        if record is not None:
            records.append(record)
    records.sort(key=lambda r: r["dossier_code"])
    records_json.write_text(
        json.dumps(records, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
    )
    with records_csv.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=RECORD_FIELDS)
        writer.writeheader()
        writer.writerows(records)

    stray_pages = [p["number"] for p in pages if p["dossier"] is None]
    truth: dict[str, Any] = {
        "file": path.name,
        "format": plan.file_format,
        "generator_seed": plan.seed,
        "dpi": plan.dpi,
        "colour_mode": plan.colour_mode,
        "records": [records_json.name, records_csv.name],
        "pages": pages,
        "documents": documents,
        "dossiers": [_ordered(d) for d in dossiers],
        "unassigned_pages": stray_pages,
    }
    write_json(path.with_name(path.name + ".json"), truth)
    return truth


def _dossier_head(dossier: DossierPlan, case: Case, symbol: str | None) -> dict[str, Any]:
    """What the dossier's boundary page says about it."""
    symbology = {"receipt_qr": "qr", "receipt_barcode": "barcode", "separator": "qr"}
    sources = [symbology[dossier.boundary]] if dossier.boundary in symbology else []
    return {
        "code": str(case.values["dossier_code"]),
        "code_sources": [*sources, "text"],
        "symbol_code": symbol,
        "boundary": "separator" if dossier.boundary == "separator" else "receipt",
        "procedure": dossier.procedure,
        "applicant_name": case.applicant.name,
        "review": [dossier.flaw] if dossier.flaw else [],
        "record": dossier.record,
    }


def _ordered(entry: dict[str, Any]) -> dict[str, Any]:
    keys = ("code", "code_sources", "symbol_code", "boundary", "pages", "documents",
            "procedure", "applicant_name", "review", "record")  # fmt: skip
    return {k: entry[k] for k in keys}
