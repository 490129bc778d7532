"""Full-text search at scale: generated dossiers written straight into a fresh database,
the index built, then typical queries timed, on SQLite and on PostgreSQL.

    .venv/bin/python bench/search.py --documents 100000            # both databases
    .venv/bin/python bench/search.py --documents 20000 --databases sqlite

The corpus (`make_corpus`) is what digitising one-stop dossiers stores: dossiers of
the sample generator's procedures, each a receipt and the papers the catalogue lists
for the procedure (ID card copies, forms, certificates), filled with the generator's
people, addresses, ID numbers and dossier codes (`samples/people.py`, `samples/data.py`,
`samples/templates.py`), as page text the way OCR gives it: the forms' lines with their
dotted leaders, about 42 lines a page, a blank back now and then, 2 % of the words read
without their marks, and a third of the dossiers typed with the old tone placement
("hoà", "thuý"). Each document has its fields (the generator's normalised values) and
is attached to its dossier with the one-stop record's unit, date and status.

Timed: the index build (`service.search.reindex`: every document indexed, 200 per
transaction, then the index optimised), and each query through `service.search.search`
in a fresh read session, as the API calls it (query, best 20 documents, their
snippets), after one untimed pass over all queries. The index size is the database's
own count: SQLite's dbstat over search_pages, its unique index and the FTS5 tables;
PostgreSQL's pg_total_relation_size('search_pages') (table, TOAST, GIN and b-tree).

PostgreSQL: --postgres-url names a server to make a database on (also read from
DIGITIZE_TEST_POSTGRES_URL); otherwise a throwaway cluster is started with the
installed binaries, default settings but for the port. The figures are saved as JSON
in bench/results/.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import unicodedata
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from enum import Enum
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from sqlalchemy import JSON, create_engine, insert, text
from sqlalchemy.engine import Engine, make_url

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from digitize.understand.vietnamese import fold
from models import Database, Document, Dossier, DossierDocument, Field, Page, Scan, SearchPage
from models.base import create_engine_for
from models.migrate import upgrade
from samples import data
from samples import templates as t
from samples.expected import expected_values
from samples.people import Case, make_case
from samples.render import document_values, fill
from samples.stack import dossier_documents, other_code, spouse_case
from samples.templates import ALL_TEMPLATES, GIAY_TIEP_NHAN
from service.search import (
    Filters,
    document_facets,
    field_values,
    index_size,
    optimise,
    page_rows,
    reindex,
    search,
)
from tests.service_fixtures import start_cluster

REPO = Path(__file__).resolve().parent.parent
RESULTS = REPO / "bench" / "results"
LINES_PER_PAGE = 42
LEADERS = "." * 15
BLANK_BACK_SHARE = 0.05
BARE_WORD_SHARE = 0.02  # words OCR reads without their marks
OLD_STYLE_SHARE = 1 / 3  # dossiers typed with the old tone placement
STATUSES = ("received", "processing", "done", "done", "returned")
INSERT_BATCH = 2000
FLUSH_DOCUMENTS = 20_000  # documents per chunk of a bulk load (see make_corpus)
QUERY_MATERIAL = ("names", "ids", "codes", "units", "wards")

# Old-style tone placement as keyboards and older systems type it (see
# digitize.understand.vietnamese.canonical, which makes both one form).
OLD_STYLE = {
    "hòa": "hoà", "Hòa": "Hoà", "HÒA": "HOÀ", "hóa": "hoá", "Hóa": "Hoá", "họa": "hoạ",
    "tòa": "toà", "khỏe": "khoẻ", "thủy": "thuỷ", "Thủy": "Thuỷ", "Thúy": "Thuý",
    "Thùy": "Thuỳ", "ủy": "uỷ", "Ủy": "Uỷ", "ỦY": "UỶ", "tùy": "tuỳ",
}  # fmt: skip


# --- the corpus -----------------------------------------------------------------------


@dataclass
class Corpus:
    dossiers: list[dict[str, Any]] = field(default_factory=list)
    scans: list[dict[str, Any]] = field(default_factory=list)
    pages: list[dict[str, Any]] = field(default_factory=list)
    documents: list[dict[str, Any]] = field(default_factory=list)
    fields: list[dict[str, Any]] = field(default_factory=list)
    attachments: list[dict[str, Any]] = field(default_factory=list)
    # What typical queries ask for, drawn from what was generated.
    names: list[tuple[str, str]] = field(default_factory=list)  # (name, procedure key)
    ids: list[str] = field(default_factory=list)
    codes: list[str] = field(default_factory=list)
    units: list[str] = field(default_factory=list)
    wards: list[str] = field(default_factory=list)


def template_pages(template: t.Template, case: Case) -> tuple[list[str], set[str]]:
    """The document's page texts as OCR reads them, in reading order, and the case keys
    printed on it; nothing is laid out (the renderer takes 80 ms a document)."""
    values = document_values(template, case)
    used: dict[str, str] = {}
    lines: list[str] = []
    breaks: list[int] = []

    def put(text: str) -> None:
        lines.append(fill(text, values, used))

    def value(f: t.Field | t.CardField) -> str:
        if not f.key:
            return ""
        used[f.key] = str(values[f.key])
        printed = str(values[f.key])
        return printed.upper() if f.upper else printed

    for block in template.blocks:
        match block:
            case t.FormNumber(text=number):
                put(number)
            case t.NationalHeader(left=left, right_extra=extra):
                for item in left:
                    put(item.text)
                put("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM")
                put("Độc lập - Tự do - Hạnh phúc")
                for item in extra:
                    put(item.text)
            case t.Title(text=title, subtitle=subtitle):
                put(title)
                for item in subtitle:
                    put(item.text)
            case t.Centered(text=line) | t.Heading(text=line) | t.Paragraph(text=line):
                put(line)
            case t.Field() | t.FieldRow():
                row = block.fields if isinstance(block, t.FieldRow) else (block,)
                lines.append(
                    " ".join(f"{fill(f.label, values)}: {value(f)}......" for f in row)[:-6]
                    + LEADERS
                )
            case t.ItemList(key=key, suffix=suffix):
                lines.extend(f"{n}. {item}{suffix}" for n, item in enumerate(values[key], 1))
            case t.Signature(caption=caption, hint=hint, name_key=name_key, date_line=dated):
                if dated:
                    put(t.DATE_LINE)
                lines += [caption, hint]
                if name_key:
                    put("{" + name_key + "}")
            case t.Card(header=header, title=title, rows=rows):
                for item in (*header, *title):
                    put(item.text)
                for card_row in rows:
                    for f in card_row:
                        label = fill(f.label, values)
                        lines.extend(
                            [f"{label}:", value(f)] if f.below else [f"{label}: {value(f)}"]
                        )
            case t.PageBreak():
                breaks.append(len(lines))
            case _:
                pass  # codes and spacing: no text
    pages: list[str] = []
    start = 0
    for end in [*breaks, len(lines)]:
        for first in range(start, end, LINES_PER_PAGE):
            pages.append("\n".join(lines[first : min(end, first + LINES_PER_PAGE)]))
        start = end
    return [p for p in pages if p.strip()], set(used)


def ocr_like(text: str, rng: random.Random, old_style: bool) -> str:
    words = text.split(" ")
    for i, word in enumerate(words):
        if old_style and word in OLD_STYLE:
            word = OLD_STYLE[word]
        if rng.random() < BARE_WORD_SHARE:
            decomposed = unicodedata.normalize("NFD", word)
            word = unicodedata.normalize(
                "NFC", "".join(c for c in decomposed if not unicodedata.combining(c))
            )
        words[i] = word
    return " ".join(words)


def make_corpus(documents: int, seed: int, flush: Callable[[Corpus], None] | None = None) -> Corpus:
    """The corpus of `documents` documents. With `flush`, its rows are handed to it
    every FLUSH_DOCUMENTS documents (whole dossiers) and dropped, so a million documents
    never sit in memory at once; the query material is kept whole."""
    rng = random.Random(f"{seed}:search-bench")
    corpus = Corpus()
    procedures = [p.key for p in data.PROCEDURES]
    taken: set[str] = set()
    dossier_id = document_id = page_id = 0
    while document_id < documents:
        if flush is not None and len(corpus.documents) >= FLUSH_DOCUMENTS:
            flush(corpus)
            for rows in (corpus.dossiers, corpus.scans, corpus.pages, corpus.documents,
                         corpus.fields, corpus.attachments):  # fmt: skip
                rows.clear()
        dossier_id += 1
        procedure = rng.choice(procedures)
        planned = dossier_documents(procedure, rng)
        young = any(ALL_TEMPLATES[d.template].young_family for d in planned)
        case = make_case(random.Random(f"{seed}:case:{dossier_id}"), procedure, young_family=young)
        code = str(case.values["dossier_code"])
        if code in taken:
            code = other_code(code, taken, rng)
        taken.add(code)
        corpus.dossiers.append(
            {
                "id": dossier_id, "code": code, "procedure": procedure,
                "procedure_code": case.procedure.code, "applicant_name": case.applicant.name,
                "applicant_id_number": case.applicant.id_number,
                "receiving_unit": fill(GIAY_TIEP_NHAN.issuer, case.values),
                "received_date": case.document_date, "status": rng.choice(STATUSES),
                "origin": "imported", "review": [],
            }
        )  # fmt: skip
        corpus.scans.append(
            {"id": dossier_id, "sha256": uuid.UUID(int=rng.getrandbits(128)).hex * 2,
             "size": 1, "format": "pdf", "original_name": f"lo-{dossier_id:06d}.pdf",
             "status": "done", "warnings": []}
        )  # fmt: skip
        old_style = rng.random() < OLD_STYLE_SHARE
        scan_page = 0
        papers = [(GIAY_TIEP_NHAN, case)] + [
            (ALL_TEMPLATES[d.template], spouse_case(case, rng) if d.holder == "spouse" else case)
            for d in planned
        ]
        for index, (template, holder) in enumerate(papers):
            if document_id >= documents:
                break
            document_id += 1
            texts, printed = template_pages(template, holder)
            numbers = []
            for page_text in texts:
                scan_page += 1
                page_id += 1
                numbers.append(scan_page)
                corpus.pages.append(
                    _page(page_id, dossier_id, scan_page, ocr_like(page_text, rng, old_style))
                )
                if rng.random() < BLANK_BACK_SHARE:  # the sheet's empty back
                    scan_page += 1
                    page_id += 1
                    numbers.append(scan_page)
                    corpus.pages.append(_page(page_id, dossier_id, scan_page, ""))
            try:
                document_procedure = template.document_procedure(procedure)
            except ValueError:
                document_procedure = None
            corpus.documents.append(
                {
                    "id": document_id, "scan_id": dossier_id, "index": index,
                    "dossier_id": dossier_id, "doc_type": template.doc_type,
                    "doc_type_name": template.title.capitalize(), "procedure": document_procedure,
                    "procedure_code": data.PROCEDURE_BY_KEY[document_procedure].code
                    if document_procedure else None,
                    "confidence": 0.95, "procedure_confidence": 0.9, "pages": numbers,
                    "holder_id_number": holder.applicant.id_number,
                    "issue_date": case.document_date, "review": [],
                }
            )  # fmt: skip
            corpus.attachments.append(
                {"dossier_id": dossier_id, "document_id": document_id, "position": index,
                 "origin": "scanned"}
            )  # fmt: skip
            expected = expected_values(template, holder, printed)
            for name, field_value in expected.items():
                shown = str(field_value)
                page = next(
                    (n for n, p in zip(numbers, texts, strict=False) if shown in p), numbers[0]
                )
                corpus.fields.append(
                    {"document_id": document_id, "name": name, "value": field_value,
                     "raw": shown, "confidence": 0.9, "page": page, "review": False,
                     "problems": []}
                )  # fmt: skip
        corpus.names.append((case.applicant.name, procedure))
        corpus.ids.append(case.applicant.id_number)
        corpus.codes.append(code)
        corpus.units.append(str(corpus.dossiers[-1]["receiving_unit"]))
        corpus.wards.append(case.address.ward)
    if flush is not None and corpus.documents:
        flush(corpus)
    return corpus


def _page(page_id: int, scan_id: int, number: int, page_text: str) -> dict[str, Any]:
    return {"id": page_id, "scan_id": scan_id, "number": number, "status": "done",
            "text": page_text, "blank": not page_text}  # fmt: skip


def load(engine: Engine, corpus: Corpus) -> None:
    """The corpus into the tables, a few thousand rows per statement."""
    now = datetime.now(UTC)
    tables: list[tuple[Any, list[dict[str, Any]]]] = [
        (Dossier, [{**r, "created_at": now, "updated_at": now} for r in corpus.dossiers]),
        (Scan, [{**r, "created_at": now, "pages_total": None} for r in corpus.scans]),
        (Page, corpus.pages),
        (Document, [{**r, "created_at": now} for r in corpus.documents]),
        (Field, corpus.fields),
        (DossierDocument, [{**r, "added_at": now} for r in corpus.attachments]),
    ]
    for model, rows in tables:
        for start in range(0, len(rows), INSERT_BATCH):
            with engine.begin() as connection:
                connection.execute(insert(model), rows[start : start + INSERT_BATCH])


# --- PostgreSQL bulk build ------------------------------------------------------------
# At a million documents the row-by-row load and `reindex` take hours. The bulk build
# writes each chunk of the corpus with COPY, makes its index rows in this process with
# the function `index_documents` uses (service.search.page_rows, so the rows are the
# same), and builds the secondary indexes once at the end.


class BulkBuild:
    """A PostgreSQL database filled chunk by chunk (`add`), then indexed (`finish`)."""

    TABLES = ("dossiers", "scans", "pages", "documents", "fields", "dossier_documents",
              "search_pages")  # fmt: skip

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.connection = engine.raw_connection()
        self.raw: Any = self.connection.driver_connection  # psycopg's
        self.load_seconds = self.index_seconds = 0.0
        self.documents = self.pages = 0
        self.models = {m.__tablename__: m for m in (Dossier, Scan, Page, Document, Field,
                                                     DossierDocument, SearchPage)}  # fmt: skip
        with self.raw.cursor() as cursor:
            # Secondary indexes are built once, after the rows are in (constraint
            # indexes stay: the keys are checked as rows come).
            cursor.execute(
                "SELECT i.indexname, i.indexdef FROM pg_indexes i "
                "WHERE i.schemaname = 'public' AND i.tablename = ANY(%s) AND NOT EXISTS "
                "(SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)",
                (list(self.TABLES),),
            )
            self.indexes = cursor.fetchall()
            for name, _ in self.indexes:
                cursor.execute(f'DROP INDEX "{name}"')
        self.raw.commit()

    def add(self, corpus: Corpus) -> None:
        started = time.perf_counter()
        now = datetime.now(UTC)
        tables: list[tuple[str, list[dict[str, Any]]]] = [
            ("dossiers", [{**r, "created_at": now, "updated_at": now} for r in corpus.dossiers]),
            ("scans", [{**r, "created_at": now, "pages_total": None} for r in corpus.scans]),
            ("pages", corpus.pages),
            ("documents", [{**r, "created_at": now} for r in corpus.documents]),
            ("fields", corpus.fields),
            ("dossier_documents", [{**r, "added_at": now} for r in corpus.attachments]),
        ]
        with self.raw.cursor() as cursor:
            # The feed's triggers and the foreign keys' checks are off for the bulk
            # rows (the search bench reads neither; the rows are made consistent).
            cursor.execute("SET session_replication_role = replica")
            for table, rows in tables:
                self._copy(cursor, table, rows)
        self.raw.commit()
        indexing = time.perf_counter()
        self.load_seconds += indexing - started
        texts = {(p["scan_id"], p["number"]): p["text"] for p in corpus.pages}
        pages_of = {d["id"]: d["pages"] for d in corpus.documents}
        values = field_values(
            (SimpleNamespace(**f, corrected_value=None, corrected_by=None) for f in corpus.fields),
            pages_of,
        )
        by_id = {d["id"]: d for d in corpus.dossiers}
        facets = document_facets(
            (SimpleNamespace(**d) for d in corpus.documents),
            (SimpleNamespace(document_id=a["document_id"], **by_id[a["dossier_id"]])
             for a in corpus.attachments),
        )  # fmt: skip
        rows = page_rows(
            ((d["id"], d["scan_id"], d["pages"]) for d in corpus.documents), texts, values, facets
        )
        with self.raw.cursor() as cursor:
            cursor.execute("SET session_replication_role = replica")
            self._copy(cursor, "search_pages", rows)
        self.raw.commit()
        self.index_seconds += time.perf_counter() - indexing
        self.documents += len(corpus.documents)
        self.pages += len(rows)
        print(f"  bulk: {self.documents} documents, {self.pages} pages indexed", flush=True)

    def _copy(self, cursor: Any, table: str, rows: list[dict[str, Any]]) -> None:
        if not rows:
            return
        columns = self.models[table].__table__.columns
        given = [c for c in columns if c.name in rows[0]]
        # Columns the rows leave out get the model's default, as an INSERT gives them.
        defaults = {
            c.name: (c.default.arg(None) if callable(c.default.arg) else c.default.arg)
            for c in columns
            if c.name not in rows[0] and c.default is not None and not c.computed
        }
        names = [c.name for c in given] + list(defaults)
        as_json = {c.name for c in columns if isinstance(c.type, JSON)}
        quoted = ", ".join(f'"{n}"' for n in names)
        statement = f"COPY {table} ({quoted}) FROM STDIN"
        with cursor.copy(statement) as copy:
            for row in rows:
                values = [row[c.name] for c in given] + list(defaults.values())
                copy.write_row(
                    [json.dumps(v, ensure_ascii=False, default=str) if n in as_json else
                     (v.value if isinstance(v, Enum) else v)
                     for n, v in zip(names, values, strict=True)]
                )  # fmt: skip

    def finish(self) -> None:
        """The secondary indexes built (a GIN index built at once is far quicker than
        one kept up row by row), then VACUUM ANALYZE as `reindex` ends."""
        started = time.perf_counter()
        with self.raw.cursor() as cursor:
            cursor.execute("SET maintenance_work_mem = '512MB'")  # this build's session only
            for _, definition in self.indexes:
                cursor.execute(definition)
        self.raw.commit()
        self.connection.close()
        optimise(self.engine)
        self.index_seconds += time.perf_counter() - started


def save_material(engine: Engine, corpus: Corpus) -> None:
    """What the queries are drawn from, kept in the database itself, so a later run on a
    kept database needs no corpus generated again (minutes at a million documents)."""
    material = {name: getattr(corpus, name) for name in QUERY_MATERIAL}
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE IF NOT EXISTS bench_material (material jsonb)"))
        connection.execute(text("DELETE FROM bench_material"))
        connection.execute(
            text("INSERT INTO bench_material VALUES (CAST(:m AS jsonb))"),
            {"m": json.dumps(material, ensure_ascii=False)},
        )


def saved_material(engine: Engine) -> Corpus | None:
    with engine.connect() as connection:
        if not connection.scalar(text("SELECT to_regclass('bench_material') IS NOT NULL")):
            return None
        material = connection.scalar(text("SELECT material FROM bench_material"))
    if not material:
        return None
    corpus = Corpus()
    for name in QUERY_MATERIAL:
        setattr(corpus, name, [tuple(v) if isinstance(v, list) else v for v in material[name]])
    return corpus


# --- queries --------------------------------------------------------------------------


@dataclass(frozen=True)
class QueryKind:
    name: str
    make: Callable[[Corpus, random.Random], tuple[str, Filters]]


def _name(corpus: Corpus, rng: random.Random) -> tuple[str, str]:
    return rng.choice(corpus.names)


QUERY_KINDS = (
    QueryKind("name, with marks", lambda c, r: (_name(c, r)[0], Filters())),
    QueryKind("name, without marks", lambda c, r: (fold(_name(c, r)[0]), Filters())),
    QueryKind(
        "name, no marks + procedure",
        lambda c, r: (lambda n: (fold(n[0]), Filters(procedure=n[1])))(_name(c, r)),
    ),
    QueryKind(
        "procedure phrase",
        lambda c, r: (
            (lambda name: name if r.random() < 0.5 else fold(name))(r.choice(data.PROCEDURES).name),
            Filters(),
        ),
    ),
    QueryKind("ward name", lambda c, r: (r.choice(c.wards).split(" ", 1)[1], Filters())),
    QueryKind("ID number, whole", lambda c, r: (r.choice(c.ids), Filters())),
    QueryKind("ID number, first 7", lambda c, r: (r.choice(c.ids)[:7], Filters())),
    QueryKind("dossier code, whole", lambda c, r: (r.choice(c.codes), Filters())),
    QueryKind("dossier code, unit part", lambda c, r: (r.choice(c.codes).split("-")[0], Filters())),
    QueryKind(
        "common words + filters",
        lambda c, r: (
            r.choice(("giấy chứng nhận", "tờ khai", "ủy ban nhân dân", "ho va ten", "dia chi")),
            _recent_filters(c, r),
        ),
    ),
)


def _recent_filters(corpus: Corpus, rng: random.Random) -> Filters:
    start = date(2023, 1, 1) + timedelta(days=rng.randint(0, 800))
    return Filters(
        status=rng.choice(("done", "received")),
        date_from=start,
        date_to=start + timedelta(days=90),
        receiving_unit=rng.choice(corpus.units) if rng.random() < 0.5 else None,
    )


@dataclass
class Timing:
    kind: str
    example: str
    latencies_ms: list[float]
    cpu_ms: list[float]  # this process's CPU time: SQLite's work, not a server's
    totals: list[int]

    def summary(self) -> dict[str, Any]:
        ordered = sorted(self.latencies_ms)
        cpu = sorted(self.cpu_ms)
        return {
            "kind": self.kind,
            "example": self.example,
            "queries": len(ordered),
            "p50_ms": round(statistics.median(ordered), 1),
            "p95_ms": round(ordered[max(0, round(0.95 * len(ordered)) - 1)], 1),
            "max_ms": round(ordered[-1], 1),
            "cpu_p50_ms": round(statistics.median(cpu), 1),
            "cpu_p95_ms": round(cpu[max(0, round(0.95 * len(cpu)) - 1)], 1),
            "median_matches": int(statistics.median(self.totals)),
        }


def time_queries(database: Database, corpus: Corpus, per_kind: int, seed: int) -> list[Timing]:
    rng = random.Random(f"{seed}:queries")
    planned = [(kind, [kind.make(corpus, rng) for _ in range(per_kind)]) for kind in QUERY_KINDS]
    for _, queries in planned:  # untimed: the caches as a running service has them
        for query, filters in queries:
            _run(database, query, filters)
    timings = []
    for kind, queries in planned:
        timing = Timing(kind.name, queries[0][0], [], [], [])
        for query, filters in queries:
            elapsed, cpu, total = _run(database, query, filters)
            timing.latencies_ms.append(elapsed * 1000)
            timing.cpu_ms.append(cpu * 1000)
            timing.totals.append(total)
        timings.append(timing)
    return timings


def _run(database: Database, query: str, filters: Filters) -> tuple[float, float, int]:
    started, cpu = time.perf_counter(), time.process_time()
    with database.reads() as session:
        results = search(session, query, filters, limit=20)
    return time.perf_counter() - started, time.process_time() - cpu, results.total


# --- the databases --------------------------------------------------------------------


@dataclass
class Target:
    name: str
    url: str
    size_of_database: Callable[[Engine], int]
    cleanup: Callable[[], None]


def sqlite_target(folder: Path) -> Target:
    path = folder / "search-bench.db"

    def size(_engine: Engine) -> int:
        return sum(p.stat().st_size for p in folder.glob("search-bench.db*"))

    return Target("sqlite", f"sqlite:///{path}", size, lambda: None)


def postgres_target(given: str | None, keep: str | None = None) -> Target:
    """`keep` names a database on `given` that outlives the run: made and built the first
    time, reused as it is by later runs (the build takes minutes at 100,000 documents)."""
    stop: list[str] | None = None
    cluster: Path | None = None
    if given:
        admin_url = given
    else:
        server = start_cluster(durable=True)  # default settings, as a deployment has them
        if server is None:
            raise SystemExit("no PostgreSQL binaries: pass --postgres-url or --databases sqlite")
        admin_url, stop, cluster = server.admin_url, server.stop, server.folder
    name = keep or f"search_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        known = text("SELECT 1 FROM pg_database WHERE datname = :n")
        if not connection.scalar(known, {"n": name}):
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(admin_url).set(database=name).render_as_string(hide_password=False)

    def size(engine: Engine) -> int:
        with engine.connect() as connection:
            return int(connection.scalar(text("SELECT pg_database_size(current_database())")))

    def cleanup() -> None:
        if keep:
            admin.dispose()
            return
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
        if stop is not None:
            subprocess.run(stop, check=False, capture_output=True, timeout=120)
        if cluster is not None:
            shutil.rmtree(cluster, ignore_errors=True)

    return Target("postgresql", url, size, cleanup)


def bench(
    target: Target, corpus: Callable[..., Corpus], per_kind: int, seed: int, bulk: bool
) -> dict[str, Any]:
    """`corpus(flush=...)` makes the corpus (once: see main); a bulk build (PostgreSQL)
    takes it chunk by chunk."""
    engine = create_engine_for(target.url)
    try:
        upgrade(engine)
        database = Database.on(engine)
        load_before = os.getloadavg()
        with engine.connect() as connection:
            stored = connection.scalar(text("SELECT count(*) FROM documents"))
        material = saved_material(engine) if stored and target.name == "postgresql" else None
        if stored:  # a kept database built by an earlier run: its corpus is the same seed's
            loaded = built = 0.0
            with engine.connect() as connection:
                documents = stored
                pages = connection.scalar(text("SELECT count(*) FROM search_pages"))
            print(f"{target.name}: reusing {documents} documents ({pages} pages)", flush=True)
            queries_from = material or corpus()
        elif bulk:
            build = BulkBuild(engine)
            queries_from = corpus(flush=build.add)
            build.finish()
            loaded, built = build.load_seconds, build.index_seconds
            documents, pages = build.documents, build.pages
            save_material(engine, queries_from)
        else:
            queries_from = corpus()
            started = time.perf_counter()
            load(engine, queries_from)
            loaded = time.perf_counter() - started
            started = time.perf_counter()
            documents, pages = reindex(database)
            built = time.perf_counter() - started
            if target.name == "postgresql":
                save_material(engine, queries_from)
        result = {
            "database": target.name,
            "documents": documents,
            "pages_indexed": pages,
            "bulk": bulk and not stored,
            "load_seconds": round(loaded, 1),
            "index_build_seconds": round(built, 1),
            "index_bytes": index_size(engine),
            "database_bytes": target.size_of_database(engine),
            "loadavg_before_build": load_before,
            "reused": bool(stored),  # build figures are then the earlier run's
        }
        if not stored:
            print(
                f"{target.name}: loaded in {loaded:.1f} s, indexed {documents} documents "
                f"({pages} pages) in {built:.1f} s",
                flush=True,
            )
        timings = time_queries(database, queries_from, per_kind, seed)
        result["queries"] = [t.summary() for t in timings]
        result["loadavg_after_queries"] = os.getloadavg()
        return result
    finally:
        engine.dispose()
        target.cleanup()


def print_table(results: list[dict[str, Any]]) -> None:
    for result in results:
        mib = result["index_bytes"] / 2**20
        print(
            f"\n{result['database']}: {result['documents']} documents, "
            f"{result['pages_indexed']} pages indexed in {result['index_build_seconds']} s; "
            f"index {mib:.0f} MiB (database {result['database_bytes'] / 2**20:.0f} MiB); "
            f"load average {result['loadavg_before_build'][0]:.2f} before the build, "
            f"{result['loadavg_after_queries'][0]:.2f} after the queries"
        )
        print(
            f"  {'query':<28} {'example':<34} {'matches':>8} {'p50 ms':>7} {'p95 ms':>7}"
            f" {'cpu p50':>8} {'cpu p95':>8}"
        )
        for row in result["queries"]:
            print(
                f"  {row['kind']:<28} {row['example'][:34]:<34} {row['median_matches']:>8} "
                f"{row['p50_ms']:>7} {row['p95_ms']:>7} {row['cpu_p50_ms']:>8} "
                f"{row['cpu_p95_ms']:>8}"
            )
        every = [q["p95_ms"] for q in result["queries"]]
        print(f"  worst p95 of a kind: {max(every)} ms")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--documents", type=int, default=100_000)
    parser.add_argument("--databases", nargs="+", choices=("sqlite", "postgresql"),
                        default=["sqlite", "postgresql"])  # fmt: skip
    parser.add_argument("--queries", type=int, default=40, help="queries of each kind")
    parser.add_argument("--seed", type=int, default=5)
    parser.add_argument("--postgres-url", default=os.environ.get("DIGITIZE_TEST_POSTGRES_URL"))
    parser.add_argument(
        "--keep", type=Path, metavar="DIR", help="keep the SQLite database in DIR, to look at"
    )
    parser.add_argument(
        "--keep-postgres", metavar="NAME",
        help="build into database NAME on --postgres-url and keep it; a later run with the "
        "same NAME, --documents and --seed times the queries on it without rebuilding",
    )  # fmt: skip
    parser.add_argument(
        "--row-by-row", action="store_true",
        help="PostgreSQL: load with INSERTs and index with service.search.reindex (the "
        "service's own path; hours at a million documents) instead of the bulk build",
    )  # fmt: skip
    args = parser.parse_args(argv)

    made: list[Corpus] = []

    def corpus(flush: Callable[[Corpus], None] | None = None) -> Corpus:
        """The corpus, generated once (a bulk build takes it in chunks, as it is made)."""
        if made and flush is None and made[0].pages:
            return made[0]
        started = time.perf_counter()
        made[:] = [make_corpus(args.documents, args.seed, flush)]
        print(
            f"corpus: {args.documents} documents, {len(made[0].dossiers)} dossiers "
            f"({time.perf_counter() - started:.0f} s to generate"
            f"{', load and index' if flush else ''})",
            flush=True,
        )
        return made[0]

    results: list[dict[str, Any]] = []
    RESULTS.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    out = RESULTS / f"search-{args.documents}-{stamp}.json"
    for name in args.databases:
        kept = args.keep is not None and name == "sqlite"
        folder = args.keep if kept else Path(tempfile.mkdtemp(prefix=f"bench-search-{name}-"))
        folder.mkdir(parents=True, exist_ok=True)
        try:
            target = (
                sqlite_target(folder) if name == "sqlite"
                else postgres_target(args.postgres_url, args.keep_postgres)
            )  # fmt: skip
            results.append(bench(target, corpus, args.queries, args.seed, bulk=not args.row_by_row))
        finally:
            if not kept:
                shutil.rmtree(folder, ignore_errors=True)
        print_table(results[-1:])
        out.write_text(  # after each database: a failure later loses nothing
            json.dumps({"cores": os.cpu_count(), "results": results}, indent=2, default=str),
            encoding="utf-8",
        )
    print(f"\nsaved {out.relative_to(REPO)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
