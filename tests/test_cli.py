"""`digitize process` end to end, as archive staff run it."""

from __future__ import annotations

import concurrent.futures
import json
import re
import shutil
import subprocess
import time
from collections.abc import Iterable, Iterator
from concurrent.futures import Future
from pathlib import Path

import numpy as np
import pikepdf
import pytest
from PIL import Image

from digitize.batch import FileStatus, digitize_files
from digitize.errors import ExternalTimeoutError
from digitize.filing import FilingOptions
from digitize.pdf import write_page_pdf
from digitize.pipeline import PipelineOptions
from digitize.results import ColourMode, Line, OcrText, Word
from tests import badfiles
from tests.conftest import Run, run_digitize, sample_scans, truth_of
from tests.synthetic import text_page

PAGE_KEYS = {"number", "rotation", "skew_deg", "dpi", "text", "confidence", "words", "blank"}


def pdftotext(pdf: Path, page: int | None = None, *, raw: bool = False) -> str:
    args = ["pdftotext", "-q", "-enc", "UTF-8", *(["-raw"] if raw else [])]
    if page is not None:
        args += ["-f", str(page), "-l", str(page)]
    return subprocess.run(
        [*args, str(pdf), "-"], capture_output=True, timeout=60, check=True
    ).stdout.decode("utf-8")


def words(text: str) -> list[str]:
    return text.split()


def test_help_documents_the_command() -> None:
    top = run_digitize("--help")
    assert top.returncode == 0 and "process" in top.stdout
    process = run_digitize("process", "--help")
    assert process.returncode == 0
    for option in (
        "--out",
        "--jobs",
        "--redo-ocr",
        "--plain-pdf",
        "--lang",
        "Exit status",
        "DIGITIZE_",
    ):
        assert option in process.stdout


def test_missing_out_is_a_usage_error(tmp_path: Path) -> None:
    assert run_digitize("process", tmp_path).returncode == 2


def test_missing_language_model_exits_3(tmp_path: Path) -> None:
    scan = badfiles.good_jpeg(tmp_path / "a.jpg")
    proc = run_digitize("process", scan, "--out", tmp_path / "out", "--lang", "vie+klingon")
    assert proc.returncode == 3
    assert "tesseract-ocr-klingon" in proc.stderr


@pytest.mark.slow
def test_sample_outputs_follow_the_contract(digitised_samples: Run) -> None:
    assert digitised_samples.returncode == 0, digitised_samples.stderr
    for scan in sample_scans():
        result = digitised_samples.result(scan)
        assert result["source"].endswith(scan.name)
        assert result["pdf"] == f"{scan.stem}.pdf"
        for number, page in enumerate(result["pages"], start=1):
            assert page.keys() >= PAGE_KEYS
            assert page["number"] == number
            assert page["rotation"] in (0, 90, 180, 270)
            assert isinstance(page["skew_deg"], float) and isinstance(page["dpi"], int)
            assert page["words"] == len(page["text"].split())
            assert page["blank"] == (page["confidence"] is None)
            for line in page["lines"]:
                assert len(line["bbox"]) == 4 and line["words"]


@pytest.mark.slow
def test_sample_pdfs_pass_qpdf_and_are_pdfa(digitised_samples: Run) -> None:
    for scan in sample_scans():
        pdf = digitised_samples.out / f"{scan.stem}.pdf"
        check = subprocess.run(
            ["qpdf", "--check", str(pdf)], capture_output=True, timeout=120, check=False
        )
        assert check.returncode == 0, check.stdout + check.stderr
        with pikepdf.open(pdf) as document:
            assert len(document.pages) == len(truth_of(scan)["pages"])
            meta = document.open_metadata()
            assert meta.get("pdfaid:part") == "2" and meta.get("pdfaid:conformance") == "B"
            assert meta.get("dc:title") == scan.stem


@pytest.mark.slow
def test_text_layer_gives_back_the_ocr_text_with_every_mark(digitised_samples: Run) -> None:
    for scan in sample_scans():
        result = digitised_samples.result(scan)
        pdf = digitised_samples.out / f"{scan.stem}.pdf"
        for page in result["pages"]:
            # In the layer's own order the text is the OCR text word for word ...
            assert words(pdftotext(pdf, page["number"], raw=True)) == words(page["text"])
            # ... and a reader's layout order (columns side by side) has the same words.
            assert sorted(words(pdftotext(pdf, page["number"]))) == sorted(words(page["text"]))


@pytest.mark.slow
def test_pages_are_archived_upright_at_their_own_resolution(digitised_samples: Run) -> None:
    for scan in sample_scans():
        result = digitised_samples.result(scan)
        with pikepdf.open(digitised_samples.out / f"{scan.stem}.pdf") as document:
            for page, report in zip(document.pages, result["pages"], strict=True):
                (image,) = page.get_images().values()
                assert (image.Width, image.Height) == (report["width"], report["height"])
                width_in = float(page.mediabox[2]) / 72
                assert image.Width / width_in == pytest.approx(report["dpi"], rel=0.02)


def test_one_bad_file_never_stops_the_others(tmp_path: Path) -> None:
    inputs = tmp_path / "in"
    inputs.mkdir()
    badfiles.good_jpeg(inputs / "good.jpg")
    bad = {
        "empty.pdf": lambda p: (p.write_bytes(b""), p)[1],
        "corrupt.pdf": badfiles.corrupt_pdf,
        "bomb.png": lambda p: badfiles.png_declaring(p, 60_000, 60_000),
        "locked.pdf": lambda p: badfiles.encrypted_pdf(badfiles.good_pdf(tmp_path / "x.pdf"), p),
        "cut.tif": lambda p: badfiles.truncated(badfiles.good_tiff(tmp_path / "t.tif"), p),
    }
    for name, maker in bad.items():
        maker(inputs / name)
    out = tmp_path / "out"
    start = time.perf_counter()
    proc = run_digitize("process", inputs, "--out", out)
    assert time.perf_counter() - start < 120
    assert proc.returncode == 1
    assert (out / "good.pdf").exists() and (out / "good.json").exists()
    for name in bad:
        assert not (out / f"{Path(name).stem}.pdf").exists()
        # The summary names each bad file with its reason on one line.
        assert re.search(rf"failed +\S*{re.escape(name)}: \w", proc.stderr), name
    assert "1 of 6 file(s) digitised" in proc.stderr
    assert not list(out.glob(".digitize-work-*")), "work folders are cleaned up"


def test_a_failed_file_leaves_earlier_results_untouched(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    earlier = out / "dossier.pdf"
    earlier.write_bytes(b"%PDF- an earlier good result")
    badfiles.corrupt_pdf(tmp_path / "dossier.pdf")
    proc = run_digitize("process", tmp_path / "dossier.pdf", "--out", out)
    assert proc.returncode == 1
    assert earlier.read_bytes() == b"%PDF- an earlier good result"


def test_hostile_and_repeated_names(tmp_path: Path) -> None:
    first, second = tmp_path / "a", tmp_path / "b"
    first.mkdir()
    second.mkdir()
    odd = badfiles.good_jpeg(first / "-rm -rf\nhồ sơ.jpg")
    same_stem = shutil.copy(odd, second / "-rm -rf\nhồ sơ.png")
    out = tmp_path / "out"
    proc = run_digitize("process", odd, same_stem, "--out", out, "--quiet")
    assert proc.returncode == 0, proc.stderr
    assert sorted(p.name for p in out.glob("*.pdf")) == ["-rm -rf_hồ sơ-2.pdf", "-rm -rf_hồ sơ.pdf"]


def text_pdf(path: Path) -> Path:
    """A PDF whose page already has a text layer (as if OCR'd before)."""
    page = text_page(dpi=100, lines=("Giấy chứng nhận đăng ký hộ kinh doanh số 41A8012345",))
    words_ = [
        Word(text, box, 0.99)
        for text, box in (
            ("Giấy", (80, 100, 160, 130)),
            ("chứng", (170, 100, 270, 130)),
            ("nhận", (280, 100, 360, 130)),
            ("đăng", (370, 100, 450, 130)),
            ("ký", (460, 100, 500, 130)),
            ("hộ", (510, 100, 550, 130)),
            ("kinh", (560, 100, 630, 130)),
            ("doanh", (640, 100, 740, 130)),
        )
    ]
    text = OcrText((Line(tuple(words_), (80, 100, 740, 130)),))
    write_page_pdf(page, colour_mode=ColourMode.GREY, dpi=100, text=text, path=path)
    return path


def test_existing_text_layer_is_kept_unless_redo_is_asked(tmp_path: Path) -> None:
    source = text_pdf(tmp_path / "born-digital.pdf")
    kept = run_digitize("process", source, "--out", tmp_path / "kept", "--quiet")
    assert kept.returncode == 0, kept.stderr
    result = json.loads((tmp_path / "kept" / "born-digital.json").read_text())
    page = result["pages"][0]
    assert page["text_source"] == "pdf"
    assert page["text"] == "Giấy chứng nhận đăng ký hộ kinh doanh"
    assert result["pdfa"] is False and "--redo-ocr" in result["warnings"][0]

    redone = run_digitize("process", source, "--out", tmp_path / "redone", "--redo-ocr", "--quiet")
    assert redone.returncode == 0, redone.stderr
    result = json.loads((tmp_path / "redone" / "born-digital.json").read_text())
    assert result["pages"][0]["text_source"] == "ocr"
    assert "41A8012345" in result["pages"][0]["text"]
    assert result["pdfa"] is True


class TimingOutEngine:
    """Tesseract that always runs out of time: the failure real Tesseract rarely shows."""

    name = "fake"

    def check(self) -> None:
        pass

    def recognise(self, grey: np.ndarray, dpi: int) -> OcrText:
        raise ExternalTimeoutError("tesseract ran past its 1 s timeout")


def test_a_page_whose_ocr_times_out_is_still_archived(tmp_path: Path) -> None:
    scan = tmp_path / "scan.png"
    Image.fromarray(text_page(dpi=100)).save(scan, dpi=(100, 100))
    (result,) = digitize_files(
        [scan],
        tmp_path / "out",
        engine=TimingOutEngine(),
        options=PipelineOptions(),
        output=FilingOptions(),
        jobs=1,
    )
    assert result.status is FileStatus.PARTIAL
    assert "OCR failed" in result.warnings[0] and "timeout" in result.warnings[0]
    with pikepdf.open(tmp_path / "out" / "scan.pdf") as pdf:
        assert len(pdf.pages) == 1
    report = json.loads((tmp_path / "out" / "scan.json").read_text())
    assert report["status"] == "partial" and report["pages"][0]["text"] == ""


def test_an_output_folder_that_cannot_be_made_is_a_usage_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    scan = badfiles.good_jpeg(tmp_path / "a.jpg")
    proc = run_digitize("process", scan, "--out", blocker / "out")
    assert proc.returncode == 2
    assert "cannot create the output folder" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_an_unexpected_failure_on_one_file_spares_the_others(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import digitize.batch as batch

    real_count = batch.count_pages

    def flaky(path: Path, limits: object) -> int:
        if path.name == "bug.jpg":
            raise RuntimeError("a bug nobody foresaw")
        return real_count(path, limits)  # type: ignore[arg-type]

    monkeypatch.setattr(batch, "count_pages", flaky)
    good = badfiles.good_jpeg(tmp_path / "good.jpg")
    bug = badfiles.good_jpeg(tmp_path / "bug.jpg")
    results = digitize_files(
        [bug, good],
        tmp_path / "out",
        engine=TimingOutEngine(),
        options=PipelineOptions(),
        output=FilingOptions(),
        jobs=1,
    )
    assert results[0].status is FileStatus.FAILED
    assert results[0].error == "internal error (RuntimeError: a bug nobody foresaw)"
    assert results[1].pdf is not None and results[1].pdf.exists()


def test_every_page_of_a_file_is_kept_however_late_pages_are_handed_over(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A page can be done before the coordinator is handed it; finishing the file on
    # "all pages done" then lost that page's outcome (KeyError). Hand pages over only
    # once all have finished: the latest the real scheduler can be.
    import digitize.batch as batch

    def late(futures: Iterable[Future[object]]) -> Iterator[Future[object]]:
        futures = list(futures)
        concurrent.futures.wait(futures)
        yield from futures

    monkeypatch.setattr(batch, "as_completed", late)
    page = Image.fromarray(text_page(dpi=100))
    scans = []
    for n in range(3):
        scan = tmp_path / f"scan-{n}.tif"
        page.save(scan, dpi=(100, 100), save_all=True, append_images=[page, page])
        scans.append(scan)
    results = digitize_files(
        scans,
        tmp_path / "out",
        engine=TimingOutEngine(),
        options=PipelineOptions(),
        output=FilingOptions(pdfa=False),
        jobs=3,
    )
    assert [r.pages for r in results] == [3, 3, 3]
    assert all(r.pdf is not None and r.pdf.exists() for r in results)
