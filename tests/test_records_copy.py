"""Digitised copies with legal value (issue 19): the digitiser's mark, the metadata in
the XMP, the unit's PAdES signature, and checking it; PDF/A kept throughout."""

from __future__ import annotations

import subprocess
from datetime import datetime, timedelta, timezone
from pathlib import Path

import numpy as np
import pikepdf
import pytest

from digitize.filing import write_document_pdfs
from digitize.pdf import DocumentMetadata, PageSource, assemble_pdf, write_page_pdf
from digitize.pdf.mark import DigitiserMark, Placement
from digitize.pdf.pdfa_check import pdfa_problems
from digitize.pdf.sign import SigningError, UnitSigner, check_signature
from digitize.pdf.xmp import read_schema
from digitize.records import COPY_SCHEMA, CopyMetadata, CopyOptions
from digitize.results import ColourMode, Line, OcrText, Word
from digitize.understand.catalogue import load_catalogue
from digitize.understand.documents import UnderstoodDocument
from digitize.understand.fields import ExtractedField
from tests.pki import PASSWORD, make_ca, make_unit_p12

ICT = timezone(timedelta(hours=7))
METADATA = DocumentMetadata(title="Giấy khai sinh", created=datetime(2026, 3, 5, 9, 30, tzinfo=ICT))
MARK = DigitiserMark("UBND xã Hòa Bình", "Nguyễn Thị Ánh", datetime(2026, 3, 5, 9, 30, tzinfo=ICT))
WORDS = ("Giấy", "khai", "sinh", "Đỗ", "Quỳnh")


def ocr_line(top: int) -> OcrText:
    placed, x = [], 200
    for text in WORDS:
        placed.append(Word(text, (x, top, x + 30 * len(text), top + 50), 0.9))
        x += 30 * len(text) + 30
    return OcrText((Line(tuple(placed), (200, top, x - 30, top + 50)),))


def page(directory: Path, *, full_top: bool = False, mode: ColourMode = ColourMode.GREY) -> Path:
    """An A4 page at 200 dpi with a line of text; `full_top` inks the whole top third."""
    grey = np.full((2339, 1654), 240, np.uint8)
    grey[400:450, 200:1200] = 0
    if full_top:
        grey[0:800:6, :] = 0  # ruled lines everywhere in the top-left area
    bilevel = np.where(grey > 128, 255, 0).astype(np.uint8)
    image = bilevel if mode is ColourMode.BILEVEL else grey
    path = directory / f"page-{mode.value}-{full_top}.pdf"
    write_page_pdf(image, colour_mode=mode, dpi=200, text=ocr_line(400), path=path)
    return path


def text_of(pdf: Path, number: int = 1) -> str:
    out = subprocess.run(
        ["pdftotext", "-f", str(number), "-l", str(number), str(pdf), "-"],
        capture_output=True, check=True, timeout=60,
    )  # fmt: skip
    return " ".join(out.stdout.decode("utf-8").split())


@pytest.fixture(scope="module")
def ca():  # type: ignore[no-untyped-def]
    return make_ca()


@pytest.fixture(scope="module")
def signer(ca, tmp_path_factory) -> UnitSigner:  # type: ignore[no-untyped-def]
    return UnitSigner.load(make_unit_p12(ca, tmp_path_factory.mktemp("pki") / "unit.p12"), PASSWORD)


# --- the mark ------------------------------------------------------------------------


def render(pdf: Path, tmp_path: Path, dpi: int = 72) -> np.ndarray:
    """Page 1 as the reader shows it (grey, `dpi`)."""
    from PIL import Image

    prefix = tmp_path / f"render-{pdf.stem}"
    subprocess.run(
        ["pdftoppm", "-r", str(dpi), "-gray", "-f", "1", "-l", "1", str(pdf), str(prefix)],
        check=True, timeout=60,
    )  # fmt: skip
    [image] = tmp_path.glob(f"render-{pdf.stem}*.pgm")
    return np.asarray(Image.open(image)).astype(np.int16)


@pytest.mark.parametrize("mode", [ColourMode.GREY, ColourMode.BILEVEL])
def test_mark_sits_in_a_blank_top_left_patch_and_the_text_layer_still_reads(
    tmp_path: Path, mode: ColourMode
) -> None:
    source = [PageSource(page(tmp_path, mode=mode))]
    plain, out = tmp_path / "plain.pdf", tmp_path / "marked.pdf"
    assemble_pdf(source, plain, metadata=METADATA)
    done = assemble_pdf(source, out, metadata=METADATA, mark=MARK)
    assert done.mark is not None and done.mark.placement is Placement.MARGIN
    x0, y0, x1, y1 = done.mark.box
    with pikepdf.open(out) as pdf:
        width, height = (float(v) for v in pdf.pages[0].mediabox[2:])
    assert (width, height) == pytest.approx((595.44, 842.04), abs=0.1)  # page size unchanged
    assert x0 < width / 3 and y1 > height * 0.7  # top left
    # The scan's ink starts at row 400 of 2339 (144 pt from the top): the stamp ends above.
    assert y0 > height - 400 * 72 / 200
    # The text layer is the paper's text, whole, and only that: the stamp is drawn.
    assert text_of(out) == text_of(plain) == " ".join(WORDS)
    # Seen: the rendering differs from the unmarked one only inside the stamp's frame,
    # and there it has lettering.
    before, after = render(plain, tmp_path), render(out, tmp_path)
    changed = np.argwhere(np.abs(after - before) > 24)
    rows, cols = changed[:, 0], changed[:, 1]
    assert len(changed) > 0
    assert cols.min() >= int(x0) - 1 and cols.max() <= int(x1) + 1
    assert rows.min() >= int(height - y1) - 1 and rows.max() <= int(height - y0) + 1
    frame = after[int(height - y1) + 2 : int(height - y0) - 2, int(x0) + 2 : int(x1) - 2]
    assert (frame < 160).mean() > 0.05  # dark-blue letters on white


def test_mark_goes_into_a_band_when_the_top_left_is_full(tmp_path: Path) -> None:
    out = tmp_path / "band.pdf"
    source = page(tmp_path, full_top=True)
    done = assemble_pdf([PageSource(source)], out, metadata=METADATA, mark=MARK)
    assert done.mark is not None and done.mark.placement is Placement.BAND
    with pikepdf.open(source) as before, pikepdf.open(out) as after:
        old, new = before.pages[0].mediabox, after.pages[0].mediabox
        assert float(new[3]) > float(old[3])  # the page grew upward...
        assert [float(v) for v in new[:3]] == [float(v) for v in old[:3]]
        assert done.mark.box[1] >= float(old[3])  # ...and the stamp is above the scan
    assert text_of(out) == " ".join(WORDS)


def test_marked_and_described_document_is_pdfa(tmp_path: Path) -> None:
    out = tmp_path / "copy.pdf"
    values = CopyMetadata("giay_khai_sinh", "Giấy khai sinh", page_count=1).xmp_values()
    assemble_pdf(
        [PageSource(page(tmp_path))], out, metadata=METADATA, mark=MARK, xmp=(COPY_SCHEMA, values)
    )
    assert pdfa_problems(out.read_bytes()) == []
    with pikepdf.open(out) as pdf:
        assert pdf.open_metadata().pdfa_status == "2B"
        back = CopyMetadata.from_xmp(read_schema(pdf, COPY_SCHEMA))
    assert back == CopyMetadata("giay_khai_sinh", "Giấy khai sinh", page_count=1)


def test_pdfa_check_catches_an_undescribed_property(tmp_path: Path) -> None:
    out = tmp_path / "copy.pdf"
    assemble_pdf([PageSource(page(tmp_path))], out, metadata=METADATA)
    with pikepdf.open(out, allow_overwriting_input=True) as pdf:
        with pdf.open_metadata(set_pikepdf_as_editor=False) as meta:
            meta["{urn:example:undescribed#}thing"] = "x"
        pdf.save(out)
    assert pdfa_problems(out.read_bytes())


# --- the signature ---------------------------------------------------------------------


def signed_copy(tmp_path: Path, signer: UnitSigner) -> Path:
    out = tmp_path / "signed.pdf"
    values = CopyMetadata("giay_khai_sinh", "Giấy khai sinh", page_count=1).xmp_values()
    done = assemble_pdf(
        [PageSource(page(tmp_path))],
        out,
        metadata=METADATA,
        mark=MARK,
        xmp=(COPY_SCHEMA, values),
        signer=signer,
    )
    assert done.signed_at is not None
    return out


def test_signed_copy_verifies_and_stays_pdfa(tmp_path: Path, signer: UnitSigner) -> None:
    out = signed_copy(tmp_path, signer)
    data = out.read_bytes()
    check = check_signature(data, trust_roots=signer.trust_roots())
    assert check.ok and check.intact and not check.changed_after_signing and check.trusted
    assert check.signer is not None and check.signer.common_name == "UBND xã Hòa Bình"
    assert check.signed_at is not None
    assert pdfa_problems(data) == []
    # The signature is an incremental update: the unsigned file is its first revision.
    assert data.count(b"%%EOF") == 2
    assert text_of(out) == " ".join(WORDS)


def test_a_changed_byte_is_caught(tmp_path: Path, signer: UnitSigner) -> None:
    data = bytearray(signed_copy(tmp_path, signer).read_bytes())
    at = data.find(b"/MediaBox")
    data[at + 12] ^= 0x01  # one bit of one byte inside the signed range
    check = check_signature(bytes(data))
    assert check.signed and not check.intact and not check.ok


def test_an_update_after_signing_is_caught(tmp_path: Path, signer: UnitSigner) -> None:
    out = signed_copy(tmp_path, signer)
    with pikepdf.open(out, allow_overwriting_input=True) as pdf:
        pdf.docinfo["/Title"] = "đã sửa"
        pdf.save(out)  # a full rewrite: the signature's byte range no longer fits
    check = check_signature(out.read_bytes())
    assert not check.ok
    appended = signed_copy(tmp_path, signer).read_bytes() + b"\n1 0 obj\n(x)\nendobj\n"
    check = check_signature(appended)
    assert check.intact and check.changed_after_signing and not check.ok


def test_unsigned_file_is_not_ok(tmp_path: Path) -> None:
    out = tmp_path / "plain.pdf"
    assemble_pdf([PageSource(page(tmp_path))], out, metadata=METADATA)
    check = check_signature(out.read_bytes())
    assert not check.signed and not check.ok


def test_untrusted_root_is_reported(tmp_path: Path, signer: UnitSigner) -> None:
    other = make_ca()
    check = check_signature(signed_copy(tmp_path, signer).read_bytes(), trust_roots=[other.cert])
    assert check.intact and check.trusted is False and not check.ok


# --- certificates refused at start-up --------------------------------------------------


def test_expired_certificate_is_refused(ca, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(SigningError, match="expired"):
        UnitSigner.load(make_unit_p12(ca, tmp_path / "old.p12", expired=True), PASSWORD)


def test_wrong_purpose_certificate_is_refused(ca, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    p12 = make_unit_p12(ca, tmp_path / "tls.p12", signing_usage=False)
    with pytest.raises(SigningError, match="not for signing"):
        UnitSigner.load(p12, PASSWORD)


def test_wrong_password_and_missing_file_are_clear(ca, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    p12 = make_unit_p12(ca, tmp_path / "unit.p12")
    with pytest.raises(SigningError, match="password"):
        UnitSigner.load(p12, "sai")
    with pytest.raises(SigningError, match="cannot read"):
        UnitSigner.load(tmp_path / "none.p12", PASSWORD)


# --- filing: metadata from the document and the catalogue, results never unsigned -----


def birth_certificate(pages: tuple[int, ...] = (1,)) -> UnderstoodDocument:
    def field(name: str, value: str, review: bool = False) -> ExtractedField:
        return ExtractedField(name, value, 0.9, 1, None, value, review)

    return UnderstoodDocument(
        pages=pages,
        doc_type="giay_khai_sinh",
        doc_type_name="Giấy khai sinh",
        confidence=0.9,
        procedure=None,
        procedure_name=None,
        procedure_code=None,
        procedure_confidence=0.0,
        fields={
            "subject_name": field("subject_name", "Đỗ Quỳnh"),
            "id_number": field("id_number", "001226012345"),
            "issuer": field("issuer", "UBND xã Hòa Bình"),
            "document_date": field("document_date", "2026-02-01"),
            "subject_dob": field("subject_dob", "2026-01-20", review=True),
        },
    )


def test_filing_writes_metadata_mark_and_signature(tmp_path: Path, signer: UnitSigner) -> None:
    options = CopyOptions("UBND xã Hòa Bình", "archive-client", load_catalogue(), signer)
    filed = write_document_pdfs(
        [birth_certificate()],
        [PageSource(page(tmp_path))],
        lambda index, _: tmp_path / f"{index}.pdf",
        metadata=METADATA,
        pdfa=True,
        copy=options,
        dossier_codes=["000.00.13.H12-260305-0001"],
    )
    assert filed.warnings == [] and filed.paths[0] is not None
    info = filed.copies[0]
    assert info is not None and info["procedure_result"] is True
    metadata = info["metadata"]
    assert metadata["holder_id"] == "001226012345" and metadata["holder_id_kind"] == "personal_id"
    assert metadata["issuer"] == "UBND xã Hòa Bình" and metadata["issue_date"] == "2026-02-01"
    assert metadata["retention_period"] == "Vĩnh viễn" and metadata["access_level"] == "Hạn chế"
    assert metadata["validity_scope"] == "Toàn quốc" and metadata["page_count"] == 1
    assert metadata["summary"] == "Giấy khai sinh của Đỗ Quỳnh"
    assert metadata["number_and_symbol"] == "" and metadata["valid_until"] == ""  # not known
    assert metadata["dossier_code"] == "000.00.13.H12-260305-0001"
    assert info["signature"]["signer"]["common_name"] == "UBND xã Hòa Bình"
    data = filed.paths[0].read_bytes()
    assert check_signature(data).ok and pdfa_problems(data) == []
    with pikepdf.open(filed.paths[0]) as pdf:
        assert CopyMetadata.from_xmp(read_schema(pdf, COPY_SCHEMA)).as_json() == metadata


def test_a_procedure_result_is_never_released_unsigned(tmp_path: Path, signer: UnitSigner) -> None:
    # A signer whose key is damaged: signing fails after start-up (the only way to
    # make pyHanko fail here; a real one would be a token pulled out mid-run).
    broken = UnitSigner(signer.certificate, signer.chain, b"\x30\x03\x02\x01\x00")
    options = CopyOptions("UBND xã Hòa Bình", "archive-client", load_catalogue(), broken)
    declaration = UnderstoodDocument(
        pages=(1,), doc_type="to_khai_dang_ky_khai_sinh", doc_type_name="Tờ khai",
        confidence=0.9, procedure=None, procedure_name=None, procedure_code=None,
        procedure_confidence=0.0,
    )  # fmt: skip
    filed = write_document_pdfs(
        [birth_certificate(), declaration],
        [PageSource(page(tmp_path))],
        lambda index, _: tmp_path / f"{index}.pdf",
        metadata=METADATA,
        pdfa=True,
        copy=options,
    )
    assert filed.paths[0] is None and not (tmp_path / "0.pdf").exists()
    assert any("not released unsigned" in w for w in filed.warnings)
    # Not a result: written, unsigned, and said so.
    assert filed.paths[1] is not None and not check_signature(filed.paths[1].read_bytes()).signed
    assert any("written unsigned" in w for w in filed.warnings)


# --- real forms (../shared/real-forms, read only when present) --------------------------

REAL_FORMS = Path(__file__).resolve().parents[2] / "shared" / "real-forms" / "pdf"


@pytest.mark.skipif(not REAL_FORMS.is_dir(), reason="../shared/real-forms is not here")
def test_on_real_forms_the_mark_covers_no_ink(tmp_path: Path) -> None:
    """Page 1 of each real official form, rendered at 200 dpi as a scan would be: the
    stamp lands where the page has no ink, or in a band above it."""
    from PIL import Image

    forms = sorted(REAL_FORMS.glob("*.pdf"))
    assert forms
    for form in forms:
        prefix = tmp_path / form.stem
        subprocess.run(
            ["pdftoppm", "-r", "200", "-gray", "-f", "1", "-l", "1", str(form), str(prefix)],
            check=True, timeout=120,
        )  # fmt: skip
        [rendered] = tmp_path.glob(f"{form.stem}*.pgm")
        grey = np.asarray(Image.open(rendered).convert("L"))
        source = tmp_path / f"{form.stem}-page.pdf"
        write_page_pdf(grey, colour_mode=ColourMode.GREY, dpi=200, text=None, path=source)
        out = tmp_path / f"{form.stem}-marked.pdf"
        done = assemble_pdf([PageSource(source)], out, metadata=METADATA, mark=MARK)
        assert done.mark is not None
        if done.mark.placement is Placement.BAND:
            continue
        x0, y0, x1, y1 = (v * 200 / 72 for v in done.mark.box)
        top = grey.shape[0] - y1
        region = grey[int(top) : int(grey.shape[0] - y0), int(x0) : int(x1)]
        assert (region < 128).mean() <= 0.002, form.name


def test_verify_command_on_a_file_that_is_not_a_pdf(tmp_path: Path) -> None:
    from tests.conftest import run_digitize

    junk = tmp_path / "junk.pdf"
    junk.write_bytes(b"not a pdf at all")
    run = run_digitize("verify", junk)
    assert run.returncode == 2 and "is not a PDF" in run.stderr and "Traceback" not in run.stderr
    run = run_digitize("verify", tmp_path / "missing.pdf")
    assert run.returncode == 2 and "cannot read" in run.stderr


@pytest.mark.parametrize("rotate", [90, 180, 270])
def test_mark_is_top_left_as_the_page_is_seen_when_it_is_rotated(
    tmp_path: Path, rotate: int
) -> None:
    """A page kept from a PDF may carry /Rotate: the stamp goes where a reader sees the
    top left, upright, and changes nothing else of the rendering."""
    source = page(tmp_path)
    with pikepdf.open(source, allow_overwriting_input=True) as pdf:
        pdf.pages[0].obj.Rotate = rotate
        pdf.save(source)
    plain, out = tmp_path / "plain.pdf", tmp_path / "marked.pdf"
    assemble_pdf([PageSource(source)], plain, metadata=METADATA)
    done = assemble_pdf([PageSource(source)], out, metadata=METADATA, mark=MARK)
    assert done.mark is not None and done.mark.placement is Placement.MARGIN
    before, after = render(plain, tmp_path), render(out, tmp_path)
    assert before.shape == after.shape
    changed = np.argwhere(np.abs(after - before) > 24)
    height, width = after.shape
    # Seen top left: the changed pixels sit in the top third and left half of the view.
    assert len(changed) > 0
    assert changed[:, 0].max() < height / 3 and changed[:, 1].max() < width / 2
    x0, y0, x1, y1 = done.mark.box
    assert changed[:, 1].min() >= int(x0) - 1 and changed[:, 1].max() <= int(x1) + 1
    assert changed[:, 0].min() >= int(height - y1) - 1
    assert changed[:, 0].max() <= int(height - y0) + 1
    assert text_of(out) == text_of(plain)


def test_a_page_with_visible_text_gets_the_band(tmp_path: Path) -> None:
    """A page whose text is drawn (a born-digital PDF kept as it is) is not judged by its
    image: the stamp goes into a band above it."""
    source = tmp_path / "digital.pdf"
    with pikepdf.new() as pdf:
        pdf.add_blank_page(page_size=(595, 842))
        font = pdf.make_indirect(
            pikepdf.Dictionary(Type=pikepdf.Name.Font, Subtype=pikepdf.Name.Type1,
                               BaseFont=pikepdf.Name.Helvetica)
        )  # fmt: skip
        page_obj = pdf.pages[0]
        page_obj.obj.Resources = pikepdf.Dictionary(Font=pikepdf.Dictionary(F1=font))
        page_obj.obj.Contents = pikepdf.Stream(pdf, b"BT /F1 12 Tf 20 820 Td (Top left) Tj ET")
        pdf.save(source)
    out = tmp_path / "marked.pdf"
    done = assemble_pdf([PageSource(source)], out, metadata=METADATA, mark=MARK, pdfa=False)
    assert done.mark is not None and done.mark.placement is Placement.BAND
    assert "Top left" in text_of(out)
