"""API clients and their keys; which role may do what.

A key is 32 random bytes shown once, at creation; the database keeps only its
SHA-256. A slow password hash is not needed: the key is not a guessable password,
and a plain hash lets a request find its client by index in one lookup.
"""

from __future__ import annotations

import hashlib
import secrets
from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import ApiClient, Role
from models.base import utcnow
from service.audit import record
from service.errors import ConflictError, InvalidInputError, NotFoundError

KEY_PREFIX = "dgz_"


class Permission(StrEnum):
    UPLOAD = "upload"  # send scans
    REVIEW = "review"  # look at batches, correct fields
    READ_DOSSIERS = "read_dossiers"
    WRITE_DOSSIERS = "write_dossiers"  # records from the one-stop system
    WEBHOOKS = "webhooks"
    CITIZEN_TOKENS = "citizen_tokens"  # vouch for a citizen the one-stop system authenticated
    SEARCH = "search"  # full-text search over the documents
    MANAGE_CLIENTS = "manage_clients"


GRANTS: dict[Role, frozenset[Permission]] = {
    Role.ARCHIVE: frozenset(
        {Permission.UPLOAD, Permission.REVIEW, Permission.READ_DOSSIERS, Permission.SEARCH}
    ),
    Role.ONESTOP: frozenset(
        {
            Permission.READ_DOSSIERS,
            Permission.WRITE_DOSSIERS,
            Permission.WEBHOOKS,
            Permission.CITIZEN_TOKENS,
            Permission.SEARCH,
        }
    ),
    Role.ADMIN: frozenset({Permission.MANAGE_CLIENTS, Permission.REVIEW}),
}


def allowed(role: str, permission: Permission) -> bool:
    try:
        return permission in GRANTS[Role(role)]
    except ValueError:
        return False


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def create_client(session: Session, name: str, role: str, *, actor: str) -> tuple[ApiClient, str]:
    """A new client and its key (the only time the key is seen in clear)."""
    name = " ".join(name.split())
    if not name or len(name) > 200:
        raise InvalidInputError("a client needs a name of 1 to 200 characters")
    try:
        role = Role(role).value
    except ValueError:
        roles = ", ".join(r.value for r in Role)
        raise InvalidInputError(f"unknown role {role!r} (one of: {roles})") from None
    if session.scalar(select(ApiClient).where(ApiClient.name == name)) is not None:
        raise ConflictError(f"a client named {name!r} exists already")
    key = KEY_PREFIX + secrets.token_urlsafe(32)
    client = ApiClient(name=name, role=role, key_prefix=key[:12], key_hash=hash_key(key))
    session.add(client)
    session.flush()
    record(session, actor, "client.create", "client", client.id, {"name": name, "role": role})
    return client, key


def authenticate(session: Session, key: str) -> ApiClient | None:
    """The active client holding `key`, or None."""
    if not key.startswith(KEY_PREFIX):
        return None
    client = session.scalar(select(ApiClient).where(ApiClient.key_hash == hash_key(key)))
    if client is None or client.revoked_at is not None:
        return None
    return client


def revoke_client(session: Session, client_id: int, *, actor: str) -> ApiClient:
    client = session.get(ApiClient, client_id)
    if client is None:
        raise NotFoundError(f"no client {client_id}")
    if client.revoked_at is None:
        client.revoked_at = utcnow()
        record(session, actor, "client.revoke", "client", client.id, {"name": client.name})
    return client
