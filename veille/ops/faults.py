"""The faults of a small server, recognised: a busy database is retried, a full disk explained.

A transient fault (SQLite locked by another writer past its busy timeout,
PostgreSQL deadlock, serialization failure or dropped connection) is retried
with a doubling delay: every job veille schedules is safe to run again
(items are upserted, classification only tags what has none, a send resumes,
an alert is once a day). A full disk is not retried at once: the transaction
was rolled back, so nothing is half-written, and the next scheduled run
tries again.
"""

from __future__ import annotations

import errno
import logging
import threading
from typing import Callable, TypeVar

from veille.errors import UserError

log = logging.getLogger("veille.faults")
T = TypeVar("T")

_SQLITE_BUSY = ("database is locked", "database table is locked", "database is busy")
_SQLITE_FULL = ("database or disk is full", "disk i/o error")
# PostgreSQL SQLSTATEs: serialization failure, deadlock, lock not available,
# admin shutdown, cannot connect now; class 08 is a lost connection.
_PG_TRANSIENT = {"40001", "40P01", "55P03", "57P01", "57P03"}
_PG_FULL = {"53100", "53200"}  # disk full, out of memory


def _cause(exc: BaseException) -> BaseException:
    return getattr(exc, "orig", None) or exc


def _message(exc: BaseException) -> str:
    return " ".join(str(_cause(exc)).split()).lower()


def _sqlstate(exc: BaseException) -> str:
    return getattr(_cause(exc), "sqlstate", None) or ""


def is_disk_full(exc: BaseException) -> bool:
    cause = _cause(exc)
    if isinstance(cause, OSError) and cause.errno in (errno.ENOSPC, errno.EDQUOT):
        return True
    return _sqlstate(exc) in _PG_FULL or any(m in _message(exc) for m in _SQLITE_FULL)


def is_transient(exc: BaseException) -> bool:
    if is_disk_full(exc):
        return False
    state = _sqlstate(exc)
    if state in _PG_TRANSIENT or state.startswith("08"):
        return True
    return any(m in _message(exc) for m in _SQLITE_BUSY) or "server closed the connection" in _message(exc)


def explain(exc: BaseException) -> str:
    """One line for a person: what happened and what to do."""
    if is_disk_full(exc):
        return ("the disk holding the database is full (" + _message(exc)[:120] + "); the work in progress "
                "was rolled back, nothing is half-written: free some space and run again")
    if isinstance(exc, UserError):
        return str(exc)
    if is_transient(exc):
        return "the database stayed busy (" + _message(exc)[:120] + "); nothing was lost: run again"
    text = " ".join(str(_cause(exc)).split())
    return f"{type(_cause(exc)).__name__}: {text}"[:500]


def retrying(
    func: Callable[[], T], attempts: int, delay: float, stop: threading.Event | None = None
) -> T:
    """Call `func`; on a transient fault wait `delay`, then twice as long…, `attempts` times in all."""
    stop = stop or threading.Event()
    for attempt in range(1, attempts + 1):
        try:
            return func()
        except Exception as exc:
            if not is_transient(exc) or attempt == attempts or stop.is_set():
                raise
            wait = delay * 2 ** (attempt - 1)
            log.warning(
                f"{_message(exc)[:100]}: retrying in {wait:g}s",
                extra={"fields": {"attempt": attempt, "attempts": attempts}},
            )
            if stop.wait(wait):
                raise
    raise AssertionError("unreachable")
