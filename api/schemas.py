"""What the API takes and gives, one family of schemas per resource, and how the
stored rows become them."""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from api.bounds import INT32_MAX, NO_NUL
from models import ApiClient, Batch, Document, Dossier, DossierDocument, Webhook
from models import Field as FieldRow
from service.destinations import MAX_URL_LENGTH
from service.queries import Progress

API = "/api/v1"
MAX_VALUE_CHARS = 2000  # a corrected field's value, as JSON


class Problem(BaseModel):
    """An error (application/problem+json)."""

    type: str = "about:blank"
    title: str
    status: int
    detail: str


# --- documents ------------------------------------------------------------------------


class Correction(BaseModel):
    value: Any
    by: str
    at: datetime


class FieldPublic(BaseModel):
    value: Any = Field(description="the value read, normalised (names NFC, dates YYYY-MM-DD)")
    confidence: float | None
    page: int | None = Field(description="page of the document the value is on")
    bbox: list[int] | None = Field(description="[x0, y0, x1, y1] in that page's image pixels")
    raw: str | None
    review: bool
    problems: list[str]
    corrected: Correction | None = None
    current: Any = Field(description="the corrected value if a person corrected it, else value")


class TableCellPublic(BaseModel):
    """A table cell, read as a field is (issue 13)."""

    value: Any = Field(description="the value read, normalised as a field's")
    confidence: float | None
    page: int | None = Field(description="page of the document the cell is on")
    bbox: list[int] | None = Field(description="[x0, y0, x1, y1] in that page's image pixels")
    raw: str | None
    review: bool
    problems: list[str]
    corrected: Correction | None = Field(None, description="a person's correction, if any")
    current: Any = Field(None, description="the corrected value if corrected, else value")


class TablePublic(BaseModel):
    """A table of the document read as rows (issue 13), e.g. CT01's household members."""

    name: str = Field(description="e.g. household_members")
    columns: list[str]
    pages: list[int] = Field(description="pages of the document the table is on")
    rows: list[dict[str, TableCellPublic]] = Field(description="{column: cell}, in paper order")


def tables_public(tables: list[dict[str, Any]] | None) -> list[TablePublic]:
    return [TablePublic.model_validate(_with_current(table)) for table in tables or ()]


def _with_current(table: dict[str, Any]) -> dict[str, Any]:
    def current(cell: dict[str, Any]) -> Any:
        corrected = cell.get("corrected")
        return corrected["value"] if corrected else cell.get("value")

    rows = [{name: {**cell, "current": current(cell)} for name, cell in row.items()}
            for row in table.get("rows") or ()]  # fmt: skip
    return {**table, "rows": rows}


class Procedure(BaseModel):
    key: str
    code: str | None
    name: str | None


class DocumentLinks(BaseModel):
    self: str
    pdf: str | None
    pages: list[str]
    thumbnails: list[str]


class DocumentPublic(BaseModel):
    id: int
    doc_type: str
    doc_type_name: str | None
    procedure: Procedure | None
    confidence: float
    procedure_confidence: float
    page_count: int
    checksum: str | None = Field(description="SHA-256 of the searchable PDF")
    size: int | None
    holder_id_number: str | None
    issue_date: date | None
    issuer: str | None
    valid_until: date | None
    review: list[str]
    fields: dict[str, FieldPublic]
    tables: list[TablePublic] = Field(
        default_factory=list, description="tables read as rows (issue 13); [] when none"
    )
    dossier_code: str | None = Field(description="the dossier it was scanned into")
    source: dict[str, Any] = Field(description="the scan it was cut from, and its pages there")
    links: DocumentLinks
    created_at: datetime
    metadata: dict[str, Any] | None = Field(
        None,
        description="TT 01/2023/TT-VPCP and TT 05/2025/TT-BNV metadata, as in the PDF's XMP",
    )
    mark: dict[str, Any] | None = Field(None, description="where the digitiser's mark is")
    signature: dict[str, Any] | None = Field(
        None, description="the unit's signature: signer and time (null: not signed)"
    )


def field_public(row: FieldRow) -> FieldPublic:
    corrected = (
        Correction(value=row.corrected_value, by=row.corrected_by, at=row.corrected_at)
        if row.corrected_by is not None and row.corrected_at is not None
        else None
    )
    return FieldPublic(
        value=row.value,
        confidence=row.confidence,
        page=row.page,
        bbox=row.bbox,
        raw=row.raw,
        review=row.review,
        problems=row.problems,
        corrected=corrected,
        current=row.current_value,
    )


def document_public(document: Document) -> DocumentPublic:
    base = f"{API}/documents/{document.id}"
    pages = range(1, len(document.pages) + 1)
    return DocumentPublic(
        id=document.id,
        doc_type=document.doc_type,
        doc_type_name=document.doc_type_name,
        procedure=(
            Procedure(
                key=document.procedure,
                code=document.procedure_code,
                name=document.procedure_name,
            )
            if document.procedure
            else None
        ),
        confidence=document.confidence,
        procedure_confidence=document.procedure_confidence,
        page_count=len(document.pages),
        checksum=document.checksum,
        size=document.size,
        holder_id_number=document.holder_id_number,
        issue_date=document.issue_date,
        issuer=document.issuer,
        valid_until=document.valid_until,
        review=document.review,
        fields={row.name: field_public(row) for row in document.fields},
        tables=tables_public(document.tables),
        dossier_code=document.dossier.code if document.dossier else None,
        source={"scan_id": document.scan_id, "pages": document.pages},
        links=DocumentLinks(
            self=base,
            pdf=f"{base}/pdf" if document.pdf_key else None,
            pages=[f"{base}/pages/{n}/image" for n in pages],
            thumbnails=[f"{base}/pages/{n}/image?size=thumbnail" for n in pages],
        ),
        created_at=document.created_at,
        **_copy_public(document),
    )


def _copy_public(document: Document) -> dict[str, Any]:
    """The copy's metadata, mark and signature (issue 19), as filed."""
    info = document.copy_info or {}
    return {key: info.get(key) for key in ("metadata", "mark", "signature")}


class FieldCorrectionIn(BaseModel):
    value: Any = Field(description="the right value, as the field's kind writes it")

    @field_validator("value")
    @classmethod
    def _bounded(cls, value: Any) -> Any:
        written = json.dumps(value, ensure_ascii=False)
        if len(written) > MAX_VALUE_CHARS:
            raise ValueError(f"a value has at most {MAX_VALUE_CHARS} characters")
        if "\\u0000" in written:
            raise ValueError("a value has no NUL characters")
        return value


# --- dossiers -------------------------------------------------------------------------


class RecordIn(BaseModel):
    """A dossier record as the one-stop system holds it."""

    model_config = ConfigDict(extra="forbid")

    procedure: str | None = Field(
        None, max_length=80, pattern=NO_NUL, description="catalogue key, e.g. dang_ky_khai_sinh"
    )
    procedure_code: str | None = Field(
        None, max_length=16, pattern=NO_NUL, description="national TTHC code, e.g. 1.001193"
    )
    applicant_name: str | None = Field(None, max_length=200, pattern=NO_NUL)
    applicant_id_number: str | None = Field(
        None, max_length=32, pattern=NO_NUL, description="12-digit personal ID number"
    )
    receiving_unit: str | None = Field(None, max_length=200, pattern=NO_NUL)
    received_date: date | None = None
    status: str = Field("received", min_length=1, max_length=32, pattern=NO_NUL)

    @field_validator("*", mode="before")
    @classmethod
    def _blank_is_none(cls, value: Any) -> Any:
        return None if isinstance(value, str) and not value.strip() else value


class AttachedDocument(BaseModel):
    attachment: str = Field(description="scanned into this dossier, or reused from another")
    reused_from: str | None = Field(description="the dossier it was first digitised for")
    reused_in: list[str] = Field(description="other dossiers that reuse it from this one")
    added_by: str | None
    added_at: datetime
    document: DocumentPublic


class DossierPublic(BaseModel):
    code: str
    procedure: str | None
    procedure_code: str | None
    applicant_name: str | None
    applicant_id_number: str | None
    receiving_unit: str | None
    received_date: date | None
    status: str
    origin: str = Field(description="imported from the one-stop system, or from_scan")
    review: list[str]
    digitised_at: datetime | None
    updated_at: datetime
    documents: list[AttachedDocument]


def dossier_public(
    dossier: Dossier, reused_in: dict[int, list[str]] | None = None
) -> DossierPublic:
    return DossierPublic(
        code=dossier.code,
        procedure=dossier.procedure,
        procedure_code=dossier.procedure_code,
        applicant_name=dossier.applicant_name,
        applicant_id_number=dossier.applicant_id_number,
        receiving_unit=dossier.receiving_unit,
        received_date=dossier.received_date,
        status=dossier.status,
        origin=dossier.origin,
        review=dossier.review,
        digitised_at=dossier.digitised_at,
        updated_at=dossier.updated_at,
        documents=[
            attached(a, (reused_in or {}).get(a.document_id, [])) for a in dossier.attachments
        ],
    )


def attached(attachment: DossierDocument, reused_in: list[str]) -> AttachedDocument:
    return AttachedDocument(
        attachment=attachment.origin,
        reused_from=attachment.reused_from.code if attachment.reused_from else None,
        reused_in=reused_in,
        added_by=attachment.added_by,
        added_at=attachment.added_at,
        document=document_public(attachment.document),
    )


# --- batches --------------------------------------------------------------------------


class ProgressPublic(BaseModel):
    files_total: int
    files_finished: int
    files_failed: int
    pages_total: int
    pages_done: int
    pages_failed: int


class FileDocument(BaseModel):
    id: int
    doc_type: str
    pages: list[int]
    dossier_code: str | None
    link: str


class BatchFilePublic(BaseModel):
    position: int
    filename: str
    duplicate: bool = Field(description="stored before: the earlier digitising is reused")
    sha256: str
    size: int
    format: str
    status: str
    error: str | None
    warnings: list[str]
    pages: int | None
    documents: list[FileDocument]
    dossiers: list[dict[str, Any]] = Field(description="a stack's dossiers, as split")
    unassigned_pages: list[int]


class BatchPublic(BaseModel):
    id: int
    status: str
    uploaded_by: str
    dossier_code: str | None
    created_at: datetime
    finished_at: datetime | None
    progress: ProgressPublic
    files: list[BatchFilePublic]
    links: dict[str, str]


def batch_public(
    batch: Batch, progress: Progress, documents: dict[int, list[Document]]
) -> BatchPublic:
    files = []
    for item in batch.files:
        scan = item.scan
        understanding = scan.understanding or {}
        files.append(
            BatchFilePublic(
                position=item.position,
                filename=item.filename,
                duplicate=item.duplicate,
                sha256=scan.sha256,
                size=scan.size,
                format=scan.format,
                status=scan.status,
                error=scan.error,
                warnings=scan.warnings,
                pages=scan.pages_total,
                documents=[
                    FileDocument(
                        id=d.id,
                        doc_type=d.doc_type,
                        pages=d.pages,
                        dossier_code=d.dossier.code if d.dossier else None,
                        link=f"{API}/documents/{d.id}",
                    )
                    for d in documents.get(scan.id, [])
                ],
                dossiers=understanding.get("dossiers", []),
                unassigned_pages=understanding.get("unassigned_pages", []),
            )
        )
    return BatchPublic(
        id=batch.id,
        status=batch.status,
        uploaded_by=batch.uploaded_by,
        dossier_code=batch.dossier_code,
        created_at=batch.created_at,
        finished_at=batch.finished_at,
        progress=progress_public(progress),
        files=files,
        links={"self": f"{API}/batches/{batch.id}"},
    )


def progress_public(progress: Progress) -> ProgressPublic:
    return ProgressPublic(
        files_total=progress.files_total,
        files_finished=progress.files_finished,
        files_failed=progress.files_failed,
        pages_total=progress.pages_total,
        pages_done=progress.pages_done,
        pages_failed=progress.pages_failed,
    )


# --- clients and webhooks -------------------------------------------------------------


class ClientIn(BaseModel):
    name: str = Field(min_length=1, max_length=200, pattern=NO_NUL)
    role: str = Field(max_length=16, description="archive, onestop or admin")


class ClientPublic(BaseModel):
    id: int
    name: str
    role: str
    key_prefix: str
    created_at: datetime
    revoked_at: datetime | None


class ClientCreated(ClientPublic):
    key: str = Field(description="the API key: shown this once, stored only as a hash")


def client_public(client: ApiClient) -> ClientPublic:
    return ClientPublic(
        id=client.id,
        name=client.name,
        role=client.role,
        key_prefix=client.key_prefix,
        created_at=client.created_at,
        revoked_at=client.revoked_at,
    )


class WebhookIn(BaseModel):
    url: str = Field(
        max_length=MAX_URL_LENGTH,
        pattern=NO_NUL,
        description="http(s) URL to POST events to: a public address, or one in a network "
        "the service lists (DIGITIZE_WEBHOOK_ALLOWED_NETWORKS); no credentials",
    )
    events: list[Annotated[str, Field(max_length=64)]] | None = Field(
        None, max_length=16, description="default: every event"
    )


class WebhookPublic(BaseModel):
    id: int
    url: str
    events: list[str]
    created_at: datetime


class WebhookCreated(WebhookPublic):
    secret: str = Field(description="signs each delivery: X-Digitize-Signature, HMAC-SHA256")


def webhook_public(hook: Webhook) -> WebhookPublic:
    return WebhookPublic(id=hook.id, url=hook.url, events=hook.events, created_at=hook.created_at)


# --- citizens -------------------------------------------------------------------------


class CitizenTokenIn(BaseModel):
    id_number: str = Field(max_length=32, description="the personal ID number of the citizen "
                           "the one-stop system has authenticated")  # fmt: skip


class CitizenToken(BaseModel):
    token: str = Field(description="send as 'Authorization: Bearer <token>'")
    token_type: str = "Bearer"
    expires_at: datetime
    id_number: str


class StoredDocument(BaseModel):
    """A document in the citizen's data store."""

    id: int
    doc_type: str
    doc_type_name: str | None
    number: str | None = Field(description="số, ký hiệu, where the paper has one")
    issue_date: date | None
    issuer: str | None
    valid_until: date | None
    scope: str | None = Field(description="phạm vi hiệu lực")
    valid: bool = Field(description="false once valid_until has passed")
    dossiers: list[str] = Field(description="dossiers it is part of")
    links: dict[str, str]


def stored_document(document: Document, dossiers: list[str], *, today: date) -> StoredDocument:
    base = f"{API}/documents/{document.id}"
    return StoredDocument(
        id=document.id,
        doc_type=document.doc_type,
        doc_type_name=document.doc_type_name,
        number=document.number,
        issue_date=document.issue_date,
        issuer=document.issuer,
        valid_until=document.valid_until,
        scope=document.scope,
        valid=document.valid_until is None or document.valid_until >= today,
        dossiers=dossiers,
        links={"self": base, "pdf": f"{base}/pdf"} if document.pdf_key else {"self": base},
    )


class ReuseIn(BaseModel):
    document_id: int = Field(
        ge=1, le=INT32_MAX, description="a document digitised before, to attach as it is"
    )
