"""Deliveries: one issue to one subscriber, recorded so a send survives a crash.

The life of a delivery: created `pending` when the send starts (the
recipients are frozen then), *claimed* (`claimed_at`, committed) just before
the SMTP server is asked to accept the message, then `sent`, `failed` or
`skipped` (the subscriber left meanwhile), each in its own committed
transaction. A delivery still `pending` with a `claimed_at` was interrupted
inside the one SMTP exchange whose outcome nobody recorded.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Callable

from sqlalchemy import and_, exists, func, insert, literal, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

from store.db import transaction
from store.schema import Delivery, Lock, NewsletterIssue, Subscriber


@dataclass(frozen=True)
class PendingDelivery:
    id: int
    subscriber_id: int
    email: str
    name: str
    themes: tuple[str, ...]
    attempts: int
    interrupted: bool  # claimed by a send that stopped before recording the outcome


def _now() -> datetime:
    return datetime.now(timezone.utc)


def start(engine: Engine, issue_id: int) -> str | None:
    """Freeze the recipients (confirmed, not bounced) and mark the issue `sending`.

    Done once, in one transaction: a resumed send keeps the same recipients,
    and nobody confirmed after the start receives a half-sent issue. Returns
    the issue's status afterwards (None if it does not exist).
    """
    with transaction(engine) as session:
        started = session.execute(
            update(NewsletterIssue)
            .where(NewsletterIssue.id == issue_id, NewsletterIssue.status.in_(("draft", "scheduled")))
            .values(status="sending")
        ).rowcount
        if started:
            recipients = select(
                literal(issue_id), Subscriber.id, literal("pending"), literal(0)
            ).where(Subscriber.status == "confirmed", Subscriber.bounce_error.is_(None))
            session.execute(
                insert(Delivery).from_select(["issue_id", "subscriber_id", "status", "attempts"], recipients)
            )
        return session.scalar(select(NewsletterIssue.status).where(NewsletterIssue.id == issue_id))


def pending(engine: Engine, issue_id: int, after_id: int = 0, limit: int = 500) -> list[PendingDelivery]:
    """The next pending deliveries of an issue, by id, after `after_id`."""
    query = (
        select(Delivery.id, Subscriber.id, Subscriber.email, Subscriber.name, Subscriber.themes,
               Delivery.attempts, Delivery.claimed_at)
        .join(Subscriber, Subscriber.id == Delivery.subscriber_id)
        .where(Delivery.issue_id == issue_id, Delivery.status == "pending", Delivery.id > after_id)
        .order_by(Delivery.id)
        .limit(limit)
    )
    with transaction(engine) as session:
        return [
            PendingDelivery(i, s, email, name, tuple(themes or ()), attempts, claimed is not None)
            for i, s, email, name, themes, attempts, claimed in session.execute(query)
        ]


def claim(engine: Engine, delivery_id: int, message_id: str) -> bool:
    """Record, durably, that this delivery is about to be accepted by the server.

    False when it must not be sent: already done, or the subscriber is no
    longer confirmed (unsubscribed or erased since the send started).
    """
    still_subscribed = exists().where(Subscriber.id == Delivery.subscriber_id, Subscriber.status == "confirmed")
    # Core, not the ORM: two of these per message are the send's main database cost.
    with engine.begin() as conn:
        return conn.execute(
            update(Delivery)
            .where(Delivery.id == delivery_id, Delivery.status == "pending", still_subscribed)
            .values(claimed_at=_now(), attempts=Delivery.attempts + 1, message_id=message_id)
        ).rowcount == 1


def mark_sent(engine: Engine, delivery_id: int) -> None:
    with engine.begin() as conn:
        conn.execute(
            update(Delivery).where(Delivery.id == delivery_id).values(status="sent", sent_at=_now(), last_error=None)
        )


def release(engine: Engine, delivery_id: int, error: str, count_attempt: bool = True) -> None:
    """The server refused for now: the message was not accepted, try again later.

    `count_attempt` is False when the claim already counted this attempt.
    """
    values = {"claimed_at": None, "last_error": error[:2000]}
    if count_attempt:
        values["attempts"] = Delivery.attempts + 1
    with transaction(engine) as session:
        session.execute(update(Delivery).where(Delivery.id == delivery_id).values(**values))


def fail(engine: Engine, delivery_id: int, error: str, bounce_subscriber: int | None = None) -> None:
    """Give up on a delivery; a permanent refusal is also recorded on the subscriber."""
    with transaction(engine) as session:
        session.execute(
            update(Delivery).where(Delivery.id == delivery_id).values(status="failed", last_error=error[:2000])
        )
        if bounce_subscriber is not None:
            session.execute(
                update(Subscriber).where(Subscriber.id == bounce_subscriber).values(bounce_error=error[:2000])
            )


def skip(engine: Engine, delivery_id: int, reason: str) -> None:
    """Not sent on purpose (the subscriber left after the send started)."""
    with transaction(engine) as session:
        session.execute(
            update(Delivery)
            .where(Delivery.id == delivery_id, Delivery.status == "pending")
            .values(status="skipped", last_error=reason)
        )


def finish(engine: Engine, issue_id: int) -> bool:
    """Mark the issue sent, only if no delivery is left pending; True if it is now sent."""
    left = exists().where(Delivery.issue_id == issue_id, Delivery.status == "pending")
    with transaction(engine) as session:
        session.execute(
            update(NewsletterIssue)
            .where(NewsletterIssue.id == issue_id, NewsletterIssue.status == "sending", ~left)
            .values(status="sent", sent_at=_now())
        )
        return session.scalar(select(NewsletterIssue.status).where(NewsletterIssue.id == issue_id)) == "sent"


def progress(engine: Engine, issue_id: int) -> dict[str, int]:
    """How many deliveries of the issue are in each state, plus the interrupted ones."""
    with transaction(engine) as session:
        counts = dict(
            session.execute(
                select(Delivery.status, func.count()).where(Delivery.issue_id == issue_id).group_by(Delivery.status)
            ).all()
        )
        interrupted = session.scalar(
            select(func.count()).select_from(Delivery).where(
                Delivery.issue_id == issue_id, Delivery.status == "pending", Delivery.claimed_at.is_not(None)
            )
        )
    result = {s: counts.get(s, 0) for s in ("sent", "pending", "failed", "skipped")}
    result["interrupted"] = interrupted or 0
    return result


def of_subscriber(engine: Engine, subscriber_id: int) -> list[dict]:
    """What was sent to one subscriber (for their data export)."""
    query = (
        select(Delivery.issue_id, NewsletterIssue.subject, Delivery.status, Delivery.sent_at)
        .join(NewsletterIssue, NewsletterIssue.id == Delivery.issue_id)
        .where(Delivery.subscriber_id == subscriber_id)
        .order_by(Delivery.issue_id)
    )
    with transaction(engine) as session:
        return [
            {"issue": i, "subject": subject, "status": status, "sent_at": sent.isoformat() if sent else None}
            for i, subject, status, sent in session.execute(query)
        ]


# --- one sender per issue at a time -------------------------------------------------


def take_lease(
    engine: Engine, name: str, owner: str, ttl: timedelta, is_stale: Callable[[str], bool] = lambda _: False
) -> bool:
    """Become the one holder of `name`, unless a live holder has it.

    A holder is gone when its lease expired, or when `is_stale(owner)` says so
    (the caller knows that a process on this machine died), so a resume right
    after a kill does not wait for the expiry.
    """
    now = _now()
    try:
        with transaction(engine) as session:
            row = session.get(Lock, name, with_for_update=True)
            if row is None:
                session.add(Lock(name=name, owner=owner, acquired_at=now, expires_at=now + ttl))
                return True
            expires = row.expires_at if row.expires_at.tzinfo else row.expires_at.replace(tzinfo=timezone.utc)
            if row.owner != owner and expires > now and not is_stale(row.owner):
                return False
            row.owner, row.acquired_at, row.expires_at = owner, now, now + ttl
            return True
    except IntegrityError:  # another process inserted it first
        return False


def renew_lease(engine: Engine, name: str, owner: str, ttl: timedelta) -> bool:
    with transaction(engine) as session:
        return session.execute(
            update(Lock).where(and_(Lock.name == name, Lock.owner == owner)).values(expires_at=_now() + ttl)
        ).rowcount == 1


def drop_lease(engine: Engine, name: str, owner: str) -> None:
    with transaction(engine) as session:
        session.query(Lock).filter(Lock.name == name, Lock.owner == owner).delete()
