"""The citizen's data store, and reusing a document digitised before (NĐ 45/2020:
"dẫn nguồn" from the citizen's own store instead of bringing paper again).

A document belongs to a person when its holder's personal ID number was read and
confirmed (the field passed its checks, or a person corrected it). The one-stop system
authenticates the citizen itself, then asks for a short-lived token bound to that
number; with it the citizen sees only their own documents. Asking for anyone else's
answers "not found", exactly as for a document that does not exist, and is logged.
"""

from __future__ import annotations

import contextlib
import hmac
import re
import secrets
import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

import jwt
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from config import Settings
from digitize.understand.checks import check_id_number
from models import ApiClient, Attachment, Document, Dossier, DossierDocument
from models.base import utcnow
from service.audit import record
from service.errors import ConflictError, InvalidInputError, NotFoundError
from service.queries import get_dossier
from service.search import refresh_facets

_AUDIENCE = "digitize:citizen"
_ALGORITHM = "HS256"
_KEY_FILE = "secret.key"
_ID_NUMBER = re.compile(r"[0-9]{12}")  # ASCII digits only


@dataclass(frozen=True, slots=True)
class Citizen:
    """Who a citizen token speaks for, and which one-stop client vouched for them."""

    id_number: str
    issued_by: str
    token_id: str
    client_id: int  # the client that vouched: its revocation ends the token
    tag: str  # a pseudonym for logs: the ID number is never written there

    @property
    def actor(self) -> str:
        return f"citizen {self.tag} (via {self.issued_by})"


def citizen_tag(settings: Settings, id_number: str) -> str:
    """The pseudonym logs use for a citizen: a keyed hash of the ID number, so the audit
    log can be searched for a person (compute the tag) without holding their number."""
    digest = hmac.new(signing_key(settings), b"citizen:" + id_number.encode(), "sha256")
    return "#" + digest.hexdigest()[:16]


def signing_key(settings: Settings) -> bytes:
    """DIGITIZE_SECRET_KEY, or a key made once for this installation in DATA_DIR.

    Several API servers must share one: set DIGITIZE_SECRET_KEY on all of them.
    """
    if settings.secret_key is not None:
        key = settings.secret_key.get_secret_value().encode("utf-8")
        if len(key) < 32:
            raise ValueError("DIGITIZE_SECRET_KEY must be at least 32 characters")
        return key
    path: Path = settings.data_dir / _KEY_FILE
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        temp = path.with_name(f".{_KEY_FILE}.{uuid.uuid4().hex}")
        temp.write_text(secrets.token_hex(32), encoding="ascii")
        temp.chmod(0o600)
        try:
            # A hard link puts the key in place only if no other process did first.
            with contextlib.suppress(FileExistsError):
                path.hardlink_to(temp)
        finally:
            temp.unlink(missing_ok=True)
    return path.read_text(encoding="ascii").strip().encode("ascii")


def issue_token(
    session: Session, settings: Settings, client: ApiClient, id_number: str
) -> tuple[str, datetime]:
    """A token for the citizen holding `id_number`, which the client has authenticated."""
    checked = check_id_number(id_number)
    if not checked.ok or checked.value is None or checked.value != id_number.strip():
        problems = "; ".join(checked.problems) or "not 12 digits"
        raise InvalidInputError(f"{id_number!r} is not a personal ID number ({problems})")
    now = utcnow()
    minutes = min(settings.citizen_token_minutes, settings.citizen_token_max_minutes)
    expires = now + timedelta(minutes=minutes)
    token_id = uuid.uuid4().hex
    claims = {
        "sub": checked.value,
        "aud": _AUDIENCE,
        "iat": int(now.timestamp()),
        "exp": int(expires.timestamp()),
        "jti": token_id,
        "by": client.name,
        "cid": client.id,
    }
    token = jwt.encode(claims, signing_key(settings), algorithm=_ALGORITHM)
    record(
        session, client.name, "citizen.token", "citizen", citizen_tag(settings, checked.value),
        {"token": token_id, "expires": expires.isoformat()}, client_id=client.id,
    )  # fmt: skip
    return token, expires


def read_token(settings: Settings, token: str) -> Citizen | None:
    """The citizen a token speaks for; None if it is forged, altered, expired, or made
    to live longer than DIGITIZE_CITIZEN_TOKEN_MAX_MINUTES (whoever holds the key could
    mint one for 2100). The caller checks that the vouching client is still active."""
    try:
        claims = jwt.decode(
            token,
            signing_key(settings),
            algorithms=[_ALGORITHM],
            audience=_AUDIENCE,
            options={"require": ["sub", "exp", "iat", "jti", "aud", "cid"]},
        )
    except jwt.PyJWTError:
        return None
    subject, issued, expires, client_id = (claims.get(k) for k in ("sub", "iat", "exp", "cid"))
    if not isinstance(subject, str) or not _ID_NUMBER.fullmatch(subject):
        return None
    if not all(type(v) is int for v in (issued, expires, client_id)):
        return None
    if expires - issued > settings.citizen_token_max_minutes * 60:
        return None
    tag = citizen_tag(settings, subject)
    return Citizen(subject, str(claims.get("by", "")), str(claims["jti"]), client_id, tag)


def documents_of(session: Session, citizen: Citizen) -> list[Document]:
    return list(
        session.scalars(
            select(Document)
            .where(Document.holder_id_number == citizen.id_number)
            .order_by(Document.id)
            .options(selectinload(Document.fields))
        )
    )


def own_document(session: Session, citizen: Citizen, document_id: int) -> Document | None:
    """The citizen's document `document_id`, or None: absent and someone else's look alike."""
    document = session.get(Document, document_id, options=[selectinload(Document.fields)])
    if document is None or document.holder_id_number != citizen.id_number:
        return None
    return document


def log_refusal(session: Session, citizen: Citizen, document_id: int, *, exists: bool) -> None:
    """An attempt at a document that is not the citizen's, for the audit log."""
    reason = "another person's document" if exists else "no such document"
    record(
        session, citizen.actor, "citizen.refused", "document", document_id,
        {"token": citizen.token_id, "reason": reason},
    )  # fmt: skip


def dossiers_of(session: Session, document: Document) -> list[str]:
    """Codes of the dossiers the document is part of, scanned or reused."""
    return list(
        session.scalars(
            select(Dossier.code)
            .join(DossierDocument, DossierDocument.dossier_id == Dossier.id)
            .where(DossierDocument.document_id == document.id)
            .order_by(Dossier.code)
        )
    )


def is_expired(document: Document, today: date) -> bool:
    return document.valid_until is not None and document.valid_until < today


def reuse_document(
    session: Session,
    code: str,
    document_id: int,
    *,
    actor: str,
    client_id: int | None = None,
    citizen: Citizen | None = None,
    today: date | None = None,
) -> DossierDocument:
    """Attach a document digitised before to dossier `code`, without copying it.

    A citizen may reuse only their own documents, into their own dossiers.
    """
    today = today or utcnow().date()
    dossier = get_dossier(session, code)
    if citizen is not None and dossier.applicant_id_number != citizen.id_number:
        raise NotFoundError(f"no dossier {code}")
    document = session.get(Document, document_id)
    if document is None or (citizen is not None and document.holder_id_number != citizen.id_number):
        raise NotFoundError(f"no document {document_id}")
    if is_expired(document, today):
        assert document.valid_until is not None
        raise InvalidInputError(
            f"document {document_id} expired on {document.valid_until.isoformat()}: "
            "it cannot be reused; the citizen must bring a valid paper"
        )
    present = session.get(DossierDocument, (dossier.id, document.id))
    if present is not None:
        raise ConflictError(f"document {document_id} is in dossier {code} already")
    source = session.get(Dossier, document.dossier_id) if document.dossier_id else None
    position = len(dossier.attachments)
    attachment = DossierDocument(
        dossier_id=dossier.id,
        document_id=document.id,
        position=position,
        origin=Attachment.REUSED,
        reused_from_id=source.id if source else None,
        added_by=actor,
    )
    session.add(attachment)
    refresh_facets(session, [document.id])  # now found by this dossier's filters too
    detail = {
        "document": document.id,
        "into": dossier.code,
        "from": source.code if source else None,
    }
    record(session, actor, "document.reuse", "dossier", dossier.code, detail, client_id=client_id)
    if source is not None:
        record(session, actor, "document.reused_elsewhere", "dossier", source.code, detail,
               client_id=client_id)  # fmt: skip
    session.flush()
    return attachment


def reused_in(session: Session, dossier: Dossier) -> dict[int, list[str]]:
    """For the dossier's own documents: the other dossiers that reuse each of them."""
    rows = session.execute(
        select(DossierDocument.document_id, Dossier.code)
        .join(Dossier, Dossier.id == DossierDocument.dossier_id)
        .where(DossierDocument.reused_from_id == dossier.id)
        .order_by(Dossier.code)
    ).all()
    found: dict[int, list[str]] = {}
    for document_id, code in rows:
        found.setdefault(document_id, []).append(code)
    return found
