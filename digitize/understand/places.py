"""Place names checked against Vietnam's administrative units: OCR's tone-mark slips in
the names of communes, districts and provinces ("huyện Nghỉ Lộc", "huyện Củ Chị") are
spelled as the official list has them.

The list is the `vietnam-provinces` package's (63 provinces, about 700 districts and
10,000 communes, as they stood in January 2025, before the July 2025 rearrangement: the
units most archived papers carry). A name is respelled only when it is not in the list
as written and the units of its level, within the province and district the same text
names, have exactly one spelling that reads the same without diacritics; a name of two
words or more with no province, or not found within it, is looked for country-wide the
same way. Everything else stays as read.
"""

from __future__ import annotations

import functools
import json
import logging
import re
from collections import defaultdict
from dataclasses import dataclass, field

from digitize.understand.vietnamese import canonical, fold

log = logging.getLogger(__name__)

_PROVINCE, _DISTRICT, _COMMUNE = "province", "district", "commune"
# The word that says a unit's level, as addresses write it, and the levels it may be.
_LEVEL_WORDS: dict[str, tuple[str, ...]] = {
    "tinh": (_PROVINCE,),
    "thanh pho": (_PROVINCE, _DISTRICT),
    "tp": (_PROVINCE, _DISTRICT),
    "huyen": (_DISTRICT,),
    "quan": (_DISTRICT,),
    "thi xa": (_DISTRICT,),
    "xa": (_COMMUNE,),
    "phuong": (_COMMUNE,),
    "thi tran": (_COMMUNE,),
}
# A unit word, then the name up to the end of the comma-separated part. The name opens
# with a capital or a digit ("phường 12"); "xã hội" does not.
_UNIT = re.compile(
    r"(?<![^\W\d_])(tỉnh|thành phố|tp\.?|huyện|quận|thị xã|xã|phường|thị trấn)\s+"
    r"([A-ZÀ-Ỹ0-9][^,;]*?)\s*$",
    re.IGNORECASE,
)
# The official names' own prefixes, taken off to leave the name.
_PREFIX = re.compile(r"^(?:Tỉnh|Thành phố|Huyện|Quận|Thị xã|Xã|Phường|Thị trấn)\s+", re.IGNORECASE)


@dataclass(slots=True)
class _Units:
    """Names by level, each under its parent's code: `_key` of a name -> written names."""

    provinces: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    province_code: dict[str, int] = field(default_factory=dict)  # canonical name -> code
    districts: dict[int, dict[str, set[str]]] = field(default_factory=dict)
    district_code: dict[tuple[int, str], int] = field(default_factory=dict)
    communes: dict[int, dict[str, set[str]]] = field(default_factory=dict)  # by district
    communes_of_province: dict[int, dict[str, set[str]]] = field(default_factory=dict)
    # districts and communes country-wide, for a name whose province is not given
    everywhere: dict[str, dict[str, set[str]]] = field(
        default_factory=lambda: {_DISTRICT: defaultdict(set), _COMMUNE: defaultdict(set)}
    )


@functools.cache
def _units() -> _Units | None:
    """The official list, read once; None (and no respelling) when it is not installed."""
    try:
        from vietnam_provinces import NESTED_DIVISIONS_JSON_PATH
    except ImportError:
        log.warning("vietnam-provinces is not installed: place names are not checked")
        return None
    units = _Units()
    for province in json.loads(NESTED_DIVISIONS_JSON_PATH.read_text(encoding="utf-8")):
        name = canonical(_PREFIX.sub("", province["name"]))
        units.provinces[_key(name)].add(name)
        units.province_code[name] = province["code"]
        districts = units.districts.setdefault(province["code"], defaultdict(set))
        in_province = units.communes_of_province.setdefault(province["code"], defaultdict(set))
        for district in province.get("districts", ()):
            district_name = canonical(_PREFIX.sub("", district["name"]))
            districts[_key(district_name)].add(district_name)
            units.everywhere[_DISTRICT][_key(district_name)].add(district_name)
            units.district_code[(province["code"], district_name)] = district["code"]
            communes = units.communes.setdefault(district["code"], defaultdict(set))
            for ward in district.get("wards", ()):
                ward_name = canonical(_PREFIX.sub("", ward["name"]))
                communes[_key(ward_name)].add(ward_name)
                in_province[_key(ward_name)].add(ward_name)
                units.everywhere[_COMMUNE][_key(ward_name)].add(ward_name)
    return units


def respell_places(text: str) -> str:
    """`text` (canonical, as `normalise_text` gives it) with the names of the units it
    gives (province, district, commune, read from its comma-separated parts, last first)
    spelled as the official list has them, where OCR's slip was only in the marks and
    the list leaves one choice."""
    units = _units()
    if units is None:
        return text
    parts = text.split(",")
    province: int | None = None
    district: int | None = None
    for index in range(len(parts) - 1, -1, -1):
        match = _UNIT.search(parts[index])
        if match is None:
            continue
        written = match.group(2)  # values come here canonical (`vietnamese.canonical`)
        levels = _LEVEL_WORDS[fold(match.group(1)).rstrip(".")]
        for level in levels:
            known = _names(units, level, province, district)
            spelled = _spelled(written, known) if known is not None else None
            if spelled is None and level != _PROVINCE and len(written.split()) >= 2:
                # No province given, or the unit is not in it (merged away, or the
                # province misread): a name of two words or more is looked for
                # country-wide, where one spelling only may read so.
                spelled = _spelled(written, units.everywhere[level])
            if spelled is None:
                continue
            if level == _PROVINCE:
                province = units.province_code[spelled]
            elif level == _DISTRICT and province is not None:
                district = units.district_code.get((province, spelled))
            if spelled != written:
                start, end = match.span(2)
                parts[index] = parts[index][:start] + spelled + parts[index][end:]
            break
    return ",".join(parts)


def _names(
    units: _Units, level: str, province: int | None, district: int | None
) -> dict[str, set[str]] | None:
    """The names a unit of `level` may have, within the units already read; None for a
    district or commune when no province was read."""
    if level == _PROVINCE:
        return units.provinces
    if province is None:
        return None
    if level == _DISTRICT:
        return units.districts.get(province)
    if district is not None:
        return units.communes.get(district)
    return units.communes_of_province.get(province)


def _key(name: str) -> str:
    """A name without marks, case or punctuation: "Bà Rịa Vũng Tàu" for "Bà Rịa - Vũng
    Tàu", whose dash a wrapped line may lose."""
    return " ".join(re.findall(r"[a-z0-9]+", fold(name)))


def _spelled(written: str, known: dict[str, set[str]]) -> str | None:
    """The official spelling of `written`: itself when listed, the one listed name that
    reads the same without marks, or None (not listed, or several choices)."""
    choices = known.get(_key(written), set())
    if written in choices:
        return written
    if len(choices) == 1:
        return next(iter(choices))
    return None
