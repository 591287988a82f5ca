"""Run records: every crawl, classification and send says what it did."""

from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import select
from sqlalchemy.engine import Engine

from store.db import transaction
from store.records import RunView
from store.schema import Run
from store.timeutil import aware


def start_run(engine: Engine, kind: str) -> int:
    with transaction(engine) as session:
        run = Run(kind=kind, status="running", counts={}, errors=[])
        session.add(run)
        session.flush()
        return run.id


def finish_run(engine: Engine, run_id: int, status: str, counts: dict, errors: list) -> None:
    with transaction(engine) as session:
        run = session.get(Run, run_id)
        run.status = status
        run.counts = counts
        run.errors = errors
        run.finished_at = datetime.now(timezone.utc)


def list_runs(engine: Engine, limit: int = 20, kind: str | None = None) -> list[RunView]:
    query = select(Run).order_by(Run.id.desc()).limit(limit)
    if kind:
        query = query.where(Run.kind == kind)
    with transaction(engine) as session:
        return [
            RunView(r.id, r.kind, r.status, aware(r.started_at), aware(r.finished_at), r.counts, r.errors)
            for r in session.scalars(query)
        ]
