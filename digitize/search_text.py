"""Text for full-text search, the same whichever database holds the index.

A page is indexed in three forms, each a string of tokens joined by spaces. A token is
a run of letters and digits; everything else separates tokens. Tokenising here, rather
than in the database, makes SQLite's FTS5 and PostgreSQL's text parser see exactly the
same tokens, so both find the same pages:

- `exact`: the text in canonical form (NFC, each tone mark on one vowel whichever way
  it was typed: "hoà" is "hòa"), lower case. Accented queries match here.
- `folded`: without diacritics, đ -> d ("nguyen van an"): what every word of a query
  matches, typed with marks or without.
- `codes`: identifiers written with dots and hyphens (dossier codes
  "000.00.13.H12-240115-0042", procedure codes "1.001193", amounts "100.000.000"), each
  one token without its separators ("00000013h122401150042"). The other forms split
  such a code at every dot and hyphen; here it is found whole and by prefix.

A query (`parse_query`) is words, quoted phrases, numbers (a token with a digit: a
personal ID number, a year) and codes. Every one must be on the page: words and
phrases in their folded form, numbers and codes whole or, from 4 characters on, by
prefix. Ranking then puts first the pages where each word is there in its exact
form, then those where the words stand together as typed (a name), then the rest by
relevance (`service/search.py`).

`snippet` cuts the stretch of a page's text around its hits, with the hits marked.
"""

from __future__ import annotations

import functools
import html
import re
import string
import unicodedata
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Literal

from digitize.text import vietnamese_letters
from digitize.understand.vietnamese import canonical, fold

MAX_QUERY_CHARS = 200
MAX_QUERY_UNITS = 12
PREFIX_FROM = 4  # numbers and codes this long match by prefix; shorter ones whole
_MAX_TOKEN = 64  # longer "words" are OCR debris (rules, leaders read as letters)

_TOKEN = re.compile(r"[^\W_]+")  # then split where a run holds other numerals (tokens)
# An identifier: ASCII letters and digits in parts joined by one dot or hyphen each,
# with a digit somewhere ("000.00.13.H12-240115-0042", "1.001193", "0912.345.678").
_CODE = re.compile(r"(?<![0-9A-Za-z])[0-9A-Za-z]+(?:[.\-][0-9A-Za-z]+)+")


def _numerals_class() -> re.Pattern[str]:
    """Numerals other than 0-9 ("²", "½", "٣"): word characters that are no letters."""
    others = [c for c in range(0x80, 0x10000) if chr(c).isnumeric()]
    ranges: list[list[int]] = []
    for c in others:
        if ranges and c == ranges[-1][1] + 1:
            ranges[-1][1] = c
        else:
            ranges.append([c, c])
    return re.compile(
        "[" + "".join(re.escape(chr(a)) + (f"-{re.escape(chr(b))}" if b > a else "")
                      for a, b in ranges) + "]"
    )  # fmt: skip


_OTHER_NUMERAL = _numerals_class()
_CODE_SEPARATORS = re.compile(r"[.\-]")
_DIGIT = re.compile(r"\d")
_QUOTED = re.compile(r'"([^"]*)"')
_QUOTES = str.maketrans({"“": '"', "”": '"', "„": '"', "«": '"', "»": '"'})
_LEADERS = re.compile(r"(?:\.{3,}|…{2,}|_{3,})")


class QueryError(ValueError):
    """A query that cannot be searched for: empty, too long, nothing to match."""


@dataclass(frozen=True, slots=True)
class IndexedText:
    exact: str
    folded: str
    codes: str


def tokens(text: str) -> list[str]:
    """The tokens of `text` (NFC), as `token_spans` gives them."""
    words = _TOKEN.findall(text)
    if not _OTHER_NUMERAL.search(text):  # the usual case, checked in one go
        return [w for w in words if len(w) <= _MAX_TOKEN]
    found = []
    for word in words:
        if word.isascii() or word.isalpha():
            if len(word) <= _MAX_TOKEN:
                found.append(word)
        else:
            found += [token for _, _, token in _split_run(word, 0)]
    return found


def token_spans(text: str) -> Iterator[tuple[int, int, str]]:
    """(start, end, token) of each token of `text` (NFC): a run of letters and ASCII
    digits. Other digits and signs ("²" in "m²", "½") separate tokens, as PostgreSQL's
    parser sees them, so both databases index the same tokens."""
    for run in _TOKEN.finditer(text):
        word = run.group()
        if word.isascii() or word.isalpha():
            if len(word) <= _MAX_TOKEN:
                yield run.start(), run.end(), word
        else:
            yield from _split_run(word, run.start())


def _split_run(word: str, offset: int) -> Iterator[tuple[int, int, str]]:
    """The tokens of a run that mixes letters with other numerals ("m²")."""
    start = None
    for i, ch in enumerate([*word, " "]):
        if ch.isalpha() or (ch.isascii() and ch.isalnum()):
            start = i if start is None else start
        elif start is not None:
            if i - start <= _MAX_TOKEN:
                yield offset + start, offset + i, word[start:i]
            start = None


@functools.lru_cache(maxsize=1 << 17)
def exact_token(token: str) -> str:
    """A token's exact form: canonical tone placement, lower case. Cached: a corpus
    has a few thousand distinct syllables and names, each seen again and again."""
    return canonical(token).lower()


@functools.lru_cache(maxsize=1 << 17)
def folded_token(token: str) -> str:
    return fold(token)


def exact_form(text: str) -> str:
    """The canonical, lower-case form that `exact` holds and accented words match."""
    return " ".join(exact_token(t) for t in tokens(unicodedata.normalize("NFC", text)))


def compact_code(code: str) -> str:
    return _CODE_SEPARATORS.sub("", code).lower()


def codes_in(text: str) -> list[str]:
    """The identifiers of `text`, compacted ("1.001193" -> "1001193")."""
    return [
        compact_code(m.group())
        for m in _CODE.finditer(unicodedata.normalize("NFC", text))
        if _DIGIT.search(m.group())
    ]


def index_text(text: str) -> IndexedText:
    """The three forms of `text` that the index holds (see the module's docstring):
    the exact and folded forms of each of its tokens, and its codes."""
    text = unicodedata.normalize("NFC", text)
    words = tokens(text)
    return IndexedText(
        exact=" ".join(map(exact_token, words)),
        folded=" ".join(map(folded_token, words)),
        codes=" ".join(code for code in codes_in(text) if len(code) <= _MAX_TOKEN),
    )


# --- queries --------------------------------------------------------------------------

UnitKind = Literal["word", "phrase", "number", "code"]


@dataclass(frozen=True, slots=True)
class Unit:
    """One thing the query asks for. `exact` and `folded` hold its tokens (several for a
    phrase); numbers and codes have one form, in `folded`."""

    kind: UnitKind
    exact: tuple[str, ...]
    folded: tuple[str, ...]
    prefix: bool = False

    @property
    def accented(self) -> bool:
        """Whether its exact form asks for more than its folded form does."""
        return self.kind in ("word", "phrase") and self.exact != self.folded


@dataclass(frozen=True, slots=True)
class Query:
    text: str  # as given, NFC
    units: tuple[Unit, ...]

    @property
    def words(self) -> tuple[Unit, ...]:
        return tuple(u for u in self.units if u.kind == "word")

    @property
    def phrase(self) -> tuple[str, ...] | None:
        """The folded words typed outside quotes, in order, when there are several:
        pages where they stand together so (a person's name) rank higher."""
        words = tuple(u.folded[0] for u in self.words)
        return words if len(words) > 1 else None


def parse_query(text: str) -> Query:
    """The units of a query; QueryError if it is empty, too long or has nothing to find."""
    text = unicodedata.normalize("NFC", text).translate(_QUOTES).strip()
    if not text:
        raise QueryError("the query is empty")
    if len(text) > MAX_QUERY_CHARS:
        raise QueryError(f"the query is longer than {MAX_QUERY_CHARS} characters")
    units: list[Unit] = []
    position = 0
    for quoted in _QUOTED.finditer(text):
        units += _units(text[position : quoted.start()], quoted=False)
        units += _units(quoted.group(1), quoted=True)
        position = quoted.end()
    units += _units(text[position:].replace('"', " "), quoted=False)
    unique = list(dict.fromkeys(units))
    if not unique:
        raise QueryError("the query has no letters or digits to search for")
    if len(unique) > MAX_QUERY_UNITS:
        raise QueryError(f"the query asks for more than {MAX_QUERY_UNITS} words, numbers or codes")
    return Query(text, tuple(unique))


def _units(text: str, *, quoted: bool) -> list[Unit]:
    units: list[Unit] = []
    rest = []
    position = 0
    for match in _CODE.finditer(text):
        if not _DIGIT.search(match.group()):
            continue
        code = compact_code(match.group())
        units.append(Unit("code", (code,), (code,), prefix=len(code) >= PREFIX_FROM))
        rest.append(text[position : match.start()])
        position = match.end()
    rest.append(text[position:])
    words: list[tuple[str, str]] = []
    for token in tokens(" ".join(rest)):
        if _DIGIT.search(token):
            number = folded_token(token)
            units.append(Unit("number", (number,), (number,), prefix=len(number) >= PREFIX_FROM))
        else:
            words.append((exact_token(token), folded_token(token)))
    if quoted and len(words) > 1:
        exact, folded = zip(*words, strict=True)
        units.insert(0, Unit("phrase", tuple(exact), tuple(folded)))
    else:
        units[:0] = [Unit("word", (e,), (f,)) for e, f in words]
    return units


# --- snippets -------------------------------------------------------------------------

SNIPPET_CHARS = 200
_CONTEXT_BEFORE = 50  # characters kept before the first hit of the window


@dataclass(frozen=True, slots=True)
class Snippet:
    text: str
    highlights: tuple[tuple[int, int], ...]  # [start, end) in `text`

    def html(self) -> str:
        """The snippet as HTML: escaped, each hit in <mark>."""
        out, position = [], 0
        for start, end in self.highlights:
            out.append(html.escape(self.text[position:start]))
            out.append(f"<mark>{html.escape(self.text[start:end])}</mark>")
            position = end
        out.append(html.escape(self.text[position:]))
        return "".join(out)


def display_text(text: str) -> str:
    """Text as a snippet shows it: NFC, one line, dotted leaders as one ellipsis."""
    return " ".join(_LEADERS.sub("…", unicodedata.normalize("NFC", text)).split())


@functools.cache
def _fold_in_place() -> dict[int, str]:
    """A table folding each Vietnamese letter (NFC) and ASCII capital to one lower-case
    letter, so the folded text keeps the original's offsets."""
    table = {ord(c): c.lower() for c in string.ascii_uppercase}
    for letter in (*vietnamese_letters(), "Ð", "ð"):
        folded = fold(letter)
        if len(folded) == 1 and folded != letter:
            table[ord(letter)] = folded
    return table


def fold_in_place(text: str) -> str:
    """`text` (NFC) folded letter for letter: no diacritics, đ -> d, lower case; the same
    length, so a match in it is a match at the same offsets in `text`."""
    return text.translate(_fold_in_place())


_EDGE_AFTER, _BETWEEN = r"(?![^\W_])", r"[\W_]+"
_WORD_CHAR = re.compile(r"[^\W_]")


def hits(text: str, query: Query) -> list[tuple[int, int, int]]:
    """Where the query's units are in `text` (NFC): (start, end, unit index), in order."""
    folded = fold_in_place(text)
    found: list[tuple[int, int, int]] = []
    for index, unit in enumerate(query.units):
        if unit.kind == "code":
            found += [
                (m.start(), m.end(), index)
                for m in _CODE.finditer(folded)
                if _matches(compact_code(m.group()), unit)
            ]
            continue
        body = _BETWEEN.join(re.escape(word) for word in unit.folded)
        rest = r"[^\W_]*" if unit.prefix else ""
        # Starting with the word itself lets the regex engine skip ahead to it; the
        # start of the word is checked after.
        pattern = re.compile(body + rest + _EDGE_AFTER)
        found += [
            (m.start(), m.end(), index)
            for m in pattern.finditer(folded)
            if m.start() == 0 or not _WORD_CHAR.match(folded, m.start() - 1)
        ]
    return sorted(found)


def _matches(token: str, unit: Unit) -> bool:
    return token.startswith(unit.folded[0]) if unit.prefix else token == unit.folded[0]


def snippet(text: str, query: Query, width: int = SNIPPET_CHARS) -> Snippet:
    """The stretch of `text` (about `width` characters) holding the most of the query's
    units, with every hit in it highlighted; the text's start if nothing matches."""
    text = display_text(text)
    found = hits(text, query)
    context = min(_CONTEXT_BEFORE, width // 4)
    # The window's start, and the first and last character of the hits it must show:
    # slid over the hits (in order of start), it keeps those wholly inside.
    begin, first_hit, last = 0, 0, 0
    most, counts, inside = 0, Counter[int](), 0
    for i, (first, _, _) in enumerate(found):
        if 0 < i <= inside:  # the previous hit leaves the window
            gone = found[i - 1][2]
            counts[gone] -= 1
            if not counts[gone]:
                del counts[gone]
        inside = max(inside, i)
        start = max(0, first - context)
        while inside < len(found) and found[inside][1] <= start + width:
            counts[found[inside][2]] += 1
            inside += 1
        if len(counts) > most:
            most = len(counts)
            begin, first_hit = start, first
            last = max(e for _, e, _ in found[i:inside])
    if begin > 0 and not text[begin - 1].isspace():
        space = text.find(" ", begin, first_hit)
        begin = space + 1 if space >= 0 else begin
    end = min(len(text), begin + width)
    if end < len(text):
        space = text.rfind(" ", last, end)
        end = space if space >= last else end
    prefix = "…" if begin > 0 else ""
    suffix = "…" if end < len(text) else ""
    shift = len(prefix) - begin
    marks = tuple(
        (start + shift, stop + shift)
        for start, stop in _merged(text, found)
        if start >= begin and stop <= end
    )
    return Snippet(prefix + text[begin:end] + suffix, marks)


def _merged(text: str, found: list[tuple[int, int, int]]) -> Iterator[tuple[int, int]]:
    """Hits as spans to mark: overlapping ones, and words with only a space between
    (a name), become one."""
    current: list[int] | None = None
    for start, end, _ in found:
        if current is not None and start <= current[1] + 1 and not text[current[1] : start].strip():
            current[1] = max(current[1], end)
            continue
        if current is not None:
            yield current[0], current[1]
        current = [start, end]
    if current is not None:
        yield current[0], current[1]
