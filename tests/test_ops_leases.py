"""The lease under the scheduler and the jobs, on SQLite and PostgreSQL: one holder at a time."""

from __future__ import annotations

import subprocess
import sys
from datetime import timedelta

import pytest

from store import locks
from store import runs as run_store
from veille.ops import leases


def test_one_holder_at_a_time_until_it_expires(engine):
    minute = timedelta(minutes=1)
    assert locks.acquire(engine, "crawl", "host:1:a", minute)
    assert not locks.acquire(engine, "crawl", "host:2:b", minute)  # held: refused, not queued
    assert locks.acquire(engine, "crawl", "host:1:a", minute)  # the holder may take it again
    assert locks.acquire(engine, "crawl", "host:2:b", timedelta(seconds=-1)) is False
    assert locks.acquire(engine, "classify", "host:2:b", minute)  # another job is another lease
    locks.release(engine, "crawl", "host:1:a")
    assert locks.acquire(engine, "crawl", "host:2:b", timedelta(seconds=-1))  # free: taken (already expired)
    assert locks.acquire(engine, "crawl", "host:3:c", minute)  # expired: taken over
    assert not locks.renew(engine, "crawl", "host:2:b", minute)  # the old holder learns it lost it
    assert locks.holder(engine, "crawl").owner == "host:3:c"


def test_a_dead_holder_is_replaced_at_once_and_its_runs_closed(engine):
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    owner = leases.new_owner().replace(f":{__import__('os').getpid()}:", f":{dead.pid}:")
    assert locks.acquire(engine, "crawl", owner, timedelta(hours=1))
    left_open = run_store.start_run(engine, "crawl")
    with leases.held(engine, "crawl", timedelta(minutes=1)):
        with pytest.raises(leases.Busy, match=r"^'crawl' is already running \(since "):
            with leases.held(engine, "crawl", timedelta(minutes=1)):
                pass
    [run] = run_store.list_runs(engine, kind="crawl")
    assert run.id == left_open and run.status == "interrupted" and run.finished_at is not None
    assert locks.holder(engine, "crawl") is None  # given back at the end


def _dead_owner() -> str:
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    return leases.new_owner().replace(f":{__import__('os').getpid()}:", f":{dead.pid}:")


def test_a_new_runner_closes_what_a_dead_one_left_running_of_every_kind(engine):
    hour = timedelta(hours=1)
    dead, alive = _dead_owner(), "elsewhere:1:live"
    assert locks.acquire(engine, "classify", dead, hour)  # killed mid-classification
    assert locks.acquire(engine, "send", dead, hour)  # and mid-send
    assert locks.acquire(engine, "crawl", alive, hour)  # a crawl by hand on another machine, still going
    left = {kind: run_store.start_run(engine, kind) for kind in ("classify", "send", "crawl")}
    ok = run_store.start_run(engine, "digest")
    run_store.finish_run(engine, ok, "ok", {}, [])

    assert leases.close_all_left_open(engine, timedelta(minutes=1)) == {"classify": 1, "send": 1}
    status = {r.id: r.status for r in run_store.list_runs(engine)}
    assert status == {left["classify"]: "interrupted", left["send"]: "interrupted", left["crawl"]: "running", ok: "ok"}
    assert locks.holder(engine, "classify") is None and locks.holder(engine, "send") is None  # given back
    assert locks.holder(engine, "crawl").owner == alive  # the live holder keeps its lease and its run
    assert leases.close_all_left_open(engine, timedelta(minutes=1)) == {}  # nothing more to close
