"""Classification: which document type a document is, and which procedure it serves.

Two opinions are combined. The catalogue's rules look for a document type's printed
title and form number near the top of its first page, fuzzily on folded text, so OCR
slips and missing diacritics still match. The learned model (`model.TextModel`) reads
the whole text. Either can carry a document alone (a garbled title, or a paper the
model has seen too little of); when both speak they reinforce each other (noisy-or).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from itertools import pairwise

from rapidfuzz import fuzz

from digitize.understand.catalogue import Catalogue, DocumentType, Procedure
from digitize.understand.model import TextModel
from digitize.understand.pages import PageText
from digitize.understand.vietnamese import fold

UNKNOWN = "unknown"
UNKNOWN_BELOW = 0.5  # a best score below this is reported as "unknown"
TITLE_LINES = 14  # titles sit in the first lines of a page (after form number, header)
_TITLE_MIN = 0.8
_FORM_NUMBER_WEIGHT = 0.6  # "Mẫu số 01" alone is weaker evidence than a title
_CUE_MIN = 0.88


@dataclass(frozen=True, slots=True)
class Classification:
    doc_type: str  # a catalogue key, or "unknown"
    confidence: float
    procedure: str | None
    procedure_confidence: float
    rule_scores: Mapping[str, float]
    model_scores: Mapping[str, float]


def title_scores(page: PageText, catalogue: Catalogue) -> dict[str, float]:
    """0..1 per document type: how well a title or form number near the top matches.

    Titles are printed in capitals on a line of their own (a long one wraps onto the
    next); the same words in running text ("1. Đơn đăng ký đất đai..." in a list of
    documents handed in) are not a title.
    """
    lines = tuple(line.text for line in page.lines[:TITLE_LINES])
    key = (id(catalogue), lines)
    with _titles_lock:
        kept = _titles.get(key)
        if kept is not None and kept[0] is catalogue:
            _titles.move_to_end(key)
            return dict(kept[1])
    scores = _title_scores(lines, catalogue)
    with _titles_lock:
        _titles[key] = (catalogue, scores)
        while len(_titles) > _TITLES_KEPT:
            _titles.popitem(last=False)
    return dict(scores)


# A page's title scores, by the text of its top lines (all they are made from): a file's
# pages are scored two or three times each (where a dossier starts, where a document
# starts, which type it is), and scoring is a good share of understanding's time.
_TITLES_KEPT = 16  # a document's pages and then some: its first page is classified last
_titles: OrderedDict[tuple[int, tuple[str, ...]], tuple[Catalogue, dict[str, float]]] = (
    OrderedDict()
)
_titles_lock = threading.Lock()


def _title_scores(lines: tuple[str, ...], catalogue: Catalogue) -> dict[str, float]:
    head = [text for text in lines if text.strip()]
    candidates = [
        text for text in head + [f"{a} {b}" for a, b in pairwise(head)] if _capitals(text)
    ]
    folded_candidates = [fold(text) for text in candidates]
    folded_head = [fold(text) for text in head[:4]]
    scores: dict[str, float] = {}
    for key, doc in catalogue.document_types.items():
        best = 0.0
        for title in doc.titles:
            folded = fold(title)
            for text in folded_candidates:
                best = max(best, _title_match(folded, text))
        for number in doc.form_numbers:
            folded = fold(number)
            for text in folded_head:
                if fuzz.ratio(folded, text) >= 90 or (
                    len(text) > len(folded) and fuzz.partial_ratio(folded, text) >= 95
                ):
                    best = max(best, _FORM_NUMBER_WEIGHT)
        scores[key] = best if best >= _FORM_NUMBER_WEIGHT else 0.0
    return scores


def _capitals(text: str) -> bool:
    letters = [ch for ch in text if ch.isalpha()]
    return bool(letters) and sum(ch.isupper() for ch in letters) >= 0.6 * len(letters)


def _title_match(title: str, text: str) -> float:
    """1 for the title as printed, falling steeply to 0.5 at a ratio of 0.8, then 0.

    Many titles share most of their words ("TỜ KHAI ĐĂNG KÝ KẾT HÔN" and "... KHAI
    SINH" match at 0.83), so a near miss must count for much less than a hit. A line
    that goes on after the title (a bilingual card title) is compared by its first
    words.
    """
    ratio = fuzz.ratio(title, text) / 100
    words, size = text.split(), len(title.split())
    if len(words) > size:
        for n in (size, size + 1):
            ratio = max(ratio, 0.97 * fuzz.ratio(title, " ".join(words[:n])) / 100)
    if ratio < _TITLE_MIN:
        return 0.0
    return 0.5 + 0.5 * (ratio - _TITLE_MIN) / (1 - _TITLE_MIN)


def classify(
    pages: Sequence[PageText],
    catalogue: Catalogue,
    model: TextModel | None,
    *,
    unknown_below: float = UNKNOWN_BELOW,
) -> tuple[str, float, dict[str, float], dict[str, float]]:
    """The document type of a document, its confidence, and both opinions."""
    first = next((page for page in pages if page.lines), None)
    rules = title_scores(first, catalogue) if first else {}
    text = "\n".join(page.text for page in pages)
    learned = model.probabilities(text) if model and text.strip() else {}
    combined = {
        key: 1 - (1 - rules.get(key, 0.0)) * (1 - learned.get(key, 0.0))
        for key in catalogue.document_types
    }
    ranked = sorted(combined.items(), key=lambda item: item[1], reverse=True)
    if not ranked:
        return UNKNOWN, 0.0, rules, learned
    (best, score), runner_up = ranked[0], ranked[1][1] if len(ranked) > 1 else 0.0
    # Two types almost as likely: be less sure than either score says.
    confidence = score if score - runner_up >= 0.2 else score * (0.5 + (score - runner_up) * 2.5)
    if confidence < unknown_below:
        return UNKNOWN, confidence, rules, learned
    return best, confidence, rules, learned


def procedure_for(
    doc: DocumentType | None, catalogue: Catalogue, procedure_text: str
) -> tuple[str | None, float]:
    """The procedure a document serves, and how sure that is.

    A type that is the form of one procedure says it; a type serving several (CT01) or
    any (the receipt) names it in a field (`procedure_field`), searched for cues.
    """
    if doc is None:
        return None, 0.0
    if len(doc.procedures) == 1 and not doc.procedure_field:
        return doc.procedures[0], 1.0
    candidates: list[Procedure] = [
        catalogue.procedures[key] for key in doc.procedures if key in catalogue.procedures
    ] or (list(catalogue.procedures.values()) if doc.procedure_field else [])
    found = _best_cue(candidates, fold(procedure_text)) if procedure_text else None
    if found is not None:
        return found
    if doc.procedures:
        return doc.procedures[0], 0.4  # the form's usual procedure, unconfirmed
    return None, 0.0


def _best_cue(candidates: Sequence[Procedure], text: str) -> tuple[str, float] | None:
    best: tuple[float, int, str] | None = None
    for procedure in candidates:
        for cue in (procedure.name, *procedure.cues):
            folded = fold(cue)
            score = (
                fuzz.partial_ratio(folded, text) / 100
                if len(text) >= len(folded)
                else (fuzz.ratio(folded, text) / 100)
            )
            # The longest cue that matches wins: "xóa đăng ký thường trú" over
            # "đăng ký thường trú", which it contains.
            if score >= _CUE_MIN and (best is None or (score, len(folded)) > best[:2]):
                best = (score, len(folded), procedure.key)
    return (best[2], best[0]) if best else None
