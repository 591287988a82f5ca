"""`veille schedule` on its own: one runner among several, nothing skipped, clean stops.

Real `veille schedule` processes on one store (SQLite file and PostgreSQL),
crawling the fixture web on loopback; schedules in seconds (6-field cron).
"""

from __future__ import annotations

import json
import signal
from datetime import datetime, timedelta, timezone

import httpx
import pytest

from tests.ops_helpers import Process, environment, runs_of, veille, wait_until
from tests.servers import free_port
from veille.demo.server import FixtureWeb, slow_never_finishes


@pytest.fixture
def web():
    with FixtureWeb(extra_routes={"lent": slow_never_finishes}) as fw:
        yield fw


def _finished(store_url, kind):
    return [r for r in runs_of(store_url, kind) if r.status != "running"]


def test_two_schedulers_run_each_job_once_and_the_spare_takes_over(tmp_path, store_url, web):
    env = environment(tmp_path / "data", store_url, schedule_crawl="*/3 * * * * *")
    assert veille(env, "sources", "add", web.base_url("asso") + "/feed/", "--name", "Parlons Ensemble").returncode == 0
    both = [Process(env, tmp_path / "one.log", "schedule"), Process(env, tmp_path / "two.log", "schedule")]
    try:
        wait_until(lambda: any("running the jobs" in p.output() for p in both), 120, "a runner")
        first, second = sorted(both, key=lambda p: "running the jobs" not in p.output())
        second.wait_for("standing by")
        wait_until(lambda: _finished(store_url, "crawl"), 120, "a first crawl")
        left_by_first = {r.id for r in runs_of(store_url)}
        first.kill_all()  # the runner dies, perhaps mid-crawl: the spare must take over
        second.wait_for("running the jobs")
        assert "running the jobs" not in second.output().split("standing by")[0]  # it had stood by
        # what the dead runner was doing (a crawl, the classification after it) is closed at the takeover
        assert all(r.status != "running" for r in runs_of(store_url) if r.id in left_by_first)
        took_over = datetime.now(timezone.utc)
        wait_until(lambda: any(r.status == "ok" and r.started_at > took_over for r in _finished(store_url, "crawl")),
                   120, "a crawl by the spare")
        second.signal(signal.SIGTERM)
        assert second.finish() == 0, second.output()[-3000:]
    finally:
        for process in both:
            process.stop()

    crawls = runs_of(store_url, "crawl")
    for earlier, later in zip(crawls, crawls[1:]):  # one at a time, never two at once
        assert earlier.finished_at is not None and earlier.finished_at <= later.started_at
    assert all(r.status in ("ok", "interrupted") for r in crawls), [(r.status, r.errors) for r in crawls]
    assert all(r.status != "running" for r in runs_of(store_url))
    leaders = runs_of(store_url, "scheduler")
    assert [r.status for r in leaders] == ["interrupted", "ok"]  # the killed runner's tenure is closed
    items = json.loads(veille(env, "search", "--json", "--limit", "100").stdout)
    assert len(items) == 7 and len({i["url"] for i in items}) == 7


def test_a_time_missed_while_down_runs_once_at_restart(tmp_path):
    store_url = f"sqlite:///{tmp_path / 'store.sqlite'}"  # the catch-up reads run records: any store
    due = datetime.now(timezone.utc).replace(microsecond=0) + timedelta(seconds=15)
    env = environment(tmp_path / "data", store_url, schedule_digest=f"{due.second} {due.minute} {due.hour} * * *")

    def start_and_stop(name: str) -> str:
        process = Process(env, tmp_path / f"{name}.log", "schedule")
        try:
            process.wait_for("running the jobs")  # what is caught up is logged before this line
            if "catching up" in process.output():
                wait_until(lambda: _finished(store_url, "digest"), 60, "the digest run")
            process.signal(signal.SIGTERM)
            assert process.finish() == 0, process.output()[-3000:]
            return process.output()
        finally:
            process.stop()

    start_and_stop("before")
    if datetime.now(timezone.utc) >= due:
        pytest.skip("this machine took too long to start veille: the scheduled time passed while it was up")
    assert runs_of(store_url, "digest") == []
    wait_until(lambda: datetime.now(timezone.utc) > due + timedelta(seconds=1), 30, "the scheduled time to pass")

    after = start_and_stop("after")  # veille was down at the scheduled time
    assert after.count("catching up") == 1 and "job=digest" in after
    assert [r.status for r in runs_of(store_url, "digest")] == ["ok"]

    again = start_and_stop("again")  # caught up once, not at every start
    assert "catching up" not in again
    assert len(runs_of(store_url, "digest")) == 1


def test_sigterm_lets_the_crawl_in_progress_end(tmp_path, web):
    env = environment(tmp_path / "data", schedule_crawl="*/2 * * * * *", crawl_timeout="3")
    assert veille(env, "sources", "add", web.base_url("asso") + "/feed/", "--name", "Parlons Ensemble").returncode == 0
    assert veille(env, "sources", "add", web.base_url("lent") + "/feed/", "--name", "Site lent").returncode == 0
    store_url = f"sqlite:///{tmp_path / 'data' / 'veille.sqlite'}"
    web.clear_requests()  # adding a source may have fetched it
    process = Process(env, tmp_path / "schedule.log", "schedule")
    try:
        process.wait_for("kind=crawl")
        wait_until(lambda: web.requests("lent"), 120, "the crawl to reach the slow site")
        process.signal(signal.SIGTERM)
        assert process.finish() == 0, process.output()[-3000:]
    finally:
        process.stop()
    assert "stopping: the job in progress ends first" in process.output()
    crawls = runs_of(store_url, "crawl")
    assert len(crawls) == 1 and crawls[0].status in ("partial", "failed")  # cut short, and closed
    # The slow site's channel is reported unfinished: cut by the stop, or, when its robots.txt gave up
    # first (a download in flight ends before Scrapy stops), skipped for this crawl.
    [error] = [e["error"] for e in crawls[0].errors if e["url"].startswith(web.base_url("lent"))]
    assert ("the crawl stopped before this channel was finished" in error
            or error.startswith("robots.txt unreachable, nothing fetched from")), error
    assert runs_of(store_url, "classify") == []  # nothing started after the signal
    assert all(r.status != "running" for r in runs_of(store_url))
    assert veille(env, "crawl", "--source", "1").returncode == 0  # nothing lost: the next crawl has it all
    items = json.loads(veille(env, "search", "--json", "--limit", "100").stdout)
    assert len(items) == 7 and len({i["url"] for i in items}) == 7


def test_schedule_and_serve_in_one_process(tmp_path):
    env = environment(tmp_path / "data")
    port = free_port()
    process = Process(env, tmp_path / "both.log", "schedule", "--serve", "--port", str(port))
    try:
        process.wait_for("running the jobs")
        wait_until(lambda: _get(f"http://127.0.0.1:{port}/") == 200, 60, "the web app")
        process.signal(signal.SIGINT)
        assert process.finish() == 0, process.output()[-3000:]
    finally:
        process.stop()


def _get(url: str) -> int:
    try:
        return httpx.get(url, timeout=2, follow_redirects=True).status_code
    except httpx.HTTPError:
        return 0


def test_a_wrong_cron_expression_is_one_clear_line(tmp_path):
    result = veille(environment(tmp_path / "data", schedule_crawl="every day"), "schedule")
    assert result.returncode == 1
    assert result.stderr.strip().splitlines()[-1].startswith(
        "veille: error: schedule_crawl: not a cron expression ('every day')")


def test_weekdays_are_read_as_cron_reads_them():
    from veille.ops.cron import trigger

    wednesday = datetime(2026, 11, 4, 12, tzinfo=timezone.utc)
    fire = lambda expr: trigger(expr, "x").get_next_fire_time(None, wednesday)  # noqa: E731
    assert fire("0 6 * * 0").strftime("%a %H:%M") == "Sun 06:00"
    assert fire("0 6 * * 7").strftime("%a") == "Sun"
    assert fire("0 6 * * 1-5").strftime("%a %d") == "Thu 05"
    assert fire("30 0 6 * * 3").strftime("%a %d %H:%M:%S") == "Wed 11 06:00:30"
