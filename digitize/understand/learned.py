"""Field wordings learned from staff corrections (issue 13).

When a reviewer corrects a field, the page text kept with the correction
(`corrections.jsonl`, one JSON object a line: `text`, `doc_type`, `fields`) shows where
the right value was printed. The words before the colon of the line holding that value
are how this form words the field's label ("Thửa số", "Tôi là"): learned as one more
label of the field, kept in a file of its own (not the catalogue staff edit), and read
by the extractor like the catalogue's labels.

The learned file is JSON: `{"version": 1, "wordings": {doc_type: {field: [label, ...]}},
"seen": {doc_type: {field: {label: count}}}}`.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from digitize.errors import DigitizeError
from digitize.understand.catalogue import Catalogue, DocumentType, FieldSpec
from digitize.understand.values import LEADERS, colon_parts, same_value
from digitize.understand.vietnamese import fold

LEARNED_VERSION = 1
# Numbering and footnote markers around a label: "4.", "3.1.", "a)", "(1)", "®".
_NUMBERING = re.compile(r"^\s*(?:\d{1,2}(?:\.\d{1,2})*[.)]|[a-zđ]\)|[IVX]{1,4}\.)\s*")
_MARKERS = re.compile(r"\s*(?:\(\s*\d{1,2}\s*\)|[”“\"'?®©¹²³⁴⁵⁶⁷⁸⁹⁰*]+)\s*$")
_MAX_LABEL_WORDS = 8


class LearnedError(DigitizeError):
    """The learned-wordings file cannot be read."""


Learned = dict[str, dict[str, list[str]]]


def labels_before_value(text: str, spec: FieldSpec, value: object) -> list[str]:
    """The label wordings printed before `value` in `text`: the words before each colon
    whose value part reads as `value` (numbering, markers and the previous field's
    leaders left out)."""
    found = []
    for line in text.splitlines():
        for before, after in colon_parts(line):
            if not same_value(spec.kind, after, value):
                continue
            before = LEADERS.split(before)[-1]
            label = _MARKERS.sub("", _NUMBERING.sub("", before.strip())).strip(" ,;")
            words = label.split()
            # a label starts with a capital; one in lower case is the tail of a wrapped one
            if (
                1 <= len(words) <= _MAX_LABEL_WORDS
                and any(ch.isalpha() for ch in label)
                and not label[0].islower()
            ):
                found.append(" ".join(words))
    return found


def learn_wordings(records: Iterable[Mapping[str, Any]], catalogue: Catalogue) -> dict[str, Any]:
    """Label wordings of corrected fields, per document type and field.

    A wording is kept when it is not already a label of the field, is not a label of
    another field of the same type (it would be ambiguous), and was never seen before
    the corrected value of another field.
    """
    seen: dict[str, dict[str, dict[str, int]]] = defaultdict(lambda: defaultdict(dict))
    owners: dict[tuple[str, str], set[str]] = defaultdict(set)  # (type, folded) -> fields
    for record in records:
        doc = catalogue.document_types.get(str(record.get("doc_type") or ""))
        fields = record.get("fields") or {}
        text = record.get("text") or ""
        if doc is None or not isinstance(fields, dict) or not isinstance(text, str):
            continue
        for name, value in fields.items():
            spec = doc.field(name)
            if spec is None or value is None or not spec.labels:
                continue  # a field read without a label (the date line) keeps its way
            for label in dict.fromkeys(labels_before_value(text, spec, value)):
                counts = seen[str(record["doc_type"])][name]
                counts[label] = counts.get(label, 0) + 1
                owners[(str(record["doc_type"]), fold(label))].add(name)
    wordings: Learned = {}
    for doc_type, by_field in seen.items():
        doc = catalogue.document_types[doc_type]
        printed = {fold(label) for s in doc.fields for label in s.labels}
        for name, counts in by_field.items():
            keep = [
                label
                for label in sorted(counts, key=lambda lb: (-counts[lb], lb))
                if not _part_of_printed(fold(label), printed)
                and owners[(doc_type, fold(label))] == {name}
            ]
            if keep:
                wordings.setdefault(doc_type, {})[name] = keep
    return {
        "version": LEARNED_VERSION,
        "wordings": wordings,
        "seen": {t: {f: dict(c) for f, c in fs.items()} for t, fs in seen.items()},
    }


def _part_of_printed(label: str, printed: set[str]) -> bool:
    """A catalogue label, or the part of one left on the value's line when the label
    wrapped ("tính" of "Giới tính", "nhân/CCCD/Hộ chiếu" of "Số định danh cá nhân/CCCD/Hộ
    chiếu"): learning it would read every printing of the whole label alike."""
    return any(known.endswith(label) or label in known.split("/") for known in printed)


def read_corrections(path: Path) -> list[dict[str, Any]]:
    """The records of a corrections.jsonl; lines that are not JSON objects are skipped."""
    records = []
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            try:
                record = json.loads(line)
            except json.JSONDecodeError:
                continue
            if isinstance(record, dict):
                records.append(record)
    return records


def save_learned(learned: Mapping[str, Any], path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(".tmp")
    temporary.write_text(json.dumps(learned, ensure_ascii=False, indent=1) + "\n", "utf-8")
    temporary.replace(path)


def load_learned(path: Path) -> Learned:
    """The learned wordings of `path` ({} when the file does not exist)."""
    if not path.is_file():
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise LearnedError(f"{path}: learned wordings cannot be read ({exc})") from exc
    wordings = data.get("wordings") if isinstance(data, dict) else None
    if not isinstance(wordings, dict):
        raise LearnedError(f"{path}: no 'wordings' object")
    return {
        str(t): {str(f): [str(x) for x in labels] for f, labels in fields.items()}
        for t, fields in wordings.items()
        if isinstance(fields, dict)
    }


def with_learned(catalogue: Catalogue, learned: Learned) -> Catalogue:
    """The catalogue with the learned wordings added to its fields' labels (types and
    fields it no longer has are ignored)."""
    if not learned:
        return catalogue
    types: dict[str, DocumentType] = dict(catalogue.document_types)
    for doc_type, by_field in learned.items():
        doc = types.get(doc_type)
        if doc is None:
            continue
        fields = []
        for spec in doc.fields:
            extra = [
                label
                for label in by_field.get(spec.name, ())
                if fold(label) not in {fold(known) for known in spec.labels}
            ]
            fields.append(spec.model_copy(update={"labels": (*spec.labels, *extra)}))
        types[doc_type] = doc.model_copy(update={"fields": tuple(fields)})
    return Catalogue(catalogue.procedures, types, catalogue.provinces)


__all__ = [
    "LearnedError",
    "labels_before_value",
    "learn_wordings",
    "load_learned",
    "read_corrections",
    "save_learned",
    "with_learned",
]
