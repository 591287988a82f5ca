"""A pool of worker processes for the CPU work of a crawl: parsing, extraction, assembly.

Extraction is the budget of a crawl (about 20 ms of CPU per real article
page, perf-notes.md) while fetching costs 3 ms: in the Scrapy process it would
use one core and stall the downloads. The workers use the other cores and
leave the reactor free to fetch.

The pool is forked when the crawl process starts, before Twisted runs and
before any thread exists, so the workers start at once with the extraction
libraries already imported (a spawned worker would import them again, a
second or so each). With `size` 0 the work runs inline, in the caller.

Each worker is joined by a socket pair that the reactor's own loop watches,
with no thread in between. concurrent.futures' pool needs two (its
manager and its queue's feeder), and the reactor then waits for the GIL at
every job it hands over, up to the 5 ms switch interval a time, longer when
the OS preempts the thread that holds it: on a busy machine, a tenth of a
small crawl's wall time (bench_crawl).

A worker that dies (a page that crashes lxml, the OOM killer) breaks the
pool: the work then goes on inline, slower but complete.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import os
import pickle
import signal
import socket
import struct
from collections import deque
from concurrent.futures import ProcessPoolExecutor
from typing import Callable, Iterable, Iterator

logger = logging.getLogger(__name__)

# Jobs handed to one worker ahead of its answers: the next one waits in its
# socket while it works, so it never idles while the reactor is busy.
JOBS_AHEAD = 2
_HEADER = struct.Struct("!Q")  # the length of each pickled message
_READ_SIZE = 1 << 20


def _die_with_parent() -> None:
    """Linux: a worker is killed when the crawl process dies, however it dies.

    Otherwise a crashed crawl would leave its workers waiting for work for
    ever, holding the pipe the parent watches to know the crawl ended.
    """
    try:
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass  # not Linux: kill() on time-out still stops them


def default_size() -> int:
    return max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1))


class WorkerDied(Exception):
    """The worker holding a job died before answering."""


class Workers:
    def __init__(self, size: int):
        self.size = size
        self.workers: list[_Worker] = []
        self.leaving: list[_Worker] = []  # released, not yet gone
        # Jobs no worker can take yet: the urgent ones, then the others.
        self.waiting: tuple[deque, deque] = (deque(), deque())
        self._loop: asyncio.AbstractEventLoop | None = None
        self.broken = False  # a worker died: the rest of the work runs inline
        for _ in range(size):
            self.workers.append(_Worker.fork([w.sock for w in self.workers]))

    async def run(self, function: Callable, *args, urgent: bool = False):
        """`function(*args)` in a worker (inline when there is no pool or it broke).

        An `urgent` job goes before the others that wait for a worker: reading
        a feed brings the requests of its articles, which can then be fetched
        while the pages already there are extracted.
        """
        if not self.workers:
            return function(*args)
        self._watch(asyncio.get_running_loop())
        future = self._loop.create_future()
        self.waiting[0 if urgent else 1].append(((function, args), future))
        self._dispatch()
        try:
            ok, value = await future
        except WorkerDied:
            return function(*args)
        if not ok:
            raise value
        return value

    def _watch(self, loop: asyncio.AbstractEventLoop) -> None:
        """Hand the workers' sockets to the running loop (the reactor's), once."""
        if self._loop is loop:
            return
        self._loop = loop
        for worker in self.workers:
            loop.add_reader(worker.sock.fileno(), self._readable, worker)

    def _dispatch(self) -> None:
        while any(self.waiting) and self.workers:
            worker = min(self.workers, key=lambda w: len(w.jobs))
            if len(worker.jobs) >= JOBS_AHEAD:
                return
            job, future = (self.waiting[0] or self.waiting[1]).popleft()
            try:
                message = _message(job)  # only now: a waiting page is not held twice
            except Exception as exc:  # noqa: BLE001 - this job's own fault, told to its caller
                future.set_exception(exc)
                continue
            worker.jobs.append(future)
            worker.outbox += message
            self._write(worker)

    def _write(self, worker: _Worker) -> None:
        try:
            sent = worker.sock.send(worker.outbox)
        except BlockingIOError:
            sent = 0
        except OSError:
            return self._break()
        del worker.outbox[:sent]
        if worker.outbox and not worker.writing:  # the rest when the worker has read some
            worker.writing = True
            self._loop.add_writer(worker.sock.fileno(), self._writable, worker)

    def _writable(self, worker: _Worker) -> None:
        self._write(worker)
        if not worker.outbox and worker.writing and self.workers:
            worker.writing = False
            self._loop.remove_writer(worker.sock.fileno())

    def _readable(self, worker: _Worker) -> None:
        try:
            data = worker.sock.recv(_READ_SIZE)
        except BlockingIOError:
            return
        except OSError:
            data = b""
        if not data:  # the worker is gone
            return self._break()
        worker.inbox += data
        for answer in worker.answers():
            future = worker.jobs.popleft()
            if not future.done():
                future.set_result(answer)
        self._dispatch()

    def _break(self) -> None:
        """A worker died: stop them all; every job waiting for one goes on inline."""
        logger.warning("the extraction workers died; going on in the crawl process")
        self.broken = True
        futures = [f for w in self.workers for f in w.jobs] + [f for queue in self.waiting for _job, f in queue]
        for queue in self.waiting:
            queue.clear()
        self.kill()
        for future in futures:
            if not future.done():
                future.set_exception(WorkerDied())

    def release(self) -> None:
        """No job will come any more: let the workers leave, without waiting for them.

        Called when the spider closes, so that they exit while Scrapy stops,
        not after.
        """
        workers, self.workers = self.workers, []
        for worker in workers:
            self._forget(worker)
            worker.sock.close()  # the worker reads the end of its input and leaves
        self.leaving.extend(workers)

    def close(self) -> None:
        """Stop the workers once their work is done (the crawl is over: they hold none)."""
        self.release()
        leaving, self.leaving = self.leaving, []
        for worker in leaving:
            worker.process.join(timeout=5)
            if worker.process.is_alive():
                worker.process.kill()
                worker.process.join()

    def kill(self) -> None:
        """Stop the workers now (the crawl is out of time, or the pool broke)."""
        for worker in self.workers:
            self._forget(worker)
            worker.sock.close()
        workers, self.workers, self.leaving = self.workers + self.leaving, [], []
        for worker in workers:
            if worker.process.is_alive():
                worker.process.kill()
        for worker in workers:
            worker.process.join(timeout=5)

    def _forget(self, worker: _Worker) -> None:
        if self._loop is not None and not self._loop.is_closed():
            self._loop.remove_reader(worker.sock.fileno())
            if worker.writing:
                self._loop.remove_writer(worker.sock.fileno())


class _Worker:
    """One worker process, the crawl's end of its socket pair, and the jobs it holds, in order."""

    def __init__(self, process, sock: socket.socket):
        self.process, self.sock = process, sock
        self.jobs: deque[asyncio.Future] = deque()
        self.inbox, self.outbox = bytearray(), bytearray()
        self.writing = False

    @classmethod
    def fork(cls, others: list[socket.socket]) -> _Worker:
        ours, theirs = socket.socketpair()
        process = multiprocessing.get_context("fork").Process(
            target=_serve, args=(theirs, [ours, *others]), name="veille-extract", daemon=True)
        process.start()
        theirs.close()
        ours.setblocking(False)
        return cls(process, ours)

    def answers(self) -> Iterator[tuple[bool, object]]:
        """The complete answers received so far, in order."""
        while len(self.inbox) >= _HEADER.size:
            (size,) = _HEADER.unpack_from(self.inbox)
            if len(self.inbox) < _HEADER.size + size:
                return
            body = bytes(self.inbox[_HEADER.size : _HEADER.size + size])
            del self.inbox[: _HEADER.size + size]
            try:
                yield pickle.loads(body)
            except Exception as exc:  # noqa: BLE001 - this job's answer only
                yield False, exc


def _message(value) -> bytes:
    body = pickle.dumps(value, pickle.HIGHEST_PROTOCOL)
    return _HEADER.pack(len(body)) + body


def _serve(sock: socket.socket, inherited: list[socket.socket]) -> None:
    """A worker's life: read a job, run it, answer; until the crawl closes the socket."""
    _die_with_parent()
    # Ctrl-C reaches the whole process group: Scrapy stops the crawl cleanly
    # and needs the workers for what is in flight.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    for other in inherited:  # the crawl's ends of the pairs: only the crawl may hold them
        other.close()
    reader = sock.makefile("rb")
    while True:
        header = reader.read(_HEADER.size)
        if len(header) < _HEADER.size:
            return  # the crawl is done with us
        (size,) = _HEADER.unpack(header)
        function, args = pickle.loads(reader.read(size))
        try:
            answer = _message((True, function(*args)))
        except Exception as exc:  # noqa: BLE001 - the caller decides what it means
            answer = _answer_error(exc)
        try:
            sock.sendall(answer)
        except OSError:
            return  # the crawl is gone, or done with us


def _answer_error(exc: Exception) -> bytes:
    try:
        return _message((False, exc))
    except Exception:  # noqa: BLE001 - an exception that cannot cross processes: its words can
        return _message((False, RuntimeError(f"{type(exc).__name__}: {exc}")))


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
