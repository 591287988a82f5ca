"""What happened to each channel during a crawl, and when it is final.

A channel is reported as soon as all its requests are answered and all its
items are written, not at the end of the crawl: if the crawl process dies
half-way, the channels already reported keep their true outcome and only the
others are marked as failed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from store.records import ChannelResult, ChannelSpec


@dataclass
class Tally:
    spec: ChannelSpec
    started: bool = False
    pending: int = 0  # requests sent and not yet answered
    buffered: int = 0  # items collected and not yet written
    articles: int = 0  # article pages requested
    fetched: int = 0
    errors: int = 0  # article pages that failed
    new: int = 0
    duplicates: int = 0
    status: str = "ok"
    error: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    retry_after: float | None = None  # seconds a 429/503 asked us to wait
    page_hash: str | None = None  # watched pages: the version to remember
    page_text: str | None = None
    # False when part of the channel was left for later (failed or over-budget
    # articles): the next crawl must then read the channel again, not get a 304.
    complete: bool = True
    reported: bool = False

    def result(self) -> ChannelResult:
        keep = self.status == "ok" and self.complete
        return ChannelResult(
            channel_id=self.spec.id,
            url=self.spec.url,
            status=self.status,
            fetched=self.fetched,
            new=self.new,
            duplicates=self.duplicates,
            errors=self.errors,
            error=self.error,
            etag=self.etag if keep else None,
            last_modified=self.last_modified if keep else None,
            retry_after=self.retry_after if self.status == "error" else None,
            # A version is remembered only once its item is stored.
            page_hash=self.page_hash if self.status != "error" else None,
            page_text=self.page_text if self.status != "error" else None,
        )


class Ledger:
    def __init__(self, channels: list[ChannelSpec], on_result: Callable[[ChannelResult], None] = lambda r: None):
        self.tallies = {c.id: Tally(c) for c in channels}
        self._on_result = on_result
        # The first failure of the store itself (a full disk…): the crawl's work
        # is lost whatever the channels did, and the run must say so.
        self.store_error: str | None = None

    def __getitem__(self, channel_id: int) -> Tally:
        return self.tallies[channel_id]

    def request_sent(self, channel_id: int) -> None:
        tally = self.tallies[channel_id]
        tally.started = True
        tally.pending += 1

    def request_done(self, channel_id: int) -> None:
        self.tallies[channel_id].pending -= 1
        self._report_if_final(channel_id)

    def fail_channel(self, channel_id: int, message: str) -> None:
        tally = self.tallies[channel_id]
        tally.started = True
        if tally.status != "error":  # the first failure is the cause; later ones follow from it
            tally.status, tally.error = "error", message

    def warn_channel(self, channel_id: int, message: str) -> None:
        """Items were collected, but something is wrong that staff should see (a
        malformed feed read in part): the channel's result is "partial"."""
        tally = self.tallies[channel_id]
        if tally.status == "ok":
            tally.status, tally.error = "partial", message

    def fail_article(self, channel_id: int) -> None:
        tally = self.tallies[channel_id]
        tally.errors += 1
        tally.complete = False

    def item_collected(self, channel_id: int) -> None:
        self.tallies[channel_id].buffered += 1

    def items_written(self, channel_id: int, count: int, new: int, duplicates: int) -> None:
        tally = self.tallies[channel_id]
        tally.buffered -= count
        tally.new += new
        tally.duplicates += duplicates

    def items_lost(self, channel_id: int, count: int, message: str, store_error: str | None = None) -> None:
        self.tallies[channel_id].buffered -= count
        self.fail_channel(channel_id, message)
        self.store_error = self.store_error or store_error

    def report_ready(self) -> None:
        for channel_id in self.tallies:
            self._report_if_final(channel_id)

    def finish(self, reason: str) -> list[ChannelResult]:
        """Close the books: channels still waiting for answers failed for `reason`."""
        for tally in self.tallies.values():
            if not tally.reported and (not tally.started or tally.pending > 0 or tally.buffered > 0):
                self.fail_channel(tally.spec.id, reason)
                tally.pending = tally.buffered = 0
        self.report_ready()
        return self.results()

    def results(self) -> list[ChannelResult]:
        return [t.result() for t in self.tallies.values()]

    def _report_if_final(self, channel_id: int) -> None:
        tally = self.tallies[channel_id]
        if tally.started and not tally.reported and tally.pending == 0 and tally.buffered == 0:
            tally.reported = True
            self._on_result(tally.result())
