"""Uploads (batches): send scans, follow their progress, requeue what failed."""

from __future__ import annotations

import functools
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.concurrency import run_in_threadpool
from sqlalchemy.orm import Session

from api.bounds import Offset, RowId
from api.deps import ServicesDep, SessionDep, require
from api.schemas import BatchPublic, Problem, batch_public
from api.uploads import read_upload
from models import ApiClient, Batch
from service import queries, usecases
from service.auth import Permission
from service.context import Services
from service.ingest import ReceivedFile, checked_dossier_code, discard_all
from workers.queue import enqueue_scans

router = APIRouter(prefix="/batches", tags=["batches"])
Uploader = Annotated[ApiClient, Depends(require(Permission.UPLOAD))]
Reviewer = Annotated[ApiClient, Depends(require(Permission.REVIEW))]


def view(session: Session, batch: Batch) -> BatchPublic:
    documents = {f.scan_id: queries.documents_of_scan(session, f.scan_id) for f in batch.files}
    return batch_public(batch, queries.batch_progress(session, batch), documents)


@router.post(
    "",
    status_code=202,
    response_model=BatchPublic,
    responses={413: {"model": Problem}, 415: {"model": Problem}, 422: {"model": Problem}},
    summary="Upload scans (multipart: files=..., optional dossier_code=...)",
    openapi_extra={
        "requestBody": {
            "content": {
                "multipart/form-data": {
                    "schema": {
                        "type": "object",
                        "required": ["files"],
                        "properties": {
                            "files": {
                                "type": "array",
                                "items": {"type": "string", "format": "binary"},
                                "description": "PDF, TIFF, JPEG or PNG scans (checked by content)",
                            },
                            "dossier_code": {
                                "type": "string",
                                "description": "the dossier these files belong to, if known",
                            },
                        },
                    }
                }
            },
            "required": True,
        }
    },
)
async def upload(request: Request, services: ServicesDep, client: Uploader) -> BatchPublic:
    """Files are streamed to disk, checked to be scans by their bytes, stored once by
    SHA-256 (a file sent before is not digitised again), and queued for the workers."""
    settings = services.settings
    received = await read_upload(
        request,
        settings.data_dir / "incoming",
        max_file_bytes=int(settings.max_upload_mb * 1_000_000),
        max_files=settings.max_upload_files,
        max_fields=settings.max_form_fields,
    )
    try:
        code = checked_dossier_code(received.fields.get("dossier_code"))
    except Exception:
        discard_all(received.files)
        raise
    return await run_in_threadpool(_upload, services, received.files, client, code)


def _upload(
    services: Services, files: list[ReceivedFile], client: ApiClient, code: str | None
) -> BatchPublic:
    batch_id = usecases.upload(
        services, files, client=client, dossier_code=code, enqueue=_enqueue(services)
    )
    with services.sessions() as session:
        return view(session, queries.get_batch(session, batch_id))


def _enqueue(services: Services) -> usecases.Enqueue:
    return functools.partial(enqueue_scans, services.settings)


@router.get("", response_model=list[BatchPublic])
def list_batches(
    session: SessionDep,
    _client: Reviewer,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Offset = 0,
) -> list[BatchPublic]:
    return [view(session, b) for b in queries.list_batches(session, limit=limit, offset=offset)]


@router.get("/{batch_id}", response_model=BatchPublic, responses={404: {"model": Problem}})
def get_batch(batch_id: RowId, session: SessionDep, _client: Reviewer) -> BatchPublic:
    """Progress (pages done of total, failures) and, once done, the documents and dossiers."""
    return view(session, queries.get_batch(session, batch_id))


@router.post("/{batch_id}/retry", response_model=BatchPublic, responses={404: {"model": Problem}})
def retry_batch(batch_id: RowId, services: ServicesDep, client: Reviewer) -> BatchPublic:
    """Queue again the batch's files that failed, or that never reached the queue."""
    usecases.retry_batch(services, batch_id, actor=client.name, enqueue=_enqueue(services))
    with services.sessions() as session:
        return view(session, queries.get_batch(session, batch_id))
