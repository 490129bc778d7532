"""The Tesseract engines: TSV parsing, and the program's failures becoming defined outcomes.

The library engine's own failures are in test_libtesseract.py.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import numpy as np
import pytest

from digitize.errors import ExternalProgramError, ExternalTimeoutError, MissingDependencyError
from digitize.exec import run as run_module
from digitize.exec import tesseract
from digitize.ocr.tesseract import TesseractCliEngine, TesseractEngine, encode_pnm, parse_tsv

TSV = (
    "level\tpage_num\tblock_num\tpar_num\tline_num\tword_num\tleft\ttop\twidth\theight\tconf\ttext\n"
    "1\t1\t0\t0\t0\t0\t0\t0\t1000\t1000\t-1\t\n"
    "5\t1\t1\t1\t1\t1\t10\t20\t100\t30\t96.5\tCỘNG\n"
    "5\t1\t1\t1\t1\t2\t120\t20\t80\t30\t90.0\tHÒA\n"
    "5\t1\t2\t1\t1\t1\t10\t80\t60\t30\t50.0\tCöng\n"
    "5\t1\t2\t1\t1\t2\t80\t80\t60\t30\t-1\t \n"
)


def test_tsv_words_become_lines_and_blocks() -> None:
    text = parse_tsv(TSV, engine="t")
    assert [line.text for line in text.lines] == ["CỘNG HÒA", "Công"]
    assert text.text == "CỘNG HÒA\n\nCông"
    assert text.lines[0].bbox == (10, 20, 200, 50)
    assert text.lines[0].words[0].confidence == pytest.approx(0.965)
    # Length-weighted: 4 x 0.965 + 3 x 0.90 + 4 x 0.50 over 11 letters.
    assert text.confidence == pytest.approx((4 * 0.965 + 3 * 0.9 + 4 * 0.5) / 11)


def test_empty_tsv_is_no_text() -> None:
    assert parse_tsv("", engine="t").text == ""
    assert parse_tsv(TSV.splitlines()[0] + "\n", engine="t").confidence is None


def test_grey_pages_go_as_pgm() -> None:
    grey = np.arange(12, dtype=np.uint8).reshape(3, 4)
    data = encode_pnm(grey)
    assert data.startswith(b"P5\n4 3\n255\n")
    assert data.endswith(grey.tobytes())


def test_black_and_white_pages_go_as_pbm() -> None:
    black_white = np.full((2, 10), 255, np.uint8)
    black_white[0, 0] = black_white[1, 9] = 0
    data = encode_pnm(black_white)
    # Rows are padded to whole bytes; 1 bits are black.
    assert data == b"P4\n10 2\n" + bytes([0b10000000, 0, 0, 0b01000000])


def test_a_hung_tesseract_becomes_a_timeout_error(monkeypatch: pytest.MonkeyPatch) -> None:
    def hang(*args: object, **kwargs: object) -> None:
        raise subprocess.TimeoutExpired(cmd="tesseract", timeout=1)

    monkeypatch.setattr(run_module.subprocess, "run", hang)
    with pytest.raises(ExternalTimeoutError, match="timeout"):
        TesseractCliEngine(timeout=1).recognise(np.full((50, 50), 255, np.uint8), 300)


def test_a_crashing_tesseract_becomes_a_program_error(monkeypatch: pytest.MonkeyPatch) -> None:
    def crash(args: list[str], **kwargs: object) -> subprocess.CompletedProcess[bytes]:
        return subprocess.CompletedProcess(args, -11, b"", b"Segmentation fault\n")

    monkeypatch.setattr(run_module.subprocess, "run", crash)
    with pytest.raises(ExternalProgramError, match="Segmentation fault"):
        TesseractCliEngine().recognise(np.full((50, 50), 255, np.uint8), 300)


def test_missing_program_is_a_missing_dependency(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(MissingDependencyError, match="not installed"):
        run_module.run(["tesseract", "--version"], timeout=5)


def test_missing_language_model_names_the_package() -> None:
    with pytest.raises(MissingDependencyError, match="tesseract-ocr-klingon"):
        tesseract.require("vie+klingon")


def test_real_tesseract_reads_a_vietnamese_line() -> None:
    from tests.synthetic import text_page

    page = text_page(dpi=300, lines=("Họ, chữ đệm, tên người yêu cầu: Nguyễn Thị Ngọc Ánh",))
    with TesseractEngine(langs="vie") as engine:
        text = engine.recognise(page, 300)
    assert text.text == "Họ, chữ đệm, tên người yêu cầu: Nguyễn Thị Ngọc Ánh"
    assert text.confidence is not None and text.confidence > 0.8
    first = text.lines[0].words[0]
    assert first.text == "Họ,"
    # The box sits where the text was drawn (0.8 in from the left, 1 in from the top).
    assert abs(first.bbox[0] - 240) < 10 and abs(first.bbox[1] - 300) < 40
