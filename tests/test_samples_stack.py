"""Generated stacks of dossiers (`--stack`): the truth's structure, the boundaries and
flaws the issue asks for, the codes readable (or not) with zxing-cpp at every rotation,
the one-stop records, both file formats, determinism. No Tesseract."""

from __future__ import annotations

import csv
import json
import random
import re
import tomllib
from pathlib import Path

import pikepdf
import pytest
from PIL import Image, ImageSequence

from samples import codes, data
from samples.generate import main
from samples.people import make_case
from samples.render import render
from samples.stack import RECORD_FIELDS, plan_stack, records_paths, write_stack
from samples.templates import GIAY_TIEP_NHAN, STACK_TEMPLATES, CodeMark

CATALOGUE = Path(__file__).resolve().parent.parent / "digitize" / "data" / "catalogue"
DOSSIER_CODE = r"\d{3}\.\d{2}\.\d{2}\.[A-Y]\d{2}-\d{6}-\d{4}"
SEED = 4
TURNS = {
    90: Image.Transpose.ROTATE_90,
    180: Image.Transpose.ROTATE_180,
    270: Image.Transpose.ROTATE_270,
}


def _load(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def _pdf_pages(path: Path) -> list[Image.Image]:
    images = []
    with pikepdf.open(path) as pdf:
        for page in pdf.pages:
            (image,) = page.get_images().values()
            images.append(pikepdf.PdfImage(image).as_pil_image())
    return images


def _tiff_pages(path: Path) -> list[Image.Image]:
    with Image.open(path) as tiff:
        return [frame.copy() for frame in ImageSequence.Iterator(tiff)]


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    """The default test stack: 10 dossiers, one stray page first, 200 dpi PDF."""
    path = tmp_path_factory.mktemp("stack") / "stack.pdf"
    truth = write_stack(path, plan_stack(10, SEED, leading_strays=1, dpi=200))
    assert _load(path.with_name("stack.pdf.json")) == truth
    return path, truth


@pytest.fixture(scope="module")
def pages(stack: tuple[Path, dict]) -> list[Image.Image]:
    return _pdf_pages(stack[0])


# -- structure ----------------------------------------------------------------------------


def test_every_page_is_in_exactly_one_place(stack: tuple[Path, dict]) -> None:
    _, truth = stack
    numbers = [p["number"] for p in truth["pages"]]
    assert numbers == list(range(1, len(numbers) + 1))
    placed = list(truth["unassigned_pages"])
    for dossier in truth["dossiers"]:
        placed += dossier["pages"]
    assert sorted(placed) == numbers
    # Strays come first, then the dossiers one after the other, each contiguous.
    assert truth["unassigned_pages"] == [1]
    following = 2
    for index, dossier in enumerate(truth["dossiers"]):
        assert dossier["pages"] == list(range(following, following + len(dossier["pages"])))
        following += len(dossier["pages"])
        for number in dossier["pages"]:
            assert truth["pages"][number - 1]["dossier"] == index
    for number in truth["unassigned_pages"]:
        page = truth["pages"][number - 1]
        assert page["dossier"] is None and page["role"] == "document"


def test_dossiers_open_with_their_boundary_page(stack: tuple[Path, dict]) -> None:
    _, truth = stack
    for dossier in truth["dossiers"]:
        first, *rest = (truth["pages"][n - 1] for n in dossier["pages"])
        assert first["role"] == dossier["boundary"]
        assert first["doc_type"] == (
            "giay_tiep_nhan_ho_so" if dossier["boundary"] == "receipt" else "to_phan_cach_ho_so"
        )
        assert all(page["role"] in ("document", "blank") for page in rest)
        boundary_doc = truth["documents"][dossier["documents"][0]]
        assert boundary_doc["pages"] == [dossier["pages"][0]]
        assert boundary_doc["expected"]["dossier_code"] == dossier["code"]
        assert f"Mã hồ sơ: {dossier['code']}" in first["text"]


def test_documents_lie_within_their_dossier(stack: tuple[Path, dict]) -> None:
    _, truth = stack
    seen: list[int] = []
    for index, document in enumerate(truth["documents"]):
        assert document["pages"], index
        for number in document["pages"]:
            page = truth["pages"][number - 1]
            assert page["document"] == index and not page["blank"]
            assert page["dossier"] == document["dossier"]
        if document["dossier"] is not None:
            dossier = truth["dossiers"][document["dossier"]]
            assert set(document["pages"]) <= set(dossier["pages"])
            assert index in dossier["documents"]
        seen.append(index)
    listed = [i for d in truth["dossiers"] for i in d["documents"]]
    assert listed == sorted(listed)  # documents in page order
    strays = [i for i, d in enumerate(truth["documents"]) if d["dossier"] is None]
    assert sorted(listed + strays) == seen
    for page in truth["pages"]:
        if page["blank"]:
            assert page["role"] == "blank" and page["document"] is None
            assert page["dossier"] is not None and page["text"] == ""
        else:
            assert page["document"] is not None


def test_documents_are_catalogued_and_dossiers_hold_two_to_six_papers(
    stack: tuple[Path, dict],
) -> None:
    _, truth = stack
    types = {p.stem for p in (CATALOGUE / "document_types").glob("*.toml")}
    with (CATALOGUE / "procedures.toml").open("rb") as handle:
        procedures = tomllib.load(handle)
    for document in truth["documents"]:
        assert document["doc_type"] in types
        assert document["procedure"] is None or document["procedure"] in procedures
        assert document["expected"]
    for dossier in truth["dossiers"]:
        assert dossier["procedure"] in procedures
        papers = [truth["documents"][i] for i in dossier["documents"][1:]]
        assert 2 <= len(papers) <= 6
        listed = {
            d["doc_type"] for d in procedures[dossier["procedure"]]["documents"] if "doc_type" in d
        }
        required = {
            d["doc_type"]
            for d in procedures[dossier["procedure"]]["documents"]
            if "doc_type" in d and d["required"]
        }
        assert required <= {p["doc_type"] for p in papers}
        for paper in papers:
            # The procedure's own form names it; papers outside the list serve any.
            if paper["doc_type"] in listed and paper["procedure"] is not None:
                assert paper["procedure"] == dossier["procedure"]


def test_the_stack_holds_what_the_issue_asks_for(stack: tuple[Path, dict]) -> None:
    _, truth = stack
    dossiers = truth["dossiers"]
    assert len(dossiers) >= 10
    sources = [tuple(d["code_sources"]) for d in dossiers]
    receipts = [(d["boundary"], s) for d, s in zip(dossiers, sources, strict=True)]
    assert ("receipt", ("qr", "text")) in receipts
    assert ("receipt", ("barcode", "text")) in receipts
    assert ("receipt", ("text",)) in receipts
    assert ("separator", ("qr", "text")) in receipts
    flags = [flag for d in dossiers for flag in d["review"]]
    assert sorted(flags) == ["code_disagrees", "qr_damaged"]
    for d in dossiers:
        if d["review"]:
            assert d["boundary"] == "receipt" and d["code_sources"] == ["qr", "text"]
    codes_ = [d["code"] for d in dossiers]
    assert len(set(codes_)) == len(codes_)
    for d in dossiers:
        assert re.fullmatch(DOSSIER_CODE, d["code"])
        if "code_disagrees" in d["review"]:
            assert re.fullmatch(DOSSIER_CODE, d["symbol_code"])
            assert d["symbol_code"] != d["code"] and d["symbol_code"] not in codes_
        elif d["code_sources"] == ["text"]:
            assert d["symbol_code"] is None
        else:
            assert d["symbol_code"] == d["code"]
    pages = truth["pages"]
    assert any(p["blank"] for p in pages)
    assert {90, 180, 270} <= {p["rotation"] for p in pages}
    assert all(abs(p["skew_deg"]) <= 5.0 for p in pages)
    assert max(abs(p["skew_deg"]) for p in pages) >= 4.0
    assert any(len(d["pages"]) > 1 for d in truth["documents"])
    assert {d["doc_type"] for d in truth["documents"]} >= {"can_cuoc_cong_dan"}
    assert truth["dpi"] == 200 and all(p["dpi"] == 200 for p in pages)


def test_an_id_card_and_a_certificate_come_without_their_top(stack: tuple[Path, dict]) -> None:
    _, truth = stack
    untitled = [d for d in truth["documents"] if d["untitled"]]
    assert sorted(d["doc_type"] == "can_cuoc_cong_dan" for d in untitled) == [False, True]
    for document in untitled:
        first = truth["pages"][document["pages"][0] - 1]
        assert first["title"] == ""
        assert "CỘNG HÒA" not in first["text"] and "CĂN CƯỚC" not in first["text"]
        assert document["expected"]  # its fields are printed as on any copy
        # After a paper of another type of its own dossier (the receipt counts).
        index = truth["documents"].index(document)
        before = truth["documents"][index - 1]
        assert before["dossier"] == document["dossier"]
        assert before["doc_type"] != document["doc_type"]


def test_pdf_pages_match_their_truth(stack: tuple[Path, dict], pages: list[Image.Image]) -> None:
    _, truth = stack
    assert len(pages) == len(truth["pages"])
    for image, page in zip(pages, truth["pages"], strict=True):
        assert image.size == (page["width"], page["height"])
        assert image.mode in ("RGB", "L")


# -- codes --------------------------------------------------------------------------------


def _assert_codes_read(images: list[Image.Image], truth: dict) -> int:
    """Every intact code reads as its truth at every quarter turn; a damaged one never;
    pages without a code give none. Returns how many codes were checked."""
    checked = 0
    for image, page in zip(images, truth["pages"], strict=True):
        if not page["codes"]:
            assert codes.decode(image) == [], page["number"]
            continue
        (code,) = page["codes"]
        for turn in (0, 90, 180, 270):
            turned = image if turn == 0 else image.transpose(TURNS[turn])
            found = codes.decode(turned)
            if code["damaged"]:
                assert found == [], (page["number"], turn, found)
            else:
                assert found == [(code["symbology"], code["text"])], (page["number"], turn)
        checked += 1
    return checked


def test_codes_read_back_at_every_rotation(
    stack: tuple[Path, dict], pages: list[Image.Image]
) -> None:
    _, truth = stack
    checked = _assert_codes_read(pages, truth)
    assert checked == sum(1 for d in truth["dossiers"] if d["code_sources"] != ["text"])
    damaged = [p for p in truth["pages"] if any(c["damaged"] for c in p["codes"])]
    assert len(damaged) == 1 and damaged[0]["role"] == "receipt"
    assert damaged[0]["effects"]["code_damage"] in ("torn_corner", "blot")


def test_code_modules_are_large_enough() -> None:
    for dpi in (200, 250, 300):
        assert codes.module_px(0.6, dpi) * 25.4 / dpi >= 0.6
        assert codes.module_px(0.3, dpi) >= 2


def test_separator_sheet_matches_its_catalogue_entry() -> None:
    with (CATALOGUE / "document_types" / "to_phan_cach_ho_so.toml").open("rb") as handle:
        entry = tomllib.load(handle)
    template = STACK_TEMPLATES["phieu_phan_cach_ho_so"]
    assert template.doc_type == "to_phan_cach_ho_so"
    assert entry["category"] == "other" and entry["procedures"] == []
    assert {f["name"]: f["kind"] for f in entry["fields"]} == {"dossier_code": "dossier_code"}
    assert entry["titles"] == [template.title]
    case = make_case(random.Random("separator"), "dang_ky_khai_sinh")
    document = render(template, case, dpi=100, draw=False)
    (page,) = document.pages
    assert page.text.split("\n")[0] == template.title
    for label in entry["fields"][0]["labels"]:
        assert f"{label}: {case.values['dossier_code']}" in page.text
    assert [c.text for c in page.codes] == [case.values["dossier_code"]]
    # The receipt keeps its committed layout unless a code is asked for.
    receipt = GIAY_TIEP_NHAN
    plain = render(receipt, case, dpi=100, draw=False).pages[0]
    coded = render(receipt, case, dpi=100, draw=False, code=CodeMark("code128")).pages[0]
    assert plain.codes == [] and plain.text == coded.text
    assert coded.lines[0].bbox[1] > plain.lines[0].bbox[1]


# -- records ------------------------------------------------------------------------------


def test_records_leave_one_out_and_name_another_applicant(stack: tuple[Path, dict]) -> None:
    path, truth = stack
    json_path, csv_path = records_paths(path)
    records = _load_list(json_path)
    with csv_path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert rows == records
    assert all(tuple(r) == RECORD_FIELDS for r in records)
    by_code = {r["dossier_code"]: r for r in records}
    states = [d["record"] for d in truth["dossiers"]]
    assert states.count("missing") == 1 and states.count("name_differs") == 1
    assert len(records) == len(truth["dossiers"]) - 1
    for dossier in truth["dossiers"]:
        record = by_code.get(dossier["code"])
        if dossier["record"] == "missing":
            assert record is None
            continue
        assert record is not None
        assert record["procedure"] == dossier["procedure"]
        assert record["procedure_code"] == data.PROCEDURE_BY_KEY[dossier["procedure"]].code
        code_day = dossier["code"].split("-")[1]
        assert record["received_date"].replace("-", "")[2:] == code_day
        names_on_papers = {
            truth["documents"][i]["expected"].get("applicant_name") for i in dossier["documents"]
        }
        if dossier["record"] == "name_differs":
            assert record["applicant_name"] not in names_on_papers
        else:
            assert record["applicant_name"] == dossier["applicant_name"]
            if dossier["boundary"] == "receipt":
                assert record["applicant_name"] in names_on_papers


def _load_list(path: Path) -> list[dict]:
    value = json.loads(path.read_text(encoding="utf-8"))
    assert isinstance(value, list)
    return value


# -- TIFF, determinism, the plan, the command line ----------------------------------------


def test_tiff_stack_is_bilevel_g4_reads_back_and_is_deterministic(tmp_path: Path) -> None:
    plan = plan_stack(2, 9, file_format="tiff", dpi=200)
    first = write_stack(tmp_path / "a" / "s.tif", plan)
    second = write_stack(tmp_path / "b" / "s.tif", plan)
    assert first == second
    assert (tmp_path / "a" / "s.tif").read_bytes() == (tmp_path / "b" / "s.tif").read_bytes()
    images = _tiff_pages(tmp_path / "a" / "s.tif")
    assert len(images) == len(first["pages"])
    with Image.open(tmp_path / "a" / "s.tif") as tiff:
        assert tiff.info["compression"] == "group4"
        assert round(tiff.info["dpi"][0]) == 200
    assert all(image.mode == "1" for image in images)
    # Two dossiers: the damaged receipt and the disagreeing one, both in black and white.
    assert sorted(f for d in first["dossiers"] for f in d["review"]) == [
        "code_disagrees",
        "qr_damaged",
    ]
    assert _assert_codes_read(images, first) == 2


def test_pdf_stack_is_deterministic(tmp_path: Path) -> None:
    plan = plan_stack(1, 3, dpi=200)
    first = write_stack(tmp_path / "a.pdf", plan)
    second = write_stack(tmp_path / "b.pdf", plan)
    assert second == dict(first, file="b.pdf", records=["b.records.json", "b.records.csv"])
    assert (tmp_path / "a.pdf").read_bytes() == (tmp_path / "b.pdf").read_bytes()


def test_plans_are_deterministic_and_scale() -> None:
    assert plan_stack(10, 1) == plan_stack(10, 1)
    assert plan_stack(10, 1) != plan_stack(10, 2)
    big = plan_stack(60, 5)
    assert len(big.dossiers) == 60
    # About five pages a dossier: boundary, 2-6 papers, some of several pages.
    papers = sum(len(d.documents) for d in big.dossiers)
    assert 60 * 2 <= papers <= 60 * 6
    assert {d.procedure for d in big.dossiers} == {p.key for p in data.PROCEDURES}
    flaws = [d.flaw for d in big.dossiers if d.flaw]
    assert sorted(flaws) == ["code_disagrees", "qr_damaged"]


def test_cli_writes_a_stack(tmp_path: Path) -> None:
    out = tmp_path / "cli.tif"
    assert main(["--stack", str(out), "--dossiers", "1", "--seed", "2", "--dpi", "200"]) == 0
    truth = _load(tmp_path / "cli.tif.json")
    assert truth["format"] == "tiff" and len(truth["dossiers"]) == 1
    assert (tmp_path / "cli.records.csv").is_file()
    # One dossier: its record is the one left out.
    assert _load_list(tmp_path / "cli.records.json") == []


def test_cli_help_documents_the_stack_options(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["--help"])
    assert exit_info.value.code == 0
    out = capsys.readouterr().out
    for option in ("--stack", "--dossiers", "--format", "--leading-strays", "--dpi"):
        assert option in out
