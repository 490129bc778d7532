"""Vietnamese text for matching: diacritic folding and one canonical tone placement.

People search without diacritics and OCR drops or misplaces marks, so matching is done
on folded text ("Nguyễn Văn An" -> "nguyen van an"). Folding alone is lossy ("bán",
"bàn", "bạn" all fold to "ban"), so callers compare canonical text first: NFC with the
tone mark always on the same vowel, whichever keyboard or system wrote it.
"""

from __future__ import annotations

import functools
import logging
import re
import unicodedata

log = logging.getLogger(__name__)

# Tone marks (huyền sắc hỏi ngã nặng) as combining characters, after NFD.
_TONES = frozenset("\u0300\u0301\u0309\u0303\u0323")
# Marks that make a different vowel letter (ă â ê ô ơ ư): they stay on their vowel.
_VOWEL_MARKS = frozenset("\u0306\u0302\u031b")
_VOWELS = frozenset("aeiouy")
_CONSONANTS = frozenset("bcdđghklmnpqrstvxfjwz")
# Đ, and the look-alike eth OCR sometimes emits for it.
_D_LETTERS = str.maketrans({"đ": "d", "Đ": "d", "ð": "d", "Ð": "d"})
_LETTER_RUN = re.compile(r"[^\W\d_]+")


def fold(text: str) -> str:
    """Lower case, no diacritics, đ -> d, whitespace collapsed: the form searches match on."""
    # Short texts (a line, a label) through a cache: understanding folds each several
    # times over; a document's whole text, folded once, would only fill it.
    return _fold_kept(text) if len(text) <= _KEPT_LONGEST else _fold(text)


_KEPT_LONGEST = 160  # characters: some 4096 lines and labels kept, a few megabytes


def forget_folds() -> None:
    """Drop the texts folded so far (a benchmark times each run afresh)."""
    _fold_kept.cache_clear()


def _fold(text: str) -> str:
    if text.isascii():
        return " ".join(text.lower().split())
    # Character by character through a cache: understanding folds every line of every
    # page several times, and a page uses a few dozen distinct letters.
    return " ".join("".join(map(_fold_char, text)).split())


_fold_kept = functools.lru_cache(maxsize=4096)(_fold)


@functools.lru_cache(maxsize=4096)
def _fold_char(ch: str) -> str:
    # The same steps as fold(), on one character; may give "" (a lone mark) or several.
    decomposed = unicodedata.normalize("NFD", ch).lower().translate(_D_LETTERS)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def fold_with_offsets(text: str) -> tuple[str, list[int]]:
    """fold(text), and for each of its characters the index in NFC(text) it came from.

    A match found at folded[i:j] covers nfc(text)[offsets[i] : offsets[j - 1] + 1].
    """
    original = unicodedata.normalize("NFC", text)
    chars: list[str] = []
    offsets: list[int] = []
    space_at: int | None = None  # first whitespace of a run not yet emitted
    for index, ch in enumerate(original):
        if ch.isspace():
            if space_at is None:
                space_at = index
            continue
        folded = _fold_char(ch)
        if not folded:
            continue
        if space_at is not None and chars:
            chars.append(" ")
            offsets.append(space_at)
        space_at = None
        chars.extend(folded)
        offsets.extend([index] * len(folded))
    return "".join(chars), offsets


def canonical(text: str) -> str:
    """NFC, each syllable's tone mark on the vowel that carries it in most official text,
    whitespace collapsed.

    Open syllables in oa, oe, uy take the mark on the first vowel ("hòa", "khỏe",
    "thủy"), whichever way it was typed ("hoà", "khoẻ", "thuỷ"); in "qu" and "gi" the
    u and i belong to the consonant ("quả", "giữa"). Words that are not one Vietnamese
    syllable with one tone mark are left as they are.
    """
    text = unicodedata.normalize("NFC", text)
    placed = _LETTER_RUN.sub(lambda m: _place_tone(m.group()), text)
    return " ".join(placed.split())


def _place_tone(word: str) -> str:
    letters: list[list[str]] = []  # [base letter, vowel marks]
    tone = ""
    for ch in unicodedata.normalize("NFD", word):
        if not unicodedata.combining(ch):
            letters.append([ch, ""])
        elif ch in _TONES and not tone and letters:
            tone = ch
        elif ch in _VOWEL_MARKS and letters:
            letters[-1][1] += ch
        else:
            return word  # a second tone, or a mark Vietnamese does not use
    if not tone:
        return word
    lower = [base.lower() for base, _ in letters]
    if not all(ch in _VOWELS or ch in _CONSONANTS for ch in lower):
        return word
    kinds = "".join("v" if ch in _VOWELS else "c" for ch in lower)
    shape = re.fullmatch(r"c*(v+)c*", kinds)
    if shape is None:
        return word
    start, end = shape.span(1)
    # "qu", and "gi" before another vowel: the u / i is part of the consonant.
    if end - start > 1 and start > 0 and lower[start - 1] + lower[start] in ("qu", "gi"):
        start += 1
    target = _tone_vowel(letters, start, end)
    if target is None:
        return word
    rebuilt = "".join(
        base + marks + (tone if i == target else "") for i, (base, marks) in enumerate(letters)
    )
    return unicodedata.normalize("NFC", rebuilt)


def _tone_vowel(letters: list[list[str]], start: int, end: int) -> int | None:
    marked = [i for i in range(start, end) if letters[i][1]]
    if marked:
        return marked[-1]  # ă â ê ô ơ ư carry the tone; in ươ it is the ơ
    if end < len(letters):
        return end - 1  # closed syllable: the last vowel ("hoàng", "huỳnh")
    count = end - start
    if count <= 2:
        return start  # "mía", "túi", and oa/oe/uy: "hòa", "thủy"
    if count == 3:
        return start + 1  # "ngoài", "khuỷu"
    return None


# A Vietnamese syllable, folded: an onset, a vowel cluster (with its closing i/y/o/u)
# and a closing consonant. Folding keeps the shape ("nguyễn" -> "nguyen"), so what OCR
# makes of handwriting ("thii", "ngcmoi", "tzu") rarely passes, and typed words do.
_ONSET = r"(?:ngh|ng|nh|ch|gh|gi(?!i)|kh|ph|qu(?!u)|th|tr|[bcdghklmnprstvx])?"
_NUCLEI = (
    *("oai", "oay", "oeo", "uay", "uya", "uye", "uyu", "uoi", "uou", "ieu", "yeu"),
    *("ai", "ao", "au", "ay", "eo", "eu", "ia", "ie", "iu", "oa", "oe", "oi", "oo"),
    *("ua", "ue", "ui", "uo", "uu", "uy", "ye", "a", "e", "i", "o", "u", "y"),
)
_CODA = r"(?:ch|ng|nh|[cmnpt])?"
_SYLLABLE = re.compile(rf"^{_ONSET}(?:{'|'.join(_NUCLEI)}){_CODA}$")


def is_syllable(word: str) -> bool:
    """Whether `word` (letters only) has the shape of one Vietnamese syllable."""
    return bool(_SYLLABLE.match(fold(word)))


def reads_as_words(text: str, *, least: int = 2) -> bool:
    """Whether `text` holds at least `least` words and each has a syllable's shape: what
    OCR reads of typed Vietnamese, seldom of a hand."""
    words = _LETTER_RUN.findall(text)
    return len(words) >= least and all(is_syllable(word) for word in words)


@functools.cache
def lexicon() -> frozenset[str]:
    """Written Vietnamese syllables, lower case: the word list of Tesseract's `vie` model
    (installed with it, nothing downloaded), canonical tone placement. Empty when that
    model or Tesseract's tools are missing: spelling repairs then fall back to the
    syllable's shape (`is_syllable`)."""
    from digitize.errors import DigitizeError
    from digitize.exec.tesseract import word_list

    try:
        words = word_list("vie")
    except (DigitizeError, OSError) as exc:
        log.warning("no Vietnamese word list (%s): spelling is checked by shape only", exc)
        return frozenset()
    return frozenset(
        canonical(word.lower()) for word in words if word.isalpha() and is_syllable(word)
    )


def is_word(word: str) -> bool | None:
    """Whether `word` is a written Vietnamese syllable in `lexicon()`; None without one."""
    words = lexicon()
    if not words:
        return None
    return canonical(word.lower()) in words
