"""A folder of page images read as one stack: natural order, multi-page TIFFs, bad files."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from cli.process import expand_inputs
from digitize.errors import CorruptInputError, ImageTooLargeError, InputFileError
from digitize.inputs import ReadLimits, count_pages, read_page
from digitize.inputs.folder import natural_key, page_origins
from tests import badfiles
from tests.conftest import run_digitize
from tests.synthetic import text_page

LIMITS = ReadLimits()


def marked_page(number: int) -> Image.Image:
    """A small A4 page at 100 dpi whose top-left ink square is `number` pixels wide, so
    the page read back says which one it was."""
    pixels = np.full((1169, 827), 255, np.uint8)
    pixels[100:140, 100 : 100 + 10 * number] = 0
    return Image.fromarray(pixels)


def width_of_mark(pixels: np.ndarray) -> int:
    grey = pixels if pixels.ndim == 2 else pixels[..., 0]
    return int(np.count_nonzero(grey[120] < 128)) // 10


def test_names_sort_as_people_number_pages() -> None:
    names = ["page10.png", "Page2.png", "page1.png", "page2b.png", "trang 03.jpg", "page02.tif"]
    ordered = sorted(names, key=natural_key)
    assert ordered[:4] == ["page1.png", "Page2.png", "page02.tif", "page2b.png"]
    assert ordered.index("page10.png") > ordered.index("page2b.png")


def test_pages_come_in_natural_order_and_tiffs_give_every_page(tmp_path: Path) -> None:
    for number in (10, 2, 1):
        marked_page(number).save(tmp_path / f"page{number}.png", dpi=(100, 100))
    marked_page(3).save(
        tmp_path / "page3.tif", save_all=True, append_images=[marked_page(4)], dpi=(100, 100)
    )
    marked_page(5).convert("RGB").save(tmp_path / "page5.jpg", quality=95, dpi=(100, 100))
    (tmp_path / ".DS_Store").write_bytes(b"\x00\x01junk")
    (tmp_path / "._page1.png").write_bytes(b"\x00\x05\x16\x07")  # macOS AppleDouble
    (tmp_path / "ghi chú.txt").write_text("thứ tự trang", encoding="utf-8")
    (tmp_path / "sub").mkdir()
    marked_page(9).save(tmp_path / "sub" / "page0.png")

    assert count_pages(tmp_path, LIMITS) == 6
    marks = [width_of_mark(read_page(tmp_path, i, LIMITS).pixels) for i in range(6)]
    assert marks == [1, 2, 3, 4, 5, 10]
    origins = [(o.file.name, o.frame) for o in page_origins(tmp_path, LIMITS)]
    assert origins[2:4] == [("page3.tif", 0), ("page3.tif", 1)]


def test_a_folder_changed_between_reads_is_read_afresh(tmp_path: Path) -> None:
    marked_page(1).save(tmp_path / "a1.png")
    assert count_pages(tmp_path, LIMITS) == 1
    marked_page(2).save(tmp_path / "a2.png")
    assert count_pages(tmp_path, LIMITS) == 2
    assert width_of_mark(read_page(tmp_path, 1, LIMITS).pixels) == 2


@pytest.mark.parametrize(
    ("name", "maker", "error", "words"),
    [
        ("p2.tif", lambda p: badfiles.truncated(badfiles.good_tiff(p.parent.parent / "t.tif"), p),
         CorruptInputError, "p2.tif: "),
        ("p2.jpg", lambda p: badfiles.truncated(badfiles.good_jpeg(p.parent.parent / "j.jpg"), p),
         CorruptInputError, "p2.jpg: cannot decode"),
        ("p2.png", lambda p: (p.write_text("không phải ảnh", encoding="utf-8"), p)[1],
         InputFileError, "p2.png: not a PDF, TIFF, JPEG or PNG"),
        ("p2.png", lambda p: badfiles.png_declaring(p, 60_000, 60_000),
         ImageTooLargeError, "p2.png"),
        ("p2.pdf", badfiles.good_pdf, InputFileError, "p2.pdf: a PDF in a folder stack"),
        ("p2\nrm -rf.jpg", lambda p: (p.write_bytes(b"\xff\xd8\xff"), p)[1],
         InputFileError, "p2\\x0arm -rf.jpg"),
    ],
)  # fmt: skip
def test_a_bad_file_in_the_folder_is_named_in_one_line(
    tmp_path: Path, name: str, maker, error: type[InputFileError], words: str
) -> None:
    folder = tmp_path / "stack"
    folder.mkdir()
    marked_page(1).save(folder / "p1.png")
    maker(folder / name)
    with pytest.raises(error) as caught:
        for index in range(count_pages(folder, LIMITS)):
            read_page(folder, index, LIMITS)
    message = str(caught.value)
    assert words in message and "\n" not in message


def test_a_folder_without_page_images_or_with_too_many_pages(tmp_path: Path) -> None:
    (tmp_path / "readme.txt").write_text("no scans", encoding="utf-8")
    with pytest.raises(InputFileError, match="no page images"):
        count_pages(tmp_path, LIMITS)
    badfiles.good_tiff(tmp_path / "two.tif")
    marked_page(1).save(tmp_path / "one.png")
    with pytest.raises(InputFileError, match="limit of 2"):
        count_pages(tmp_path, ReadLimits(max_pages=2))
    with pytest.raises(InputFileError, match="is not in the folder"):
        read_page(tmp_path, 3, LIMITS)


def test_without_stack_a_folder_is_its_files_one_by_one(tmp_path: Path) -> None:
    for name in ("trang10.png", "trang2.png", "notes.txt"):
        (tmp_path / name).write_bytes(b"x")
    each, _ = expand_inputs([tmp_path])
    assert [p.name for p in each] == ["trang10.png", "trang2.png"]
    stacks, problems = expand_inputs([tmp_path], folder_stacks=True)
    assert (stacks, problems) == ([tmp_path], [])


@pytest.mark.slow
def test_process_stack_digitises_a_folder_as_one_file(tmp_path: Path) -> None:
    folder = tmp_path / "lô 7"
    folder.mkdir()
    lines = ("Trang {} của hồ sơ", "Giấy chứng nhận đăng ký hộ kinh doanh")

    def numbered(number: int) -> Image.Image:
        return Image.fromarray(text_page(dpi=150, lines=(lines[0].format(number), lines[1])))

    for number in (10, 1):
        numbered(number).save(folder / f"trang{number}.png", dpi=(150, 150))
    numbered(2).save(folder / "trang2.tif", save_all=True, append_images=[numbered(3)])
    out = tmp_path / "out"
    proc = run_digitize("process", folder, "--stack", "--out", out, "--quiet", "--no-understand")
    assert proc.returncode == 0, proc.stderr
    result = json.loads((out / "lô 7.json").read_text(encoding="utf-8"))
    numbers = [re.search(r"Trang (\d+)", p["text"]) for p in result["pages"]]
    assert [int(n.group(1)) if n else None for n in numbers] == [1, 2, 3, 10]
    # The output says which image each page came from.
    assert [(p["source_file"], p["source_frame"]) for p in result["pages"]] == [
        ("trang1.png", 1),
        ("trang2.tif", 1),
        ("trang2.tif", 2),
        ("trang10.png", 1),
    ]
    assert (out / "lô 7.pdf").is_file()


def test_process_stack_with_a_bad_file_fails_that_stack_with_its_name(tmp_path: Path) -> None:
    folder = tmp_path / "stack"
    folder.mkdir()
    badfiles.good_jpeg(folder / "p1.jpg")
    (folder / "p2.jpg").write_bytes(b"\xff\xd8\xff not a whole JPEG")
    proc = run_digitize("process", folder, "--stack", "--out", tmp_path / "out", "--quiet")
    assert proc.returncode == 1
    assert re.search(r"failed +\S*stack: p2\.jpg: damaged image", proc.stderr), proc.stderr
    assert "Traceback" not in proc.stderr
    assert not (tmp_path / "out" / "stack.pdf").exists()


def test_output_names_keep_a_folders_whole_name(tmp_path: Path) -> None:
    from digitize.batch import output_stems

    folder = tmp_path / "lô.2024-03"
    folder.mkdir()
    scan = tmp_path / "hồ sơ.2024.tif"
    scan.write_bytes(b"II*\x00")
    assert output_stems([folder, scan]) == ["lô.2024-03", "hồ sơ.2024"]
