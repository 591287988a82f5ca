"""Feeds and listing pages of the demo sites, parsed from bytes."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import pytest
from parsel import Selector

from crawlers.assemble import item_from_entry, needs_article_page
from crawlers.feeds import FeedEntry, FeedError, parse_feed
from crawlers.listing import ListingError, parse_listing
from store.records import ChannelSpec

SITES = Path(__file__).resolve().parents[1] / "veille" / "demo" / "sites"
BASE = "http://127.0.0.1:9"


def site_file(*parts: str) -> bytes:
    path = SITES.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"demo site file absent: {path}")
    return path.read_bytes().replace(b"{{BASE}}", BASE.encode())


def test_wordpress_rss_with_excerpts_needs_the_article_pages():
    feed = parse_feed(site_file("asso", "feed", "index.xml"), f"{BASE}/feed/")
    assert len(feed.entries) == 7 and feed.language == "fr-FR" and not feed.warnings
    first = feed.entries[0]
    assert first.link == f"{BASE}/2026/11/19/rapport-2026-engagement-citoyen-local-300-temoignages/"
    assert first.author == "Camille Roussel"
    assert first.published == datetime(2026, 11, 19, 8, 45, tzinfo=timezone.utc)
    assert all(needs_article_page(e) for e in feed.entries)


@pytest.mark.parametrize("site, path", [("institution", "actualites.atom"), ("collectivite", "rss.xml")])
def test_full_content_feeds_are_used_as_they_are(site, path):
    feed = parse_feed(site_file(site, path), f"{BASE}/{path}")
    assert len(feed.entries) >= 6
    assert not any(needs_article_page(e) for e in feed.entries)
    channel = ChannelSpec(id=1, actor_id=1, actor_name=site, kind="feed", url=f"{BASE}/{path}")
    item = item_from_entry(channel, feed.entries[0], feed.language)
    assert item.language == "fr" and item.published is not None
    assert len(item.text) > 800 and "<p>" in item.html
    assert item.summary and len(item.summary) <= 1000


def test_a_teaser_ending_with_read_more_needs_the_page_even_when_long():
    teaser = "<p>" + "Un texte assez long. " * 100 + "Lire la suite…</p>"
    assert needs_article_page(FeedEntry(link="https://a.example/1", content=teaser))
    assert not needs_article_page(FeedEntry(link="https://a.example/1", content="<p>" + "Texte. " * 100 + "</p>"))


def test_garbage_is_an_error_for_the_channel():
    with pytest.raises(FeedError):
        parse_feed(b"\x00\x01\x02 not a feed at all", "https://a.example/feed")
    with pytest.raises(FeedError):
        parse_feed(b"", "https://a.example/feed")


STARTUP = {"item": "article.card", "link": "a::attr(href)", "next": "a.next::attr(href)"}


def test_listing_pages_give_article_links_and_the_next_page():
    url = f"{BASE}/actualites/"
    first = parse_listing(Selector(text=site_file("startup", "actualites", "index.html").decode()), url, STARTUP)
    assert len(first.links) == 5 and first.next_page == f"{BASE}/actualites/page/2/"
    assert all(link.startswith(f"{BASE}/actualites/") for link in first.links)
    second_url = first.next_page
    second = parse_listing(
        Selector(text=site_file("startup", "actualites", "page", "2", "index.html").decode()), second_url, STARTUP
    )
    assert second.next_page is None and not set(second.links) & set(first.links)


def test_a_listing_whose_layout_changed_is_an_error_that_says_so():
    page = Selector(text="<html><body><div class='news'><a href='/a'>A</a></div></body></html>")
    with pytest.raises(ListingError, match="matched nothing.*layout may have changed"):
        parse_listing(page, "https://a.example/actu/", STARTUP)
    with pytest.raises(ListingError, match="invalid CSS selector"):
        parse_listing(page, "https://a.example/actu/", {"item": "div[["})


def test_listing_links_are_absolute_unique_and_http_only():
    page = Selector(text="""<html><body>
        <article><a href="/a?utm_source=x">A</a></article><article><a href="/a">A again</a></article>
        <article><a href="mailto:x@a.example">mail</a></article><article><a href="b">B</a></article>
        <a class="next" href="?page=2">next</a></body></html>""")
    listing = parse_listing(page, "https://a.example/actu/", {"next": "a.next::attr(href)"})
    assert listing.links == ["https://a.example/a?utm_source=x", "https://a.example/actu/b"]
    assert listing.next_page == "https://a.example/actu/?page=2"
