"""The truth's normalised field values: what a field extractor should read off a document.

For each field of a document type's catalogue entry (`Template.fields`) printed on the
document, the value comes from the typed values the generator holds (`Case.facts`: dates,
ints, floats), never from parsing the printed text, in the normal form of the field's
kind (the `kind` of digitize/data/catalogue/README.md):

    name          NFC, title case: "Nguyễn Văn An" (however the form printed it)
    date          ISO "YYYY-MM-DD"; null for an ID card that never expires
    year          int
    sex           "male" / "female"
    id_number     12-digit string
    phone         digits only: "0912345678"
    money         int, đồng
    area          float, m²
    integer       int
    dossier_code  as printed
    text          NFC, whitespace collapsed, otherwise exactly as printed (capitals
                  included where the form prints the value in capitals)
"""

from __future__ import annotations

import unicodedata
from collections.abc import Collection, Iterator
from datetime import date

from samples import templates as t
from samples.people import FEMALE, MALE, Case
from samples.render import document_values

Kind = str  # one of the catalogue's field kinds

# Kinds of the fields the templates catalogue; any other field is "text".
FIELD_KINDS: dict[str, Kind] = {
    "applicant_name": "name",
    "spouse_name": "name",
    "subject_name": "name",
    "mother_name": "name",
    "father_name": "name",
    "household_head_name": "name",
    "applicant_dob": "date",
    "spouse_dob": "date",
    "subject_dob": "date",
    "document_date": "date",
    "valid_until": "date",
    "death_date": "date",
    "applicant_birth_year": "year",
    "mother_birth_year": "year",
    "applicant_sex": "sex",
    "subject_sex": "sex",
    "id_number": "id_number",
    "spouse_id_number": "id_number",
    "household_head_id_number": "id_number",
    "phone": "phone",
    "capital_vnd": "money",
    "land_area_m2": "area",
    "floor_area_m2": "area",
    "land_parcel": "integer",
    "map_sheet": "integer",
    "floors": "integer",
    "dossier_code": "dossier_code",
    "address": "address",
    "business_address": "address",
    "construction_address": "address",
    "land_address": "address",
    "hometown": "address",
}
SEXES = {MALE: "male", FEMALE: "female"}


def kind_of(field_name: str) -> Kind:
    return FIELD_KINDS.get(field_name, "text")


def collapse(text: str) -> str:
    return " ".join(unicodedata.normalize("NFC", text).split())


def title_name(name: str) -> str:
    """ "NGUYỄN VĂN AN" or "nguyễn văn an" -> "Nguyễn Văn An"."""
    return " ".join(word[:1].upper() + word[1:].lower() for word in collapse(name).split())


def document_facts(template: t.Template, case: Case) -> dict[str, object]:
    """The case's typed values under the template's keys (its bindings applied)."""
    facts = dict(case.facts)
    for key, source in template.bind:
        if source in case.facts:
            facts[key] = case.facts[source]
        else:
            # A text value has no fact; a bound key must not keep the fact of another.
            facts.pop(key, None)
    return facts


def _blocks(template: t.Template) -> Iterator[t.Field | t.CardField]:
    for block in template.blocks:
        if isinstance(block, t.Field):
            yield block
        elif isinstance(block, t.FieldRow):
            yield from block.fields
        elif isinstance(block, t.Card):
            for row in block.rows:
                yield from row


def printed_upper(template: t.Template, key: str) -> bool:
    """Whether the template prints `key` in capitals (its first occurrence decides, as
    an extractor reads the first occurrence of a label)."""
    for f in _blocks(template):
        if f.key == key:
            return f.upper
    return False


def normalise(kind: Kind, value: object, upper: bool = False) -> object:
    """One typed value in the normal form of `kind`; raises on a value of the wrong type
    (a fact missing from `Case.facts` must not slip through as printed text)."""
    if kind == "name":
        if not isinstance(value, str):
            raise TypeError(f"a name must be text: {value!r}")
        return title_name(value)
    if kind == "date":
        if value is None:
            return None
        if not isinstance(value, date):
            raise TypeError(f"a date must be a date: {value!r}")
        return value.isoformat()
    if kind in ("year", "money", "integer"):
        if not isinstance(value, int) or isinstance(value, bool):
            raise TypeError(f"a {kind} must be an int: {value!r}")
        return value
    if kind == "area":
        if not isinstance(value, int | float):
            raise TypeError(f"an area must be a number: {value!r}")
        return round(float(value), 2)
    if kind == "sex":
        return SEXES[str(value)]
    if kind in ("id_number", "phone"):
        digits = "".join(ch for ch in str(value) if ch.isdigit())
        if kind == "id_number" and len(digits) != 12:
            raise ValueError(f"not a 12-digit ID number: {value!r}")
        return digits
    if not isinstance(value, str):
        raise TypeError(f"{kind} must be text: {value!r}")
    text = collapse(value)
    return text.upper() if upper else text


def expected_values(
    template: t.Template, case: Case, printed: Collection[str]
) -> dict[str, object]:
    """The normalised value of every catalogued field of `template` whose template key
    is among `printed` (the keys drawn on the document's pages in this file)."""
    values = document_values(template, case)
    facts = document_facts(template, case)
    out: dict[str, object] = {}
    for name in template.fields:
        key = template.source(name)
        if key not in printed:
            continue
        kind = kind_of(name)
        if kind in ("text", "address", "dossier_code"):
            value = values[key]  # text fields are the text the generator composed
            out[name] = normalise(kind, value, printed_upper(template, key))
        else:
            if key not in facts:
                raise KeyError(f"{template.key}: no typed value for {key}")
            out[name] = normalise(kind, facts[key])
    return out
