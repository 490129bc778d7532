"""A generated stack of ten dossiers through the real pipeline: 100 % boundaries and codes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from digitize.understand.evaluation import accuracy, score_stack
from tests.conftest import DIGITIZE, REPO

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict, dict, Path]:
    root = tmp_path_factory.mktemp("stack")
    scan = root / "stack.pdf"
    subprocess.run(
        [sys.executable, "-m", "samples.generate", "--stack", scan, "--dossiers", "10",
         "--leading-strays", "1", "--seed", "4", "--dpi", "200"],
        cwd=REPO, check=True, capture_output=True, timeout=600,
    )  # fmt: skip
    env = {**os.environ, "DIGITIZE_DATA_DIR": str(root / "data")}

    def digitize(*args: str | Path) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(DIGITIZE), *map(str, args)],
            capture_output=True, text=True, timeout=900, check=False, env=env,
        )  # fmt: skip

    imported = digitize("records", "import", root / "stack.records.json")
    assert imported.returncode == 0, imported.stderr
    proc = digitize("process", scan, "--out", root / "out", "--quiet", "--link-records")
    assert proc.returncode == 0, proc.stderr
    truth = json.loads((root / "stack.pdf.json").read_text(encoding="utf-8"))
    result = json.loads((root / "out" / "stack.json").read_text(encoding="utf-8"))
    return truth, result, root / "out"


def test_boundaries_codes_and_documents_are_all_right(stack) -> None:
    truth, result, _ = stack
    scores = score_stack(truth, result)
    for measure in ("boundaries", "codes", "documents", "review flags", "unassigned pages"):
        assert accuracy(scores, measure) == 1.0, scores["misses"]


def test_every_page_is_placed_once(stack) -> None:
    truth, result, _ = stack
    placed = list(result["unassigned_pages"])
    for dossier in result["dossiers"]:
        placed += dossier["pages"]
    assert sorted(placed) == list(range(1, len(truth["pages"]) + 1))


def test_documents_are_filed_by_dossier_code(stack) -> None:
    _, result, out = stack
    for dossier in result["dossiers"]:
        for index in dossier["documents"]:
            pdf = result["documents"][index]["pdf"]
            assert (out / pdf).is_file()
            if dossier["code"]:
                assert pdf.startswith(f"{dossier['code']}/")
            else:
                assert "review" in pdf  # an undecided code is filed for review


def test_records_are_linked_made_or_flagged(stack) -> None:
    truth, result, _ = stack
    by_page = {d["boundary_page"]: d for d in result["dossiers"]}
    for expected in truth["dossiers"]:
        got = by_page[expected["pages"][0]]
        if got["code"] is None:
            continue
        if expected["record"] == "missing":
            assert got["record_created"] and got["record"]["origin"] == "from_scan"
        elif expected["record"] == "name_differs":
            assert any("record mismatch: applicant" in r for r in got["review"])
        else:
            assert not got["record_created"]
            assert not any("record mismatch" in r for r in got["review"]), got["review"]
