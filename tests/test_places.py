"""Place names spelled as Vietnam's list of administrative units has them (issue 13)."""

from __future__ import annotations

import pytest

from digitize.understand.places import respell_places


@pytest.mark.parametrize(
    ("read", "spelled"),
    [
        # a district's marks misread; the province says which list to look in
        (
            "Thôn Trung Hòa, xã Phước Vĩnh An, huyện Củ Chị, Thành phố Hồ Chí Minh",
            "Thôn Trung Hòa, xã Phước Vĩnh An, huyện Củ Chi, Thành phố Hồ Chí Minh",
        ),
        (
            "Công an xã Nghi Thạch, huyện Nghỉ Lộc, tỉnh Nghệ An",
            "Công an xã Nghi Thạch, huyện Nghi Lộc, tỉnh Nghệ An",
        ),
        # a commune, within the district read before it
        (
            "xã Nghị Thạch, huyện Nghi Lộc, tỉnh Nghệ An",
            "xã Nghi Thạch, huyện Nghi Lộc, tỉnh Nghệ An",
        ),
        # a province, its dash lost where the line wrapped
        (
            "phường Phước Hiệp, thành phố Bà Rịa, tỉnh Bà Rịa Vũng Tàu",
            "phường Phước Hiệp, thành phố Bà Rịa, tỉnh Bà Rịa - Vũng Tàu",
        ),
        # a province
        (
            "phường Hưng Dũng, thành phố Vinh, tỉnh Nghệ Ăn",
            "phường Hưng Dũng, thành phố Vinh, tỉnh Nghệ An",
        ),
    ],
)
def test_a_slip_of_the_marks_in_a_place_name_is_spelled_as_listed(read: str, spelled: str) -> None:
    assert respell_places(read) == spelled


@pytest.mark.parametrize(
    "read",
    [
        "Số 78 đường Hùng Vương, phường Hưng Dũng, thành phố Vinh, tỉnh Nghệ An",  # all listed
        "xã Nghỉ Lộc",  # no province: a district or commune is not guessed country-wide
        "Xóm Đình, xã Nghi Phong, huyện Nghi Lộc, tỉnh Nghệ An",  # merged away: kept as read
        "phường 12, quận 10, TP. Hồ Chí Minh",
        "thôn Bản Lướt, xã Không Có Thật, huyện Vô Danh, tỉnh Nghệ An",  # not listed
        "Trung tâm công tác xã hội, tỉnh Nghệ An",  # "xã hội" is no commune
    ],
)
def test_what_the_list_does_not_settle_stays_as_read(read: str) -> None:
    assert respell_places(read) == read


def test_an_address_field_is_spelled_as_listed_and_its_reading_kept() -> None:
    from digitize.understand import load_catalogue
    from digitize.understand.fields import extract_fields
    from tests.understand_helpers import page

    birth = load_catalogue().document_types["to_khai_dang_ky_khai_sinh"]
    form = page(
        1,
        "TỜ KHAI ĐĂNG KÝ KHAI SINH",
        "Nơi cư trú: Ấp 3, xã Phước Vĩnh An, huyện Củ Chị, Thành phố Hồ Chí Minh",
    )
    address = extract_fields([form], birth)["address"]
    assert address.value == "Ấp 3, xã Phước Vĩnh An, huyện Củ Chi, Thành phố Hồ Chí Minh"
    assert "Củ Chị" in address.raw


def test_a_unit_with_no_province_is_looked_for_country_wide() -> None:
    # one spelling country-wide reads "nghi loc"
    assert respell_places("Phòng Tài chính - Kế hoạch huyện Nghỉ Lộc") == (
        "Phòng Tài chính - Kế hoạch huyện Nghi Lộc"
    )
    # a one-word name is too common to guess with no province
    assert respell_places("phường Bến Thủy, xã Yến") == "phường Bến Thủy, xã Yến"
