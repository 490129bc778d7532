"""Staff accounts of the web application: passwords, sign-in with its slow-down, sessions.

Passwords are hashed with scrypt (hashlib, the standard library): memory-hard, so a
stolen table is costly to guess at on GPUs, and no new dependency. Parameters are kept
in each hash, so they can be raised later without invalidating the hashes made before.

Each function here that writes is a use case: it opens its own write transaction.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from models import Database, Role, SignInAttempt, User, WebSession
from models.base import utcnow
from service.audit import record
from service.errors import ConflictError, InvalidInputError, NotFoundError

# scrypt cost: 2^15 x 8 x 128 B = 32 MiB and ~0.1 s per hash on one core (OWASP's
# minimum is N=2^17 with r=8, or the equivalent 2^15 with more p; p=2 here).
_N, _R, _P = 2**15, 8, 2
_MAXMEM = 128 * 1024 * 1024
MIN_PASSWORD = 10
SESSION_COOKIE = "dgz_session"


def hash_password(password: str) -> str:
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(
        password.encode("utf-8"), salt=salt, n=_N, r=_R, p=_P, maxmem=_MAXMEM, dklen=32
    )
    return f"scrypt${_N}${_R}${_P}${salt.hex()}${digest.hex()}"


def verify_password(password: str, stored: str) -> bool:
    try:
        kind, n, r, p, salt, digest = stored.split("$")
        if kind != "scrypt":
            return False
        given = hashlib.scrypt(
            password.encode("utf-8"),
            salt=bytes.fromhex(salt),
            n=int(n),
            r=int(r),
            p=int(p),
            maxmem=_MAXMEM,
            dklen=len(digest) // 2,
        )
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(given.hex(), digest)


# A hash to check against when the name is unknown, so a refusal takes as long either way
# and the time taken does not tell which names exist.
_DUMMY_HASH = hash_password(secrets.token_urlsafe(16))


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def clean_name(name: str) -> str:
    name = unicodedata.normalize("NFC", " ".join(name.split()))
    if not name or len(name) > 200:
        raise InvalidInputError("tên tài khoản phải có từ 1 đến 200 ký tự")
    return name


def check_role(role: Role | str) -> Role:
    try:
        return Role(role)
    except ValueError:
        roles = ", ".join(r.value for r in Role)
        raise InvalidInputError(f"vai trò {role!r} không có (một trong: {roles})") from None


def check_password(password: str) -> str:
    if len(password) < MIN_PASSWORD:
        raise InvalidInputError(f"mật khẩu phải có ít nhất {MIN_PASSWORD} ký tự")
    if len(password) > 1000:
        raise InvalidInputError("mật khẩu quá dài")
    return password


# --- accounts -------------------------------------------------------------------------


def create_user(
    database: Database, name: str, role: Role | str, password: str, *, actor: str
) -> User:
    name, role, password = clean_name(name), check_role(role), check_password(password)
    hashed = hash_password(password)  # slow: outside the transaction
    with database.writes.begin() as session:
        if session.scalar(select(User).where(User.name == name)) is not None:
            raise ConflictError(f"tài khoản {name!r} đã có")
        user = User(name=name, role=role, password_hash=hashed)
        session.add(user)
        session.flush()
        record(session, actor, "user.create", "user", user.id, {"name": name, "role": role})
        return user


def list_users(session: Session) -> list[User]:
    return list(session.scalars(select(User).order_by(User.id)))


def set_disabled(database: Database, user_id: int, disabled: bool, *, actor: str) -> User:
    """Disable an account (its sessions end) or enable it again."""
    with database.writes.begin() as session:
        user = session.get(User, user_id)
        if user is None:
            raise NotFoundError(f"không có tài khoản {user_id}")
        user.disabled_at = utcnow() if disabled else None
        if disabled:
            for row in session.scalars(select(WebSession).where(WebSession.user_id == user.id)):
                session.delete(row)
        action = "user.disable" if disabled else "user.enable"
        record(session, actor, action, "user", user.id, {"name": user.name})
        return user


# --- signing in -----------------------------------------------------------------------


@dataclass(frozen=True)
class Throttle:
    """How many recent failures make a name or an address wait, and for how long."""

    window: timedelta = timedelta(minutes=15)
    free_failures: int = 5  # per account; per address 3x (an office shares one address)
    max_wait: timedelta = timedelta(minutes=15)

    def wait(self, failures: int, last: datetime | None, free: int, now: datetime) -> int:
        """Seconds still to wait before another attempt (0: go ahead). Doubles with each
        failure past the free ones: 1, 2, 4 ... seconds, up to max_wait."""
        if failures < free or last is None:
            return 0
        delay = min(2 ** (failures - free), self.max_wait.total_seconds())
        return max(0, int((last + timedelta(seconds=delay) - now).total_seconds() + 0.999))


class SignInRefusedError(Exception):
    """Wrong name or password, a disabled account, or too many failures (wait_seconds)."""

    def __init__(self, message: str, wait_seconds: int = 0) -> None:
        super().__init__(message)
        self.message = message
        self.wait_seconds = wait_seconds


@dataclass(frozen=True)
class SignedIn:
    user_id: int
    name: str
    role: Role
    token: str  # for the cookie; the database keeps only its hash
    csrf_token: str
    expires_at: datetime


def _failures(
    session: Session, column: Any, value: str, since: datetime
) -> tuple[int, datetime | None]:
    count, last = session.execute(
        select(func.count(), func.max(SignInAttempt.at)).where(
            column == value, SignInAttempt.at >= since, SignInAttempt.ok.is_(False)
        )
    ).one()
    return int(count), last


def sign_in(
    database: Database,
    name: str,
    password: str,
    *,
    address: str,
    session_hours: float,
    throttle: Throttle | None = None,
) -> SignedIn:
    """A new session for `name` if the password is right and the name and address are not
    waiting after too many failures; every outcome is kept in the audit log."""
    throttle = throttle or Throttle()
    name = unicodedata.normalize("NFC", " ".join(name.split()))[:200]
    address = address[:64]
    now = utcnow()
    with database.reads() as session:
        since = now - throttle.window
        by_name = _failures(session, SignInAttempt.name, name, since)
        by_address = _failures(session, SignInAttempt.address, address, since)
        user = session.scalar(select(User).where(User.name == name))
    wait = max(
        throttle.wait(*by_name, throttle.free_failures, now),
        throttle.wait(*by_address, 3 * throttle.free_failures, now),
    )
    if wait:
        _refused(database, name, address, "throttled", wait_seconds=wait)
        raise SignInRefusedError(f"Đăng nhập sai nhiều lần: hãy thử lại sau {wait} giây.", wait)
    # The hash is checked even for an unknown name: the time taken tells nothing.
    good = verify_password(password, user.password_hash if user else _DUMMY_HASH)
    if user is None or not good:
        _refused(database, name, address, "wrong name or password")
        raise SignInRefusedError("Tên đăng nhập hoặc mật khẩu không đúng.")
    if user.disabled_at is not None:
        _refused(database, name, address, "account disabled")
        raise SignInRefusedError("Tài khoản này đã bị khoá.")
    token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    expires = now + timedelta(hours=session_hours)
    with database.writes.begin() as session:
        # Old rows go as new ones come: expired sessions, attempts no window counts.
        session.execute(delete(WebSession).where(WebSession.expires_at < now))
        session.execute(delete(SignInAttempt).where(SignInAttempt.at < now - timedelta(days=1)))
        session.add(SignInAttempt(name=name, address=address, at=now, ok=True))
        session.add(
            WebSession(
                token_hash=_token_hash(token),
                user_id=user.id,
                csrf_token=csrf,
                address=address,
                expires_at=expires,
            )
        )
        record(session, user.name, "user.sign_in", "user", user.id, {"address": address})
    return SignedIn(user.id, user.name, user.role, token, csrf, expires)


def _refused(
    database: Database, name: str, address: str, reason: str, *, wait_seconds: int = 0
) -> None:
    with database.writes.begin() as session:
        if not wait_seconds:  # a throttled attempt was not a guess: it does not count
            session.add(SignInAttempt(name=name, address=address, ok=False))
        detail: dict[str, object] = {"name": name, "address": address, "reason": reason}
        if wait_seconds:
            detail["wait_seconds"] = wait_seconds
        record(session, name or "?", "user.sign_in_refused", "user", name or "?", detail)


@dataclass(frozen=True)
class StaffSession:
    """Who a session cookie belongs to."""

    session_id: int
    user_id: int
    name: str
    role: Role
    csrf_token: str

    @property
    def actor(self) -> str:
        """The name written in the audit log, batches and corrections."""
        return f"staff:{self.name}"

    @property
    def caller(self) -> StaffCaller:
        return StaffCaller(self.actor)


@dataclass(frozen=True)
class StaffCaller:
    """A staff member as the uploader of a batch (batches name no API client then)."""

    name: str
    id: None = None


def find_session(session: Session, token: str) -> StaffSession | None:
    row = session.scalar(select(WebSession).where(WebSession.token_hash == _token_hash(token)))
    if row is None or row.expires_at <= utcnow() or row.user.disabled_at is not None:
        return None
    return StaffSession(row.id, row.user_id, row.user.name, row.user.role, row.csrf_token)


def sign_out(database: Database, token: str) -> None:
    with database.writes.begin() as session:
        row = session.scalar(select(WebSession).where(WebSession.token_hash == _token_hash(token)))
        if row is None:
            return
        record(session, row.user.name, "user.sign_out", "user", row.user_id)
        session.delete(row)


def record_refusal(database: Database, actor: str, reason: str, detail: dict[str, object]) -> None:
    """A request the web application refused (a missing CSRF token, a page of another
    role), in the audit log."""
    with database.writes.begin() as session:
        record(session, actor, "web.refused", "web", reason, detail)
