"""Digitised documents: metadata and fields, the searchable PDF, page images."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query
from fastapi.responses import StreamingResponse

from api.bounds import FieldName, PageNumber, RowId
from api.deps import Principal, ServicesDep, SessionDep, client_or_citizen, require
from api.schemas import (
    DocumentPublic,
    FieldCorrectionIn,
    FieldPublic,
    Problem,
    document_public,
    field_public,
)
from models import ApiClient
from service import queries, usecases
from service.auth import Permission
from service.errors import NotFoundError

router = APIRouter(prefix="/documents", tags=["documents"])
Reader = Annotated[Principal, Depends(client_or_citizen(Permission.READ_DOSSIERS))]
Reviewer = Annotated[ApiClient, Depends(require(Permission.REVIEW))]
_CHUNK = 1 << 16


@router.get("/{document_id}", response_model=DocumentPublic, responses={404: {"model": Problem}})
def get_document(
    document_id: RowId, session: SessionDep, services: ServicesDep, reader: Reader
) -> DocumentPublic:
    """A document; a citizen token reaches only the citizen's own."""
    return document_public(usecases.read_document(services, session, reader, document_id))


@router.get(
    "/{document_id}/pdf",
    response_class=StreamingResponse,
    responses={200: {"content": {"application/pdf": {}}}, 404: {"model": Problem}},
)
def get_pdf(
    document_id: RowId, session: SessionDep, services: ServicesDep, reader: Reader
) -> StreamingResponse:
    """The searchable PDF (PDF/A-2b): the page images with the invisible text layer."""
    document = usecases.read_document(services, session, reader, document_id)
    if document.pdf_key is None:
        raise NotFoundError(f"document {document_id} has no PDF (see its batch's warnings)")
    return _stream(
        services, document.pdf_key, "application/pdf", f"document-{document.id}.pdf",
        etag=document.checksum,
    )  # fmt: skip


@router.get(
    "/{document_id}/pages/{number}/image",
    response_class=StreamingResponse,
    responses={200: {"content": {"image/jpeg": {}}}, 404: {"model": Problem}},
)
def get_page_image(
    document_id: RowId,
    number: PageNumber,
    session: SessionDep,
    services: ServicesDep,
    reader: Reader,
    size: Annotated[Literal["preview", "thumbnail"], Query()] = "preview",
) -> StreamingResponse:
    """Page `number` (1-based, in the document) as JPEG: upright and straightened."""
    document = usecases.read_document(services, session, reader, document_id)
    page = queries.document_page(session, document, number)
    key = page.thumbnail_key if size == "thumbnail" else page.preview_key
    if key is None:
        raise NotFoundError(f"page {number} of document {document_id} has no image")
    return _stream(services, key, "image/jpeg", f"document-{document.id}-page-{number}.jpg")


@router.patch(
    "/{document_id}/fields/{name}",
    response_model=FieldPublic,
    responses={404: {"model": Problem}},
)
def correct(
    document_id: RowId,
    name: FieldName,
    body: FieldCorrectionIn,
    services: ServicesDep,
    client: Reviewer,
) -> FieldPublic:
    """Correct a field: the value read stays beside the correction, who and when."""
    return field_public(
        usecases.review_field(services, document_id, name, body.value, client=client)
    )


def _stream(
    services: ServicesDep, key: str, media_type: str, filename: str, etag: str | None = None
) -> StreamingResponse:
    handle = services.store.open(key)

    def chunks() -> object:
        with handle:
            while chunk := handle.read(_CHUNK):
                yield chunk

    headers = {
        "Content-Disposition": f'inline; filename="{filename}"',
        "Content-Length": str(services.store.size(key)),
    }
    if etag:
        headers["ETag"] = f'"{etag}"'
    return StreamingResponse(chunks(), media_type=media_type, headers=headers)  # type: ignore[arg-type]
