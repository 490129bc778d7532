"""The whole pipeline on the committed samples, judged against their ground truth."""

from __future__ import annotations

import pytest

from digitize.metrics import character_errors
from tests.conftest import Run, sample_scans, truth_of

pytestmark = pytest.mark.slow
MAX_CER = 0.02


def total_cer(run: Run) -> float:
    errors = length = 0
    for scan in sample_scans():
        result = run.result(scan)
        for page, expected in zip(result["pages"], truth_of(scan)["pages"], strict=True):
            page_errors, page_length = character_errors(expected["text"], page["text"])
            errors += page_errors
            length += page_length
    return errors / length


def test_every_sample_is_digitised(digitised_samples: Run) -> None:
    assert digitised_samples.returncode == 0, digitised_samples.stderr
    for scan in sample_scans():
        result = digitised_samples.result(scan)
        assert result["status"] == "done"
        assert len(result["pages"]) == len(truth_of(scan)["pages"])


def test_character_error_rate_is_at_most_two_percent(digitised_samples: Run) -> None:
    assert total_cer(digitised_samples) <= MAX_CER


@pytest.mark.parametrize("scan", sample_scans(), ids=lambda p: p.name)
def test_each_sample_page_is_turned_and_straightened_as_it_should(
    digitised_samples: Run, scan
) -> None:
    result = digitised_samples.result(scan)
    for page, expected in zip(result["pages"], truth_of(scan)["pages"], strict=True):
        assert page["blank"] == expected["blank"], f"page {page['number']}"
        if expected["blank"]:
            continue
        assert page["rotation"] == expected["rotation"], f"page {page['number']}"
        assert abs(page["skew_deg"] - expected["skew_deg"]) <= 0.3, f"page {page['number']}"
        assert page["dpi"] == expected["dpi"], f"page {page['number']}"


def test_cleanup_does_not_raise_the_error_rate(
    digitised_samples: Run, digitised_samples_without_cleanup: Run
) -> None:
    assert digitised_samples_without_cleanup.returncode == 0
    assert total_cer(digitised_samples) <= total_cer(digitised_samples_without_cleanup)
