"""What the alerts look at, and the record that keeps each alert to once a day.

Queries only: which channels fail, which sources went quiet, how big the
database is, which runs failed, who the admins are. Deciding what is a
problem and sending the email is the caller's business (veille/ops/alerts.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from sqlalchemy import and_, delete, func, select, text
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Engine

from store.db import transaction
from store.schema import Actor, Alert, Channel, Item, Run, User
from store.timeutil import aware

_INSERTS = {"sqlite": sqlite_insert, "postgresql": pg_insert}


@dataclass(frozen=True)
class FailingChannel:
    channel_id: int
    source: str
    url: str
    failures: int
    error: str


@dataclass(frozen=True)
class QuietSource:
    actor_id: int
    source: str
    last_item: datetime | None


# --- once per cause and day ---------------------------------------------------------


def claim_alert(engine: Engine, cause: str, day: str, message: str) -> bool:
    """Record that `cause` is alerted on `day`; False if it already was (unique cause+day)."""
    insert = _INSERTS[engine.dialect.name](Alert).values(
        cause=cause[:300], day=day, message=message, sent_at=datetime.now(timezone.utc)
    )
    with transaction(engine) as session:
        row = session.execute(
            insert.on_conflict_do_nothing(index_elements=["cause", "day"]).returning(Alert.id)
        ).first()
        return row is not None


def unclaim_alert(engine: Engine, cause: str, day: str) -> None:
    """Forget a claim whose email could not be sent, so the next check tries again."""
    with transaction(engine) as session:
        session.execute(delete(Alert).where(and_(Alert.cause == cause[:300], Alert.day == day)))


def alerts_on(engine: Engine, day: str) -> list[tuple[str, str]]:
    with transaction(engine) as session:
        rows = session.execute(select(Alert.cause, Alert.message).where(Alert.day == day).order_by(Alert.id))
        return [tuple(r) for r in rows]


def admin_emails(engine: Engine) -> list[str]:
    with transaction(engine) as session:
        query = select(User.email).where(User.role == "admin", User.active.is_(True)).order_by(User.id)
        return list(session.scalars(query))


# --- what can go wrong --------------------------------------------------------------


def failing_channels(engine: Engine, min_failures: int) -> list[FailingChannel]:
    """Enabled channels whose last `min_failures` attempts or more all failed."""
    query = (
        select(Channel, Actor.name)
        .join(Actor)
        .where(Channel.enabled.is_(True), Actor.enabled.is_(True), Channel.consecutive_failures >= min_failures)
        .order_by(Channel.id)
    )
    with transaction(engine) as session:
        return [
            FailingChannel(c.id, name, c.url, c.consecutive_failures, c.last_error or "")
            for c, name in session.execute(query)
        ]


def quiet_sources(engine: Engine, days: int, now: datetime | None = None) -> list[QuietSource]:
    """Enabled sources watched for `days` or more whose newest item is older than that (or absent)."""
    since = (now or datetime.now(timezone.utc)) - timedelta(days=days)
    newest = select(Item.actor_id, func.max(Item.collected).label("last")).group_by(Item.actor_id).subquery()
    query = (
        select(Actor.id, Actor.name, newest.c.last)
        .outerjoin(newest, newest.c.actor_id == Actor.id)
        .where(Actor.enabled.is_(True), Actor.created_at < since)
        .where((newest.c.last.is_(None)) | (newest.c.last < since))
        .order_by(Actor.id)
    )
    with transaction(engine) as session:
        return [QuietSource(i, name, aware(last)) for i, name, last in session.execute(query)]


def database_bytes(engine: Engine) -> int:
    """Size of the database on disk (SQLite: pages in use and free; PostgreSQL: pg_database_size)."""
    with engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            pages = conn.execute(text("PRAGMA page_count")).scalar() or 0
            return pages * (conn.execute(text("PRAGMA page_size")).scalar() or 0)
        return conn.execute(text("SELECT pg_database_size(current_database())")).scalar() or 0


# --- runs, for catching up and for the digest ----------------------------------------


def last_run_started(engine: Engine, kind: str) -> datetime | None:
    with transaction(engine) as session:
        return aware(session.scalar(select(func.max(Run.started_at)).where(Run.kind == kind)))


def first_run_started(engine: Engine, kind: str) -> datetime | None:
    with transaction(engine) as session:
        return aware(session.scalar(select(func.min(Run.started_at)).where(Run.kind == kind)))


def runs_after(engine: Engine, run_id: int) -> list[tuple[int, str, str, list]]:
    """(id, kind, status, errors) of the runs created after `run_id`."""
    with transaction(engine) as session:
        rows = session.execute(select(Run.id, Run.kind, Run.status, Run.errors).where(Run.id > run_id).order_by(Run.id))
        return [(i, k, s, list(e or [])) for i, k, s, e in rows]


def last_run_id(engine: Engine) -> int:
    with transaction(engine) as session:
        return session.scalar(select(func.max(Run.id))) or 0


def run_summary(engine: Engine, since: datetime) -> list[tuple[str, str, int]]:
    """(kind, status, how many) of the runs started since `since`."""
    query = (
        select(Run.kind, Run.status, func.count(Run.id))
        .where(Run.started_at >= since)
        .group_by(Run.kind, Run.status)
        .order_by(Run.kind, Run.status)
    )
    with transaction(engine) as session:
        return [tuple(r) for r in session.execute(query)]


def items_collected_since(engine: Engine, since: datetime) -> int:
    with transaction(engine) as session:
        return session.scalar(select(func.count(Item.id)).where(Item.collected >= since)) or 0
