"""The sample templates against the procedure catalogue (digitize/data/catalogue): every
document type has a template, the fields and labels agree, the procedures agree."""

from __future__ import annotations

import random
import re
import tomllib
from datetime import date
from pathlib import Path

import pytest

from samples import data
from samples.expected import kind_of, normalise, title_name
from samples.labelled import labelled_plan, receipt_procedures
from samples.people import card_expiry, current_card, make_case
from samples.real_forms import other_wordings
from samples.render import FONTS, render
from samples.templates import BY_DOC_TYPE, RESIDENCE_PROCEDURES, STACK_TEMPLATES, TEMPLATES

CATALOGUE = Path(__file__).resolve().parent.parent / "digitize" / "data" / "catalogue"
DOC_TYPES = CATALOGUE / "document_types"
# The document types of the catalogue the samples must cover, whether or not each file
# is there yet.
CATALOGUED = {
    "to_khai_dang_ky_khai_sinh",
    "to_khai_thay_doi_thong_tin_cu_tru",
    "giay_de_nghi_dang_ky_ho_kinh_doanh",
    "don_dang_ky_dat_dai",
    "to_khai_ly_lich_tu_phap",
    "giay_tiep_nhan_ho_so",
    "can_cuoc_cong_dan",
    "giay_chung_sinh",
    "giay_khai_sinh",
    "to_khai_dang_ky_ket_hon",
    "to_khai_dang_ky_khai_tu",
    "giay_chung_nhan_dang_ky_ho_kinh_doanh",
    "don_de_nghi_cap_giay_phep_xay_dung",
    "giay_chung_nhan_quyen_su_dung_dat",
}
# The six first types; the others' catalogue files come with the sample templates.
FIRST_TYPES = {
    "to_khai_dang_ky_khai_sinh",
    "to_khai_thay_doi_thong_tin_cu_tru",
    "giay_de_nghi_dang_ky_ho_kinh_doanh",
    "don_dang_ky_dat_dai",
    "to_khai_ly_lich_tu_phap",
    "giay_tiep_nhan_ho_so",
}
NEW_TYPES = sorted(CATALOGUED - FIRST_TYPES)
KINDS = {"name", "date", "year", "sex", "id_number", "phone", "money", "area", "integer",
         "dossier_code", "address", "text"}  # fmt: skip
CATEGORIES = {"declaration", "certificate", "identity", "receipt", "other"}


def _toml(doc_type: str) -> dict | None:
    path = DOC_TYPES / f"{doc_type}.toml"
    if not path.is_file():
        return None
    with path.open("rb") as handle:
        return tomllib.load(handle)


def test_every_catalogued_document_type_has_a_template() -> None:
    on_disk = {p.stem for p in DOC_TYPES.glob("*.toml")}
    # The separator sheet is drawn only into stacks (STACK_TEMPLATES).
    stack_types = {t.doc_type for t in STACK_TEMPLATES.values()}
    assert CATALOGUED | on_disk == set(BY_DOC_TYPE) | stack_types
    assert len(BY_DOC_TYPE) == len(TEMPLATES)  # one template per document type


@pytest.mark.parametrize("doc_type", sorted(CATALOGUED))
def test_template_fields_are_those_of_the_catalogue(doc_type: str) -> None:
    entry = _toml(doc_type)
    if entry is None:
        pytest.skip(f"{doc_type}.toml not written yet")
    template = BY_DOC_TYPE[doc_type]
    catalogued = {f["name"]: f["kind"] for f in entry.get("fields", [])}
    assert set(template.fields) == set(catalogued), doc_type
    for name, kind in catalogued.items():
        assert kind_of(name) == kind, (doc_type, name)
    if template.case_procedures and doc_type != "giay_tiep_nhan_ho_so":
        assert set(entry["procedures"]) == set(template.case_procedures)
    elif template.procedure is not None:
        assert entry["procedures"] == [template.procedure]
    else:
        assert entry["procedures"] == []


@pytest.mark.parametrize("doc_type", NEW_TYPES)
def test_new_catalogue_entries_follow_the_schema(doc_type: str) -> None:
    entry = _toml(doc_type)
    assert entry is not None, f"{doc_type}.toml is missing"
    allowed = {"name", "category", "procedures", "titles", "form_numbers", "keywords",
               "holder", "holder_id", "procedure_field", "number_field", "scope",
               "retention", "access", "fields", "other_labels", "other_people"}  # fmt: skip
    assert set(entry) <= allowed
    assert entry["category"] in CATEGORIES
    assert entry["titles"]
    names = [f["name"] for f in entry["fields"]]
    assert len(names) == len(set(names))
    for key in ("holder", "holder_id"):
        assert entry[key] == "" or entry[key] in names
    for spec in entry["fields"]:
        assert set(spec) <= {
            "name", "kind", "labels", "required", "occurrence", "check_with", "sections"
        }  # fmt: skip
        assert re.fullmatch(r"[a-z][a-z0-9_]*", spec["name"])
        assert spec["kind"] in KINDS
        assert spec["name"] == "document_date" or spec["labels"], spec["name"]
        assert set(spec.get("check_with", ())) <= set(names)


@pytest.mark.parametrize("doc_type", NEW_TYPES)
def test_new_catalogue_labels_and_titles_are_printed(doc_type: str) -> None:
    """Every label is printed as "label:" on some rendering (the ID card's number label
    depends on the card's issue date, so several cases are drawn)."""
    entry = _toml(doc_type)
    assert entry is not None
    template = BY_DOC_TYPE[doc_type]
    texts = []
    for n in range(40):
        case = make_case(random.Random(f"labels:{doc_type}:{n}"), template.procedure)
        document = render(template, case, font="Liberation Serif", dpi=100, draw=False)
        texts.append(" ".join(" ".join(p.text.split("\n")) for p in document.pages))
    everything = "\n".join(texts)
    others = other_wordings()  # printed on real templates or in other wordings
    for title in entry["titles"]:
        assert title in others or all(word in everything for word in title.split()), title
    for spec in entry["fields"]:
        for label in spec.get("labels", []):
            if label in others:
                continue
            # At a line start (after numbering), after leaders, or after a field's end.
            pattern = rf"(?:^|[ .])(?:\d+(?:\.\d+)*[.)] )?{re.escape(label)}:"
            assert re.search(pattern, everything, re.MULTILINE), (doc_type, label)
        if spec["labels"]:
            # A field listed with occurrence N has N printings of its label on each paper.
            for text in texts[:3]:
                found = max(text.count(f"{label}:") for label in spec["labels"])
                assert found >= spec.get("occurrence", 1), (doc_type, spec["name"])


def test_procedures_are_those_of_the_catalogue() -> None:
    path = CATALOGUE / "procedures.toml"
    keys = [p.key for p in data.PROCEDURES]
    assert len(keys) == len(set(keys)) == 15
    if not path.is_file():
        pytest.skip("procedures.toml not written yet")
    with path.open("rb") as handle:
        catalogue = tomllib.load(handle)
    assert set(keys) == set(catalogue)
    for procedure in data.PROCEDURES:
        assert procedure.name == catalogue[procedure.key]["name"], procedure.key


def test_every_procedure_appears_among_declarations_and_receipts() -> None:
    for per_type in (1, 2, 5):
        plan = labelled_plan(per_type, seed=3)
        seen = set()
        for item in plan:
            key, procedure = item.documents[0]
            if TEMPLATES[key].procedure is not None or TEMPLATES[key].case_procedures:
                seen.add(TEMPLATES[key].document_procedure(procedure or ""))
        assert seen == {p.key for p in data.PROCEDURES}, per_type
        counts: dict[str, int] = {}
        for item in plan:
            for key, _ in item.documents:
                counts[TEMPLATES[key].doc_type] = counts.get(TEMPLATES[key].doc_type, 0) + 1
        assert set(counts) == CATALOGUED
        assert min(counts.values()) >= per_type
    # Receipts name procedures without a form of their own first.
    assert receipt_procedures()[:5] == (
        "xac_nhan_tinh_trang_hon_nhan",
        "cap_ban_sao_trich_luc_ho_tich",
        "dang_ky_nhan_cha_me_con",
        "chung_thuc_ban_sao",
        "chung_thuc_chu_ky",
    )
    assert labelled_plan(3, seed=1) == labelled_plan(3, seed=1)


def test_residence_form_states_the_procedure_of_its_case() -> None:
    ct01 = TEMPLATES["to_khai_cu_tru_ct01"]
    assert ct01.case_procedures == RESIDENCE_PROCEDURES
    starts = {
        "dang_ky_thuong_tru": "Đăng ký thường trú",
        "dang_ky_tam_tru": "Đăng ký tạm trú",
        "xoa_dang_ky_thuong_tru": "Xóa đăng ký thường trú",
    }
    for key, start in starts.items():
        case = make_case(random.Random(key), key)
        assert str(case.values["residence_request"]).startswith(start)
        assert ct01.document_procedure(case.procedure.key) == key
    with pytest.raises(ValueError):
        ct01.document_procedure("dang_ky_khai_sinh")


@pytest.mark.parametrize("font", sorted(FONTS))
def test_layout_without_drawing_gives_the_same_text(font: str) -> None:
    for n, template in enumerate(TEMPLATES.values()):
        case = make_case(random.Random(f"dry:{n}"), template.procedure)
        drawn = render(template, case, font=font, dpi=150)
        laid_out = render(template, case, font=font, dpi=150, draw=False)
        assert [p.text for p in drawn.pages] == [p.text for p in laid_out.pages], template.key
        assert [p.fields for p in drawn.pages] == [p.fields for p in laid_out.pages]


# -- normal forms and identities -------------------------------------------------------


def test_normal_forms() -> None:
    assert title_name("NGUYỄN VĂN AN") == "Nguyễn Văn An"
    assert title_name("  đặng   thị  THU hà ") == "Đặng Thị Thu Hà"
    assert normalise("date", date(2024, 1, 5)) == "2024-01-05"
    assert normalise("date", None) is None
    assert normalise("sex", "Nữ") == "female" and normalise("sex", "Nam") == "male"
    assert normalise("area", 1255 / 10) == 125.5
    assert normalise("text", "Số 12,  ngõ 4", upper=True) == "SỐ 12, NGÕ 4"
    with pytest.raises(TypeError):
        normalise("date", "05/01/2024")  # printed text must never stand in for a fact
    with pytest.raises(TypeError):
        normalise("integer", "12")


def test_id_card_expiry_follows_the_renewal_ages() -> None:
    born = date(1990, 3, 12)
    assert card_expiry(born, date(2016, 5, 1)) == date(2030, 3, 12)  # issued at 26: to 40
    assert card_expiry(born, date(2013, 6, 1)) == date(2030, 3, 12)  # 2 years before 25
    assert card_expiry(born, date(2010, 1, 1)) == date(2015, 3, 12)
    assert card_expiry(date(1960, 7, 1), date(2018, 8, 1)) is None  # from 58 on
    assert card_expiry(date(1996, 2, 29), date(2016, 3, 1)) == date(2021, 2, 28)  # at 25
    # A card that ran out was renewed on that day: the one held is the new one.
    issued, expiry = current_card(date(1996, 5, 2), date(2016, 6, 1), date(2024, 1, 2))
    assert issued == date(2021, 5, 2) and expiry == date(2036, 5, 2)


def test_no_blind_wording_is_a_catalogue_label() -> None:
    """The held-out and unseen splits stay blind: none of their wordings entered the
    catalogue, unless a tuned template or wording prints it too."""
    from digitize.understand import load_catalogue
    from samples.real_forms import REAL_LABELS, WORDINGS

    def bare(label: str) -> str:
        return re.sub(r"^\d+(?:\.\d+)*[.)]\s*", "", label)

    seen = {bare(v) for labels in WORDINGS["tuned"].values() for v in labels.values()}
    seen |= {bare(k) for split in WORDINGS.values() for labels in split.values() for k in labels}
    seen |= REAL_LABELS
    listed = {
        label
        for doc in load_catalogue().document_types.values()
        for spec in doc.fields
        for label in spec.labels
    }
    for split in ("heldout", "unseen"):
        blind = {bare(v) for labels in WORDINGS[split].values() for v in labels.values()}
        assert not (blind - seen) & listed, split
