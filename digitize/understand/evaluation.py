"""Scoring understanding against ground truth: document types, procedures, fields.

Truth files are the sample generator's (`samples/README.md`): per file a list of
`documents`, each with its pages, document type, procedure and the expected
normalised value of every field. A predicted document is matched to a true one by
its first page.
"""

from __future__ import annotations

import json
import math
import unicodedata
from collections import defaultdict
from pathlib import Path
from typing import Any

from digitize.understand.catalogue import Catalogue, FieldKind

SURE = "fields returned sure"  # right = sure and right; total = returned with review false
SURE_UNLABELLED = "fields returned sure, none expected"
BLANK_SURE = "fields returned sure on blank forms"
HAND_FLAGGED = "handwritten fields flagged"  # review true with the problem "handwritten"
TYPED_NOT_HAND = "typed fields not taken for handwriting"
# Tables read as rows (issue 13), scored apart so the field figures keep their meaning.
TABLE_ROWS = "table rows found"  # a true row has a row at its place; extra rows count wrong
TABLE_ROWS_EXACT = "table rows exact"  # every cell of the row right
TABLE_CELLS = "table cells (all)"
TABLE_SURE = "table cells returned sure"  # right = sure and right, as SURE for fields
TABLE_BLANK_SURE = "table cells returned sure on blank forms"
TABLE_HAND_FLAGGED = "table cells handwritten flagged"
# The splits of a development set whose templates and wordings no rule or model was
# built from: only their figures are read, never what they got wrong file by file.
BLIND_SPLITS = ("heldout", "unseen")


def score_results(truths: Path, results: Path, catalogue: Catalogue) -> dict[str, Any]:
    """Compare result JSONs with truth files: document type, procedure, fields.

    Besides exact accuracy, counts what a user cannot see: fields returned sure
    (`review: false`) and whether they were right (a wrong one is a silent error); a
    field returned sure where the truth expects none; and on files whose truth says
    `"blank": true` (a form nobody filled in), every field returned sure.
    """
    tally: dict[str, list[int]] = defaultdict(lambda: [0, 0])  # name -> [right, total]
    misses: list[str] = []
    for truth_path in sorted(truths.glob("*.json")):
        truth = json.loads(truth_path.read_text(encoding="utf-8"))
        result_path = results / f"{Path(truth['file']).stem}.json"
        predicted = (
            json.loads(result_path.read_text(encoding="utf-8")).get("documents", [])
            if result_path.is_file()
            else []
        )
        if truth.get("blank"):
            for doc in predicted:
                for table in doc.get("tables") or ():
                    for row in table.get("rows") or ():
                        for name, cell in row.items():
                            sure = cell.get("value") is not None and not cell.get("review")
                            _count(
                                tally,
                                TABLE_BLANK_SURE,
                                not sure,
                                misses,
                                f"{truth['file']} (blank): table {table.get('name')} {name} "
                                f"{cell.get('value')!r} returned sure",
                            )
                for name, got in (doc.get("fields") or {}).items():
                    sure = got.get("value") is not None and not got.get("review")
                    # right = fields flagged or empty; total = every field returned
                    _count(
                        tally,
                        BLANK_SURE,
                        not sure,
                        misses,
                        f"{truth['file']} (blank): {name} {got.get('value')!r} returned sure",
                    )
            continue
        by_first_page = {doc["pages"][0]: doc for doc in predicted if doc["pages"]}
        for expected in truth.get("documents", []):
            first = min(expected["pages"])
            got = by_first_page.get(first, {})
            where = f"{truth['file']} p{first}"
            _count(
                tally,
                "document type",
                got.get("doc_type") == expected["doc_type"],
                misses,
                f"{where}: type {got.get('doc_type')} != {expected['doc_type']}",
            )
            if expected.get("procedure"):
                got_procedure = (got.get("procedure") or {}).get("key")
                _count(
                    tally,
                    "procedure",
                    got_procedure == expected["procedure"],
                    misses,
                    f"{where}: procedure {got_procedure} != {expected['procedure']}",
                )
            doc = catalogue.document_types.get(expected["doc_type"])
            wanted = expected.get("expected", {})
            for name, want in wanted.items():
                spec = doc.field(name) if doc else None
                if spec is None:
                    continue  # a value the catalogue does not ask for
                entry = got.get("fields", {}).get(name) or {}
                value = entry.get("value")
                right = _same(value, want)
                _count(
                    tally, f"field {name}", right, misses, f"{where}: {name} {value!r} != {want!r}"
                )
                _count(tally, "fields (all)", right, [], "")
                if spec.kind is FieldKind.ID_NUMBER:
                    _count(tally, "ID numbers", right, [], "")
                if value is not None and not entry.get("review"):
                    _count(
                        tally,
                        SURE,
                        right,
                        misses,
                        f"{where}: SILENT {name} {value!r} != {want!r}",
                    )
                    _count(tally, sure_of(f"field {name}"), right, [], "")
                    if spec.kind is FieldKind.ID_NUMBER:
                        _count(tally, sure_of("ID numbers"), right, [], "")
            hand = set(expected.get("handwritten", ()))
            for name in sorted(hand):
                entry = got.get("fields", {}).get(name) or {}
                flagged = bool(entry.get("review")) and "handwritten" in entry.get("problems", ())
                _count(
                    tally,
                    HAND_FLAGGED,
                    flagged,
                    misses,
                    f"{where}: handwritten {name} not flagged ({entry.get('problems')})",
                )
                if entry.get("value") is not None and not entry.get("review"):
                    _count(tally, SURE, False, misses, f"{where}: SILENT handwritten {name}")
            for name in wanted:
                entry = got.get("fields", {}).get(name) or {}
                typed_ok = "handwritten" not in entry.get("problems", ())
                _count(
                    tally, TYPED_NOT_HAND, typed_ok, misses, f"{where}: typed {name} taken for hand"
                )
            _score_tables(tally, misses, where, expected.get("tables"), got.get("tables"))
            if got.get("doc_type") == expected["doc_type"]:
                for name, entry in (got.get("fields") or {}).items():
                    if name in wanted or name in hand:
                        continue
                    if entry.get("value") is None or entry.get("review"):
                        continue
                    _count(
                        tally,
                        SURE_UNLABELLED,
                        False,
                        misses,
                        f"{where}: {name} {entry.get('value')!r} returned sure, none expected",
                    )
    return {
        "scores": {name: {"right": r, "total": t} for name, (r, t) in sorted(tally.items())},
        "misses": misses,
    }


def _score_tables(
    tally: dict[str, list[int]],
    misses: list[str],
    where: str,
    expected: dict[str, list[dict[str, object]]] | None,
    got: list[dict[str, Any]] | None,
) -> None:
    """Rows and cells of each true table against the predicted table of that name, row
    by row in order (a row missing, or an extra row, shifts nothing: rows are compared
    by position, as a reader of the table would)."""
    if expected is None:
        return  # the truth lists no tables for this document
    by_name = {t.get("name"): t for t in got or ()}
    for name, rows in expected.items():
        predicted = (by_name.get(name) or {}).get("rows") or []
        for k in range(max(len(rows), len(predicted))):
            want = rows[k] if k < len(rows) else None
            have = predicted[k] if k < len(predicted) else None
            row_where = f"{where}: table {name} row {k + 1}"
            _count(
                tally,
                TABLE_ROWS,
                want is not None and have is not None,
                misses,
                f"{row_where} {'missing' if have is None else 'not in the truth'}",
            )
            exact = want is not None and have is not None
            hand = set((want or {}).get("handwritten") or ())
            for column in sorted(hand):
                cell = (have or {}).get(column) or {}
                flagged = bool(cell.get("review")) and "handwritten" in cell.get("problems", ())
                _count(
                    tally,
                    TABLE_HAND_FLAGGED,
                    flagged,
                    misses,
                    f"{row_where} {column} handwritten, not flagged ({cell.get('problems')})",
                )
            for column in want or {}:
                if column == "handwritten" or column in hand:
                    continue  # written by hand: flagged or not, not read
                cell = (have or {}).get(column) or {}
                value = cell.get("value")
                right = _same(value, want[column]) if want else False
                exact = exact and right
                why = f"{row_where} {column} {value!r} != {want[column]!r}" if want else ""
                _count(tally, f"table cell {column}", right, misses, why)
                _count(tally, TABLE_CELLS, right, [], "")
            for column, cell in (have or {}).items():
                if cell.get("value") is None or cell.get("review"):
                    continue
                right = (
                    want is not None
                    and column not in hand
                    and _same(cell.get("value"), want.get(column))
                )
                _count(
                    tally,
                    TABLE_SURE,
                    right,
                    misses,
                    f"{row_where}: SILENT {column} {cell.get('value')!r} "
                    + ("written by hand" if column in hand else f"!= {(want or {}).get(column)!r}"),
                )
            if not hand:  # a row by hand is scored by its flags only
                _count(tally, TABLE_ROWS_EXACT, exact, [], "")


def _count(
    tally: dict[str, list[int]], name: str, right: bool, misses: list[str], why: str
) -> None:
    tally[name][1] += 1
    if right:
        tally[name][0] += 1
    elif why:
        misses.append(why)


def _same(value: object, want: object) -> bool:
    if isinstance(want, float) or isinstance(value, float):
        try:
            return math.isclose(float(value), float(want), abs_tol=0.01)  # type: ignore[arg-type]
        except (TypeError, ValueError):
            return False
    if isinstance(want, str) and isinstance(value, str):
        return unicodedata.normalize("NFC", value) == unicodedata.normalize("NFC", want)
    return value == want


def sure_of(measure: str) -> str:
    """The tally of a measure's values returned sure: right = sure and right, so that
    total - right are its silent errors, printed beside its accuracy."""
    return f"{measure}, returned sure"


def silent_error_rate(scores: dict[str, Any]) -> float | None:
    """Wrong values returned sure, as a share of the fields returned sure."""
    entry = scores["scores"].get(SURE)
    if not entry or not entry["total"]:
        return None
    return 1 - entry["right"] / entry["total"]


def table_silent_error_rate(scores: dict[str, Any]) -> float | None:
    """Wrong table cells returned sure, as a share of the table cells returned sure."""
    entry = scores["scores"].get(TABLE_SURE)
    if not entry or not entry["total"]:
        return None
    return 1 - entry["right"] / entry["total"]


def accuracy(scores: dict[str, Any], measure: str) -> float | None:
    """Right / total for one measure of `score_results`, None when nothing was counted."""
    entry = scores["scores"].get(measure)
    if not entry or not entry["total"]:
        return None
    return entry["right"] / entry["total"]


_FLAG_WORDS = {"qr_damaged": "unreadable", "code_disagrees": "disagree"}


def score_stack(truth: dict[str, Any], result: dict[str, Any]) -> dict[str, Any]:
    """Dossier boundaries, codes, documents and review flags of a stack against its truth.

    A true dossier counts as right when a found dossier opens on its first page with
    the same pages, the same code (none where the truth expects the sources to
    disagree), the same documents (the separator sheet is none), and the review flags
    the truth expects.
    """
    found = {d["boundary_page"]: d for d in result.get("dossiers", [])}
    tally: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    misses: list[str] = []
    for expected in truth["dossiers"]:
        first = expected["pages"][0]
        got = found.get(first, {})
        where = f"dossier at page {first}"
        _count(
            tally,
            "boundaries",
            got.get("pages") == expected["pages"],
            misses,
            f"{where}: pages {got.get('pages')} != {expected['pages']}",
        )
        want_code = None if "code_disagrees" in expected["review"] else expected["code"]
        _count(
            tally,
            "codes",
            got.get("code") == want_code,
            misses,
            f"{where}: code {got.get('code')} != {want_code}",
        )
        true_docs = [
            truth["documents"][i]["pages"]
            for i in expected["documents"]
            if truth["documents"][i]["doc_type"] != "to_phan_cach_ho_so"
        ]
        got_docs = [result["documents"][i]["pages"] for i in got.get("documents", [])]
        _count(
            tally,
            "documents",
            got_docs == true_docs,
            misses,
            f"{where}: documents {got_docs} != {true_docs}",
        )
        review = " ".join(got.get("review", []))
        for flag in expected["review"]:
            _count(
                tally,
                "review flags",
                _FLAG_WORDS.get(flag, flag) in review,
                misses,
                f"{where}: {flag} not flagged ({review or 'no review'})",
            )
    _count(
        tally,
        "unassigned pages",
        result.get("unassigned_pages") == truth.get("unassigned_pages", []),
        misses,
        f"unassigned {result.get('unassigned_pages')} != {truth.get('unassigned_pages')}",
    )
    return {
        "scores": {name: {"right": r, "total": t} for name, (r, t) in sorted(tally.items())},
        "misses": misses,
    }
