"""The sample-scan generator: determinism, truth consistency, conventions. No Tesseract."""

from __future__ import annotations

import json
import random
import re
import unicodedata
from datetime import date
from pathlib import Path

import numpy as np
import pikepdf
import pytest
from PIL import Image, ImageSequence

from samples import data, degrade, vntext
from samples.generate import DEFAULT_SEED, main, write_bench_pdf, write_random, write_sample_set
from samples.people import FEMALE, MALE, make_case
from samples.render import FONTS, MARGIN_MM, mm_to_px, render
from samples.sample_set import SAMPLE_SET
from samples.templates import TEMPLATES

SAMPLES = Path(__file__).resolve().parent.parent / "samples"
COMMITTED_TRUTH = SAMPLES / "truth"
PROVINCE_CODES = {code for code, _ in data.PROVINCE_CODES}


@pytest.fixture(scope="module")
def regenerated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("samples")
    write_sample_set(out, DEFAULT_SEED)
    return out


def _load(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def _committed() -> list[dict]:
    return [_load(COMMITTED_TRUTH / f"{spec.file}.json") for spec in SAMPLE_SET]


def _strings(value: object) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    return []


# -- determinism and the committed set -----------------------------------------------


def test_regenerated_truth_equals_committed(regenerated: Path) -> None:
    names = sorted(p.name for p in (regenerated / "truth").iterdir())
    assert names == sorted(p.name for p in COMMITTED_TRUTH.glob("*.json"))
    for name in names:
        assert _load(regenerated / "truth" / name) == _load(COMMITTED_TRUTH / name), name


def test_committed_scans_exist_and_stay_small() -> None:
    total = 0
    for spec in SAMPLE_SET:
        path = SAMPLES / "scans" / spec.file
        assert path.is_file(), path
        total += path.stat().st_size
    assert total < 4_000_000


def test_scan_files_match_their_truth(regenerated: Path) -> None:
    for spec in SAMPLE_SET:
        path = regenerated / "scans" / spec.file
        truth = _load(regenerated / "truth" / f"{spec.file}.json")
        pages = truth["pages"]
        if spec.file_format == "pdf":
            with pikepdf.open(path) as pdf:
                assert len(pdf.pages) == len(pages)
                for page, t in zip(pdf.pages, pages, strict=True):
                    box = [float(v) for v in page.MediaBox]
                    assert box[2] == pytest.approx(t["width"] * 72 / t["dpi"], abs=0.01)
                    assert box[3] == pytest.approx(t["height"] * 72 / t["dpi"], abs=0.01)
            continue
        with Image.open(path) as image:
            frames = list(ImageSequence.Iterator(image))
            assert len(frames) == len(pages)
            for frame, t in zip(frames, pages, strict=True):
                assert frame.size == (t["width"], t["height"])
            dpi = image.info.get("dpi")
            if spec.dpi_in_file:
                assert dpi is not None and round(dpi[0]) == spec.dpi
            else:
                assert dpi is None
            if spec.colour_mode == "bilevel":
                assert image.mode == "1"
            if spec.tiff_compression is not None:
                assert image.info["compression"] == spec.tiff_compression


def test_sample_set_follows_the_brief() -> None:
    truth = {t["file"]: t for t in _committed()}
    khai_sinh = truth["to-khai-khai-sinh.jpg"]["pages"][0]
    assert (khai_sinh["dpi"], khai_sinh["skew_deg"], khai_sinh["colour_mode"]) == (300, 2.5, "grey")
    tif = truth["ho-kinh-doanh.tif"]["pages"]
    assert [p["blank"] for p in tif] == [False, True, False]
    assert tif[1]["text"] == ""
    assert truth["ho-kinh-doanh.tif"]["compression"] == "group4"
    pdf = truth["don-dang-ky-dat-dai.pdf"]["pages"]
    assert [p["rotation"] for p in pdf] == [0, 180, 90]
    assert pdf[0]["skew_deg"] == -3.0 and pdf[0]["effects"]["scanner_lid"] == "dark"
    assert "stamp" in pdf[2]["effects"]
    lltp = truth["ly-lich-tu-phap.jpg"]["pages"][0]
    assert lltp["dpi_in_file"] is False and lltp["dpi"] == 150
    receipt = truth["giay-tiep-nhan.tif"]["pages"][0]
    assert receipt["rotation"] == 270 and receipt["dpi"] == 600
    assert receipt["fields"]["dossier_code"] in receipt["text"]
    assert "Mã hồ sơ: " + receipt["fields"]["dossier_code"] in receipt["text"]


# -- truth content --------------------------------------------------------------------


def test_truth_text_is_nfc() -> None:
    for truth in _committed():
        for s in _strings(truth):
            assert unicodedata.is_normalized("NFC", s), s


def test_field_values_are_printed_on_their_page() -> None:
    for truth in _committed():
        for page in truth["pages"]:
            flat = page["text"].replace("\n", " ")
            for key, value in page["fields"].items():
                assert value in flat, (truth["file"], key, value)


def test_header_and_title_come_first() -> None:
    for truth in _committed():
        page = truth["pages"][0]
        lines = page["text"].split("\n")
        assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in lines[:4]
        assert "Độc lập - Tự do - Hạnh phúc" in lines[:5]


def test_receipt_header_reads_left_column_first() -> None:
    receipt = _load(COMMITTED_TRUTH / "giay-tiep-nhan.tif.json")["pages"][0]
    lines = receipt["text"].split("\n")
    assert lines[0].startswith("UBND ")
    assert lines[1] == "BỘ PHẬN MỘT CỬA"
    assert lines.index("BỘ PHẬN MỘT CỬA") < lines.index("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM")


# -- rendering -----------------------------------------------------------------------


@pytest.mark.parametrize("font", sorted(FONTS))
def test_rendered_lines_stay_on_the_page(font: str) -> None:
    dpi = 100
    for n, (key, template) in enumerate(sorted(TEMPLATES.items())):
        case = make_case(random.Random(f"lines:{font}:{n}"), template.procedure)
        document = render(template, case, font=font, dpi=dpi)
        for page in document.pages:
            width, height = page.image.size
            right = width - mm_to_px(MARGIN_MM["right"], dpi)
            assert page.lines, (key, page.number)
            for line in page.lines:
                x0, y0, x1, y1 = line.bbox
                assert x0 >= 0 and y0 >= 0 and x1 <= width and y1 <= height, (key, line)
                # Wrapping keeps text inside the right margin (italic may overhang a hair).
                assert x1 <= right + 2, (key, line.text)
            for line in page.lines:
                assert unicodedata.is_normalized("NFC", line.text)


def test_render_is_deterministic() -> None:
    template = TEMPLATES["to_khai_khai_sinh"]
    a = render(template, make_case(random.Random(5)), font="DejaVu Sans", dpi=72)
    b = render(template, make_case(random.Random(5)), font="DejaVu Sans", dpi=72)
    assert [p.text for p in a.pages] == [p.text for p in b.pages]
    assert all(
        np.array_equal(np.asarray(x.image), np.asarray(y.image))
        for x, y in zip(a.pages, b.pages, strict=True)
    )


# -- identities ------------------------------------------------------------------------


def _check_id(id_number: str, sex: str, dob: date) -> None:
    # domain.md: AAA province of birth registration, B sex and century, CC year, 6 random.
    assert len(id_number) == 12 and id_number.isdigit(), id_number
    assert id_number[:3] in PROVINCE_CODES
    century = {19: 0, 20: 2, 21: 4}[dob.year // 100]
    assert int(id_number[3]) == century + (1 if sex == FEMALE else 0)
    assert id_number[4:6] == f"{dob.year % 100:02d}"


def test_id_numbers_agree_with_birth_year_and_sex() -> None:
    for seed in range(300):
        case = make_case(random.Random(seed))
        for person in case.people:
            assert person.sex in (MALE, FEMALE)
            _check_id(person.id_number, person.sex, person.dob)
        assert case.values["id_number"] == case.applicant.id_number
        assert case.values["spouse_id_number"] == case.spouse.id_number
        assert case.applicant.sex != case.spouse.sex
        assert (
            case.child.surname
            == (case.applicant if case.applicant.sex == MALE else case.spouse).surname
        )


def test_dossier_code_shape() -> None:
    pattern = r"\d{3}\.\d{2}\.\d{2}\.[A-Y]\d{2}-\d{6}-\d{4}"
    for seed in range(50):
        case = make_case(random.Random(seed))
        code = case.values["dossier_code"]
        assert isinstance(code, str)
        assert re.fullmatch(pattern, code), code
        assert code.split("-")[1] == case.document_date.strftime("%y%m%d")


def test_vietnamese_number_formats() -> None:
    assert vntext.money(150_000_000) == "150.000.000 đồng"
    assert vntext.money_words(150_000_000) == "Một trăm năm mươi triệu đồng"
    assert vntext.number_words(2024) == "hai nghìn không trăm hai mươi tư"
    assert vntext.number_words(105) == "một trăm linh năm"
    assert vntext.number_words(1_050_000) == "một triệu không trăm năm mươi nghìn"
    assert vntext.number_words(21) == "hai mươi mốt"
    assert vntext.number_words(15) == "mười lăm"
    assert vntext.area(1255) == "125,5 m2"
    assert vntext.long_date(date(2024, 1, 5)) == "ngày 05 tháng 01 năm 2024"


# -- sign conventions of the scan effects ---------------------------------------------


def _ink_centroid(image: Image.Image) -> tuple[float, float]:
    ys, xs = np.nonzero(np.asarray(image.convert("L")) < 128)
    return float(xs.mean()), float(ys.mean())


def test_positive_skew_makes_lines_rise_to_the_right() -> None:
    page = Image.new("L", (400, 400), 255)
    page.paste(0, (50, 195, 350, 205))  # a horizontal "text line"
    turned = np.asarray(degrade.skew(page, 5.0)) < 128
    ys, xs = np.nonzero(turned)
    left = ys[xs < 120].mean()
    right = ys[xs > 280].mean()
    assert right < left  # image y grows downwards: the right end is higher


def test_rotation_is_the_clockwise_turn_back_to_upright() -> None:
    page = Image.new("L", (300, 400), 255)
    page.paste(0, (20, 20, 80, 60))  # a mark in the top-left corner
    for rotation in (90, 180, 270):
        scanned = degrade.orient(page, rotation)
        assert np.array_equal(np.asarray(scanned), np.asarray(page.rotate(rotation, expand=True)))
        # Turning the scan clockwise by `rotation` restores the page.
        upright = scanned.rotate(-rotation, expand=True)
        assert np.array_equal(np.asarray(upright), np.asarray(page))
    # 90: content turned counter-clockwise, so the top-left mark lands bottom-left.
    x, y = _ink_centroid(degrade.orient(page, 90))
    assert x < 100 and y > 200


# -- other outputs ------------------------------------------------------------------------


def test_bench_pdf_has_the_requested_pages(tmp_path: Path) -> None:
    path = write_bench_pdf(tmp_path / "bench.pdf", 3, seed=7)
    truth = _load(tmp_path / "bench.pdf.json")
    with pikepdf.open(path) as pdf:
        assert len(pdf.pages) == 3
        for page, t in zip(pdf.pages, truth["pages"], strict=True):
            box = [float(v) for v in page.MediaBox]
            assert box[2] == pytest.approx(t["width"] * 72 / t["dpi"], abs=0.01)
    assert [p["number"] for p in truth["pages"]] == [1, 2, 3]
    assert all(p["rotation"] in (0, 90, 180, 270) for p in truth["pages"])
    assert all(p["blank"] == (p["text"] == "") for p in truth["pages"])


def test_random_documents_write_scans_and_truth(tmp_path: Path) -> None:
    paths = write_random(tmp_path, 2, seed=3)
    assert len(paths) == 2
    for path in paths:
        assert path.is_file()
        truth = _load(tmp_path / "truth" / f"{path.name}.json")
        assert truth["file"] == path.name and truth["pages"]
        (document,) = truth["documents"]
        assert document["pages"] == [p["number"] for p in truth["pages"]]


def test_committed_truth_names_documents_and_procedures() -> None:
    procedures = {
        "to-khai-khai-sinh.jpg": "dang_ky_khai_sinh",
        "to-khai-cu-tru-ct01.png": "dang_ky_thuong_tru",
        "ho-kinh-doanh.tif": "dang_ky_thanh_lap_ho_kinh_doanh",
        "don-dang-ky-dat-dai.pdf": "dang_ky_dat_dai_lan_dau",
        "ly-lich-tu-phap.jpg": "cap_phieu_ly_lich_tu_phap",
        "giay-tiep-nhan.tif": "dang_ky_khai_sinh",
    }
    for truth in _committed():
        (document,) = truth["documents"]
        assert document["pages"] == [p["number"] for p in truth["pages"]]
        assert document["procedure"] == procedures[truth["file"]]
        template = TEMPLATES[truth["pages"][0]["template"]]
        assert document["doc_type"] == template.doc_type
        assert set(document["expected"]) == set(template.fields), truth["file"]
        for page in truth["pages"]:
            if page["blank"]:
                assert page["doc_type"] is None and page["procedure"] is None
            else:
                assert (page["doc_type"], page["procedure"]) == (
                    document["doc_type"],
                    document["procedure"],
                )


def test_cli_help_exits_cleanly(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["--help"])
    assert exit_info.value.code == 0
    out = capsys.readouterr().out
    for option in ("--bench-pdf", "--labelled", "--training-texts", "--per-type"):
        assert option in out
