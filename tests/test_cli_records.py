"""`digitize records import` and `list` against a real SQLite database."""

from __future__ import annotations

import json
from pathlib import Path

from digitize.understand.link import DossierRecord
from service.context import open_database
from service.records import SqlRecordBook
from tests.test_cli_understanding import run

CODE = "000.00.13.H12-240115-0042"


def _book(data: Path) -> SqlRecordBook:
    return SqlRecordBook(open_database(f"sqlite:///{data}/digitize.db"))


def test_json_and_csv_imports_upsert_by_code(tmp_path: Path) -> None:
    env = {"DIGITIZE_DATA_DIR": str(tmp_path / "data")}
    records = tmp_path / "records.json"
    records.write_text(
        json.dumps(
            [
                {
                    "dossier_code": CODE,
                    "procedure_code": "1.001193",
                    "procedure": "dang_ky_khai_sinh",
                    "applicant_name": "Nguye\u0302\u0303n Văn An",  # NFD, as macOS types it
                    "applicant_id_number": "001090012345",
                    "received_date": "2024-01-15",
                }
            ]
        ),
        encoding="utf-8",
    )
    proc = run("records", "import", records, env=env)
    assert proc.returncode == 0, proc.stderr
    assert "1 new" in proc.stderr
    stored = _book(tmp_path / "data").find(CODE)
    assert stored is not None and stored.applicant_name == "Nguyễn Văn An"
    csv_file = tmp_path / "records.csv"
    csv_file.write_text(
        "dossier_code,applicant_name,status\n"
        f"{CODE},Nguyễn Văn An,done\n"
        "000.00.13.H12-241315-0001,Lê Thị Hoa,received\n"
        ",Không Mã,received\n",
        encoding="utf-8",
    )
    proc = run("records", "import", csv_file, env=env)
    assert proc.returncode == 1  # one row skipped: it says which
    assert "record 4: no dossier_code" in proc.stderr
    assert "2 record(s) imported (1 new, 1 updated), 1 skipped" in proc.stderr
    updated = _book(tmp_path / "data").find(CODE)
    assert updated is not None and updated.status == "done"
    listed = run("records", "list", env=env)
    assert CODE in listed.stdout


def test_a_bad_import_file_is_a_clear_error(tmp_path: Path) -> None:
    env = {"DIGITIZE_DATA_DIR": str(tmp_path / "data")}
    bad = tmp_path / "records.json"
    bad.write_text("{not json", encoding="utf-8")
    proc = run("records", "import", bad, env=env)
    assert proc.returncode == 2 and "records.json" in proc.stderr
    assert "Traceback" not in proc.stderr
    wrong = tmp_path / "records.txt"
    wrong.write_text("x", encoding="utf-8")
    assert "give a .json or .csv file" in run("records", "import", wrong, env=env).stderr


def test_a_record_made_from_a_scan_is_not_overwritten_by_another_scan(tmp_path: Path) -> None:
    book = _book(tmp_path)
    first = book.add(DossierRecord(CODE, applicant_name="A", origin="from_scan"))
    second = book.add(DossierRecord(CODE, applicant_name="B", origin="from_scan"))
    assert first == second and second.applicant_name == "A"
