"""A consistent copy of the SQLite store, taken while veille runs.

SQLite's online backup API copies the database as of one moment (a read
transaction: in WAL mode the crawler and the web app go on writing). The
copy is written beside its destination under a temporary name and renamed
only once complete and checked, so a full disk or a crash never leaves a
half-written backup that looks like a good one. On PostgreSQL, use
pg_dump / pg_restore (see the README).
"""

from __future__ import annotations

import os
import sqlite3
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from sqlalchemy.engine import make_url

from veille.errors import UserError


@dataclass(frozen=True)
class BackupReport:
    path: Path
    bytes: int
    pages: int
    duration: float

    def to_json(self) -> dict:
        return {"file": str(self.path), "bytes": self.bytes, "pages": self.pages, "duration": round(self.duration, 3)}


def sqlite_path(store_url: str) -> Path:
    url = make_url(store_url)
    if url.get_backend_name() != "sqlite":
        raise UserError("`veille backup` copies a SQLite store; on PostgreSQL use pg_dump "
                        "(see the README, section Operations)")
    if not url.database or url.database == ":memory:":
        raise UserError("the store is in memory: nothing to back up")
    return Path(url.database)


def default_destination(data_dir: Path) -> Path:
    return data_dir / "backups" / f"veille-{datetime.now(timezone.utc):%Y%m%dT%H%M%SZ}.sqlite"


def backup(source: Path, destination: Path) -> BackupReport:
    if not source.exists():
        raise UserError(f"no store to back up at {source}")
    started = time.monotonic()
    destination.parent.mkdir(parents=True, exist_ok=True)
    partial = destination.with_name(destination.name + ".partial")
    partial.unlink(missing_ok=True)
    try:
        pages = _copy(source, partial)
        _check(partial)
        with open(partial, "rb") as f:
            os.fsync(f.fileno())
        os.replace(partial, destination)
    except (sqlite3.Error, OSError) as exc:
        partial.unlink(missing_ok=True)
        raise UserError(f"backup failed, no file written: {exc}") from None
    return BackupReport(destination, destination.stat().st_size, pages, time.monotonic() - started)


def _copy(source: Path, target: Path) -> int:
    src = sqlite3.connect(source, timeout=30)
    dst = sqlite3.connect(target)
    try:
        # One step (pages=-1): one read transaction, so one moment. Copying in
        # slices would restart each time another process writes in between.
        src.backup(dst, pages=-1)
        dst.execute("PRAGMA journal_mode=DELETE")  # the copy is one self-contained file
        return dst.execute("PRAGMA page_count").fetchone()[0]
    finally:
        dst.close()
        src.close()


def _check(path: Path) -> None:
    conn = sqlite3.connect(path)
    try:
        result = conn.execute("PRAGMA integrity_check").fetchone()[0]
    finally:
        conn.close()
    if result != "ok":
        raise sqlite3.DatabaseError(f"the copy fails its integrity check: {result}")
