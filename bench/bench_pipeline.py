"""The demo pipeline's throughput: items/s from fetch to stored.

veille's crawl (Scrapy in its own process, feedparser, trafilatura, nh3,
batched ingest) against a naive baseline in this same process: urllib fetches
the same feeds and pages one by one, BeautifulSoup's get_text() stands in for
extraction, and each item is stored with the same ingest function. Both run on
the bundled fixture web served on 127.0.0.1, each into a fresh SQLite store.

    .venv/bin/python bench/bench_pipeline.py [--repeat 5]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import feedparser
from bs4 import BeautifulSoup
from parsel import Selector

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from crawlers.normalize import canonical_url, content_hash  # noqa: E402
from crawlers.run import CrawlConfig, crawl  # noqa: E402
from store import items, migrate, sources  # noqa: E402
from store.db import open_engine  # noqa: E402
from store.records import NewItem  # noqa: E402
from veille.demo.server import FixtureWeb, load_manifest  # noqa: E402


def fresh_store(web: FixtureWeb):
    url = f"sqlite:///{tempfile.mkdtemp(prefix='veille-bench-')}/s.sqlite"
    engine = open_engine(url)
    migrate.upgrade(engine)
    for site in load_manifest():
        base = web.base_url(site["name"])
        sources.upsert_actor(
            engine, slug=site["name"], name=site["actor"], type=site["type"],
            channels=[{"kind": c["kind"], "url": base + c["path"], "selectors": c.get("selectors", {})}
                      for c in site["channel"]],
        )
    return url, engine


def get(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=10) as response:
        return response.read()


def article_links(channel) -> list[str]:
    body = get(channel.url)
    if channel.kind == "feed":
        return [e.link for e in feedparser.parse(body).entries]
    links, page = [], Selector(body.decode("utf-8"))
    while True:
        links += page.css(f"{channel.selectors['item']} {channel.selectors['link']}").getall()
        nxt = page.css(channel.selectors["next"]).get()
        if not nxt:
            return links
        page = Selector(get(nxt).decode("utf-8"))


def baseline(engine) -> int:
    """Sequential urllib + get_text(): no politeness, no extraction quality."""
    stored = 0
    for channel in sources.channel_specs(engine):
        batch = []
        for link in article_links(channel):
            html = get(link)
            soup = BeautifulSoup(html, "lxml")
            text = soup.get_text(" ", strip=True)
            title = soup.title.get_text(strip=True) if soup.title else link
            batch.append(NewItem(channel_id=channel.id, actor_id=channel.actor_id, url=link,
                                 canonical_url=canonical_url(link), title=title, text=text,
                                 content_hash=content_hash(title, text)))
        stored += items.ingest(engine, batch)[0]
    return stored


def veille(url: str, engine) -> int:
    config = CrawlConfig(user_agent="veille-bench", allow_private_networks=True, delay=0.0,
                         concurrency_per_site=8, timeout=10)
    return crawl(url, sources.channel_specs(engine), config).new


def timed_runs(pipeline, web: FixtureWeb, repeat: int) -> tuple[float, int]:
    """Median items/s over `repeat` runs, each into a fresh store (a second crawl finds nothing new)."""
    rates, stored = [], 0
    for _ in range(repeat):
        url, engine = fresh_store(web)
        started = time.perf_counter()
        stored = pipeline(url, engine)
        rates.append(stored / (time.perf_counter() - started))
    return statistics.median(rates), stored


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    with FixtureWeb() as web:
        rows = [
            ("baseline (urllib + get_text)", *timed_runs(lambda u, e: baseline(e), web, args.repeat)),
            ("veille crawl", *timed_runs(veille, web, args.repeat)),
        ]
    base = rows[0][1]
    print(f"{'pipeline':<32}{'items':>7}{'items/s (median)':>20}{'ratio':>8}")
    for name, rate, stored in rows:
        print(f"{name:<32}{stored:>7}{rate:>20.1f}{rate / base:>8.2f}")


if __name__ == "__main__":
    main()
