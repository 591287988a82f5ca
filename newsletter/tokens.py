"""Personal links: signed, unguessable, checked in constant time.

A token is `<subscriber id>.<HMAC-SHA256(purpose, id, email)>`: it names who
it is for and proves that veille made it, with no table of tokens to keep.
Binding the email means a token dies with the subscriber it was made for,
even if the database later gives their id to someone else.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets
import time
from functools import lru_cache
from pathlib import Path
from typing import Callable

PURPOSES = ("confirm", "unsubscribe", "manage")
_MAC_BYTES = 20  # 160 bits: far beyond guessing


@lru_cache(maxsize=8)
def _key(secret: str) -> bytes:
    # A key of its own, so a link signature is never valid as anything else
    # signed with the same secret (sessions, CSRF).
    return hmac.new(secret.encode(), b"veille newsletter links v1", hashlib.sha256).digest()


def _mac(secret: str, purpose: str, subscriber_id: int, email: str) -> str:
    message = f"{purpose}\x00{subscriber_id}\x00{email}".encode()
    digest = hmac.new(_key(secret), message, hashlib.sha256).digest()[:_MAC_BYTES]
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def make_token(secret: str, purpose: str, subscriber_id: int, email: str) -> str:
    if purpose not in PURPOSES:
        raise ValueError(f"unknown token purpose {purpose!r}")
    return f"{subscriber_id}.{_mac(secret, purpose, subscriber_id, email)}"


def check_token(secret: str, purpose: str, token: str, email_of: Callable[[int], str | None]) -> int | None:
    """The subscriber id the token was made for, or None (forged, altered, or subscriber gone)."""
    head, _, mac = (token or "").partition(".")
    if not head.isdigit() or not mac or len(head) > 12:
        return None
    subscriber_id = int(head)
    email = email_of(subscriber_id)
    expected = _mac(secret, purpose, subscriber_id, email or "")
    # Compared even when the subscriber is unknown, so timing tells nothing.
    valid = hmac.compare_digest(expected.encode(), mac.encode())
    return subscriber_id if valid and email else None


def message_id(secret: str, issue_id: int, subscriber_id: int, domain: str) -> str:
    """The same Message-ID for every attempt of one delivery: a resend is recognisably the same mail."""
    tag = hmac.new(_key(secret), f"mid\x00{issue_id}\x00{subscriber_id}".encode(), hashlib.sha256).hexdigest()[:24]
    return f"<veille.{issue_id}.{tag}@{domain}>"


def load_secret(configured: str, path: Path) -> str:
    """The configured secret, else the one kept in `path` (created once, readable by its owner only)."""
    if configured:
        return configured
    if found := _read(path):
        return found
    path.parent.mkdir(parents=True, exist_ok=True)
    # Written aside, then linked into place: a reader never sees a half-written
    # key, and when two processes race the first link wins for both.
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(secrets.token_urlsafe(48))
    try:
        os.link(tmp, path)
    except FileExistsError:
        pass
    finally:
        tmp.unlink()
    return _read(path)


def _read(path: Path) -> str:
    """The key in `path`; waits a moment for one that another process is still writing."""
    for _ in range(50):
        try:
            value = path.read_text(encoding="utf-8").strip()
        except FileNotFoundError:
            return ""
        if value:
            return value
        time.sleep(0.01)
    raise RuntimeError(f"{path} is empty: remove it, or set VEILLE_SECRET_KEY")
