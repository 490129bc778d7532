"""Field extraction: find each catalogued label on the pages, read the value after it,
normalise and check it, and say where it was read and how sure we are.

Printed forms put a value after its label and a colon, usually followed by dotted
leaders; several short fields may share a line ("Giới tính: Nam ..... Dân tộc: Kinh");
a value may sit on the next line (ID cards) or wrap onto it (long addresses). Labels are
matched on folded text (no diacritics, lower case) with a fuzzy ratio, against the
words just before each colon, so OCR slips and numbering ("1)", "3.1.") do not matter.
"""

from __future__ import annotations

import dataclasses
import functools
import re
import unicodedata
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from itertools import pairwise

from rapidfuzz import fuzz, process

from digitize.imaging.handwriting import (
    BAND_MARGIN,
    LABEL_REACH,
    letters_on_baseline,
    off_the_labels_line,
    page_pieces,
    print_height,
    stored_on_baseline,
    stored_pieces,
)
from digitize.results import BBox, Line, Word, union_box
from digitize.understand import normalise
from digitize.understand.catalogue import DocumentType, FieldKind, FieldSpec
from digitize.understand.checks import check_dossier_code, check_id_number, load_provinces
from digitize.understand.field_model import (
    NONE,
    FieldModel,
    accepted_kinds,
    accepts,
    clean_label,
    value_kind,
)
from digitize.understand.pages import PageText
from digitize.understand.places import respell_places
from digitize.understand.values import NORMALISERS, Value
from digitize.understand.vietnamese import fold, fold_with_offsets, is_word, reads_as_words

REVIEW_BELOW = 0.6  # fields less sure than this go to a reviewer
# A value with a word OCR was less sure of than this goes to a reviewer: misread marks
# ("Thể" for "Thế") come at 0.8-0.87 where right words mostly come above 0.9 (measured
# on the tuned split of the issue 13 development set).
WORD_REVIEW_BELOW = 0.85
# A digit of an ID number read less sure than this is not known: digit grids read box
# by box (digitize.ocr.grids) give an unsure box a confidence below it.
DIGIT_UNSURE_BELOW = 0.3
_LEADERS = re.compile(r"(?:\.{3,}|…+|_{3,})")
_FOOTNOTE = re.compile(r"\(\d{1,2}\)")
# What OCR makes of a superscript footnote marker between a label and its colon
# ("Kính gửi”?:", "nghị®:").
_LABEL_TAIL = re.compile(r"\s*[”“\"'?®©¹²³⁴⁵⁶⁷⁸⁹⁰*]+$")
_TRAILING_NUMBERING = re.compile(r"\s+(?:\d{1,2}(?:\.\d{1,2})*[.)]|[a-zđ]\))\s*$")
_GAP_LINE_HEIGHTS = 1.2  # a blank this wide (in line heights) ends a value
_WRAP_RIGHT_LINE_HEIGHTS = 6  # a line ending this near the right edge may have wrapped
_DIGIT = re.compile(r"\d")
_LETTER = re.compile(r"[^\W\d_]")
_ITEM_NUMBER_AFTER = re.compile(r"\s*\d{1,2}\s*[.)]?$")
# "ngày 05 tháng 01 năm 2020", specks between ("tháng 02_ năm", "ngày^22").
_DATE_LINE = re.compile(
    r"ngay[\W_]{0,3}(\d{1,2})[\W_]{0,3}thang[\W_]{0,3}(\d{1,2})[\W_]{0,3}nam[\W_]{0,3}(\d{4})"
)
# Words just before "ngày" that make it another date than the document's: a birth, a
# death, an hour ("lúc 10 giờ, ngày …"), an issue ("cấp ngày …").
_OTHER_DATE_BEFORE = re.compile(r"\b(sinh|chet|mat|gio|phut|cap)\W*$")


@dataclass(frozen=True, slots=True)
class ExtractedField:
    name: str
    value: Value | None
    confidence: float
    page: int | None
    bbox: BBox | None
    raw: str
    review: bool
    problems: tuple[str, ...] = ()

    def as_json(self) -> dict[str, object]:
        return {
            "value": self.value,
            "confidence": round(self.confidence, 3),
            "page": self.page,
            "bbox": list(self.bbox) if self.bbox else None,
            "raw": self.raw,
            "review": self.review,
            "problems": list(self.problems),
        }


@dataclass(frozen=True, slots=True)
class _Segment:
    """The value part of one 'label: value' on a line."""

    page: int
    line_index: int
    label: str  # folded catalogue label it matched
    score: float  # 0..1
    start: int  # character span of the value in the line's text
    end: int
    ended: bool  # the value stopped before the line's end (leaders, a blank, a label)
    section: str = ""  # folded heading of the section the label stands in
    wording: str = ""  # a label the catalogue does not know, as printed (for the model)


@dataclass(slots=True)
class _Layout:
    pages: Sequence[PageText]
    segments: list[_Segment] = field(default_factory=list)
    shared: frozenset[str] = frozenset()  # folded labels more than one field reads
    # folded labels a field reads at a later printing (the spouse's "Số định danh cá
    # nhân" is the second): the catalogue says whose each printing is
    ordered: frozenset[str] = frozenset()
    labels: _Labels | None = None
    unknown: list[_Segment] = field(default_factory=list)  # labels no catalogue entry reads
    # per field, the section cues of the other fields that share one of its labels
    cues_of_others: dict[str, tuple[str, ...]] = field(default_factory=dict)
    other_people: tuple[str, ...] = ()  # folded headings of people no field places

    @property
    def sections(self) -> frozenset[str]:
        """The folded section headings the form's labels stand under."""
        return frozenset(s.section for s in (*self.segments, *self.unknown) if s.section)


def extract_fields(
    pages: Sequence[PageText],
    doc_type: DocumentType,
    *,
    review_below: float = REVIEW_BELOW,
    other_labels: frozenset[str] = frozenset(),
    field_model: FieldModel | None = None,
) -> dict[str, ExtractedField]:
    """Every catalogued field of `doc_type` found on `pages`; required ones always listed.

    A field goes to review when it is less sure than `review_below`, failed a check, or
    is required and missing. `field_model` names the field of labels the catalogue does
    not know, for the fields their catalogued labels did not find.
    """
    labels = {fold(label) for spec in doc_type.fields for label in spec.labels}
    others = frozenset(fold(label) for label in (*other_labels, *doc_type.other_labels)) - labels
    index = _label_index(frozenset(labels), others)
    segments: list[_Segment] = []
    unknown: list[_Segment] | None = [] if field_model is not None else None
    cues = frozenset(fold(cue) for spec in doc_type.fields for cue in spec.sections)
    cues |= frozenset(fold(cue) for cue in doc_type.other_people)
    section = ""
    for page in pages:
        found, section = _find_segments(page, index, section, unknown, cues)
        segments += found
    counts = Counter(fold(label) for spec in doc_type.fields for label in set(spec.labels))
    ordered = frozenset(
        fold(label) for spec in doc_type.fields if spec.occurrence > 1 for label in spec.labels
    )
    shared = frozenset(k for k, n in counts.items() if n > 1)
    layout = _Layout(
        pages,
        segments,
        shared,
        labels=index,
        ordered=ordered,
        unknown=unknown or [],
        cues_of_others=_cues_of_others(doc_type) if cues else {},
        other_people=tuple(fold(cue) for cue in doc_type.other_people),
    )
    found: dict[str, ExtractedField] = {}
    for spec in doc_type.fields:
        result = _read_field(layout, spec, review_below)
        if result is None and spec.required:
            result = ExtractedField(spec.name, None, 0.0, None, None, "", True, ("not found",))
        if result is not None:
            found[spec.name] = result
    _ids_by_kind(layout, doc_type, found, review_below)
    _values_by_opening(layout, doc_type, found, review_below)
    if field_model is not None:
        _fields_by_model(layout, doc_type, found, field_model, review_below)
        _values_by_kind(layout, doc_type, found, field_model, review_below)
    for spec in doc_type.fields:
        missing = found.get(spec.name)
        if spec.labels and missing is not None and missing.problems == ("not found",):
            found[spec.name] = _hand_where_label_lost(pages, spec) or missing
    found = _cross_check(found, doc_type)
    _see_ink(found)
    _see_short_ink(found, pages)
    return found


def _cues_of_others(doc_type: DocumentType) -> dict[str, tuple[str, ...]]:
    """For each field, the folded section cues of the other fields sharing a label."""
    labels = {spec.name: {fold(label) for label in spec.labels} for spec in doc_type.fields}
    out: dict[str, tuple[str, ...]] = {}
    for spec in doc_type.fields:
        own = {fold(cue) for cue in spec.sections}
        out[spec.name] = tuple(
            cue
            for other in doc_type.fields
            if other.name != spec.name and labels[spec.name] & labels[other.name]
            for cue in (fold(c) for c in other.sections)
            if cue not in own
        )
    return out


# -- finding labels ---------------------------------------------------------------------


def _find_segments(
    page: PageText,
    labels: _Labels,
    section: str = "",
    unknown: list[_Segment] | None = None,
    cues: frozenset[str] = frozenset(),
) -> tuple[list[_Segment], str]:
    """Every 'label: value' on the page whose label is one of `labels`, and the section
    heading in force at the page's end (sections run on over pages).

    `others` are labels of other document types: they only mark where a value before
    them ends. The 'label: value' pairs whose label this type does not read go to
    `unknown` (when given), their wording kept for the field model.
    """
    segments = []
    for index, line in enumerate(page.lines):
        text = line.text
        if _is_heading(text) or (cues and _is_role_line(text, cues)):
            section = fold(text)
        colons = _label_colons(text) or _misread_colon(text, labels)
        if not colons:
            continue
        breaks = _gap_breaks(line)
        # A label wrapped in a narrow table cell ("Số định danh cá / nhân/CCCD/Hộ
        # chiếu:"): the line above, if it has no colon and starts where this one does.
        prefix = _label_head(page.lines, index)
        # Where each colon's label begins, so the value before it can be cut there.
        starts: list[tuple[int, str, float]] = []
        previous_end = 0
        for colon in colons:
            starts.append(
                _match_label(
                    text,
                    previous_end,
                    colon,
                    labels,
                    breaks,
                    prefix if previous_end == 0 else "",
                )
            )
            previous_end = colon + 1
        for k, colon in enumerate(colons):
            _, label, score = starts[k]
            own = bool(label) and label in labels.own
            if not own and unknown is None:
                continue
            end = starts[k + 1][0] if k + 1 < len(colons) else len(text)
            first_word = re.search(r"\S", text[colon + 1 : end])
            if first_word:  # a wide blank after the value: erased or absent leaders
                value_start = colon + 1 + first_word.start()
                end = min([end, *(b for b in breaks if value_start < b < end)])
            value = text[colon + 1 : end]
            ended = bool(_LEADERS.search(value)) or end < len(text.rstrip())
            if own:
                segments.append(
                    _Segment(page.number, index, label, score, colon + 1, end, ended, section)
                )
                continue
            # The wording from the end of the previous value (its leaders or a wide blank).
            lo = colons[k - 1] + 1 if k else 0
            cuts = [b for b in breaks if lo < b < colon]
            wording = clean_label(text[max([lo, *cuts]) : colon])
            if wording and unknown is not None:
                unknown.append(
                    _Segment(page.number, index, "", 0.0, colon + 1, end, ended, section, wording)
                )
    return segments, section


def _label_colons(text: str) -> list[int]:
    """The colons of the line that may end a label: not one read inside a value typed
    over leaders, with no blank since the previous colon ("tên:Trần.Văn.:Toàn...."),
    nor one glued inside words the leader's dots join ("trú: Ấp 3,.xã.Bát:Tràng")."""
    colons: list[int] = []
    for match in re.finditer(":", text):
        if colons and not re.search(r"\s", text[colons[-1] + 1 : match.start()]):
            continue
        glued = re.search(r"\S*$", text[: match.start()])
        if glued and _DOT_JOINED_WORDS.search(glued.group()) and text[match.end() :][:1].isalpha():
            continue
        colons.append(match.start())
    return colons


# A line's first colon read as a quote, a semicolon or a dot ("Kính gửi”. Công an xã …",
# "Kính gửi. Công an phường …").
_COLON_LOOKALIKE = re.compile(r"^\s*(?:\d+(?:\.\d+)*[.)]\s*)?([^:;\"“”.]{2,60}?)\s*[;\"“”.]")


def _misread_colon(text: str, labels: _Labels) -> list[int]:
    """Where a line with no colon has one misread right after one of the type's own
    labels; nothing when what stands before the mark is not such a label."""
    found = _COLON_LOOKALIKE.match(text)
    if found and fold(found.group(1)).strip(" .") in labels.own:
        return [found.end() - 1]
    return []


# Words a leader's dots join: a value typed over them ("xã.Bát", "Nguyễn.Quang").
_DOT_JOINED_WORDS = re.compile(r"[^\W\d_]\.[^\W\d_]")


# Section headings: a Roman numeral ("II. THÔNG TIN CỦA CHA", OCR may read "I." as
# "L." or "1."), or the words that open a party's block ("Thông tin bên nữ:", "BÊN NAM").
# Roman numbering, with OCR's look-alikes of I ("1V.", "lI.", "|I.") and of II ("H.").
_HEADING_NUMBER = re.compile(r"^\s*[IVXl1L|H]{1,4}\s*[.)]\s+[^\W\d]{2,}")
_HEADING_WORDS = re.compile(r"^\s*(?:[ivxl1|h]{1,4}\s*[.)]\s*)?(?:thong tin|ben nam|ben nu)\b")


_HEADING_START = re.compile(r"^\s*(?:[IVXl1L|H]{1,4}\s*[.)]|th|b[eêế])", re.IGNORECASE)


def _is_heading(text: str) -> bool:
    """A section heading: "II. THÔNG TIN CỦA CHA", "Thông tin bên nữ:", "BÊN NAM"."""
    stripped = text.strip()
    if not stripped or len(stripped) > 90 or not _HEADING_START.match(stripped):
        return False  # cheap test first: every line of every page comes here
    if _HEADING_WORDS.match(fold(stripped)):
        return True
    if not _HEADING_NUMBER.match(stripped):
        return False
    # "1. Họ và tên: ..." is a numbered field, not a heading: headings are capitals.
    letters = [ch for ch in stripped if ch.isalpha()]
    return sum(ch.isupper() for ch in letters) >= 0.8 * len(letters)


# What may open a line naming whose block follows: numbering, "Thông tin (về|của)",
# "Phần khai của" ("2. Thông tin về người yêu cầu:", "Người yêu cầu:").
_ROLE_LINE_OPENING = re.compile(
    r"^(?:(?:[ivx]{1,4}|\d{1,2})\s*[.)]\s*)?(?:thong tin\s+|phan\s+(?:ke\s+)?khai\s+)?"
    r"(?:(?:ve|cua)\s+)?"
)


def _is_role_line(text: str, cues: frozenset[str]) -> bool:
    """A line that only names whose block follows, as a catalogue section cue does,
    though not printed as a heading: "Người yêu cầu:", "Thông tin của mẹ". Not a field
    left blank whose label mentions a person ("Quan hệ với người yêu cầu:")."""
    stripped = text.strip()
    if not stripped or len(stripped) > 60 or _DIGIT.search(stripped, 3):
        return False
    head, _, after = stripped.partition(":")
    if normalise.strip_leaders(after):
        return False  # a value after the colon: a field, not a heading
    folded = fold(head)
    if len(folded.split()) > 8:
        return False
    rest = folded[_ROLE_LINE_OPENING.match(folded).end() :].strip(" .")
    if rest.startswith("nguoi ") and folded.startswith(("nguoi", "thong tin")):
        return True  # "Người được khai sinh:", "Thông tin người chết": a person's block
    return any(
        rest == cue or rest.startswith(cue + " ") or fuzz.ratio(rest, cue) >= 90 for cue in cues
    ) or any(
        cue.startswith(("cua ", "ve ")) and fuzz.ratio(rest, cue.split(" ", 1)[1]) >= 90
        for cue in cues
    )


def _label_head(lines: Sequence[Line], index: int) -> str:
    """The line above `index` when it may be the first part of a wrapped label."""
    if index == 0:
        return ""
    above, line = lines[index - 1], lines[index]
    # The rest of a wrapped label goes on in lower case ("nhân/CCCD/Hộ chiếu:").
    if not line.text[:1].islower():
        return ""
    if ":" in above.text:
        # "2. Ngày, tháng, năm sinh: ...... 3. Giới" over "tính: Nam": the label
        # begins after the last leader of the line above.
        # OCR may add specks around it: ". — 3, GIỚI :" (a colon read after the head).
        tail = _LEADERS.split(above.text)[-1].strip(" .,:;—–-")
        short = 0 < len(tail.split()) <= 3 and ":" not in tail
        return re.sub(r"^\d{1,2}[.,)]\s*", "", tail) if short else ""
    if _is_heading(above.text) or len(above.text) > 40:
        return ""
    height = line.bbox[3] - line.bbox[1]
    if height > 0 and (
        abs(above.bbox[0] - line.bbox[0]) > height or line.bbox[1] - above.bbox[3] > height
    ):
        return ""
    return above.text


def _gap_breaks(line: Line) -> list[int]:
    """Character positions in the line's text where a wide blank separates two words."""
    height = line.bbox[3] - line.bbox[1]
    if height <= 0:
        return []  # no boxes known
    breaks = []
    position = 0
    for word, following in pairwise(line.words):
        position += len(word.text)
        grid = _GRID_CELL.match(word.text) and _GRID_CELL.match(following.text)
        if following.bbox[0] - word.bbox[2] > _GAP_LINE_HEIGHTS * height and not grid:
            breaks.append(position)
        position += 1
    return breaks


# What OCR makes of one box of a digit grid: a digit, sometimes with the box's side
# read as a letter beside it ("I1", "1|"), or a look-alike alone ("O", "l").
_GRID_CELL = re.compile(r"^(?:[|Il\[\]/]?\d(?:[|Il\[\]/]?\d)?[|Il\[\]/]?|[OoIl|])$")
_GRID_LOOKALIKE = {"O": "0", "o": "0", "I": "1", "l": "1", "|": "1"}


def join_grid_digits(raw: str) -> str:
    """Digits typed one per box ("0 9 6 I1 9 ...") as one number; other text as it is."""
    tokens = raw.split()
    if len(tokens) < 6 or not all(_GRID_CELL.match(t) for t in tokens):
        return raw
    out = []
    for token in tokens:
        digits = "".join(ch for ch in token if ch.isdigit())
        # Twelve boxes, twelve digits: a box read twice across its side ("7/7") is one.
        # Two different digits in one box ("98") stay both: which one the box holds is
        # not known, and the number, no longer 12 digits, goes to a reviewer.
        if len(tokens) == 12 and digits and len(set(digits)) == 1:
            digits = digits[0]
        out.append(digits or _GRID_LOOKALIKE.get(token, token))
    return "".join(out)


@dataclass(frozen=True, slots=True)
class _Labels:
    """The folded labels a document type's fields read (`own`) and those of the other
    types (`others`, which only end a value), indexed by the word counts they match:
    a label of k words is tried against the last k-1, k and k+1 words before a colon."""

    own: frozenset[str]
    others: frozenset[str]
    by_words: dict[int, tuple[str, ...]]
    own_by_words: dict[int, tuple[str, ...]]

    @classmethod
    def of(cls, own: set[str], others: frozenset[str]) -> _Labels:
        by_words: dict[int, list[str]] = {}
        own_by_words: dict[int, list[str]] = {}
        for label in sorted(own | others):
            size = len(label.split())
            for n in (size - 1, size, size + 1):
                if n >= 1:
                    by_words.setdefault(n, []).append(label)
                    if label in own:
                        own_by_words.setdefault(n, []).append(label)
        return cls(
            frozenset(own),
            others,
            {n: tuple(v) for n, v in by_words.items()},
            {n: tuple(v) for n, v in own_by_words.items()},
        )


@functools.lru_cache(maxsize=64)
def _label_index(own: frozenset[str], others: frozenset[str]) -> _Labels:
    """Built once per document type and catalogue, not per page."""
    return _Labels.of(set(own), others)


def _match_label(
    text: str,
    lo: int,
    colon: int,
    labels: _Labels,
    breaks: Sequence[int],
    prefix: str = "",
) -> tuple[int, str, float]:
    """The label best matching the words before `colon` (from `lo` on), or with the
    words of `prefix` (the line above) in front of them when the label wrapped.

    Returns where the label starts in `text`, the folded label ('' if none), its score.
    An unknown label still gets a start: after the last dotted leader or wide blank
    before the colon, else its last word.
    """
    before = text[lo:colon]
    words = [(m.start() + lo, m.group()) for m in re.finditer(r"\S+", before)]
    own = len(words)
    if prefix and own:
        words = [(lo, word) for word in prefix.split()] + words
    best: tuple[int, str, float] = (colon, "", 0.0)
    for n in range(1, len(words) + 1):
        # Words of the line above complete only this type's labels.
        pool = (labels.by_words if n <= own else labels.own_by_words).get(n)
        if not pool:
            continue
        joined = " ".join(word for _, word in words[-n:])
        candidate = fold(_LABEL_TAIL.sub("", _FOOTNOTE.sub("", joined)))
        start = words[-n][0]
        for label, score, _ in process.extract(
            candidate, pool, scorer=fuzz.ratio, score_cutoff=85, limit=None
        ):
            score /= 100
            needed = 0.85 if len(label) >= 10 else 0.9
            rank = score + (0.01 if label in labels.own else 0.0)  # ties go to this type
            if score >= needed and (rank, len(label)) > (best[2], len(best[1])):
                best = (start, label, rank)
    if best[1]:
        return (best[0], best[1], min(best[2], 1.0))
    if not words:
        return (colon, "", 0.0)
    leaders = list(_LEADERS.finditer(before))
    cuts = [lo + leader.end() for leader in leaders] + [b for b in breaks if lo < b < colon]
    if cuts:
        return (max(cuts), "", 0.0)
    return (words[-1][0], "", 0.0)


# -- reading a value --------------------------------------------------------------------


def _read_field(layout: _Layout, spec: FieldSpec, review_below: float) -> ExtractedField | None:
    if spec.name == "document_date" and not spec.labels:
        return _read_date_line(layout.pages, review_below)
    wanted = {fold(label) for label in spec.labels}
    hits = [s for s in layout.segments if s.label in wanted]
    unsure_role = False
    # A shared label standing under the heading of another field that reads it ("Họ,
    # chữ đệm, tên" under "THÔNG TIN CỦA MẸ") is that person's, not this field's.
    theirs = layout.cues_of_others.get(spec.name, ())
    if theirs:
        hits = [
            s
            for s in hits
            if s.label not in layout.shared
            or not any(_in_section(cue, s.section) for cue in theirs)
        ]
    if spec.sections and layout.other_people:
        # Not under the heading of someone no field places (the deceased).
        hits = [
            s for s in hits if not any(_in_section(cue, s.section) for cue in layout.other_people)
        ]
    if spec.sections:
        # The person a label is about comes from the section it stands in ("II. THÔNG
        # TIN CỦA CHA"); a form without such sections keeps the labels that only this
        # field reads ("Họ, chữ đệm, tên người cha"), not the shared "Họ, chữ đệm, tên".
        cues = [fold(cue) for cue in spec.sections]
        inside = [s for s in hits if any(_in_section(cue, s.section) for cue in cues)]
        if inside:
            hits = inside
        elif any(_in_section(cue, s.section) for cue in cues for s in layout.segments):
            hits = []  # the section is there, the label not in it
        else:
            own = [s for s in hits if s.label not in layout.shared]
            unsure_role = not own
            hits = own or hits
    if len(hits) < spec.occurrence:
        return None
    first = _read_segment(layout, spec, hits[spec.occurrence - 1], review_below)
    if first.raw or spec.occurrence > 1:
        found = first
    else:
        # A label printed twice, first as a heading with nothing after it ("4. Vốn kinh
        # doanh:" over "Vốn kinh doanh: 200.000.000 đồng"): the next one that holds a
        # value, when the label is this field's alone.
        later = (
            _read_segment(layout, spec, hit, review_below)
            for hit in hits[1:]
            if hit.label not in layout.shared and _holds_text(layout, hit)
        )
        found = next((f for f in later if f.raw), first)
    if unsure_role:  # whose value it is no heading says
        found = dataclasses.replace(
            found,
            review=True,
            problems=(*found.problems, "role not shown by a section heading"),
        )
    elif len(hits) > 1 and spec.occurrence == 1 and found.value is not None and not found.review:
        # The label printed again, before another value (the person the form is about
        # and the applicant both have "Số định danh cá nhân"), and no section heading
        # said which is whose: the first one is only a guess.
        own_line = found_line(layout, found)
        for hit in hits:
            if hit.label in layout.ordered or (hit.page, hit.line_index) == (found.page, own_line):
                continue
            if not _holds_text(layout, hit):
                continue
            other = _read_segment(layout, spec, hit, review_below)
            if other.value is not None and other.value != found.value:
                found = dataclasses.replace(
                    found, review=True, problems=(*found.problems, "label found with other values")
                )
                break
    return found


def found_line(layout: _Layout, found: ExtractedField) -> int:
    """The index of the line the value was read on (-1 when unknown)."""
    if found.bbox is None or found.page is None:
        return -1
    page = next((p for p in layout.pages if p.number == found.page), None)
    if page is None:
        return -1
    top = found.bbox[1]
    for index, line in enumerate(page.lines):
        if line.bbox[1] <= top + 1 and top <= line.bbox[3]:
            return index
    return -1


def _holds_text(layout: _Layout, segment: _Segment) -> bool:
    page = next(p for p in layout.pages if p.number == segment.page)
    text = page.lines[segment.line_index].text[segment.start : segment.end]
    return bool(normalise.strip_leaders(text))


def _read_segment(
    layout: _Layout, spec: FieldSpec, segment: _Segment, review_below: float
) -> ExtractedField:
    page = next(p for p in layout.pages if p.number == segment.page)
    line = page.lines[segment.line_index]
    spans = [(line, segment.start, segment.end)]
    raw = normalise.strip_leaders(line.text[segment.start : segment.end])
    raw = _TRAILING_NUMBERING.sub("", raw).strip()
    following = page.lines[segment.line_index + 1 : segment.line_index + 3]
    if (
        not raw
        and following
        and ":" not in following[0].text
        and not _is_heading(following[0].text)
        and not (len(following) > 1 and _label_head(page.lines, segment.line_index + 2))
    ):
        # The value sits under its label (ID cards) rather than after it; not the next
        # section's heading nor the first line of a label wrapped in its cell.
        line, following = following[0], following[1:]
        spans = [(line, 0, len(line.text))]
        raw = normalise.strip_leaders(line.text)
        ended = False
    else:
        ended = segment.ended
    if (
        raw
        and spec.kind in (FieldKind.TEXT, FieldKind.ADDRESS)
        and not ended
        and following
        and _wraps_onto(page, line, following[0], layout.labels)
    ):
        spans.append((following[0], 0, len(following[0].text)))
        # The comma the first line ended with was stripped with its edge punctuation.
        _, lo, hi = spans[-2]
        comma = "," if spans[-2][0].text[lo:hi].rstrip().endswith(",") else ""
        raw = f"{raw}{comma} {normalise.strip_leaders(following[0].text)}"
    found = _finish(spec, raw, segment.score, page.number, spans, review_below)
    if (
        "cut short" in found.problems
        and len(spans) == 1
        and following
        and _goes_on_below(line, following[0])
    ):
        spans.append((following[0], 0, len(following[0].text)))
        raw = f"{raw} {normalise.strip_leaders(following[0].text)}"
        found = _finish(spec, raw, segment.score, page.number, spans, review_below)
    label_line = page.lines[segment.line_index]
    label_words = _words_in(label_line, 0, max(0, segment.start - 1))
    value_words = [w for line_, lo, hi in spans for w in _words_in(line_, lo, hi)]
    # Words that all have a Vietnamese syllable's shape were read as print reads: OCR's
    # doubt then says a damaged typed value (typed over dots), not a hand; the ink's
    # baseline is looked at all the same.
    if not reads_as_words(raw) and _looks_handwritten(label_words, value_words, read=bool(raw)):
        found = _as_handwritten(found, len(found.problems))
    elif raw and found.review and (page.ink is not None or any(ln.ink for ln, _, _ in spans)):
        # The ink is looked at once the fields are known (`_see_ink`), not here: many
        # reads are dropped for another, and a page's image costs more than the rest.
        boxes = [_union([w.bbox for w in _words_in(*span)]) for span in spans]
        found = dataclasses.replace(found, problems=(*found.problems, _InkToSee(page, boxes)))
    return found


def _as_handwritten(found: ExtractedField, at: int) -> ExtractedField:
    """`found` flagged `handwritten` in place of its problems' slot `at` (a read's doubt
    said by the hand, no longer as its own problem)."""
    before = tuple(p for p in found.problems[:at] if p not in ("uncertain reading", "empty"))
    after = found.problems[at + 1 :] if _waits_for_ink(found, at) else found.problems[at:]
    return dataclasses.replace(found, review=True, problems=(*before, "handwritten", *after))


class _InkToSee(str):
    """The slot in a value's problems where `handwritten` goes if its ink says so, with
    the page and the value's box on each line it spans: it rides along with the value
    through the steps that copy it and add problems after it, so once the fields are
    known (`_see_ink`) the problems come out as if the ink had been looked at when read."""

    page: PageText
    boxes: tuple[BBox | None, ...]

    def __new__(cls, page: PageText, boxes: Sequence[BBox | None]) -> _InkToSee:
        slot = super().__new__(cls, "handwritten?")
        slot.page, slot.boxes = page, tuple(boxes)
        return slot


def _waits_for_ink(found: ExtractedField, at: int) -> bool:
    return at < len(found.problems) and isinstance(found.problems[at], _InkToSee)


def _see_ink(found: dict[str, ExtractedField]) -> None:
    """The values whose ink waits to be looked at, flagged `handwritten` or not. Page by
    page, lowest value first: a page image is decoded once, only down to that value."""
    waiting = []
    for name, value in found.items():
        at = next((k for k in range(len(value.problems)) if _waits_for_ink(value, k)), None)
        if at is not None:
            slot = value.problems[at]
            assert isinstance(slot, _InkToSee)
            bottom = max((box[3] for box in slot.boxes if box is not None), default=0)
            waiting.append((slot.page.number, -bottom, name, at, slot))
    for _, _, name, at, slot in sorted(waiting, key=lambda w: w[:3]):
        if _ink_off_baseline(slot.page, slot.boxes):
            found[name] = _as_handwritten(found[name], at)
        else:
            problems = found[name].problems
            found[name] = dataclasses.replace(
                found[name], problems=problems[:at] + problems[at + 1 :]
            )


# A value of at most this many letters gives no baseline of its own ("Nam", "Nữ").
_SHORT_LETTERS = 3


def _see_short_ink(found: dict[str, ExtractedField], pages: Sequence[PageText]) -> None:
    """Values too short for a baseline of their own, sure ones too (a hand's "Nữ" reads
    as well as print), flagged `handwritten` when their letters stand off the line of the
    print before them, their label, and taller than it (`off_the_labels_line`)."""
    by_number = {page.number: page for page in pages}
    for name, value in found.items():
        page = by_number.get(value.page) if value.page is not None else None
        letters = [c for c in value.raw if c.isalnum()]
        if (
            page is None
            or value.bbox is None
            or "handwritten" in value.problems
            or not 0 < len(letters) <= _SHORT_LETTERS
            or not all(c.isalpha() for c in letters)  # digits: boxed, off the label's line
        ):
            continue
        height = print_height(page.lines)
        if height <= 0 or value.bbox[3] - value.bbox[1] > 2 * height:
            continue  # not one line
        margin = round(BAND_MARGIN * height)
        x0, y0, x1, y1 = value.bbox
        reach = round(LABEL_REACH * height)
        band = (x0, y0 - margin, x1, y1 + margin)
        pieces = stored_pieces(page.lines, band, height, reach=reach)
        if pieces is None and page.ink is not None:
            wide = (max(0, x0 - reach), y0 - margin, x1, y1 + margin)
            pieces = page_pieces(page.ink(wide), wide)
        if pieces is not None and off_the_labels_line(pieces, value.bbox, height):
            found[name] = _as_handwritten(value, len(value.problems))


# A value written by hand beside a printed label: OCR is much less sure of it than of
# the label, and its letters stand taller and more uneven than the print. Measured on
# the issue 13 development set (synthetic handwriting on real templates): typed values
# come at 0.9-1.1 times the label's height and within 0.1 of its confidence.
_HAND_HEIGHT = 1.25
_HAND_CONFIDENCE_GAP = 0.15


def _looks_handwritten(label: Sequence[Word], value: Sequence[Word], *, read: bool = True) -> bool:
    """Whether the value beside `label` was written by hand, from what OCR made of it.
    `read`: whether any value text was read (else only ink OCR could not read counts)."""
    if not label or not value:
        return False
    if not read:
        return _unread_hand(label, value)
    label_height = sorted(w.bbox[3] - w.bbox[1] for w in label)[len(label) // 2]
    if label_height <= 0:
        return False  # no boxes known
    value_height = sum(w.bbox[3] - w.bbox[1] for w in value) / len(value)
    label_conf = sum(w.confidence for w in label) / len(label)
    value_conf = sum(w.confidence for w in value) / len(value)
    return (
        value_height >= _HAND_HEIGHT * label_height
        and value_conf <= label_conf - _HAND_CONFIDENCE_GAP
    )


# Label words read at least this surely are print a value's ink is measured against.
_PRINTED_SURE = 0.8
# A blank whose value OCR could not read at all (nothing left after the label) but where
# it saw ink much taller than the print and barely readable: writing, not an empty blank.
_UNREAD_HEIGHT = 1.5
_UNREAD_CONFIDENCE = 0.5


def printed_height(label: Sequence[Word], value: Sequence[Word]) -> int:
    """The height of the label's print: its tallest surely read word (one with an accent
    or an ascender, where "sơ" gives only the x-height), leaving out a word that holds
    value ink too (the value glued to the label's colon)."""
    held = {id(w) for w in value}
    printed = [w for w in label if id(w) not in held and w.confidence >= _PRINTED_SURE]
    printed = printed or [w for w in label if id(w) not in held] or list(label)
    return max(w.bbox[3] - w.bbox[1] for w in printed)


def _unread_hand(label: Sequence[Word], value: Sequence[Word]) -> bool:
    height = printed_height(label, value)
    return height > 0 and any(
        w.bbox[3] - w.bbox[1] >= _UNREAD_HEIGHT * height and w.confidence < _UNREAD_CONFIDENCE
        for w in value
    )


# A value already going to review whose letters do not stand on one line: at most this
# share of them on a straight baseline (typed values: 0.85 as the median, 0.52 at the
# tenth percentile; synthetic handwriting 0.44 as the median, on the tuned split and
# copies of its templates). Only a value under review is looked at: a sure value stays
# as OCR and the checks left it, and a page's image is decoded only for such values.
_HAND_ON_BASELINE = 0.45


def _ink_off_baseline(page: PageText, boxes: Sequence[BBox | None]) -> bool:
    """Whether the value's ink, line by line (`boxes`: its part on each line it spans,
    each line its own baseline), leaves the baseline on every line that can tell: from
    the ink pieces stored with the page's lines, else from the page image."""
    height = print_height(page.lines)
    if height <= 0:
        return False
    margin = round(BAND_MARGIN * height)
    answered = False
    # The lowest line first: the page image is then decoded once, down to it.
    for box in sorted((b for b in boxes if b is not None), key=lambda b: -b[3]):
        band = (box[0], box[1] - margin, box[2], box[3] + margin)
        stored, share = stored_on_baseline(page.lines, band, height)
        if not stored:
            if page.ink is None:
                continue
            grey = page.ink(band)
            share = None if grey is None else letters_on_baseline(grey, height)
        if share is not None:
            if share >= _HAND_ON_BASELINE:
                return False  # a line on its baseline: print
            answered = True
    return answered


def _hand_where_label_lost(pages: Sequence[PageText], spec: FieldSpec) -> ExtractedField | None:
    """A field not found because the writing ate its label's colon ("1. Họ, chữ đệm và tên"
    then ink OCR could not read): a line opening with one of the field's labels, the rest
    of it unread ink (see `_unread_hand`). The field is flagged `handwritten` with the
    ink's box, for the reviewer."""
    wanted = [fold(label).strip(" :.") for label in spec.labels]
    for page in pages:
        for line in page.lines:
            words = list(line.words)
            if all(w.confidence >= _UNREAD_CONFIDENCE for w in words):
                continue  # every word read: no unread ink on this line
            start = 1 if words and _NUMBERING.match(words[0].text) else 0
            for end in range(start + 1, min(len(words), start + 10)):
                head = fold(" ".join(w.text for w in words[start:end])).strip(" :.")
                if not any(fuzz.ratio(head, label) >= 90 for label in wanted):
                    continue
                label, rest = words[start:end], words[end:]
                if rest and _unread_hand(label, rest):
                    bbox = _union([w.bbox for w in rest])
                    return ExtractedField(
                        spec.name, None, 0.0, page.number, bbox, "", True, ("handwritten",)
                    )
    return None


_NUMBERING = re.compile(r"^(?:\d{1,2}|[IVX]{1,4}|[a-zđ])[.)]$")


def _opens_with_label(text: str, labels: _Labels | None) -> bool:
    if labels is None:
        return False
    words = text.split()
    for n in range(1, min(len(words), 8) + 1):
        pool = labels.by_words.get(n)
        if pool and process.extractOne(
            fold(" ".join(words[:n])), pool, scorer=fuzz.ratio, score_cutoff=90
        ):
            return True
    return False


def forget_sections() -> None:
    """Drop the headings matched so far (a benchmark's cold start)."""
    _in_section.cache_clear()


@functools.lru_cache(maxsize=4096)
def _in_section(cue: str, section: str) -> bool:
    """Whether the folded heading `section` names the cue: its words, as many as the
    cue has, read alike (OCR slips forgiven), not merely some of its letters: "bên nữ"
    is not in "bên nam"."""
    if not section:
        return False
    words = re.findall(r"\w+", section)
    size = len(cue.split())
    return any(
        fuzz.ratio(cue, " ".join(words[i : i + size])) >= 90
        for i in range(max(1, len(words) - size + 1))
    )


def _wraps_onto(page: PageText, line: Line, following: Line, labels: _Labels | None) -> bool:
    """Whether `line` ran to the text's right edge and goes on in `following`: a line of
    its own kind (no label, no numbering) starting where it started, not indented like a
    new paragraph."""
    height = line.bbox[3] - line.bbox[1]
    text = following.text.strip()
    if not text or ":" in text or re.match(r"^(?:\d+[.)]|[IVX]+\.|[a-zđ]\))", text):
        return False
    if _opens_with_label(text, labels):
        return False  # the next row's label, its colon lost by OCR
    if height <= 0:  # no boxes known: trust the text alone
        return True
    right = max(other.bbox[2] for other in page.lines)
    return (
        line.bbox[2] >= right - _WRAP_RIGHT_LINE_HEIGHTS * height
        and abs(_text_left(following) - _text_left(line)) <= height
    )


def _text_left(line: Line) -> int:
    """Where the line's text starts: a speck read as "." or "'" before it does not count
    (". Rịa, tỉnh Bà Rịa - Vũng Tàu" read 130 px left of the line it goes on)."""
    for word in line.words:
        if any(ch.isalnum() for ch in word.text):
            return word.bbox[0]
    return line.bbox[0]


def _goes_on_below(line: Line, following: Line) -> bool:
    """A short line right under `line` and inside its width, no label on it: the end of
    a centred value that wrapped ("Kính gửi: Công an ..., thành phố Đà" over "Nẵng")."""
    height = line.bbox[3] - line.bbox[1]
    text = following.text.strip()
    if height <= 0 or not text or ":" in text or len(text.split()) > 4:
        return False
    return (
        0 <= following.bbox[1] - line.bbox[3] <= height
        and following.bbox[0] >= line.bbox[0] - height
        and following.bbox[2] <= line.bbox[2] + height
    )


def _read_date_line(pages: Sequence[PageText], review_below: float) -> ExtractedField | None:
    """The place-and-date line: 'Hà Nội, ngày 05 tháng 01 năm 2020'. From the OCR's
    lines first; when none holds it whole, from the words of each visual row: in a
    signature column beside another, Tesseract may cut the line in two blocks or join
    it to the neighbour's words."""
    found = _date_in_lines(pages, _page_lines)
    found = found or _date_in_lines(pages, _visual_rows)
    return _finish_date(found, review_below) if found else None


def _page_lines(page: PageText) -> Sequence[Line]:
    return page.lines


def _has_date_words(text: str) -> bool:
    folded = fold(text)
    return "ngay" in folded and "thang" in folded


def _date_in_lines(
    pages: Sequence[PageText], lines_of: Callable[[PageText], Sequence[Line]]
) -> _DateLine | None:
    fallback: _DateLine | None = None
    for page in pages:
        if lines_of is not _page_lines and not _has_date_words(page.text):
            continue  # rows are built only where the words stand apart
        for line in lines_of(page):
            if not _has_date_words(line.text):
                continue
            text = unicodedata.normalize("NFC", line.text)
            # "tháng O1", "tháng0l": a letter read for a digit of the date
            folded, offsets = fold_with_offsets(normalise.repair_numbers(text))
            folded = normalise.repair_date_words(folded)
            for match in _DATE_LINE.finditer(folded):
                before = folded[: match.start()]
                if _OTHER_DATE_BEFORE.search(before):
                    continue  # a birth, a death, an hour: not the document's date
                start, end = offsets[match.start()], offsets[match.end() - 1] + 1
                found = _DateLine(page, line, start, end)
                place = before.rsplit(",", 1)
                # "Hà Nội, ngày …": a place before the comma.
                if (
                    len(place) == 2
                    and not re.search(r"\d", place[0])
                    and len(place[0].split()) <= 6
                ):
                    return found
                fallback = fallback or found
    return fallback


@dataclass(frozen=True, slots=True)
class _DateLine:
    page: PageText
    line: Line
    start: int  # the date's characters in NFC(line.text), from "ngày" on
    end: int


def _visual_rows(page: PageText) -> list[Line]:
    """The page's words in rows by where they stand, whatever line or block the OCR put
    them in; each row left to right."""
    rows: list[list[Word]] = []
    for word in sorted((w for ln in page.lines for w in ln.words), key=_middle_y):
        if rows:
            last = rows[-1][-1]
            height = max(word.bbox[3] - word.bbox[1], last.bbox[3] - last.bbox[1])
            if abs(_middle_y(word) - _middle_y(rows[-1][0])) <= height / 2:
                rows[-1].append(word)
                continue
        rows.append([word])
    lines = []
    for row in rows:
        words = tuple(sorted(row, key=lambda w: w.bbox[0]))
        lines.append(Line(words, _union([w.bbox for w in words]) or words[0].bbox))
    return lines


def _middle_y(word: Word) -> float:
    return (word.bbox[1] + word.bbox[3]) / 2


def _finish_date(found: _DateLine, review_below: float) -> ExtractedField:
    spec = FieldSpec(name="document_date", kind=FieldKind.DATE)
    text = unicodedata.normalize("NFC", found.line.text)
    span = [(found.line, found.start, found.end)]
    raw = text[found.start : found.end]
    return _finish(spec, raw, 1.0, found.page.number, span, review_below)


def _finish(
    spec: FieldSpec,
    raw: str,
    label_score: float,
    page: int,
    spans: Sequence[tuple[Line, int, int]],
    review_below: float,
) -> ExtractedField:
    words = [word for line, lo, hi in spans for word in _words_in(line, lo, hi)]
    letters = sum(len(w.text) for w in words)
    ocr_confidence = sum(w.confidence * len(w.text) for w in words) / letters if words else 0.0
    bbox = _union([w.bbox for w in words])
    problems: list[str] = []
    value: Value | None
    stripped = _strip_markers(raw)
    if raw and not stripped:
        problems.append("footnote marker")  # "®", "(1)", "¹": what a blank form shows
    raw = stripped
    if spec.kind is FieldKind.ID_NUMBER:
        raw = join_grid_digits(raw)
    elif spec.kind in (FieldKind.TEXT, FieldKind.ADDRESS, FieldKind.NAME):
        # Dots of a leader the value was typed over, read between its words
        # ("xã.Nghi.Phong", "Đăng. ký. thường trú").
        raw = _COLON_BETWEEN_LETTERS.sub(" ", raw)  # "Trần.Văn.:Toàn": a speck
        raw = " ".join(_DOT_BETWEEN_LETTERS.sub(" ", raw).split())
        raw = _STRAY_QUOTES.sub("", raw)  # Vietnamese has no apostrophes: OCR specks
    if spec.kind is FieldKind.NAME:
        # The next item's number, its dot lost: "Nguyễn Thanh Nam 8 Mối quan hệ …:".
        raw = _ITEM_NUMBER_AFTER.sub("", raw)
    problems += _doubtful(spec.kind, raw)
    weakest = min((w.confidence for w in words if w.text.strip(".…_:")), default=1.0)
    if raw and not problems and weakest < WORD_REVIEW_BELOW:
        problems.append("uncertain reading")  # a misread mark passes every other check
    if spec.kind is FieldKind.ID_NUMBER:
        checked = check_id_number(raw)
        value, problems = checked.value, list(checked.problems)
        if value is not None and weakest < DIGIT_UNSURE_BELOW:
            problems.append("uncertain reading")  # a box of a digit grid not read sure
    elif spec.kind is FieldKind.DOSSIER_CODE:
        code = check_dossier_code(raw)
        value, problems = code.value, list(code.problems)
    else:
        value = NORMALISERS[spec.kind](raw) if raw else None
        if raw and value is None:
            problems.append(f"cannot read {raw!r} as {spec.kind.value}")
        elif isinstance(value, str) and spec.kind in (FieldKind.TEXT, FieldKind.ADDRESS):
            value = respell_places(value)  # "huyện Nghỉ Lộc": a slip of OCR's marks
    named = spec.kind is FieldKind.NAME and isinstance(value, str)
    if named and not problems and _spelled_unknown(str(value)):
        problems.append("word not in the Vietnamese word list")
    if not raw and not problems:
        problems.append("empty")
    if problems and value is not None and any(p in _NOT_A_VALUE for p in problems):
        value = None  # a marker, placeholder or instruction is no value at all
    confidence = label_score * ocr_confidence * (0.5 if problems else 1.0)
    review = bool(problems) or confidence < review_below
    return ExtractedField(spec.name, value, confidence, page, bbox, raw, review, tuple(problems))


def _spelled_unknown(name: str) -> bool:
    """Whether a word of the name is not in the Vietnamese word list: a misread mark that
    read as another real letter ("Quấc") or a name of a Tây Nguyên people ("Ksor"), for
    a person to look at. False without a word list."""
    return any(is_word(word) is False for word in re.split(r"[\s\-'’]+", name) if word)


# Footnote markers glued to a value: "(1)", "¹", and "®"/"©"/"*" that OCR makes of a
# superscript "(1)" ("® Ủy ban nhân dân xã ...").
_MARKER = r"(?:\(\s*\d{1,2}\s*\)|[®©¹²³⁴⁵⁶⁷⁸⁹⁰*]+|\d\)(?=\s))"
_LEADING_MARKER = re.compile(rf"^(?:{_MARKER}\s*[:.]?\s*)+")
_TRAILING_MARKER = re.compile(rf"(?:\s*{_MARKER})+$")
_PLACEHOLDER = re.compile(r"\{\{.*?\}\}|\{\w+\}|<<.*?>>|\[\[.*?\]\]|^[.…_\-–—\s/]*$")
# Words that open a printed instruction or hint rather than a value.
_INSTRUCTION = re.compile(
    r"^\(?\s*(?:ghi ro|ghi bang|ghi theo|ky,|ky ten|ky va|neu co|theo mau|vi du|"
    r"dien vao|danh dau|chu ky)"
)
_NOT_A_VALUE = frozenset(
    {"footnote marker", "placeholder", "printed instruction", "printed part of the label"}
)
_DOT_BETWEEN_LETTERS = re.compile(
    r"(?<=[^\W\d_]{2})\.(?=\s?[^\W_])|(?<=\d)\.(?=\s?[^\W\d_])|(?<=,)\.|\.(?=,)"
)
# What a form prints before the blank of an addressee: a value of this alone is the
# blank left empty ("Kính gửi: Ủy ban nhân dân ......").
_STUBS = frozenset({"uy ban nhan dan", "ubnd", "cong an", "truong cong an", "so", "ong/ba"})
_PROVINCE_IN_TEXT = re.compile(r"\btinh\s+([a-z][a-z -]*)$")
_COLON_BETWEEN_LETTERS = re.compile(r"(?<=[^\W\d_])\.?:(?=[^\W\d_])")
_STRAY_QUOTES = re.compile(r"['‘’`´]")
# A place ending on the word that should open its name: "..., tỉnh" (the name wrapped
# onto a line not read).
_ENDS_ON_PLACE_WORD = re.compile(r"(?:\b(?:tinh|thanh pho|huyen|quan|xa|phuong|thi tran))$")
_NAME_WORD = re.compile(r"^[^\W\d_]+$")


@functools.cache
def _province_names() -> frozenset[str]:
    return frozenset(fold(name) for name in load_provinces().values())


_CITY_IN_TEXT = re.compile(r"\b(?:thanh pho|tinh)\s+([a-z][a-z -]*)$")


def _opens_province(words: str) -> bool:
    """Whether `words` are the first words of a province's name and not a whole one
    ("ba", "ba ria - vung", "da"): a value cut where its line wrapped."""
    words = " ".join(words.replace("-", " ").split())
    names = _province_names_spaced()
    return (
        bool(words) and words not in names and any(name.startswith(words + " ") for name in names)
    )


@functools.cache
def _province_names_spaced() -> frozenset[str]:
    return frozenset(" ".join(name.replace("-", " ").split()) for name in _province_names())


def _strip_markers(raw: str) -> str:
    text = _LEADING_MARKER.sub("", raw.strip())
    text = _TRAILING_MARKER.sub("", text)
    return normalise.strip_leaders(text) if text != raw.strip() else text


def _doubtful(kind: FieldKind, raw: str) -> list[str]:
    """Why `raw` cannot be trusted as a value of `kind`, even if it can be normalised:
    a placeholder left by a template, a printed instruction, garbled or wrong-kind text."""
    if not raw:
        return []
    if _PLACEHOLDER.search(raw):
        return ["placeholder"]
    folded = fold(raw)
    if _INSTRUCTION.match(folded) or (raw.startswith("(") and raw.endswith(")")):
        return ["printed instruction"]
    letters = sum(ch.isalpha() for ch in raw)
    digits = sum(ch.isdigit() for ch in raw)
    odd = sum(not (ch.isalnum() or ch.isspace() or ch in ",.-/()'") for ch in raw)
    if odd > max(1, len(raw) // 10):
        return ["garbled"]
    if folded.strip(" .,") in _STUBS:
        return ["printed part of the label"]
    province = _PROVINCE_IN_TEXT.search(folded)
    if (
        kind in (FieldKind.TEXT, FieldKind.ADDRESS)
        and province
        and province.group(1).strip() not in _province_names()
    ):
        return ["cut short"]  # "..., tỉnh Khánh": the rest wrapped onto a line not read
    city = _CITY_IN_TEXT.search(folded.rstrip(" ,.-"))
    if kind in (FieldKind.TEXT, FieldKind.ADDRESS) and city and _opens_province(city.group(1)):
        return ["cut short"]  # "..., thành phố Đà": the rest ("Nẵng") on a line not read
    if kind in (FieldKind.TEXT, FieldKind.ADDRESS) and _ENDS_ON_PLACE_WORD.search(
        folded.rstrip(" ,.")
    ):
        return ["cut short"]
    if (kind is FieldKind.DATE and normalise.read_through_leaders(raw)) or (
        kind is FieldKind.PHONE and normalise.phone_read_through_leaders(raw)
    ):
        return ["digits split by leader dots"]  # "1,6/1.1/1.894": a 9 read as 8 beside
    if kind is FieldKind.DATE and raw.count("/") > 2 and normalise.normalise_date(raw):
        # "10/08/1961 / —": typed over the blank's own printed slashes, which cross its
        # digits (1991 was read 1961 so).
        return ["typed over the printed slashes"]
    if kind is FieldKind.NAME:
        words = raw.split()
        if digits or not 2 <= len(words) <= 7 or not all(_NAME_WORD.match(w) for w in words):
            return ["not a name"]
    elif (kind is FieldKind.TEXT and letters < 2) or (
        kind is FieldKind.ADDRESS and (letters < 3 or (len(raw.split()) < 2 and letters < 5))
    ):
        return ["too short"]  # a relation may be "Mẹ"; an address is never one short word
    return []


def _words_in(line: Line, lo: int, hi: int) -> list[Word]:
    """The words of `line` overlapping the span [lo, hi) of its text, leaders left out."""
    out = []
    position = 0  # the line's text is its words joined by single spaces
    for word in line.words:
        end = position + len(word.text)
        if end > lo and position < hi and word.text.strip(".…_:"):
            out.append(word)
        position = end + 1
    return out


def _union(boxes: Sequence[BBox]) -> BBox | None:
    """The box around those of `boxes` that have an area; None if none has."""
    real = [b for b in boxes if b[2] > b[0] and b[3] > b[1]]
    return union_box(real) if real else None


# -- values known by their kind ----------------------------------------------------------

# Twelve digits in a row, grouped or one per box of a grid ("0 7 9 I1 8 ...").
_ID_CANDIDATE = re.compile(
    r"(?<![\w])(?:(?:[\dIlO|]{1,2}\s+){5,}[\dIlO|]{1,2}|\d(?:[ .]?\d){11})(?![\w])"
)


def _ids_by_kind(
    layout: _Layout, doc_type: DocumentType, found: dict[str, ExtractedField], review_below: float
) -> None:
    """ID numbers whose label was not read ("Giấy tờ tùy thân: Căn cước công dân số
    079..."), recognised by what they are: twelve digits opening with a known province
    code and a century-and-sex digit. Sure only when one number and one field are left
    (in the field's section, if the form has sections); otherwise flagged for review."""
    specs = [spec for spec in doc_type.fields if spec.kind is FieldKind.ID_NUMBER]
    missing = [s for s in specs if found.get(s.name) is None or found[s.name].value is None]
    if not missing:
        return
    taken = {str(f.value) for f in found.values() if f.value is not None}
    candidates: list[tuple[PageText, Line, re.Match[str], str, str]] = []
    section = ""
    for page in layout.pages:
        for line in page.lines:
            if _is_heading(line.text):
                section = fold(line.text)
            for match in _ID_CANDIDATE.finditer(line.text):
                checked = check_id_number(join_grid_digits(match.group()))
                value = checked.value
                if checked.problems or value is None or value in taken:
                    continue
                taken.add(value)
                candidates.append((page, line, match, section, value))
    sections = layout.sections | {c[3] for c in candidates if c[3]}
    for spec in missing:
        pool = candidates
        cues = [fold(cue) for cue in spec.sections]
        has_section = any(_in_section(cue, s) for cue in cues for s in sections)
        if has_section:  # the number must stand in the field's section
            pool = [c for c in candidates if any(_in_section(cue, c[3]) for cue in cues)]
        if not pool:
            continue
        page, line, match, _, _ = pool[0]
        result = _finish(
            spec, match.group(), 0.9, page.number, [(line, *match.span())], review_below
        )
        if len(pool) > 1 or len(missing) > 1:
            result = dataclasses.replace(
                result, review=True, problems=(*result.problems, "several ID numbers, no label")
            )
        elif cues and not has_section:  # whose number it is, no heading says
            result = dataclasses.replace(
                result,
                review=True,
                problems=(*result.problems, "role not shown by a section heading"),
            )
        found[spec.name] = result
        candidates.remove(pool[0])


def _values_by_opening(
    layout: _Layout, doc_type: DocumentType, found: dict[str, ExtractedField], review_below: float
) -> None:
    """Fields whose every value opens with set words (`FieldSpec.opens_with`): a value
    read by its label that does not is flagged; one that does, after any colon of the
    document ("Tên cơ sở: HỘ KINH DOANH …"), is the field's. Sure only when it is the
    one such value."""
    for spec in doc_type.fields:
        if not spec.opens_with:
            continue
        openings = tuple(fold(words) for words in spec.opens_with)
        current = found.get(spec.name)
        if current is not None and fold(str(current.value)).startswith(openings):
            continue
        options: list[ExtractedField] = []
        for page in layout.pages:
            for line in page.lines:
                folded, offsets = fold_with_offsets(line.text)
                for opening in openings:
                    for match in re.finditer(rf":\s*({re.escape(opening)}\b[^:]*)$", folded):
                        start = offsets[match.start(1)]
                        raw = _LEADERS.split(line.text[start:])[0]
                        if len(raw.split()) <= len(opening.split()):
                            continue  # the words alone: a blank or a printed phrase
                        end = start + len(raw)
                        options.append(
                            _finish(spec, raw, 1.0, page.number, [(line, start, end)], review_below)
                        )
        values = {option.value for option in options if option.value is not None}
        if len(values) == 1:
            found[spec.name] = next(o for o in options if o.value is not None)
        elif values:
            first = next(o for o in options if o.value is not None)
            found[spec.name] = dataclasses.replace(
                first, review=True, problems=(*first.problems, "several values of its kind")
            )
        elif current is not None and current.value is not None:
            found[spec.name] = dataclasses.replace(
                current,
                review=True,
                problems=(*current.problems, f"does not open with {spec.opens_with[0]!r}"),
            )


# -- fields named by the learned model ----------------------------------------------------

# The model's probability, among this type's fields and "no field", above which its
# guess is returned sure (below, it goes to a reviewer with the problem named).
MODEL_SURE = 0.8
_MODEL_LEAST = 0.4  # below this the guess is not returned at all
# Any text fits a text or address field, so the value's look backs the label less than
# a name, a date or twelve digits do: "Địa chỉ nơi làm việc" is 0.82 an address.
MODEL_SURE_TEXT = 0.9
_ANY_TEXT = frozenset({FieldKind.TEXT, FieldKind.ADDRESS})
# A value read after a label several people's blocks print, whose role nothing showed:
# a label naming the role ("Họ tên người đi khai") that the model knows replaces it.
_ROLE_UNSURE = frozenset(
    {
        "role not shown by a section heading",
        "label found with other values",
        "several ID numbers, no label",
    }
)


def _fields_by_model(
    layout: _Layout,
    doc_type: DocumentType,
    found: dict[str, ExtractedField],
    model: FieldModel,
    review_below: float,
) -> None:
    """Fields the catalogue's labels did not find, read after a label wording it does
    not know ("Tôi là", "Ngày mất") that the model names, given the value's look (a
    name, a date, twelve digits). A field whose role a section heading gives
    ("THÔNG TIN CỦA CHA") is taken only from inside that section when the form has it."""
    missing = {
        spec.name: spec
        for spec in doc_type.fields
        if found.get(spec.name) is None
        or found[spec.name].value is None
        or _ROLE_UNSURE.intersection(found[spec.name].problems)
    }
    if not missing or not layout.unknown:
        return
    classes = {spec.name for spec in doc_type.fields} | {NONE}
    wanted = {kind for spec in missing.values() for kind in accepted_kinds(spec.kind)}
    sections = layout.sections
    # Where the values already found were read: one place holds one field's value, but
    # one value may be two fields' (the applicant of a birth is often its mother).
    # The places of the fields asked again are free: their values are up for review.
    taken = {(f.page, f.bbox) for k, f in found.items() if f.value is not None and k not in missing}
    guesses: dict[str, list[tuple[float, ExtractedField]]] = {}
    for segment in layout.unknown:
        page = next(p for p in layout.pages if p.number == segment.page)
        kind = value_kind(page.lines[segment.line_index].text[segment.start : segment.end])
        below = page.lines[segment.line_index + 1 : segment.line_index + 2]
        if kind == "empty" and below and ":" not in below[0].text:
            kind = value_kind(below[0].text)  # the value under its label, as on ID cards
        if kind not in wanted:
            continue  # a value no missing field can hold
        probabilities = model.probabilities(segment.wording, kind)
        mine = {k: v for k, v in probabilities.items() if k in classes}
        total = sum(mine.values())
        if not total:
            continue
        name, p = max(mine.items(), key=lambda item: item[1])
        p /= total
        by_heading = _role_by_heading(doc_type, missing, segment.section, kind, mine, total)
        if by_heading is not None:
            name, p = by_heading
        spec = missing.get(name)
        if (spec is None or p < _MODEL_LEAST) and name != NONE:
            # The model names a field already found, or one too weakly: a word of a
            # missing field's own labels may say which it is.
            by_words = _field_by_own_word(doc_type, missing, segment.wording, kind)
            if by_words is None:
                continue
            spec, p = by_words, _BY_OWN_WORD
        if spec is None or p < _MODEL_LEAST or not accepts(spec.kind, kind):
            continue
        if spec.sections:
            cues = [fold(cue) for cue in spec.sections]
            inside = any(_in_section(cue, segment.section) for cue in cues)
            if not inside and any(_in_section(cue, s) for cue in cues for s in sections):
                continue  # the form has the field's section; this label is not in it
        result = _read_segment(layout, spec, dataclasses.replace(segment, score=1.0), review_below)
        if result.value is None or (result.page, result.bbox) in taken:
            continue
        if not _role_known(segment.wording, spec):
            # "Họ và tên người làm chứng": the model knows "Họ và tên", not this person.
            result = dataclasses.replace(
                result, review=True, problems=(*result.problems, "person not known for the field")
            )
        foreign = sum(v for k, v in probabilities.items() if k not in classes)
        own = sum(probabilities.get(f.name, 0.0) for f in doc_type.fields if f.kind is spec.kind)
        if foreign > own:
            # "Họ và tên cha" on a form with no father: the model rather names a field
            # of other forms, so this field's share among the form's own is no proof.
            result = dataclasses.replace(
                result, review=True, problems=(*result.problems, "label of another form's field")
            )
        guesses.setdefault(spec.name, []).append((p, result))
    for name, options in guesses.items():
        options.sort(key=lambda option: -option[0])
        p, result = options[0]
        current = found.get(name)
        if current is not None and current.value is not None and p < MODEL_SURE:
            continue  # a shared label's value, whose role no heading gave, stays flagged
        spec = next(spec for spec in doc_type.fields if spec.name == name)
        unsure = p < (MODEL_SURE_TEXT if spec.kind in _ANY_TEXT else MODEL_SURE)
        found[name] = _model_guess(
            options, unsure, "label not in the catalogue", "label found with other values"
        )


# Values known by their look wherever they stand, in folded text: a date ("ngày 5 tháng
# 3 năm 2024", "05/03/2024"), an amount of money ("200.000.000 đồng", maybe followed by
# the amount in words), a land parcel or map sheet number after the words that name it
# in land papers ("thửa đất số 355", "số thửa 355", "tờ bản đồ số 12"): group 1 holds the
# value, the words before it (or, for parcels, the naming words) say which field it is.
_BY_KIND: tuple[tuple[str, re.Pattern[str]], ...] = (
    (
        "date",
        re.compile(
            r"((?:ngay\W{0,3}\d{1,2}\W{0,3}thang\W{0,3}\d{1,2}\W{0,3}nam\W{0,3}\d{4}"
            r"|(?<![\d/])\d{1,2}\s*[/.\-]\s*\d{1,2}\s*[/.\-]\s*\d{4}))(?!\d)"
        ),
    ),
    ("money", re.compile(r"(?<![\d.,])(\d{1,3}(?:[.,]\d{3})+\s*(?:dong|vnd|vnđ)\b)")),
    (
        "number",
        re.compile(
            r"(?:^|\W)((?:so\s+)?(?:thua(?:\s+dat)?|to\s+ban\s+do)(?:\s+so)?)"
            r"\s*[:.]?\s*(\d{1,5})(?![\d/]|[.,]\d)"
        ),
    ),
)
_CONTEXT_WORDS = 6  # the words before a value taken as its label
# "10 giờ 30 phút," before a date: the time is part of the value, not of its label.
_TIME_OF_DAY = re.compile(r"\d{1,2}\s*(?:giờ|h)(?:\s*\d{1,2}\s*phút)?\s*,?", re.IGNORECASE)


def _role_by_heading(
    doc_type: DocumentType,
    missing: dict[str, FieldSpec],
    section: str,
    kind: str,
    mine: dict[str, float],
    total: float,
) -> tuple[str, float] | None:
    """The field a label under a person's heading names ("Họ và tên" under "THÔNG TIN
    CỦA MẸ"): the model says what the label asks (its probability summed over the
    fields of that kind), the heading whose it is (a missing field with that section).
    None when no field's section is the label's."""
    if not section:
        return None
    here = [
        spec
        for spec in missing.values()
        if spec.sections
        and accepts(spec.kind, kind)
        and any(_in_section(fold(cue), section) for cue in spec.sections)
    ]
    if len({spec.kind for spec in here}) != 1:
        return None  # no field of that look under this heading, or several kinds
    spec = max(here, key=lambda s: mine.get(s.name, 0.0))
    family = sum(mine.get(other.name, 0.0) for other in doc_type.fields if other.kind is spec.kind)
    return spec.name, family / total


# How sure a field named by a word of its own labels is: never sure (a reviewer looks).
_BY_OWN_WORD = 0.5
_WORD = re.compile(r"[a-z]+")


def _field_by_own_word(
    doc_type: DocumentType, missing: dict[str, FieldSpec], wording: str, kind: str
) -> FieldSpec | None:
    """The missing field an unknown label names by a word that, among the fields that
    can hold a value of this look, only that field's labels have ("Thời gian chết" and
    "Đã chết vào lúc" for a date): the model, trained on few wordings of a field, may
    not know the wording, but the word says whose the value is. None when no word, or
    words of several fields, say so."""
    owners: dict[str, set[str]] = {}
    for spec in doc_type.fields:
        if accepts(spec.kind, kind):
            for label in spec.labels:
                for word in _WORD.findall(fold(label)):
                    owners.setdefault(word, set()).add(spec.name)
    named = {
        next(iter(owners[word]))
        for word in _WORD.findall(fold(wording))
        if len(owners.get(word, ())) == 1
    }
    if len(named) != 1:
        return None
    return missing.get(named.pop())


_ROLE_WORDS = re.compile(r"\bnguoi\s+(.+)$")


def _role_known(wording: str, spec: FieldSpec) -> bool:
    """Whether the person a label names ("… người làm chứng": the words after "người")
    is one the field's own labels name; a label naming nobody passes."""
    found = _ROLE_WORDS.search(fold(wording))
    if not found:
        return True
    role = " ".join(found.group(1).split()[:3])
    known = [m.group(1) for label in spec.labels if (m := _ROLE_WORDS.search(fold(label)))]
    return any(fuzz.partial_ratio(role, other) >= 85 for other in known)


def _values_by_kind(
    layout: _Layout,
    doc_type: DocumentType,
    found: dict[str, ExtractedField],
    model: FieldModel,
    review_below: float,
) -> None:
    """Dates, amounts and parcel numbers of fields still missing, found by their look on
    any line, and named by the model from the words just before them (the nearest
    label: "đã chết vào lúc 10 giờ, ngày …", "thửa đất số 355"). Sure only when the
    model is sure and one value is left for the field."""
    missing = {
        spec.name: spec
        for spec in doc_type.fields
        if spec.labels
        and spec.kind in (FieldKind.DATE, FieldKind.MONEY, FieldKind.INTEGER)
        and (found.get(spec.name) is None or found[spec.name].value is None)
    }
    if not missing:
        return
    classes = {spec.name for spec in doc_type.fields} | {NONE}
    # Where the values already found were read: one place holds one field's value, but
    # one value may be two fields' (the applicant of a birth is often its mother).
    # The places of the fields asked again are free: their values are up for review.
    taken = {(f.page, f.bbox) for k, f in found.items() if f.value is not None and k not in missing}
    guesses: dict[str, list[tuple[float, ExtractedField]]] = {}
    for page in layout.pages:
        for index, line in enumerate(page.lines):
            text = line.text
            if not _DIGIT.search(text):
                continue
            folded, offsets = fold_with_offsets(text)
            for kind, pattern in _BY_KIND:
                for match in pattern.finditer(folded):
                    if kind == "number":
                        context = text[offsets[match.start(1)] : offsets[match.end(1) - 1] + 1]
                        group = 2
                    else:
                        before = text[: offsets[match.start(1)]]
                        before = _LEADERS.split(before.split(":")[-1])[-1]
                        before = _TIME_OF_DAY.sub(" ", before)  # part of the value
                        context = " ".join(before.split()[-_CONTEXT_WORDS:])
                        group = 1
                    label = clean_label(context)
                    if not label and index and not _LETTER.search(context):
                        # A value opening its line: the label is the line above, when
                        # that is a short label with no value ("Ngày, giờ chết" over it).
                        above = page.lines[index - 1].text
                        if not _DIGIT.search(above):
                            label = clean_label(above.rstrip(" :"))
                    if not label:
                        continue
                    start = offsets[match.start(group)]
                    end = offsets[match.end(group) - 1] + 1
                    probabilities = model.probabilities(label, kind)
                    mine = {k: v for k, v in probabilities.items() if k in classes}
                    total = sum(mine.values())
                    name, p = max(mine.items(), key=lambda item: item[1])
                    spec = missing.get(name)
                    if spec is None or not total or p / total < _MODEL_LEAST:
                        continue
                    if not accepts(spec.kind, kind):
                        continue
                    result = _finish(
                        spec, text[start:end], 1.0, page.number, [(line, start, end)],
                        review_below,
                    )  # fmt: skip
                    if result.value is None or str(result.value) in taken:
                        continue
                    if not _role_known(label, spec):
                        result = dataclasses.replace(
                            result,
                            review=True,
                            problems=(*result.problems, "person not known for the field"),
                        )
                    guesses.setdefault(name, []).append((p / total, result))
    for name, options in guesses.items():
        options.sort(key=lambda option: -option[0])
        unsure = options[0][0] < MODEL_SURE
        found[name] = _model_guess(
            options,
            unsure,
            "found by its kind, label not in the catalogue",
            "several values of its kind",
        )


def _model_guess(
    options: Sequence[tuple[float, ExtractedField]], unsure: bool, why_unsure: str, why_others: str
) -> ExtractedField:
    """The model's likeliest reading of a field (`options` best first, each with the
    model's probability), its confidence scaled by that probability and flagged with
    `why_unsure` when the model is `unsure`, with `why_others` when another option
    reads another value."""
    p, result = options[0]
    problems = list(result.problems)
    if unsure:
        problems.append(why_unsure)
    if any(other.value != result.value for _, other in options[1:]):
        problems.append(why_others)
    return dataclasses.replace(
        result,
        confidence=result.confidence * p,
        review=result.review or bool(problems),
        problems=tuple(dict.fromkeys(problems)),
    )


# -- checks across fields ---------------------------------------------------------------


def _cross_check(
    found: dict[str, ExtractedField], doc_type: DocumentType
) -> dict[str, ExtractedField]:
    """ID numbers against the date of birth and sex on the same document; a text field
    holding a person's name read for a name field (the owner's name under a business-name
    wording the catalogue does not know) is not sure."""
    names = {
        fold(str(f.value)): f.name
        for spec in doc_type.fields
        if spec.kind is FieldKind.NAME and (f := found.get(spec.name)) and f.value is not None
    }
    for spec in doc_type.fields:
        current = found.get(spec.name)
        if spec.kind is not FieldKind.TEXT or current is None or current.value is None:
            continue
        other = names.get(fold(str(current.value)))
        if other:  # said even when flagged already: the likeliest reason
            found[spec.name] = dataclasses.replace(
                current, review=True, problems=(*current.problems, f"same value as {other}")
            )
    for spec in doc_type.fields:
        if spec.kind is not FieldKind.ID_NUMBER or spec.name not in found:
            continue
        current = found[spec.name]
        if current.value is None:
            continue
        dob, sex = _person_facts(found, spec)
        checked = check_id_number(str(current.value), dob=dob, sex=sex)
        problems = tuple(dict.fromkeys((*current.problems, *checked.problems)))
        if problems != current.problems:
            found[spec.name] = ExtractedField(
                current.name,
                current.value,
                current.confidence * 0.5,
                current.page,
                current.bbox,
                current.raw,
                True,
                problems,
            )
    return found


def _person_facts(
    found: dict[str, ExtractedField], spec: FieldSpec
) -> tuple[str | None, str | None]:
    if spec.check_with:
        names = spec.check_with
    else:
        person = {"id_number": "applicant", "spouse_id_number": "spouse"}.get(spec.name)
        if person is None:
            return None, None  # whose number it is the catalogue does not say
        names = (f"{person}_dob", f"{person}_birth_year", f"{person}_sex")
    dob: str | None = None
    sex: str | None = None
    for name in names:
        item = found.get(name)
        if item is None or item.value is None or item.review:
            continue
        if name.endswith("_sex"):
            sex = str(item.value)
        elif name.endswith("_birth_year"):
            dob = dob or f"{item.value}-01-01"
        else:
            dob = str(item.value)
    return dob, sex
