"""The citizen's data store: tokens one-stop software obtains for a citizen it has
authenticated, and the citizen's own documents."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends
from fastapi.responses import StreamingResponse

from api.bounds import RowId
from api.deps import CitizenDep, ServicesDep, SessionDep, require
from api.routes.documents import get_pdf
from api.schemas import (
    CitizenToken,
    CitizenTokenIn,
    DocumentPublic,
    Problem,
    StoredDocument,
    document_public,
    stored_document,
)
from models import ApiClient
from models.base import utcnow
from service import citizens, usecases
from service.auth import Permission

router = APIRouter(tags=["citizens"])
Vouching = Annotated[ApiClient, Depends(require(Permission.CITIZEN_TOKENS))]


@router.post(
    "/citizen-tokens",
    status_code=201,
    response_model=CitizenToken,
    responses={422: {"model": Problem}},
)
def issue(body: CitizenTokenIn, services: ServicesDep, client: Vouching) -> CitizenToken:
    """A short-lived token bound to the citizen's personal ID number. The one-stop system
    authenticates the citizen itself (VNeID or at the counter) before asking for it."""
    token, expires = usecases.issue_citizen_token(services, client, body.id_number)
    return CitizenToken(token=token, expires_at=expires, id_number=body.id_number.strip())


@router.get("/citizen/documents", response_model=list[StoredDocument])
def list_own(
    session: SessionDep, services: ServicesDep, citizen: CitizenDep
) -> list[StoredDocument]:
    """Every document whose holder is the citizen: type, number, issue date, issuing
    body, validity and scope, and the dossiers it is part of."""
    today = utcnow().date()
    documents = citizens.documents_of(session, citizen)
    usecases.note_reads(services, citizen, [d.id for d in documents])
    return [stored_document(d, citizens.dossiers_of(session, d), today=today) for d in documents]


@router.get(
    "/citizen/documents/{document_id}",
    response_model=DocumentPublic,
    responses={404: {"model": Problem}},
)
def get_own(
    document_id: RowId, session: SessionDep, services: ServicesDep, citizen: CitizenDep
) -> DocumentPublic:
    """One of the citizen's documents; anyone else's is "not found", and logged."""
    return document_public(usecases.read_document(services, session, citizen, document_id))


@router.get(
    "/citizen/documents/{document_id}/pdf",
    response_class=StreamingResponse,
    responses={200: {"content": {"application/pdf": {}}}, 404: {"model": Problem}},
)
def get_own_pdf(
    document_id: RowId, session: SessionDep, services: ServicesDep, citizen: CitizenDep
) -> StreamingResponse:
    return get_pdf(document_id, session, services, citizen)
