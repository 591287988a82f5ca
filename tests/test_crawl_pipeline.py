"""Batched writes and per-channel accounting, with a real SQLite store."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from crawlers.ledger import Ledger
from crawlers.normalize import canonical_url, content_hash
from crawlers.pipelines import IngestPipeline
from crawlers.run import build_report
from store import items as item_store
from store import migrate, sources
from store.db import open_engine
from store.records import ChannelResult, ChannelSpec, NewItem


@pytest.fixture
def engine(tmp_path):
    engine = open_engine(f"sqlite:///{tmp_path}/s.sqlite")
    migrate.upgrade(engine)
    yield engine
    engine.dispose()


def new_item(channel: ChannelSpec, n: int, title: str | None = None, text: str | None = None) -> NewItem:
    url = f"https://site{channel.id}.example/article/{n}"
    title = title or f"Article {n}"
    text = text or f"Texte de l'article {n} du canal {channel.id}."
    return NewItem(channel_id=channel.id, actor_id=channel.actor_id, url=url, canonical_url=canonical_url(url),
                   title=title, text=text, content_hash=content_hash(title, text))


def test_items_are_written_in_batches_and_counted_per_channel(engine):
    for slug in ("a", "b"):
        sources.upsert_actor(engine, slug=slug, name=slug.upper(),
                             channels=[{"kind": "feed", "url": f"https://{slug}.example/feed"}])
    a, b = sources.channel_specs(engine)
    reported: list[ChannelResult] = []
    ledger = Ledger([a, b], reported.append)
    batches: list[int] = []

    def store_items(items):
        batches.append(len(items))
        return item_store.ingest_items(engine, items)

    spider = SimpleNamespace(ledger=ledger, store_items=store_items)
    pipeline = IngestPipeline(batch_size=50)
    pipeline.crawler = SimpleNamespace(spider=spider)
    pipeline.open_spider()
    for channel in (a, b):
        ledger.request_sent(channel.id)
    items = [new_item(a, n) for n in range(40)] + [new_item(b, n) for n in range(30)]
    # Another URL with the same words as a's first article: a duplicate.
    items.append(new_item(b, 99, title="Article 0", text=f"Texte de l'article 0 du canal {a.id}."))
    for item in items:
        ledger.item_collected(item.channel_id)
        pipeline.process_item(item)
    assert batches == [50]  # one transaction for the first batch of 50, both channels in it
    assert reported == []  # requests still pending
    ledger.request_done(a.id)
    assert [r.channel_id for r in reported] == [a.id]  # a: answered and all written
    ledger.request_done(b.id)
    pipeline.close_spider()
    assert [r.channel_id for r in reported] == [a.id, b.id]
    by_id = {r.channel_id: r for r in reported}
    assert (by_id[a.id].new, by_id[a.id].duplicates) == (40, 0)
    assert (by_id[b.id].new, by_id[b.id].duplicates) == (30, 1)
    assert item_store.count_items(engine) == 70


def test_a_store_failure_is_the_channels_error_not_a_crash():
    channel = ChannelSpec(id=7, actor_id=1, actor_name="A", kind="feed", url="https://a.example/feed")
    reported: list[ChannelResult] = []
    ledger = Ledger([channel], reported.append)

    def broken_store(items):
        raise RuntimeError("database is locked")

    pipeline = IngestPipeline(batch_size=50)
    pipeline.crawler = SimpleNamespace(spider=SimpleNamespace(ledger=ledger, store_items=broken_store))
    pipeline.open_spider()
    ledger.request_sent(channel.id)
    ledger.item_collected(channel.id)
    pipeline.process_item(new_item(channel, 1))
    ledger.request_done(channel.id)
    pipeline.close_spider()
    [result] = reported
    assert result.status == "error" and result.error == "could not store 1 items: database is locked"


def test_unfinished_channels_are_errors_and_lose_their_validators():
    a = ChannelSpec(id=1, actor_id=1, actor_name="A", kind="feed", url="https://a.example/feed")
    b = ChannelSpec(id=2, actor_id=1, actor_name="A", kind="feed", url="https://b.example/feed")
    ledger = Ledger([a, b])
    ledger.request_sent(a.id)
    ledger[a.id].etag = '"v1"'
    ledger.fail_article(a.id)  # an article left for later: the feed must be read in full next time
    ledger.request_done(a.id)
    results = ledger.finish("stopped")
    assert results[0].status == "ok" and results[0].etag is None and results[0].errors == 1
    assert results[1].status == "error" and results[1].error == "stopped"  # never even started


def test_report_counts():
    channels = [ChannelSpec(id=i, actor_id=1, actor_name="A", kind="feed", url=f"https://{i}.example/")
                for i in (1, 2, 3)]
    results = {1: ChannelResult(1, channels[0].url, "ok", fetched=5, new=3, duplicates=1, errors=1),
               2: ChannelResult(2, channels[1].url, "error", fetched=1, error="HTTP 500")}
    report = build_report(channels, results, None, 1.5)
    assert (report.fetched, report.new, report.duplicates, report.errors) == (6, 3, 1, 3)
    assert report.channels[2].status == "error" and "without reporting" in report.channels[2].error


def test_one_channels_bad_item_costs_that_channel_only(engine):
    for slug in ("a", "b"):
        sources.upsert_actor(engine, slug=slug, name=slug.upper(),
                             channels=[{"kind": "feed", "url": f"https://{slug}.example/feed"}])
    a, b = sources.channel_specs(engine)
    reported: list[ChannelResult] = []
    ledger = Ledger([a, b], reported.append)

    def store_items(items):  # a store that cannot take one of b's items
        if any(i.title == "poison" for i in items):
            raise ValueError("value too long for type character varying(500)")
        return item_store.ingest_items(engine, items)

    pipeline = IngestPipeline(batch_size=50)
    pipeline.crawler = SimpleNamespace(spider=SimpleNamespace(ledger=ledger, store_items=store_items))
    pipeline.open_spider()
    for channel in (a, b):
        ledger.request_sent(channel.id)
    for item in [new_item(a, 1), new_item(a, 2), new_item(b, 1, title="poison")]:
        ledger.item_collected(item.channel_id)
        pipeline.process_item(item)
    for channel in (a, b):
        ledger.request_done(channel.id)
    pipeline.close_spider()
    by_id = {r.channel_id: r for r in reported}
    assert by_id[a.id].status == "ok" and by_id[a.id].new == 2
    assert by_id[b.id].status == "error" and "value too long" in by_id[b.id].error
    assert item_store.count_items(engine) == 2
