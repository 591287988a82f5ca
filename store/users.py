"""Staff accounts, their login sessions and the counters that rate-limit logins.

Passwords are hashed with Argon2id here, the one place that writes
`password_hash`, so no caller can store a password in the clear. A session
cookie holds a random token; the table keeps only its SHA-256, so a leaked
database does not hand out live sessions.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from functools import lru_cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, func, select
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

from store.db import transaction
from store.records import ROLES
from store.schema import LoginSession, RateEvent, User
from store.timeutil import aware

SESSION_LIFETIME = timedelta(days=7)
MIN_PASSWORD = 10
MAX_PASSWORD = 1000  # Argon2 would hash a megabyte; nobody types one

_hasher = PasswordHasher()  # argon2-cffi's defaults are Argon2id with RFC 9106's low-memory profile


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    # Verified when the e-mail is unknown, so an answer takes as long for a wrong
    # address as for a wrong password and does not reveal who has an account.
    # Made on first use: hashing costs a tenth of a second every CLI start would pay.
    return _hasher.hash("not a password of anyone")


class AccountError(ValueError):
    """A request about accounts that cannot be met; the message says why, in French."""


@dataclass(frozen=True)
class UserView:
    id: int
    email: str
    name: str
    role: str
    active: bool
    created_at: datetime

    @property
    def display_name(self) -> str:
        return self.name or self.email


def _view(user: User) -> UserView:
    return UserView(user.id, user.email, user.name, user.role, user.active, aware(user.created_at))


def normalize_email(email: str) -> str:
    return email.strip().lower()


def check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise AccountError(f"Le mot de passe doit compter au moins {MIN_PASSWORD} caractères.")
    if len(password) > MAX_PASSWORD:
        raise AccountError(f"Le mot de passe ne doit pas dépasser {MAX_PASSWORD} caractères.")


def add_user(engine: Engine, email: str, password: str, role: str, name: str = "") -> UserView:
    email = normalize_email(email)
    if role not in ROLES:
        raise AccountError(f"Rôle inconnu « {role} » : {', '.join(ROLES)}.")
    if "@" not in email or len(email) > 320:
        raise AccountError(f"Adresse électronique invalide : « {email} ».")
    check_password(password)
    try:
        with transaction(engine) as session:
            user = User(email=email, name=name.strip()[:200], role=role, password_hash=_hasher.hash(password))
            session.add(user)
            session.flush()
            return _view(user)
    except IntegrityError:
        raise AccountError(f"Un compte existe déjà pour {email}.") from None


def list_users(engine: Engine) -> list[UserView]:
    with transaction(engine) as session:
        return [_view(u) for u in session.scalars(select(User).order_by(User.email))]


def set_active(engine: Engine, user_id: int, active: bool) -> None:
    """Deactivate (or reactivate) an account; a deactivated account loses its sessions at once."""
    with transaction(engine) as session:
        user = session.get(User, user_id)
        if user is None:
            raise AccountError("Ce compte n'existe pas.")
        user.active = active
        if not active:
            session.execute(delete(LoginSession).where(LoginSession.user_id == user_id))


def authenticate(engine: Engine, email: str, password: str) -> UserView | None:
    """The active user with this e-mail and password, else None (same cost either way)."""
    if len(password) > MAX_PASSWORD:
        return None
    with transaction(engine) as session:
        user = session.scalar(select(User).where(User.email == normalize_email(email)))
        try:
            _hasher.verify(user.password_hash if user else _dummy_hash(), password)
        except (VerificationError, InvalidHashError):
            return None
        if user is None or not user.active:
            return None
        if _hasher.check_needs_rehash(user.password_hash):
            user.password_hash = _hasher.hash(password)
        return _view(user)


def change_password(engine: Engine, user_id: int, current: str, new: str) -> None:
    """Replace the password; every session of the account ends (the caller opens a fresh one)."""
    check_password(new)
    with transaction(engine) as session:
        user = session.get(User, user_id)
        try:
            _hasher.verify(user.password_hash, current)
        except (VerificationError, InvalidHashError):
            raise AccountError("Le mot de passe actuel n'est pas le bon.") from None
        user.password_hash = _hasher.hash(new)
        user.password_changed_at = datetime.now(timezone.utc)
        session.execute(delete(LoginSession).where(LoginSession.user_id == user_id))


# --- login sessions -----------------------------------------------------------------


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class OpenSession:
    token: str  # goes in the cookie, never stored
    csrf_token: str
    expires_at: datetime


def open_session(engine: Engine, user_id: int, replacing: str | None = None) -> OpenSession:
    """A new session; the one the browser held before (`replacing`) ends, so a planted id is useless."""
    token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    now = datetime.now(timezone.utc)
    with transaction(engine) as session:
        if replacing:
            session.execute(delete(LoginSession).where(LoginSession.token_hash == _digest(replacing)))
        session.execute(delete(LoginSession).where(LoginSession.expires_at < now))
        session.add(LoginSession(token_hash=_digest(token), user_id=user_id, csrf_token=csrf,
                                 created_at=now, expires_at=now + SESSION_LIFETIME))
    return OpenSession(token, csrf, now + SESSION_LIFETIME)


def session_user(engine: Engine, token: str) -> tuple[UserView, str] | None:
    """(user, CSRF token) of a live session of an active account, else None."""
    if not token or len(token) > 200:
        return None
    now = datetime.now(timezone.utc)
    with transaction(engine) as session:
        row = session.execute(
            select(LoginSession, User)
            .join(User, User.id == LoginSession.user_id)
            .where(LoginSession.token_hash == _digest(token))
        ).first()
        if row is None:
            return None
        login, user = row
        if aware(login.expires_at) < now or not user.active:
            return None
        return _view(user), login.csrf_token


def close_session(engine: Engine, token: str) -> None:
    with transaction(engine) as session:
        session.execute(delete(LoginSession).where(LoginSession.token_hash == _digest(token)))


# --- rate limits --------------------------------------------------------------------


def count_events(engine: Engine, key: str, within: timedelta) -> int:
    since = datetime.now(timezone.utc) - within
    with transaction(engine) as session:
        return session.scalar(
            select(func.count(RateEvent.id)).where(RateEvent.key == key, RateEvent.at >= since)
        ) or 0


def record_event(engine: Engine, key: str, keep: timedelta = timedelta(days=1)) -> None:
    """Count one attempt under `key`; attempts older than `keep` are forgotten on the way."""
    now = datetime.now(timezone.utc)
    with transaction(engine) as session:
        session.add(RateEvent(key=key[:300], at=now))
        session.execute(delete(RateEvent).where(RateEvent.key == key[:300], RateEvent.at < now - keep))
