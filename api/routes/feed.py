"""The change feed: dossiers (and their documents) changed since a cursor (service/feed.py)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, Field

from api.bounds import NO_NUL
from api.deps import SessionDep, require
from api.schemas import Problem
from models import ApiClient
from service import feed
from service.auth import Permission

router = APIRouter(tags=["dossiers"])
Reader = Annotated[ApiClient, Depends(require(Permission.READ_DOSSIERS))]


class ChangedDocumentPublic(BaseModel):
    id: int
    doc_type: str
    changed: bool = Field(description="changed (or attached) after `changed_since`")
    link: str


class ChangedDossierPublic(BaseModel):
    code: str
    procedure: str | None
    procedure_code: str | None
    receiving_unit: str | None
    received_date: date | None
    status: str
    digitised_at: datetime | None
    updated_at: datetime
    documents: list[ChangedDocumentPublic]
    link: str


class DossierFeed(BaseModel):
    items: list[ChangedDossierPublic] = Field(
        description="dossiers changed after `changed_since`, oldest change first, each "
        "once, as they are now"
    )
    next: str = Field(description="pass as `changed_since` for the next page; keep it")
    more: bool = Field(description="more changes can be listed now: ask again at once")


@router.get(
    "/dossiers",
    response_model=DossierFeed,
    responses={401: {"model": Problem}, 403: {"model": Problem}, 422: {"model": Problem}},
)
def changed_dossiers(
    session: SessionDep,
    _client: Reader,
    changed_since: Annotated[
        str | None,
        Query(
            max_length=200,
            pattern=NO_NUL,
            description="`next` of the previous page; leave out to start from the beginning",
        ),
    ] = None,
    receiving_unit: Annotated[str | None, Query(max_length=200, pattern=NO_NUL)] = None,
    status: Annotated[str | None, Query(max_length=32, pattern=NO_NUL)] = None,
    limit: Annotated[int, Query(ge=1, le=feed.MAX_LIMIT)] = 100,
) -> DossierFeed:
    """Dossiers changed since a point, to catch up after downtime or missed webhooks:
    a change of the record, of one of its documents or their fields, or a document
    attached. Stable while others write: no change is missed or listed twice."""
    since = feed.START if changed_since is None else feed.decode_cursor(changed_since)
    page = feed.changed_dossiers(
        session, since, receiving_unit=receiving_unit, status=status, limit=limit
    )
    return DossierFeed(
        items=[_item(item) for item in page.items],
        next=feed.encode_cursor(page.next),
        more=page.more,
    )


def _item(item: feed.ChangedDossier) -> ChangedDossierPublic:
    row = item.dossier
    return ChangedDossierPublic(
        code=row.code,
        procedure=row.procedure,
        procedure_code=row.procedure_code,
        receiving_unit=row.receiving_unit,
        received_date=row.received_date,
        status=row.status,
        digitised_at=row.digitised_at,
        updated_at=row.updated_at,
        documents=[
            ChangedDocumentPublic(
                id=d.id, doc_type=d.doc_type, changed=d.changed, link=f"/api/v1/documents/{d.id}"
            )
            for d in item.documents
        ],
        link=f"/api/v1/dossiers/{row.code}",
    )
