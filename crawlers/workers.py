"""A pool of worker processes for the CPU work of a crawl: parsing, extraction, assembly.

Extraction is the budget of a crawl (about 20 ms of CPU per real article
page, perf-notes.md) while fetching costs 3 ms: in the Scrapy process it would
use one core and stall the downloads. The workers use the other cores and
leave the reactor free to fetch.

The pool is forked when the crawl process starts, before Twisted runs and
before any thread exists, so the workers start at once with the extraction
libraries already imported (a spawned worker would import them again, a
second or so each). With `size` 0 the work runs inline, in the caller.

A worker that dies (a page that crashes lxml, the OOM killer) breaks the
pool: the work then goes on inline, slower but complete.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import os
from concurrent.futures import BrokenExecutor, ProcessPoolExecutor
from collections import deque
from typing import Callable, Iterable, Iterator

logger = logging.getLogger(__name__)


def _die_with_parent() -> None:
    """Linux: a worker is killed when the crawl process dies, however it dies.

    Otherwise a crashed crawl would leave its workers waiting for work for
    ever, holding the pipe the parent watches to know the crawl ended.
    """
    try:
        import ctypes
        import signal

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass  # not Linux: kill() on time-out still stops them


def default_size() -> int:
    return max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1))


class Workers:
    def __init__(self, size: int):
        self.size = size
        self.pool: ProcessPoolExecutor | None = None
        if size > 0:
            self.pool = ProcessPoolExecutor(size, mp_context=multiprocessing.get_context("fork"),
                                            initializer=_die_with_parent)
            # With "fork", the executor starts every worker at the first submit:
            # do it now, while this process has a single thread.
            self.pool.submit(os.getpid).result()

    async def run(self, function: Callable, *args):
        """`function(*args)` in a worker (inline when there is no pool or it broke)."""
        if self.pool is None:
            return function(*args)
        try:
            future = self.pool.submit(function, *args)
        except (BrokenExecutor, RuntimeError):
            return self._inline(function, *args)
        try:
            return await asyncio.wrap_future(future)
        except BrokenExecutor:
            return self._inline(function, *args)

    def _inline(self, function: Callable, *args):
        if self.pool is not None:
            logger.warning("the extraction workers died; going on in the crawl process")
            self.kill()
        return function(*args)

    def close(self) -> None:
        if self.pool is not None:
            self.pool.shutdown(wait=True, cancel_futures=True)
            self.pool = None

    def kill(self) -> None:
        """Stop the workers now (the crawl is out of time, or the pool broke)."""
        pool, self.pool = self.pool, None
        if pool is None:
            return
        for process in list(getattr(pool, "_processes", {}).values()):  # no public way to reach them
            if process.is_alive():
                process.kill()
        pool.shutdown(wait=False, cancel_futures=True)


def map_ordered(function: Callable, jobs: Iterable[tuple], size: int | None = None) -> Iterator:
    """`function(*job)` for each job, in order, computed by a pool of `size` processes.

    Jobs are read lazily, a few per worker ahead, so that a long list of
    inputs (`veille extract *.html`) is never all in memory at once.
    """
    size = default_size() if size is None else size
    if size <= 1:
        yield from (function(*job) for job in jobs)
        return
    with ProcessPoolExecutor(size, mp_context=multiprocessing.get_context("fork"),
                             initializer=_die_with_parent) as pool:
        pending: deque = deque()
        for job in jobs:
            pending.append(pool.submit(function, *job))
            if len(pending) >= size * 4:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()
