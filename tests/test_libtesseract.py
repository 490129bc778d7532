"""Tesseract's library in persistent children: same text as the program, failures defined.

The children are real: hangs are made by stopping one (SIGSTOP), crashes by
signalling one, so no fake Tesseract is needed.
"""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import psutil
import pytest
from PIL import Image

from digitize.errors import ExternalProgramError, ExternalTimeoutError, MissingDependencyError
from digitize.exec import libtesseract, tesseract
from digitize.exec.libtesseract import PersistentTesseract, raw_image
from digitize.inputs import count_pages, read_page
from digitize.ocr.tesseract import TesseractCliEngine, TesseractEngine, encode_pnm
from digitize.pipeline import PipelineOptions, ocr_input, prepare_page, process_page
from tests.conftest import REPO, sample_scans
from tests.synthetic import text_page

LINE = "Nơi cư trú: số 15 đường Trần Hưng Đạo"


def one_line_page() -> np.ndarray:
    return text_page(dpi=300, lines=(LINE,))[200:420, :]


def gone(pid: int, within_s: float = 10.0) -> bool:
    """True once `pid` no longer runs (a zombie counts as gone: it runs nothing)."""
    end = time.monotonic() + within_s
    while time.monotonic() < end:
        try:
            if psutil.Process(pid).status() == psutil.STATUS_ZOMBIE:
                return True
        except psutil.NoSuchProcess:
            return True
        time.sleep(0.05)
    return False


@pytest.fixture
def children() -> Iterator[PersistentTesseract]:
    pool = PersistentTesseract(langs="vie", psm=6)
    yield pool
    pool.close()


def test_pbm_bits_are_turned_to_libtesseracts_sense() -> None:
    black_white = np.full((2, 10), 255, np.uint8)
    black_white[0, 0] = black_white[1, 9] = 0
    image = raw_image(encode_pnm(black_white))
    assert (image.width, image.height, image.bytes_per_pixel, image.bytes_per_line) == (10, 2, 0, 2)
    # libtesseract's 1-bit pixels: 1 is white, the padding bits do not matter.
    assert image.data == bytes([0b01111111, 0xFF, 0xFF, 0b10111111])


def test_grey_pages_go_as_bytes() -> None:
    grey = np.arange(12, dtype=np.uint8).reshape(3, 4)
    image = raw_image(encode_pnm(grey))
    assert (image.bytes_per_pixel, image.bytes_per_line, image.data) == (1, 4, grey.tobytes())


def test_other_images_are_refused() -> None:
    with pytest.raises(ValueError, match="PBM"):
        raw_image(b"P6\n1 1\n255\n\x00\x00\x00")
    with pytest.raises(ValueError, match="bytes of pixels"):
        raw_image(b"P5\n4 4\n255\n\x00")


def test_pages_come_back_with_the_programs_header_and_words(
    children: PersistentTesseract,
) -> None:
    tsv = children.recognise_tsv(encode_pnm(one_line_page()), dpi=300, timeout=60)
    assert tsv.startswith(libtesseract.TSV_HEADER)
    words = [row.split("\t")[11] for row in tsv.splitlines()[1:] if row.startswith("5\t")]
    assert " ".join(words) == LINE
    assert children.version == tesseract.version()  # the program's own library


def test_one_child_serves_page_after_page(children: PersistentTesseract) -> None:
    page = encode_pnm(one_line_page())
    first = children.recognise_tsv(page, dpi=300, timeout=60)
    pids = children.pids()
    assert children.recognise_tsv(page, dpi=300, timeout=60) == first
    assert children.pids() == pids and len(pids) == 1


def test_a_digit_box_is_read_by_the_pages_child_in_its_own_mode() -> None:
    # One box of a digit grid, as issue 13's reader cuts it: one digit, paper around.
    box = text_page(dpi=300, lines=("7",))[200:420, :300]
    two_lines = encode_pnm(text_page(dpi=300, lines=(LINE, "Họ và tên"))[150:700, :])

    def words(tsv: str) -> list[str]:
        return [row.split("\t")[11] for row in tsv.splitlines()[1:] if row.startswith("5\t")]

    with PersistentTesseract(langs="vie", psm=6, max_children=1) as pool:
        page = words(pool.recognise_tsv(two_lines, dpi=300, timeout=60))
        pids = pool.pids()
        assert words(pool.recognise_tsv(encode_pnm(box), dpi=300, timeout=60, psm=10)) == ["7"]
        # The mode is the request's: two lines read as one character are not the page.
        as_character = words(pool.recognise_tsv(two_lines, dpi=300, timeout=60, psm=10))
        assert len(as_character) <= 1 and "tên" in page
        # and the next page is read in the pool's own mode again, by the same child
        assert words(pool.recognise_tsv(two_lines, dpi=300, timeout=60)) == page
        assert pool.pids() == pids and len(pids) == 1


def test_no_more_children_than_asked_for() -> None:
    page = encode_pnm(one_line_page())
    with PersistentTesseract(langs="vie", psm=6, max_children=1) as pool:
        with ThreadPoolExecutor(3) as threads:
            texts = list(threads.map(lambda _: pool.recognise_tsv(page, dpi=300, timeout=60), "ab"))
        assert len(set(texts)) == 1 and LINE.split()[-1] in texts[0]
        assert len(pool.pids()) == 1


def test_tesseracts_messages_go_to_the_log_once(
    children: PersistentTesseract, caplog: pytest.LogCaptureFixture
) -> None:
    page = encode_pnm(np.full((100, 100), 255, np.uint8))
    with caplog.at_level(logging.DEBUG, logger="digitize.exec.libtesseract"):
        children.recognise_tsv(page, dpi=10, timeout=60)  # Tesseract warns about 10 dpi
        children.recognise_tsv(page, dpi=300, timeout=60)
    warnings = [r.message for r in caplog.records if "outside of expected range" in r.message]
    assert len(warnings) == 1


def test_a_hung_child_times_out_is_killed_and_replaced(children: PersistentTesseract) -> None:
    children.require(timeout=60)
    (hung,) = children.pids()
    os.kill(hung, signal.SIGSTOP)  # it can neither read the page nor answer
    with pytest.raises(ExternalTimeoutError, match="ran past its 1 s timeout"):
        children.recognise_tsv(encode_pnm(one_line_page()), dpi=300, timeout=1)
    assert gone(hung)
    assert children.pids() == []
    tsv = children.recognise_tsv(encode_pnm(one_line_page()), dpi=300, timeout=60)
    assert "Trần" in tsv
    assert children.pids() != [hung]


def test_a_crashed_child_is_a_program_error_and_replaced(children: PersistentTesseract) -> None:
    children.require(timeout=60)
    (crashed,) = children.pids()
    os.kill(crashed, signal.SIGSEGV)
    with pytest.raises(ExternalProgramError, match=r"tesseract failed \(exit -11\)"):
        children.recognise_tsv(encode_pnm(one_line_page()), dpi=300, timeout=60)
    assert "Trần" in children.recognise_tsv(encode_pnm(one_line_page()), dpi=300, timeout=60)


def test_a_failed_page_becomes_a_page_warning_not_a_failed_file(tmp_path: Path) -> None:
    scan = tmp_path / "scan.png"
    Image.fromarray(text_page(dpi=300)).save(scan, dpi=(300, 300))
    with TesseractEngine(timeout=60) as engine:
        engine.check()
        for pid in engine.pids():
            os.kill(pid, signal.SIGKILL)
        outcome = process_page(scan, 0, options=PipelineOptions(), engine=engine, workdir=tmp_path)
    assert outcome.warning is not None and "OCR failed (tesseract failed" in outcome.warning
    assert outcome.report.text == "" and outcome.pdf.pdf.exists()


def test_children_end_when_the_pool_closes(children: PersistentTesseract) -> None:
    children.require(timeout=60)
    pids = children.pids()
    children.close()
    assert all(gone(pid) for pid in pids)
    assert children.pids() == []


def test_children_end_when_their_parent_is_killed(tmp_path: Path) -> None:
    script = textwrap.dedent(
        """
        import time
        from concurrent.futures import ThreadPoolExecutor
        import numpy as np
        from digitize.exec.libtesseract import PersistentTesseract
        from digitize.ocr.tesseract import encode_pnm

        pool = PersistentTesseract(langs="vie", psm=6)
        page = encode_pnm(np.full((100, 100), 255, np.uint8))
        with ThreadPoolExecutor(2) as threads:  # two children, started from two threads
            list(threads.map(lambda _: pool.recognise_tsv(page, dpi=300, timeout=60), [1, 2]))
        print(*pool.pids(), flush=True)
        time.sleep(120)
        """
    )
    parent = subprocess.Popen(
        [sys.executable, "-c", script], cwd=REPO, stdout=subprocess.PIPE, text=True
    )
    try:
        assert parent.stdout is not None
        pids = [int(pid) for pid in parent.stdout.readline().split()]
        assert len(pids) == 2 and all(psutil.pid_exists(pid) for pid in pids)
    finally:
        parent.kill()
        parent.wait(timeout=30)
        parent.stdout.close()
    assert all(gone(pid) for pid in pids)


def test_a_forked_copy_starts_children_of_its_own(children: PersistentTesseract) -> None:
    page = encode_pnm(one_line_page())
    children.recognise_tsv(page, dpi=300, timeout=60)
    parents = children.pids()
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the copy: the parent's children are not its to talk to
        try:
            tsv = children.recognise_tsv(page, dpi=300, timeout=60)
            own = children.pids()
            fine = "Trần" in tsv and own and not set(own) & set(parents)
            os.write(write_end, b"1" if fine else b"0")
        finally:
            os._exit(0)
    os.close(write_end)
    os.waitpid(pid, 0)
    with os.fdopen(read_end, "rb") as answer:
        assert answer.read() == b"1"
    assert children.pids() == parents
    assert "Trần" in children.recognise_tsv(page, dpi=300, timeout=60)


def test_missing_language_model_names_the_package() -> None:
    pool = PersistentTesseract(langs="vie+klingon", psm=6)
    with pytest.raises(MissingDependencyError, match="tesseract-ocr-klingon"):
        pool.require(timeout=60)
    assert pool.pids() == []
    with pytest.raises(MissingDependencyError, match="tesseract-ocr-klingon"):
        TesseractEngine(langs="klingon").check()


def test_missing_library_is_a_missing_dependency(tmp_path: Path) -> None:
    pool = PersistentTesseract(langs="vie", psm=6, library=str(tmp_path / "libtesseract.so.5"))
    with pytest.raises(MissingDependencyError, match="libtesseract is not installed"):
        pool.require(timeout=60)


def sample_ocr_inputs() -> list[tuple[str, np.ndarray, int]]:
    """What the pipeline hands the engine for every non-blank page of the samples."""
    options = PipelineOptions()
    inputs = []
    for scan in sample_scans():
        for index in range(count_pages(scan, options.limits)):
            prepared = prepare_page(read_page(scan, index, options.limits), options)
            job = None if prepared.blank else ocr_input(prepared)
            if job is not None:
                inputs.append((f"{scan.name} page {index + 1}", job.image, job.dpi))
    return inputs


@pytest.mark.slow
def test_library_and_program_give_the_same_text_on_every_sample_page() -> None:
    pages = sample_ocr_inputs()
    assert len(pages) >= 8
    # Also a grey page: the PGM path, Tesseract thresholding it itself.
    pages.append(("grey synthetic page", text_page(dpi=300) // 2 + 100, 300))
    program = TesseractCliEngine()
    with TesseractEngine() as library, ThreadPoolExecutor(3) as threads:
        # Three pages at a time, so children serve pages one after another and side by side.
        by_library = list(threads.map(lambda page: library.recognise(page[1], page[2]), pages))
    with PersistentTesseract(langs="vie", psm=6) as children:
        tsv_library = children.recognise_tsv(encode_pnm(pages[0][1]), dpi=pages[0][2], timeout=180)
    tsv_program = tesseract.recognise_tsv(
        encode_pnm(pages[0][1]), langs="vie", dpi=pages[0][2], psm=6, timeout=180
    )
    assert tsv_library == tsv_program  # byte for byte
    for (name, image, dpi), from_library in zip(pages, by_library, strict=True):
        from_program = program.recognise(image, dpi)
        # Words, lines, blocks, boxes and confidences all alike.
        assert from_library.lines == from_program.lines, name
        assert from_library.engine == from_program.engine
