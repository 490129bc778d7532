"""The learned half of field extraction (issue 13): which field an unknown label wording
names, from labelled examples.

A form worded otherwise than the catalogue ("Tôi là", "Họ và tên chủ hộ", "Ngày mất")
still says what its value is in the words before the colon, and the value itself says
what kind it is (a name, a date, twelve digits). The model reads both: character
n-grams of the folded label (OCR slips and missing marks change a few n-grams, not all)
plus one token for the value's kind, and gives a probability per field name, with
`NONE` for labels of no catalogued field ("Dân tộc", "Quốc tịch"). Field names are
shared across document types (`applicant_name` on every declaration), so a wording
learned on one form is known on the others.

It is the classifier's machinery (`model.TextModel`: TF-IDF and logistic regression,
fitted with scikit-learn, saved as `.npz` arrays, predicted with numpy), trained on
`samples/training/field_labels.jsonl` (label wordings with their field, taken from the
project's own labelled texts and the tuned split of the development set, see
`samples/field_examples.py`) plus the fields staff corrected (`corrections.jsonl`):
`digitize train` retrains it into DATA_DIR/field_model.npz.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from digitize.understand import normalise
from digitize.understand.catalogue import Catalogue, DocumentType, FieldKind
from digitize.understand.model import Example, ModelError, TextModel, read_json_lines
from digitize.understand.values import colon_parts, same_value
from digitize.understand.vietnamese import fold

DEFAULT_FIELD_MODEL = Path(__file__).resolve().parent.parent / "data" / "field_model.npz"
DEFAULT_FIELD_EXAMPLES = Path("samples/training/field_labels.jsonl")
NONE = "_none"  # a label of no catalogued field
_LEADERS = re.compile(r"(?:\.{3,}|…+|_{3,})")
_NUMBERING = re.compile(r"^\s*(?:\d{1,2}(?:[.,]\d{1,2})*[.,)]|[a-zđ]\)|[IVXl]{1,4}\.)\s*")
_MARKERS = re.compile(r"\s*(?:\(\s*\d{1,2}\s*\)|[”“\"'?®©¹²³⁴⁵⁶⁷⁸⁹⁰*]+)\s*$")
_MAX_LABEL_WORDS = 8

# The value kinds the model reads, and which kinds each field kind accepts.
_ACCEPTS: dict[FieldKind, frozenset[str]] = {
    FieldKind.NAME: frozenset({"name"}),
    FieldKind.DATE: frozenset({"date"}),
    FieldKind.YEAR: frozenset({"year", "date"}),
    FieldKind.SEX: frozenset({"sex"}),
    FieldKind.ID_NUMBER: frozenset({"id"}),
    FieldKind.PHONE: frozenset({"phone"}),
    FieldKind.MONEY: frozenset({"money"}),
    FieldKind.AREA: frozenset({"area"}),
    FieldKind.INTEGER: frozenset({"number", "year"}),
    FieldKind.DOSSIER_CODE: frozenset({"code"}),
    FieldKind.TEXT: frozenset({"text", "name"}),
    FieldKind.ADDRESS: frozenset({"text"}),
}
_DIGITS = re.compile(r"\d")
_LETTERS = re.compile(r"[^\W\d_]")
_LETTER_WORDS = re.compile(r"^[^\W\d_]+(?:\s+[^\W\d_]+)*$")
_MONEY = re.compile(r"\d[\d.,\s]*\s*(?:dong|vnd|d\b|trieu|ty)")
_AREA = re.compile(r"\d[\d.,]*\s*(?:m2|m²|ha\b|met vuong)")
_CODE = re.compile(r"^[\dA-Z]{2,4}\.[\dA-Z.]+-\d{6}-\d{4}$")


def value_kind(text: str) -> str:
    """What a value looks like: 'name', 'date', 'id', 'money', 'phone', 'year', 'area',
    'number', 'sex', 'code', 'text', or 'empty'."""
    text = normalise.strip_leaders(text)
    if not text:
        return "empty"
    folded = fold(text)
    compact = re.sub(r"[\s.]", "", text)
    if _CODE.match(text.replace(" ", "")):
        return "code"
    if re.fullmatch(r"\d{12}", compact):
        return "id"
    if _MONEY.search(folded):
        return "money"
    if _AREA.search(folded):
        return "area"
    if normalise.normalise_sex(text) is not None:
        return "sex"
    if re.fullmatch(r"0\d{9,10}", re.sub(r"[\s.\-]", "", text)):
        return "phone"
    digits = len(_DIGITS.findall(text))
    if digits >= 4 and normalise.normalise_date(text) is not None:
        return "date"
    if re.fullmatch(r"(?:19|20)\d\d", compact):
        return "year"
    if digits and digits >= len(_LETTERS.findall(text)):
        return "number"
    words = text.split()
    # words of letters only, each opening with a capital: "Trần Thị Bích Ngọc"
    if 2 <= len(words) <= 6 and _LETTER_WORDS.match(text) and all(w[0].isupper() for w in words):
        return "name"
    return "text"


def accepts(kind: FieldKind, value: str) -> bool:
    """Whether a value of this look can be a field of `kind`."""
    return value in _ACCEPTS[kind]


def accepted_kinds(kind: FieldKind) -> frozenset[str]:
    """The value looks a field of `kind` can have."""
    return _ACCEPTS[kind]


def model_text(label: str, kind: str) -> str:
    """What the model reads: the label's words and a token for the value's kind."""
    return f"{label} zz{kind}zz"


def clean_label(before: str) -> str:
    """The label wording of the text before a colon: after the previous field's leaders,
    without numbering and footnote markers; '' when it is not one ("" or > 8 words)."""
    before = _LEADERS.split(before)[-1]
    label = _MARKERS.sub("", _NUMBERING.sub("", before.strip())).strip(" ,;.-—–")
    words = label.split()
    if not 1 <= len(words) <= _MAX_LABEL_WORDS or not _LETTERS.search(label):
        return ""
    return " ".join(words)


def colon_pairs(line: str) -> Iterator[tuple[str, str]]:
    """Each 'label: value' of a line of text as (label wording, value text)."""
    for before, after in colon_parts(line):
        label = clean_label(before)
        if label:
            yield label, after


@dataclass(frozen=True, slots=True)
class FieldExample:
    label: str
    kind: str
    field: str  # a field name, or NONE
    source: str = ""


class FieldModel:
    """Field-name probabilities for a label wording and its value's kind."""

    def __init__(self, model: TextModel) -> None:
        self._model = model
        self.fields = frozenset(model.classes)
        self._cache: dict[tuple[str, str], dict[str, float]] = {}

    def probabilities(self, label: str, kind: str) -> dict[str, float]:
        # Forms repeat their labels ("Dân tộc", "Quốc tịch"): each is worked out once.
        key = (label, kind)
        found = self._cache.get(key)
        if found is None:
            if len(self._cache) > 4096:
                self._cache.clear()
            found = self._cache[key] = self._model.probabilities(model_text(label, kind))
        return found

    def forget(self) -> None:
        """Drop the labels worked out so far (a benchmark's cold start)."""
        self._cache.clear()

    @classmethod
    def train(cls, examples: Sequence[FieldExample]) -> FieldModel:
        return cls(
            TextModel.train([Example(model_text(e.label, e.kind), e.field) for e in examples])
        )

    def save(self, path: Path, *, meta: dict[str, object] | None = None) -> None:
        self._model.save(path, meta=meta)

    @classmethod
    def load(cls, path: Path) -> FieldModel:
        try:
            return cls(TextModel.load(path))
        except ModelError as exc:
            raise ModelError(f"{path}: cannot load the field model ({exc})") from exc


def examples_from_text(
    text: str, doc: DocumentType, fields: Mapping[str, object], source: str = ""
) -> list[FieldExample]:
    """Labelled examples of one document's text: each colon label before a field's value
    (the value compared with the field kind's normaliser), and the others as `NONE`."""
    out = []
    for line in text.splitlines():
        for label, after in colon_pairs(line):
            kind = value_kind(after)
            if kind == "empty":
                continue
            owner = NONE
            for name, value in fields.items():
                spec = doc.field(name)
                if (
                    spec is not None
                    and value is not None
                    and accepts(spec.kind, kind)
                    and same_value(spec.kind, after, value)
                ):
                    owner = name
                    break
            out.append(FieldExample(label, kind, owner, source))
    return out


def clean_examples(examples: Iterable[FieldExample]) -> list[FieldExample]:
    """Examples without the `NONE` ones whose wording was seen before a field's value
    elsewhere (a value OCR misread, or one the truth left out, is no evidence that the
    label names nothing)."""
    examples = list(examples)
    named = {fold(e.label) for e in examples if e.field != NONE}
    return [e for e in examples if e.field != NONE or fold(e.label) not in named]


def examples_from_corrections(
    records: Iterable[Mapping[str, Any]], catalogue: Catalogue
) -> list[FieldExample]:
    """The labels printed before the field values staff corrected (`corrections.jsonl`),
    as examples of those fields (the other labels of the page are not taken as `NONE`:
    a reviewer corrects the fields that were wrong, not every field)."""
    out = []
    for record in records:
        doc = catalogue.document_types.get(str(record.get("doc_type") or ""))
        fields = record.get("fields") or {}
        text = record.get("text") or ""
        if doc is None or not isinstance(fields, dict) or not isinstance(text, str):
            continue
        corrected = {k: v for k, v in fields.items() if doc.field(k) is not None}
        out += [
            e for e in examples_from_text(text, doc, corrected, "correction") if e.field != NONE
        ]
    return out


# The look of a typical value of each field kind (for the catalogue's own labels).
TYPICAL_KIND: dict[FieldKind, str] = {
    FieldKind.NAME: "name",
    FieldKind.DATE: "date",
    FieldKind.YEAR: "year",
    FieldKind.SEX: "sex",
    FieldKind.ID_NUMBER: "id",
    FieldKind.PHONE: "phone",
    FieldKind.MONEY: "money",
    FieldKind.AREA: "area",
    FieldKind.INTEGER: "number",
    FieldKind.DOSSIER_CODE: "code",
    FieldKind.TEXT: "text",
    FieldKind.ADDRESS: "text",
}


def catalogue_examples(catalogue: Catalogue) -> list[FieldExample]:
    """Every catalogue label as an example of its field, with its kind's typical value
    (labels several fields share, like "Họ, chữ đệm, tên", count for each)."""
    return [
        FieldExample(label, TYPICAL_KIND[spec.kind], spec.name, "catalogue")
        for doc in catalogue.document_types.values()
        for spec in doc.fields
        for label in spec.labels
    ]


def train_field_model(
    catalogue: Catalogue,
    example_files: Sequence[Path] = (),
    corrections: Iterable[Mapping[str, Any]] = (),
) -> tuple[FieldModel, int]:
    """The field model trained on the catalogue's labels, the example files and the
    fields staff corrected; and the number of examples."""
    examples = [
        *catalogue_examples(catalogue),
        *read_field_examples(example_files),
        *examples_from_corrections(corrections, catalogue),
    ]
    return FieldModel.train(clean_examples(examples)), len(examples)


def read_field_examples(paths: Iterable[Path]) -> list[FieldExample]:
    """Examples from JSON-lines files: {"label", "kind", "field"} a line."""
    return read_json_lines(
        paths,
        lambda record, where: FieldExample(
            str(record["label"]), str(record["kind"]), str(record["field"]), where
        ),
        "a field example",
    )


def write_field_examples(examples: Iterable[FieldExample], path: Path) -> int:
    path.parent.mkdir(parents=True, exist_ok=True)
    count = 0
    with path.open("w", encoding="utf-8") as handle:
        for e in examples:
            record = {"label": e.label, "kind": e.kind, "field": e.field, "source": e.source}
            handle.write(json.dumps(record, ensure_ascii=False) + "\n")
            count += 1
    return count


__all__ = [
    "DEFAULT_FIELD_EXAMPLES",
    "DEFAULT_FIELD_MODEL",
    "NONE",
    "FieldExample",
    "FieldModel",
    "accepted_kinds",
    "accepts",
    "catalogue_examples",
    "clean_label",
    "colon_pairs",
    "examples_from_corrections",
    "examples_from_text",
    "read_field_examples",
    "train_field_model",
    "value_kind",
    "write_field_examples",
]
