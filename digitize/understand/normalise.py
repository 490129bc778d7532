"""Value normalisers: the raw text after a label -> a clean value of one kind, or None.

Raw text comes from OCR of filled-in forms: dotted leaders ("........", "…", "___"),
trailing punctuation, stray spaces inside numbers, and letters read for digits ("O5/O1/2020",
"l2/03/2019"). Each normaliser returns None when the text cannot be read as its kind, and
when it holds two readings (two numbers, both sexes) rather than pick one, so a caller
can send the field to review instead of storing a guess.
"""

from __future__ import annotations

import functools
import re
import tomllib
import unicodedata
from collections.abc import Callable, Sequence
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path

from rapidfuzz.distance import Levenshtein

from digitize.understand.vietnamese import canonical, fold, is_syllable, is_word

# Leaders: runs of dots (possibly spaced), ellipses, underscores.
_LEADERS = re.compile(r"(?:\.[ \t]*){2,}|[…_]+|·{2,}")
_EDGE_PUNCTUATION = " \t\r\n:;,.!?-–—*•·/\\|\"'“”‘’«»"
_YEARS = range(1900, 2101)

# Letters OCR reads for digits, repaired inside numbers only. Kept to the common, safe
# ones: S, B, G, Z are real letters next to numbers too often ("Nhóm B2", "lô S1").
_IN_NUMBER = str.maketrans({"O": "0", "o": "0", "l": "1", "I": "1", "|": "1"})
_LOOKALIKES = frozenset("OolI|")
_DIGITS_AND_LOOKALIKES = "0123456789" + "".join(sorted(_LOOKALIKES))
_WORD = re.compile(r"(?:[^\W_]|\|)+")
_NUMBER_SEPARATORS = frozenset("./,-")


def strip_leaders(raw: str) -> str:
    """Drop dotted leaders, ellipses, underscores and punctuation around the value; NFC."""
    text = unicodedata.normalize("NFC", raw)
    text = _LEADERS.sub(" ", text)
    text = " ".join(text.split()).strip(_EDGE_PUNCTUATION)
    # A bracket left alone at either end by the stripping is noise too.
    if text.endswith(")") and "(" not in text:
        text = text[:-1].rstrip(_EDGE_PUNCTUATION)
    if text.startswith("(") and ")" not in text:
        text = text[1:].lstrip(_EDGE_PUNCTUATION)
    # A closing bracket opens no value: the label's mark misread ("gửi”). Công an").
    while text[:1] in (")", "]"):
        text = text[1:].lstrip(_EDGE_PUNCTUATION)
    return text


def normalise_text(raw: str) -> str | None:
    text = repair_bodies(_drop_leader_dots(canonical(strip_leaders(raw))))
    return " ".join(_SPECK_SIGNS.sub("", text).split()) or None


# Signs that typed Vietnamese text never holds: what OCR makes of specks and scratches
# ("Ung thư phổi °", "quận †1", "Nhồi máu cơ tim ¬").
_SPECK_SIGNS = re.compile(r"[°¬†‡¤¦§¶•·«»™~^`]")


# A leader's dot left between the letters typed over it: at the start of a word
# (".an", ", .Hố") or, in a name, inside one before a small letter ("T.hùy",
# "Văn.toàn"). Vietnamese words hold no such dot; abbreviations put theirs after the
# letters ("TP. Huế", "P.12").
_DOT_OPENING_WORD = re.compile(r"(?:(?<=\s)|^)[.,]+(?=[^\W\d_])")
_DOT_BEFORE_CAPITAL = re.compile(r"(?<=[^\W\d_]{2})\.+(?=[^\W\d_a-zà-ỹđ])")
_DOT_IN_WORD = re.compile(r"([^\W\d_]+)\.(?=[^\WA-ZÀ-Ỹ\d_])([^\W\d_]+)")
# The administrative units an address or a body names, as printed.
_UNIT_WORDS = ("phường", "xã", "thị trấn", "quận", "huyện", "thị xã", "thành phố", "tỉnh")
_UNIT = "|".join(_UNIT_WORDS)
# A unit word is followed by its name, never by a comma, a dot or a dash: "phường, Hố
# Nai", "thành phố -Từ Sơn", "phố- Huế" are a leader's dot or a speck read so.
_MARK_AFTER_UNIT = re.compile(rf"(?<![^\W\d_])({_UNIT}) ?[-–—.,]+ ?(?=[^\W\d_])")


def _drop_leader_dots(text: str, *, in_words: bool = False) -> str:
    """`text` without the leaders' dots OCR left in it; `in_words` (names only: a text
    may hold an e-mail or a web address) also those inside words."""
    text = _DOT_OPENING_WORD.sub("", text)
    if in_words:
        # Two syllables either side were two words; a letter alone starts the word.
        # Again until none is left: a match takes the word after its dot, so the next
        # dot of "Trần.văn.toàn" is only seen on the second pass.
        while True:
            joined = _DOT_IN_WORD.sub(
                lambda m: f"{m[1]} {m[2]}" if min(len(m[1]), len(m[2])) > 1 else m[1] + m[2],
                text,
            )
            if joined == text:
                break
            text = joined
        text = _DOT_BEFORE_CAPITAL.sub(" ", text)  # "Thùy.Mai": a name's next word
    return _MARK_AFTER_UNIT.sub(lambda m: f"{m[1]} " if text[m.end()].isupper() else m[0], text)


# The bodies that issue and receive papers, and the units they serve. OCR misreads a
# letter or a mark of them ("Gông an", "Cộng an xã", "Ủy bạn nhân dân"); before a unit's
# name, two or four words this close to a body's name can only be that body.
_BODIES = ("Công an", "Ủy ban nhân dân")
_UNITS = frozenset(fold(unit) for unit in _UNIT_WORDS)


def repair_bodies(text: str) -> str:
    """`text` with a misread body's name before a unit written as it is printed:
    "Gông an xã Hòa Phong" -> "Công an xã Hòa Phong"."""
    words = text.split()
    for body in _BODIES:
        size = len(body.split())
        want = fold(body).replace(" ", "")
        for start in range(len(words) - size):
            span = words[start : start + size]
            after = words[start + size : start + size + 2]
            if " ".join(span) == body or not any(
                fold(" ".join(after[:n])) in _UNITS for n in (1, 2)
            ):
                continue
            # A place's name is capitalised ("thôn Hồng An, xã …"); a body's later words
            # are not, and nothing stands between a body and its unit.
            if span[-1].endswith(",") or any(not w.lstrip(".").islower() for w in span[1:]):
                continue
            got = fold("".join(span)).strip(".,")
            # One letter off for the two-word body, two for the four-word one.
            if Levenshtein.distance(got, want, score_cutoff=size // 2) <= size // 2:
                words[start : start + size] = body.split()
    return " ".join(words)


def normalise_name(raw: str) -> str | None:
    """A person's name, title-cased: "NGUYỄN VĂN AN" -> "Nguyễn Văn An".

    Names never hold digits, so text with any digit (a date or number caught after the
    label) is refused rather than cleaned.
    """
    text = _drop_leader_dots(canonical(strip_leaders(raw)), in_words=True)
    if not text or any(ch.isdigit() for ch in text) or not any(ch.isalpha() for ch in text):
        return None
    # A word of no letter ("+", "~") is a speck beside the name, no part of it.
    words = [_title_word(_respelled(w)) for w in text.split() if any(c.isalpha() for c in w)]
    if len(words) >= 2:
        words[0] = _family_name(words[0])
    return " ".join(words)


def _respelled(word: str) -> str:
    """A name's word as written Vietnamese has it, when OCR misread it one way only.

    With the Vietnamese word list (`vietnamese.lexicon`): a word not in it becomes the
    one word of the list reached by changing the vowel under a circumflex (Tesseract
    confuses â, ê and ô under a tone mark: "Nguyẫn", "Quấc") or by dropping one letter
    ("Thịi", "Vñũ", "Hưngổ"); when none or several are reached, the word stays as read
    (the Tây Nguyên peoples' names, "Ksor", "H'Hen", "Niê", are not in it). A word with
    a syllable's shape only has its circumflex looked at. Without the list, only the
    letter too many, by the syllable's shape (`_one_letter_too_many`)."""
    known = is_word(word)
    if known is None:
        return _one_letter_too_many(word, is_syllable)
    if known or len(word) < 2 or not word.isalpha():
        return word
    if is_syllable(word):  # a syllable's shape ("Niê"): only its marks may be misread
        return _one_way(word, _circumflex_swaps(word), is_word)
    # Not a leading vowel: "Êban", "Adrơng" open Tây Nguyên names ("Ingô" stays).
    return _one_letter_too_many(
        word, is_word, also=_circumflex_swaps(word), first=int(fold(word[0]) in "aeiouy")
    )


_CIRCUMFLEX = "\u0302"
_CIRCUMFLEX_BASES = "aeoAEO"


def _circumflex_swaps(word: str) -> list[str]:
    """The word with the vowel of one of its â, ê, ô changed for each of the other two,
    marks kept ("Quấc" -> "Quếc", "Quốc")."""
    letters = [unicodedata.normalize("NFD", ch) for ch in word]
    swaps = []
    for i, letter in enumerate(letters):
        if len(letter) < 2 or letter[0] not in _CIRCUMFLEX_BASES or _CIRCUMFLEX not in letter:
            continue
        bases = "aeo" if letter[0].islower() else "AEO"
        for base in bases.replace(letter[0], ""):
            changed = [*letters[:i], base + letter[1:], *letters[i + 1 :]]
            swaps.append(unicodedata.normalize("NFC", "".join(changed)))
    return swaps


def _one_letter_too_many(
    word: str, fits: Callable[[str], bool], also: Sequence[str] = (), first: int = 0
) -> str:
    """A name's word OCR read with a letter too many ("Thịi", "Quuốc", "Đđoàn",
    "Hưngổ"): of a letter read twice, the copy with more marks kept, if that `fits`;
    else the one word that `fits` among the word without one of its letters (from
    index `first` on) and `also`; the word as read when none or several do. Without
    the word list `fits` is the syllable's shape, and a word with one is left alone."""
    if len(word) < 2 or (fits is is_syllable and is_syllable(word)):
        return word
    for i in range(len(word) - 1):
        if word[i].isalpha() and fold(word[i]) == fold(word[i + 1]):
            keep = max(word[i : i + 2], key=lambda ch: len(unicodedata.normalize("NFD", ch)))
            repaired = word[:i] + keep + word[i + 2 :]
            if fits(repaired):
                return repaired
    dropped = [word[:i] + word[i + 1 :] for i in range(first, len(word))]
    return _one_way(word, [*also, *dropped], fits)


def _one_way(word: str, options: Sequence[str], fits: Callable[[str], bool]) -> str:
    """The one of `options` that `fits` (options the same but for case count once);
    `word` when none or several do."""
    found = {canonical(option.lower()): option for option in options if fits(option)}
    return next(iter(found.values())) if len(found) == 1 else word


@functools.cache
def _surnames() -> tuple[str, ...]:
    path = Path(__file__).resolve().parent.parent / "data" / "catalogue" / "names.toml"
    with path.open("rb") as handle:
        return tuple(canonical(name) for name in tomllib.load(handle)["surnames"])


def _family_name(word: str) -> str:
    """The family name a misread first word stands for ("Nguyên" -> "Nguyễn").

    OCR drops or swaps the marks of stacked vowels; a first word that is no family
    name but folds to one is that family name (the most common, if several fold alike).
    """
    surnames = _surnames()
    if word in surnames:
        return word
    folded = fold(word)
    return next((name for name in surnames if fold(name) == folded), word)


_ADMIN_UNITS = re.compile(rf"(?<=[^\W\d_]) (?=(?:{_UNIT}) )")


# The words before a number in an address, by their letters without marks: OCR's slip in
# a mark ("ngỗ 48") is spelled back. Only before a number: "phố Ngô Quyền" is a name.
_NUMBERED_PLACES = {fold(word): word for word in ("ngõ", "ngách", "hẻm", "số", "tổ", "ấp")}
_NUMBERED_PLACE = re.compile(r"(?<![^\W\d_])([^\W\d_]{2,5})(?= \d)")


def normalise_address(raw: str) -> str | None:
    """An address as text, with the comma before each administrative unit that OCR lost:
    "phường Lộc Thọ thành phố Nha Trang" -> "phường Lộc Thọ, thành phố Nha Trang"."""
    text = normalise_text(raw)
    if not text:
        return None
    text = _NUMBERED_PLACE.sub(_numbered_place, text)
    return _ADMIN_UNITS.sub(", ", text)


def _numbered_place(match: re.Match[str]) -> str:
    word = match.group(1)
    spelled = _NUMBERED_PLACES.get(fold(word))
    if spelled is None or word.lower() == spelled:
        return word
    return spelled.capitalize() if word[0].isupper() else spelled


def _title_word(word: str) -> str:
    # Capital after a hyphen or apostrophe too: "H'Hen", "Y-Moan" (Tây Nguyên names).
    parts = re.split(r"([-'’])", word)
    return "".join(part[:1].upper() + part[1:].lower() for part in parts)


# -- dates -------------------------------------------------------------------------------

_DATE_WORDS = re.compile(
    r"ngay[\W_]{0,3}(\d{1,2})[\W_]{0,3}thang[\W_]{0,3}(\d{1,2})[\W_]{0,3}nam[\W_]{0,3}(\d{4})(?!\d)"
)
_DATE_DMY = re.compile(r"(?<!\d)(\d{1,2})\s*[/.\-]\s*(\d{1,2})\s*[/.\-]\s*(\d{4})(?!\d)")
_DATE_ISO = re.compile(r"(?<!\d)(\d{4})-(\d{1,2})-(\d{1,2})(?!\d)")


def normalise_date(raw: str) -> str | None:
    """ISO "YYYY-MM-DD" from "12/03/2019", "12-3-2019", "ngày 12 tháng 3 năm 2019",
    "Hà Nội, ngày 05 tháng 01 năm 2020" and their folded or OCR-noisy forms."""
    text = fold(repair_numbers(unicodedata.normalize("NFC", raw)))
    found = _read_date(text)
    return found.isoformat() if found else None


# "ngày18 tháng0l năm2024", "ngàyi6", "tháng!2": a look-alike glued to a number of the
# date's words (what stands right before the digits is taken as part of the number).
_DATE_WORD_NUMBER = re.compile(r"(ngay|thang|nam)([\W_]{0,3}?)(!?[\doli|]{1,4})(?![a-z\d])")
_FOLDED_IN_NUMBER = str.maketrans({"o": "0", "l": "1", "i": "1", "|": "1", "!": "1"})


def repair_date_words(folded: str) -> str:
    """Look-alike letters read as the digits they are in the numbers after "ngày",
    "tháng" and "năm" (folded text); numbers with no real digit are left alone."""

    def repair(match: re.Match[str]) -> str:
        number = match.group(3)
        if not any(ch.isdigit() for ch in number):
            return match.group()
        return match.group(1) + match.group(2) + number.translate(_FOLDED_IN_NUMBER)

    return _DATE_WORD_NUMBER.sub(repair, folded)


def _read_date(text: str) -> date | None:
    text = repair_date_words(text)
    candidates: list[tuple[int, int, int, int]] = []  # position, year, month, day
    for match in _DATE_WORDS.finditer(text):
        d, m, y = match.groups()
        candidates.append((match.start(), int(y), int(m), int(d)))
    strict = _strict_dmy(text)
    candidates += strict
    if "/" in text:
        dotted = _dotted_dmy(text)
        if not candidates or set(dotted) - set(strict):
            candidates += dotted
    for match in _DATE_ISO.finditer(text):
        y, m, d = match.groups()
        candidates.append((match.start(), int(y), int(m), int(d)))
    for _, year, month, day in sorted(candidates):
        if year not in _YEARS:
            continue
        try:
            return date(year, month, day)
        except ValueError:
            continue
    return None


# A date typed over a dotted blank "......../......../........": the leader's dots and
# commas, a space, the blank's own printed slash (read "⁄" or "'") fall between the
# digits ("3.1/08/1⁄970", "09/1 0/1996", "1,6/12/1975"), and a 0 crossed by dots reads
# "Q". Between digits only, one at a time: "12/03/2019 3. Giới" keeps its year. A dash
# is a dot the scan drew long ("1,6/02/19-76").
_DATE_NOISE = frozenset(" .,'’`⁄:-")
_NOISE_TEXT = "".join(sorted(_DATE_NOISE))
_DATE_ZERO = str.maketrans({"o": "0", "q": "0"})


def _digits_through(chars: str, limit: int) -> tuple[str, int] | None:
    """Up to `limit` digits from the start of `chars`, one noise character allowed
    between two digits; the digits and how many characters they took."""
    digits, index, noise = "", 0, False
    while index < len(chars) and len(digits) < limit:
        ch = chars[index].translate(_DATE_ZERO)
        if ch.isdigit():
            digits, noise = digits + ch, False
        elif ch in _DATE_NOISE and digits and not noise:
            noise = True
        else:
            break
        index += 1
    return (digits, index) if digits else None


def _dotted_dmy(text: str) -> list[tuple[int, int, int, int]]:
    found = []
    for first in re.finditer(r"/", text):
        second = text.find("/", first.end())
        if second < 0:
            break
        # A speck may also stand beside a slash: "25/04./1⁄962", "21./01,/1966".
        backwards = text[: first.start()][::-1]
        skipped = len(backwards) - len(backwards := backwards.lstrip(_NOISE_TEXT))
        before = _digits_through(backwards, 2)
        between = text[first.end() : second].strip(_NOISE_TEXT)
        month = _digits_through(between, 2)
        after = text[second + 1 :].lstrip(_NOISE_TEXT)
        year = _digits_through(after, 4)
        if not before or not month or not year or int(year[0]) not in _YEARS:
            continue
        if month[1] != len(between):
            continue  # something else between the slashes
        rest = after[year[1] :]
        if rest[:1].isdigit():
            continue
        start = first.start() - skipped - before[1]
        found.append((start, int(year[0]), int(month[0]), int(before[0][::-1])))
    return found


def read_through_leaders(raw: str) -> bool:
    """Whether a d/m/y date in `raw` can be read only with the repairs above (its digits
    split by dots, spaces or a slash, a "Q" for 0): such a reading is to be checked."""
    text = fold(raw)
    return "/" in text and bool(set(_dotted_dmy(text)) - set(_strict_dmy(text)))


def _strict_dmy(text: str) -> list[tuple[int, int, int, int]]:
    return [
        (m.start(), int(m.group(3)), int(m.group(2)), int(m.group(1)))
        for m in _DATE_DMY.finditer(text)
    ]


def normalise_year(raw: str) -> int | None:
    """A year 1900..2100: "1985", "năm 1985", or the year of a full date."""
    text = fold(repair_numbers(unicodedata.normalize("NFC", raw)))
    found = _read_date(text)
    if found:
        return found.year
    years = {int(y) for y in re.findall(r"(?<!\d)(\d{4})(?!\d)", text) if int(y) in _YEARS}
    return years.pop() if len(years) == 1 else None


# -- sex ---------------------------------------------------------------------------------

_SEX_WORDS = {"nam": "male", "male": "male", "m": "male", "nu": "female", "female": "female",
              "f": "female"}  # fmt: skip
_SEX_LABEL_WORDS = frozenset({"gioi", "tinh", "sex", "gender"})


def normalise_sex(raw: str) -> str | None:
    """Sex as "male" or "female", from "Nam", "NỮ", "Nu", "Male", "F", "Nam / Male".

    Any other word, or words for both ("Nam/Nữ" printed on an unfilled form), gives None.
    """
    words = re.findall(r"[a-z]+", fold(raw))
    found = set()
    for word in words:
        if word in _SEX_LABEL_WORDS:
            continue
        if word not in _SEX_WORDS:
            return None
        found.add(_SEX_WORDS[word])
    return found.pop() if len(found) == 1 else None


# -- numbers -----------------------------------------------------------------------------


def repair_numbers(text: str) -> str:
    """Letters OCR reads for digits (O o -> 0, l I | -> 1), repaired inside numbers only.

    A word is repaired when it holds a real digit and nothing but digits and look-alikes,
    or digits then a unit ("100đ"; look-alikes just before the unit are left alone); a
    word of look-alikes alone only when a separator joins it to such a number
    ("1.OOO.OOO"). Words without digits ("lo", "Ông") are never touched.
    """
    words = list(_WORD.finditer(text))
    if not words:
        return text
    heads: list[int] = []  # per word: length of the digits-and-look-alikes prefix to repair
    numeric: list[bool] = []  # per word: a number on its own
    for match in words:
        word = match.group()
        head = word[: len(word) - len(word.lstrip(_DIGITS_AND_LOOKALIKES))]
        if len(head) < len(word):
            # A letter follows ("1Ođ", "2019lô"): look-alikes just before it start that word.
            head = head.rstrip("".join(_LOOKALIKES))
        is_number = any(ch.isdigit() for ch in head)
        heads.append(len(head) if is_number else 0)
        numeric.append(is_number)
    lookalike_only = [all(ch in _LOOKALIKES for ch in m.group()) for m in words]
    # Look-alike groups joined by one separator to a number: spread along dotted groups.
    for order in (range(len(words)), range(len(words) - 1, -1, -1)):
        for i in order:
            if numeric[i] or not lookalike_only[i]:
                continue
            for j in (i - 1, i + 1):
                if 0 <= j < len(words) and numeric[j] and _joined(text, words, min(i, j)):
                    numeric[i] = True
                    heads[i] = len(words[i].group())
                    break
    out = list(text)
    for match, head, is_number in zip(words, heads, numeric, strict=True):
        if is_number:
            start = match.start()
            out[start : start + head] = match.group()[:head].translate(_IN_NUMBER)
    return "".join(out)


def _joined(text: str, words: list[re.Match[str]], left: int) -> bool:
    between = text[words[left].end() : words[left + 1].start()]
    return len(between) == 1 and between in _NUMBER_SEPARATORS


def normalise_integer(raw: str) -> int | None:
    """The one whole number in the text: "Thửa đất số: 123" -> 123; None if none or several."""
    text = repair_numbers(strip_leaders(raw))
    numbers = {
        int(n.replace(".", ""))
        for n in re.findall(r"(?<!\d)(?<!\d[.,])(\d{1,3}(?:\.\d{3})+|\d+)(?!\d|[.,]\d)", text)
    }
    return numbers.pop() if len(numbers) == 1 else None


# One number as printed: digit groups joined by dots or commas, or by single spaces before
# a group of three ("100 000 000").
_NUMBER = re.compile(r"(?<![^\W_])(?<!\d[.,])\d+(?:[.,]\d+|[ \u00a0\u202f]\d{3}(?!\d))*")
_MONEY_UNITS = (("ty", 10**9), ("ti", 10**9), ("trieu", 10**6), ("nghin", 10**3),
                ("ngan", 10**3))  # fmt: skip


def normalise_money(raw: str) -> int | None:
    """Whole đồng: "100.000.000 đồng", "100,000,000 VNĐ", "100 000 000", "1,5 tỷ".

    The amount in words that forms add in brackets is ignored (it is not read back).
    """
    text = _without_bracketed_words(strip_leaders(raw))
    text = fold(repair_numbers(text))
    match = _NUMBER.search(text)
    if match is None:
        return None
    amount = _parse_number(match.group(), single_comma_is_decimal=False)
    if amount is None:
        return None
    after = text[match.end() :].lstrip()
    for word, factor in _MONEY_UNITS:
        if re.match(rf"{word}\b", after):
            amount *= factor
            break
    if amount != amount.to_integral_value():
        return None  # no fractions of a đồng
    return int(amount)


def normalise_area(raw: str) -> float | None:
    """Square metres: "125,5 m2", "125,5m²", "125.5 m2", "1.250,5 m2", "0,5 ha".

    Comma is the decimal mark and dot the thousands mark, as Vietnamese forms print them;
    a lone dot followed by three digits ("1.250") is therefore thousands.
    """
    text = _without_bracketed_words(strip_leaders(raw))
    text = fold(repair_numbers(text))
    match = _NUMBER.search(text)
    if match is None:
        return None
    area = _parse_number(match.group(), single_comma_is_decimal=True)
    if area is None:
        return None
    if re.match(r"\s*ha\b", text[match.end() :]):
        area *= 10_000
    return float(area)


def _without_bracketed_words(text: str) -> str:
    # "(Một tỷ năm trăm triệu đồng)": the amount in words, not another number.
    return re.sub(r"\([^()\d]*\)", " ", text)


def _parse_number(text: str, *, single_comma_is_decimal: bool) -> Decimal | None:
    """Digit groups and separators -> a number, telling thousands marks from decimal ones."""
    text = re.sub(r"[\u00a0\u202f]", " ", text)
    groups = re.split(r"[., ]", text)
    separators = re.findall(r"[., ]", text)
    if not separators:
        return Decimal(text)
    decimals = ""
    last = separators[-1]
    if len(set(separators)) > 1:
        # Two kinds: the last one, if it occurs once, is the decimal mark ("1.250,5").
        if last == " " or separators.count(last) != 1:
            return None
        decimals = groups.pop()
        separators.pop()
    elif (
        last != " "
        and len(separators) == 1
        and (len(groups[1]) != 3 or (last == "," and single_comma_is_decimal))
    ):
        decimals = groups.pop()
        separators.pop()
    # What is left are thousands groups: 1-3 digits, then threes.
    if separators and (len(groups[0]) > 3 or any(len(g) != 3 for g in groups[1:])):
        return None
    try:
        return Decimal("".join(groups) + ("." + decimals if decimals else ""))
    except InvalidOperation:
        return None


# -- phone numbers -----------------------------------------------------------------------

_PHONE = re.compile(r"\+?\(?\d[\d\s().\-]{6,}\d")


# A number typed over a dotted blank: a leader's dot read as ":" or "," between its
# digits ("0359.1,29224", "Q3839:78775"), a 0 crossed by the dots read "Q".
_PHONE_SPECKED = re.compile(r"(?<!\w)Q?\d[\d.,:]*\d(?!\w)")


def _join_specked(match: re.Match[str]) -> str:
    number = match.group()
    digits = re.sub(r"\D", "", number.replace("Q", "0", 1))
    specked = number.startswith("Q") or "," in number or ":" in number
    return digits if specked and digits.startswith("0") and len(digits) in (10, 11) else number


def phone_read_through_leaders(raw: str) -> bool:
    """Whether the phone number in `raw` is read only by joining digits split by a
    leader's specks (see above): such a reading is to be checked."""
    text = unicodedata.normalize("NFC", raw)
    return _PHONE_SPECKED.sub(_join_specked, text) != text


def normalise_phone(raw: str) -> str | None:
    """Digits only: a mobile (10 digits, 0xxx) or a landline (11 digits, area code 02x);
    +84 becomes 0. Several numbers on a line ("0912 345 678 - 0987 654 321"): the first."""
    text = _PHONE_SPECKED.sub(_join_specked, unicodedata.normalize("NFC", raw))
    text = repair_numbers(text)
    for part in re.split(r"\s[-–/]\s|[,;/]", text):
        for match in _PHONE.finditer(part):
            digits = re.sub(r"\D", "", match.group())
            if digits.startswith("84") and (match.group().startswith("+") or len(digits) == 11):
                digits = "0" + digits[2:].removeprefix("0")
            # Eleven digits only with a landline's area code (02x): a mobile has ten.
            if digits.startswith("0") and (
                len(digits) == 10 or (len(digits) == 11 and digits.startswith("02"))
            ):
                return digits
    return None
