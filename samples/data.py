"""Static tables for synthetic cases. Plain data, so that it can be corrected without
touching the code that uses it. Every string is NFC.

The province codes are the pre-2025 administrative codes that the first three digits of
a personal ID number use (see /work/shared/domain.md). Districts, wards and streets are
real names chosen to look plausible together; they are not checked against a register.
"""

from __future__ import annotations

from dataclasses import dataclass

# Surnames with rough weights (Nguyễn alone is about a third of the population).
SURNAMES: tuple[tuple[str, int], ...] = (
    ("Nguyễn", 38),
    ("Trần", 11),
    ("Lê", 9),
    ("Phạm", 7),
    ("Hoàng", 5),
    ("Huỳnh", 4),
    ("Phan", 4),
    ("Vũ", 4),
    ("Võ", 4),
    ("Đặng", 2),
    ("Bùi", 2),
    ("Đỗ", 2),
    ("Hồ", 2),
    ("Ngô", 2),
    ("Dương", 1),
    ("Lý", 1),
    ("Đinh", 1),
    ("Đoàn", 1),
    ("Trịnh", 1),
    ("Lương", 1),
    ("Mai", 1),
    ("Tạ", 1),
    ("Quách", 1),
    ("Lâm", 1),
)

MALE_MIDDLE: tuple[str, ...] = (
    "Văn",
    "Đức",
    "Minh",
    "Quốc",
    "Hữu",
    "Thanh",
    "Công",
    "Xuân",
    "Hoàng",
    "Ngọc",
    "Mạnh",
    "Trọng",
    "Tuấn",
    "Gia",
    "Bảo",
    "Đình",
    "Quang",
    "Thế",
)
FEMALE_MIDDLE: tuple[str, ...] = (
    "Thị",
    "Ngọc",
    "Thu",
    "Thanh",
    "Minh",
    "Phương",
    "Kim",
    "Thùy",
    "Bảo",
    "Mỹ",
    "Hồng",
    "Diệu",
    "Khánh",
    "Tuyết",
    "Quỳnh",
    "Hải",
)
# Given names cover all six tones: ngang, huyền, sắc, hỏi, ngã, nặng.
MALE_GIVEN: tuple[str, ...] = (
    "An",
    "Bình",
    "Cường",
    "Dũng",
    "Đạt",
    "Hải",
    "Hùng",
    "Huy",
    "Khánh",
    "Long",
    "Minh",
    "Nam",
    "Phong",
    "Quân",
    "Sơn",
    "Thắng",
    "Tuấn",
    "Việt",
    "Vỹ",
    "Lộc",
    "Trọng",
    "Hiếu",
    "Hưng",
    "Đức",
    "Khải",
    "Kiên",
    "Nghĩa",
    "Phúc",
    "Thịnh",
    "Tùng",
    "Vĩnh",
    "Khang",
    "Bảo",
    "Toàn",
    "Lực",
    "Quý",
    "Hậu",
    "Duy",
    "Thành",
    "Tiến",
)
FEMALE_GIVEN: tuple[str, ...] = (
    "Anh",
    "Chi",
    "Dung",
    "Giang",
    "Hà",
    "Hạnh",
    "Hằng",
    "Hương",
    "Huyền",
    "Lan",
    "Linh",
    "Loan",
    "Mai",
    "Ngân",
    "Nhung",
    "Oanh",
    "Phượng",
    "Quỳnh",
    "Thảo",
    "Thủy",
    "Trang",
    "Uyên",
    "Vân",
    "Yến",
    "Ngọc",
    "Thư",
    "Diệp",
    "Tuyết",
    "Mỹ",
    "Hiền",
    "Nguyệt",
    "Nhàn",
    "Ánh",
    "Trâm",
    "Xuân",
    "Ly",
    "Vy",
    "Nga",
    "Duyên",
    "Thơ",
)


@dataclass(frozen=True, slots=True)
class District:
    name: str  # with its kind: "quận Thanh Xuân", "huyện Gia Lâm", "thành phố Biên Hòa"
    wards: tuple[str, ...]  # with kind: "phường Thượng Đình", "xã Bát Tràng"
    urban: bool = True


@dataclass(frozen=True, slots=True)
class Province:
    code: str  # 3 digits, the first block of a personal ID number
    name: str  # short name: "Hà Nội"
    full: str = ""  # as written in an address: "thành phố Hà Nội", "tỉnh Nghệ An"
    place: str = ""  # as written on a date line: "Hà Nội", "Biên Hòa"
    districts: tuple[District, ...] = ()

    @property
    def address_name(self) -> str:
        return self.full or f"tỉnh {self.name}"

    @property
    def place_name(self) -> str:
        return self.place or self.name


def _d(name: str, *wards: str, urban: bool = True) -> District:
    return District(name, wards, urban)


# Provinces with districts: where the synthetic people live and apply.
RESIDENCE_PROVINCES: tuple[Province, ...] = (
    Province(
        "001",
        "Hà Nội",
        "thành phố Hà Nội",
        "Hà Nội",
        (
            _d("quận Ba Đình", "phường Kim Mã", "phường Ngọc Hà", "phường Điện Biên"),
            _d("quận Đống Đa", "phường Láng Thượng", "phường Ô Chợ Dừa", "phường Văn Chương"),
            _d("quận Cầu Giấy", "phường Dịch Vọng", "phường Nghĩa Đô", "phường Quan Hoa"),
            _d("quận Thanh Xuân", "phường Thượng Đình", "phường Khương Trung", "phường Nhân Chính"),
            _d("huyện Gia Lâm", "xã Bát Tràng", "thị trấn Trâu Quỳ", "xã Đa Tốn", urban=False),
        ),
    ),
    Province(
        "079",
        "Hồ Chí Minh",
        "Thành phố Hồ Chí Minh",
        "Thành phố Hồ Chí Minh",
        (
            _d("quận 1", "phường Bến Nghé", "phường Đa Kao", "phường Tân Định"),
            _d("quận 3", "phường Võ Thị Sáu", "phường 4", "phường 9"),
            _d("quận Bình Thạnh", "phường 13", "phường 25", "phường 26"),
            _d("quận Gò Vấp", "phường 10", "phường 12", "phường 17"),
            _d(
                "thành phố Thủ Đức",
                "phường Linh Trung",
                "phường Hiệp Bình Chánh",
                "phường Thảo Điền",
            ),
            _d(
                "huyện Củ Chi",
                "xã Tân Thông Hội",
                "thị trấn Củ Chi",
                "xã Phước Vĩnh An",
                urban=False,
            ),
        ),
    ),
    Province(
        "048",
        "Đà Nẵng",
        "thành phố Đà Nẵng",
        "Đà Nẵng",
        (
            _d("quận Hải Châu", "phường Thạch Thang", "phường Hòa Cường Bắc", "phường Phước Ninh"),
            _d("quận Sơn Trà", "phường An Hải Bắc", "phường Mân Thái", "phường Phước Mỹ"),
            _d("quận Liên Chiểu", "phường Hòa Khánh Bắc", "phường Hòa Minh"),
            _d("huyện Hòa Vang", "xã Hòa Phong", "xã Hòa Tiến", urban=False),
        ),
    ),
    Province(
        "031",
        "Hải Phòng",
        "thành phố Hải Phòng",
        "Hải Phòng",
        (
            _d("quận Lê Chân", "phường An Biên", "phường Dư Hàng Kênh"),
            _d("quận Ngô Quyền", "phường Lạch Tray", "phường Máy Tơ"),
            _d("huyện An Dương", "xã An Đồng", "thị trấn An Dương", urban=False),
        ),
    ),
    Province(
        "092",
        "Cần Thơ",
        "thành phố Cần Thơ",
        "Cần Thơ",
        (
            _d("quận Ninh Kiều", "phường An Hòa", "phường Xuân Khánh", "phường Tân An"),
            _d("quận Cái Răng", "phường Hưng Phú", "phường Lê Bình"),
        ),
    ),
    Province(
        "019",
        "Thái Nguyên",
        "tỉnh Thái Nguyên",
        "Thái Nguyên",
        (
            _d(
                "thành phố Thái Nguyên",
                "phường Hoàng Văn Thụ",
                "phường Quang Trung",
                "phường Tân Thịnh",
            ),
            _d("huyện Đại Từ", "thị trấn Hùng Sơn", "xã Hà Thượng", urban=False),
        ),
    ),
    Province(
        "075",
        "Đồng Nai",
        "tỉnh Đồng Nai",
        "Biên Hòa",
        (
            _d("thành phố Biên Hòa", "phường Tân Phong", "phường Trảng Dài", "phường Hố Nai"),
            _d("huyện Long Thành", "thị trấn Long Thành", "xã An Phước", urban=False),
        ),
    ),
    Province(
        "077",
        "Bà Rịa - Vũng Tàu",
        "tỉnh Bà Rịa - Vũng Tàu",
        "Vũng Tàu",
        (
            _d("thành phố Vũng Tàu", "phường Thắng Tam", "phường Rạch Dừa", "phường 7"),
            _d("thành phố Bà Rịa", "phường Phước Hiệp", "phường Long Toàn"),
        ),
    ),
    Province(
        "096",
        "Cà Mau",
        "tỉnh Cà Mau",
        "Cà Mau",
        (
            _d("thành phố Cà Mau", "phường 5", "phường 7", "phường Tân Xuyên"),
            _d("huyện Năm Căn", "thị trấn Năm Căn", "xã Hàm Rồng", urban=False),
        ),
    ),
    Province(
        "040",
        "Nghệ An",
        "tỉnh Nghệ An",
        "Vinh",
        (
            _d("thành phố Vinh", "phường Hưng Dũng", "phường Trường Thi", "phường Bến Thủy"),
            _d("huyện Nghi Lộc", "thị trấn Quán Hành", "xã Nghi Phong", urban=False),
        ),
    ),
    Province(
        "046",
        "Thừa Thiên Huế",
        "tỉnh Thừa Thiên Huế",
        "Huế",
        (_d("thành phố Huế", "phường Phú Hội", "phường Vĩnh Ninh", "phường Thuận Thành"),),
    ),
    Province(
        "056",
        "Khánh Hòa",
        "tỉnh Khánh Hòa",
        "Nha Trang",
        (_d("thành phố Nha Trang", "phường Lộc Thọ", "phường Vĩnh Hải", "phường Phước Hải"),),
    ),
    Province(
        "027",
        "Bắc Ninh",
        "tỉnh Bắc Ninh",
        "Bắc Ninh",
        (
            _d("thành phố Bắc Ninh", "phường Suối Hoa", "phường Võ Cường"),
            _d("thành phố Từ Sơn", "phường Đông Ngàn", "phường Tân Hồng"),
        ),
    ),
)

# All 63 provinces (pre-2025 codes), for where people were born and registered.
PROVINCE_CODES: tuple[tuple[str, str], ...] = (
    ("001", "Hà Nội"),
    ("002", "Hà Giang"),
    ("004", "Cao Bằng"),
    ("006", "Bắc Kạn"),
    ("008", "Tuyên Quang"),
    ("010", "Lào Cai"),
    ("011", "Điện Biên"),
    ("012", "Lai Châu"),
    ("014", "Sơn La"),
    ("015", "Yên Bái"),
    ("017", "Hòa Bình"),
    ("019", "Thái Nguyên"),
    ("020", "Lạng Sơn"),
    ("022", "Quảng Ninh"),
    ("024", "Bắc Giang"),
    ("025", "Phú Thọ"),
    ("026", "Vĩnh Phúc"),
    ("027", "Bắc Ninh"),
    ("030", "Hải Dương"),
    ("031", "Hải Phòng"),
    ("033", "Hưng Yên"),
    ("034", "Thái Bình"),
    ("035", "Hà Nam"),
    ("036", "Nam Định"),
    ("037", "Ninh Bình"),
    ("038", "Thanh Hóa"),
    ("040", "Nghệ An"),
    ("042", "Hà Tĩnh"),
    ("044", "Quảng Bình"),
    ("045", "Quảng Trị"),
    ("046", "Thừa Thiên Huế"),
    ("048", "Đà Nẵng"),
    ("049", "Quảng Nam"),
    ("051", "Quảng Ngãi"),
    ("052", "Bình Định"),
    ("054", "Phú Yên"),
    ("056", "Khánh Hòa"),
    ("058", "Ninh Thuận"),
    ("060", "Bình Thuận"),
    ("062", "Kon Tum"),
    ("064", "Gia Lai"),
    ("066", "Đắk Lắk"),
    ("067", "Đắk Nông"),
    ("068", "Lâm Đồng"),
    ("070", "Bình Phước"),
    ("072", "Tây Ninh"),
    ("074", "Bình Dương"),
    ("075", "Đồng Nai"),
    ("077", "Bà Rịa - Vũng Tàu"),
    ("079", "Hồ Chí Minh"),
    ("080", "Long An"),
    ("082", "Tiền Giang"),
    ("083", "Bến Tre"),
    ("084", "Trà Vinh"),
    ("086", "Vĩnh Long"),
    ("087", "Đồng Tháp"),
    ("089", "An Giang"),
    ("091", "Kiên Giang"),
    ("092", "Cần Thơ"),
    ("093", "Hậu Giang"),
    ("094", "Sóc Trăng"),
    ("095", "Bạc Liêu"),
    ("096", "Cà Mau"),
)

STREETS: tuple[str, ...] = (
    "Lê Lợi",
    "Trần Hưng Đạo",
    "Nguyễn Trãi",
    "Hai Bà Trưng",
    "Lý Thường Kiệt",
    "Quang Trung",
    "Nguyễn Du",
    "Phan Chu Trinh",
    "Điện Biên Phủ",
    "Hùng Vương",
    "Lê Duẩn",
    "Nguyễn Huệ",
    "Võ Thị Sáu",
    "Bà Triệu",
    "Hoàng Diệu",
    "Trần Phú",
    "Nguyễn Văn Cừ",
    "Lê Hồng Phong",
    "Phạm Ngũ Lão",
    "Nguyễn Thị Minh Khai",
    "Cách Mạng Tháng Tám",
    "Nguyễn Đình Chiểu",
    "Tôn Đức Thắng",
    "Hàm Nghi",
    "Đinh Tiên Hoàng",
    "Lạc Long Quân",
    "Trường Chinh",
    "Nguyễn Chí Thanh",
    "Phan Đình Phùng",
    "Yết Kiêu",
)
HAMLETS: tuple[str, ...] = (
    "thôn Đông",
    "thôn Thượng",
    "thôn Trung Hòa",
    "ấp 3",
    "ấp Bình Thạnh",
    "xóm Mới",
    "thôn Phú Lộc",
    "tổ dân phố số 4",
    "xóm Đình",
)
HOSPITALS: tuple[str, ...] = (
    "Bệnh viện Phụ sản",
    "Bệnh viện Đa khoa",
    "Trung tâm Y tế",
    "Bệnh viện Sản - Nhi",
)

# (trade as written on the form, word used in the shop's name)
TRADES: tuple[tuple[str, str], ...] = (
    ("Bán lẻ lương thực, thực phẩm, đồ uống trong các cửa hàng chuyên doanh", "Tạp hóa"),
    ("Nhà hàng và các dịch vụ ăn uống phục vụ lưu động", "Quán cơm"),
    ("Bảo dưỡng, sửa chữa mô tô, xe máy", "Sửa xe"),
    ("Dịch vụ phục vụ đồ uống (cà phê, giải khát)", "Cà phê"),
    ("Cắt tóc, làm đầu, gội đầu", "Salon tóc"),
    ("May trang phục (trừ trang phục từ da lông thú)", "May đo"),
    ("Bán lẻ hàng may mặc, giày dép trong các cửa hàng chuyên doanh", "Thời trang"),
    ("Bán lẻ đồ ngũ kim, sơn, kính và thiết bị lắp đặt khác", "Vật liệu xây dựng"),
)
SHOP_NAMES: tuple[str, ...] = (
    "Minh Anh",
    "Hoa Sữa",
    "Bảo Ngọc",
    "Tuấn Hùng",
    "Phúc Lộc",
    "Thanh Hương",
    "Hòa Bình",
    "Kim Ngân",
    "Gia Huy",
    "Ánh Dương",
    "Thảo Nguyên",
    "Đức Thịnh",
)

LAND_ORIGINS: tuple[str, ...] = (
    "Nhận chuyển nhượng quyền sử dụng đất",
    "Được thừa kế quyền sử dụng đất",
    "Được tặng cho quyền sử dụng đất",
    "Nhà nước giao đất có thu tiền sử dụng đất",
)
LLTP_PURPOSES: tuple[str, ...] = (
    "Bổ sung hồ sơ xin việc",
    "Hoàn thiện hồ sơ du học",
    "Thành lập doanh nghiệp",
    "Bổ sung hồ sơ xin cấp thị thực",
)
OCCUPATIONS: tuple[str, ...] = (
    "nhân viên văn phòng",
    "giáo viên",
    "kỹ sư xây dựng",
    "kinh doanh tự do",
    "kế toán",
    "công nhân",
    "điều dưỡng",
    "lái xe",
    "sinh viên",
)


# Causes of death as a death declaration words them.
DEATH_CAUSES: tuple[str, ...] = (
    "Bệnh già",
    "Suy tim",
    "Tai biến mạch máu não",
    "Ung thư phổi",
    "Bệnh phổi tắc nghẽn mạn tính",
    "Nhồi máu cơ tim",
)
# Commune names frequent all over the country, for the home town (quê quán) on ID cards.
COMMUNES: tuple[str, ...] = (
    "xã Tân Phú",
    "xã Hòa Bình",
    "xã Yên Phú",
    "xã Phú Thịnh",
    "xã Nghĩa Lạc",
    "xã Xuân Lâm",
    "xã Quảng Thành",
    "xã Đông Hòa",
    "xã Thanh Lương",
    "xã Hưng Đạo",
)
# Invented firms that draw house plans, for building-permit applications.
DESIGN_FIRMS: tuple[str, ...] = (
    "Công ty TNHH Tư vấn thiết kế xây dựng Nam Phát",
    "Công ty Cổ phần Kiến trúc Minh Long",
    "Công ty TNHH Xây dựng và Thiết kế Hòa An",
    "Công ty TNHH Kiến trúc Việt Tâm",
)


@dataclass(frozen=True, slots=True)
class Procedure:
    """One administrative procedure as a receipt prints it.

    `key` is the procedure's key in digitize/data/catalogue/procedures.toml. `code_status`
    records the doubt on the code, as domain.md does: "law" (read in the legal text),
    "seen" (secondary sources only) or "unknown"; the catalogue is the reference, these
    only feed the samples.
    """

    key: str
    name: str
    code: str
    code_status: str
    documents: tuple[str, ...]
    working_days: int  # sample value for the appointment date, not a legal time limit


# Names as the receipt prints them. The documents of dang_ky_khai_sinh and
# dang_ky_dat_dai_lan_dau are printed in the committed sample set: keep them as they are.
PROCEDURES: tuple[Procedure, ...] = (
    Procedure(
        "dang_ky_khai_sinh",
        "Đăng ký khai sinh",
        "1.001193",
        "law",
        ("Tờ khai đăng ký khai sinh (bản chính)", "Giấy chứng sinh (bản chính)"),
        1,
    ),
    Procedure(
        "dang_ky_thuong_tru",
        "Đăng ký thường trú",
        "1.004222",
        "seen",
        (
            "Tờ khai thay đổi thông tin cư trú (Mẫu CT01)",
            "Giấy tờ, tài liệu chứng minh chỗ ở hợp pháp (bản sao)",
        ),
        7,
    ),
    Procedure(
        "dang_ky_thanh_lap_ho_kinh_doanh",
        "Đăng ký thành lập hộ kinh doanh",
        "2.000720",
        "seen",
        ("Giấy đề nghị đăng ký hộ kinh doanh", "Bản sao Căn cước công dân của chủ hộ kinh doanh"),
        3,
    ),
    Procedure(
        "dang_ky_dat_dai_lan_dau",
        "Đăng ký đất đai, tài sản gắn liền với đất lần đầu",
        "1.012753",
        "seen",
        (
            "Đơn đăng ký đất đai, tài sản gắn liền với đất (Mẫu số 04a/ĐK)",
            "Giấy tờ về quyền sử dụng đất (bản sao có chứng thực)",
            "Sơ đồ nhà ở, công trình xây dựng",
        ),
        20,
    ),
    Procedure(
        "cap_phieu_ly_lich_tu_phap",
        "Cấp Phiếu lý lịch tư pháp",
        "",
        "unknown",
        (
            "Tờ khai yêu cầu cấp Phiếu lý lịch tư pháp (Mẫu số 03/2013/TT-LLTP)",
            "Bản chụp Căn cước công dân",
        ),
        10,
    ),
    Procedure(
        "dang_ky_ket_hon",
        "Đăng ký kết hôn",
        "1.000894",
        "seen",
        ("Tờ khai đăng ký kết hôn (bản chính)", "Giấy xác nhận tình trạng hôn nhân"),
        1,
    ),
    Procedure(
        "dang_ky_khai_tu",
        "Đăng ký khai tử",
        "",
        "unknown",
        ("Tờ khai đăng ký khai tử (bản chính)", "Giấy báo tử (bản chính)"),
        1,
    ),
    Procedure(
        "dang_ky_tam_tru",
        "Đăng ký tạm trú",
        "",
        "unknown",
        (
            "Tờ khai thay đổi thông tin cư trú (Mẫu CT01)",
            "Giấy tờ, tài liệu chứng minh chỗ ở hợp pháp (bản sao)",
        ),
        3,
    ),
    Procedure(
        "xoa_dang_ky_thuong_tru",
        "Xóa đăng ký thường trú",
        "",
        "unknown",
        (
            "Tờ khai thay đổi thông tin cư trú (Mẫu CT01)",
            "Giấy tờ chứng minh thuộc trường hợp xóa đăng ký thường trú (bản sao)",
        ),
        2,
    ),
    Procedure(
        "xac_nhan_tinh_trang_hon_nhan",
        "Cấp Giấy xác nhận tình trạng hôn nhân",
        "",
        "unknown",
        ("Tờ khai cấp Giấy xác nhận tình trạng hôn nhân", "Bản chụp Căn cước công dân"),
        3,
    ),
    Procedure(
        "cap_ban_sao_trich_luc_ho_tich",
        "Cấp bản sao trích lục hộ tịch",
        "",
        "unknown",
        ("Tờ khai cấp bản sao trích lục hộ tịch", "Bản chụp Căn cước công dân"),
        1,
    ),
    Procedure(
        "dang_ky_nhan_cha_me_con",
        "Đăng ký nhận cha, mẹ, con",
        "",
        "unknown",
        (
            "Tờ khai đăng ký nhận cha, mẹ, con",
            "Chứng cứ chứng minh quan hệ cha, mẹ, con",
            "Giấy khai sinh của người con (bản sao)",
        ),
        3,
    ),
    Procedure(
        "cap_giay_phep_xay_dung",
        "Cấp giấy phép xây dựng mới",
        "1.013225",
        "seen",
        (
            "Đơn đề nghị cấp giấy phép xây dựng",
            "Giấy chứng nhận quyền sử dụng đất (bản sao có chứng thực)",
            "Bản vẽ thiết kế xây dựng (02 bộ)",
        ),
        15,
    ),
    Procedure(
        "chung_thuc_ban_sao",
        "Chứng thực bản sao từ bản chính",
        "2.000815",
        "seen",
        ("Bản chính giấy tờ, văn bản", "Bản sao cần chứng thực"),
        1,
    ),
    Procedure(
        "chung_thuc_chu_ky",
        "Chứng thực chữ ký",
        "",
        "unknown",
        ("Giấy tờ, văn bản cần chứng thực chữ ký", "Bản chụp Căn cước công dân"),
        1,
    ),
)
PROCEDURE_BY_KEY: dict[str, Procedure] = {p.key: p for p in PROCEDURES}
