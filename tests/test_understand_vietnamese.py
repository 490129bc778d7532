"""Folding for matching, canonical tone placement, and offsets back into the original."""

from __future__ import annotations

import unicodedata

import pytest

from digitize.understand.vietnamese import canonical, fold, fold_with_offsets


def nfd(text: str) -> str:
    return unicodedata.normalize("NFD", text)


@pytest.mark.parametrize(
    ("text", "folded"),
    [
        ("Nguyễn Văn An", "nguyen van an"),
        ("ĐẶNG THỊ ĐÀO", "dang thi dao"),
        ("Cộng hòa xã hội chủ nghĩa Việt Nam", "cong hoa xa hoi chu nghia viet nam"),
        ("  Hà   Nội,\n\tngày 05 ", "ha noi, ngay 05"),
        ("Độc lập - Tự do - Hạnh phúc", "doc lap - tu do - hanh phuc"),
        ("Mẫu số 04a/ĐK", "mau so 04a/dk"),
        ("", ""),
    ],
)
def test_fold(text: str, folded: str) -> None:
    assert fold(text) == folded


def test_fold_is_the_same_on_nfd_input() -> None:
    assert fold(nfd("Nguyễn Văn Đức")) == "nguyen van duc"
    assert fold(nfd("Trường")) == fold("Trường")


def test_fold_ignores_tone_placement() -> None:
    assert fold("hoà") == fold("hòa") == "hoa"
    assert fold("Thuỷ") == fold("Thủy") == "thuy"


def test_fold_maps_the_eth_ocr_emits_for_d_with_stroke() -> None:
    assert fold("ÐẠI HỌC") == "dai hoc"


def test_folding_loses_tones_so_callers_need_canonical_for_exact_matches() -> None:
    assert fold("bán") == fold("bàn") == fold("bạn") == "ban"
    assert len({canonical("bán"), canonical("bàn"), canonical("bạn")}) == 3


@pytest.mark.parametrize(
    ("typed", "placed"),
    [
        ("hoà", "hòa"),
        ("hòa", "hòa"),
        ("thuỷ", "thủy"),
        ("khoẻ", "khỏe"),
        ("Hoà Bình", "Hòa Bình"),
        ("THUỶ", "THỦY"),
        ("Uỷ ban nhân dân", "Ủy ban nhân dân"),
        ("oà", "òa"),
        # "qu" and "gi": the u / i belongs to the consonant.
        ("quả", "quả"),
        ("qủa", "quả"),
        ("Quý", "Quý"),
        ("giữa", "giữa"),
        ("gịa", "giạ"),
        ("gìn", "gìn"),
        # Already right, must stay.
        ("người", "người"),
        ("rượu", "rượu"),
        ("khuỷu", "khuỷu"),
        ("ngoài", "ngoài"),
        ("hoàng", "hoàng"),
        ("huỳnh", "huỳnh"),
        ("quyển", "quyển"),
        ("tiếng", "tiếng"),
        ("mía", "mía"),
        ("cứu", "cứu"),
        ("giường", "giường"),
        # A closed syllable takes the mark on its last vowel, whatever was typed.
        ("hòang", "hoàng"),
        # Not a Vietnamese syllable: left alone.
        ("café", "café"),
    ],
)
def test_canonical_places_the_tone(typed: str, placed: str) -> None:
    assert canonical(typed) == placed
    assert canonical(nfd(typed)) == placed
    assert unicodedata.is_normalized("NFC", canonical(typed))


def test_canonical_collapses_whitespace_and_keeps_punctuation() -> None:
    assert canonical("  Xã  Hoà Bình,\nhuyện  Lương Sơn ") == "Xã Hòa Bình, huyện Lương Sơn"


def test_canonical_makes_keyboard_variants_equal() -> None:
    variants = ["Nguyễn Thị Thuỷ Hoà", nfd("Nguyễn Thị Thủy Hòa"), "Nguyễn  Thị Thủy Hoà"]
    assert {canonical(v) for v in variants} == {"Nguyễn Thị Thủy Hòa"}


def test_fold_with_offsets_maps_back_to_the_original() -> None:
    text = "  Hà  Nội,\n ĐƯỜNG Láng"
    folded, offsets = fold_with_offsets(text)
    assert folded == fold(text) == "ha noi, duong lang"
    assert len(offsets) == len(folded)
    start = folded.index("duong")
    end = start + len("duong")
    assert text[offsets[start] : offsets[end - 1] + 1] == "ĐƯỜNG"
    # The space between words points at the first whitespace of the run.
    assert text[offsets[folded.index(" ")]] == " "
    assert offsets[folded.index(" ")] == 4


def test_fold_with_offsets_on_nfd_input_indexes_the_nfc_text() -> None:
    text = nfd("Giấy khai sinh")
    folded, offsets = fold_with_offsets(text)
    original = unicodedata.normalize("NFC", text)
    assert folded == "giay khai sinh"
    assert offsets[:4] == [0, 1, 2, 3]
    start = folded.index("khai")
    assert original[offsets[start] : offsets[start + 3] + 1] == "khai"


@pytest.mark.parametrize(
    "text",
    ["", "   ", "Nguyễn Văn An", nfd("Trần  Thị\tẢnh "), "Số: 079/ĐK — “Phúc Lộc”", "ÐẠI"],
)
def test_fold_with_offsets_agrees_with_fold(text: str) -> None:
    folded, offsets = fold_with_offsets(text)
    assert folded == fold(text)
    assert len(offsets) == len(folded)
    assert offsets == sorted(offsets)


def test_words_with_a_syllables_shape() -> None:
    from digitize.understand.vietnamese import is_syllable, reads_as_words

    for word in ("nguyễn", "khuya", "giữa", "nghiêng", "quyền", "rượu", "Ấp", "thường", "Vỹ"):
        assert is_syllable(word), word
    for word in ("Thịi", "hưngổ", "tzú", "ngcmối", "Đđoàn", "xyz"):
        assert not is_syllable(word), word
    assert reads_as_words("Đăng ký thường trú vào hộ gia đình")
    assert not reads_as_words("Ng„rvễn Kim Oan")  # "Ng" alone is no syllable
    assert not reads_as_words("Nam")  # one word says too little


def test_short_texts_are_folded_once_and_long_ones_not_kept() -> None:
    from digitize.understand import vietnamese

    vietnamese.forget_folds()
    line = "Họ, chữ đệm và tên:  Nguyễn Văn An"
    assert fold(line) == fold(line) == "ho, chu dem va ten: nguyen van an"
    assert vietnamese._fold_kept.cache_info().hits == 1
    document = "ĐĂNG KÝ KHAI SINH " * 40  # a document's whole text: folded, not kept
    assert fold(document) == ("dang ky khai sinh " * 40).strip()
    assert vietnamese._fold_kept.cache_info().currsize == 1
    vietnamese.forget_folds()
    assert vietnamese._fold_kept.cache_info().currsize == 0
