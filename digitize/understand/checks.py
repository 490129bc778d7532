"""Checks on the two codes a dossier is indexed by: the personal ID number and the
dossier code. Both have a fixed structure, so OCR confusions can be repaired where the
structure demands a digit, and a code that still does not fit is reported with why.

Personal ID number (số định danh cá nhân), 12 digits `AAA B CC DDDDDD`: province of
birth registration, century-and-sex digit (0/1 male/female 1900s, 2/3 2000s, 4/5 2100s),
last two digits of the birth year, six random digits. There is no check digit.

Dossier code (mã số hồ sơ, TT 01/2018/TT-VPCP): `V1V2V3.Z1Z2.Y1Y2.MX1X2-YYMMDD-XXXX`,
the receiving unit, the date received and the day's sequence number.
"""

from __future__ import annotations

import functools
import re
import tomllib
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from importlib import resources
from pathlib import Path

from digitize.understand.normalise import normalise_sex, strip_leaders

# Letters (and marks) OCR reads for digits. Applied only where a digit must be. T -> 7,
# A -> 4, g/q -> 9 and b -> 6 are left out: rarer in Tesseract's output than a real
# letter there, so "repairing" them would hide a misread instead of fixing it.
_TO_DIGIT = {
    "O": "0", "o": "0", "D": "0", "Q": "0",
    "l": "1", "I": "1", "i": "1", "|": "1", "!": "1",
    "S": "5", "s": "5", "B": "8", "Z": "2", "z": "2", "G": "6",
}  # fmt: skip
_DIGIT_TABLE = str.maketrans(_TO_DIGIT)
# Digits OCR reads for the unit letter of a dossier code; only letters A–Y can result.
_TO_LETTER = {"0": "O", "1": "I", "5": "S", "6": "G", "8": "B"}
_UNIT_LETTERS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXY")

_LIKE_DIGIT = re.escape("0123456789" + "".join(_TO_DIGIT))
_GROUP_SEPARATORS = " .\u00a0\u202f"
_BETWEEN_GROUPS = re.compile(rf"(?<=[{_LIKE_DIGIT}])[{_GROUP_SEPARATORS}]+(?=[{_LIKE_DIGIT}])")
_NUMBER_RUN = re.compile(
    rf"[{_LIKE_DIGIT}](?:[{_LIKE_DIGIT}]|[{_GROUP_SEPARATORS}]+(?=[{_LIKE_DIGIT}]))*"
)

ID_LENGTH = 12


def repair_digits(raw: str) -> str:
    """Spaces and dots between digit groups dropped; when what is left is a number with a
    few letters misread for digits ("O01O9O012345"), those letters repaired.

    Repairs happen only when the whole value reads as a number: at least one real digit,
    nothing but digits and look-alikes (O o D Q -> 0, l I i | ! -> 1, S s -> 5, B -> 8,
    Z z -> 2, G -> 6), and no more look-alikes than digits. Otherwise the text is returned
    with only the separators between digits dropped.
    """
    text = unicodedata.normalize("NFC", raw).strip()
    compact = _BETWEEN_GROUPS.sub("", text)
    if _reads_as_number(compact):
        return compact.translate(_DIGIT_TABLE)
    return re.sub(rf"(?<=\d)[{_GROUP_SEPARATORS}]+(?=\d)", "", text)


def _reads_as_number(text: str) -> bool:
    digits = sum(ch.isdigit() for ch in text)
    lookalikes = sum(ch in _TO_DIGIT for ch in text)
    return digits > 0 and digits + lookalikes == len(text) and lookalikes <= digits


# -- provinces ---------------------------------------------------------------------------


def load_provinces(path: Path | None = None) -> dict[str, str]:
    """The province codes that open a personal ID number: {"001": "Hà Nội", ...}.

    Read from the catalogue's provinces.toml unless `path` is given; cached per path.
    """
    return dict(_load_provinces(path))


@functools.cache
def _load_provinces(path: Path | None) -> tuple[tuple[str, str], ...]:
    if path is None:
        source = resources.files("digitize").joinpath("data/catalogue/provinces.toml")
        where = "provinces.toml"
        data = tomllib.loads(source.read_text(encoding="utf-8"))
    else:
        where = str(path)
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    codes = data.get("codes")
    if not isinstance(codes, dict) or not codes:
        raise ValueError(f"{where}: no [codes] table")
    items = []
    for code, name in codes.items():
        if not re.fullmatch(r"\d{3}", code):
            raise ValueError(f"{where}: code {code!r} is not three digits")
        if not isinstance(name, str) or not name.strip():
            raise ValueError(f"{where}: code {code} has no province name")
        items.append((code, unicodedata.normalize("NFC", name.strip())))
    return tuple(sorted(items))


# -- personal ID number ------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class IdCheck:
    value: str | None  # the 12 digits, or what was read when it is not 12 digits
    ok: bool
    problems: tuple[str, ...]
    repaired: bool  # letters read for digits were repaired
    province: str | None
    sex: str | None  # "male" / "female", from the century-and-sex digit
    birth_year: int | None


def check_id_number(
    raw: str,
    *,
    dob: str | None = None,
    sex: str | None = None,
    provinces: Mapping[str, str] | None = None,
) -> IdCheck:
    """Read and check a personal ID number, against the date of birth (ISO, or a year at
    its start) and sex on the same document when given. A `dob` or `sex` that cannot be
    read is not held against the number."""
    value, repaired = _read_id(raw)
    if value is None:
        return IdCheck(None, False, ("not 12 digits",), False, None, None, None)
    # ASCII digits only: str.isdigit() also takes other scripts' digits ("٠٠١…", "００１…"),
    # which would pass as a number no paper carries.
    if len(value) != ID_LENGTH or not (value.isascii() and value.isdigit()):
        return IdCheck(value, False, ("not 12 digits",), repaired, None, None, None)
    known = load_provinces() if provinces is None else provinces
    problems: list[str] = []
    province = known.get(value[:3])
    if province is None:
        problems.append(f"unknown province code {value[:3]}")
    century_sex = int(value[3])
    id_sex: str | None = None
    birth_year: int | None = None
    if century_sex > 5:
        problems.append(f"century and sex digit {century_sex} is not 0-5")
    else:
        id_sex = "female" if century_sex % 2 else "male"
        birth_year = 1900 + 100 * (century_sex // 2) + int(value[4:6])
    document_year = _year_of(dob)
    if birth_year is not None and document_year is not None and document_year != birth_year:
        problems.append(f"birth year {birth_year} in the number, {document_year} on the document")
    document_sex = normalise_sex(sex) if sex else None
    if id_sex is not None and document_sex is not None and document_sex != id_sex:
        problems.append(f"sex digit says {id_sex}, document says {document_sex}")
    return IdCheck(value, not problems, tuple(problems), repaired, province, id_sex, birth_year)


def _read_id(raw: str) -> tuple[str | None, bool]:
    """The number in `raw` (a label or other words may surround it), and whether letters
    were repaired."""
    text = strip_leaders(raw)
    whole = repair_digits(text)
    if whole.isdigit():
        return whole, whole != _BETWEEN_GROUPS.sub("", text)
    runs = [run for run in (_trimmed(text, m) for m in _NUMBER_RUN.finditer(text)) if run]
    if not runs:
        return None, False
    # The run with the most real digits; within it, twelve characters' worth of groups
    # when the run caught a neighbouring number too ("079085001234 12/03/2019").
    run = max(runs, key=lambda r: sum(ch.isdigit() for ch in r))
    run = _twelve(run) or run
    fixed = repair_digits(run)
    compact = _BETWEEN_GROUPS.sub("", run)
    return fixed, fixed != compact and fixed.isdigit()


def _trimmed(text: str, match: re.Match[str]) -> str:
    # Look-alikes touching a word are part of it ("Số", "No."), not of the number.
    run = match.group()
    if match.start() > 0 and text[match.start() - 1].isalpha():
        run = re.sub(r"^\D+", "", run)
    if match.end() < len(text) and text[match.end()].isalpha():
        run = re.sub(r"\D+$", "", run)
    return run if any(ch.isdigit() for ch in run) else ""


def _twelve(run: str) -> str | None:
    groups = re.split(f"[{_GROUP_SEPARATORS}]+", run)
    if sum(len(g) for g in groups) == ID_LENGTH:
        return None
    for start in range(len(groups)):
        total = 0
        for end in range(start, len(groups)):
            total += len(groups[end])
            if total == ID_LENGTH:
                return " ".join(groups[start : end + 1])
            if total > ID_LENGTH:
                break
    return None


def _year_of(dob: str | None) -> int | None:
    if not dob:
        return None
    match = re.match(r"\s*(\d{4})(?!\d)", dob)
    return int(match.group(1)) if match else None


# -- dossier code ------------------------------------------------------------------------

_STRUCTURE = "V1V2V3.Z1Z2.Y1Y2.MX1X2-YYMMDD-XXXX"
_UNIT_PARTS = (("V1V2V3", "ddd"), ("Z1Z2", "dd"), ("Y1Y2", "dd"), ("MX1X2", "Ldd"))
# Hyphens, en and em dashes, minus signs: all typed or printed for the code's "-".
_DASHES = str.maketrans(
    dict.fromkeys("\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe63\uff0d", "-")
)
_CODE_CANDIDATE = re.compile(
    r"(?<![0-9A-Za-z.])"
    r"[0-9A-Za-z]{1,4}(?:\s*[.,]\s*[0-9A-Za-z]{1,4}){2,4}"
    r"\s*-\s*[0-9A-Za-z]{6}\s*-\s*[0-9A-Za-z]{4}(?![0-9])"
)


@dataclass(frozen=True, slots=True)
class DossierCode:
    value: str  # e.g. "000.00.13.H12-240115-0042"
    unit: str  # "000.00.13.H12"
    received: date
    sequence: int


@dataclass(frozen=True, slots=True)
class DossierCodeCheck:
    value: str | None  # the code, or what was read when it does not fit
    ok: bool
    problems: tuple[str, ...]
    repaired: bool  # OCR confusions were repaired (spacing and dash variants do not count)
    parsed: DossierCode | None


def check_dossier_code(raw: str) -> DossierCodeCheck:
    """Parse a dossier code strictly, repairing OCR confusions only where the structure
    demands a digit or a letter. A label or other words around the code are tolerated
    when exactly one code-like string is in the text."""
    read = _tidy(raw)
    if not read:
        return DossierCodeCheck(None, False, ("empty",), False, None)
    result = _check(read)
    if result.ok:
        return result
    # Typed over a dotted leader, "000..30.37.G01-…" keeps a run of the leader's dots
    # where the code has one, and that run reaches here as a space.
    dotted = _tidy(re.sub(r"(?<=\w)\s+(?=\w)", ".", raw))
    if dotted != read and (again := _check(dotted)).ok:
        return again
    found = find_dossier_codes(raw)
    good = [item for item in found if item.ok]
    if len(good) == 1:
        return good[0]
    if len(found) == 1 and found[0].value != read:
        return found[0]  # its problems are about the code, not the words around it
    return result


def find_dossier_codes(text: str) -> list[DossierCodeCheck]:
    """Every dossier-code-like string in free OCR text, checked, in reading order.

    Tolerates spaces around the separators, commas read for dots and letters read for
    digits; strings that look like codes but break the structure (the variant layout
    "H15.50.05.13-261008-0975") are returned with ok=False and the reason.
    """
    text = unicodedata.normalize("NFC", text).translate(_DASHES)
    found = []
    for match in _CODE_CANDIDATE.finditer(text):
        candidate = match.group()
        alnum = [ch for ch in candidate if ch.isalnum()]
        if sum(ch.isdigit() for ch in alnum) * 2 < len(alnum):
            continue  # mostly letters: words joined by dots, not a code
        found.append(_check(_tidy(candidate)))
    return found


def _tidy(raw: str) -> str:
    # Whitespace is never part of a code; dash look-alikes are typography, not misreads.
    text = unicodedata.normalize("NFC", raw).translate(_DASHES)
    return re.sub(r"\s+", "", text).strip(".,:;")


def _check(read: str) -> DossierCodeCheck:
    def failed(*problems: str) -> DossierCodeCheck:
        return DossierCodeCheck(read, False, problems, False, None)

    # A comma is a misread dot; a dot read twice (".,", "..") is one dot.
    text = re.sub(r"[.,]{2,}", ".", read.replace(",", "."))
    repaired = text != read
    parts = text.split("-")
    if len(parts) != 3:
        return failed(f"{read} has {len(parts)} dash-separated parts, {_STRUCTURE} has 3")
    unit_text, date_text, sequence_text = parts
    problems: list[str] = []

    unit, unit_repaired = _read_unit(unit_text, problems)
    received: date | None = None
    ymd = _fit(date_text, "dddddd")
    if ymd is None:
        problems.append(f"date {date_text} is not 6 digits (YYMMDD)")
    else:
        try:
            received = date(2000 + int(ymd[0][:2]), int(ymd[0][2:4]), int(ymd[0][4:]))
        except ValueError:
            problems.append(f"date {ymd[0]} is not a valid YYMMDD")
    sequence = _fit(sequence_text, "dddd")
    if sequence is None:
        problems.append(f"sequence {sequence_text} is not 4 digits")
    if problems or unit is None or received is None or ymd is None or sequence is None:
        return failed(*problems)
    value = f"{unit}-{ymd[0]}-{sequence[0]}"
    repaired = repaired or unit_repaired or ymd[1] or sequence[1]
    parsed = DossierCode(value, unit, received, int(sequence[0]))
    return DossierCodeCheck(value, True, (), repaired, parsed)


def _read_unit(unit_text: str, problems: list[str]) -> tuple[str | None, bool]:
    pieces = unit_text.split(".")
    if (
        len(pieces) == 4
        and pieces[0][:1].isalpha()
        and _fit(pieces[0], "Ldd")
        and all(_fit(p, "dd") for p in pieces[1:])
    ):
        problems.append(
            f"unit {unit_text} starts with the letter code (variant layout), "
            f"not {_STRUCTURE.split('-')[0]}"
        )
        return None, False
    if len(pieces) != len(_UNIT_PARTS):
        problems.append(
            f"unit {unit_text} has {len(pieces)} parts, {_STRUCTURE.split('-')[0]} has 4"
        )
        return None, False
    fixed: list[str] = []
    repaired = False
    for piece, (name, template) in zip(pieces, _UNIT_PARTS, strict=True):
        fit = _fit(piece, template)
        if fit is None:
            if template == "Ldd" and len(piece) == 3 and _fit(piece[1:], "dd"):
                problems.append(f"letter {piece[0]} of {name} {piece} is not A–Y")
            elif template == "Ldd":
                problems.append(f"{name} {piece} is not a letter A–Y and two digits")
            else:
                problems.append(f"{name} {piece} is not {len(template)} digits")
            continue
        fixed.append(fit[0])
        repaired = repaired or fit[1]
    if len(fixed) != len(_UNIT_PARTS):
        return None, False
    return ".".join(fixed), repaired


def _fit(piece: str, template: str) -> tuple[str, bool] | None:
    """`piece` read as `template` ('d' a digit, 'L' a letter A–Y), repairing confusions
    position by position; None when some position cannot be made to fit."""
    if len(piece) != len(template):
        return None
    out = []
    for ch, kind in zip(piece, template, strict=True):
        if kind == "d":
            fixed = ch if ch.isascii() and ch.isdigit() else _TO_DIGIT.get(ch)
        else:
            fixed = ch.upper() if ch.isascii() and ch.isalpha() else _TO_LETTER.get(ch)
            if fixed not in _UNIT_LETTERS:
                fixed = None
        if fixed is None:
            return None
        out.append(fixed)
    result = "".join(out)
    return result, result != piece
