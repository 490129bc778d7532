"""Staff corrections of fields teach the extractor new label wordings (issue 13)."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from config import Settings, load_knowledge
from digitize.understand import load_catalogue
from digitize.understand.fields import extract_fields
from digitize.understand.learned import (
    LearnedError,
    labels_before_value,
    learn_wordings,
    load_learned,
    with_learned,
)
from tests.conftest import DIGITIZE, REPO
from tests.understand_helpers import page

LAND = "don_dang_ky_dat_dai"
FORM = (
    "ĐƠN ĐĂNG KÝ ĐẤT ĐAI, TÀI SẢN GẮN LIỀN VỚI ĐẤT",
    "1. Người sử dụng đất: Nguyễn Thu Chi ..........",
    "3.1. Thửa số(2): 355 .......... 3.2. Tờ bản đồ số: 12 ..........",
)


@pytest.fixture(scope="module")
def catalogue():
    return load_catalogue()


def test_the_label_before_a_corrected_value_is_found(catalogue) -> None:
    spec = catalogue.document_types[LAND].field("land_parcel")
    assert labels_before_value("\n".join(FORM), spec, 355) == ["Thửa số"]
    assert labels_before_value("\n".join(FORM), spec, 356) == []
    grid = "4. Số định danh cá nhân: 0 9 6 1 9 1 5 7 2 9 0 8"
    id_spec = catalogue.document_types[LAND].field("id_number")
    assert labels_before_value(grid, id_spec, "096191572908") == ["Số định danh cá nhân"]


def test_a_learned_wording_is_read_at_extraction(catalogue) -> None:
    doc = catalogue.document_types[LAND]
    assert extract_fields([page(1, *FORM)], doc)["land_parcel"].value is None
    records = [{"text": "\n".join(FORM), "doc_type": LAND, "fields": {"land_parcel": 355}}]
    learned = learn_wordings(records, catalogue)
    assert learned["wordings"] == {LAND: {"land_parcel": ["Thửa số"]}}
    taught = with_learned(catalogue, learned["wordings"]).document_types[LAND]
    other = page(1, FORM[0], "3.1. Thửa số: 88 ..........")
    parcel = extract_fields([other], taught)["land_parcel"]
    assert parcel.value == 88
    assert not parcel.review
    # the catalogue itself is unchanged
    assert "Thửa số" not in catalogue.document_types[LAND].field("land_parcel").labels


def test_a_wording_of_another_field_or_seen_for_two_fields_is_not_learned(catalogue) -> None:
    text = "Số tờ bản đồ: 12\nSố hiệu: 12"
    records = [
        # "Số tờ bản đồ" is already the catalogue's label of map_sheet
        {"text": text, "doc_type": LAND, "fields": {"land_parcel": 12}},
        {"text": "Số hiệu: 7", "doc_type": LAND, "fields": {"map_sheet": 7}},
        {"text": "Số hiệu: 9", "doc_type": LAND, "fields": {"land_parcel": 9}},
        {"text": "Số hiệu: 5", "doc_type": "no_such_type", "fields": {"x": 5}},
    ]
    assert learn_wordings(records, catalogue)["wordings"] == {}


def test_a_broken_learned_file_is_a_clear_error(tmp_path: Path) -> None:
    assert load_learned(tmp_path / "none.json") == {}
    bad = tmp_path / "learned.json"
    bad.write_text("{not json", encoding="utf-8")
    with pytest.raises(LearnedError, match="cannot be read"):
        load_learned(bad)


def test_digitize_train_learns_field_wordings_from_corrections(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    record = {"text": "\n".join(FORM), "doc_type": LAND, "fields": {"land_parcel": 355}}
    (data / "corrections.jsonl").write_text(json.dumps(record, ensure_ascii=False) + "\n")
    env = {**os.environ, "DIGITIZE_DATA_DIR": str(data)}
    proc = subprocess.run(
        [str(DIGITIZE), "train"], capture_output=True, text=True, timeout=300, cwd=REPO, env=env
    )
    assert proc.returncode == 0, proc.stderr
    assert "learned 1 field wordings" in proc.stderr
    saved = json.loads((data / "learned_fields.json").read_text(encoding="utf-8"))
    assert saved["wordings"] == {LAND: {"land_parcel": ["Thửa số"]}}
    knowledge = load_knowledge(Settings(data_dir=data))
    labels = knowledge.catalogue.document_types[LAND].field("land_parcel").labels
    assert "Thửa số" in labels


def test_the_part_of_a_wrapped_label_is_not_learned(catalogue) -> None:
    """ "Giới" / "tính: Nam": the word left on the value's line is no wording of its own."""
    ct01 = "to_khai_thay_doi_thong_tin_cu_tru"
    text = "2. Ngày, tháng, năm sinh: 05/06/1970 ..... 3. Giới\ntính: Nam ........"
    records = [{"text": text, "doc_type": ct01, "fields": {"applicant_sex": "male"}}]
    assert learn_wordings(records, catalogue)["wordings"] == {}
