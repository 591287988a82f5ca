"""The item pipeline: collected `NewItem`s go to the store in batches.

One transaction per item is 5-60x slower on SQLite than one per batch
(perf-notes), so items are buffered and written 50 or more at a time, and the
rest when the spider closes. `store.items.ingest_items` says what became of
each item, so one transaction serves every channel of the batch; if it fails,
the batch is written again channel by channel, so that one channel's bad
item costs that channel only.
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
        if batch:
            try:
                self._written(batch, self.spider.store_items(batch))
            except Exception:  # noqa: BLE001 - retried per channel below, where the error is reported
                for _channel_id, group in groupby(sorted(batch, key=_channel), key=_channel):
                    self._write_channel(list(group))
        self.spider.ledger.report_ready()

    def _write_channel(self, items: list) -> None:
        try:
            results = self.spider.store_items(items)
        except Exception as exc:  # the store failing must not hide what the crawl found
            reason = " ".join(str(exc).split())[:200]
            self.spider.ledger.items_lost(items[0].channel_id, len(items), f"could not store {len(items)} items: {reason}",
                                          store_error=_database_message(exc) if _is_operational(exc) else None)
        else:
            self._written(items, results)

    def _written(self, items: list, results: list) -> None:
        counts: dict[int, list[int]] = {}
        for item, result in zip(items, results):
            tally = counts.setdefault(item.channel_id, [0, 0, 0])
            tally[0] += 1
            tally[1 if result.status == "new" else 2] += 1
        for channel_id, (count, new, duplicates) in counts.items():
            self.spider.ledger.items_written(channel_id, count, new, duplicates)


def _channel(item) -> int:
    return item.channel_id


def _is_operational(exc: Exception) -> bool:
    """The database itself failed (disk full, unreachable, locked too long), not one item."""
    return type(exc).__name__ in ("OperationalError", "InterfaceError", "StoreError")


def _database_message(exc: Exception) -> str:
    """The database's own words (SQLAlchemy wraps them in a longer line)."""
    return " ".join(str(getattr(exc, "orig", None) or exc).split())[:200]
