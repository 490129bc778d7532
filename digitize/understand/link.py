"""Linking a split dossier to its record in the one-stop system, and checking them.

The record (imported from the one-stop system, or made from what was read when none
exists yet) says which procedure the dossier is for and who applied; the documents
say it too. Where they differ, a reviewer must look: mismatches are reported, never
settled by taking one side.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Protocol

from digitize.understand.stack import Dossier
from digitize.understand.vietnamese import fold


@dataclass(frozen=True, slots=True)
class DossierRecord:
    """A one-stop dossier record, as the library sees it (storage is the caller's)."""

    code: str
    procedure: str | None = None  # catalogue key
    procedure_code: str | None = None  # national TTHC code
    applicant_name: str | None = None
    applicant_id_number: str | None = None
    receiving_unit: str | None = None
    received_date: date | None = None
    status: str = "received"
    origin: str = "imported"  # "imported" from the one-stop system, or "from_scan"

    def as_json(self) -> dict[str, object]:
        return {
            "code": self.code,
            "procedure": self.procedure,
            "procedure_code": self.procedure_code,
            "applicant_name": self.applicant_name,
            "applicant_id_number": self.applicant_id_number,
            "receiving_unit": self.receiving_unit,
            "received_date": self.received_date.isoformat() if self.received_date else None,
            "status": self.status,
            "origin": self.origin,
        }


class RecordBook(Protocol):
    """Where dossier records live: a database in the service, anything in tests."""

    def find(self, code: str) -> DossierRecord | None: ...

    def add(self, record: DossierRecord) -> DossierRecord: ...


@dataclass(frozen=True, slots=True)
class Link:
    record: DossierRecord
    created: bool  # no record existed: made from what the documents say
    mismatches: tuple[str, ...]


def read_record(dossier: Dossier, code: str) -> DossierRecord:
    """A record made from what the dossier's documents say."""
    procedure_key = dossier.procedure
    document = next((d for d in dossier.documents if d.procedure == procedure_key), None)
    name = _field(dossier, "applicant_name")
    return DossierRecord(
        code=code,
        procedure=procedure_key,
        procedure_code=(document.procedure_code or None) if document else None,
        applicant_name=str(name) if name else None,
        applicant_id_number=_id_number(dossier),
        origin="from_scan",
    )


def link_dossier(dossier: Dossier, book: RecordBook) -> Link | None:
    """The dossier's record (made when missing) and where it disagrees with the papers."""
    code = dossier.reading.code
    if code is None:
        return None  # an undecided code is for a reviewer, not for linking
    record = book.find(code)
    if record is None:
        return Link(book.add(read_record(dossier, code)), True, ())
    return Link(record, False, tuple(mismatches(record, dossier)))


def mismatches(record: DossierRecord, dossier: Dossier) -> list[str]:
    """Where the record and the papers disagree.

    The record's applicant must be among the people the papers name, not necessarily
    the first: a marriage form names both parties, a dossier holds the ID cards of
    several people, and the record may name either.
    """
    found = []
    procedure = dossier.procedure
    if record.procedure and procedure and record.procedure != procedure:
        found.append(f"procedure: record says {record.procedure}, documents say {procedure}")
    names = _people(dossier, _is_person_name)
    # A name read unsurely (flagged for review anyway) that is the record's still
    # agrees with it: the record is not wrong because the scan was hard to read.
    read = map(fold, _people(dossier, _is_person_name, reliable_only=False))
    if record.applicant_name and names and fold(record.applicant_name) not in read:
        found.append(
            f"applicant: record says {record.applicant_name}, documents name {', '.join(names)}"
        )
    numbers = _people(dossier, lambda name: name.endswith("id_number"))
    if record.applicant_id_number and numbers and record.applicant_id_number not in numbers:
        found.append(
            f"ID number: record says {record.applicant_id_number}, "
            f"documents have {', '.join(numbers)}"
        )
    return found


def _is_person_name(field_name: str) -> bool:
    return field_name.endswith("_name") and field_name not in _NOT_PEOPLE


_NOT_PEOPLE = frozenset({"business_name", "procedure_name"})


def _people(
    dossier: Dossier, wanted: Callable[[str], bool], *, reliable_only: bool = True
) -> list[str]:
    """Reliable values (or all values read), in order and each once, of the fields
    `wanted` picks."""
    values: list[str] = []
    for document in dossier.documents:
        for name, item in document.fields.items():
            reliable = not item.review or not reliable_only
            if wanted(name) and item.value is not None and reliable:
                value = str(item.value)
                if value not in values:
                    values.append(value)
    return values


def _field(dossier: Dossier, name: str) -> object | None:
    """The first reliable value of a field among the dossier's documents, receipt first."""
    for document in dossier.documents:
        item = document.fields.get(name)
        if item is not None and item.value is not None and not item.review:
            return item.value
    return None


def _id_number(dossier: Dossier) -> str | None:
    """The applicant's ID number: from a paper that names the applicant beside it.

    A dossier holds other people's numbers too (a child's birth certificate, a
    spouse's card), so a number counts only next to the applicant's own name.
    """
    applicant = _field(dossier, "applicant_name")
    if applicant is None:
        return None
    for document in dossier.documents:
        name = document.fields.get("applicant_name")
        number = document.fields.get("id_number")
        if (
            name is not None
            and number is not None
            and name.value is not None
            and number.value is not None
            and not number.review
            and fold(str(name.value)) == fold(str(applicant))
        ):
            return str(number.value)
    return None
