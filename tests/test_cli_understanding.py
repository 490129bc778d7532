"""`digitize catalogue`, `correct` and `train` as staff run them."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

from digitize.understand.catalogue import DEFAULT_CATALOGUE
from digitize.understand.model import TextModel
from tests.conftest import DIGITIZE, REPO


def run(*args: str | Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(DIGITIZE), *map(str, args)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        cwd=REPO,
        env={**os.environ, **(env or {})},
    )


def test_catalogue_check_and_list() -> None:
    checked = run("catalogue", "check")
    assert checked.returncode == 0, checked.stderr
    assert "procedures" in checked.stdout and "document types" in checked.stdout
    listed = run("catalogue", "list")
    assert "dang_ky_khai_sinh" in listed.stdout and "1.001193" in listed.stdout


def test_catalogue_check_names_every_problem(tmp_path: Path) -> None:
    directory = tmp_path / "catalogue"
    shutil.copytree(DEFAULT_CATALOGUE, directory)
    (directory / "document_types" / "bad.toml").write_text('name = "x"\n', encoding="utf-8")
    checked = run("catalogue", "check", "--dir", directory)
    assert checked.returncode == 1
    assert "bad.toml" in checked.stdout and "category" in checked.stdout
    assert "Traceback" not in checked.stderr


def _result(tmp_path: Path) -> Path:
    path = tmp_path / "scan.json"
    page = {"number": 1, "text": "GIẤY KHAI SINH\nHọ, chữ đệm, tên: LÊ AN", "lines": []}
    document = {
        "pages": [1],
        "doc_type": "unknown",
        "doc_type_name": None,
        "procedure": None,
        "confidence": 0.2,
        "fields": {},
        "review": ["document type unknown"],
    }
    path.write_text(json.dumps({"source": "scan.pdf", "pages": [page], "documents": [document]}))
    return path


def test_a_correction_updates_the_result_and_is_kept_for_training(tmp_path: Path) -> None:
    result = _result(tmp_path)
    env = {"DIGITIZE_DATA_DIR": str(tmp_path / "data")}
    proc = run(
        "correct",
        result,
        "--doc-type",
        "giay_khai_sinh",
        "--field",
        "subject_name=Lê An",
        "--by",
        "Lan",
        env=env,
    )
    assert proc.returncode == 0, proc.stderr
    document = json.loads(result.read_text())["documents"][0]
    assert document["doc_type"] == "giay_khai_sinh"
    assert document["fields"]["subject_name"]["value"] == "Lê An"
    assert document["corrected"]["by"] == "Lan"
    assert document["corrected"]["doc_type"] == "unknown"  # what it was before
    (record,) = [
        json.loads(line)
        for line in (tmp_path / "data" / "corrections.jsonl").read_text().splitlines()
    ]
    assert record["doc_type"] == "giay_khai_sinh" and "GIẤY KHAI SINH" in record["text"]


def test_a_correction_to_an_unknown_type_is_refused(tmp_path: Path) -> None:
    result = _result(tmp_path)
    before = result.read_text()
    proc = run("correct", result, "--doc-type", "giay_gi_do", "--by", "Lan")
    assert proc.returncode == 2 and "unknown document type" in proc.stderr
    assert result.read_text() == before


def test_retraining_learns_from_corrections(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    # Staff taught it a paper the samples never show: a house-number certificate.
    text = "GIẤY CHỨNG NHẬN SỐ NHÀ\nSố nhà: 12\nĐường: Láng\nPhường: Láng Thượng"
    corrections = [
        {"text": text.replace("12", str(n)), "doc_type": "giay_khai_sinh"} for n in range(30)
    ]
    (data / "corrections.jsonl").write_text(
        "\n".join(json.dumps(c, ensure_ascii=False) for c in corrections) + "\n"
    )
    proc = run("train", env={"DIGITIZE_DATA_DIR": str(data)})
    assert proc.returncode == 0, proc.stderr
    model = TextModel.load(data / "classifier.npz")
    probabilities = model.probabilities(text.replace("12", "99"))
    assert max(probabilities, key=probabilities.__getitem__) == "giay_khai_sinh"
    without = run("train", "--no-corrections", "--out", tmp_path / "plain.npz")
    assert without.returncode == 0, without.stderr
    plain = TextModel.load(tmp_path / "plain.npz").probabilities(text)
    assert plain["giay_khai_sinh"] < probabilities["giay_khai_sinh"]
