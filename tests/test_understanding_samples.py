"""Understanding end to end: real scans, real OCR, judged against the generator's truth."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from digitize.understand import load_catalogue
from digitize.understand.evaluation import accuracy, score_results
from tests.conftest import REPO, TRUTH, Run, run_digitize

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def labelled(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A labelled set with every document type and procedure, digitised."""
    root = tmp_path_factory.mktemp("labelled")
    subprocess.run(
        [sys.executable, "-m", "samples.generate", "--labelled", root, "--per-type", "1"],
        cwd=REPO,
        check=True,
        capture_output=True,
        timeout=600,
    )
    out = root / "out"
    proc = run_digitize("process", root / "scans", "--out", out, "--quiet")
    assert proc.returncode == 0, proc.stderr
    return root / "truth", out


def test_the_committed_samples_are_understood(digitised_samples: Run) -> None:
    scores = score_results(TRUTH, digitised_samples.out, load_catalogue())
    assert accuracy(scores, "document type") == 1.0, scores["misses"]
    assert accuracy(scores, "procedure") == 1.0, scores["misses"]
    assert accuracy(scores, "ID numbers") == 1.0, scores["misses"]
    assert accuracy(scores, "fields (all)") >= 0.95, scores["misses"]


def test_every_type_and_procedure_meets_the_targets(labelled: tuple[Path, Path]) -> None:
    truth, out = labelled
    scores = score_results(truth, out, load_catalogue())
    # Every catalogued type was in the set and was judged.
    assert scores["scores"]["document type"]["total"] >= 14
    assert accuracy(scores, "procedure") >= 0.98, scores["misses"]
    assert accuracy(scores, "document type") >= 0.98, scores["misses"]
    assert accuracy(scores, "fields (all)") >= 0.95, scores["misses"]
    assert accuracy(scores, "ID numbers") >= 0.99, scores["misses"]


def test_evaluate_prints_the_table(labelled: tuple[Path, Path]) -> None:
    truth, out = labelled
    proc = run_digitize("evaluate", truth.parent, "--results", out)
    assert proc.returncode == 0, proc.stderr
    for measure in ("procedure", "document type", "fields (all)", "ID numbers"):
        assert measure in proc.stdout
