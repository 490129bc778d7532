"""What the search index holds for a text, how queries are read, and snippets: pure text,
the same for SQLite and PostgreSQL."""

from __future__ import annotations

import unicodedata

import pytest

from digitize.search_text import (
    MAX_QUERY_CHARS,
    QueryError,
    Unit,
    codes_in,
    exact_form,
    fold_in_place,
    index_text,
    parse_query,
    snippet,
    tokens,
)

CODE = "000.00.13.H12-240115-0042"


def nfd(text: str) -> str:
    return unicodedata.normalize("NFD", text)


@pytest.mark.parametrize(
    ("typed", "form"),
    [("hoà", "hòa"), ("HOÀ", "hòa"), ("thuý", "thúy"), ("Thuỷ", "thủy"), ("khoẻ", "khỏe"),
     ("hoá", "hóa"), ("toà", "tòa"), ("tuỳ", "tùy"), ("Uỷ", "ủy"), ("quý", "quý"),
     ("hoàng", "hoàng"), (nfd("Nguyễn"), "nguyễn"), ("ĐÀO", "đào")],
)  # fmt: skip
def test_the_exact_form_is_canonical_lower_case_nfc(typed: str, form: str) -> None:
    assert exact_form(typed) == form
    assert unicodedata.is_normalized("NFC", exact_form(typed))


def test_a_text_is_indexed_in_three_forms() -> None:
    forms = index_text(
        f"Mã hồ sơ: {CODE}......\nHọ tên: NGUYỄN VĂN AN, xã Hoà Bình; vốn 100.000.000 đồng"
    )
    assert forms.exact == (
        "mã hồ sơ 000 00 13 h12 240115 0042 họ tên nguyễn văn an xã hòa bình vốn 100 000 000 đồng"
    )
    assert forms.folded == (
        "ma ho so 000 00 13 h12 240115 0042 ho ten nguyen van an xa hoa binh von 100 000 000 dong"
    )
    assert forms.codes == "0000013h122401150042 100000000"


def test_nfd_text_is_indexed_as_nfc() -> None:
    assert index_text(nfd("Trường Đại học")) == index_text("Trường Đại học")


@pytest.mark.parametrize(
    ("text", "codes"),
    [(CODE, ["0000013h122401150042"]), ("H15.50.05.13-261008-0975", ["h155005132610080975"]),
     ("thủ tục 1.001193.", ["1001193"]), ("ĐT: 0912.345.678", ["0912345678"]),
     ("ngày 12-3-2019", ["1232019"]), ("Độc lập - Tự do", []), ("TT-LLTP", []),
     ("Số:......3.300 gam", ["3300"]), ("số 12/2020", [])],
)  # fmt: skip
def test_codes_are_dotted_or_hyphenated_runs_with_a_digit(text: str, codes: list[str]) -> None:
    assert codes_in(text) == codes


def test_tokens_are_letters_and_ascii_digits() -> None:
    assert tokens("Diện tích: 125,5 m² (½ thửa) — x_y") == [
        "Diện", "tích", "125", "5", "m", "thửa", "x", "y",
    ]  # fmt: skip


# --- queries --------------------------------------------------------------------------


def test_words_have_an_exact_and_a_folded_form() -> None:
    query = parse_query("Nguyễn van AN")
    assert query.units == (
        Unit("word", ("nguyễn",), ("nguyen",)),
        Unit("word", ("van",), ("van",)),
        Unit("word", ("an",), ("an",)),
    )
    assert [u.accented for u in query.units] == [True, False, False]
    assert query.phrase == ("nguyen", "van", "an")


def test_an_nfd_query_reads_as_nfc() -> None:
    query = parse_query(nfd("Hoà Bình"))
    assert query.text == "Hoà Bình" and unicodedata.is_normalized("NFC", query.text)
    assert query.units == parse_query("Hòa Bình").units


def test_numbers_and_codes_match_by_prefix_from_four_characters() -> None:
    units = parse_query(f"0010900 12 {CODE} 000.00 CT01").units
    assert set(units) == {
        Unit("number", ("0010900",), ("0010900",), prefix=True),
        Unit("number", ("12",), ("12",), prefix=False),
        Unit("number", ("ct01",), ("ct01",), prefix=True),
        Unit("code", ("0000013h122401150042",), ("0000013h122401150042",), prefix=True),
        Unit("code", ("00000",), ("00000",), prefix=True),
    }


def test_quoted_words_are_one_phrase() -> None:
    query = parse_query('“hộ kinh doanh” "Phúc" Lộc')
    assert query.units == (
        Unit("phrase", ("hộ", "kinh", "doanh"), ("ho", "kinh", "doanh")),
        Unit("word", ("phúc",), ("phuc",)),
        Unit("word", ("lộc",), ("loc",)),
    )
    assert query.phrase == ("phuc", "loc")  # "Phúc" alone in quotes is a word


def test_repeated_words_count_once() -> None:
    assert len(parse_query("an an An").units) == 1


@pytest.mark.parametrize(
    ("text", "says"),
    [("", "empty"), ("  \t", "empty"), ("x" * (MAX_QUERY_CHARS + 1), "longer"),
     ("?!… --", "no letters or digits"), (" ".join(f"a{n}b" for n in range(13)), "more than 12")],
)  # fmt: skip
def test_bad_queries(text: str, says: str) -> None:
    with pytest.raises(QueryError, match=says):
        parse_query(text)


# --- snippets -------------------------------------------------------------------------


def marked(text: str, query: str) -> list[str]:
    cut = snippet(text, parse_query(query))
    return [cut.text[s:e] for s, e in cut.highlights]


def test_hits_are_marked_whatever_the_marks_typed() -> None:
    text = "Người yêu cầu: NGUYỄN VĂN AN, trú tại xã Hoà Bình"
    assert marked(text, "nguyen van an") == ["NGUYỄN VĂN AN"]
    assert marked(text, "hòa") == ["Hoà"]
    assert marked(text, "an binh") == ["AN", "Bình"]


def test_codes_and_prefixes_are_marked_whole() -> None:
    text = f"Mã hồ sơ: {CODE}; CCCD số 001090012345."
    assert marked(text, "000.00.13.H12") == [CODE]
    assert marked(text, "0010900") == ["001090012345"]


def test_the_snippet_is_the_window_with_most_of_the_query() -> None:
    text = "Nguyễn Thị Lan. " + "Văn bản hướng dẫn thi hành. " * 30 + "Ông Nguyễn Văn An ký."
    cut = snippet(text, parse_query("nguyen van an"), width=80)
    assert cut.text.startswith("…") and "Nguyễn Văn An" in cut.text
    assert len(cut.text) <= 82


def test_no_hit_gives_the_start_and_html_is_escaped() -> None:
    cut = snippet("<b>Tờ khai</b> & phụ lục", parse_query("xyz"))
    assert cut.text == "<b>Tờ khai</b> & phụ lục" and cut.highlights == ()
    cut = snippet("<b>Tờ khai</b> & phụ lục", parse_query("to khai"))
    assert cut.html() == "&lt;b&gt;<mark>Tờ khai</mark>&lt;/b&gt; &amp; phụ lục"


def test_leaders_and_line_breaks_are_shown_short() -> None:
    cut = snippet("Họ tên: Lê Văn Tám................\nNgày sinh: 01/02/1990", parse_query("tam"))
    assert cut.text == "Họ tên: Lê Văn Tám… Ngày sinh: 01/02/1990"


def test_folding_in_place_keeps_the_offsets() -> None:
    text = "ĐẶNG Thị Hoà, Ðường 3/2"
    folded = fold_in_place(text)
    assert folded == "dang thi hoa, duong 3/2"
    assert len(folded) == len(text)
