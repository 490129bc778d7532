"""Vietnamese formatting of numbers, money, areas and dates, as forms print them."""

from __future__ import annotations

import unicodedata
from datetime import date

_DIGITS = ("không", "một", "hai", "ba", "bốn", "năm", "sáu", "bảy", "tám", "chín")
_GROUPS = ("", "nghìn", "triệu", "tỷ")


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def _two_digits(tens: int, units: int) -> list[str]:
    """Words for 0..99 after a hundreds digit (`tens`, `units` both 0..9)."""
    words: list[str] = []
    if tens == 0:
        return ["linh", _DIGITS[units]] if units else []
    words.append("mười" if tens == 1 else f"{_DIGITS[tens]} mươi")
    if units == 1 and tens > 1:
        words.append("mốt")
    elif units == 4 and tens > 1:
        words.append("tư")
    elif units == 5:
        words.append("lăm")
    elif units:
        words.append(_DIGITS[units])
    return words


def _below_thousand(n: int, full: bool) -> list[str]:
    """Words for 0..999; `full` writes "không trăm" when a leading group precedes."""
    hundreds, rest = divmod(n, 100)
    tens, units = divmod(rest, 10)
    words: list[str] = []
    if hundreds or full:
        words += [_DIGITS[hundreds], "trăm"]
        words += _two_digits(tens, units)
    elif tens:
        words += _two_digits(tens, units)
    elif units:
        words.append(_DIGITS[units])
    return words


def number_words(n: int) -> str:
    """0 <= n < 10**12 in words: 150_000_000 -> "một trăm năm mươi triệu"."""
    if n == 0:
        return "không"
    if not 0 < n < 10**12:
        raise ValueError(f"out of range: {n}")
    groups: list[int] = []
    while n:
        n, g = divmod(n, 1000)
        groups.append(g)
    words: list[str] = []
    top = len(groups) - 1
    for i in range(top, -1, -1):
        g = groups[i]
        if g == 0:
            continue
        words += _below_thousand(g, full=i < top)
        if _GROUPS[i]:
            words.append(_GROUPS[i])
    return " ".join(words)


def thousands(n: int) -> str:
    """150000000 -> "150.000.000" (dot as thousands separator)."""
    return f"{n:,}".replace(",", ".")


def money(n: int) -> str:
    return f"{thousands(n)} đồng"


def money_words(n: int) -> str:
    text = number_words(n)
    return f"{text[0].upper()}{text[1:]} đồng"


def area(tenths: int) -> str:
    """An area given in tenths of m2: 1255 -> "125,5 m2" (comma decimal, plain "m2")."""
    whole, frac = divmod(tenths, 10)
    return f"{thousands(whole)},{frac} m2"


def area_words(tenths: int) -> str:
    """An area in words, as land certificates write it: 1255 -> "Một trăm hai mươi lăm
    phẩy năm mét vuông"."""
    whole, frac = divmod(tenths, 10)
    text = number_words(whole) + (f" phẩy {number_words(frac)}" if frac else "")
    return f"{text[0].upper()}{text[1:]} mét vuông"


def dmy(d: date) -> str:
    return f"{d.day:02d}/{d.month:02d}/{d.year}"


def long_date(d: date) -> str:
    """ "ngày 05 tháng 01 năm 2020" as on a place-and-date line."""
    return f"ngày {d.day:02d} tháng {d.month:02d} năm {d.year}"


def date_words(d: date) -> str:
    """The date in words, as a birth registration writes it beside the figures."""
    month = "tư" if d.month == 4 else number_words(d.month)
    return f"Ngày {number_words(d.day)}, tháng {month}, năm {number_words(d.year)}"


def fold(text: str) -> str:
    """Lower case without diacritics ("đ" -> "d"), e.g. for e-mail addresses."""
    stripped = "".join(
        c for c in unicodedata.normalize("NFD", text) if not unicodedata.combining(c)
    )
    return stripped.replace("đ", "d").replace("Đ", "D").lower()
