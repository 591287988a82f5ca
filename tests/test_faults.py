"""The faults of a small server: a locked database, a full disk, `kill -9` mid-crawl.

Each on a real SQLite store, real `veille` processes and the fixture web.
"""

from __future__ import annotations

import errno
import json
import os
import sqlite3
import subprocess
import sys

import pytest

from store import items as item_store
from store.db import open_engine
from tests.ops_helpers import Process, environment, runs_of, veille, wait_until, write_big_site
from veille.demo.server import FixtureWeb, slow_never_finishes

HOLD_WRITE_LOCK = """
import sqlite3, sys
conn = sqlite3.connect(sys.argv[1], isolation_level=None)
conn.execute("BEGIN IMMEDIATE")  # the write lock, as a long transaction of another program holds it
print("locked", flush=True)
sys.stdin.readline()
conn.execute("COMMIT")
"""


@pytest.fixture
def web():
    with FixtureWeb() as fw:
        yield fw


def _items(env) -> list[dict]:
    return json.loads(veille(env, "search", "--json", "--limit", "1000").stdout)


def test_a_locked_database_is_waited_for_then_nothing_is_lost(tmp_path, web):
    env = environment(tmp_path / "data", retry_delay="1")
    assert veille(env, "sources", "add", web.base_url("asso") + "/feed/").returncode == 0
    holder = subprocess.Popen([sys.executable, "-c", HOLD_WRITE_LOCK, str(tmp_path / "data" / "veille.sqlite")],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "locked"
        cycle = Process(env, tmp_path / "run.log", "run")
        cycle.wait_for("database is locked: retrying in 1s")  # past SQLite's own 10 s wait
        holder.stdin.write("\n")
        holder.stdin.flush()
        assert holder.wait(30) == 0
        assert cycle.finish() == 0, cycle.output()[-3000:]
    finally:
        holder.kill()
        cycle.stop()
    assert "crawl: 7 new items" in cycle.output()
    store_url = f"sqlite:///{tmp_path / 'data' / 'veille.sqlite'}"
    assert [(r.kind, r.status) for r in runs_of(store_url)] == [("crawl", "ok"), ("classify", "ok")]
    assert len(_items(env)) == 7


@pytest.fixture
def small_disk(tmp_path):
    """A 3 MB file system (tmpfs), to fill up."""
    mount = tmp_path / "small"
    mount.mkdir()
    if os.geteuid() != 0 or subprocess.run(["mount", "-t", "tmpfs", "-o", "size=3m", "tmpfs", str(mount)],
                                           capture_output=True).returncode != 0:
        pytest.skip("mounting a small file system needs root (CI and the dev machines have it)")
    yield mount
    subprocess.run(["umount", "-l", str(mount)], check=False)


def _fill(path, leave: int) -> None:
    """Fill the file system, then give back `leave` bytes: veille opens its store, then its writes fail."""
    with open(path, "wb", buffering=0) as f:
        try:
            while True:
                f.write(b"\0" * 4096)
        except OSError as exc:
            assert exc.errno == errno.ENOSPC
    os.truncate(path, max(0, path.stat().st_size - leave))


def test_a_full_disk_is_one_clear_error_and_the_next_run_stores_everything(small_disk, web):
    env = environment(small_disk / "data")
    assert veille(env, "sources", "add", web.base_url("asso") + "/feed/").returncode == 0
    filler = small_disk / "filler"
    _fill(filler, leave=65536)

    full = veille(env, "crawl")
    assert full.returncode == 1
    assert full.stderr.strip().splitlines()[-1] == (
        "veille: error: the disk holding the database is full (database or disk is full); the work in progress "
        "was rolled back, nothing is half-written: free some space and run again")
    assert "Traceback" not in full.stderr
    assert item_store.count_items(open_engine(f"sqlite:///{small_disk / 'data' / 'veille.sqlite'}")) == 0

    filler.unlink()
    assert veille(env, "crawl").returncode == 0
    items = _items(env)
    assert len(items) == 7 and len({i["url"] for i in items}) == 7
    store_url = f"sqlite:///{small_disk / 'data' / 'veille.sqlite'}"
    assert runs_of(store_url)[-1].kind == "crawl" and runs_of(store_url)[-1].status == "ok"
    assert all(r.status != "running" for r in runs_of(store_url))
    with sqlite3.connect(small_disk / "data" / "veille.sqlite") as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def test_kill_9_mid_crawl_then_the_next_crawl_has_every_item_once(tmp_path):
    write_big_site(tmp_path / "sites", 70)
    with FixtureWeb(sites_dir=tmp_path / "sites", extra_routes={"lent": slow_never_finishes}) as fw:
        env = environment(tmp_path / "data", crawl_timeout="60")
        assert veille(env, "sources", "add", fw.base_url("gros") + "/feed.atom").returncode == 0
        assert veille(env, "sources", "add", fw.base_url("lent") + "/feed/").returncode == 0
        store_url = f"sqlite:///{tmp_path / 'data' / 'veille.sqlite'}"
        engine = open_engine(store_url)
        crawl = Process(env, tmp_path / "crawl.log", "crawl")
        try:
            wait_until(lambda: item_store.count_items(engine) >= 50, 120, "a first batch of items written")
            overlap = veille(env, "crawl")  # the slow site holds this crawl open: a second one is refused
            assert overlap.returncode == 1
            assert overlap.stderr.startswith("veille: error: 'crawl' is already running (since ")
            crawl.kill_all()  # parent and crawl child, in the middle of the crawl
        finally:
            crawl.stop()
        stored_when_killed = item_store.count_items(engine)
        engine.dispose()
        assert 50 <= stored_when_killed < 70

        again = veille({**env, "VEILLE_CRAWL_TIMEOUT": "2"}, "crawl", "--json")  # no wait for the dead lease
        assert again.returncode == 0, again.stderr
        assert json.loads(again.stdout)["new"] == 70 - stored_when_killed
    items = _items(env)
    assert len(items) == 70 and len({i["url"] for i in items}) == 70
    assert [r.status for r in runs_of(store_url, "crawl")] == ["interrupted", "partial"]
