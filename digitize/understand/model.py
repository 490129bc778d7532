"""The learned half of classification: character n-gram TF-IDF and a linear classifier.

Trained on labelled texts (the generator's labelled samples plus staff corrections);
character n-grams of folded text survive OCR slips and missing diacritics that defeat
word matching. scikit-learn fits the model (`train`); the fitted arrays (vocabulary,
idf weights, coefficients) are all prediction needs, so they are saved as `.npz`, not as
a pickle (loading a model file never runs code), and prediction is a few numpy lines:
importing scikit-learn would cost every digitising process some 90 MB.
"""

from __future__ import annotations

import json
import math
import random
import re
import zipfile
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import numpy as np

from digitize.errors import DigitizeError
from digitize.understand.vietnamese import fold

DEFAULT_MODEL = Path(__file__).resolve().parent.parent / "data" / "classifier.npz"
FORMAT_VERSION = 1
NGRAMS = (2, 4)  # character n-grams inside word boundaries


class ModelError(DigitizeError):
    """A model file is missing, damaged or of another version."""


@dataclass(frozen=True, slots=True)
class Example:
    text: str
    doc_type: str
    source: str = ""


def prepare(text: str) -> str:
    """What the model reads: folded text, digits collapsed (numbers vary, shapes do not)."""
    return re.sub(r"\d", "0", fold(text))


def char_ngrams(text: str) -> list[str]:
    """N-grams of each space-padded word, as scikit-learn's `char_wb` analyser makes them."""
    grams = []
    low, high = NGRAMS
    for word in text.split():
        padded = f" {word} "
        for n in range(low, high + 1):
            if len(padded) < n:
                break
            grams.extend(padded[i : i + n] for i in range(len(padded) - n + 1))
    return grams


_WORDS_KEPT = 100_000  # words whose n-grams a model keeps (some 10-20 MB at most)


class TextModel:
    """Document-type probabilities from a document's text."""

    def __init__(
        self,
        terms: Sequence[str],
        idf: np.ndarray,
        coef: np.ndarray,
        intercept: np.ndarray,
        classes: Sequence[str],
    ) -> None:
        self._index = {term: i for i, term in enumerate(terms)}
        # Each word's n-grams in the vocabulary, as `char_ngrams` makes them: a form's
        # words come back page after page, and making their n-grams was most of the
        # classifier's cost. Bounded, as a worker's process lives long.
        self._word_grams: dict[str, tuple[str, ...]] = {}
        self._idf = np.asarray(idf, dtype=np.float64)
        self._coef = np.asarray(coef, dtype=np.float64)
        self._intercept = np.asarray(intercept, dtype=np.float64)
        self.classes = tuple(str(c) for c in classes)

    def forget_words(self) -> None:
        """Drop the words' n-grams kept so far (a benchmark times each run afresh)."""
        self._word_grams.clear()

    def _known_grams(self, text: str) -> list[str]:
        """`char_ngrams(text)` that are in the vocabulary, in the same order."""
        known = self._word_grams
        grams: list[str] = []
        for word in text.split():
            kept = known.get(word)
            if kept is None:
                kept = tuple(g for g in char_ngrams(word) if g in self._index)
                if len(known) >= _WORDS_KEPT:
                    known.clear()
                known[word] = kept
            grams.extend(kept)
        return grams

    def features(self, text: str) -> np.ndarray:
        """Sublinear TF times IDF, L2-normalised: the vector the classifier was fitted on."""
        counts = Counter(self._known_grams(prepare(text)))
        vector = np.zeros(len(self._idf))
        for gram, count in counts.items():
            vector[self._index[gram]] = 1 + math.log(count)
        vector *= self._idf
        norm = np.linalg.norm(vector)
        return vector / norm if norm else vector

    def probabilities(self, text: str) -> dict[str, float]:
        # The classifier's scores on `features(text)`, computed on the columns of the
        # n-grams the text holds only (a document has a few thousand of the vocabulary's
        # tens of thousands; a field label a few dozen), with no dense vector.
        counts = Counter(self._known_grams(prepare(text)))
        scores = self._intercept
        if counts:
            columns = np.fromiter((self._index[g] for g in counts), np.intp, len(counts))
            values = np.fromiter((1 + math.log(c) for c in counts.values()), float, len(counts))
            values *= self._idf[columns]
            norm = math.sqrt(float((values * values).sum()))
            if norm:
                scores = self._coef[:, columns] @ (values / norm) + self._intercept
        if len(self.classes) == 2:  # a binary model keeps one row of coefficients
            p = 1 / (1 + math.exp(-float(scores[0])))
            probabilities = np.array([1 - p, p])
        else:
            exp = np.exp(scores - scores.max())
            probabilities = exp / exp.sum()
        return {label: float(p) for label, p in zip(self.classes, probabilities, strict=True)}

    @classmethod
    def train(cls, examples: Sequence[Example], *, seed: int = 0) -> TextModel:
        from sklearn.feature_extraction.text import TfidfVectorizer  # only when training
        from sklearn.linear_model import LogisticRegression

        if len({example.doc_type for example in examples}) < 2:
            raise ModelError("training needs examples of at least two document types")
        rng = random.Random(seed)
        texts, targets = [], []
        for example in examples:
            texts.append(prepare(example.text))
            targets.append(example.doc_type)
            # A copy with OCR-like damage, so the model does not rely on clean text.
            texts.append(prepare(_damage(example.text, rng)))
            targets.append(example.doc_type)
        vectorizer = TfidfVectorizer(
            analyzer="char_wb",
            ngram_range=NGRAMS,
            sublinear_tf=True,
            min_df=2,
            max_features=40_000,
            dtype=np.float64,
        )
        features = vectorizer.fit_transform(texts)
        classifier = LogisticRegression(C=10.0, max_iter=3000)
        classifier.fit(features, targets)
        vocabulary = sorted(vectorizer.vocabulary_.items(), key=lambda item: item[1])
        return cls(
            [term for term, _ in vocabulary],
            vectorizer.idf_,
            classifier.coef_,
            classifier.intercept_,
            [str(c) for c in classifier.classes_],
        )

    def save(self, path: Path, *, meta: dict[str, object] | None = None) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        temp = path.with_name(f".{path.name}.tmp.npz")
        terms = sorted(self._index, key=self._index.__getitem__)
        np.savez_compressed(
            temp,
            format_version=np.array(FORMAT_VERSION),
            terms=np.array(terms),
            idf=self._idf.astype(np.float32),
            coef=self._coef.astype(np.float32),
            intercept=self._intercept.astype(np.float32),
            classes=np.array(self.classes),
            meta=np.array(json.dumps(meta or {}, ensure_ascii=False)),
        )
        temp.replace(path)

    @classmethod
    def load(cls, path: Path) -> TextModel:
        try:
            with np.load(path, allow_pickle=False) as data:
                version = int(data["format_version"])
                if version != FORMAT_VERSION:
                    raise ModelError(f"{path}: model format {version}, expected {FORMAT_VERSION}")
                return cls(
                    [str(t) for t in data["terms"]],
                    data["idf"],
                    data["coef"],
                    data["intercept"],
                    [str(c) for c in data["classes"]],
                )
        except (OSError, KeyError, ValueError, EOFError, zipfile.BadZipFile) as exc:
            raise ModelError(f"{path}: cannot load the classifier model ({exc})") from exc


def read_examples(paths: Iterable[Path]) -> list[Example]:
    """Labelled texts from JSON-lines files: {"text": ..., "doc_type": ...} per line."""
    return read_json_lines(
        paths,
        lambda record, where: Example(str(record["text"]), str(record["doc_type"]), where),
        "a labelled example",
    )


_T = TypeVar("_T")


def read_json_lines(
    paths: Iterable[Path], make: Callable[[dict[str, Any], str], _T], what: str
) -> list[_T]:
    """`make(record, "path:line")` of each non-blank line of JSON-lines files; a line
    that is not JSON or lacks what `make` needs is a ModelError naming it as not `what`."""
    out = []
    for path in paths:
        with path.open(encoding="utf-8") as handle:
            for number, line in enumerate(handle, 1):
                if not line.strip():
                    continue
                try:
                    out.append(make(json.loads(line), f"{path}:{number}"))
                except (json.JSONDecodeError, KeyError, TypeError) as exc:
                    raise ModelError(f"{path} line {number}: not {what} ({exc})") from exc
    return out


_CONFUSIONS = {"o": "0", "l": "1", "i": "l", "e": "c", "n": "m", "u": "v", "h": "b", "t": "f"}


def _damage(text: str, rng: random.Random) -> str:
    """Drop diacritics here and there, confuse, drop or double a few letters."""
    out = []
    for ch in text:
        roll = rng.random()
        if roll < 0.02:
            continue
        if roll < 0.04:
            out.append(_CONFUSIONS.get(ch.lower(), ch))
        elif roll < 0.05:
            out.append(ch + ch)
        else:
            out.append(ch)
    return "".join(out)
