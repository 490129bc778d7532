"""Digitised copies with legal value (issue 19): checking a document's signature, and
a dossier's package for the archive."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, Field

from api.bounds import DossierCode, RowId
from api.deps import Principal, ServicesDep, SessionDep, client_or_citizen, require
from api.schemas import Problem
from models import ApiClient
from service import copies, queries, usecases
from service.auth import Permission
from service.errors import NotFoundError

router = APIRouter(tags=["copies"])
Reader = Annotated[Principal, Depends(client_or_citizen(Permission.READ_DOSSIERS))]
DossierReader = Annotated[ApiClient, Depends(require(Permission.READ_DOSSIERS))]


class Verification(BaseModel):
    ok: bool = Field(description="signed, intact, unchanged since, and trusted if roots are set")
    signed: bool
    intact: bool = Field(description="the signed bytes are unchanged and the signature is valid")
    changed_after_signing: bool
    signer: dict[str, str] | None
    signed_at: str | None
    trusted: bool | None = Field(description="null: no trust roots to check against")
    pdfa: bool | None = Field(description="still PDF/A-2b (null: not checked)")
    pdfa_problems: list[str]
    problems: list[str]


@router.get(
    "/documents/{document_id}/verify",
    response_model=Verification,
    responses={404: {"model": Problem}},
)
def verify(
    document_id: RowId, session: SessionDep, services: ServicesDep, reader: Reader
) -> Verification:
    """Whether the stored PDF's signature is intact, who signed it and when, whether it
    was changed after signing, and whether it is still PDF/A-2b."""
    document = usecases.read_document(services, session, reader, document_id)
    if document.pdf_key is None:
        raise NotFoundError(f"document {document_id} has no PDF (see its batch's warnings)")
    roots = copies.verification_roots(services.settings)
    check = copies.verify_stored(services.store, document.pdf_key, roots)
    return Verification.model_validate(check.as_json())


@router.get(
    "/dossiers/{code}/package",
    response_class=StreamingResponse,
    responses={200: {"content": {"application/zip": {}}}, 404: {"model": Problem}},
)
def package(
    code: DossierCode, session: SessionDep, services: ServicesDep, _client: DossierReader
) -> StreamingResponse:
    """The dossier for an archive or another system: a zip of its documents' signed PDFs
    with manifest.json and manifest.xml (the dossier and each document's metadata)."""
    dossier = queries.get_dossier(session, code)
    return StreamingResponse(
        copies.dossier_package(dossier, services.store),
        media_type="application/zip",
        headers={"Content-Disposition": f'attachment; filename="{_safe(code)}.zip"'},
    )


def _safe(code: str) -> str:
    # HTTP headers are Latin-1: the file name keeps ASCII letters and digits only.
    return "".join(c if (c.isascii() and c.isalnum()) or c in ".-_" else "_" for c in code)
