"""Uploads (batches): send scans, follow their progress, requeue what failed."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.concurrency import run_in_threadpool
from sqlalchemy.orm import Session

from api.deps import ServicesDep, SessionDep, require
from api.schemas import BatchPublic, Problem, batch_public
from api.uploads import read_upload
from models import ApiClient, Batch
from service import queries
from service.auth import Permission
from service.context import Services
from service.errors import UnavailableError
from service.ingest import ReceivedFile, checked_dossier_code, create_batch, discard_all
from service.processing import requeue_scan, settle_batch
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
    )
    try:
        code = checked_dossier_code(received.fields.get("dossier_code"))
    except Exception:
        discard_all(received.files)
        raise
    return await run_in_threadpool(_record_batch, services, received.files, client, code)


def _record_batch(
    services: Services, files: list[ReceivedFile], client: ApiClient, code: str | None
) -> BatchPublic:
    try:
        with services.writes.begin() as session:
            batch, new_scans = create_batch(
                session, services.store, files, client=client, dossier_code=code
            )
            settle_batch(session, batch)
    finally:
        discard_all(files)  # what was not moved into the store
    _queue(services, new_scans)
    with services.sessions() as session:
        return view(session, queries.get_batch(session, batch.id))


def _queue(services: Services, scan_ids: list[int]) -> None:
    if not scan_ids:
        return
    try:
        enqueue_scans(services.settings, scan_ids)
    except Exception as exc:  # Redis away: the files are stored; a requeue sends them again
        raise UnavailableError(
            f"the files are stored but the work queue cannot be reached ({exc}); "
            "retry with POST /api/v1/batches/{id}/retry"
        ) from exc


@router.get("", response_model=list[BatchPublic])
def list_batches(
    session: SessionDep,
    _client: Reviewer,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> list[BatchPublic]:
    return [view(session, b) for b in queries.list_batches(session, limit=limit, offset=offset)]


@router.get("/{batch_id}", response_model=BatchPublic, responses={404: {"model": Problem}})
def get_batch(batch_id: int, session: SessionDep, _client: Reviewer) -> BatchPublic:
    """Progress (pages done of total, failures) and, once done, the documents and dossiers."""
    return view(session, queries.get_batch(session, batch_id))


@router.post("/{batch_id}/retry", response_model=BatchPublic, responses={404: {"model": Problem}})
def retry_batch(batch_id: int, services: ServicesDep, client: Reviewer) -> BatchPublic:
    """Queue again the batch's files that failed, or that never reached the queue."""
    with services.writes.begin() as session:
        batch = queries.get_batch(session, batch_id)
        scans = []
        for item in batch.files:
            if requeue_scan(session, item.scan, actor=client.name) or item.scan.status == "queued":
                scans.append(item.scan_id)
    _queue(services, sorted(set(scans)))
    with services.sessions() as session:
        return view(session, queries.get_batch(session, batch_id))
