"""Vietnamese text: NFC everywhere, and letters Vietnamese does not use mapped back.

Tesseract's `vie` model sometimes reads stacked marks as marks Vietnamese never
uses (a diaeresis for a circumflex: "ö" for "ô"). Such a letter cannot be right in
Vietnamese text, so it is replaced by the nearest Vietnamese letter; letters that
could be right are never touched.
"""

from __future__ import annotations

import functools
import unicodedata

_BASE_VOWELS = "aăâeêioôơuưy"
_TONES = ("", "\u0300", "\u0301", "\u0309", "\u0303", "\u0323")  # ngang huyền sắc hỏi ngã nặng
_CONSONANTS = "bcdđghklmnpqrstvx" + "fjwz"  # f j w z appear in loanwords and abbreviations

# Marks Vietnamese never uses, and the Vietnamese mark they are mistaken for.
_MARK_REPAIRS = {
    "\u0308": "\u0302",  # diaeresis -> circumflex (ö -> ô)
    "\u030a": "\u0306",  # ring above -> breve (å -> ă)
    "\u030c": "\u0306",  # caron -> breve (ǎ -> ă)
    "\u0304": "",  # macron
    "\u0327": "",  # cedilla
    "\u0328": "",  # ogonek
    "\u0307": "",  # dot above
    "\u030b": "\u0301",  # double acute -> acute
}


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


@functools.cache
def vietnamese_letters() -> frozenset[str]:
    """Every letter of the Vietnamese alphabet with every tone, both cases, in NFC."""
    letters = set(_CONSONANTS)
    for vowel in _BASE_VOWELS:
        for tone in _TONES:
            letters.add(nfc(vowel + tone))
    letters |= {letter.upper() for letter in letters}
    return frozenset(letters)


# Letters with no decomposition that OCR gives for a Vietnamese one (Icelandic eth for Đ).
_LETTER_REPAIRS = str.maketrans({"Ð": "Đ", "ð": "đ", "ı": "i", "ł": "l"})


def restrict_to_vietnamese(text: str) -> str:
    """Replace letters foreign to Vietnamese by the Vietnamese letter they were misread for."""
    text = nfc(text).translate(_LETTER_REPAIRS)
    allowed = vietnamese_letters()
    if all(ch in allowed or not ch.isalpha() for ch in text):
        return text
    return "".join(ch if ch in allowed or not ch.isalpha() else _repair(ch) for ch in text)


def _repair(letter: str) -> str:
    decomposed = unicodedata.normalize("NFD", letter)
    base, marks = decomposed[0], decomposed[1:]
    repaired = base + "".join(_MARK_REPAIRS.get(mark, mark) for mark in marks)
    candidate = nfc(repaired)
    if candidate in vietnamese_letters():
        return candidate
    # Still foreign (e.g. a circumflex on "i"): keep only the base letter and its tone.
    tones = "".join(mark for mark in marks if mark in _TONES)
    fallback = nfc(base + tones)
    return fallback if fallback in vietnamese_letters() else letter
