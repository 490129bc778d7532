"""The application layer: what a person or a program asks of the service, one function
each, each opening its own unit of work.

The rule for transactions: a use case that writes opens the write transaction itself
(`services.writes.begin()`), once, and everything it changes lands in it or not at
all. Routes and jobs never open one: they check who asks, call a use case, and show
what it returns. Reads are queries (`service/queries.py`, `service/search.py`) on the
request's read-only session; after a write, a route reads the outcome in a fresh one.

The processing steps a queue runs (`service/processing.py`: split, process pages,
assemble) are use cases of the same kind: each opens its own short transactions,
around work done outside them. Queueing is the caller's: uploads and retries take
the queue as `enqueue`, so the service never imports the workers.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from datetime import date, datetime
from typing import Any, Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session

from digitize.understand.link import DossierRecord
from models import ApiClient, Database, Document, Field, Role, ScanStatus, Webhook
from service import citizens, processing, webhooks
from service import search as searching
from service.audit import record
from service.auth import create_client, revoke_client
from service.citizens import Citizen
from service.context import Services
from service.destinations import Network, parse_networks
from service.errors import NotFoundError, UnavailableError
from service.ingest import ReceivedFile, create_batch, discard_all
from service.queries import get_batch, get_document
from service.records import upsert_record
from service.review import correct_field

log = logging.getLogger(__name__)

Enqueue = Callable[[Sequence[int]], None]  # scans to digitise, onto the work queue


class Caller(Protocol):
    """Who uploads: an API client, or a staff member of the web application (id None)."""

    @property
    def id(self) -> int | None: ...
    @property
    def name(self) -> str: ...


# --- upload and process ---------------------------------------------------------------


def upload(
    services: Services,
    files: list[ReceivedFile],
    *,
    client: Caller,
    dossier_code: str | None,
    enqueue: Enqueue,
    one_dossier: bool = False,
) -> int:
    """Store uploaded files once each, record them as a batch and queue the scans new to
    the store; returns the batch's id. Spooled files not moved into the store are removed.
    `one_dossier`: the files are one dossier even without `dossier_code` (settled later)."""
    try:
        with services.writes.begin() as session:
            batch, new_scans = create_batch(
                session, services.store, files, client=client, dossier_code=dossier_code,
                one_dossier=one_dossier,
            )  # fmt: skip
            processing.settle_batch(session, batch)
            batch_id = batch.id
    finally:
        discard_all(files)
    _queue(new_scans, enqueue, batch_id)
    return batch_id


def retry_batch(services: Services, batch_id: int, *, actor: str, enqueue: Enqueue) -> None:
    """Queue again the batch's files that failed, or that never reached the queue."""
    with services.writes.begin() as session:
        batch = get_batch(session, batch_id)
        scans = []
        for item in batch.files:
            requeued = processing.requeue_scan(session, item.scan, actor=actor)
            if requeued or item.scan.status is ScanStatus.QUEUED:
                scans.append(item.scan_id)
    _queue(sorted(set(scans)), enqueue, batch_id)


def _queue(scan_ids: Sequence[int], enqueue: Enqueue, batch_id: int) -> None:
    if not scan_ids:
        return
    try:
        enqueue(scan_ids)
    except Exception as exc:  # Redis away: the files are stored; a requeue sends them again
        # The cause is logged, not answered: it names internal hosts and ports.
        log.warning("batch %s: the work queue cannot be reached (%s)", batch_id, type(exc).__name__)
        raise UnavailableError(
            "the files are stored but the work queue cannot be reached; "
            f"retry later with POST /api/v1/batches/{batch_id}/retry"
        ) from None


# --- search ---------------------------------------------------------------------------


def search(
    session: Session,
    text: str,
    *,
    procedure: str | None = None,
    doc_type: str | None = None,
    receiving_unit: str | None = None,
    status: str | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
    limit: int = 20,
    offset: int = 0,
) -> searching.Results:
    """Documents whose pages hold every word, phrase, number and code of `text`, best
    first (see `service/search.py`), under these filters (None: not filtered). A read:
    it runs on the caller's read session and opens no unit of work."""
    filters = searching.Filters(
        procedure=procedure,
        doc_type=doc_type,
        receiving_unit=receiving_unit,
        status=status,
        date_from=date_from,
        date_to=date_to,
    )
    return searching.search(session, text, filters, limit=limit, offset=offset)


# --- review ---------------------------------------------------------------------------


def review_field(
    services: Services, document_id: int, name: str, value: Any, *, client: ApiClient
) -> Field:
    """Correct a field of a document: the value read stays beside the correction."""
    with services.writes.begin() as session:
        document = get_document(session, document_id)
        doc_type = services.knowledge.catalogue.document_types.get(document.doc_type)
        return correct_field(
            session,
            document_id,
            name,
            value,
            actor=client.name,
            client_id=client.id,
            holder_id_field=doc_type.holder_id if doc_type else None,
        )


# --- dossiers: records and reuse ------------------------------------------------------


def store_record(
    services: Services, parsed: DossierRecord, *, client: ApiClient, given: dict[str, Any]
) -> tuple[str, bool]:
    """Create or update a dossier's record from the one-stop system; (its code, True if new)."""
    logged = dict(given)
    if logged.get("applicant_id_number"):  # the log holds the person's pseudonym only
        logged["applicant_id_number"] = citizens.citizen_tag(
            services.settings, str(logged["applicant_id_number"])
        )
    with services.writes.begin() as session:
        row, created = upsert_record(session, parsed)
        record(
            session,
            client.name,
            "dossier.create" if created else "dossier.update",
            "dossier",
            row.code,
            logged,
            client_id=client.id,
        )
        return row.code, created


def reuse(services: Services, code: str, document_id: int, *, by: ApiClient | Citizen) -> None:
    """Attach a document digitised before to dossier `code`, without copying it."""
    if isinstance(by, Citizen):
        citizen, actor, client_id = by, by.actor, None
    else:
        citizen, actor, client_id = None, by.name, by.id
    try:
        with services.writes.begin() as session:
            citizens.reuse_document(
                session, code, document_id, actor=actor, client_id=client_id, citizen=citizen
            )
    except NotFoundError as exc:
        if citizen is not None:  # a citizen reaching past their own: logged, as promised
            with services.writes.begin() as session:
                detail = {"token": citizen.token_id, "document": document_id, "reason": exc.detail}
                record(session, actor, "citizen.refused", "dossier", code, detail)
        raise


def read_document(
    services: Services, session: Session, principal: ApiClient | Citizen, document_id: int
) -> Document:
    """Document `document_id` as `principal` may see it, read on the request's `session`:
    any, for an API client (whose role the caller checked); for a citizen only their
    own. Reading a citizen's personal data, and every refusal, is logged."""
    if not isinstance(principal, Citizen):
        document = get_document(session, document_id)
        if document.holder_id_number is not None:  # a citizen's personal data, read
            with services.writes.begin() as audit:
                record(audit, principal.name, "document.read", "document", document.id,
                       client_id=principal.id)  # fmt: skip
        return document
    document = citizens.own_document(session, principal, document_id)
    if document is None:
        exists = session.get(Document, document_id) is not None
        with services.writes.begin() as audit:
            citizens.log_refusal(audit, principal, document_id, exists=exists)
        raise NotFoundError(f"no document {document_id}")
    with services.writes.begin() as audit:
        record(audit, principal.actor, "citizen.read", "document", document.id,
               {"token": principal.token_id})  # fmt: skip
    return document


def note_reads(services: Services, by: Citizen, document_ids: Sequence[int]) -> None:
    """A citizen's listing of their own documents, for the audit log."""
    with services.writes.begin() as session:
        record(session, by.actor, "citizen.list", "citizen", by.tag,
               {"token": by.token_id, "documents": list(document_ids)})  # fmt: skip


def note_refusal(
    services: Services, actor: str, status: int, reason: str, request: dict[str, str],
    *, client_id: int | None = None, extra: dict[str, object] | None = None,
) -> None:  # fmt: skip
    """A request refused for who sent it (401, 403), for the audit log."""
    detail = {**request, "reason": reason, **(extra or {})}
    with services.writes.begin() as session:
        record(session, actor, f"request.refused.{status}", "request", request.get("path", ""),
               detail, client_id=client_id)  # fmt: skip


def note_dossier_read(
    services: Services, actor: str, code: str, *, via: str, client_id: int | None = None
) -> None:
    """Someone read a dossier (its record names the applicant), for the audit log: who,
    which dossier (by its code), through what; never the applicant's details."""
    with services.writes.begin() as session:
        record(session, actor, "dossier.read", "dossier", code, {"via": via}, client_id=client_id)


def issue_citizen_token(
    services: Services, client: ApiClient, id_number: str
) -> tuple[str, datetime]:
    with services.writes.begin() as session:
        return citizens.issue_token(session, services.settings, client, id_number)


# --- clients and webhooks -------------------------------------------------------------


def list_clients(session: Session) -> list[ApiClient]:
    return list(session.scalars(select(ApiClient).order_by(ApiClient.id)))


def add_client(
    database: Database, name: str, role: Role | str, *, actor: str
) -> tuple[ApiClient, str]:
    """A new API client and its key (seen in clear only here); returns (client, key).
    Clients need only the database (the command line's `apikey` has no store)."""
    with database.writes.begin() as session:
        return create_client(session, name, role, actor=actor)


def remove_client(database: Database, client_id: int, *, actor: str) -> ApiClient:
    with database.writes.begin() as session:
        return revoke_client(session, client_id, actor=actor)


def add_webhook(
    services: Services,
    client: ApiClient,
    url: str,
    events: list[str] | None,
    *,
    actor: str | None = None,
) -> Webhook:
    """Register a webhook of `client`; `actor` is who does it for the client (an
    administrator of the web application), else the client itself."""
    with services.writes.begin() as session:
        return webhooks.register(
            session, client, url, events, networks=_networks(services), actor=actor
        )


def remove_webhook(
    services: Services, client: ApiClient, hook_id: int, *, actor: str | None = None
) -> None:
    with services.writes.begin() as session:
        webhooks.unregister(session, client, hook_id, actor=actor)


def deliver_webhook(services: Services, delivery_id: int) -> str | None:
    """One attempt at a webhook delivery; the reason it failed, or None."""
    with services.writes.begin() as session:
        return webhooks.deliver(
            session,
            delivery_id,
            timeout=services.settings.webhook_timeout,
            networks=_networks(services),
        )


def _networks(services: Services) -> list[Network]:
    return parse_networks(services.settings.webhook_allowed_networks)


def give_up_delivery(services: Services, delivery_id: int, reason: str) -> None:
    with services.writes.begin() as session:
        webhooks.give_up(session, delivery_id, reason)
