"""Leases: one process at a time holds a named job, across processes and machines.

A lease is a row of `locks` with an owner and an expiry. Taking it is one
atomic statement (insert if absent, then update only if free, expired or
already ours), so two processes racing for it cannot both win, on SQLite
(writes are serialised) as on PostgreSQL (the row is locked by the update).
The holder renews it while it works; a holder that dies stops renewing, and
the lease is free again once it expires.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from sqlalchemy import and_, delete, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Engine

from store.db import transaction
from store.schema import Lock, Run
from store.timeutil import aware

_INSERTS = {"sqlite": sqlite_insert, "postgresql": pg_insert}


@dataclass(frozen=True)
class Holder:
    name: str
    owner: str
    acquired_at: datetime
    expires_at: datetime


def _now() -> datetime:
    return datetime.now(timezone.utc)


def acquire(engine: Engine, name: str, owner: str, ttl: timedelta, steal_from: str | None = None) -> bool:
    """Take the lease `name` for `ttl` if it is free, expired, ours, or held by `steal_from`."""
    now = _now()
    values = {"owner": owner, "acquired_at": now, "expires_at": now + ttl}
    free = or_(Lock.owner == owner, Lock.expires_at < now)
    if steal_from is not None:  # the caller knows that holder is dead
        free = or_(free, Lock.owner == steal_from)
    with transaction(engine) as session:
        insert = _INSERTS[engine.dialect.name](Lock).values(name=name, **values)
        session.execute(insert.on_conflict_do_nothing(index_elements=["name"]))
        taken = session.execute(update(Lock).where(and_(Lock.name == name, free)).values(**values))
        return taken.rowcount == 1


def renew(engine: Engine, name: str, owner: str, ttl: timedelta) -> bool:
    """Push the expiry forward; False if the lease is no longer ours."""
    with transaction(engine) as session:
        renewed = session.execute(
            update(Lock).where(and_(Lock.name == name, Lock.owner == owner)).values(expires_at=_now() + ttl)
        )
        return renewed.rowcount == 1


def release(engine: Engine, name: str, owner: str) -> None:
    with transaction(engine) as session:
        session.execute(delete(Lock).where(and_(Lock.name == name, Lock.owner == owner)))


def holder(engine: Engine, name: str) -> Holder | None:
    with transaction(engine) as session:
        row = session.get(Lock, name)
        if row is None:
            return None
        return Holder(row.name, row.owner, aware(row.acquired_at), aware(row.expires_at))


def open_run_kinds(engine: Engine) -> list[str]:
    """The kinds that have runs still marked 'running'."""
    with transaction(engine) as session:
        return sorted(session.scalars(select(Run.kind).where(Run.status == "running").distinct()))


def close_abandoned_runs(engine: Engine, kind: str, reason: str) -> int:
    """Mark the runs of `kind` still 'running' as interrupted.

    Called by the new holder of the lease of the same name: while it holds
    the lease nobody else runs that kind, so such a run was left by a process
    that stopped before it could finish it (killed, power cut, disk full).
    """
    with transaction(engine) as session:
        runs = session.scalars(select(Run).where(and_(Run.kind == kind, Run.status == "running"))).all()
        for run in runs:
            run.status = "interrupted"
            run.errors = [*(run.errors or []), reason]
            run.finished_at = _now()
        return len(runs)
