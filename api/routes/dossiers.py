"""Dossier records: what one-stop software reads by dossier code, and writes."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Response
from sqlalchemy.orm import Session

from api.bounds import DossierCode
from api.deps import Principal, ServicesDep, SessionDep, client_or_citizen, require
from api.schemas import DossierPublic, Problem, RecordIn, ReuseIn, dossier_public
from models import ApiClient
from service import citizens, queries, usecases
from service.auth import Permission
from service.errors import InvalidInputError
from service.records import parse_record

router = APIRouter(prefix="/dossiers", tags=["dossiers"])
Reader = Annotated[ApiClient, Depends(require(Permission.READ_DOSSIERS))]
Writer = Annotated[ApiClient, Depends(require(Permission.WRITE_DOSSIERS))]
Reuser = Annotated[Principal, Depends(client_or_citizen(Permission.WRITE_DOSSIERS))]


@router.get("/{code}", response_model=DossierPublic, responses={404: {"model": Problem}})
def get_dossier(
    code: DossierCode, session: SessionDep, services: ServicesDep, client: Reader
) -> DossierPublic:
    """The record with its documents (scanned and reused), their types, procedure,
    fields and links to each PDF and page image. Each read is in the audit log."""
    view = _view(session, code)
    usecases.note_dossier_read(services, client.name, view.code, via="api", client_id=client.id)
    return view


def _view(session: Session, code: str) -> DossierPublic:
    dossier = queries.get_dossier(session, code)
    return dossier_public(dossier, citizens.reused_in(session, dossier))


@router.put(
    "/{code}",
    response_model=DossierPublic,
    responses={201: {"model": DossierPublic}, 422: {"model": Problem}},
)
def put_dossier(
    code: DossierCode, body: RecordIn, response: Response, services: ServicesDep, client: Writer
) -> DossierPublic:
    """Create or update the record from the one-stop system (it is the authority)."""
    try:
        parsed = parse_record({"dossier_code": code, **body.model_dump(mode="json")})
    except ValueError as exc:
        raise InvalidInputError(str(exc)) from None
    code, created = usecases.store_record(
        services, parsed, client=client, given=body.model_dump(mode="json")
    )
    response.status_code = 201 if created else 200
    with services.sessions() as session:
        return _view(session, code)


@router.post(
    "/{code}/documents",
    status_code=201,
    response_model=DossierPublic,
    responses={404: {"model": Problem}, 409: {"model": Problem}, 422: {"model": Problem}},
)
def reuse(
    code: DossierCode, body: ReuseIn, services: ServicesDep, principal: Reuser
) -> DossierPublic:
    """Attach a document digitised before (for another dossier, or kept in the citizen's
    store) without copying or scanning it again. One-stop clients may attach any; a
    citizen only their own, to their own dossier. Expired documents are refused."""
    usecases.reuse(services, code, body.document_id, by=principal)
    with services.sessions() as session:
        return _view(session, code)
