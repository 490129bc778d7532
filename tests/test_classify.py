"""Classification: title rules, the learned model, procedures, splitting a file."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from digitize.understand import Knowledge, load_catalogue, split_documents, understand_pages
from digitize.understand.classify import UNKNOWN, classify, procedure_for
from digitize.understand.model import Example, ModelError, TextModel, read_examples
from tests.understand_helpers import page

EXAMPLES = Path(__file__).resolve().parent.parent / "samples" / "training" / "labelled.jsonl"


@pytest.fixture(scope="module")
def catalogue():
    return load_catalogue()


@pytest.fixture(scope="module")
def model() -> TextModel:
    return TextModel.train(read_examples([EXAMPLES]))


HEADER = ("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc")


def test_a_title_read_without_diacritics_is_still_recognised(catalogue) -> None:
    form = page(1, *HEADER, "TO KHAI DANG KY KHAI SINH", "Kính gửi: Ủy ban nhân dân xã An Bình")
    doc_type, confidence, rules, _ = classify([form], catalogue, None)
    assert doc_type == "to_khai_dang_ky_khai_sinh"
    assert confidence > 0.8
    assert rules["to_khai_dang_ky_khai_sinh"] > 0.8


def test_a_title_with_ocr_slips_and_a_wrapped_title(catalogue) -> None:
    slipped = page(1, *HEADER, "TỜ KHAl YÊU CÀU CÁP PHIÉU LÝ LICH TƯ PHÁP")
    assert classify([slipped], catalogue, None)[0] == "to_khai_ly_lich_tu_phap"
    wrapped = page(1, "Mẫu số 04a/ĐK", *HEADER, "ĐƠN ĐĂNG KÝ ĐẤT ĐAI,", "TÀI SẢN GẮN LIỀN VỚI ĐẤT")
    assert classify([wrapped], catalogue, None)[0] == "don_dang_ky_dat_dai"


def test_a_page_with_no_known_title_is_unknown_without_a_model(catalogue) -> None:
    letter = page(1, "Kính gửi anh Nam,", "Hôm nay trời đẹp, chúng tôi đi chơi công viên.")
    doc_type, confidence, _, _ = classify([letter], catalogue, None)
    assert doc_type == UNKNOWN and confidence < 0.5


def test_the_model_recognises_a_form_whose_title_was_lost(catalogue, model) -> None:
    # The top of the page was torn off: no title, only the body of a CT01 form.
    body = page(
        1,
        "1) Họ, chữ đệm và tên: NGUYỄN VĂN AN ......",
        "2) Ngày, tháng, năm sinh: 12/03/1990 ...... 3) Giới tính: Nam ......",
        "4) Số định danh cá nhân: 001090012345 ......",
        "5) Số điện thoại liên hệ: 0912345678 ...... 6) Email: an@example.vn ....",
        "7) Họ, chữ đệm và tên chủ hộ: TRẦN THỊ BÌNH ..... 8) Mối quan hệ với chủ hộ: Vợ ..",
        "9) Số định danh cá nhân của chủ hộ: 001191054321 ........",
        "10) Nội dung đề nghị(2): Đăng ký thường trú ......",
        "11) Những thành viên trong hộ gia đình cùng thay đổi: không ......",
        "NGƯỜI KÊ KHAI",
    )
    assert classify([body], catalogue, None)[0] == UNKNOWN
    doc_type, _, _, learned = classify([body], catalogue, model)
    assert doc_type == "to_khai_thay_doi_thong_tin_cu_tru"
    assert learned[doc_type] == max(learned.values())


def test_procedures_from_the_form_or_from_the_field_that_names_them(catalogue) -> None:
    types = catalogue.document_types
    assert procedure_for(types["to_khai_dang_ky_khai_sinh"], catalogue, "") == (
        "dang_ky_khai_sinh",
        1.0,
    )
    ct01 = types["to_khai_thay_doi_thong_tin_cu_tru"]
    assert procedure_for(ct01, catalogue, "Đăng ký tạm trú")[0] == "dang_ky_tam_tru"
    assert procedure_for(ct01, catalogue, "Xoa dang ky thuong tru")[0] == "xoa_dang_ky_thuong_tru"
    assert procedure_for(ct01, catalogue, "Đăng ký thường trú")[0] == "dang_ky_thuong_tru"
    receipt = types["giay_tiep_nhan_ho_so"]
    assert procedure_for(receipt, catalogue, "Cấp Phiếu lý lịch tư pháp")[0] == (
        "cap_phieu_ly_lich_tu_phap"
    )
    assert procedure_for(receipt, catalogue, "Chứng thực chữ ký")[0] == "chung_thuc_chu_ky"
    assert procedure_for(receipt, catalogue, "") == (None, 0.0)
    assert procedure_for(types["can_cuoc_cong_dan"], catalogue, "") == (None, 0.0)


def test_a_file_is_split_where_a_new_title_starts_a_page(catalogue) -> None:
    pages = [
        page(1, *HEADER, "TỜ KHAI ĐĂNG KÝ KHAI SINH", "Họ, chữ đệm, tên người yêu cầu: AN"),
        page(2, blank=True),
        page(3, "Nơi cư trú của cha, mẹ: Hà Nội", "NGƯỜI YÊU CẦU"),  # continuation
        page(4, *HEADER, "GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ", "Mã hồ sơ: x"),
    ]
    groups = split_documents(pages, catalogue)
    assert [[p.number for p in group] for group in groups] == [[1, 2, 3], [4]]


def test_understanding_a_file_gives_documents_with_procedure_and_fields(catalogue, model) -> None:
    knowledge = Knowledge(catalogue, model)
    pages = [
        page(
            1,
            *HEADER,
            "TỜ KHAI ĐĂNG KÝ KHAI SINH",
            "Kính gửi: Ủy ban nhân dân phường Láng Thượng, quận Đống Đa, thành phố Hà Nội",
            "Họ, chữ đệm, tên người yêu cầu: Nguyễn Văn An ........",
            "Số định danh cá nhân: 001090012345 ........",
            "Họ, chữ đệm, tên: NGUYỄN MINH KHÔI ........",
            "Ngày, tháng, năm sinh: 02/01/2024 ........",
            "Hà Nội, ngày 15 tháng 01 năm 2024",
        )
    ]
    (document,) = understand_pages(pages, knowledge)
    as_json = document.as_json()
    assert as_json["doc_type"] == "to_khai_dang_ky_khai_sinh"
    assert as_json["procedure"] == {
        "key": "dang_ky_khai_sinh",
        "code": "1.001193",
        "name": "Đăng ký khai sinh",
    }
    assert as_json["fields"]["subject_name"]["value"] == "Nguyễn Minh Khôi"
    assert as_json["fields"]["subject_dob"]["value"] == "2024-01-02"
    json.dumps(as_json)  # the contract is plain JSON


def test_a_model_survives_saving_and_loading(tmp_path: Path, model) -> None:
    path = tmp_path / "model.npz"
    model.save(path, meta={"note": "test"})
    loaded = TextModel.load(path)
    text = "TỜ KHAI ĐĂNG KÝ KẾT HÔN\nHọ, chữ đệm, tên: ..."
    assert loaded.classes == model.classes
    for key, p in model.probabilities(text).items():
        assert loaded.probabilities(text)[key] == pytest.approx(p, abs=1e-5)


def test_prediction_in_numpy_matches_scikit_learn(model) -> None:
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    from digitize.understand.model import NGRAMS, prepare

    terms = sorted(model._index, key=model._index.__getitem__)
    vectorizer = TfidfVectorizer(
        analyzer="char_wb", ngram_range=NGRAMS, sublinear_tf=True, vocabulary=terms
    )
    vectorizer.fit([""])
    vectorizer.idf_ = model._idf
    classifier = LogisticRegression()
    classifier.classes_ = np.array(model.classes)
    classifier.coef_, classifier.intercept_ = model._coef, model._intercept
    for text in ("TỜ KHAI ĐĂNG KÝ KẾT HÔN\nHọ, chữ đệm, tên: Lê Văn Tám", "Mã hồ sơ: 000.00.13"):
        expected = vectorizer.transform([prepare(text)]).toarray()[0]
        assert np.allclose(model.features(text), expected)
        probabilities = classifier.predict_proba(vectorizer.transform([prepare(text)]))[0]
        assert np.allclose(list(model.probabilities(text).values()), probabilities)


def test_words_n_grams_kept_give_the_same_probabilities_bit_for_bit(model, monkeypatch) -> None:
    """Each word's n-grams are kept for the next text (forms repeat their words); the
    text's n-grams stay in the same order, so the sums and the probabilities are the
    very same floats as made afresh."""
    from digitize.understand import model as model_module
    from digitize.understand.model import char_ngrams, prepare

    texts = [
        "TỜ KHAI ĐĂNG KÝ KẾT HÔN\nHọ, chữ đệm, tên: Lê Văn Tám, sinh 12/03/1990",
        "Họ, chữ đệm, tên: Trần Thị Hoa\nTỜ KHAI ĐĂNG KÝ KẾT HÔN",
        "Mã hồ sơ: 000.00.13",
    ]
    model.forget_words()
    fresh = [model.probabilities(text) for text in texts]
    assert [model.probabilities(text) for text in texts] == fresh  # from the kept n-grams
    for text in texts:
        expected = [g for g in char_ngrams(prepare(text)) if g in model._index]
        assert model._known_grams(prepare(text)) == expected
    # bounded: full, it starts again rather than growing
    monkeypatch.setattr(model_module, "_WORDS_KEPT", 3)
    model.forget_words()
    for text in texts:
        model.probabilities(text)
        assert len(model._word_grams) <= 3
    assert [model.probabilities(text) for text in texts] == fresh


def test_a_damaged_model_file_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "model.npz"
    path.write_bytes(b"PK\x03\x04 not really")
    with pytest.raises(ModelError, match="cannot load"):
        TextModel.load(path)


def test_training_needs_two_document_types() -> None:
    with pytest.raises(ModelError, match="two document types"):
        TextModel.train([Example("a", "x"), Example("b", "x")])


def test_bad_training_lines_are_named(tmp_path: Path) -> None:
    path = tmp_path / "examples.jsonl"
    path.write_text('{"text": "a", "doc_type": "x"}\n{"text": "no type"}\n', encoding="utf-8")
    with pytest.raises(ModelError, match="line 2"):
        read_examples([path])
