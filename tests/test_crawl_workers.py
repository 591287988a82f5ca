"""The crawl's worker pool (crawlers.workers): jobs run in other processes,
answers and errors come back to the right caller, and a dying worker costs
speed, never a job."""

from __future__ import annotations

import asyncio
import os

import pytest

from crawlers.feeds import FeedError
from crawlers.workers import Workers


def where(tag):
    return tag, os.getpid()


def fail(message):
    raise FeedError(message)


def die_unless_in(pid):
    if os.getpid() != pid:
        os._exit(1)  # a crash in a worker: lxml segfaulting, the OOM killer
    return "done inline"


def big(size):
    return b"x" * size


def run(workers, *calls):
    async def main():
        return await asyncio.gather(*(workers.run(*call) for call in calls), return_exceptions=True)

    try:
        return asyncio.run(main())
    finally:
        workers.close()


def test_jobs_run_in_the_workers_and_each_answer_reaches_its_caller():
    answers = run(Workers(2), *[(where, n) for n in range(20)])
    assert [tag for tag, _pid in answers] == list(range(20))
    assert os.getpid() not in {pid for _tag, pid in answers}


def test_large_jobs_and_answers_cross_whole():
    answers = run(Workers(1), (big, 5_000_000), (len, b"y" * 3_000_000))
    assert answers == [b"x" * 5_000_000, 3_000_000]


def test_an_error_in_a_job_reaches_its_caller_with_its_type_and_the_others_go_on():
    answers = run(Workers(2), (where, 1), (fail, "not a feed"), (where, 2))
    assert isinstance(answers[1], FeedError) and str(answers[1]) == "not a feed"
    assert [answers[0][0], answers[2][0]] == [1, 2]


def test_a_dying_worker_breaks_the_pool_and_the_work_goes_on_inline():
    workers = Workers(2)
    answers = run(workers, (where, 1), (die_unless_in, os.getpid()), *[(where, n) for n in range(2, 8)])
    assert answers[1] == "done inline"
    assert [a[0] for a in answers[:1] + answers[2:]] == [1, *range(2, 8)]
    assert workers.broken and workers.workers == []


def test_without_workers_jobs_run_inline():
    assert run(Workers(0), (where, 1)) == [(1, os.getpid())]


@pytest.mark.parametrize("stop", ["close", "kill"])
def test_stopped_workers_leave_no_process(stop):
    workers = Workers(2)
    processes = [w.process for w in workers.workers]
    assert all(p.is_alive() for p in processes)
    getattr(workers, stop)()
    assert not any(p.is_alive() for p in processes)


def slow(tag):
    import time

    time.sleep(0.05)
    return tag


def test_urgent_jobs_go_before_the_ones_waiting_for_a_worker():
    workers = Workers(1)
    finished = []

    async def one(tag, urgent=False):
        finished.append(await workers.run(slow, tag, urgent=urgent))

    async def main():
        waiting = [asyncio.ensure_future(one(f"page {n}")) for n in range(6)]
        await asyncio.sleep(0)  # the pages are handed over or queued
        await asyncio.gather(one("feed", urgent=True), *waiting)

    try:
        asyncio.run(main())
    finally:
        workers.close()
    # The worker already held two pages (crawlers.workers.JOBS_AHEAD); the feed came next.
    assert finished.index("feed") <= 2
    assert sorted(finished) == sorted(["feed", *(f"page {n}" for n in range(6))])


def test_a_job_that_cannot_cross_to_a_worker_fails_alone():
    answers = run(Workers(1), (where, 1), (len, [lambda: None]), (where, 2))
    assert isinstance(answers[1], Exception)
    assert [answers[0][0], answers[2][0]] == [1, 2]


def test_the_forkserver_loads_what_every_crawl_would_otherwise_load_again():
    """crawlers.preload runs in the forkserver: the crawls forked from it start with the
    language model and the date parser's patterns ready, not each worker loading its own."""
    import subprocess
    import sys

    probe = ("import crawlers.preload, crawlers.metadata as m, py3langid.langid as l;"
             "print(l.IDENTIFIER is not None, m._date_parser.cache_info().currsize)")
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=120)
    assert out.stdout.split() == ["True", "1"]
