"""Each field kind's normaliser, and whether a text reads as a given value: shared by the
field reader (`fields.py`), learning from corrections (`learned.py`) and the field
model's examples (`field_model.py`), kept apart so none of them imports another."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

from digitize.understand import normalise
from digitize.understand.catalogue import FieldKind
from digitize.understand.vietnamese import fold

Value = str | int | float

LEADERS = re.compile(r"(?:\.{3,}|…+|_{3,})")


def colon_parts(line: str) -> Iterator[tuple[str, str]]:
    """Each colon of a line as (the text since the previous colon, the value after it).
    The value ends at the next colon, or at the leaders before the next label's words."""
    colons = [m.start() for m in re.finditer(":", line)]
    for k, colon in enumerate(colons):
        after = line[colon + 1 : colons[k + 1] if k + 1 < len(colons) else len(line)]
        if k + 1 < len(colons):
            parts = LEADERS.split(after)
            after = parts[0] if len(parts) > 1 else after
        yield line[colons[k - 1] + 1 if k else 0 : colon], after


# Each kind's normaliser.
NORMALISERS: dict[FieldKind, Callable[[str], Value | None]] = {
    FieldKind.NAME: normalise.normalise_name,
    FieldKind.DATE: normalise.normalise_date,
    FieldKind.YEAR: normalise.normalise_year,
    FieldKind.SEX: normalise.normalise_sex,
    FieldKind.PHONE: normalise.normalise_phone,
    FieldKind.MONEY: normalise.normalise_money,
    FieldKind.AREA: normalise.normalise_area,
    FieldKind.INTEGER: normalise.normalise_integer,
    FieldKind.TEXT: normalise.normalise_text,
    FieldKind.ADDRESS: normalise.normalise_address,
}


def same_value(kind: FieldKind, text: str, want: object) -> bool:
    """Whether `text` (what follows a colon) reads as the corrected value `want`."""
    text = normalise.strip_leaders(LEADERS.split(text)[0]).strip()
    if not text or want in (None, ""):
        return False
    if kind is FieldKind.ID_NUMBER:
        digits = re.sub(r"\D", "", text)
        return bool(digits) and digits == re.sub(r"\D", "", str(want))
    if kind is FieldKind.DOSSIER_CODE:
        return fold(text).replace(" ", "") == fold(str(want)).replace(" ", "")
    normaliser: Callable[[str], object] | None = NORMALISERS.get(kind)
    if normaliser is None:
        return False
    got = normaliser(text)
    wanted = normaliser(str(want)) if isinstance(want, str) else want
    if got is None or wanted is None:
        return False
    if isinstance(got, str) and isinstance(wanted, str):
        return fold(got) == fold(wanted)
    try:
        return abs(float(got) - float(wanted)) < 0.01  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return got == wanted
