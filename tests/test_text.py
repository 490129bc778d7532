"""Vietnamese text handling: NFC, the alphabet restriction, and the error-rate measure."""

from __future__ import annotations

import unicodedata

import pytest

from digitize.metrics import cer, normalise_for_cer
from digitize.text import nfc, restrict_to_vietnamese, vietnamese_letters


def test_the_alphabet_has_every_toned_vowel_in_both_cases() -> None:
    letters = vietnamese_letters()
    # 12 vowels x 6 tones x 2 cases, 17 consonants (đ included) + f j w z in 2 cases.
    assert len(letters) == 12 * 6 * 2 + 21 * 2
    assert {"ặ", "Ặ", "ự", "Ự", "ỹ", "đ", "Đ", "ờ"} <= letters
    assert all(unicodedata.is_normalized("NFC", letter) for letter in letters)


def test_nfd_input_comes_back_nfc() -> None:
    decomposed = unicodedata.normalize("NFD", "Nguyễn Văn Ánh")
    assert nfc(decomposed) == "Nguyễn Văn Ánh"
    assert restrict_to_vietnamese(decomposed) == "Nguyễn Văn Ánh"


@pytest.mark.parametrize(
    ("read", "meant"),
    [
        ("Cöng", "Công"),
        ("HÖ", "HÔ"),
        ("tën", "tên"),
        ("Vån", "Văn"),
        ("ǎn", "ăn"),
        ("mïnh", "minh"),
        ("CÐ", "CĐ"),  # eth for Đ: no decomposition to repair
        ("ðường", "đường"),
    ],
)
def test_letters_vietnamese_never_uses_are_mapped_back(read: str, meant: str) -> None:
    assert restrict_to_vietnamese(read) == meant


def test_vietnamese_text_and_punctuation_pass_untouched() -> None:
    text = "Số: 079185001234 — Hộ kinh doanh “Phúc Lộc”, vốn 100.000.000 đồng; 125,5 m²"
    assert restrict_to_vietnamese(text) == text


def test_cer_ignores_layout_but_counts_every_mark() -> None:
    assert cer("Họ và tên: Nguyễn Văn An", "Họ  và tên:\nNguyễn   Văn An") == 0.0
    assert cer("Họ tên: ........ An", "Họ tên: ... An") == 0.0
    # One missing tone mark is one error.
    assert cer("Nguyễn", "Nguyên") == pytest.approx(1 / 6)


def test_cer_of_empty_reference() -> None:
    assert cer("", "") == 0.0
    assert cer("", "rác") == 1.0


def test_normalisation_is_nfc() -> None:
    assert normalise_for_cer(unicodedata.normalize("NFD", "Hòa  bình")) == "Hòa bình"
