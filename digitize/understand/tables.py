"""Tables read as rows (issue 13): the household members of Mẫu CT01, one row per person.

The pipeline finds each ruled table's grid on the page (`imaging.tables`, kept in the
page report as `tables`); here the page's words are put into the grid's cells by their
centres, so a row comes out as a row whatever lines OCR made of it, rows in the order
they stand on paper. A table is known by its header cells, matched against the
columns' headers in `data/catalogue/tables.toml`; each body cell is then read like a
field of its column's kind, with the same `review` and `problems`:

- an empty cell in a filled row: value null, `empty`; a cell of only leaders or a
  placeholder: value null, `placeholder`;
- a value that cannot be read as its kind: `cannot read '…' as date`;
- an ID number checked like `id_number` (12 digits, province code, century digit) and
  against the row's date of birth and sex;
- a word OCR was unsure of: `uncertain reading`; words much taller and less sure than
  the header's printed words: `handwritten` (the cell's box is kept for the reviewer).

Rows whose every cell is empty are left out, and so are rows holding a single letter or
digit in all (a speck read as "L" or "1").
"""

from __future__ import annotations

import dataclasses
import functools
import re
import statistics
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from rapidfuzz import fuzz

from digitize.results import TableGrid, Word, union_box
from digitize.understand.catalogue import DEFAULT_CATALOGUE, CatalogueError, FieldKind
from digitize.understand.checks import check_id_number
from digitize.understand.fields import WORD_REVIEW_BELOW, ExtractedField
from digitize.understand.normalise import strip_leaders
from digitize.understand.pages import PageText
from digitize.understand.values import NORMALISERS
from digitize.understand.vietnamese import fold

TABLES_FILE = "tables.toml"
_FLAT_WORD = 0.4  # a word flatter than this share of the page's usual word: no letter
_MIN_ROW_LETTERS = 2  # a row holding less is empty
_HEADER_MATCH = 0.72  # a header cell this close to a column's header names the column
_STROKES = "|Il!ỈỊÌÍịìíĨĩ[]/\\'\"“”‘’`´,."
_LEADER_WORD = re.compile(r"^[.…_·,:\-–—\s]*$")
_PLACEHOLDER = re.compile(r"\{\{.*?\}\}|\{\w+\}|<<.*?>>|\[\[.*?\]\]")
# Handwriting beside the printed header: as in fields.py, taller and less sure.
_HAND_HEIGHT = 1.25
_HAND_LESS_SURE = 0.15


@dataclass(frozen=True, slots=True)
class TableColumn:
    name: str
    kind: FieldKind
    headers: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class TableSpec:
    doc_type: str
    name: str
    columns: tuple[TableColumn, ...]


@dataclass(frozen=True, slots=True)
class ExtractedTable:
    name: str
    columns: tuple[str, ...]
    rows: tuple[dict[str, ExtractedField], ...]
    pages: tuple[int, ...]

    def as_json(self) -> dict[str, object]:
        return {
            "name": self.name,
            "columns": list(self.columns),
            "pages": list(self.pages),
            "rows": [{name: cell.as_json() for name, cell in row.items()} for row in self.rows],
        }


def load_table_specs(directory: Path | None = None) -> tuple[TableSpec, ...]:
    """The tables of `directory`/tables.toml (default: the packaged catalogue's); none
    when a catalogue has no such file. A file that is there but wrong is an error."""
    path = (directory or DEFAULT_CATALOGUE) / TABLES_FILE
    if not path.is_file():
        return ()
    return _load(path)


@functools.cache
def _load(path: Path) -> tuple[TableSpec, ...]:
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise CatalogueError([f"{path}: cannot be read ({exc})"]) from exc
    specs = []
    problems: list[str] = []
    for k, entry in enumerate(raw.get("tables") or ()):
        where = f"{path.name}: table {k + 1}"
        try:
            columns = tuple(
                TableColumn(
                    str(c["name"]), FieldKind(c["kind"]), tuple(str(h) for h in c["headers"])
                )
                for c in entry["columns"]
            )
            specs.append(TableSpec(str(entry["doc_type"]), str(entry["name"]), columns))
        except (KeyError, TypeError, ValueError) as exc:
            problems.append(f"{where}: {exc!r}")
            continue
        if len(columns) < 2 or not all(c.headers for c in columns):
            problems.append(f"{where}: needs two columns or more, each with headers")
    if problems:
        raise CatalogueError(problems)
    return tuple(specs)


def read_tables(
    pages: Sequence[PageText],
    doc_type: str,
    specs: Sequence[TableSpec],
    *,
    review_below: float,
) -> tuple[ExtractedTable, ...]:
    """Every table of `specs` for `doc_type` found on `pages`; one per spec, its rows
    from every page it runs over (a grid without a header, right after the table on the
    next page, goes on with the same columns)."""
    found = []
    for spec in (s for s in specs if s.doc_type == doc_type):
        rows: list[dict[str, ExtractedField]] = []
        on_pages: list[int] = []
        mapping: dict[int, TableColumn] | None = None
        width = 0
        for page in pages:
            for grid in page.tables:
                cells = _cells(page, grid)
                header = _match_header(spec, [fold(_text(c)) for c in cells[0]])
                body_from = 1
                if header is None:
                    if mapping is None or len(grid.columns) != width:
                        continue
                    header, body_from = mapping, 0  # the table goes on, headless
                mapping, width = header, len(grid.columns)
                printed = _word_height(cells[0]) if body_from else None
                for row in cells[body_from:]:
                    read = _read_row(page.number, row, header, printed, review_below)
                    if read:
                        rows.append(read)
                on_pages.append(page.number)
        if on_pages:
            names = tuple(c.name for c in spec.columns)
            found.append(ExtractedTable(spec.name, names, tuple(rows), tuple(on_pages)))
    return tuple(found)


def _cells(page: PageText, grid: TableGrid) -> list[list[list[Word]]]:
    """The grid's cells, row by row, each the words whose centre falls inside, in
    reading order (top to bottom by line, then left to right). Leaders are left out."""
    rows, columns = grid.rows, grid.columns
    cells: list[list[list[Word]]] = [[[] for _ in columns[1:]] for _ in rows[1:]]
    x0, y0, x1, y1 = grid.bbox
    heights = [w.bbox[3] - w.bbox[1] for line in page.lines for w in line.words]
    least = _FLAT_WORD * statistics.median(heights) if heights else 0
    for line in page.lines:
        for word in line.words:
            cx = (word.bbox[0] + word.bbox[2]) / 2
            cy = (word.bbox[1] + word.bbox[3]) / 2
            if not (x0 <= cx < x1 and y0 <= cy < y1) or _LEADER_WORD.match(word.text):
                continue
            # What OCR read from a rule's remains: flatter than any letter, or one
            # "word" across two column lines or more.
            if word.bbox[3] - word.bbox[1] < least:
                continue
            if sum(word.bbox[0] < x < word.bbox[2] for x in columns[1:-1]) >= 2:
                continue
            r = _slot(rows, cy)
            c = _slot(columns, cx)
            if _rule_remains(word, columns[c], columns[c + 1]):
                continue
            cells[r][c].append(word)
    for row in cells:
        for k, cell in enumerate(row):
            row[k] = sorted(cell, key=lambda w, cell=tuple(cell): (_line_of(w, cell), w.bbox[0]))
    return cells


def _rule_remains(word: Word, left: int, right: int) -> bool:
    """What OCR read from what was left of a column rule: one stroke ("I", "|", "Ỉ",
    a quote) standing against the cell's side."""
    x0, y0, x1, y1 = word.bbox
    if word.text.strip(_STROKES) or x1 - x0 > (y1 - y0) / 2:
        return False
    reach = y1 - y0
    return x0 - left <= reach or right - x1 <= reach


def _slot(edges: Sequence[int], at: float) -> int:
    for k in range(len(edges) - 1):
        if at < edges[k + 1]:
            return k
    return len(edges) - 2


def _line_of(word: Word, cell: Sequence[Word]) -> int:
    """The cell's text line a word stands on: words whose centres are within half a
    word's height share a line (a wrapped name is two)."""
    centre = (word.bbox[1] + word.bbox[3]) / 2
    tops = sorted((w.bbox[1] + w.bbox[3]) / 2 for w in cell)
    line, last = 0, tops[0]
    height = max(1, word.bbox[3] - word.bbox[1])
    for top in tops:
        if top - last > height / 2:
            line += 1
        last = top
        if top >= centre:
            break
    return line


def _text(words: Sequence[Word]) -> str:
    return " ".join(w.text for w in words)


def _match_header(spec: TableSpec, header: Sequence[str]) -> dict[int, TableColumn] | None:
    """Grid column -> spec column, when the header names at least half the columns.
    A column whose header was misread keeps its place between the columns found."""
    scores = []
    for g, text in enumerate(header):
        if not text:
            continue
        for s, column in enumerate(spec.columns):
            best = max(fuzz.ratio(text, fold(h)) for h in column.headers) / 100
            if best >= _HEADER_MATCH:
                scores.append((best, g, s))
    scores.sort(reverse=True)
    by_grid: dict[int, int] = {}
    taken: set[int] = set()
    for _, g, s in scores:
        if g not in by_grid and s not in taken:
            by_grid[g] = s
            taken.add(s)
    if len(by_grid) < max(2, (len(spec.columns) + 1) // 2):
        return None
    by_spec = {s: g for g, s in by_grid.items()}
    for s in range(len(spec.columns)):
        if s in by_spec:
            continue
        # Same distance from the nearest column found as in the spec.
        near = min(by_spec, key=lambda k: abs(k - s))
        g = by_spec[near] + (s - near)
        if 0 <= g < len(header) and g not in by_grid:
            by_grid[g] = s
            by_spec[s] = g
    return {g: spec.columns[s] for g, s in by_grid.items()}


def _word_height(row: Sequence[Sequence[Word]]) -> tuple[float, float] | None:
    """Median height and mean confidence of the header's printed words."""
    words = [w for cell in row for w in cell]
    if not words:
        return None
    height = statistics.median(w.bbox[3] - w.bbox[1] for w in words)
    return height, sum(w.confidence for w in words) / len(words)


def _read_row(
    page: int,
    row: Sequence[Sequence[Word]],
    mapping: Mapping[int, TableColumn],
    printed: tuple[float, float] | None,
    review_below: float,
) -> dict[str, ExtractedField]:
    letters = sum(ch.isalnum() for g in mapping for w in row[g] for ch in w.text)
    if letters < _MIN_ROW_LETTERS:  # empty, or a speck read as one letter
        return {}
    read: dict[str, ExtractedField] = {}
    for g, column in sorted(mapping.items(), key=lambda item: item[0]):
        read[column.name] = _read_cell(page, column, row[g], printed, review_below)
    _check_ids(read, mapping)
    # A row is written by one hand: when the row as a whole reads as handwriting, or
    # half its filled cells do, so does every filled cell of it (a short "Nam" alone
    # tells little).
    words = [w for g in mapping for w in row[g]]
    filled = [cell for cell in read.values() if cell.raw]
    hand = sum("handwritten" in cell.problems for cell in filled)
    if printed is not None and (_handwritten(words, printed) or 2 * hand >= len(filled) > 0):
        for name, cell in read.items():
            if cell.raw and "handwritten" not in cell.problems:
                problems = tuple(p for p in cell.problems if p != "uncertain reading")
                read[name] = dataclasses.replace(
                    cell,
                    review=True,
                    confidence=cell.confidence * (0.5 if not cell.problems else 1.0),
                    problems=(*problems, "handwritten"),
                )
    return {c.name: read[c.name] for c in _in_spec_order(mapping)}


def _in_spec_order(mapping: Mapping[int, TableColumn]) -> list[TableColumn]:
    return [mapping[g] for g in sorted(mapping)]


def _read_cell(
    page: int,
    column: TableColumn,
    words: Sequence[Word],
    printed: tuple[float, float] | None,
    review_below: float,
) -> ExtractedField:
    raw = _text(words)
    bbox = union_box([w.bbox for w in words]) if words else None
    if not words:
        return ExtractedField(column.name, None, 0.0, page, None, "", True, ("empty",))
    text = strip_leaders(raw)
    if not text or _PLACEHOLDER.search(text):
        return ExtractedField(column.name, None, 0.0, page, bbox, raw, True, ("placeholder",))
    letters = sum(len(w.text) for w in words)
    confidence = sum(w.confidence * len(w.text) for w in words) / max(1, letters)
    problems: list[str] = []
    value: str | int | float | None
    if column.kind is FieldKind.ID_NUMBER:
        checked = check_id_number(text)
        value, problems = checked.value, list(checked.problems)
    else:
        value = NORMALISERS[column.kind](text) if column.kind in NORMALISERS else text
        if value is None:
            problems.append(f"cannot read {text!r} as {column.kind.value}")
        elif column.kind is FieldKind.NAME and not all(w.isalpha() for w in str(value).split()):
            problems.append("not a name")
    if not problems and min(w.confidence for w in words) < WORD_REVIEW_BELOW:
        problems.append("uncertain reading")
    if printed is not None and _handwritten(words, printed):
        problems = [p for p in problems if p != "uncertain reading"] + ["handwritten"]
    confidence *= 0.5 if problems else 1.0
    review = bool(problems) or confidence < review_below
    return ExtractedField(column.name, value, confidence, page, bbox, raw, review, tuple(problems))


def _handwritten(words: Sequence[Word], printed: tuple[float, float]) -> bool:
    height, sure = printed
    mine = statistics.median(w.bbox[3] - w.bbox[1] for w in words)
    mean = sum(w.confidence for w in words) / len(words)
    return mine >= _HAND_HEIGHT * height and mean <= sure - _HAND_LESS_SURE


def _check_ids(read: dict[str, ExtractedField], mapping: Mapping[int, TableColumn]) -> None:
    """An ID number against the row's own date of birth and sex (its birth year and
    century-and-sex digit must agree)."""
    kinds = {c.kind: c.name for c in mapping.values()}
    id_name = kinds.get(FieldKind.ID_NUMBER)
    if id_name is None or read[id_name].value is None or read[id_name].problems:
        return
    dob = kinds.get(FieldKind.DATE)
    sex = kinds.get(FieldKind.SEX)
    dob_value = read[dob].value if dob and not read[dob].review else None
    sex_value = read[sex].value if sex and not read[sex].review else None
    checked = check_id_number(
        str(read[id_name].value),
        dob=str(dob_value) if dob_value else None,
        sex={"male": "Nam", "female": "Nữ"}.get(str(sex_value)) if sex_value else None,
    )
    if checked.problems:
        cell = read[id_name]
        read[id_name] = ExtractedField(
            cell.name,
            cell.value,
            cell.confidence * 0.5,
            cell.page,
            cell.bbox,
            cell.raw,
            True,
            tuple(checked.problems),
        )
