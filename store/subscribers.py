"""Subscribers: consent, double opt-in, themes, unsubscription and erasure (GDPR).

A subscriber receives the newsletter only once `confirmed`: the web form and
`veille subscribers add` create them `pending` until they click the link in
the confirmation email; an import whose consent was collected elsewhere is
confirmed at once and says so in `consent_method`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timezone

from sqlalchemy import delete, func, select, update
from sqlalchemy.engine import Engine

from store.db import transaction
from store.schema import Subscriber
from store.taxonomy import slugs
from store.timeutil import aware

# Deliberately loose (the confirmation email is the real check) but strict on
# what could break a header: no spaces, no control characters, one @.
_EMAIL = re.compile(r"^[^\s@<>()\[\],;:\"\\\x00-\x1f\x7f]{1,64}@[A-Za-z0-9.-]{1,253}\.[A-Za-z0-9-]{2,63}$")
STATUSES = ("pending", "confirmed", "unsubscribed")


class SubscriberError(ValueError):
    """A subscriber cannot be added or changed; the message says why, in one line."""


@dataclass(frozen=True)
class SubscriberView:
    id: int
    email: str
    name: str
    status: str  # pending | confirmed | unsubscribed
    themes: tuple[str, ...]
    created_at: datetime
    consent_at: datetime | None = None
    consent_method: str | None = None
    confirmed_at: datetime | None = None
    unsubscribed_at: datetime | None = None
    bounce_error: str | None = None

    def to_json(self) -> dict:
        def iso(value: datetime | None) -> str | None:
            return value.isoformat() if value else None

        return {
            "id": self.id,
            "email": self.email,
            "name": self.name,
            "status": self.status,
            "themes": list(self.themes),
            "created_at": iso(self.created_at),
            "consent_at": iso(self.consent_at),
            "consent_method": self.consent_method,
            "confirmed_at": iso(self.confirmed_at),
            "unsubscribed_at": iso(self.unsubscribed_at),
            "bounce_error": self.bounce_error,
        }


@dataclass(frozen=True)
class NewSubscriber:
    """One row of an import, or one subscription."""

    email: str
    name: str = ""
    themes: tuple[str, ...] = field(default_factory=tuple)


def _now() -> datetime:
    return datetime.now(timezone.utc)


def normalize_email(email: str) -> str:
    """The address as stored: trimmed and lower-cased, or SubscriberError."""
    value = (email or "").strip().lower()
    if not value.isascii() or not _EMAIL.match(value):  # SMTP without SMTPUTF8 needs ASCII
        raise SubscriberError(f"not a valid email address: {email!r}")
    return value


def clean_name(name: str) -> str:
    # A name goes into the To: header: no control characters, one line.
    return " ".join("".join(ch if ch.isprintable() else " " for ch in (name or "")).split())[:200]


def check_themes(themes) -> tuple[str, ...]:
    """Known theme slugs, in the codebook's order; SubscriberError for an unknown one."""
    chosen = {t.strip() for t in themes if t and t.strip()}
    unknown = chosen - set(slugs("themes"))
    if unknown:
        raise SubscriberError(f"unknown theme(s): {', '.join(sorted(unknown))} (see the codebook)")
    return tuple(t for t in slugs("themes") if t in chosen)


def _view(s: Subscriber) -> SubscriberView:
    return SubscriberView(
        id=s.id, email=s.email, name=s.name, status=s.status, themes=tuple(s.themes or ()),
        created_at=aware(s.created_at), consent_at=aware(s.consent_at), consent_method=s.consent_method,
        confirmed_at=aware(s.confirmed_at), unsubscribed_at=aware(s.unsubscribed_at),
        bounce_error=s.bounce_error,
    )


def _confirm(s: Subscriber, method: str, at: datetime, consent_at: datetime | None = None) -> None:
    s.status = "confirmed"
    s.confirmed_at = at
    s.consent_at = consent_at or at
    s.consent_method = method
    s.unsubscribed_at = None
    s.bounce_error = None


def add(engine: Engine, new: NewSubscriber, *, confirmed: bool, method: str) -> SubscriberView:
    """Add someone who is not yet subscribed; SubscriberError if the address is already known."""
    email, themes = normalize_email(new.email), check_themes(new.themes)
    with transaction(engine) as session:
        if session.scalar(select(Subscriber.id).where(Subscriber.email == email)) is not None:
            raise SubscriberError(f"{email} is already a subscriber")
        row = Subscriber(email=email, name=clean_name(new.name), themes=list(themes), status="pending")
        if confirmed:
            _confirm(row, method, _now())
        session.add(row)
        session.flush()
        return _view(row)


def request(engine: Engine, new: NewSubscriber) -> SubscriberView:
    """A subscription asked on the public form: pending until confirmed by email.

    Someone already confirmed keeps their subscription untouched (the form
    must not let a stranger change another person's themes); someone who
    left, never confirmed or bounced starts over as pending, with the new choices.
    """
    email, themes = normalize_email(new.email), check_themes(new.themes)
    with transaction(engine) as session:
        row = session.scalar(select(Subscriber).where(Subscriber.email == email))
        if row is None:
            row = Subscriber(email=email, name=clean_name(new.name), themes=list(themes), status="pending")
            session.add(row)
        elif row.status != "confirmed" or row.bounce_error:  # a bounced address proves itself again
            row.status, row.name, row.themes = "pending", clean_name(new.name), list(themes)
        session.flush()
        return _view(row)


def confirm(engine: Engine, subscriber_id: int, method: str) -> SubscriberView | None:
    """Record the consent; idempotent (a second click changes nothing)."""
    with transaction(engine) as session:
        row = session.get(Subscriber, subscriber_id)
        if row is None:
            return None
        if row.status != "confirmed":
            _confirm(row, method, _now())
        return _view(row)


def unsubscribe(engine: Engine, subscriber_id: int) -> SubscriberView | None:
    """Stop every future send at once; idempotent (keeps the first date)."""
    with transaction(engine) as session:
        row = session.get(Subscriber, subscriber_id)
        if row is None:
            return None
        if row.status != "unsubscribed":
            row.status, row.unsubscribed_at = "unsubscribed", _now()
        return _view(row)


def set_themes(engine: Engine, subscriber_id: int, themes) -> SubscriberView | None:
    chosen = check_themes(themes)
    with transaction(engine) as session:
        row = session.get(Subscriber, subscriber_id)
        if row is None:
            return None
        row.themes = list(chosen)
        return _view(row)


def erase(engine: Engine, subscriber_id: int) -> bool:
    """Delete the subscriber and, by cascade, their deliveries (right to erasure)."""
    with transaction(engine) as session:
        return session.execute(delete(Subscriber).where(Subscriber.id == subscriber_id)).rowcount > 0


def get(engine: Engine, subscriber_id: int) -> SubscriberView | None:
    with transaction(engine) as session:
        row = session.get(Subscriber, subscriber_id)
        return _view(row) if row else None


def by_email(engine: Engine, email: str) -> SubscriberView | None:
    with transaction(engine) as session:
        row = session.scalar(select(Subscriber).where(Subscriber.email == email.strip().lower()))
        return _view(row) if row else None


def list_all(engine: Engine, status: str | None = None) -> list[SubscriberView]:
    query = select(Subscriber).order_by(Subscriber.id)
    if status:
        query = query.where(Subscriber.status == status)
    with transaction(engine) as session:
        return [_view(s) for s in session.scalars(query)]


def count_by_status(engine: Engine) -> dict[str, int]:
    with transaction(engine) as session:
        rows = session.execute(select(Subscriber.status, func.count()).group_by(Subscriber.status))
        return {status: n for status, n in rows}


def import_many(
    engine: Engine, rows: list[NewSubscriber], *, confirmed: bool, method: str,
    consent_dates: dict[str, datetime] | None = None,
) -> tuple[list[SubscriberView], int]:
    """Add the rows whose address is new, in one transaction; returns (added, skipped).

    Known addresses are skipped, never changed: an import must not
    resubscribe someone who left.
    """
    consent_dates = consent_dates or {}
    wanted = {normalize_email(r.email): r for r in rows}  # validates every row before writing any
    themes = {email: check_themes(r.themes) for email, r in wanted.items()}
    with transaction(engine) as session:
        known = set(session.scalars(select(Subscriber.email).where(Subscriber.email.in_(list(wanted)))))
        added, now = [], _now()
        for email, r in wanted.items():
            if email in known:
                continue
            row = Subscriber(email=email, name=clean_name(r.name), themes=list(themes[email]), status="pending")
            if confirmed:
                _confirm(row, method, now, consent_dates.get(email))
            session.add(row)
            added.append(row)
        session.flush()
        return [_view(r) for r in added], len(rows) - len(added)


def record_bounce(engine: Engine, subscriber_id: int, error: str) -> None:
    """A permanent failure: no more sends until the person subscribes again."""
    with transaction(engine) as session:
        session.execute(update(Subscriber).where(Subscriber.id == subscriber_id).values(bounce_error=error[:2000]))
