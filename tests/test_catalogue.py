"""The catalogue: the packaged one is valid and complete; broken edits are refused clearly."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from digitize.understand import CatalogueError, load_catalogue
from digitize.understand.catalogue import DEFAULT_CATALOGUE


def test_the_packaged_catalogue_loads_and_covers_the_brief() -> None:
    catalogue = load_catalogue()
    assert len(catalogue.procedures) >= 15
    assert len(catalogue.document_types) >= 12
    assert len(catalogue.provinces) == 63
    khai_sinh = catalogue.procedures["dang_ky_khai_sinh"]
    assert khai_sinh.code == "1.001193" and khai_sinh.code_certainty == "law"
    # Codes read only in secondary sources keep their doubt on record.
    assert catalogue.procedures["dang_ky_thanh_lap_ho_kinh_doanh"].code_certainty == "conflicting"
    levels = {level for p in catalogue.procedures.values() for level in p.level}
    assert levels == {"commune", "district", "province"}
    ct01 = catalogue.document_types["to_khai_thay_doi_thong_tin_cu_tru"]
    assert "Mẫu CT01" in ct01.form_numbers
    assert len(ct01.procedures) == 3


def _copy(tmp_path: Path) -> Path:
    target = tmp_path / "catalogue"
    shutil.copytree(DEFAULT_CATALOGUE, target)
    return target


def test_adding_a_document_type_is_an_edit_of_the_catalogue(tmp_path: Path) -> None:
    directory = _copy(tmp_path)
    (directory / "document_types" / "giay_bao_tu.toml").write_text(
        'name = "Giấy báo tử"\ncategory = "certificate"\nprocedures = ["dang_ky_khai_tu"]\n'
        'titles = ["GIẤY BÁO TỬ"]\n\n[[fields]]\nname = "subject_name"\nkind = "name"\n'
        'labels = ["Họ, chữ đệm, tên người chết"]\n',
        encoding="utf-8",
    )
    catalogue = load_catalogue(directory)
    assert catalogue.document_types["giay_bao_tu"].titles == ("GIẤY BÁO TỬ",)


def test_text_is_read_in_nfc_whatever_the_editor_saved(tmp_path: Path) -> None:
    directory = _copy(tmp_path)
    nfd = "GIA\u0302\u0301Y BA\u0301O TU\u031b\u0309"
    (directory / "document_types" / "giay_bao_tu.toml").write_text(
        f'name = "x"\ncategory = "other"\ntitles = ["{nfd}"]\n', encoding="utf-8"
    )
    assert load_catalogue(directory).document_types["giay_bao_tu"].titles == ("GIẤY BÁO TỬ",)


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        ('name = "x"\ncategory = "poster"\ntitles = ["X"]\n', "category"),
        ('name = "x"\ncategory = "other"\n', "needs a title or a form number"),
        ('name = "x"\ncategory = "other"\ntitles = ["X"]\nprocedures = ["nope"]\n', "nope"),
        ('name = "x"\ncategory = "other"\ntitles = ["X"]\ncolour = "red"\n', "colour"),
        (
            'name = "x"\ncategory = "other"\ntitles = ["X"]\n[[fields]]\nname = "a"\n'
            'kind = "colour"\n',
            "fields.0.kind",
        ),
        ('name = "x"\ncategory = "other"\ntitles = ["X"\n', "not valid TOML"),
        (
            'name = "x"\ncategory = "other"\ntitles = ["X"]\nholder = "applicant_name"\n',
            "holder names 'applicant_name'",
        ),
    ],
)
def test_a_broken_document_type_is_refused_with_its_file_named(
    tmp_path: Path, content: str, problem: str
) -> None:
    directory = _copy(tmp_path)
    (directory / "document_types" / "broken.toml").write_text(content, encoding="utf-8")
    with pytest.raises(CatalogueError) as caught:
        load_catalogue(directory)
    assert any("broken.toml" in p and problem in p for p in caught.value.problems), caught.value


def test_a_procedure_naming_an_unknown_document_type_is_refused(tmp_path: Path) -> None:
    directory = _copy(tmp_path)
    procedures = directory / "procedures.toml"
    procedures.write_text(
        procedures.read_text(encoding="utf-8")
        + '\n[moi]\nname = "Mới"\ncode = "12345"\ncode_certainty = "maybe"\nfield = "X"\n'
        'level = ["commune"]\ncues = ["mới"]\n'
        '\n[moi_hai]\nname = "Mới hai"\ncode_certainty = "unknown"\nfield = "X"\n'
        'level = ["commune"]\ncues = ["mới hai"]\ndocuments = [{ doc_type = "khong_co" }]\n',
        encoding="utf-8",
    )
    with pytest.raises(CatalogueError) as caught:
        load_catalogue(directory)
    problems = "\n".join(caught.value.problems)
    assert "[moi] code" in problems and "[moi] code_certainty" in problems
    assert "unknown document type 'khong_co'" in problems


def test_a_missing_catalogue_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(CatalogueError, match=r"procedures\.toml: missing"):
        load_catalogue(tmp_path)
