"""The item pipeline: collected `NewItem`s go to the store in batches.

One transaction per item is 5-60x slower on SQLite than one per batch
(perf-notes), so items are buffered and written 50 or more at a time, and the
rest when the spider closes. `store.items.ingest` returns counts for a whole
call, so a batch is written as one call per channel to keep per-channel
new/duplicate counts exact.
"""

from __future__ import annotations

from itertools import groupby

from store.records import NewItem

BATCH_SIZE = 50


class IngestPipeline:
    def __init__(self, batch_size: int = BATCH_SIZE):
        self.batch_size = batch_size
        self.buffer: list[NewItem] = []
        self.spider = None

    @classmethod
    def from_crawler(cls, crawler):
        pipeline = cls(crawler.settings.getint("VEILLE_INGEST_BATCH", BATCH_SIZE))
        pipeline.crawler = crawler
        return pipeline

    def open_spider(self):
        self.spider = self.crawler.spider
        self.spider.pipeline = self  # so that a crawl out of time can still write its buffer

    def process_item(self, item):
        self.buffer.append(item)
        if len(self.buffer) >= self.batch_size:
            self.flush()
        return item

    def close_spider(self):
        self.flush()

    def flush(self) -> None:
        batch, self.buffer = self.buffer, []
        ledger = self.spider.ledger
        by_channel = lambda item: item.channel_id  # noqa: E731
        for channel_id, group in groupby(sorted(batch, key=by_channel), key=by_channel):
            items = list(group)
            try:
                new, duplicates = self.spider.store_items(items)
            except Exception as exc:  # the store failing must not hide what the crawl found
                reason = " ".join(str(exc).split())[:200]
                ledger.items_lost(channel_id, len(items), f"could not store {len(items)} items: {reason}")
            else:
                ledger.items_written(channel_id, len(items), new, duplicates)
        ledger.report_ready()
