"""Tesseract, the OCR program: probe, recognise, and read a model's word list.

Runs one Tesseract process per page with OMP_THREAD_LIMIT=1: on the project's
2-core machines Tesseract's own OpenMP threads are several times slower than one
thread per process (bench/omp_threads.py measures it), so parallelism comes from
running pages side by side instead.
"""

from __future__ import annotations

import functools
import re
import tempfile
import unicodedata
from pathlib import Path

from digitize.errors import MissingDependencyError
from digitize.exec.run import run

PROGRAM = "tesseract"
# Tesseract's own tools (package tesseract-ocr) that unpack a model and list its words.
UNPACK, LIST_WORDS = "combine_tessdata", "dawg2wordlist"
_SINGLE_THREAD = {"OMP_THREAD_LIMIT": "1"}


@functools.cache
def version(timeout: float = 30.0) -> str:
    """Tesseract's version string, e.g. "5.3.0"; raises MissingDependencyError if absent."""
    out = run([PROGRAM, "--version"], timeout=timeout)
    text = (out.stdout + out.stderr).decode("utf-8", "replace")
    match = re.search(r"tesseract\s+v?(\d+\.\d+(?:\.\d+)?)", text)
    if not match:
        raise MissingDependencyError(f"cannot read Tesseract's version from: {text[:80]!r}")
    return match.group(1)


@functools.cache
def _list_langs(timeout: float) -> list[str]:
    """`tesseract --list-langs`: a line naming the models' folder, then one a model."""
    out = run([PROGRAM, "--list-langs"], timeout=timeout)
    return out.stdout.decode("utf-8", "replace").splitlines()


def languages(timeout: float = 30.0) -> frozenset[str]:
    """The language models Tesseract has installed."""
    return frozenset(line.strip() for line in _list_langs(timeout)[1:] if line.strip())


def model_dir(timeout: float = 30.0) -> Path:
    """The folder Tesseract reads its language models from."""
    first = next(iter(_list_langs(timeout)), "")
    match = re.search(r'"([^"]+)"', first)
    if not match:
        raise MissingDependencyError(f"cannot read Tesseract's model folder from: {first!r}")
    return Path(match.group(1))


def word_list(lang: str, timeout: float = 30.0) -> frozenset[str]:
    """The words of the model `lang`'s dictionary (its LSTM word list), in NFC: for
    `vie` the syllables of written Vietnamese and a few English words. Raises
    MissingDependencyError when the model or Tesseract's tools are absent."""
    model = model_dir(timeout) / f"{lang}.traineddata"
    if not model.is_file():
        raise MissingDependencyError(f"Tesseract language model {lang} not installed")
    with tempfile.TemporaryDirectory(prefix="digitize-words-") as folder:
        prefix = Path(folder) / f"{lang}."
        run([UNPACK, "-u", model, prefix], timeout=timeout)
        unicharset, dawg = Path(f"{prefix}lstm-unicharset"), Path(f"{prefix}lstm-word-dawg")
        if not (unicharset.is_file() and dawg.is_file()):
            raise MissingDependencyError(f"Tesseract model {lang} has no word list")
        listing = Path(folder) / "words.txt"
        run([LIST_WORDS, unicharset, dawg, listing], timeout=timeout)
        text = listing.read_text(encoding="utf-8", errors="replace")
    return frozenset(unicodedata.normalize("NFC", w) for w in text.split())


def require(langs: str, timeout: float = 30.0) -> None:
    """Fail clearly unless Tesseract 4+ and every model in `langs` ("vie+eng") are installed."""
    major = int(version(timeout).split(".")[0])
    if major < 4:
        raise MissingDependencyError(
            f"Tesseract {version(timeout)} is too old; 4.1 or later needed"
        )
    missing = sorted(set(langs.split("+")) - languages(timeout))
    if missing:
        packages = " ".join(f"tesseract-ocr-{lang}" for lang in missing)
        raise MissingDependencyError(
            f"Tesseract language model(s) {', '.join(missing)} not installed "
            f"(apt-get install {packages})"
        )


def recognise_tsv(
    image_pnm: bytes,
    *,
    langs: str,
    dpi: int,
    psm: int,
    timeout: float,
) -> str:
    """OCR one page given as PNM bytes on stdin; return Tesseract's TSV output.

    Raises ExternalTimeoutError past `timeout` and ExternalProgramError on a crash.
    """
    out = run(
        [PROGRAM, "stdin", "stdout", "-l", langs, "--psm", str(psm), "--dpi", str(dpi), "tsv"],
        input_bytes=image_pnm,
        env=_SINGLE_THREAD,
        timeout=timeout,
    )
    return out.stdout.decode("utf-8", "replace")
