"""Long files in bounded memory: page reports wait on disk, a stack is understood one
document at a time as its pages arrive, and the result JSON is written page by page.

The mechanism is tested, not the memory figures (bench/stack.py measures those): pages
and reports are tracked by weak references, and whatever holds on to them shows.
"""

from __future__ import annotations

import json
import weakref
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image

import digitize.batch as batch
import digitize.pipeline as pipeline
from cli.main import main as cli_main
from config import Settings, load_knowledge
from digitize.batch import JsonList, digitize_files, write_json_atomically
from digitize.filing import FilingOptions
from digitize.pipeline import PipelineOptions
from digitize.results import OcrText, PageReport
from digitize.understand import Knowledge, PageText, load_catalogue, page_from_report
from digitize.understand.files import FileReader, understand_file
from digitize.understand.link import DossierRecord
from tests.synthetic import text_page
from tests.understand_helpers import page

HEADER = ("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc")


@pytest.fixture(scope="module")
def knowledge() -> Knowledge:
    return Knowledge(load_catalogue())


def code(n: int) -> str:
    return f"000.00.13.H12-240115-{n:04d}"


def dossier_rows(n: int) -> list[tuple[str, ...]]:
    """A receipt, a two-page declaration, a blank back and an ID card: one dossier."""
    return [
        (
            "UBND QUẬN CẦU GIẤY",
            *HEADER,
            "GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ",
            f"Mã hồ sơ: {code(n)}",
            "Nội dung yêu cầu giải quyết: Đăng ký khai sinh",
        ),
        (*HEADER, "TỜ KHAI ĐĂNG KÝ KHAI SINH", "Họ, chữ đệm, tên người yêu cầu: Nguyễn Văn An"),
        ("Nơi cư trú của cha, mẹ: Hà Nội ......", "NGƯỜI YÊU CẦU"),
        (),  # a blank back
        ("CĂN CƯỚC CÔNG DÂN", "Số định danh cá nhân: 001090012345"),
    ]


class TrackedPage(PageText):
    """A page whose survival can be watched."""

    __slots__ = ("__weakref__",)


class Tracker:
    """Makes tracked pages and counts those still alive."""

    def __init__(self, rows: list[tuple[str, ...]]) -> None:
        self.rows = rows
        self.refs: list[weakref.ref[TrackedPage]] = []
        self.recalled: list[int] = []

    def make(self, index: int) -> TrackedPage:
        plain = page(index + 1, *self.rows[index], blank=not self.rows[index])
        tracked = TrackedPage(plain.number, plain.lines, plain.blank, plain.codes)
        self.refs.append(weakref.ref(tracked))
        return tracked

    def recall(self, index: int) -> TrackedPage:
        self.recalled.append(index)
        return self.make(index)

    def alive(self) -> int:
        return sum(ref() is not None for ref in self.refs)


def test_a_stack_is_understood_holding_one_document_at_a_time(knowledge) -> None:
    strays = [("Nơi cư trú của cha, mẹ: Hà Nội ......",), ()]  # before the first dossier
    rows = strays + [r for n in range(30) for r in dossier_rows(n)]
    tracker = Tracker(rows)
    reader = FileReader(knowledge, tracker.recall)
    most = 0
    for index in range(len(rows)):
        reader.add(tracker.make(index))
        most = max(most, tracker.alive())
    understood = reader.finish()
    # The open document (two pages at most here) and the page just added, never the stack.
    assert most <= 3
    # Only the pages before the first boundary are asked for again, once each.
    assert tracker.recalled == [0, 1]
    assert understood.unassigned_pages == [1, 2]
    assert [d.reading.code for d in understood.dossiers] == [code(n) for n in range(30)]
    first = understood.dossiers[0]
    assert first.pages == [3, 4, 5, 6, 7] and first.blank_pages == [6]
    assert [d.pages for d in first.documents] == [(3,), (4, 5), (7,)]
    # The same as understanding all pages at once.
    everything = [page(i + 1, *r, blank=not r) for i, r in enumerate(rows)]
    assert understood.as_json() == understand_file(everything, knowledge).as_json()


def test_a_file_without_boundaries_is_read_again_one_document_at_a_time(knowledge) -> None:
    declaration = (*HEADER, "TỜ KHAI ĐĂNG KÝ KHAI SINH", "Họ, chữ đệm, tên: Nguyễn Văn An")
    rows = [declaration, ("NGƯỜI YÊU CẦU",), ()] * 20
    tracker = Tracker(rows)
    most = 0

    def recall(index: int) -> TrackedPage:
        nonlocal most
        most = max(most, tracker.alive())
        return tracker.recall(index)

    reader = FileReader(knowledge, recall)
    for index in range(len(rows)):
        reader.add(tracker.make(index))
    assert tracker.alive() == 0  # nothing held until the file turns out to be no stack
    understood = reader.finish()
    assert tracker.recalled == list(range(len(rows)))
    assert most <= 6  # the document of three pages just understood, and the next
    assert understood.dossiers == []
    assert [d.pages for d in understood.documents] == [(n, n + 1, n + 2) for n in range(1, 61, 3)]


@pytest.mark.parametrize(
    "document",
    [
        {"source": "a", "pages": [], "status": "done"},
        {"pages": [{"text": 'dòng 1\ndòng 2 \u2028 "q"', "lines": [{"bbox": [1, 2, 3, 4]}]}]},
        {
            "source": "hồ sơ/x.tif",
            "pages": [{"number": n, "confidence": 0.925, "codes": [], "lines": []} for n in (1, 2)],
            "documents": [{"fields": {}, "pages": [1, 2], "procedure": None}],
            "dossiers": [],
            "warnings": ["a", "b"],
            "pdfa": True,
            "skew": -0.0,
        },
        {"a": 1, "pages": [1, "x", None, [], {}, [[1]]]},
    ],
)
def test_a_streamed_json_is_the_text_json_dump_writes(tmp_path: Path, document) -> None:
    path = tmp_path / "result.json"
    streamed = {k: JsonList(iter(v)) if k == "pages" else v for k, v in document.items()}
    write_json_atomically(path, streamed)
    expected = json.dumps(document, ensure_ascii=False, indent=1) + "\n"
    assert path.read_text(encoding="utf-8") == expected


class ScriptedEngine:
    """OCR whose text is scripted page by page (pages are read in order with one job):
    this is about what is held in memory, not about reading."""

    name = "scripted"

    def __init__(self, rows: list[tuple[str, ...]]) -> None:
        self.rows = iter(rows)

    def check(self) -> None:
        pass

    def recognise(self, grey: np.ndarray, dpi: int) -> OcrText:
        return OcrText(page(0, *next(self.rows)).lines, engine=self.name)


class Watcher:
    """A batch listener counting the page reports alive whenever a page is done."""

    def __init__(self, alive: Callable[[], int]) -> None:
        self.alive = alive
        self.most = 0

    def file_started(self, source: Path, pages: int) -> None:
        pass

    def page_done(self, source: Path) -> None:
        self.most = max(self.most, self.alive())

    def file_done(self, result: Any) -> None:
        pass


def test_a_stack_s_page_reports_are_not_kept_in_memory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, knowledge
) -> None:
    rows = [r for n in range(5) for r in dossier_rows(n) if r]  # no blank backs: OCR'd in order
    image = Image.fromarray(text_page(dpi=100))
    scan = tmp_path / "stack.tif"
    image.save(scan, dpi=(100, 100), save_all=True, append_images=[image] * (len(rows) - 1))
    reports: list[weakref.ref[PageReport]] = []

    class TrackedReport(PageReport):
        __slots__ = ("__weakref__",)

    def tracked_report(**fields: Any) -> PageReport:
        report = TrackedReport(**fields)
        reports.append(weakref.ref(report))
        return report

    monkeypatch.setattr(pipeline, "PageReport", tracked_report)
    read_back: list[int] = []
    real_page_report = batch._WorkFolder.report

    def page_report(self: Any, index: int) -> PageReport:
        read_back.append(index)
        return real_page_report(self, index)

    monkeypatch.setattr(batch._WorkFolder, "report", page_report)
    watcher = Watcher(lambda: sum(ref() is not None for ref in reports))
    (result,) = digitize_files(
        [scan],
        tmp_path / "out",
        engine=ScriptedEngine(rows),
        options=PipelineOptions(),
        output=FilingOptions(pdfa=False, knowledge=knowledge),
        jobs=1,
        listener=watcher,
    )
    assert result.json is not None and len(reports) == len(rows)
    assert watcher.most <= 1  # the page in the works at most, never the pages done
    # Read back once to be understood, in page order, and once to be written.
    assert read_back == list(range(len(rows))) * 2
    written = json.loads(result.json.read_text(encoding="utf-8"))
    assert [p["number"] for p in written["pages"]] == list(range(1, len(rows) + 1))
    assert [d["code"] for d in written["dossiers"]] == [code(n) for n in range(5)]
    # What was understood as pages came equals understanding the written pages at once.
    again = understand_file(
        [page_from_report(PageReport.from_json(p)) for p in written["pages"]], knowledge
    ).as_json()
    for entry in written["documents"]:
        entry.pop("pdf")
    assert {k: written[k] for k in again} == again
    assert not list((tmp_path / "out").glob(".digitize-work-*"))
    # `digitize understand` makes the same again from the file (through FileFiler).
    monkeypatch.setenv("DIGITIZE_DATA_DIR", str(tmp_path / "data"))
    assert cli_main(["understand", str(result.json)]) == 0
    redone = json.loads(result.json.read_text(encoding="utf-8"))
    pages = [page_from_report(PageReport.from_json(p)) for p in written["pages"]]
    expected = understand_file(pages, load_knowledge(Settings())).as_json()
    assert expected["dossiers"] and {k: redone[k] for k in expected} == expected


class Book:
    """Records in memory; `broken` makes every call fail as a database away would."""

    def __init__(self, *records: DossierRecord, broken: bool = False) -> None:
        self.records = {r.code: r for r in records}
        self.broken = broken

    def find(self, code: str) -> DossierRecord | None:
        if self.broken:
            raise OSError("database away")
        return self.records.get(code)

    def add(self, record: DossierRecord) -> DossierRecord:
        self.records[record.code] = record
        return record


@pytest.mark.parametrize("book", [None, "linked", "broken"])
def test_a_stack_s_dossiers_meet_their_records_only_when_a_book_is_given(
    tmp_path: Path, knowledge, book: str | None
) -> None:
    """`digitize process` opens the service's database only with --link-records."""
    rows = [r for n in range(2) for r in dossier_rows(n) if r]
    image = Image.fromarray(text_page(dpi=100))
    scan = tmp_path / "stack.tif"
    image.save(scan, dpi=(100, 100), save_all=True, append_images=[image] * (len(rows) - 1))
    other = DossierRecord(code(0), procedure="dang_ky_ket_hon")  # not what the papers say
    records = None if book is None else Book(other, broken=book == "broken")
    (result,) = digitize_files(
        [scan],
        tmp_path / "out",
        engine=ScriptedEngine(rows),
        options=PipelineOptions(),
        output=FilingOptions(pdfa=False, knowledge=knowledge, records=records),
        jobs=1,
    )
    assert result.json is not None
    written = json.loads(result.json.read_text(encoding="utf-8"))
    first, second = written["dossiers"]
    if book is None:
        assert "record" not in first and "record" not in second
        assert written["warnings"] == []
    elif book == "broken":
        assert "record" not in first
        assert written["warnings"] == [
            f"dossier {code(n)}: not linked (system error (database away))" for n in range(2)
        ]
    else:
        assert first["record"]["procedure"] == "dang_ky_ket_hon" and not first["record_created"]
        assert any(r.startswith("record mismatch: procedure") for r in first["review"])
        assert second["record_created"] and second["record"]["origin"] == "from_scan"
