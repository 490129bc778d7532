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
    # Typed values (dates, ints, floats, names) by the same keys, for normalised truth.
    facts: Mapping[str, object] = field(default_factory=dict)

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


def anniversary(born: date, years: int) -> date:
    """The day someone turns `years` (29 February gives 28 February in other years)."""
    try:
        return born.replace(year=born.year + years)
    except ValueError:
        return born.replace(year=born.year + years, day=28)


def card_expiry(born: date, issued: date) -> date | None:
    """Last day of a citizen ID card: the card is renewed at 25, 40 and 60; one issued in
    the two years before such an age lasts to the next; from 58 on it never expires
    [seen: Luật Căn cước công dân 2014, Điều 21]. None: no expiry."""
    for age in (25, 40, 60):
        if issued < anniversary(born, age - 2):
            return anniversary(born, age)
    return None


def current_card(born: date, issued: date, on: date) -> tuple[date, date | None]:
    """The card a person holds on day `on`: one that ran out was renewed that day.
    Returns its issue date and expiry."""
    expiry = card_expiry(born, issued)
    while expiry is not None and expiry < on:
        issued = expiry
        expiry = card_expiry(born, issued)
    return issued, expiry


# Chip cards (2021 on) print the personal ID number under its full name; the barcode
# cards of 2016-2020 print "Số / No." [seen].
CHIP_CARDS_FROM = date(2021, 1, 1)


def residence_request(procedure: str, address: Address) -> str:
    """Item 10 of form CT01, which names the residence procedure asked for."""
    if procedure == "dang_ky_tam_tru":
        return f"Đăng ký tạm trú tại {address.full}"
    if procedure == "xoa_dang_ky_thuong_tru":
        return f"Xóa đăng ký thường trú tại {address.full}"
    return f"Đăng ký thường trú vào hộ gia đình tại {address.full}"


def make_case(
    rng: random.Random, procedure: str | None = None, *, young_family: bool = False
) -> Case:
    """A consistent case; `procedure` picks the case's procedure by key (random if None).
    `young_family`: the applicant is born 1984-2002 rather than 1962-2002, for papers
    where the couple's age shows (a birth paper's mother, a marriage).

    The order of the draws is part of the committed sample set: a new value must be
    drawn after all the others, or the committed scans change."""
    doc_day = working_day(random_day(rng, FIRST_DOCUMENT_DAY, LAST_DOCUMENT_DAY))
    address = make_address(rng)
    province = address.province

    applicant_sex = rng.choice((MALE, FEMALE))
    born_from = date(1984, 1, 1) if young_family else date(1962, 1, 1)
    applicant_dob = random_day(rng, born_from, date(2002, 12, 31))
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

    proc = rng.choice(data.PROCEDURES) if procedure is None else data.PROCEDURE_BY_KEY[procedure]
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
    phone_number = phone(rng)
    email_address = email(rng, applicant)
    hospital = f"{rng.choice(data.HOSPITALS)} {province.name}"
    business_name = f"Hộ kinh doanh {shop_word} {rng.choice(data.SHOP_NAMES)}"
    employees = rng.randint(1, 9)
    business_start = add_working_days(doc_day, rng.randint(5, 20))
    land_parcel = rng.randint(1, 950)
    map_sheet = rng.randint(1, 75)
    land_since = rng.randint(1993, 2018)
    land_origin = rng.choice(data.LAND_ORIGINS)
    lltp_purpose = rng.choice(data.LLTP_PURPOSES)
    # The applicant's own parents (the criminal-record form asks for them).
    applicant_father = full_name(rng, MALE, applicant.surname)
    applicant_mother = full_name(rng, FEMALE)
    code = dossier_code(rng, doc_day)
    appointment_hour = rng.choice(("08", "09", "10", "14", "15"))
    ledger_number = rng.randint(1, 400)
    officer_name = full_name(rng, rng.choice((MALE, FEMALE)))
    chairman_name = full_name(rng, rng.choice((MALE, FEMALE)))
    copies = rng.choice((1, 1, 2, 3))
    tax_method = rng.choice(("Khoán", "Khoán", "Kê khai"))
    structure = rng.choice(("Bê tông cốt thép", "Khung bê tông, tường gạch, mái tôn"))
    occupation = rng.choice(data.OCCUPATIONS)
    lltp_kind = rng.choice(("1", "1", "2"))

    # -- draws for the templates added later (appended: see the docstring) --------------
    # The other party of a marriage lived elsewhere in the province before it.
    partner_address = make_address(rng, province)
    hometown_commune = rng.choice(data.COMMUNES)
    # The deceased of a death registration is one of the applicant's parents.
    parent_sex = rng.choice((MALE, FEMALE))
    parent_dob = random_day(
        rng, date(applicant.dob.year - 40, 1, 1), date(applicant.dob.year - 19, 12, 31)
    )
    parent_id = make_id_number(rng, applicant.birth_province_code, parent_sex, parent_dob)
    death_day = doc_day - timedelta(days=rng.randint(1, 14))
    death_hour, death_minute = rng.randint(0, 23), rng.choice((0, 10, 15, 20, 30, 40, 45, 50))
    died_at_home = rng.random() < 0.4
    death_cause = rng.choice(data.DEATH_CAUSES)
    birth_hour, birth_minute = rng.randint(0, 23), rng.randint(0, 59)
    birth_weight_g = rng.randint(26, 40) * 100
    birth_paper_number = rng.randint(1, 4000)
    birth_paper_book = rng.randint(1, 12)
    # The hospital writes the birth paper before mother and child go home.
    birth_paper_day = min(child.dob + timedelta(days=rng.randint(1, 3)), doc_day)
    birth_certificate_number = rng.randint(1, 600)
    # Invented shape (2 digits of the province, a letter, 8, 6 digits), after the old
    # household-business numbers; the real scheme is not checked [?].
    business_code = f"{province.code[1:]}{rng.choice('ABCDEH')}8{rng.randrange(10**6):06d}"
    serial = f"{rng.choice(('BN', 'BS', 'CĐ', 'CH', 'DB'))} {rng.randrange(10**6):06d}"
    land_register = f"CS {rng.randint(1, 9999):05d}"
    land_paper_day = working_day(random_day(rng, date(2016, 6, 1), doc_day - timedelta(days=120)))
    design_firm = rng.choice(data.DESIGN_FIRMS)
    build_months = rng.choice((6, 8, 10, 12, 18))
    death_notice_number = rng.randint(1, 900)

    parent_name = applicant_father if parent_sex == MALE else applicant_mother
    bride, groom = (applicant, spouse) if applicant_sex == FEMALE else (spouse, applicant)
    bride_address = address if bride is applicant else partner_address
    groom_address = address if groom is applicant else partner_address
    assert applicant.id_issued is not None
    card_issued, card_valid_until = current_card(applicant.dob, applicant.id_issued, doc_day)
    death_place = (
        f"Tại nhà, {address.full}" if died_at_home else f"{hospital}, {province.address_name}"
    )
    height_dm = 36 * floors + 6  # 3.6 m a storey and a parapet

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
        "phone": phone_number,
        "email": email_address,
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
        "subject_birth_place": f"{hospital}, {province.address_name}",
        "subject_hometown": province_address_name(hometown),
        "business_name": business_name,
        "business_trade": trade,
        "business_street": business_address.street,
        "business_ward": business_address.ward,
        "business_district": business_address.district,
        "business_province": business_address.province.address_name,
        "capital_vnd": vntext.money(capital),
        "capital_words": vntext.money_words(capital),
        "employees": str(employees),
        "business_start": vntext.dmy(business_start),
        "land_parcel": str(land_parcel),
        "map_sheet": str(map_sheet),
        "land_area_m2": vntext.area(land_tenths),
        "land_address": land_address.full,
        "land_use": "Đất ở tại đô thị" if land_address.urban else "Đất ở tại nông thôn",
        "land_since": str(land_since),
        "land_origin": land_origin,
        "house_area_m2": vntext.area(house_tenths),
        "floor_area_m2": vntext.area(house_tenths * floors),
        "floors": str(floors),
        "lltp_purpose": lltp_purpose,
        "applicant_father": applicant_father,
        "applicant_mother": applicant_mother,
        "dossier_code": code,
        "procedure_name": proc.name,
        "documents": proc.documents,
        "received_at": f"{received_at} phút, ngày {vntext.dmy(doc_day)}",
        "appointment": f"{appointment_hour} giờ 00 phút, ngày {vntext.dmy(appointment)}",
        "working_days": f"{proc.working_days:02d} ngày làm việc",
        "ledger_number": str(ledger_number),
        "officer_name": officer_name,
        "chairman_name": chairman_name,
        # Answers that forms ask for and that rarely vary.
        "applicant_birth_year": str(applicant.dob.year),
        "applicant_birth_place_full": province_address_name(applicant.birth_province),
        "copies": f"{copies:02d} bản",
        "household_relation": "Chồng" if applicant_sex == MALE else "Vợ",
        "residence_request": residence_request(proc.key, address),
        "household_change": "Không",
        "founder_kind": "Cá nhân",
        "tax_method": tax_method,
        "registration_kind": "Có",
        "certificate_wanted": "Có",
        "shared_area": "Không",
        "land_term": "Lâu dài",
        "house_kind": "Nhà ở riêng lẻ",
        "structure": structure,
        "debt_wanted": "Không",
        "land_check": "Đúng với hiện trạng sử dụng",
        "dispute": "Không tranh chấp",
        "zoning": "Phù hợp với quy hoạch sử dụng đất",
        "career": f"Từ năm {max(applicant.dob.year + 22, 2008)} đến nay: "
        f"{occupation}, cư trú tại nơi thường trú nêu trên",
        "criminal_record": "Không có",
        "lltp_kind": lltp_kind,
        "dossier_count": "01 (bộ)",
        "result_at": f"Bộ phận Một cửa Ủy ban nhân dân {address.district}",
        # -- values of the templates added later ----------------------------------------
        # Citizen ID card (front side).
        "card_number_label": "Số định danh cá nhân / Personal identification number"
        if card_issued >= CHIP_CARDS_FROM
        else "Số / No.",
        "applicant_hometown": f"{capitalise(hometown_commune)}, "
        f"{province_address_name(applicant.birth_province)}",
        "valid_until": vntext.dmy(card_valid_until) if card_valid_until else "Không thời hạn",
        # Marriage: the form lists the bride, then the groom.
        "bride_name": bride.name,
        "bride_dob": vntext.dmy(bride.dob),
        "bride_id_number": bride.id_number,
        "bride_address": bride_address.full,
        "groom_name": groom.name,
        "groom_dob": vntext.dmy(groom.dob),
        "groom_id_number": groom.id_number,
        "groom_address": groom_address.full,
        "marriage_count": "Lần thứ nhất",
        # Death registration.
        "deceased_name": parent_name,
        "deceased_dob": vntext.dmy(parent_dob),
        "deceased_sex": parent_sex,
        "deceased_id_number": parent_id,
        "death_relation": "Con",
        "death_date": f"{death_hour:02d} giờ {death_minute:02d} phút, ngày {vntext.dmy(death_day)}",
        "death_place": death_place,
        "death_cause": death_cause,
        "death_notice": f"{death_notice_number}/GBT",
        # Birth paper (giấy chứng sinh) and birth certificate (giấy khai sinh).
        "hospital": hospital,
        "hospital_upper": hospital.upper(),
        "mother_id_number": mother.id_number,
        "mother_id_issue_date": vntext.dmy(mother.id_issued) if mother.id_issued else "",
        "birth_time": f"{birth_hour:02d} giờ {birth_minute:02d} phút, ngày {vntext.dmy(child.dob)}",
        "birth_weight": f"{vntext.thousands(birth_weight_g)} gam",
        "birth_paper_number": f"{birth_paper_number}/GCS",
        "birth_paper_book": f"{birth_paper_book:02d}/{child.dob.year}",
        "birth_paper_date": vntext.long_date(birth_paper_day),
        "subject_id_number": child.id_number,
        "birth_certificate_number": f"{birth_certificate_number}/{doc_day.year}",
        "birth_certificate_book": f"01/{doc_day.year}",
        "children_born": "01",
        # Household-business certificate.
        "business_code": business_code,
        "business_address": business_address.full,
        # Building permit application.
        "construction_address": land_address.full,
        # Building permits and land certificates come from the parcel's district.
        "land_district": land_address.district,
        "design_firm": design_firm,
        "building_grade": "Cấp III",
        "building_height": f"{height_dm // 10},{height_dm % 10} m",
        "build_months": f"{build_months} tháng",
        # Land-use certificate.
        "holder_title": "Ông" if applicant_sex == MALE else "Bà",
        "certificate_serial": serial,
        "land_register": land_register,
        "land_area_words": vntext.area_words(land_tenths),
        "land_paper_date": vntext.long_date(land_paper_day),
        "land_use_form": "Sử dụng riêng",
        "note": "Không",
    }
    values = {
        k: vntext.nfc(v) if isinstance(v, str) else tuple(map(vntext.nfc, v))
        for k, v in values.items()
    }
    # Typed values of what the forms print, for the truth's normalised "expected"
    # fields: dates, years, integers and amounts as the generator holds them, never
    # parsed back from the printed text. Text fields are their printed value.
    facts: dict[str, object] = {
        "applicant_name": applicant.name,
        "applicant_dob": applicant.dob,
        "applicant_sex": applicant.sex,
        "applicant_birth_year": applicant.dob.year,
        "id_number": applicant.id_number,
        "phone": phone_number,
        "spouse_name": spouse.name,
        "spouse_dob": spouse.dob,
        "spouse_id_number": spouse.id_number,
        "father_name": father.name,
        "mother_name": mother.name,
        "mother_birth_year": mother.dob.year,
        "subject_name": child.name,
        "subject_dob": child.dob,
        "subject_sex": child.sex,
        "subject_id_number": child.id_number,
        "capital_vnd": capital,
        "land_parcel": land_parcel,
        "map_sheet": map_sheet,
        "land_area_m2": land_tenths / 10,
        "floor_area_m2": house_tenths * floors / 10,
        "floors": floors,
        "document_date": doc_day,
        "valid_until": card_valid_until,
        "bride_name": bride.name,
        "bride_dob": bride.dob,
        "bride_id_number": bride.id_number,
        "groom_name": groom.name,
        "groom_dob": groom.dob,
        "groom_id_number": groom.id_number,
        "deceased_name": parent_name,
        "deceased_dob": parent_dob,
        "deceased_sex": parent_sex,
        "death_date": death_day,
        "mother_id_number": mother.id_number,
        "birth_time": child.dob,  # printed with the hour: "08 giờ 30 phút, ngày ..."
        "birth_paper_date": birth_paper_day,
        "land_paper_date": land_paper_day,
        "applicant_father": applicant_father,
        "applicant_mother": applicant_mother,
    }
    return Case(applicant, spouse, child, address, proc, doc_day, values, facts)
