"""The typed page report's one JSON round trip, and the filing path's rules."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pikepdf
import pytest

from digitize.filing import (
    KEPT_TEXT_WARNING,
    FiledFile,
    FileFiler,
    FilingOptions,
    Placement,
    file_digitised,
    record_review,
)
from digitize.pdf import DocumentMetadata, PageSource, write_page_pdf
from digitize.records import CopyOptions
from digitize.results import ColourMode, FoundCode, Line, OcrText, PageReport, TextSource, Word
from digitize.understand import UnderstoodDocument, page_from_report
from digitize.understand.files import FileUnderstanding
from digitize.understand.link import DossierRecord, Link

LINE = Line((Word("Họ", (1, 2, 30, 20), 0.912), Word("tên", (35, 2, 70, 20), 0.5)), (1, 2, 70, 20))


def report(number: int = 1, **changes: object) -> PageReport:
    fields: dict[str, object] = {
        "number": number,
        "rotation": 90,
        "skew_deg": -0.37,
        "dpi": 300,
        "text": "Họ tên",
        "confidence": 0.706,
        "words": 2,
        "blank": False,
        "colour_mode": ColourMode.BILEVEL,
        "lines": (LINE,),
        "codes": (FoundCode("qr", "000.00.13.H12-240115-0042", (5, 5, 50, 50), True),),
        **changes,
    }
    return PageReport(**fields)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "original",
    [report(), report(text_source=TextSource.PDF, colour_mode=None, codes=()), report(blank=True)],
)
def test_a_report_comes_back_from_its_json_as_it_was(original: PageReport) -> None:
    text = json.dumps(original.as_json(), ensure_ascii=False)
    assert PageReport.from_json(json.loads(text)) == original


def test_the_json_keeps_the_contract_s_names_and_values() -> None:
    data = report(colour_mode=None, text_source=TextSource.PDF).as_json()
    assert list(data) == [
        "number", "rotation", "skew_deg", "dpi", "text", "confidence", "words", "blank",
        "dpi_estimated", "text_source", "width", "height", "colour_mode", "lines", "codes",
        "error", "geometry_note", "tables",
    ]  # fmt: skip
    assert data["colour_mode"] == "unknown" and data["text_source"] == "pdf"
    assert data["lines"][0] == {
        "text": "Họ tên",
        "bbox": [1, 2, 70, 20],
        "block": 0,
        "words": [
            {"text": "Họ", "bbox": [1, 2, 30, 20], "confidence": 0.912},
            {"text": "tên", "bbox": [35, 2, 70, 20], "confidence": 0.5},
        ],
    }


def test_an_older_result_without_lines_is_read_from_its_text() -> None:
    old = {"number": 3, "text": "GIẤY KHAI SINH\n\nSố: 12", "blank": False}
    page = page_from_report(PageReport.from_json(old))
    assert page.number == 3 and [line.text for line in page.lines] == ["GIẤY KHAI SINH", "Số: 12"]


def test_understanding_reads_words_in_nfc() -> None:
    decomposed = "Ho\u0323"  # "Họ" with a combining dot below
    line = Line((Word(decomposed, (0, 0, 9, 9), 1.0),), (0, 0, 9, 9))
    page = page_from_report(report(lines=(line,)))
    assert page.lines[0].words[0].text == "Họ"


class Pages:
    """Reports from memory, counting each read."""

    def __init__(self, reports: Sequence[PageReport]) -> None:
        self.reports = reports
        self.reads: list[int] = []

    def report(self, index: int) -> PageReport:
        self.reads.append(index)
        return self.reports[index]


class Folder:
    """A sink writing the whole file and each document into a folder."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.file_pdfa: bool | None = None

    def file_pdf(
        self,
        pages: Sequence[PageSource],
        metadata: DocumentMetadata,
        *,
        pdfa: bool,
        copy: CopyOptions | None,
    ) -> None:
        self.file_pdfa = pdfa

    def places(
        self, understood: FileUnderstanding | None, documents: Sequence[UnderstoodDocument]
    ) -> list[Placement]:
        return [Placement(self.folder / f"{i}.pdf", f"doc {i}") for i in range(len(documents))]


@pytest.fixture
def page_pdfs(tmp_path: Path) -> list[PageSource]:
    pdfs = []
    for number in (1, 2):
        path = tmp_path / f"page-{number}.pdf"
        image = np.full((300, 200), 255, np.uint8)
        write_page_pdf(image, colour_mode=ColourMode.GREY, dpi=100, text=OcrText(), path=path)
        pdfs.append(PageSource(path))
    return pdfs


def _file(
    pages: Pages, tmp_path: Path, page_pdfs: list[PageSource], options: FilingOptions
) -> tuple[Folder, FiledFile]:
    folder = Folder(tmp_path / "out")
    filed = file_digitised(
        pages,
        2,
        folder,
        options,
        page_pdfs=page_pdfs,
        page_warnings=["page 2: OCR failed"],
        title="scan",
        created=datetime(2026, 1, 2, tzinfo=UTC),
    )
    return folder, filed


def test_pdf_a_only_without_kept_text_and_the_warning_said_once(
    tmp_path: Path, page_pdfs: list[PageSource]
) -> None:
    pages = Pages([report(1), report(2, text_source=TextSource.PDF)])
    folder, filed = _file(pages, tmp_path, page_pdfs, FilingOptions(every_document=True))
    assert folder.file_pdfa is False and filed.pdfa is False
    assert filed.warnings == ["page 2: OCR failed", KEPT_TEXT_WARNING]
    assert pages.reads == [0, 1]  # each report read once, in page order
    # Not understood (no knowledge): the whole file is one document of unknown type.
    (document,) = filed.documents
    assert document.pages == (1, 2) and document.doc_type == "unknown"
    with pikepdf.open(filed.paths[0]) as pdf:
        assert len(pdf.pages) == 2 and pdf.open_metadata().get("pdfaid:part") is None


def test_the_command_line_files_no_document_of_a_file_it_does_not_understand(
    tmp_path: Path, page_pdfs: list[PageSource]
) -> None:
    pages = Pages([report(1), report(2)])
    folder, filed = _file(pages, tmp_path, page_pdfs, FilingOptions())
    assert folder.file_pdfa is True and filed.documents == []
    assert filed.warnings == ["page 2: OCR failed"]


def test_pages_are_read_as_they_come_and_never_twice(tmp_path: Path) -> None:
    pages = Pages([report(n) for n in range(1, 5)])
    filer = FileFiler(pages, 4, FilingOptions())
    filer.read(2)
    filer.read(1)
    filer.read(3)
    assert pages.reads == [0, 1, 2] and filer.pages_read == 3


def test_a_record_mismatch_is_worded_for_the_reviewer() -> None:
    link = Link(DossierRecord("X"), False, ("applicant: record says A, documents name B",))
    assert record_review(link) == ["record mismatch: applicant: record says A, documents name B"]
