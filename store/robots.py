"""The robots.txt cache: the last copy of each site's robots.txt, and when it was read.

Keyed by site ("scheme://host:port"): robots.txt rules apply to one scheme,
host and port (RFC 9309). Only answers that settle the rules are kept (a
2xx body, or a 4xx that means "no rules"); a site that could not be reached
is asked again at the next crawl.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, insert, select
from sqlalchemy.engine import Engine

from store.db import in_chunks, transaction
from store.schema import RobotsTxt
from store.timeutil import aware



@dataclass(frozen=True)
class RobotsRecord:
    site: str
    status: int
    body: bytes
    etag: str | None
    last_modified: str | None
    fetched_at: datetime


def load(engine: Engine, sites: list[str]) -> dict[str, RobotsRecord]:
    """The cached copies of these sites' robots.txt, by site (absent: never read)."""
    found: dict[str, RobotsRecord] = {}
    with transaction(engine) as session:
        for chunk in in_chunks(sites):
            rows = session.scalars(select(RobotsTxt).where(RobotsTxt.site.in_(chunk)))
            found.update((row.site, _record(row)) for row in rows)
    return found


def save(engine: Engine, records: list[RobotsRecord]) -> None:
    """Keep these copies, replacing the sites' previous ones (one transaction)."""
    latest = {r.site: r for r in records}
    sites = list(latest)
    with transaction(engine) as session:
        for chunk in in_chunks(sites):
            session.execute(delete(RobotsTxt).where(RobotsTxt.site.in_(chunk)))
        if latest:
            session.execute(insert(RobotsTxt), [_row(r) for r in latest.values()])


def _record(row: RobotsTxt) -> RobotsRecord:
    return RobotsRecord(row.site, row.status, bytes(row.body), row.etag, row.last_modified, aware(row.fetched_at))


def _row(record: RobotsRecord) -> dict:
    return {"site": record.site, "status": record.status, "body": record.body, "etag": record.etag,
            "last_modified": record.last_modified, "fetched_at": record.fetched_at}
