"""Full-text search over the documents' OCR text and fields (service/search.py)."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, Field

from api.bounds import NO_NUL, query_text
from api.deps import SessionDep, require
from api.schemas import API, Problem, Procedure
from digitize.search_text import MAX_QUERY_CHARS
from models import ApiClient
from service import search as searching
from service import usecases
from service.auth import Permission

router = APIRouter(tags=["search"])
Searcher = Annotated[ApiClient, Depends(require(Permission.SEARCH))]


class HitLinks(BaseModel):
    document: str
    page_image: str = Field(description="the page the hit is on, as an image")
    pdf: str | None
    dossiers: list[str]


class HitPublic(BaseModel):
    document_id: int
    doc_type: str
    doc_type_name: str | None
    procedure: Procedure | None
    dossier_codes: list[str] = Field(description="the dossiers the document is in")
    page: int = Field(description="the page of the document the hit is on, 1-based")
    match: Literal["exact", "folded"] = Field(
        description="exact: every word typed with diacritics found with them (words "
        "typed without match any); folded: found only without them"
    )
    score: float | None = Field(
        description="relevance, to order this query's results only; null when too many "
        "pages match to score them (each tier is then newest first)"
    )
    snippet: str = Field(description="the page's text around the hit, on one line")
    highlights: list[tuple[int, int]] = Field(
        description="[start, end) character offsets of the hits in `snippet`"
    )
    snippet_html: str = Field(description="`snippet` as escaped HTML, each hit in <mark>")
    links: HitLinks


class SearchResults(BaseModel):
    query: str
    total: int = Field(description="documents matching, over all pages of results")
    total_exact: bool = Field(
        description="false when more pages match than the search counts "
        f"({searching.COUNT_LIMIT:,}): "
        "`total` is then a lower bound (at least that many documents match), and "
        "pages of results past it may still hold results"
    )
    limit: int
    offset: int
    results: list[HitPublic]


@router.get(
    "/search",
    response_model=SearchResults,
    responses={401: {"model": Problem}, 403: {"model": Problem}, 422: {"model": Problem}},
)
def search(
    session: SessionDep,
    _client: Searcher,
    q: Annotated[
        str,
        Query(
            min_length=1,
            max_length=MAX_QUERY_CHARS,
            pattern=NO_NUL,
            description='words (with or without diacritics), "quoted phrases", '
            "personal ID numbers and dossier codes, whole or their start",
        ),
    ],
    procedure: Annotated[
        str | None, query_text(80, "catalogue key or TTHC code, of the document or dossier")
    ] = None,
    doc_type: Annotated[str | None, query_text(80, "document type (catalogue key)")] = None,
    receiving_unit: Annotated[
        str | None, query_text(200, "a dossier's receiving unit: its name or identifier")
    ] = None,
    status: Annotated[str | None, query_text(32, "a dossier's status")] = None,
    date_from: Annotated[
        date | None, Query(description="a dossier received on or after this day")
    ] = None,
    date_to: Annotated[
        date | None, Query(description="a dossier received on or before this day")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=searching.MAX_LIMIT)] = 20,
    offset: Annotated[int, Query(ge=0, le=searching.MAX_OFFSET)] = 0,
) -> SearchResults:
    """Documents whose pages hold every word, phrase, number and code of `q`, the
    best first: exact matches (diacritics as typed) before matches without them, then
    words side by side as typed, then relevance. One result per document, at its best
    page, with a snippet of that page."""
    found = usecases.search(
        session,
        q,
        procedure=procedure,
        doc_type=doc_type,
        receiving_unit=receiving_unit,
        status=status,
        date_from=date_from,
        date_to=date_to,
        limit=limit,
        offset=offset,
    )
    return SearchResults(
        query=found.query.text,
        total=found.total,
        total_exact=found.total_exact,
        limit=limit,
        offset=offset,
        results=[_hit(hit) for hit in found.hits],
    )


def _hit(hit: searching.Hit) -> HitPublic:
    document = hit.document
    base = f"{API}/documents/{document.id}"
    return HitPublic(
        document_id=document.id,
        doc_type=document.doc_type,
        doc_type_name=document.doc_type_name,
        procedure=(
            Procedure(
                key=document.procedure, code=document.procedure_code, name=document.procedure_name
            )
            if document.procedure
            else None
        ),
        dossier_codes=hit.dossier_codes,
        page=hit.page,
        match="exact" if hit.exact else "folded",
        score=hit.score,
        snippet=hit.snippet.text,
        highlights=list(hit.snippet.highlights),
        snippet_html=hit.snippet.html(),
        links=HitLinks(
            document=base,
            page_image=f"{base}/pages/{hit.page}/image",
            pdf=f"{base}/pdf" if document.pdf_key else None,
            dossiers=[f"{API}/dossiers/{code}" for code in hit.dossier_codes],
        ),
    )
