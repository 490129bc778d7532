"""A page that cannot be digitised fails alone (issue 14): its file is `partial`, a blank
page of its paper size stands in for it, the other pages are archived and OCR'd, and
the warning names the page and the reason. Large pages within the limit are archived at
full size and read by OCR at a bounded size; no traceback ever reaches the console."""

from __future__ import annotations

import io
import json
from pathlib import Path

import numpy as np
import pikepdf
import pytest
from PIL import Image

import digitize.pipeline as pipeline
from digitize.batch import FileStatus, digitize_files
from digitize.filing import FilingOptions
from digitize.imaging.geometry import PageGeometry
from digitize.inputs import ReadLimits
from digitize.ocr import TesseractEngine
from digitize.pipeline import OCR_MAX_PIXELS, PipelineOptions, PreparedPage, ocr_input
from digitize.results import ColourMode
from tests.conftest import run_digitize
from tests.synthetic import text_page

LINES = ("Giấy chứng nhận quyền sử dụng đất", "Thửa đất số 128, tờ bản đồ số 7")


def three_page_pdf(path: Path) -> Path:
    """Pages 1 and 3 at 100 dpi (1 MP); page 2 the same A4 text at 300 dpi (8.7 MP)."""
    images = [
        Image.fromarray(text_page(dpi=dpi, lines=LINES)).convert("RGB") for dpi in (100, 300, 100)
    ]
    buffer = io.BytesIO()
    images[0].save(buffer, "PDF", resolution=100, save_all=True, append_images=images[1:])
    path.write_bytes(buffer.getvalue())
    # Pillow gives every page one resolution: make page 2 A4 again at 300 dpi.
    with pikepdf.open(path, allow_overwriting_input=True) as pdf:
        page = pdf.pages[1]
        page.MediaBox = pdf.pages[0].MediaBox
        width, height = (float(v) for v in pdf.pages[0].MediaBox[2:])
        name = next(iter(page.get_images()))
        page.Contents = pdf.make_stream(f"q {width} 0 0 {height} 0 0 cm {name} Do Q".encode())
        pdf.save(path)
    return path


@pytest.fixture(scope="module")
def engine() -> TesseractEngine:
    return TesseractEngine(timeout=120)


def test_a_page_over_the_limit_fails_alone(tmp_path: Path, engine: TesseractEngine) -> None:
    scan = three_page_pdf(tmp_path / "so-do.pdf")
    options = PipelineOptions(limits=ReadLimits(max_page_pixels=5_000_000))
    (result,) = digitize_files(
        [scan], tmp_path / "out", engine=engine, options=options, output=FilingOptions(), jobs=2
    )
    assert result.status is FileStatus.PARTIAL
    (warning,) = result.warnings
    assert warning.startswith("page 2 not digitised: page too large")
    assert "5 MP" in warning and "\n" not in warning
    report = json.loads((tmp_path / "out" / "so-do.json").read_text(encoding="utf-8"))
    assert report["status"] == "partial"
    first, second, third = report["pages"]
    assert "too large" in second["error"] and second["text"] == ""
    for page in (first, third):
        assert page["error"] is None
        assert "Thửa đất" in page["text"]
    with pikepdf.open(tmp_path / "out" / "so-do.pdf") as pdf, pikepdf.open(scan) as original:
        assert len(pdf.pages) == 3
        # The stand-in has the paper's size (to its 1/50 inch), so the archive matches
        # the paper.
        for kept, paper in zip(pdf.pages, original.pages, strict=True):
            assert [float(v) for v in kept.mediabox] == pytest.approx(
                [float(v) for v in paper.mediabox], abs=1.5
            )


def test_a_file_whose_only_page_fails_is_failed(tmp_path: Path, engine: TesseractEngine) -> None:
    scan = tmp_path / "ban-do.png"
    Image.fromarray(text_page(dpi=300, lines=LINES)).save(scan, dpi=(300, 300))
    options = PipelineOptions(limits=ReadLimits(max_page_pixels=5_000_000))
    (result,) = digitize_files(
        [scan], tmp_path / "out", engine=engine, options=options, output=FilingOptions(), jobs=1
    )
    assert result.status is FileStatus.FAILED
    assert result.error is not None and result.error.startswith("page 1: page too large")
    assert not (tmp_path / "out" / "ban-do.pdf").exists()


def test_an_internal_error_on_one_page_spares_the_others(
    tmp_path: Path, engine: TesseractEngine, monkeypatch: pytest.MonkeyPatch, caplog
) -> None:
    # A bug cannot be produced on purpose: page 2's preparation is made to raise.
    real = pipeline.prepare_page

    def buggy(page, options, debug=None, engine=None):  # type: ignore[no-untyped-def]
        if page.dpi > 200:
            raise RuntimeError("a bug nobody foresaw")
        return real(page, options, debug, engine)

    monkeypatch.setattr(pipeline, "prepare_page", buggy)
    scan = three_page_pdf(tmp_path / "so-do.pdf")
    (result,) = digitize_files(
        [scan],
        tmp_path / "out",
        engine=engine,
        options=PipelineOptions(),
        output=FilingOptions(),
        jobs=2,
    )
    assert result.status is FileStatus.PARTIAL
    assert result.warnings == [
        "page 2 not digitised: internal error (RuntimeError: a bug nobody foresaw) "
        "(a blank page stands in for it)"
    ]
    (record,) = [r for r in caplog.records if r.exc_info]
    assert "page 2" in record.getMessage()


def test_a_large_page_is_archived_whole_and_read_at_a_bounded_size() -> None:
    # A 0.9 x 0.9 m map at 300 dpi: 112 MP, within the default limit.
    side = 10_600
    grey = np.full((side, side), 255, np.uint8)
    for x in range(1000, 9000, 60):  # a line of "text": letters, not a rule (rules.py)
        grey[5000:5060, x : x + 40] = 0
    prepared = PreparedPage(
        grey, grey, 300.0, ColourMode.GREY, PageGeometry(0, 0.0, 1.0, 1.0), False
    )
    job = ocr_input(prepared)
    assert job is not None
    assert job.image.size <= OCR_MAX_PIXELS
    assert job.dpi < 300
    # Boxes come back onto the full-size archive image.
    assert job.factor == pytest.approx(side / (side * job.dpi / 300), rel=0.01)
    assert ReadLimits().max_page_pixels >= 250_000_000


def test_console_shows_one_line_per_failure_and_no_traceback(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    scan = three_page_pdf(tmp_path / "so-do.pdf")
    monkeypatch.setenv("DIGITIZE_MAX_PAGE_MEGAPIXELS", "5")
    proc = run_digitize("process", scan, "--out", tmp_path / "out", "--quiet", "--no-understand")
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr
    (line,) = [line for line in proc.stderr.splitlines() if "so-do.pdf" in line]
    assert line.startswith("partial") and "page 2 not digitised: page too large" in line
