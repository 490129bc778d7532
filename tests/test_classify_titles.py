"""A page's title scores are worked out once and given again while its file is read
(issue 13: understanding must not cost more per page), always as they would be anew."""

from __future__ import annotations

import dataclasses

import digitize.understand.classify as classify_module
from digitize.understand import load_catalogue
from digitize.understand.classify import title_scores
from tests.understand_helpers import page

HEADER = ("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc")


def test_title_scores_are_kept_by_the_top_lines_text(monkeypatch) -> None:
    catalogue = load_catalogue()
    scored = []
    real = classify_module._title_scores

    def counted(lines, given):
        scored.append(lines)
        return real(lines, given)

    monkeypatch.setattr(classify_module, "_title_scores", counted)
    classify_module._titles.clear()
    birth = page(1, *HEADER, "TỜ KHAI ĐĂNG KÝ KHAI SINH", "Kính gửi: Ủy ban nhân dân xã An Bình")
    first = title_scores(birth, catalogue)
    assert first["to_khai_dang_ky_khai_sinh"] > 0.8
    first["to_khai_dang_ky_khai_sinh"] = 0.0  # the caller's copy: not what is kept
    again = title_scores(birth, catalogue)
    assert again["to_khai_dang_ky_khai_sinh"] > 0.8 and len(scored) == 1
    # another page with the same top lines: the same scores, not worked out again
    assert title_scores(page(2, *birth.text.splitlines()), catalogue) == again
    assert len(scored) == 1
    # another title, or another catalogue: worked out anew
    death = page(3, *HEADER, "TỜ KHAI ĐĂNG KÝ KHAI TỬ", "Kính gửi: Ủy ban nhân dân xã An Bình")
    assert title_scores(death, catalogue)["to_khai_dang_ky_khai_sinh"] < 0.8
    other = dataclasses.replace(catalogue)
    assert title_scores(birth, other) == again
    assert len(scored) == 3
