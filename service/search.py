"""Full-text search over the digitised documents: keeping the index, answering queries.

**The index** (table search_pages, migrations 0002 and 0003) holds a row per page of a
document: the page's OCR text and the current values of the document's fields read on
that page (a person's correction wins over the value read), in the three forms of
`digitize/search_text.py`: exact (canonical tone placement), folded (no diacritics) and
codes (dossier codes and other dotted identifiers as one token each). SQLite searches
it with FTS5, PostgreSQL with a tsvector column (configuration 'simple') and a GIN
index. `index_documents` runs in the transaction that stores or corrects a document,
so the index is never behind the documents; `reindex` rebuilds it for a database
whose documents were stored before it existed.

**A query** matches a page holding every word (with or without its diacritics),
quoted phrase, number and code of it (`digitize/search_text.py`). The order, the same
on both databases:

1. pages holding every word in its exact form (the marks as typed; "hoà" and "hòa"
   are one form) before pages that match only without marks: "bán" ranks the pages
   with "bán" above those with "bàn" or "bạn";
2. then pages where the words stand together in the order typed (a person's name);
3. then relevance: BM25 on SQLite, ts_rank on PostgreSQL, a hit on the exact form
   weighing more than one on the folded form. The score orders the results of one
   query; its scale is the database's own. Unscored (newest first in each tier):
   more than RANK_LIMIT matching pages, and on SQLite a search narrowed by filter
   tokens (see `_Sqlite._filtered`).

A document is one result, at its best page. **Filters** are answered in two steps.
Each page's row carries its document's *filter tokens* (column `facets`): its type and
procedure, and for each dossier it is in that dossier's status, unit, procedure, and
month and year received. The full-text engine intersects the query's words with the
tokens a filter asks for, which narrows a common word's thousands of pages to the few
that can pass. The filters themselves are then checked on the documents and dossiers,
which is exact where the tokens are not: one dossier must meet them all, and dates are
bounded to the day. So the tokens must follow the dossiers: storing a dossier record,
attaching a document and reusing one refresh them (`refresh_facets`). The filters:

- `doc_type`: the document's type (catalogue key);
- `procedure`: a catalogue key or national TTHC code, the document's own procedure
  or that of a dossier it is in (an ID card copy has none of its own);
- `receiving_unit`, `status`, `date_from`/`date_to`: a dossier the document is in
  (one dossier meeting them all). The receiving unit is the record's name for it
  ("UBND phường Láng") or its identifier, the first part of the dossier code
  ("000.00.13.H12"); the dates bound the day the dossier was received
  (`received_date`), inclusive.

Snippets are cut from the page's text in Python (`digitize.search_text.snippet`), so
both databases give the same ones.
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from itertools import pairwise
from typing import Any

from sqlalchemy import Date, String, bindparam, delete, insert, select, text, update
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from digitize.search_text import (
    Query,
    QueryError,
    Snippet,
    Unit,
    fold_in_place,
    index_text,
    parse_query,
    snippet,
)
from models import Database, Document, Dossier, DossierDocument, Field, Page, SearchPage
from service.errors import InvalidInputError

MAX_LIMIT = 100
MAX_OFFSET = 10_000  # deeper pages of results are a sign the query should be narrower
REINDEX_BATCH = 200  # documents per transaction when rebuilding the index

# A row's id says its document and page, so a hit in FTS5 needs no lookup to tell them.
PAGE_BITS = 20
PAGE_MASK = (1 << PAGE_BITS) - 1
# More matching pages than this are not scored for relevance: each tier is then in
# order of the newest document first. Scoring reads every matching page's positions
# (about 20 us a page on SQLite): 500 pages stay well inside the time a search may
# take, and past that a query is too broad for relevance to tell much.
RANK_LIMIT = 500
# PostgreSQL: more matching pages than this are not flagged with their tiers all at
# once; the tiers are read newest first, only as far as a page of results needs
# (`_Postgres.newest`). Flagging is one pass over the matches, quicker for a few
# thousand; past that, a common phrase's whole-phrase checks on every page cost most.
LAZY_PAGES = 2000
# Under filters, a together tier reads the pages the words and filters leave, up to
# this many, rather than every page with a common pair (see `_Postgres.newest`).
FILTERED_READ_PAGES = 20_000
# Matching pages counted at most. Past this the count stops: `Results.total` is then
# the documents of the pages counted, a lower bound, and `total_exact` is False.
# Counting visits every matching page's row (the full-text indexes cannot say which
# document a page is of), which at a million documents costs most of a common
# query's time. At FILTERED_READ_PAGES (or more), `newest` chooses its way as it did
# with an exact count; and it is more documents than offset and limit can reach,
# unless most have several matching pages.
COUNT_LIMIT = 20_000
# Relevance weights of a hit in each form (exact, folded, codes), and in the filter tokens.
_BM25_WEIGHTS = "4.0, 1.0, 2.0, 0.0"  # facets: never scored (filtered searches are not)
_NOT_LETTERS = re.compile(r"[\W_]+")
_TTHC_CODE = re.compile(r"\d\.\d{6}")
_TS_RANK_WEIGHTS = "{0.1, 0.5, 0.25, 1.0}"  # PostgreSQL's order: D, C (codes), B, A (exact)
# Filter tokens start so: no word, number or code does, so a typed query never meets
# one (PostgreSQL's vector holds them beside the words). A kind letter follows.
FACET_MARK = "zz"
_NOT_FACET_CHARS = re.compile(r"[^a-z0-9]+")
# A date range this many years wide or wider is not narrowed by tokens: the filter
# alone is then as quick as the tokens would be.
FACET_MAX_YEARS = 30


@dataclass(frozen=True, slots=True)
class Filters:
    procedure: str | None = None
    doc_type: str | None = None
    receiving_unit: str | None = None
    status: str | None = None
    date_from: date | None = None  # of the dossier's received_date, inclusive
    date_to: date | None = None


@dataclass(frozen=True, slots=True)
class Hit:
    document: Document
    page: int  # 1-based, in the document
    exact: bool  # every word found in its exact form
    together: bool  # the words found side by side, as typed
    score: float | None  # None: not scored (too many matches, see RANK_LIMIT; or filtered)
    snippet: Snippet
    dossier_codes: list[str] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class Results:
    query: Query
    total: int  # documents matching, over all pages of results; see total_exact
    hits: list[Hit]
    # False: more than COUNT_LIMIT pages match, and `total` counts the documents of the
    # pages counted only: at least that many documents match.
    total_exact: bool = True


# --- keeping the index ----------------------------------------------------------------


def index_documents(session: Session, documents: Iterable[Document | int]) -> int:
    """Index these documents as they are now, replacing their earlier rows, in the
    caller's transaction; returns the pages indexed. Blank pages get no row."""
    ids = sorted({d if isinstance(d, int) else d.id for d in documents})
    if not ids:
        return 0
    session.flush()
    session.execute(delete(SearchPage).where(SearchPage.document_id.in_(ids)))
    docs = session.execute(
        select(Document.id, Document.scan_id, Document.pages).where(Document.id.in_(ids))
    ).all()
    texts = _page_texts(session, [(d.scan_id, n) for d in docs for n in d.pages])
    values = _field_values(session, {d.id: d.pages for d in docs})
    rows = page_rows(docs, texts, values, _facets(session, ids))
    if rows:
        session.execute(insert(SearchPage), rows)
    return len(rows)


def page_rows(
    documents: Iterable[tuple[int, int, Sequence[int]]],
    texts: Mapping[tuple[int, int], str | None],
    values: Mapping[int, list[tuple[int, str]]],
    facets: Mapping[int, str],
) -> list[dict[str, Any]]:
    """The index's rows of these documents, each (id, scan id, its pages in the scan),
    from their pages' texts by (scan, page), their field values (`field_values`) and
    filter tokens (`document_facets`); blank pages get no row. Pure, so a bulk load
    (bench/search.py) makes exactly the rows `index_documents` does."""
    rows = []
    for document_id, scan_id, pages in documents:
        for number, scan_page in enumerate(pages[:PAGE_MASK], 1):
            parts = [texts.get((scan_id, scan_page)) or ""]
            parts += [value for page, value in values.get(document_id, []) if page == number]
            forms = index_text("\n".join(parts))
            if forms.exact or forms.codes:
                rows.append(
                    {"id": document_id << PAGE_BITS | number, "document_id": document_id,
                     "page": number, "exact": forms.exact, "folded": forms.folded,
                     "codes": forms.codes, "facets": facets.get(document_id, "")}
                )  # fmt: skip
    return rows


def refresh_facets(session: Session, documents: Iterable[Document | int]) -> int:
    """Bring these documents' filter tokens up to date after a change to their dossiers
    (a record stored, a document attached), in the caller's transaction; returns the
    documents whose tokens changed. Their text is not indexed again."""
    ids = sorted({d if isinstance(d, int) else d.id for d in documents})
    if not ids:
        return 0
    session.flush()
    wanted = _facets(session, ids)
    stored = session.execute(
        select(SearchPage.document_id, SearchPage.facets)
        .where(SearchPage.document_id.in_(ids))
        .distinct()
    ).all()
    changed = sorted({r.document_id for r in stored if r.facets != wanted.get(r.document_id, "")})
    for document_id in changed:
        session.execute(
            update(SearchPage)
            .where(SearchPage.document_id == document_id)
            .values(facets=wanted.get(document_id, ""))
        )
    return len(changed)


def facet_token(kind: str, value: object) -> str | None:
    """One filter token: the mark, the kind's letter, and the value folded to ASCII
    letters and digits (so each database's tokenizer keeps it whole)."""
    if value is None:
        return None
    compact = _NOT_FACET_CHARS.sub("", fold_in_place(unicodedata.normalize("NFC", str(value))))
    return f"{FACET_MARK}{kind}{compact}" if compact else None


def _dossier_tokens(dossier: Any) -> Iterator[str | None]:
    yield facet_token("s", dossier.status)
    yield facet_token("u", dossier.code.split("-", 1)[0])
    yield facet_token("u", dossier.receiving_unit)
    yield facet_token("p", dossier.procedure)
    yield facet_token("p", dossier.procedure_code)
    if dossier.received_date is not None:
        received: date = dossier.received_date
        yield facet_token("y", received.year)
        yield facet_token("m", f"{received.year}{received.month:02d}")


def _facets(session: Session, ids: Sequence[int]) -> dict[int, str]:
    """Each document's filter tokens, as the text of its column (see the module's
    docstring)."""
    documents = session.execute(
        select(Document.id, Document.doc_type, Document.procedure, Document.procedure_code)
        .where(Document.id.in_(ids))
    )  # fmt: skip
    dossiers = session.execute(
        select(DossierDocument.document_id, Dossier.code, Dossier.status, Dossier.receiving_unit,
               Dossier.procedure, Dossier.procedure_code, Dossier.received_date)
        .join(Dossier, Dossier.id == DossierDocument.dossier_id)
        .where(DossierDocument.document_id.in_(ids))
    )  # fmt: skip
    return document_facets(documents, dossiers)


def document_facets(documents: Iterable[Any], dossiers: Iterable[Any]) -> dict[int, str]:
    """Each document's filter tokens from its row (id, doc_type, procedure,
    procedure_code) and the rows of the dossiers it is in (document_id, code, status,
    receiving_unit, procedure, procedure_code, received_date)."""
    tokens: dict[int, set[str | None]] = defaultdict(set)
    for doc in documents:
        tokens[doc.id] |= {
            facet_token("t", doc.doc_type),
            facet_token("p", doc.procedure),
            facet_token("p", doc.procedure_code),
        }
    for dossier in dossiers:
        tokens[dossier.document_id].update(_dossier_tokens(dossier))
    return {
        document: " ".join(sorted(t for t in found if t is not None))
        for document, found in tokens.items()
    }


def _page_texts(session: Session, keys: Collection[tuple[int, int]]) -> dict[tuple[int, int], str]:
    scans = {scan for scan, _ in keys}
    if not scans:
        return {}
    rows = session.execute(
        select(Page.scan_id, Page.number, Page.text).where(Page.scan_id.in_(scans))
    )
    return {(r.scan_id, r.number): r.text for r in rows if (r.scan_id, r.number) in keys}


def _field_values(
    session: Session, pages: dict[int, Sequence[int]]
) -> dict[int, list[tuple[int, str]]]:
    """Each document's current field values as text, with the document page they are
    on; `pages` holds each document's pages in its scan."""
    rows = session.execute(
        select(
            Field.document_id, Field.page, Field.value, Field.corrected_value, Field.corrected_by
        )
        .where(Field.document_id.in_(pages))
        .order_by(Field.id)
    )
    values = field_values(rows, pages)
    tables = session.execute(select(Document.id, Document.tables).where(Document.id.in_(pages)))
    for document_id, held in tables:
        values[document_id] += corrected_cells(held or [], pages[document_id])
    return values


def corrected_cells(tables: Iterable[Any], pages: Sequence[int]) -> list[tuple[int, str]]:
    """The table cells a person corrected, as text with their document page: what a cell
    read is in the page's text already, a correction is not (issue 13)."""
    found = []
    for table in tables:
        for row in table.get("rows") or ():
            for cell in row.values():
                corrected = cell.get("corrected") if isinstance(cell, dict) else None
                shown = _as_text(corrected.get("value")) if isinstance(corrected, dict) else None
                if shown and shown != _as_text(cell.get("value")):
                    found.append((_document_page(cell.get("page"), pages), shown))
    return found


def field_values(
    rows: Iterable[Any], pages: Mapping[int, Sequence[int]]
) -> dict[int, list[tuple[int, str]]]:
    """`_field_values` of field rows (document_id, page, value, corrected_value,
    corrected_by) in the order they were stored."""
    values: dict[int, list[tuple[int, str]]] = defaultdict(list)
    for row in rows:
        current = row.corrected_value if row.corrected_by is not None else row.value
        shown = _as_text(current)
        if shown:
            page = _document_page(row.page, pages[row.document_id])
            values[row.document_id].append((page, shown))
    return values


def _as_text(value: Any) -> str | None:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, str | int | float):
        return unicodedata.normalize("NFC", str(value))
    return None


def _document_page(scan_page: int | None, pages: Sequence[int]) -> int:
    """The page of the document a field was read on. Fields carry the page's number in
    the scan (the library numbers a file's pages); a field without one (a person added
    it) is on the document's first page."""
    if scan_page is not None and scan_page in pages:
        return pages.index(scan_page) + 1
    return 1


def reindex(
    database: Database,
    *,
    batch: int = REINDEX_BATCH,
    on_start: Callable[[int], None] | None = None,
    on_progress: Callable[[int], None] | None = None,
) -> tuple[int, int]:
    """Index every document again, `batch` documents per transaction, so searches keep
    working meanwhile (each document is found by its old rows or its new ones). Returns
    (documents, pages indexed)."""
    with database.reads() as session:
        ids = list(session.scalars(select(Document.id).order_by(Document.id)))
    if on_start is not None:
        on_start(len(ids))
    pages = 0
    for start in range(0, len(ids), batch):
        chunk = ids[start : start + batch]
        with database.writes.begin() as session:
            pages += index_documents(session, chunk)
        if on_progress is not None:
            on_progress(len(chunk))
    optimise(database.engine)
    return len(ids), pages


def optimise(engine: Engine) -> None:
    """After many changes: FTS5 merges its index into one b-tree; PostgreSQL merges the
    GIN index's pending entries and refreshes the planner's statistics."""
    if engine.dialect.name == "sqlite":
        with engine.begin() as connection:
            connection.exec_driver_sql(
                "INSERT INTO search_pages_fts(search_pages_fts) VALUES ('optimize')"
            )
    elif engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.exec_driver_sql("VACUUM (ANALYZE) search_pages")


def index_size(engine: Engine) -> int:
    """Bytes the index takes: the search_pages table and its indexes (and on SQLite its
    FTS5 tables), as the database counts them."""
    with engine.connect() as connection:
        if engine.dialect.name == "postgresql":
            return int(connection.scalar(text("SELECT pg_total_relation_size('search_pages')")))
        # dbstat counts the pages of every b-tree: the FTS5 shadow tables' and indexes' too.
        size = connection.scalar(
            text(
                "SELECT sum(stat.pgsize) FROM dbstat AS stat "
                "JOIN sqlite_schema AS item ON item.name = stat.name "
                "WHERE item.tbl_name LIKE 'search_pages%'"
            )
        )
        return int(size or 0)


# --- queries --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Row:
    document_id: int
    page: int
    exact: bool
    together: bool
    score: float | None


def search(
    session: Session,
    query_text: str,
    filters: Filters | None = None,
    *,
    limit: int = 20,
    offset: int = 0,
) -> Results:
    """The documents matching `query_text` under `filters`, best first (see the module's
    docstring), `limit` of them from `offset`, with the total."""
    try:
        query = parse_query(query_text)
    except QueryError as exc:
        raise InvalidInputError(str(exc)) from None
    if not 1 <= limit <= MAX_LIMIT:
        raise InvalidInputError(f"limit must be 1 to {MAX_LIMIT}")
    if not 0 <= offset <= MAX_OFFSET:
        raise InvalidInputError(f"offset must be 0 to {MAX_OFFSET}")
    filters = filters or Filters()
    if filters.date_from and filters.date_to and filters.date_from > filters.date_to:
        raise InvalidInputError("date_from is after date_to")
    dialect = session.get_bind().dialect.name
    engine: _Engine = (
        _Postgres(query, filters) if dialect == "postgresql" else _Sqlite(query, filters)
    )
    documents, exact, rows = engine.results(session, limit, offset)
    return Results(query, documents, _hits(session, query, rows), total_exact=exact)


def _hits(session: Session, query: Query, rows: Sequence[_Row]) -> list[Hit]:
    """The rows as hits: their documents, dossier codes, and a snippet of each page."""
    ids = [r.document_id for r in rows]
    if not ids:
        return []
    documents = {d.id: d for d in session.scalars(select(Document).where(Document.id.in_(ids)))}
    codes: dict[int, list[str]] = defaultdict(list)
    attached = session.execute(
        select(DossierDocument.document_id, Dossier.code)
        .join(Dossier, Dossier.id == DossierDocument.dossier_id)
        .where(DossierDocument.document_id.in_(ids))
        .order_by(DossierDocument.added_at, Dossier.code)
    )
    for document_id, code in attached:
        codes[document_id].append(code)
    wanted = {(documents[r.document_id].scan_id, documents[r.document_id].pages[r.page - 1])
              for r in rows}  # fmt: skip
    # By scan, then picked: SQLite scans the whole table for a (scan, number) IN list.
    texts = {
        (scan, number): page_text or ""
        for scan, number, page_text in session.execute(
            select(Page.scan_id, Page.number, Page.text).where(
                Page.scan_id.in_({scan for scan, _ in wanted}),
                Page.number.in_({number for _, number in wanted}),
            )
        )
        if (scan, number) in wanted
    }
    values = _field_values(session, {d.id: d.pages for d in documents.values()})
    hits = []
    for row in rows:
        document = documents[row.document_id]
        page_text = texts.get((document.scan_id, document.pages[row.page - 1]), "")
        # Field values the page's text lacks (a correction, a value read elsewhere).
        on_page = [value for page, value in values.get(document.id, []) if page == row.page]
        folded = fold_in_place(page_text) if on_page else ""
        missing = [value for value in on_page if fold_in_place(value) not in folded]
        letters = _letters(page_text) if missing else ""  # most values are found above
        extra = [value for value in missing if _letters(value) not in letters]
        hits.append(
            Hit(
                document=document,
                page=row.page,
                exact=row.exact,
                together=row.together,
                score=row.score,
                snippet=snippet("\n".join([page_text, *extra]), query),
                dossier_codes=codes.get(document.id, []),
            )
        )
    return hits


def _letters(text: str) -> str:
    """Letters and digits only, folded: a value found in this form of a page's text is
    shown there already (a phone number printed with dots, a name in capitals)."""
    return _NOT_LETTERS.sub("", fold_in_place(unicodedata.normalize("NFC", text)))


class _Engine:
    """The SQL of one query on one database."""

    def __init__(self, query: Query, filters: Filters) -> None:
        self.query = query
        # Only words typed with marks ask for them: the others match any marks.
        self.accented = any(u.accented for u in query.units)
        self.filters, self.params = _filter_sets(filters, self.document_id, self.probed)
        # Each inner list: the tokens one of which a page must have to pass a filter.
        self.facets = _wanted_facets(filters)

    document_id = "document_id"  # the SQL expression of a hit's document
    probed = False  # a procedure filter checked on each hit's document (_filter_sets)

    def results(self, session: Session, limit: int, offset: int) -> tuple[int, bool, list[_Row]]:
        """The documents matching (whether counted to the end), and the page of them
        asked for."""
        pages, documents = self.count(session)
        exact = pages <= COUNT_LIMIT
        if documents <= offset and exact:
            return documents, exact, []
        if pages <= RANK_LIMIT and exact:
            return documents, exact, self.ranked(session, limit, offset)
        return documents, exact, self.newest(session, limit, offset)

    def count(self, session: Session) -> tuple[int, int]:
        """The matching pages, up to COUNT_LIMIT + 1, and their documents."""
        raise NotImplementedError

    def ranked(self, session: Session, limit: int, offset: int) -> list[_Row]:
        raise NotImplementedError

    def newest(self, session: Session, limit: int, offset: int) -> list[_Row]:
        raise NotImplementedError

    def _run(self, session: Session, sql: str, params: dict[str, Any]) -> Any:
        statement = text(sql).bindparams(
            *(bindparam(name, type_=Date if name.startswith("date") else String)
              for name in self.params),
        )  # fmt: skip
        return session.execute(statement, {**self.params, **params})


def _rows(result: Any) -> list[_Row]:
    return [
        _Row(int(r.document_id), int(r.page), bool(r.exact), bool(r.together),
             None if r.score is None else float(r.score))
        for r in result
    ]  # fmt: skip


# The best page of each document, the documents in order, a page of them.
_BEST = """, best AS (
            SELECT *, ROW_NUMBER() OVER (
                PARTITION BY document_id ORDER BY exact DESC, together DESC, score DESC, page
            ) AS nth
            FROM flagged
        )
        SELECT document_id, page, exact, together, score FROM best WHERE nth = 1
        ORDER BY exact DESC, together DESC, score DESC, document_id DESC
        LIMIT :limit OFFSET :offset"""


def _wanted_facets(filters: Filters) -> list[list[str]]:
    """The filter tokens that narrow the search (see the module's docstring): for each
    filter, the tokens any document passing it has, one of which a page must hold."""
    wanted: list[list[str | None]] = [
        [facet_token("t", filters.doc_type)],
        [facet_token("p", filters.procedure)],
        [facet_token("u", filters.receiving_unit)],
        [facet_token("s", filters.status)],
    ]
    if filters.date_from and filters.date_to:
        wanted.append(list(_date_tokens(filters.date_from, filters.date_to)))
    return [[t for t in tokens if t] for tokens in wanted if tokens and all(tokens)]


def _date_tokens(start: date, end: date) -> Iterator[str | None]:
    """Tokens of the months from `start` to `end`, whole years by their year's token."""
    if end.year - start.year >= FACET_MAX_YEARS:
        yield None  # too wide to narrow by
        return
    year, month = start.year, start.month
    while (year, month) <= (end.year, end.month):
        if month == 1 and (year < end.year or end.month == 12):
            yield facet_token("y", year)
            year += 1
            continue
        yield facet_token("m", f"{year}{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)


def _filter_sets(
    filters: Filters, document: str, probed: bool = False
) -> tuple[str, dict[str, Any]]:
    """SQL conditions on `document` (a hit's document id): each filter the set of
    documents it allows, which the database makes once per query. With `probed`, the
    procedure filter is checked on each hit's document instead (two index lookups):
    its set is the procedure's documents and those in its dossiers, a UNION no index
    can probe, 105,000 rows made for every query at a million documents (300 ms),
    while the filter's token in the words' query leaves only pages that pass it."""
    conditions: list[str] = []
    params: dict[str, Any] = {}
    if filters.doc_type:
        conditions.append(f"{document} IN (SELECT id FROM documents WHERE doc_type = :doc_type)")
        params["doc_type"] = filters.doc_type
    if filters.procedure:
        # A national TTHC code ("1.001193") or a catalogue key: one indexed column each.
        column = "procedure_code" if _TTHC_CODE.fullmatch(filters.procedure) else "procedure"
        if probed:
            conditions.append(
                f"(EXISTS (SELECT 1 FROM documents fd WHERE fd.id = {document} "
                f"AND fd.{column} = :procedure) OR EXISTS (SELECT 1 FROM dossier_documents pdd "
                "JOIN dossiers pds ON pds.id = pdd.dossier_id "
                f"WHERE pdd.document_id = {document} AND pds.{column} = :procedure))"
            )
        else:
            conditions.append(
                f"{document} IN (SELECT id FROM documents WHERE {column} = :procedure "
                "UNION SELECT pdd.document_id FROM dossier_documents pdd "
                f"JOIN dossiers pds ON pds.id = pdd.dossier_id WHERE pds.{column} = :procedure)"
            )
        params["procedure"] = filters.procedure
    on_dossier: list[str] = []
    if filters.receiving_unit:
        # The unit's name, or its identifier: the part of the dossier code before "-"
        # (a range of codes, so the index on the code serves it; "." follows "-").
        on_dossier.append(
            "(ds.receiving_unit = :receiving_unit "
            "OR (ds.code >= :unit_codes_from AND ds.code < :unit_codes_to))"
        )
        unit = unicodedata.normalize("NFC", " ".join(filters.receiving_unit.split()))
        params["receiving_unit"] = unit
        params["unit_codes_from"] = unit + "-"
        params["unit_codes_to"] = unit + "."
    if filters.status:
        on_dossier.append("ds.status = :status")
        params["status"] = filters.status
    if filters.date_from:
        on_dossier.append("ds.received_date >= :date_from")
        params["date_from"] = filters.date_from
    if filters.date_to:
        on_dossier.append("ds.received_date <= :date_to")
        params["date_to"] = filters.date_to
    if on_dossier:
        conditions.append(
            f"{document} IN (SELECT dd.document_id FROM dossier_documents dd "
            "JOIN dossiers ds ON ds.id = dd.dossier_id WHERE " + " AND ".join(on_dossier) + ")"
        )
    return "".join(f" AND {c}" for c in conditions), params


# --- SQLite: FTS5 ---------------------------------------------------------------------


def _fts_unit(unit: Unit, form: str) -> str:
    """One unit in FTS5's query language, in its 'exact' or 'folded' form. Tokens are
    letters and digits only, so quoting them is all the escaping they need."""
    star = "*" if unit.prefix else ""
    if unit.kind == "code":
        return f'codes : "{unit.folded[0]}"{star}'
    if unit.kind == "number":
        return f'{{folded codes}} : "{unit.folded[0]}"{star}'
    if form == "exact" and unit.accented:
        return f'exact : "{" ".join(unit.exact)}"'
    return f'folded : "{" ".join(unit.folded)}"'


class _Sqlite(_Engine):
    document_id = f"(rowid >> {PAGE_BITS})"

    def __init__(self, query: Query, filters: Filters) -> None:
        super().__init__(query, filters)
        self.folded = " AND ".join(_fts_unit(u, "folded") for u in query.units)
        self.exact = " AND ".join(_fts_unit(u, "exact") for u in query.units)
        self.together = f'folded : "{" ".join(query.phrase)}"' if query.phrase else None
        # Every expression matched is narrowed by the filters' tokens.
        self.narrowing = "".join(
            " AND facets : (" + " OR ".join(f'"{t}"' for t in tokens) + ")"
            for tokens in self.facets
        )

    def count(self, session: Session) -> tuple[int, int]:
        row = self._run(
            session,
            f"SELECT count(*) AS pages, count(DISTINCT id >> {PAGE_BITS}) AS documents "
            f"FROM (SELECT rowid AS id FROM search_pages_fts WHERE search_pages_fts MATCH :folded"
            f"{self.filters} LIMIT :counted)",
            {"folded": self._narrowed(self.folded), "counted": COUNT_LIMIT + 1},
        ).one()
        return int(row.pages), int(row.documents)

    def _narrowed(self, expression: str) -> str:
        return f"({expression}){self.narrowing}" if self.narrowing else expression

    def ranked(self, session: Session, limit: int, offset: int) -> list[_Row]:
        """Every matching page scored (BM25, codes weighing more than words); under
        filters, the tiers only (see `_filtered`)."""
        if self.narrowing:
            return self._filtered(session, limit, offset)
        params = {"folded": self.folded, "limit": limit, "offset": offset}
        exact, together = "1", "0"
        if self.accented:
            exact = "id IN (SELECT rowid FROM search_pages_fts WHERE search_pages_fts MATCH :exact)"
            params["exact"] = self.exact
        if self.together:
            together = (
                "id IN (SELECT rowid FROM search_pages_fts WHERE search_pages_fts MATCH :together)"
            )
            params["together"] = self.together
        sql = f"""
            WITH hits AS (
                SELECT rowid AS id, -bm25(search_pages_fts, {_BM25_WEIGHTS}) AS score
                FROM search_pages_fts WHERE search_pages_fts MATCH :folded{self.filters}
            ), flagged AS (
                SELECT id >> {PAGE_BITS} AS document_id, id & {PAGE_MASK} AS page, score,
                       {exact} AS exact, {together} AS together
                FROM hits
            ){_BEST}"""
        return _rows(self._run(session, sql, params))

    def _filtered(self, session: Session, limit: int, offset: int) -> list[_Row]:
        """The few pages that pass the filters, in tiers and newest first in each, not
        scored: BM25 weighs each word by how many pages in the whole index hold it,
        which for a common word ("ho va ten") means reading its every posting, many
        times the cost of finding the pages the filters leave. The tiers are told
        from the pages' own text, which the index holds as words between spaces."""
        params: dict[str, Any] = {"folded": self._narrowed(self.folded), "limit": limit,
                                  "offset": offset}  # fmt: skip
        exact, together = ["1"], "0"
        if self.accented:
            exact = []
            for n, unit in enumerate(u for u in self.query.units if u.accented):
                exact.append(f"instr(' ' || sp.exact || ' ', :exact{n}) > 0")
                params[f"exact{n}"] = f" {' '.join(unit.exact)} "
        if self.query.phrase:
            together = "instr(' ' || sp.folded || ' ', :together) > 0"
            params["together"] = f" {' '.join(self.query.phrase)} "
        sql = f"""
            WITH hits AS (
                SELECT rowid AS id FROM search_pages_fts
                WHERE search_pages_fts MATCH :folded{self.filters}
            ), flagged AS (
                SELECT hits.id >> {PAGE_BITS} AS document_id, hits.id & {PAGE_MASK} AS page,
                       NULL AS score, {" AND ".join(exact)} AS exact, {together} AS together
                FROM hits JOIN search_pages sp ON sp.id = hits.id
            ){_BEST}"""
        return _rows(self._run(session, sql, params))

    def newest(self, session: Session, limit: int, offset: int) -> list[_Row]:
        """Too many pages to score: each tier (exact and together, exact, together, the
        rest) newest document first, read from FTS5 in rowid order only as far as the
        page of results needs."""
        tiers: list[tuple[str, bool, bool]] = []
        exact, folded, together = f"({self.exact})", f"({self.folded})", self.together
        if not self.accented and together is None:
            tiers = [(folded, True, False)]
        elif not self.accented:
            together = f"({together})"
            tiers = [(together, True, True), (f"{folded} NOT {together}", True, False)]
        elif together is None:
            tiers = [(exact, True, False), (f"{folded} NOT {exact}", False, False)]
        else:
            together = f"({together})"
            tiers = [
                (f"{exact} AND {together}", True, True),
                (f"{exact} NOT {together}", True, False),
                (f"({folded} AND {together}) NOT {exact}", False, True),
                (f"{folded} NOT ({exact} OR {together})", False, False),
            ]
        wanted = offset + limit
        found: dict[int, _Row] = {}
        for expression, is_exact, is_together in tiers:
            result = self._run(
                session,
                f"SELECT rowid FROM search_pages_fts WHERE search_pages_fts MATCH :tier"
                f"{self.filters} ORDER BY rowid DESC",
                {"tier": self._narrowed(expression)},
            )
            try:
                for (rowid,) in result:
                    document, page = rowid >> PAGE_BITS, rowid & PAGE_MASK
                    seen = found.get(document)
                    if seen is None:
                        if len(found) == wanted:
                            break  # the pages of the last document wanted are all in
                        found[document] = _Row(document, page, is_exact, is_together, None)
                    elif (seen.exact, seen.together) == (is_exact, is_together):
                        found[document] = _Row(document, page, is_exact, is_together, None)
            finally:
                result.close()
            if len(found) == wanted:
                break
        return list(found.values())[offset:wanted]


# --- PostgreSQL: tsvector -------------------------------------------------------------


def _ts_unit(unit: Unit, form: str) -> str:
    """One unit as tsquery text. A single token needs no weight: an accented token is
    only in the exact part, a folded one is in the folded part whenever it is in the
    exact one, and a code is only in the codes part; without weights the GIN index
    answers alone, with no re-check of each row's vector. A phrase keeps its part's
    weight (exact A, folded B), so it never runs from one part into the next."""
    star = ":*" if unit.prefix else ""
    if unit.kind in ("code", "number"):
        return f"'{unit.folded[0]}'{star}"
    if not unit.accented or form == "folded":
        return _ts_phrase(unit.folded, "B")
    exact = _ts_phrase(unit.exact, "A")
    return exact if form == "exact" else f"({exact} | {_ts_phrase(unit.folded, 'B')})"


def _ts_phrase(words: Sequence[str], weight: str) -> str:
    if len(words) == 1:
        return f"'{words[0]}'"
    return "(" + " <-> ".join(f"'{w}':{weight}" for w in words) + ")"


def _ts_pairs(words: Sequence[str]) -> list[str]:
    """The word pairs of a phrase as lexemes of the `pairs` vector (migration 0005)."""
    return [f"'{a} {b}'" for a, b in pairwise(words)]


class _Postgres(_Engine):
    """A phrase is found through the `pairs` vector first: the GIN index on `vector`
    knows which words a page has but not where, so a phrase ("nguyen van an", a
    procedure's name) made PostgreSQL re-read the whole vector, out of TOAST, of every
    page holding the words (7,000 pages for a common name). The pairs index answers
    "these words side by side" itself, and only the few pages it gives are checked for
    the whole phrase. The tiers are sets found through the indexes, not checks on each
    page's vector, for the same reason."""

    # A hit's document, as the id says it: an expression no index serves, so the
    # filters' documents are probed as a set rather than drive a loop over the pages
    # of each (which reads every such page's vector out of TOAST to match it).
    document_id = f"(sp.id >> {PAGE_BITS})"
    probed = True

    def __init__(self, query: Query, filters: Filters) -> None:
        super().__init__(query, filters)
        self.terms = {
            form: " & ".join(_ts_unit(u, form) for u in query.units)
            for form in ("folded", "exact", "either")
        }
        self.terms["together"] = _ts_phrase(query.phrase, "B") if query.phrase else ""
        # What the index answers is narrowed by the filters' tokens (not the score).
        narrowing = "".join(
            " & (" + " | ".join(f"'{t}'" for t in tokens) + ")" for tokens in self.facets
        )
        for form in ("folded", "exact", "together"):
            if self.terms[form] and narrowing:
                self.terms[form] = f"({self.terms[form]}){narrowing}"
        # The word pairs each match must have: of the quoted phrases; for the tier of
        # the words side by side, of all the words.
        quoted = [p for u in query.units if u.kind == "phrase" for p in _ts_pairs(u.folded)]
        self.terms["pairs"] = " & ".join(quoted)
        self.terms["together_pairs"] = " & ".join(_ts_pairs(query.phrase or ()))
        self.matches = "sp.vector @@ CAST(:folded AS tsquery)"
        if quoted:
            self.matches += " AND sp.pairs @@ CAST(:pairs AS tsquery)"

    def results(self, session: Session, limit: int, offset: int) -> tuple[int, bool, list[_Row]]:
        """One statement, so the matching pages are read once: found (through the
        indexes) and counted; then, when LAZY_PAGES or fewer match, each flagged with
        its tiers, scored with ts_rank when RANK_LIMIT or fewer match (each then read
        again by its key, out of TOAST: the few hundred there are), each document at
        its best page, the page of results. Past LAZY_PAGES the statement stops at the
        count, and the tiers are read newest first (`newest`): flagging every page of
        a common phrase meant checking the whole phrase on thousands of pages."""
        exact, together = "true", "false"
        if self.accented:
            exact = (
                "matched.id IN "
                "(SELECT id FROM search_pages WHERE vector @@ CAST(:exact AS tsquery))"
            )
        if self.query.phrase:
            # The pages with all the pairs. Two words side by side are one pair: the
            # pairs index answers alone. A longer phrase is checked whole on them, as
            # is any phrase under filters, whose tokens the phrase's query carries: a
            # common pair ("ho va") is then narrowed by the filters in the index.
            whole = ""
            if len(self.query.phrase) > 2 or self.facets:
                whole = "vector @@ CAST(:together AS tsquery) AND "
            together = (
                f"matched.id IN (SELECT id FROM search_pages WHERE {whole}"
                "pairs @@ CAST(:together_pairs AS tsquery))"
            )
        rank = f"ts_rank('{_TS_RANK_WEIGHTS}', scored.vector, CAST(:either AS tsquery))"
        order = "exact DESC, together DESC, score DESC NULLS LAST"
        sql = f"""
            WITH matched AS MATERIALIZED (
                SELECT sp.id, sp.document_id, sp.page
                FROM search_pages sp
                WHERE {self.matches}{self.filters}
                LIMIT :counted
            ), counted AS (
                SELECT count(*) AS pages, count(DISTINCT document_id) AS documents
                FROM matched
            ), flagged AS (
                SELECT document_id, page,
                       CAST({exact} AS integer) AS exact,
                       CAST({together} AS integer) AS together,
                       CASE WHEN (SELECT pages FROM counted) <= :rank_limit THEN
                           (SELECT {rank} FROM search_pages scored WHERE scored.id = matched.id)
                       END AS score
                FROM matched
                WHERE (SELECT pages FROM counted) <= :lazy_pages
            ), best AS (
                SELECT *, ROW_NUMBER() OVER (
                    PARTITION BY document_id ORDER BY {order}, page
                ) AS nth
                FROM flagged
            ), chosen AS (
                SELECT document_id, page, exact, together, score FROM best WHERE nth = 1
                ORDER BY {order}, document_id DESC
                LIMIT :limit OFFSET :offset
            )
            SELECT counted.pages, counted.documents, chosen.* FROM counted
            LEFT JOIN chosen ON true
            ORDER BY {order}, chosen.document_id DESC"""
        # A count stopped at COUNT_LIMIT has not all the matches to flag or score.
        params = {"limit": limit, "offset": offset, "counted": COUNT_LIMIT + 1,
                  "rank_limit": min(RANK_LIMIT, COUNT_LIMIT),
                  "lazy_pages": min(LAZY_PAGES, COUNT_LIMIT), **self._used(sql)}  # fmt: skip
        # The planner prices the scoring for every match, though it runs for a few
        # hundred at most, and would compile the statement (JIT: 45 ms) to save less.
        # Past COUNT_LIMIT estimated matches it would read the table in order, to stop
        # early: a check of each page's vector, out of TOAST (10 times the index's time
        # for "ho va ten" at 100,000 documents, and unbounded when the estimate is high).
        session.execute(
            text("SELECT set_config('jit', 'off', true), set_config('enable_seqscan', 'off', true)")
        )
        result = self._run(session, sql, params).all()
        pages, documents = int(result[0].pages), int(result[0].documents)
        exact = pages <= COUNT_LIMIT
        if pages > min(LAZY_PAGES, COUNT_LIMIT) and (documents > offset or not exact):
            return documents, exact, self.newest(session, limit, offset, pages)
        return documents, exact, _rows([r for r in result if r.document_id is not None])

    def newest(  # type: ignore[override]
        self, session: Session, limit: int, offset: int, pages: int = 0
    ) -> list[_Row]:
        """Too many pages to score: each tier (as `_Sqlite.newest`) newest document
        first, its pages read in that order only as far as the page of results needs.

        A tier's pages are found through one index: the words' (all of them, and for
        the exact tiers their exact forms too, in one tsquery), or for the together
        tiers the pairs'. They are sorted by id (integers) and read a few dozen at a
        time; a together tier's pages are checked for the words and the whole phrase
        as they are read (from the page's vector), so only the pages read are.
        A tier's pages need not exclude the better tiers' pages: the tiers before it
        were read to their end, so such a page's document is already found, and is
        skipped (`found`)."""
        tiers = [(e, t) for e in (True, False) for t in (True, False)
                 if (self.accented or e) and (self.query.phrase or not t)]  # fmt: skip
        wanted = offset + limit
        found: dict[int, _Row] = {}
        for is_exact, is_together in tiers:
            words = self.terms["folded"]
            if is_exact and self.accented:
                words = f"({words}) & ({self.terms['exact']})"
            params = {"words": words, "pairs": self.terms["pairs"]}
            check = ""
            if is_together:
                # The pages with every pair, then on each page read the rest: every
                # word (exact for the exact tier) and the whole phrase, from the page's
                # vector. Not one GIN query with the words: the planner thinks a rare
                # few pages have the pairs (most pairs are not in its statistics) and
                # would check the words on each candidate anyway, all of them. Under
                # filters the pages the words and the filters' tokens leave are fewer
                # than a common pair's ("ho va" is on every form): those are read.
                candidates = "sp.pairs @@ CAST(:together_pairs AS tsquery)"
                # (A count stopped at COUNT_LIMIT says only that there are more.)
                if self.facets and pages <= min(FILTERED_READ_PAGES, COUNT_LIMIT):
                    candidates = "sp.vector @@ CAST(:found AS tsquery)"
                    params["found"] = words
                params["together_pairs"] = self.terms["together_pairs"]
                if len(self.query.phrase or ()) > 2 or "pairs" not in candidates:
                    words += f" & {_ts_phrase(self.query.phrase or (), 'B')}"
                params["words"] = words
                check = (
                    " WHERE (SELECT w.vector FROM search_pages w WHERE w.id = c.id) "
                    "@@ CAST(:words AS tsquery)"
                )
            else:
                candidates = "sp.vector @@ CAST(:words AS tsquery)"
            if self.terms["pairs"]:
                candidates += " AND sp.pairs @@ CAST(:pairs AS tsquery)"
            # OFFSET 0 keeps the sort apart, so the check runs on the rows read only.
            sql = f"""
                SELECT c.id FROM (
                    SELECT sp.id FROM search_pages sp
                    WHERE {candidates}{self.filters} AND sp.id < :before
                    ORDER BY sp.id DESC OFFSET 0
                ) c{check}
                LIMIT :batch"""
            params = {name: value for name, value in params.items() if f":{name} " in sql}
            before, complete = 1 << 62, False
            while not complete:
                batch = 3 * max(wanted - len(found), 0) + 10
                result = self._run(session, sql, {**params, "before": before, "batch": batch})
                read = [page_id for (page_id,) in result]
                for page_id in read:
                    document, page = page_id >> PAGE_BITS, page_id & PAGE_MASK
                    seen = found.get(document)
                    if seen is None:
                        if len(found) == wanted:
                            complete = True  # the pages of the last document wanted are in
                            break
                        found[document] = _Row(document, page, is_exact, is_together, None)
                    elif (seen.exact, seen.together) == (is_exact, is_together):
                        found[document] = _Row(document, page, is_exact, is_together, None)
                if len(read) < batch:
                    break  # the tier is read to its end
                before = read[-1]
            if complete or len(found) == wanted:
                break
        return list(found.values())[offset:wanted]

    def _used(self, sql: str) -> dict[str, str]:
        return {name: value for name, value in self.terms.items() if f":{name} " in sql}
