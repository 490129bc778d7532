"""Synthetic but realistic people and cases, drawn from a seeded `random.Random`.

A `Case` is one applicant's dossier: the applicant, a spouse, a newborn child, a
business, a land parcel, a procedure and its receipt, all consistent with each other
(the child carries the father's surname, ID numbers agree with birth year and sex, the
appointment date follows the receipt date). Templates pick the values they print from
`Case.values` by key.
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta

from samples import data, vntext

# Documents are dated in this window: before the 2025 merger of provinces, so the
# pre-2025 province names and codes of `data` are the right ones.
FIRST_DOCUMENT_DAY = date(2023, 1, 3)
LAST_DOCUMENT_DAY = date(2025, 5, 30)

MALE = "Nam"
FEMALE = "Nữ"


def sex_century_digit(sex: str, birth_year: int) -> int:
    """Digit B of a personal ID number: 0/1 male/female 1900s, 2/3 2000s, 4/5 2100s."""
    century = (birth_year - 1900) // 100
    if not 0 <= century <= 2:
        raise ValueError(f"birth year out of range: {birth_year}")
    return 2 * century + (1 if sex == FEMALE else 0)


def make_id_number(rng: random.Random, province_code: str, sex: str, dob: date) -> str:
    """12 digits AAA B CC DDDDDD (domain.md, TT 07/2016/TT-BCA)."""
    digit = sex_century_digit(sex, dob.year)
    return f"{province_code}{digit}{dob.year % 100:02d}{rng.randrange(10**6):06d}"


@dataclass(frozen=True, slots=True)
class Address:
    street: str  # "Số 12, ngõ 45, đường Nguyễn Trãi" or "thôn Đông"
    ward: str
    district: str
    province: data.Province
    urban: bool = True

    @property
    def full(self) -> str:
        return f"{self.street}, {self.ward}, {self.district}, {self.province.address_name}"

    @property
    def locality(self) -> str:
        """Ward, district and province without the street."""
        return f"{self.ward}, {self.district}, {self.province.address_name}"


@dataclass(frozen=True, slots=True)
class Person:
    name: str
    sex: str  # MALE or FEMALE, as printed
    dob: date
    birth_province_code: str
    birth_province: str
    id_number: str
    id_issued: date | None  # None for a child without a card
    ethnicity: str = "Kinh"
    nationality: str = "Việt Nam"

    @property
    def surname(self) -> str:
        return self.name.split()[0]


@dataclass(frozen=True, slots=True)
class Case:
    """One applicant's affairs. `values` maps template keys to printed text (NFC);
    list-like values (documents received) are tuples of lines."""

    applicant: Person
    spouse: Person
    child: Person
    address: Address
    procedure: data.Procedure
    document_date: date
    values: Mapping[str, str | tuple[str, ...]] = field(default_factory=dict)

    @property
    def people(self) -> tuple[Person, ...]:
        return (self.applicant, self.spouse, self.child)


# Centrally-run cities are written "thành phố X" in addresses, the others "tỉnh X".
_CITIES = frozenset({"Hà Nội", "Đà Nẵng", "Hải Phòng", "Cần Thơ"})


def province_address_name(name: str) -> str:
    if name == "Hồ Chí Minh":
        return "Thành phố Hồ Chí Minh"
    return f"thành phố {name}" if name in _CITIES else f"tỉnh {name}"


def capitalise(text: str) -> str:
    """Upper-case the first letter only ("thôn Đông" -> "Thôn Đông")."""
    return text[:1].upper() + text[1:]


def card_issuer(issued: date | None) -> str:
    """Who signs an ID card: the police department until the 2023 Law on Identification
    took effect (1 July 2024), the Ministry of Public Security afterwards [seen]."""
    if issued is not None and issued >= date(2024, 7, 1):
        return "Bộ Công an"
    return "Cục Cảnh sát quản lý hành chính về trật tự xã hội"


def _weighted_surname(rng: random.Random) -> str:
    names = [name for name, _ in data.SURNAMES]
    weights = [w for _, w in data.SURNAMES]
    return rng.choices(names, weights)[0]


def full_name(rng: random.Random, sex: str, surname: str | None = None) -> str:
    surname = surname or _weighted_surname(rng)
    if sex == MALE:
        middle, given = rng.choice(data.MALE_MIDDLE), rng.choice(data.MALE_GIVEN)
    else:
        middle, given = rng.choice(data.FEMALE_MIDDLE), rng.choice(data.FEMALE_GIVEN)
    if middle == given:
        middle = "Văn" if sex == MALE else "Thị"
    # Some women's names keep "Thị" before a second middle name ("Nguyễn Thị Thu Hà").
    if sex == FEMALE and middle != "Thị" and rng.random() < 0.25:
        middle = f"Thị {middle}"
    return f"{surname} {middle} {given}"


def random_day(rng: random.Random, first: date, last: date) -> date:
    return first + timedelta(days=rng.randint(0, (last - first).days))


def working_day(d: date) -> date:
    """The same day, or the next Monday when `d` falls on a weekend."""
    while d.weekday() >= 5:
        d += timedelta(days=1)
    return d


def add_working_days(d: date, days: int) -> date:
    while days > 0:
        d += timedelta(days=1)
        if d.weekday() < 5:
            days -= 1
    return d


def make_person(
    rng: random.Random,
    sex: str,
    dob: date,
    *,
    surname: str | None = None,
    province_code: str | None = None,
    card_before: date | None = None,
) -> Person:
    if province_code is None:
        # Most people apply in the province they were registered in.
        if rng.random() < 0.6:
            province_code = rng.choice(data.RESIDENCE_PROVINCES).code
        else:
            province_code = rng.choice(data.PROVINCE_CODES)[0]
    province_name = dict(data.PROVINCE_CODES)[province_code]
    issued: date | None = None
    if card_before is not None:
        # Cards with the 12-digit number were issued from 2016, at 14 at the earliest.
        first = max(date(2016, 1, 4), date(dob.year + 14, dob.month, min(dob.day, 28)))
        issued = random_day(rng, first, card_before - timedelta(days=30))
    return Person(
        name=full_name(rng, sex, surname),
        sex=sex,
        dob=dob,
        birth_province_code=province_code,
        birth_province=province_name,
        id_number=make_id_number(rng, province_code, sex, dob),
        id_issued=issued,
    )


def make_address(rng: random.Random, province: data.Province | None = None) -> Address:
    province = province or rng.choice(data.RESIDENCE_PROVINCES)
    district = rng.choice(province.districts)
    ward = rng.choice(district.wards)
    street = rng.choice(data.STREETS)
    if not district.urban:
        street = capitalise(rng.choice(data.HAMLETS))
    elif province.code == "079":
        # Saigon writes alleys as house/alley numbers: "Số 123/4 đường ..."
        street = f"Số {rng.randint(2, 480)}/{rng.randint(1, 40)} đường {street}"
    elif rng.random() < 0.5:
        street = f"Số {rng.randint(1, 200)}, ngõ {rng.randint(2, 180)}, phố {street}"
    else:
        street = f"Số {rng.randint(1, 350)} đường {street}"
    return Address(street, ward, district.name, province, district.urban)


def phone(rng: random.Random) -> str:
    prefix = rng.choice(
        (
            "090",
            "091",
            "093",
            "094",
            "096",
            "097",
            "098",
            "032",
            "035",
            "038",
            "070",
            "077",
            "081",
            "085",
            "056",
        )
    )
    return f"{prefix}{rng.randrange(10**7):07d}"


def email(rng: random.Random, person: Person) -> str:
    parts = vntext.fold(person.name).split()
    local = "".join(parts[-1:] + parts[:-1]) if rng.random() < 0.5 else "".join(parts)
    if rng.random() < 0.6:
        local += f"{person.dob.year % 100:02d}"
    return f"{local}@{rng.choice(('gmail.com', 'gmail.com', 'yahoo.com', 'outlook.com'))}"


def dossier_code(rng: random.Random, received: date) -> str:
    """`V1V2V3.Z1Z2.Y1Y2.MX1X2-YYMMDD-XXXX` (NĐ 61/2018 Điều 26, TT 01/2018/TT-VPCP)."""
    letter = rng.choice("HHHHGK")
    unit = f"000.{rng.choice(('00', '00', '20', '21', '30'))}.{rng.randint(1, 40):02d}"
    return f"{unit}.{letter}{rng.randint(1, 63):02d}-{received:%y%m%d}-{rng.randint(1, 400):04d}"


def make_case(rng: random.Random, procedure: str | None = None) -> Case:
    """A consistent case; `procedure` picks the receipt's procedure by key."""
    doc_day = working_day(random_day(rng, FIRST_DOCUMENT_DAY, LAST_DOCUMENT_DAY))
    address = make_address(rng)
    province = address.province

    applicant_sex = rng.choice((MALE, FEMALE))
    applicant_dob = random_day(rng, date(1962, 1, 1), date(2002, 12, 31))
    applicant = make_person(rng, applicant_sex, applicant_dob, card_before=doc_day)
    spouse_sex = FEMALE if applicant_sex == MALE else MALE
    spouse_dob = applicant_dob + timedelta(days=rng.randint(-6 * 365, 6 * 365))
    spouse_dob = min(spouse_dob, date(2003, 12, 31))
    spouse = make_person(rng, spouse_sex, spouse_dob, card_before=doc_day)
    father, mother = (applicant, spouse) if applicant_sex == MALE else (spouse, applicant)
    # The newborn is registered where the family lives, within 60 days of birth.
    child_sex = rng.choice((MALE, FEMALE))
    child_dob = doc_day - timedelta(days=rng.randint(3, 55))
    child = make_person(
        rng, child_sex, child_dob, surname=father.surname, province_code=province.code
    )

    if procedure is None:
        proc = rng.choice(data.PROCEDURES)
    else:
        proc = next(p for p in data.PROCEDURES if p.key == procedure)
    hour, minute = rng.choice((7, 8, 9, 10, 13, 14, 15)), rng.choice((0, 15, 30, 45))
    received_at = f"{hour:02d} giờ {minute:02d}"
    appointment = add_working_days(doc_day, proc.working_days)

    trade, shop_word = rng.choice(data.TRADES)
    capital = rng.randint(3, 60) * 10_000_000
    business_address = make_address(rng, province)
    land_address = make_address(rng, province)
    land_tenths = rng.randint(400, 4500)
    house_tenths = min(land_tenths, rng.randint(350, 1500))
    floors = rng.randint(1, 4)
    # Home town (quê quán) follows the father's line.
    hometown = father.birth_province if rng.random() < 0.7 else rng.choice(data.PROVINCE_CODES)[1]

    values: dict[str, str | tuple[str, ...]] = {
        "place": province.place_name,
        "document_date": vntext.long_date(doc_day),
        "ward": address.ward,
        "district": address.district,
        "province": province.address_name,
        "applicant_name": applicant.name,
        "applicant_dob": vntext.dmy(applicant.dob),
        "applicant_sex": applicant.sex,
        "applicant_birth_place": applicant.birth_province,
        "applicant_ethnicity": applicant.ethnicity,
        "nationality": applicant.nationality,
        "id_number": applicant.id_number,
        "id_issue_date": vntext.dmy(applicant.id_issued) if applicant.id_issued else "",
        "id_issuer": card_issuer(applicant.id_issued),
        "address": address.full,
        "phone": phone(rng),
        "email": email(rng, applicant),
        "relation": "Cha" if applicant_sex == MALE else "Mẹ",
        "spouse_name": spouse.name,
        "spouse_dob": vntext.dmy(spouse.dob),
        "spouse_id_number": spouse.id_number,
        "spouse_birth_year": str(spouse.dob.year),
        "father_name": father.name,
        "father_birth_year": str(father.dob.year),
        "mother_name": mother.name,
        "mother_birth_year": str(mother.dob.year),
        "subject_name": child.name,
        "subject_dob": vntext.dmy(child.dob),
        "subject_dob_words": vntext.date_words(child.dob),
        "subject_sex": child.sex,
        "subject_birth_place": f"{rng.choice(data.HOSPITALS)} {province.name}, "
        f"{province.address_name}",
        "subject_hometown": province_address_name(hometown),
        "business_name": f"Hộ kinh doanh {shop_word} {rng.choice(data.SHOP_NAMES)}",
        "business_trade": trade,
        "business_street": business_address.street,
        "business_ward": business_address.ward,
        "business_district": business_address.district,
        "business_province": business_address.province.address_name,
        "capital_vnd": vntext.money(capital),
        "capital_words": vntext.money_words(capital),
        "employees": str(rng.randint(1, 9)),
        "business_start": vntext.dmy(add_working_days(doc_day, rng.randint(5, 20))),
        "land_parcel": str(rng.randint(1, 950)),
        "map_sheet": str(rng.randint(1, 75)),
        "land_area_m2": vntext.area(land_tenths),
        "land_address": land_address.full,
        "land_use": "Đất ở tại đô thị" if land_address.urban else "Đất ở tại nông thôn",
        "land_since": str(rng.randint(1993, 2018)),
        "land_origin": rng.choice(data.LAND_ORIGINS),
        "house_area_m2": vntext.area(house_tenths),
        "floor_area_m2": vntext.area(house_tenths * floors),
        "floors": str(floors),
        "lltp_purpose": rng.choice(data.LLTP_PURPOSES),
        # The applicant's own parents (the criminal-record form asks for them).
        "applicant_father": full_name(rng, MALE, applicant.surname),
        "applicant_mother": full_name(rng, FEMALE),
        "dossier_code": dossier_code(rng, doc_day),
        "procedure_name": proc.name,
        "documents": proc.documents,
        "received_at": f"{received_at} phút, ngày {vntext.dmy(doc_day)}",
        "appointment": f"{rng.choice(('08', '09', '10', '14', '15'))} giờ 00 phút, "
        f"ngày {vntext.dmy(appointment)}",
        "working_days": f"{proc.working_days:02d} ngày làm việc",
        "ledger_number": str(rng.randint(1, 400)),
        "officer_name": full_name(rng, rng.choice((MALE, FEMALE))),
        "chairman_name": full_name(rng, rng.choice((MALE, FEMALE))),
        # Answers that forms ask for and that rarely vary.
        "applicant_birth_year": str(applicant.dob.year),
        "applicant_birth_place_full": province_address_name(applicant.birth_province),
        "copies": f"{rng.choice((1, 1, 2, 3)):02d} bản",
        "household_relation": "Chồng" if applicant_sex == MALE else "Vợ",
        "residence_request": f"Đăng ký thường trú vào hộ gia đình tại {address.full}",
        "household_change": "Không",
        "founder_kind": "Cá nhân",
        "tax_method": rng.choice(("Khoán", "Khoán", "Kê khai")),
        "registration_kind": "Có",
        "certificate_wanted": "Có",
        "shared_area": "Không",
        "land_term": "Lâu dài",
        "house_kind": "Nhà ở riêng lẻ",
        "structure": rng.choice(("Bê tông cốt thép", "Khung bê tông, tường gạch, mái tôn")),
        "debt_wanted": "Không",
        "land_check": "Đúng với hiện trạng sử dụng",
        "dispute": "Không tranh chấp",
        "zoning": "Phù hợp với quy hoạch sử dụng đất",
        "career": f"Từ năm {max(applicant.dob.year + 22, 2008)} đến nay: "
        f"{rng.choice(data.OCCUPATIONS)}, cư trú tại nơi thường trú nêu trên",
        "criminal_record": "Không có",
        "lltp_kind": rng.choice(("1", "1", "2")),
        "dossier_count": "01 (bộ)",
        "result_at": f"Bộ phận Một cửa Ủy ban nhân dân {address.district}",
    }
    values = {
        k: vntext.nfc(v) if isinstance(v, str) else tuple(map(vntext.nfc, v))
        for k, v in values.items()
    }
    return Case(applicant, spouse, child, address, proc, doc_day, values)
