"""The procedure catalogue: procedures and document types, loaded from data files.

Staff edit the TOML files (see `digitize/data/catalogue/README.md`); this module reads
them, checks every entry and every cross-reference, and refuses a catalogue with
problems, listing all of them with the file and entry they are in.
"""

from __future__ import annotations

import re
import tomllib
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from digitize.errors import DigitizeError

DEFAULT_CATALOGUE = Path(__file__).resolve().parent.parent / "data" / "catalogue"
_KEY = re.compile(r"^[a-z][a-z0-9_]*$")
_Model = TypeVar("_Model", bound=BaseModel)


class CatalogueError(DigitizeError):
    """The catalogue files have problems; `problems` lists each one."""

    def __init__(self, problems: Iterable[str]) -> None:
        self.problems = tuple(problems)
        super().__init__("the catalogue has problems:\n  " + "\n  ".join(self.problems))


class FieldKind(StrEnum):
    NAME = "name"
    DATE = "date"
    YEAR = "year"
    SEX = "sex"
    ID_NUMBER = "id_number"
    PHONE = "phone"
    MONEY = "money"
    AREA = "area"
    INTEGER = "integer"
    DOSSIER_CODE = "dossier_code"
    TEXT = "text"
    ADDRESS = "address"


class Category(StrEnum):
    DECLARATION = "declaration"
    CERTIFICATE = "certificate"
    IDENTITY = "identity"
    RECEIPT = "receipt"
    OTHER = "other"


def _nfc(value: Any) -> Any:
    if isinstance(value, str):
        return unicodedata.normalize("NFC", value).strip()
    if isinstance(value, list):
        return [_nfc(item) for item in value]
    return value


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class FieldSpec(_Strict):
    name: str
    kind: FieldKind
    labels: tuple[str, ...] = ()
    required: bool = False
    occurrence: int = Field(1, ge=1)
    check_with: tuple[str, ...] = ()
    # Section headings (as printed, matched without diacritics) under which the label
    # is read: "THÔNG TIN CỦA CHA", "BÊN NỮ"; `occurrence` counts within them.
    sections: tuple[str, ...] = ()
    # Words every value of the field opens with, by law ("Hộ kinh doanh …": a household
    # business's name): such a value is the field's wherever it stands after a colon.
    opens_with: tuple[str, ...] = ()

    _nfc = field_validator("labels", "sections", "opens_with", mode="before")(_nfc)

    @field_validator("name")
    @classmethod
    def _key(cls, value: str) -> str:
        if not _KEY.match(value):
            raise ValueError(f"field name {value!r} is not lower-case ASCII with _")
        return value


class ComponentDocument(_Strict):
    doc_type: str = ""
    name: str = ""
    required: bool = False


class DocumentType(_Strict):
    key: str
    name: str
    category: Category
    procedures: tuple[str, ...] = ()
    titles: tuple[str, ...] = ()
    form_numbers: tuple[str, ...] = ()
    keywords: tuple[str, ...] = ()
    holder: str = ""
    holder_id: str = ""
    number_field: str = ""  # the field that is the document's number (số, ký hiệu)
    scope: str = ""  # where it is valid (phạm vi hiệu lực), for papers that say so
    procedure_field: str = ""
    fields: tuple[FieldSpec, ...] = ()
    # Labels printed on the form that no field reads: they end the value before them
    # ("… chủ hộ: Nguyễn Văn An 8. Mối quan hệ với chủ hộ: Vợ", issue 13).
    other_labels: tuple[str, ...] = ()
    # Headings of the blocks of people no field's `sections` names ("THÔNG TIN CỦA NGƯỜI
    # ĐÃ CHẾT"): a field placed by its `sections` never reads a label under them, even
    # where the form heads its own block otherwise ("THÔNG TIN NGƯỜI KHAI").
    other_people: tuple[str, ...] = ()
    # Archive metadata (TT 05/2025/TT-BNV): how long the copy is kept (years, or
    # "permanent"; None when the catalogue does not say) and who may read it.
    retention: int | Literal["permanent"] | None = None
    access: Literal["public", "restricted"] = "restricted"

    @property
    def procedure_result(self) -> bool:
        """A paper an authority issued (certificate, licence): the result of a procedure,
        which Luật Giao dịch điện tử 2023 (Điều 12) wants signed by the converting body."""
        return self.category is Category.CERTIFICATE

    _nfc = field_validator(
        "name",
        "scope",
        "titles",
        "form_numbers",
        "keywords",
        "other_labels",
        "other_people",
        mode="before",
    )(_nfc)

    def field(self, name: str) -> FieldSpec | None:
        return next((spec for spec in self.fields if spec.name == name), None)


class Procedure(_Strict):
    key: str
    name: str
    code: str = ""
    code_certainty: Literal["law", "seen", "conflicting", "unknown"]
    code_note: str = ""
    field: str
    level: tuple[Literal["commune", "district", "province"], ...]
    cues: tuple[str, ...] = ()
    documents: tuple[ComponentDocument, ...] = ()

    _nfc = field_validator("name", "field", "cues", mode="before")(_nfc)

    @field_validator("code")
    @classmethod
    def _code(cls, value: str) -> str:
        if value and not re.fullmatch(r"\d\.\d{6}", value):
            raise ValueError(f"code {value!r} is not of the form 1.001193")
        return value


@dataclass(frozen=True, slots=True)
class Catalogue:
    procedures: dict[str, Procedure]
    document_types: dict[str, DocumentType]
    provinces: dict[str, str]

    def procedure(self, key: str | None) -> Procedure | None:
        return self.procedures.get(key) if key else None


def load_catalogue(directory: Path | None = None) -> Catalogue:
    """Read and check the catalogue in `directory` (default: the packaged one)."""
    directory = directory or DEFAULT_CATALOGUE
    problems: list[str] = []
    procedures: dict[str, Procedure] = {}
    for key, entry in _read_toml(directory / "procedures.toml", problems).items():
        if (procedure := _build(Procedure, "procedures.toml", key, entry, problems)) is not None:
            procedures[key] = procedure
    document_types: dict[str, DocumentType] = {}
    type_dir = directory / "document_types"
    type_files = sorted(type_dir.glob("*.toml")) if type_dir.is_dir() else []
    if not type_files:
        problems.append(f"{type_dir}: no document type files")
    for path in type_files:
        entry = _read_toml(path, problems)
        where = f"document_types/{path.name}"
        if entry and (doc := _build(DocumentType, where, path.stem, entry, problems)):
            document_types[path.stem] = doc
    provinces_raw = _read_toml(directory / "provinces.toml", problems).get("codes", {})
    provinces = {str(code): _nfc(name) for code, name in provinces_raw.items()}
    problems += _cross_check(procedures, document_types, provinces)
    if problems:
        raise CatalogueError(problems)
    return Catalogue(procedures, document_types, provinces)


def _read_toml(path: Path, problems: list[str]) -> dict[str, Any]:
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except FileNotFoundError:
        problems.append(f"{path}: missing")
    except tomllib.TOMLDecodeError as exc:
        problems.append(f"{path}: not valid TOML ({exc})")
    except OSError as exc:
        problems.append(f"{path}: cannot be read ({exc.strerror})")
    return {}


def _build(
    model: type[_Model], where: str, key: str, entry: Any, problems: list[str]
) -> _Model | None:
    if not _KEY.match(key):
        problems.append(f"{where} [{key}]: the key must be lower-case ASCII letters, digits, _")
        return None
    if not isinstance(entry, dict):
        problems.append(f"{where} [{key}]: expected a table of settings")
        return None
    try:
        return model.model_validate({**entry, "key": key})
    except ValidationError as exc:
        for error in exc.errors():
            place = ".".join(str(part) for part in error["loc"])
            problems.append(f"{where} [{key}] {place}: {error['msg']}")
        return None


def _cross_check(
    procedures: dict[str, Procedure],
    document_types: dict[str, DocumentType],
    provinces: dict[str, str],
) -> list[str]:
    problems = []
    for key, procedure in procedures.items():
        for document in procedure.documents:
            if not document.doc_type and not document.name:
                problems.append(
                    f"procedures.toml [{key}]: a document has neither doc_type nor name"
                )
            if document.doc_type and document.doc_type not in document_types:
                problems.append(
                    f"procedures.toml [{key}]: unknown document type {document.doc_type!r}"
                )
        if not procedure.cues:
            problems.append(f"procedures.toml [{key}]: no cues to recognise it in a text")
    for key, doc in document_types.items():
        where = f"document_types/{key}.toml"
        for procedure_key in doc.procedures:
            if procedure_key not in procedures:
                problems.append(f"{where}: unknown procedure {procedure_key!r}")
        if not doc.titles and not doc.form_numbers:
            problems.append(f"{where}: needs a title or a form number to be recognised")
        names = [spec.name for spec in doc.fields]
        seen: set[str] = set()
        for name in names:
            if name in seen:
                problems.append(f"{where}: field {name!r} listed twice")
            seen.add(name)
        for spec in doc.fields:
            for other in spec.check_with:
                if other not in seen:
                    problems.append(f"{where}: {spec.name} is checked with unknown {other!r}")
        for attribute in ("holder", "holder_id", "number_field", "procedure_field"):
            value = getattr(doc, attribute)
            if value and value not in seen:
                problems.append(f"{where}: {attribute} names {value!r}, which is not a field")
    for code in provinces:
        if not re.fullmatch(r"\d{3}", code):
            problems.append(f"provinces.toml: province code {code!r} is not three digits")
    return problems
