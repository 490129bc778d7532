"""Bulk-scan stacks: cut a file's pages into dossiers, and each dossier into documents.

Staff feed many dossiers through the scanner at once. Each dossier begins with its
one-stop receipt ("GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ") or a separator sheet
printed by the one-stop system; both carry the dossier code in print and usually as
a QR code or a Code 128 barcode. The stages, in order (`split_stack`):

    pages -> boundaries (receipt or separator: title, or a code holding just a dossier
             code) -> dossier code (QR, barcode and print read and checked against each
             other; a disagreement is flagged, never settled by a guess)
          -> documents of each dossier (a new one at each title or national header, or
             where the classifier reads a page as another type than the document so
             far; blank backs recorded but in no document; the separator in none either)

Pages before the first boundary form the "unassigned" group for review. A file with
no boundary at all is not a stack: its pages are documents as they come.

`StackSplitter` does the same as pages arrive one by one, holding one document's pages.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace

from digitize.understand.checks import check_dossier_code, find_dossier_codes
from digitize.understand.classify import UNKNOWN, classify, title_scores
from digitize.understand.documents import Knowledge, UnderstoodDocument, understand_document
from digitize.understand.fields import extract_fields
from digitize.understand.pages import PageText
from digitize.understand.vietnamese import fold

RECEIPT = "giay_tiep_nhan_ho_so"
SEPARATOR = "to_phan_cach_ho_so"
_BOUNDARY_TITLE = 0.7  # ratio 0.88 with the printed title
_NEW_DOCUMENT_TITLE = 0.7
_NATIONAL_HEADER = "cong hoa xa hoi chu nghia viet nam"
_HEADER_LINES = 4
_CODE_SOURCES = {"qr": "qr", "code128": "barcode"}
# A page without a title starts a document when the model, reading it alone, gives
# another type at least _TYPE_CHANGE_MIN and the document's own at most _CURRENT_MAX.
# On the bench stacks' OCR, untitled first pages gave their type 0.54-0.99 and the
# paper before them at most 0.03; continuation pages their own type 0.36-0.99, or
# (one building permit page) no type above 0.16.
_TYPE_CHANGE_MIN = 0.4
_TYPE_CHANGE_CURRENT_MAX = 0.05
_TYPE_CHANGE_MIN_WORDS = 12


@dataclass(frozen=True, slots=True)
class CodeReading:
    """The dossier code of a boundary page, as read from each source and decided."""

    code: str | None  # None when no source gave a valid code, or the sources disagree
    source: str | None  # "qr", "barcode" or "text": where the decided code was read
    candidates: dict[str, str]  # source -> what it read (valid or not)
    review: tuple[str, ...] = ()


@dataclass(slots=True)
class Dossier:
    boundary: str  # "receipt" or "separator"
    boundary_page: int
    reading: CodeReading
    pages: list[int] = field(default_factory=list)  # every page, boundary and blanks too
    documents: list[UnderstoodDocument] = field(default_factory=list)
    blank_pages: list[int] = field(default_factory=list)

    @property
    def procedure(self) -> str | None:
        """The receipt's procedure, else that of the first document that names one."""
        return next((d.procedure for d in self.documents if d.procedure), None)


@dataclass(slots=True)
class StackSplit:
    dossiers: list[Dossier]
    unassigned_pages: list[int]
    unassigned_documents: list[UnderstoodDocument]


def boundary_kind(page: PageText, knowledge: Knowledge) -> str | None:
    """'receipt' or 'separator' when the page opens a dossier, else None."""
    if page.blank or not (page.lines or page.codes):
        return None
    scores = title_scores(page, knowledge.catalogue) if page.lines else {}
    if scores.get(RECEIPT, 0.0) >= _BOUNDARY_TITLE:
        return "receipt"
    if scores.get(SEPARATOR, 0.0) >= _BOUNDARY_TITLE:
        return "separator"
    # A code holding exactly a dossier code opens a dossier even when its title was not
    # read. Documents the system issues carry a QR with more in it (TT 01/2023): not one.
    if any(c.readable and _just_a_code(c.text) for c in page.codes):
        return "receipt" if scores.get(RECEIPT, 0.0) > 0 else "separator"
    return None


def _just_a_code(text: str) -> bool:
    check = check_dossier_code(text.strip())
    return check.ok and check.value == text.strip()


def read_dossier_code(page: PageText, kind: str, knowledge: Knowledge) -> CodeReading:
    """The code of a boundary page from its QR code, barcode and printed text."""
    candidates: dict[str, str] = {}
    review: list[str] = []
    for code in page.codes:
        source = _CODE_SOURCES.get(code.kind)
        if source is None:
            continue
        if not code.readable:
            review.append(f"{source} code present but unreadable")
        elif source not in candidates:
            candidates[source] = code.text.strip()
    printed = _printed_code(page, kind, knowledge)
    if printed:
        candidates["text"] = printed
    valid: dict[str, str] = {}
    for source, value in candidates.items():
        check = check_dossier_code(value)
        if check.ok and check.value:
            valid[source] = check.value
        else:
            review.append(f"{source} code {value!r} breaks the official structure")
    distinct = sorted(set(valid.values()))
    if len(distinct) > 1:
        said = ", ".join(f"{source} says {value}" for source, value in valid.items())
        review.append(f"codes disagree: {said}")
        return CodeReading(None, None, candidates, tuple(review))
    if not distinct:
        review.append("no readable dossier code")
        return CodeReading(None, None, candidates, tuple(review))
    source = next(s for s in ("qr", "barcode", "text") if s in valid)
    return CodeReading(distinct[0], source, candidates, tuple(review))


def _printed_code(page: PageText, kind: str, knowledge: Knowledge) -> str | None:
    doc = knowledge.catalogue.document_types.get(RECEIPT if kind == "receipt" else SEPARATOR)
    if doc is not None and doc.field("dossier_code") is not None:
        # the code's text is all that is wanted: its page image is not looked at
        found = extract_fields([replace(page, ink=None)], doc).get("dossier_code")
        if found is not None and found.raw:
            return found.raw
    checks = find_dossier_codes(page.text)
    chosen = next((c for c in checks if c.ok), checks[0] if checks else None)
    return chosen.value if chosen is not None else None


def starts_document(page: PageText, knowledge: Knowledge) -> bool:
    """A catalogued title, or the national header, at the top of the page."""
    if page.blank or not page.lines:
        return False
    scores = title_scores(page, knowledge.catalogue)
    if max(scores.values(), default=0.0) >= _NEW_DOCUMENT_TITLE:
        return True
    return any(_NATIONAL_HEADER in fold(line.text) for line in page.lines[:_HEADER_LINES])


def changes_type(page: PageText, document: Sequence[PageText], knowledge: Knowledge) -> bool:
    """The classifier reads the page, alone, as another type than the document so far.

    For a paper whose title is missing (an ID card copy cut below its header, a
    certificate copied without its top). A continuation page reads as its own
    document's type, or as nothing in particular: the page must be clearly of another
    type and give the document's own type next to nothing. Two untitled papers of the
    same type in a row stay one document: their type does not change.
    """
    model = knowledge.model
    if model is None or page.blank or not document:
        return False
    text = page.text
    if len(text.split()) < _TYPE_CHANGE_MIN_WORDS:
        return False  # a signature page says too little to tell
    current, _, _, learned = classify(
        document, knowledge.catalogue, model, unknown_below=knowledge.unknown_below
    )
    if current == UNKNOWN:
        current = max(learned, key=learned.__getitem__, default=UNKNOWN)
    alone = model.probabilities(text)
    best = max(alone, key=alone.__getitem__, default=UNKNOWN)
    return (
        best != current
        and alone[best] >= _TYPE_CHANGE_MIN
        and alone.get(current, 0.0) <= _TYPE_CHANGE_CURRENT_MAX
    )


def split_stack(pages: Sequence[PageText], knowledge: Knowledge) -> StackSplit | None:
    """Dossiers and their documents, or None when the file holds no dossier boundary."""
    splitter = StackSplitter(knowledge, pages.__getitem__)
    for page in pages:
        splitter.add(page)
    return splitter.finish()


class StackSplitter:
    """A stack cut as its pages arrive, in page order, one dossier after the other.

    Only the open document's pages are held: a document is understood as soon as the
    next one starts, a dossier is complete when the next boundary arrives. The pages
    before the first boundary are not held either: whether they form the unassigned
    group or a file that is no stack is known only later, so `recall(i)` gives back
    the file's page i (0-based) when they are needed.
    """

    def __init__(self, knowledge: Knowledge, recall: Callable[[int], PageText]) -> None:
        self._knowledge = knowledge
        self._recall = recall
        self._before_first: list[int] = []  # page numbers before the first boundary
        self._dossiers: list[Dossier] = []
        self._unassigned_documents: list[UnderstoodDocument] = []
        self._documents = _Documents(knowledge)  # of the open dossier

    def add(self, page: PageText) -> None:
        """The file's next page."""
        kind = boundary_kind(page, self._knowledge)
        if kind is not None:
            if self._dossiers:
                self._dossiers[-1].documents = self._documents.close()
            else:
                self._unassigned_documents = self._unassigned()
            reading = read_dossier_code(page, kind, self._knowledge)
            self._dossiers.append(Dossier(kind, page.number, reading, [page.number]))
            self._documents = _Documents(self._knowledge)
            if kind == "receipt":  # the receipt is a document; the separator sheet none
                self._documents.add(page)
        elif self._dossiers:
            self._dossiers[-1].pages.append(page.number)
            if page.blank:
                self._dossiers[-1].blank_pages.append(page.number)
            else:
                self._documents.add(page)
        else:
            self._before_first.append(page.number)

    def finish(self) -> StackSplit | None:
        """The split, once every page was added; None when no page opened a dossier."""
        if not self._dossiers:
            return None
        self._dossiers[-1].documents = self._documents.close()
        return StackSplit(self._dossiers, self._before_first, self._unassigned_documents)

    def _unassigned(self) -> list[UnderstoodDocument]:
        documents = _Documents(self._knowledge)
        for index in range(len(self._before_first)):
            page = self._recall(index)
            if not page.blank:
                documents.add(page)
        return documents.close()


class _Documents:
    """Pages of a dossier (or before the first) into documents, as they come: a new one
    at a title or national header, or where the type changes (see `changes_type`)."""

    def __init__(self, knowledge: Knowledge) -> None:
        self._knowledge = knowledge
        self._done: list[UnderstoodDocument] = []
        self._open: list[PageText] = []

    def add(self, page: PageText) -> None:
        if self._open and (
            starts_document(page, self._knowledge)
            or changes_type(page, self._open, self._knowledge)
        ):
            self._done.append(understand_document(self._open, self._knowledge))
            self._open = []
        self._open.append(page)

    def close(self) -> list[UnderstoodDocument]:
        if self._open:
            self._done.append(understand_document(self._open, self._knowledge))
            self._open = []
        return self._done
