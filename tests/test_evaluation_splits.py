"""`digitize evaluate`'s measures beyond exact accuracy (issue 13): fields returned sure
and how many of them are wrong (silent errors), fields returned sure where nothing was
printed, and fields returned sure on blank forms."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from digitize.understand import load_catalogue
from digitize.understand.evaluation import (
    BLANK_SURE,
    HAND_FLAGGED,
    SURE,
    score_results,
    silent_error_rate,
    sure_of,
)


@pytest.fixture(scope="module")
def catalogue():
    return load_catalogue()


def _write(path: Path, data: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")


def test_evaluation_counts_silent_errors_and_blank_forms(tmp_path: Path, catalogue) -> None:
    doc = "to_khai_thay_doi_thong_tin_cu_tru"
    _write(
        tmp_path / "truth" / "a.tif.json",
        {
            "file": "a.tif",
            "documents": [
                {
                    "pages": [1],
                    "doc_type": doc,
                    "procedure": "dang_ky_thuong_tru",
                    "expected": {"applicant_name": "Nguyễn An", "id_number": "001090012345"},
                }
            ],
        },
    )
    _write(tmp_path / "truth" / "b.tif.json", {"file": "b.tif", "blank": True, "documents": []})
    field = {"page": 1, "bbox": None, "raw": "", "confidence": 0.9, "problems": []}
    _write(
        tmp_path / "results" / "a.json",
        {
            "documents": [
                {
                    "pages": [1],
                    "doc_type": doc,
                    "procedure": {"key": "dang_ky_thuong_tru"},
                    "fields": {
                        "applicant_name": {**field, "value": "Nguyễn Ăn", "review": False},
                        "id_number": {**field, "value": "001090012345", "review": False},
                        "phone": {**field, "value": "0912345678", "review": False},
                    },
                }
            ]
        },
    )
    _write(
        tmp_path / "results" / "b.json",
        {
            "documents": [
                {
                    "pages": [1],
                    "doc_type": doc,
                    "fields": {
                        "address": {**field, "value": "®", "review": False},
                        "issuer": {**field, "value": None, "review": True},
                    },
                }
            ]
        },
    )
    scores = score_results(tmp_path / "truth", tmp_path / "results", catalogue)
    assert scores["scores"][SURE] == {"right": 1, "total": 2}
    assert silent_error_rate(scores) == 0.5
    assert scores["scores"][BLANK_SURE] == {"right": 1, "total": 2}
    assert scores["scores"]["fields returned sure, none expected"]["total"] == 1


def test_evaluation_counts_handwritten_fields(tmp_path: Path, catalogue) -> None:
    doc = "to_khai_thay_doi_thong_tin_cu_tru"
    _write(
        tmp_path / "truth" / "a.tif.json",
        {
            "file": "a.tif",
            "documents": [
                {
                    "pages": [1],
                    "doc_type": doc,
                    "expected": {"id_number": "001090012345"},
                    "handwritten": ["applicant_name", "phone"],
                }
            ],
        },
    )
    field = {"page": 1, "bbox": [1, 1, 9, 9], "raw": "x", "confidence": 0.3}
    fields = {
        "applicant_name": {**field, "value": None, "review": True, "problems": ["handwritten"]},
        "phone": {**field, "value": "0912", "review": False, "problems": []},
        "id_number": {**field, "value": "001090012345", "review": False, "problems": []},
    }
    _write(
        tmp_path / "results" / "a.json",
        {"documents": [{"pages": [1], "doc_type": doc, "fields": fields}]},
    )
    scores = score_results(tmp_path / "truth", tmp_path / "results", catalogue)
    assert scores["scores"][HAND_FLAGGED] == {"right": 1, "total": 2}
    assert scores["scores"][SURE] == {"right": 1, "total": 2}  # the sure phone is silent


def test_evaluate_scores_a_development_set_split_by_split(tmp_path: Path) -> None:
    from cli.main import main

    doc = "to_khai_thay_doi_thong_tin_cu_tru"
    field = {"page": 1, "bbox": None, "raw": "", "confidence": 0.9, "problems": []}
    for split in ("heldout", "tuned"):
        (tmp_path / "dev" / split / "scans").mkdir(parents=True)
        _write(
            tmp_path / "dev" / split / "truth" / "a.tif.json",
            {
                "file": "a.tif",
                "documents": [
                    {"pages": [1], "doc_type": doc, "expected": {"id_number": "001090012345"}}
                ],
            },
        )
        value = "001090012345" if split == "tuned" else "001090012346"
        fields = {"id_number": {**field, "value": value, "review": False}}
        _write(
            tmp_path / "results" / split / "a.json",
            {"documents": [{"pages": [1], "doc_type": doc, "fields": fields}]},
        )
    out = tmp_path / "figures.json"
    argv = ["evaluate", str(tmp_path / "dev"), "--results", str(tmp_path / "results")]
    assert main([*argv, "--json", str(out)]) == 0
    figures = json.loads(out.read_text(encoding="utf-8"))
    assert figures["tuned"]["scores"]["ID numbers"] == {"right": 1, "total": 1}
    assert figures["heldout"]["scores"][SURE] == {"right": 0, "total": 1}  # a silent error


def test_each_field_has_its_silent_errors_beside_its_accuracy(tmp_path: Path, catalogue) -> None:
    doc = "to_khai_thay_doi_thong_tin_cu_tru"
    _write(
        tmp_path / "truth" / "a.tif.json",
        {
            "file": "a.tif",
            "documents": [
                {
                    "pages": [1],
                    "doc_type": doc,
                    "expected": {"applicant_name": "Nguyễn An", "id_number": "001090012345"},
                }
            ],
        },
    )
    field = {"page": 1, "bbox": None, "raw": "", "confidence": 0.9, "problems": []}
    fields = {
        "applicant_name": {**field, "value": "Nguyễn Ăn", "review": False},
        "id_number": {**field, "value": "001090012346", "review": True},
    }
    _write(
        tmp_path / "results" / "a.json",
        {"documents": [{"pages": [1], "doc_type": doc, "fields": fields}]},
    )
    scores = score_results(tmp_path / "truth", tmp_path / "results", catalogue)["scores"]
    assert scores[sure_of("field applicant_name")] == {"right": 0, "total": 1}  # one silent
    assert sure_of("field id_number") not in scores  # flagged: not returned sure
    assert sure_of("ID numbers") not in scores


def test_the_blind_split_prints_figures_only(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from cli.main import main

    doc = "to_khai_thay_doi_thong_tin_cu_tru"
    field = {"page": 1, "bbox": None, "raw": "", "confidence": 0.9, "problems": []}
    for split in ("heldout", "tuned"):
        (tmp_path / "dev" / split / "scans").mkdir(parents=True)
        _write(
            tmp_path / "dev" / split / "truth" / f"{split}-a.tif.json",
            {
                "file": f"{split}-a.tif",
                "documents": [
                    {"pages": [1], "doc_type": doc, "expected": {"id_number": "001090012345"}}
                ],
            },
        )
        fields = {"id_number": {**field, "value": "001090012346", "review": False}}
        _write(
            tmp_path / "results" / split / f"{split}-a.json",
            {"documents": [{"pages": [1], "doc_type": doc, "fields": fields}]},
        )
    argv = ["evaluate", str(tmp_path / "dev"), "--results", str(tmp_path / "results")]
    out = tmp_path / "figures.json"
    assert main([*argv, "--json", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "tuned-a.tif p1: id_number" in printed
    assert "heldout-a.tif" not in printed
    assert "heldout-a.tif" not in out.read_text(encoding="utf-8")
    assert main([*argv, "--show-heldout-misses"]) == 0
    assert "heldout-a.tif p1: id_number" in capsys.readouterr().out
