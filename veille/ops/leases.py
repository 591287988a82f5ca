"""Holding a lease while a job runs: taken at the start, renewed, given back at the end.

The lease of a job has the name of the job's run records ("crawl",
"crawl:daily", "classify", "scheduler"…), which lets its new holder close
the runs a dead holder left open. A holder on this machine whose process no
longer exists is known dead at once (after `kill -9` the next run does not
wait for the expiry); on another machine, the expiry tells.
"""

from __future__ import annotations

import logging
import os
import secrets
import socket
import threading
from contextlib import contextmanager
from datetime import timedelta
from typing import Iterator

from sqlalchemy.engine import Engine

from store import locks
from veille.errors import UserError

log = logging.getLogger("veille.leases")


class Busy(UserError):
    """Another process holds the lease: the job is refused, not queued."""


def new_owner() -> str:
    """host:pid:random — unique per holder, and enough to tell whether it still runs."""
    return f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(4)}"


def is_dead(owner: str) -> bool:
    """True only when the holder was a process of this machine that no longer runs."""
    host, _, rest = owner.partition(":")
    pid = rest.partition(":")[0]
    if host != socket.gethostname() or not pid.isdigit() or int(pid) == os.getpid():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:  # alive, under another user
        return False
    return False


def take(engine: Engine, name: str, owner: str, ttl: timedelta) -> bool:
    """Take the lease if free, expired, ours, or left by a dead process of this machine."""
    if locks.acquire(engine, name, owner, ttl):
        return True
    held = locks.holder(engine, name)
    if held is not None and is_dead(held.owner):
        log.warning("taking over a lease left by a stopped process", extra={"fields": {"lease": name, "from": held.owner}})
        return locks.acquire(engine, name, owner, ttl, steal_from=held.owner)
    return False


def busy_message(engine: Engine, name: str) -> str:
    held = locks.holder(engine, name)
    if held is None:
        return f"'{name}' is already running elsewhere; try again when it ends"
    return (f"'{name}' is already running (since {held.acquired_at:%Y-%m-%d %H:%M:%S} UTC, "
            f"by {held.owner.rsplit(':', 1)[0]}); try again when it ends")


class Renewer:
    """Renews a lease every third of its life in a daemon thread, until stopped."""

    def __init__(self, engine: Engine, name: str, owner: str, ttl: timedelta):
        self.engine, self.name, self.owner, self.ttl = engine, name, owner, ttl
        self.lost = threading.Event()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name=f"lease-{name}", daemon=True)

    def start(self) -> Renewer:
        self._thread.start()
        return self

    def _loop(self) -> None:
        while not self._stop.wait(self.ttl.total_seconds() / 3):
            try:
                if not locks.renew(self.engine, self.name, self.owner, self.ttl):
                    log.error("lease lost: another process took it over", extra={"fields": {"lease": self.name}})
                    self.lost.set()
                    return
            except Exception as exc:  # a locked or unreachable store: try again next tick
                log.warning("could not renew the lease", extra={"fields": {"lease": self.name, "error": exc}})

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)


@contextmanager
def held(engine: Engine, name: str, ttl: timedelta) -> Iterator[str]:
    """Run the block holding the lease `name`; raise Busy if another process holds it."""
    owner = new_owner()
    if not take(engine, name, owner, ttl):
        raise Busy(busy_message(engine, name))
    _close_left_open(engine, name)
    renewer = Renewer(engine, name, owner, ttl).start()
    try:
        yield owner
    finally:
        renewer.stop()
        try:
            locks.release(engine, name, owner)
        except Exception as exc:  # it expires on its own
            log.warning("could not release the lease", extra={"fields": {"lease": name, "error": exc}})


def _close_left_open(engine: Engine, name: str) -> int:
    """Close the runs of `name` still 'running': the caller just took its lease, so nobody runs them."""
    closed = locks.close_abandoned_runs(engine, name, "interrupted: the process running it stopped before the end")
    if closed:
        log.warning("closed runs left open by a stopped process", extra={"fields": {"lease": name, "runs": closed}})
    return closed


def close_all_left_open(engine: Engine, ttl: timedelta) -> dict[str, int]:
    """Close every run a stopped process left 'running', whatever its kind.

    A job's lease closes its kind's abandoned runs only when that job runs
    again; a new scheduler calls this as it takes over, so the runs its dead
    predecessor was in the middle of (a classification after the crawl, a
    send) read 'interrupted' at once, not days later. A kind whose lease is
    held by a live process is left alone: its runs are that process's.
    """
    closed = {}
    for name in locks.open_run_kinds(engine):
        owner = new_owner()
        if not take(engine, name, owner, ttl):
            continue
        try:
            closed[name] = _close_left_open(engine, name)
        finally:
            locks.release(engine, name, owner)
    return {k: n for k, n in closed.items() if n}
