"""Shared fixtures: the committed samples digitised once per test session."""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

pytest_plugins = ["tests.service_fixtures", "tests.s3_fixtures"]

REPO = Path(__file__).resolve().parent.parent
SCANS = REPO / "samples" / "scans"
TRUTH = REPO / "samples" / "truth"
DIGITIZE = Path(sys.executable).parent / "digitize"


@dataclass(frozen=True)
class Run:
    out: Path
    returncode: int
    stdout: str
    stderr: str

    def result(self, scan: Path) -> dict[str, Any]:
        return json.loads((self.out / f"{scan.stem}.json").read_text(encoding="utf-8"))


def run_digitize(*args: str | Path, timeout: float = 900) -> subprocess.CompletedProcess[str]:
    """The installed console script, as a user runs it."""
    return subprocess.run(
        [str(DIGITIZE), *map(str, args)],
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def sample_scans() -> list[Path]:
    return sorted(p for p in SCANS.iterdir() if p.is_file())


def truth_of(scan: Path) -> dict[str, Any]:
    return json.loads((TRUTH / f"{scan.name}.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="session")
def digitised_samples(tmp_path_factory: pytest.TempPathFactory) -> Run:
    out = tmp_path_factory.mktemp("digitised")
    proc = run_digitize("process", SCANS, "--out", out, "--quiet")
    return Run(out, proc.returncode, proc.stdout, proc.stderr)


@pytest.fixture(scope="session")
def digitised_samples_without_cleanup(tmp_path_factory: pytest.TempPathFactory) -> Run:
    out = tmp_path_factory.mktemp("uncleaned")
    proc = run_digitize("process", SCANS, "--out", out, "--quiet", "--no-clean")
    return Run(out, proc.returncode, proc.stdout, proc.stderr)
