"""Character error rate, the measure of OCR quality used by tests, samples and benchmarks."""

from __future__ import annotations

import re
import unicodedata

from rapidfuzz.distance import Levenshtein

# Dotted leaders and underscores after form labels are layout, not text: any run of
# three or more counts as one space, however many dots the OCR saw.
_LEADERS = re.compile(r"[.…·_]{3,}")
_SPACES = re.compile(r"\s+")


def normalise_for_cer(text: str) -> str:
    """NFC, leaders folded, all whitespace (line breaks included) as single spaces."""
    text = unicodedata.normalize("NFC", text)
    text = _LEADERS.sub(" ", text)
    return _SPACES.sub(" ", text).strip()


def character_errors(reference: str, hypothesis: str) -> tuple[int, int]:
    """(edit distance, reference length) after normalisation; sums across pages."""
    ref = normalise_for_cer(reference)
    hyp = normalise_for_cer(hypothesis)
    return Levenshtein.distance(ref, hyp), len(ref)


def cer(reference: str, hypothesis: str) -> float:
    """Character error rate: edits needed to turn the OCR into the reference, per reference char."""
    errors, length = character_errors(reference, hypothesis)
    if length == 0:
        return 0.0 if not normalise_for_cer(hypothesis) else 1.0
    return errors / length
