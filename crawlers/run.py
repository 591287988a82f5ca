"""`crawl()`: one crawl of a list of channels, run in a child process.

The Twisted reactor under Scrapy starts once per process and cannot restart,
while the CLI, the scheduler and the web app crawl many times: each crawl
gets a fresh process, forked from a "forkserver" (a clean process started
like "spawn", so nothing of the caller's state, threads or open connections
is inherited). The forkserver imports Scrapy, Twisted and the extraction
libraries once, about a second of CPU that every crawl would otherwise pay
again; it never installs or runs a reactor, so each crawl still gets one
that has never run. The child writes items to the store itself and
sends back each channel's result as soon as it is final; the parent never
waits past a deadline, and a channel the child never reported (it crashed, was
killed, ran out of time) is an error in the report, not a hang.

A process started by a forkserver first runs the caller's main script again,
in case its target lives there (it never does here): ~90 ms of CPU at every
crawl of bench_crawl, ~150 ms for the `veille` command, which imports the
whole CLI. The forkserver runs it once instead (preload.adopt_main), and the
crawl processes it forks find it done. multiprocessing's own "__main__"
preload was meant for this but does nothing before Python 3.14 (gh-126631).
"""

from __future__ import annotations

import multiprocessing
import os
import time
from contextlib import contextmanager
from dataclasses import dataclass
from multiprocessing import spawn

from store.records import ChannelResult, ChannelSpec

# Imported once by the forkserver: what every crawl process needs, the
# components Scrapy loads by name when a crawl starts included (preload.py).
PRELOAD = ["crawlers.preload"]
# Tells the forkserver, when it starts, which main script to run once for all crawls.
MAIN_SCRIPT_ENV = "VEILLE_FORKSERVER_MAIN"
# The child stops itself at this share of the deadline, before the parent must stop it.
TIME_LIMIT_SHARE = 0.9
# After the deadline the child gets SIGTERM (Scrapy then stops cleanly and
# writes what it has), then SIGKILL if it is still there after this.
TERMINATE_GRACE = 15.0


@dataclass(frozen=True)
class CrawlConfig:
    user_agent: str
    allow_private_networks: bool = False
    delay: float = 1.0
    concurrency_per_site: int = 2
    concurrency: int = 16
    timeout: float = 30.0
    max_bytes: int = 10_000_000
    max_articles_per_channel: int = 50
    deadline: float = 3600.0  # seconds for the whole crawl
    retry_backoff: float = 1.0  # seconds before the first retry, doubled for each next one
    retry_after_max: float = 60.0  # longest Retry-After waited for within a crawl
    extract_workers: int = -1  # extraction processes beside Scrapy's; -1: one per core, 0: none
    robots_ttl_hours: float = 24.0  # a site's robots.txt is reused from the store this long


@dataclass(frozen=True)
class CrawlReport:
    fetched: int
    new: int
    duplicates: int
    errors: int
    duration: float
    channels: list[ChannelResult]
    requests: int = 0  # HTTP requests sent (robots.txt, retries and redirects included)
    bytes: int = 0  # response bytes received
    store_error: str | None = None  # the store itself failed (disk full…): what was collected is lost

    def to_json(self) -> dict:
        return {
            "fetched": self.fetched,
            "new": self.new,
            "duplicates": self.duplicates,
            "errors": self.errors,
            "duration": round(self.duration, 3),
            "requests": self.requests,
            "bytes": self.bytes,
            "channels": [
                {
                    "id": c.channel_id,
                    "url": c.url,
                    "status": c.status,
                    "error": c.error,
                    "fetched": c.fetched,
                    "new": c.new,
                    "duplicates": c.duplicates,
                    "errors": c.errors,
                }
                for c in self.channels
            ],
        }


def crawl(store_url: str, channels: list[ChannelSpec], config: CrawlConfig) -> CrawlReport:
    """Crawl `channels` into the store at `store_url`; the report says what happened to each."""
    started = time.monotonic()
    results: dict[int, ChannelResult] = {}
    stats: dict = {}
    failure = None
    if channels:
        failure = _run_child(store_url, channels, config, results, stats)
    return build_report(channels, results, failure, time.monotonic() - started, stats)


def build_report(channels: list[ChannelSpec], results: dict[int, ChannelResult],
                 failure: str | None, duration: float, stats: dict | None = None) -> CrawlReport:
    reason = failure or "the crawl process ended without reporting this channel"
    ordered = [
        results.get(c.id) or ChannelResult(channel_id=c.id, url=c.url, status="error", error=reason)
        for c in channels
    ]
    return CrawlReport(
        fetched=sum(r.fetched for r in ordered),
        new=sum(r.new for r in ordered),
        duplicates=sum(r.duplicates for r in ordered),
        errors=sum(r.errors + (r.status == "error") for r in ordered),
        duration=duration,
        channels=ordered,
        requests=(stats or {}).get("requests", 0),
        bytes=(stats or {}).get("bytes", 0),
        store_error=(stats or {}).get("store_error"),
    )


def _run_child(store_url, channels, config, results: dict[int, ChannelResult], stats: dict) -> str | None:
    """Run the crawl in a child process, filling `results`; returns why it failed, if it did."""
    context = _context()
    receiver, sender = context.Pipe(duplex=False)
    # The child stops itself a little before the deadline (counted from now, its
    # start-up included), so that it still writes and reports what it has.
    stop_at = time.time() + config.deadline * TIME_LIMIT_SHARE
    child = context.Process(target=_child_main, args=(store_url, channels, config, sender, stop_at),
                            name="veille-crawl")
    with _main_script_told():
        child.start()
    sender.close()  # the child holds the only writing end: EOF means it is gone
    try:
        ended, failure = _listen(receiver, results, stats, time.monotonic() + config.deadline)
        if not ended:
            failure = f"the crawl took longer than its {config.deadline:g} s limit and was stopped"
            child.terminate()  # SIGTERM: Scrapy stops cleanly, writes and reports what it has
            _listen(receiver, results, stats, time.monotonic() + TERMINATE_GRACE)
    finally:
        _stop(child)
        receiver.close()
    if failure is None and child.exitcode != 0 and len(results) < len(channels):
        failure = f"the crawl process died (exit code {child.exitcode})"
    return failure


def _context():
    """The forkserver context, preloading the crawl's modules (a no-op once the server runs)."""
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(PRELOAD)
    return context


@contextmanager
def _main_script_told():
    """Name the caller's main script to the forkserver, should this start it.

    The very path each crawl process compares with its own before running
    the script again (multiprocessing.spawn.prepare).
    """
    path = spawn.get_preparation_data("veille-crawl").get("init_main_from_path")
    if path is None:  # `python -m …`, or an interactive session: nothing is run again
        yield
        return
    os.environ[MAIN_SCRIPT_ENV] = path
    try:
        yield
    finally:
        os.environ.pop(MAIN_SCRIPT_ENV, None)


def _listen(receiver, results: dict[int, ChannelResult], stats: dict, until: float) -> tuple[bool, str | None]:
    """Collect the child's messages until it is done or gone (True) or `until` passes (False)."""
    failure = None
    while (left := until - time.monotonic()) > 0:
        if not receiver.poll(min(left, 1.0)):
            continue
        try:
            kind, payload = receiver.recv()
        except (EOFError, OSError):  # the child exited or died: nothing more will come
            return True, failure
        if kind == "channel":
            results[payload.channel_id] = payload
        elif kind == "stats":
            stats.update(payload)
        elif kind == "failed":
            failure = f"the crawl failed: {payload}"
        elif kind == "done":
            return True, failure
    return False, failure


def _stop(child) -> None:
    child.join(timeout=5)
    if child.is_alive():
        child.terminate()
        child.join(timeout=TERMINATE_GRACE)
    if child.is_alive():
        child.kill()
        child.join(timeout=5)


def _child_main(store_url: str, channels: list[ChannelSpec], config: CrawlConfig, sender, stop_at: float) -> None:
    """Entry point of the child process."""
    try:
        from crawlers.crawl_process import run_crawl  # Scrapy and Twisted load here, not in the caller

        run_crawl(store_url, channels, config, on_result=lambda r: sender.send(("channel", r)), stop_at=stop_at,
                  on_stats=lambda s: sender.send(("stats", s)))
        sender.send(("done", None))
    except BaseException as exc:
        sender.send(("failed", " ".join(f"{type(exc).__name__}: {exc}".split())[:300]))
        raise
    finally:
        sender.close()
