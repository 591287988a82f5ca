"""Hostile feeds and pages (tests/fixtures/hostile/): each file states its trap
and its expectations; see the README there."""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest

from crawlers.assemble import item_from_entry, item_from_page
from crawlers.extract import extract_page
from crawlers.feeds import FeedError, parse_feed
from store.records import ChannelSpec

HOSTILE = Path(__file__).parent / "fixtures" / "hostile"
FEED_URL = "https://hostile.example/feed.xml"
PAGE_URL = "https://hostile.example/article"
CHANNEL = ChannelSpec(id=1, actor_id=1, actor_name="Hostile", kind="feed", url=FEED_URL, language="fr")


def expectations(path: Path) -> tuple[str, list[str]]:
    head = path.read_bytes()[:4000].decode("utf-8", "replace")
    what = re.search(r"^What: (.+)$", head, re.M)
    expects = re.findall(r"^Expect: (.+)$", head, re.M)
    assert what and expects, f"{path.name} must say What: and Expect: in its first comment"
    return what.group(1), expects


def run_feed(path: Path) -> dict:
    started = time.monotonic()
    feed, items, error = None, [], None
    try:
        feed = parse_feed(path.read_bytes(), FEED_URL, "application/rss+xml")
        items = [item_from_entry(CHANNEL, e, feed.language, feed.warnings) for e in feed.entries]
    except FeedError as exc:
        error = str(exc)
    return {"feed": feed, "items": items, "error": error, "elapsed": time.monotonic() - started}


def run_page(path: Path) -> dict:
    started = time.monotonic()
    page = extract_page(path.read_bytes(), PAGE_URL)
    item = item_from_page(CHANNEL, PAGE_URL, PAGE_URL, page)
    return {"page": page, "item": item, "elapsed": time.monotonic() - started}


FILES = sorted(p for p in HOSTILE.iterdir() if p.name.startswith(("feed-", "page-")))


def test_every_hostile_fixture_is_run():
    assert len(FILES) >= 10
    assert all(p.suffix in (".xml", ".html") for p in FILES)


@pytest.mark.parametrize("path", FILES, ids=[p.name for p in FILES])
def test_hostile_fixture(path: Path):
    what, expects = expectations(path)
    outcome = run_feed(path) if path.name.startswith("feed-") else run_page(path)
    for expression in expects:
        assert eval(expression, dict(outcome)), f"{path.name} ({what}): failed {expression}"
