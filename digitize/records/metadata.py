"""The metadata of a digitised document, as TT 01/2023/TT-VPCP and TT 05/2025/TT-BNV ask.

TT 01/2023 lists the minimum metadata of a digitised document: document type code,
the holder's personal ID number (or tax code), the document's name, number and
symbol, issue date, issuing body, summary (trích yếu), validity period and scope.
TT 05/2025 adds what an archive files by: retention period, access level, language,
page count, the dossier's code. Values come from the document's fields (only those
not flagged for review: a guess never enters the record) and from the catalogue;
what is not known stays empty, never invented.

The same values go into the PDF's XMP (COPY_SCHEMA, described there as a PDF/A
extension schema), the JSON result and the API.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime

from digitize.pdf.xmp import XmpProperty, XmpSchema
from digitize.understand.catalogue import DocumentType
from digitize.understand.documents import UnderstoodDocument

COPY_SCHEMA = XmpSchema(
    title="Siêu dữ liệu bản số hóa (TT 01/2023/TT-VPCP, TT 05/2025/TT-BNV)",
    namespace="urn:digitize:xmp:ban-so-hoa:1.0#",
    prefix="bansohoa",
    properties=(
        XmpProperty("documentTypeCode", "Mã loại giấy tờ (khóa trong danh mục)"),
        XmpProperty("documentName", "Tên giấy tờ"),
        XmpProperty("holderId", "Số định danh cá nhân hoặc mã số thuế của chủ thể"),
        XmpProperty("holderIdKind", "personal_id hoặc tax_code"),
        XmpProperty("holderName", "Họ tên hoặc tên tổ chức của chủ thể"),
        XmpProperty("numberAndSymbol", "Số, ký hiệu"),
        XmpProperty("issueDate", "Ngày ban hành (YYYY-MM-DD)"),
        XmpProperty("issuer", "Cơ quan ban hành"),
        XmpProperty("summary", "Trích yếu nội dung"),
        XmpProperty("validUntil", "Thời hạn hiệu lực: đến ngày (YYYY-MM-DD)"),
        XmpProperty("validityScope", "Phạm vi hiệu lực"),
        XmpProperty("dossierCode", "Mã hồ sơ"),
        XmpProperty("retentionPeriod", "Thời hạn lưu trữ"),
        XmpProperty("accessLevel", "Mức độ tiếp cận"),
        XmpProperty("language", "Ngôn ngữ (ISO 639-1)"),
        XmpProperty("pageCount", "Số trang", "Integer"),
        XmpProperty("digitisingUnit", "Đơn vị số hóa"),
        XmpProperty("digitisedBy", "Người số hóa"),
        XmpProperty("digitisedAt", "Thời gian số hóa (ISO 8601)"),
    ),
)

_ACCESS = {"public": "Công khai", "restricted": "Hạn chế"}


@dataclass(frozen=True)
class CopyMetadata:
    """One document's record metadata; "" where unknown."""

    document_type_code: str
    document_name: str
    holder_id: str = ""
    holder_id_kind: str = ""
    holder_name: str = ""
    number_and_symbol: str = ""
    issue_date: str = ""
    issuer: str = ""
    summary: str = ""
    valid_until: str = ""
    validity_scope: str = ""
    dossier_code: str = ""
    retention_period: str = ""
    access_level: str = ""
    language: str = "vi"
    page_count: int = 0
    digitising_unit: str = ""
    digitised_by: str = ""
    digitised_at: str = ""

    def as_json(self) -> dict[str, str | int]:
        return asdict(self)

    def xmp_values(self) -> dict[str, str | int]:
        """The values under COPY_SCHEMA's property names (camelCase)."""
        values: dict[str, str | int] = {}
        for key, value in asdict(self).items():
            head, *rest = key.split("_")
            values[head + "".join(part.title() for part in rest)] = value
        return values

    @classmethod
    def from_xmp(cls, values: dict[str, str]) -> CopyMetadata:
        """Back from the XMP (what read_schema gives)."""
        names = {key.replace("_", ""): key for key in cls.__dataclass_fields__}
        found: dict[str, str | int] = {}
        for name, value in values.items():
            key = names.get(name.lower())
            if key is not None:
                found[key] = int(value) if key == "page_count" and value.isdigit() else value
        return cls(**found)  # type: ignore[arg-type]


def retention_text(doc_type: DocumentType | None) -> str:
    if doc_type is None or doc_type.retention is None:
        return ""
    if doc_type.retention == "permanent":
        return "Vĩnh viễn"
    return f"{doc_type.retention} năm"


def _id_kind(field_name: str) -> str:
    return "tax_code" if "tax" in field_name else "personal_id"


def _confirmed(document: UnderstoodDocument, name: str) -> str:
    """A field's value if it was read and not flagged for review, else ""."""
    found = document.fields.get(name) if name else None
    if found is None or found.review or found.value is None:
        return ""
    return str(found.value)


def copy_metadata(
    document: UnderstoodDocument,
    doc_type: DocumentType | None,
    *,
    page_count: int,
    unit: str,
    digitised_by: str,
    digitised_at: datetime,
    dossier_code: str | None = None,
    language: str = "vi",
) -> CopyMetadata:
    """The metadata of `document` from its fields and its catalogue entry."""
    name = document.doc_type_name or (doc_type.name if doc_type else "") or ""
    holder_field = doc_type.holder_id if doc_type else ""
    holder_id = _confirmed(document, holder_field)
    holder_name = _confirmed(document, doc_type.holder) if doc_type else ""
    number = _confirmed(document, doc_type.number_field) if doc_type else ""
    summary = name
    if summary and holder_name:
        summary += f" của {holder_name}"
    if summary and number:
        summary += f", số {number}"
    return CopyMetadata(
        document_type_code=document.doc_type,
        document_name=name,
        holder_id=holder_id,
        holder_id_kind=_id_kind(holder_field) if holder_id else "",
        holder_name=holder_name,
        number_and_symbol=number,
        issue_date=_confirmed(document, "document_date"),
        issuer=_confirmed(document, "issuer"),
        summary=summary,
        valid_until=_confirmed(document, "valid_until"),
        validity_scope=doc_type.scope if doc_type else "",
        dossier_code=dossier_code or "",
        retention_period=retention_text(doc_type),
        access_level=_ACCESS[doc_type.access] if doc_type else "",
        language=language,
        page_count=page_count,
        digitising_unit=unit,
        digitised_by=digitised_by,
        digitised_at=digitised_at.isoformat(timespec="seconds"),
    )
