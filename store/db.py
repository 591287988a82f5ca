"""Opening the store: engines, sessions, and the SQLite settings that matter."""

from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import ArgumentError, OperationalError
from sqlalchemy.orm import Session, sessionmaker


class StoreError(Exception):
    """The store cannot be opened or used; the message says why in one line."""


def _sqlite_pragmas(dbapi_conn, _record) -> None:
    # WAL lets the web app read while a crawl writes; the busy timeout makes a
    # second writer wait instead of failing; SQLite leaves foreign keys off.
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=10000")
    cur.close()


def normalize_url(url: str) -> str:
    """Accept plain `postgresql://` URLs and use psycopg 3 for them."""
    if url.startswith("postgresql://") or url.startswith("postgres://"):
        return "postgresql+psycopg://" + url.split("://", 1)[1]
    return url


def open_engine(url: str, check: bool = True) -> Engine:
    """An engine for `url`; with `check`, fail now with a clear StoreError if unreachable."""
    try:
        parsed = make_url(normalize_url(url))
    except ArgumentError:
        raise StoreError(f"not a database URL: {url!r}") from None
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(parsed, connect_args={"timeout": 10})
        event.listen(engine, "connect", _sqlite_pragmas)
    else:
        try:
            engine = create_engine(parsed, pool_pre_ping=True, connect_args={"connect_timeout": 5})
        except ModuleNotFoundError as exc:
            raise StoreError(f"no driver for {parsed.get_backend_name()}: {exc}") from None
    if check:
        try:
            with engine.connect() as conn:
                conn.execute(text("SELECT 1"))
        except OperationalError as exc:
            reason = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
            raise StoreError(
                f"cannot open the database {parsed.render_as_string(hide_password=True)}: {reason}"
            ) from None
    return engine


def session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


@contextmanager
def transaction(engine: Engine) -> Iterator[Session]:
    """A session committed on success and rolled back on any error."""
    with Session(engine, expire_on_commit=False) as session:
        with session.begin():
            yield session


# Values per IN (…): well under the bound-parameter limits of SQLite and PostgreSQL.
IN_CHUNK = 500


def in_chunks(values: list) -> Iterator[list]:
    """`values` in slices small enough for one IN (…)."""
    for start in range(0, len(values), IN_CHUNK):
        yield values[start : start + IN_CHUNK]
