"""The labelled set (`--labelled`) and the training texts (`--training-texts`): truth
documents cover every page, expected values are normalised and agree with what is
printed, ID numbers agree with dates of birth and sex, and everything is deterministic."""

from __future__ import annotations

import itertools
import json
import re
import unicodedata
from datetime import date
from pathlib import Path

import pytest

from samples import data, vntext
from samples.expected import kind_of
from samples.generate import main
from samples.labelled import PAGE_SEPARATOR, labelled_parts, labelled_plan, training_texts
from samples.output import write_file
from samples.templates import BY_DOC_TYPE, TEMPLATES

SAMPLES = Path(__file__).resolve().parent.parent / "samples"
COMMITTED_TEXTS = SAMPLES / "training" / "labelled.jsonl"
PROVINCE_CODES = {code for code, _ in data.PROVINCE_CODES}
SEED = 5
DOSSIER_CODE = r"\d{3}\.\d{2}\.\d{2}\.[A-Y]\d{2}-\d{6}-\d{4}"

# Whose ID number is checked against which birth date (or year) and sex, per document
# type; a sex given as "male"/"female" is fixed by the paper (the bride's block).
PEOPLE: dict[str, list[tuple[str, str, str]]] = {
    "giay_khai_sinh": [("id_number", "subject_dob", "subject_sex")],
    "giay_chung_sinh": [("id_number", "mother_birth_year", "female")],
    "to_khai_dang_ky_ket_hon": [
        ("id_number", "applicant_dob", "female"),
        ("spouse_id_number", "spouse_dob", "male"),
    ],
}
DEFAULT_PEOPLE = [
    ("id_number", "applicant_dob", "applicant_sex"),
    ("id_number", "applicant_birth_year", "applicant_sex"),
]


def _load(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def _chosen_items(seed: int) -> list:
    """The first file of every document type, and the files holding two documents."""
    seen: set[str] = set()
    chosen = []
    for item in labelled_plan(2, seed):
        doc_type = TEMPLATES[item.documents[0][0]].doc_type
        if len(item.documents) > 1 or doc_type not in seen:
            chosen.append(item)
            seen.add(doc_type)
    return chosen


@pytest.fixture(scope="module")
def labelled(tmp_path_factory: pytest.TempPathFactory) -> list[dict]:
    out = tmp_path_factory.mktemp("labelled")
    truths = []
    for item in _chosen_items(SEED):
        path = write_file(labelled_parts(item, SEED), out / "scans", out / "truth", SEED)
        assert path.is_file()
        truths.append(_load(out / "truth" / f"{path.name}.json"))
    return truths


def _documents(truths: list[dict]) -> list[tuple[dict, dict]]:
    return [(truth, document) for truth in truths for document in truth["documents"]]


# -- structure ----------------------------------------------------------------------------


def test_every_document_type_is_there_and_pairs_hold_an_id_card(labelled: list[dict]) -> None:
    assert {d["doc_type"] for _, d in _documents(labelled)} == set(BY_DOC_TYPE)
    pairs = [t for t in labelled if len(t["documents"]) == 2]
    assert len(pairs) == 2
    for truth in pairs:
        declaration, card = truth["documents"]
        assert card["doc_type"] == "can_cuoc_cong_dan" and card["procedure"] is None
        assert declaration["procedure"] is not None
        # The card is the declaration's applicant's (or, for a marriage, either party's).
        ids = {
            declaration["expected"].get("id_number"),
            declaration["expected"].get("spouse_id_number"),
        }
        assert card["expected"]["id_number"] in ids


def test_documents_cover_every_page_once_in_order(labelled: list[dict]) -> None:
    for truth in labelled:
        numbers = [n for d in truth["documents"] for n in d["pages"]]
        assert numbers == list(range(1, len(truth["pages"]) + 1)), truth["file"]
        for document in truth["documents"]:
            first = truth["pages"][document["pages"][0] - 1]
            assert not first["blank"], truth["file"]  # a blank page is a back side
            for number in document["pages"]:
                page = truth["pages"][number - 1]
                if page["blank"]:
                    assert (page["doc_type"], page["procedure"]) == (None, None)
                else:
                    assert page["doc_type"] == document["doc_type"]
                    assert page["procedure"] == document["procedure"]


def test_pages_are_mildly_degraded_in_mixed_formats(labelled: list[dict]) -> None:
    pages = [p for t in labelled for p in t["pages"]]
    assert all(abs(p["skew_deg"]) <= 5.0 for p in pages)
    assert all(200 <= p["dpi"] <= 300 for p in pages)
    assert len({p["font"] for p in pages}) >= 3
    assert len({t["format"] for t in labelled}) >= 3


# -- expected values ---------------------------------------------------------------------


def _check_normal_form(kind: str, value: object) -> None:
    if kind == "date":
        assert value is None or (
            isinstance(value, str) and date.fromisoformat(value).isoformat() == value
        )
    elif kind == "name":
        assert isinstance(value, str) and unicodedata.is_normalized("NFC", value)
        for word in value.split(" "):
            assert word[:1].isupper() and word[1:] == word[1:].lower(), value
    elif kind == "year":
        assert isinstance(value, int) and 1900 <= value <= 2100
    elif kind == "sex":
        assert value in ("male", "female")
    elif kind == "id_number":
        assert isinstance(value, str) and re.fullmatch(r"\d{12}", value)
    elif kind == "phone":
        assert isinstance(value, str) and re.fullmatch(r"0\d{9,10}", value)
    elif kind in ("money", "integer"):
        assert isinstance(value, int) and not isinstance(value, bool) and value > 0
    elif kind == "area":
        assert isinstance(value, float) and value > 0
    elif kind == "dossier_code":
        assert isinstance(value, str) and re.fullmatch(DOSSIER_CODE, value)
    else:
        assert isinstance(value, str) and value == " ".join(value.split()) and value
        assert unicodedata.is_normalized("NFC", value)


def _printed_forms(kind: str, value: object) -> list[str]:
    """How a normalised value can appear in the printed text."""
    if kind == "date":
        if value is None:
            return ["Không thời hạn"]
        day = date.fromisoformat(str(value))
        return [vntext.dmy(day), vntext.long_date(day)]
    if kind == "name":
        return [str(value), str(value).upper()]
    if kind == "sex":
        return ["Nam" if value == "male" else "Nữ"]
    if kind == "money":
        return [vntext.money(int(str(value)))]
    if kind == "area":
        return [vntext.area(round(float(str(value)) * 10))]
    return [str(value)]


def test_expected_values_are_complete_normalised_and_printed(labelled: list[dict]) -> None:
    for truth, document in _documents(labelled):
        template = BY_DOC_TYPE[document["doc_type"]]
        assert list(document["expected"]) == list(template.fields), truth["file"]
        pages = [truth["pages"][n - 1] for n in document["pages"]]
        text = " ".join(" ".join(p["text"].split()) for p in pages)
        for name, value in document["expected"].items():
            kind = kind_of(name)
            _check_normal_form(kind, value)
            forms = _printed_forms(kind, value)
            if kind == "integer":
                assert re.search(rf"(?<!\d){value}(?!\d)", text), (truth["file"], name)
            else:
                assert any(form in text for form in forms), (truth["file"], name, value)


def _check_id(id_number: str, born: object, sex: str) -> None:
    # domain.md: AAA province of birth registration, B sex and century, CC year, 6 random.
    year = born if isinstance(born, int) else date.fromisoformat(str(born)).year
    assert id_number[:3] in PROVINCE_CODES
    century = {19: 0, 20: 2, 21: 4}[year // 100]
    assert int(id_number[3]) == century + (1 if sex == "female" else 0), id_number
    assert id_number[4:6] == f"{year % 100:02d}", id_number


def test_id_numbers_agree_with_birth_and_sex(labelled: list[dict]) -> None:
    checked = 0
    for truth, document in _documents(labelled):
        expected = document["expected"]
        for id_field, born_field, sex in PEOPLE.get(document["doc_type"], DEFAULT_PEOPLE):
            sex_value = expected.get(sex, sex)
            if id_field in expected and born_field in expected and sex_value in ("male", "female"):
                _check_id(expected[id_field], expected[born_field], sex_value)
                checked += 1
            elif id_field in expected and born_field in expected:
                # Sex not printed: the year part must still agree.
                year = expected[born_field]
                year = year if isinstance(year, int) else int(str(year)[:4])
                assert expected[id_field][4:6] == f"{year % 100:02d}", truth["file"]
    assert checked >= 10


# -- determinism ---------------------------------------------------------------------------


def test_the_labelled_set_is_deterministic(tmp_path: Path) -> None:
    items = [i for i in _chosen_items(SEED) if len(i.documents) > 1][:1]
    items += [i for i in labelled_plan(2, SEED) if i.documents[0][0] == "don_dang_ky_dat_dai_04a"][
        :1
    ]
    for run in ("a", "b"):
        for item in items:
            write_file(
                labelled_parts(item, SEED), tmp_path / run / "scans", tmp_path / run / "truth", SEED
            )
    for folder in ("scans", "truth"):
        names = sorted(p.name for p in (tmp_path / "a" / folder).iterdir())
        assert names == sorted(p.name for p in (tmp_path / "b" / folder).iterdir())
        for name in names:
            a = (tmp_path / "a" / folder / name).read_bytes()
            assert a == (tmp_path / "b" / folder / name).read_bytes(), name


# -- training texts ------------------------------------------------------------------------


def test_training_texts_are_labelled_page_texts() -> None:
    records = list(training_texts(2, seed=4))
    assert records == list(training_texts(2, seed=4))
    assert records != list(training_texts(2, seed=5))
    assert [r["source"] for r in records] == [
        f"generated seed 4 #{i}" for i in range(1, len(records) + 1)
    ]
    assert {r["doc_type"] for r in records} == set(BY_DOC_TYPE)
    procedures = {r["procedure"] for r in records if r["doc_type"] == "giay_tiep_nhan_ho_so"}
    procedures |= {r["procedure"] for r in records if r["doc_type"] != "giay_tiep_nhan_ho_so"}
    assert procedures - {None} == {p.key for p in data.PROCEDURES}
    for record in records:
        assert set(record) == {"text", "doc_type", "procedure", "source"}
        template = BY_DOC_TYPE[record["doc_type"]]
        if not template.case_procedures:
            assert record["procedure"] == template.procedure
        pages = record["text"].split(PAGE_SEPARATOR)
        assert all(page.strip() for page in pages)
        assert unicodedata.is_normalized("NFC", record["text"])
        first_words = template.title.split()[:2]
        assert all(word in pages[0] for word in first_words), record["doc_type"]
    land = [r for r in records if r["doc_type"] == "don_dang_ky_dat_dai"]
    assert all(r["text"].count(PAGE_SEPARATOR) >= 1 for r in land)


def test_committed_training_texts() -> None:
    assert COMMITTED_TEXTS.stat().st_size < 3_000_000
    lines = COMMITTED_TEXTS.read_text(encoding="utf-8").splitlines()
    records = [json.loads(line) for line in lines]
    counts: dict[str, int] = {}
    for record in records:
        counts[record["doc_type"]] = counts.get(record["doc_type"], 0) + 1
    assert set(counts) == set(BY_DOC_TYPE) and min(counts.values()) == 40
    # The file is what `--training-texts ... --per-type 40 --seed 1` writes.
    regenerated = list(itertools.islice(training_texts(40, seed=1), 25))
    assert records[:25] == regenerated


def test_cli_writes_training_texts(tmp_path: Path) -> None:
    path = tmp_path / "texts.jsonl"
    assert main(["--training-texts", str(path), "--per-type", "1", "--seed", "2"]) == 0
    records = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    assert records == list(training_texts(1, seed=2))
