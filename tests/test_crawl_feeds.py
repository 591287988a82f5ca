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


# --- JSON Feed, malformed real feeds, sitemaps ------------------------------------------

from tests.conftest import shared_path  # noqa: E402


def test_a_real_json_feed_reads_like_rss():
    data = shared_path("trafilatura-eval-fr", "feeds_and_sitemaps", "feed.json").read_bytes()
    feed = parse_feed(data, "https://feeds.npr.org/1019/feed.json", "application/json")
    assert len(feed.entries) == 25 and feed.title == "Technology" and not feed.warnings
    first = feed.entries[0]
    assert first.link.startswith("https://www.npr.org/2021/10/29/1050315385/")
    assert first.published == datetime(2021, 10, 29, 14, 26, tzinfo=timezone.utc)
    assert first.author and first.title and first.content.startswith("<p>")


def test_a_json_feed_without_items_or_version_is_an_error():
    with pytest.raises(FeedError, match="JSON Feed"):
        parse_feed(b'{"version": "https://jsonfeed.org/version/1.1", "title": "x"}', "https://a.example/f.json",
                   "application/feed+json")
    with pytest.raises(FeedError):
        parse_feed(b'{"hello": "world"}', "https://a.example/f.json", "application/json")


def test_the_real_malformed_afp_feed_keeps_its_sound_entries_only():
    snapshots = shared_path("afp-an-rss", "snapshots")
    feed = parse_feed((snapshots / "MALFORMED_afp-an_c0bd0375.rss").read_bytes(), "https://afp.example/an.rss")
    assert feed.warnings == ("malformed feed: <unknown>:125:430: not well-formed (invalid token); "
                             "28 entries read, 1 broken entries left out",)
    links = [e.link for e in feed.entries]
    assert len(set(links)) == 14  # the file holds every dispatch twice, and one cut in the middle
    assert not any("réactions politiques" in e.title for e in feed.entries)  # the cut one, not glued to the next
    assert all(e.summary.count("<pubDate>") == 0 and len(e.summary) < 4000 for e in feed.entries)
    for path in sorted(snapshots.glob("afp-an_*.rss")):  # the well-formed snapshots read without a warning
        assert not parse_feed(path.read_bytes(), "https://afp.example/an.rss").warnings


def test_a_real_sitemap_lists_its_pages():
    from crawlers.sitemaps import parse_sitemap, select_pages

    data = shared_path("trafilatura-eval-fr", "feeds_and_sitemaps", "sitemap.xml").read_bytes()
    sitemap = parse_sitemap(data, "https://www.sitemaps.org/sitemap.xml")
    assert len(sitemap.pages) == 84 and sitemap.pages[0].lastmod == datetime(2016, 11, 21, tzinfo=timezone.utc)
    chosen = select_pages(sitemap, "https://www.sitemaps.org/sitemap.xml", include=r"/protocol\.html$")
    assert "https://www.sitemaps.org/" not in [p.url for p in chosen] and len(chosen) == 21


def test_sitemap_indexes_news_sitemaps_and_gzip():
    import gzip

    from crawlers.sitemaps import SitemapError, parse_sitemap

    index = b"""<?xml version="1.0"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
      <sitemap><loc>https://a.example/s-2025.xml</loc><lastmod>2025-01-01</lastmod></sitemap>
      <sitemap><loc>https://a.example/s-2026.xml.gz</loc><lastmod>2026-11-01</lastmod></sitemap></sitemapindex>"""
    assert [s.url for s in parse_sitemap(index, "https://a.example/s.xml").sitemaps] == [
        "https://a.example/s-2026.xml.gz", "https://a.example/s-2025.xml"]  # newest first
    news = b"""<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"
      xmlns:news="http://www.google.com/schemas/sitemap-news/0.9" xmlns:image="http://www.google.com/schemas/sitemap-image/1.1">
      <url><loc>https://a.example/old</loc><lastmod>2026-01-01</lastmod></url>
      <url><loc>https://a.example/new</loc><image:image><image:loc>https://a.example/i.jpg</image:loc></image:image>
        <news:news><news:publication_date>2026-11-20T08:00:00+01:00</news:publication_date>
        <news:title>Nouvelle consultation</news:title></news:news></url></urlset>"""
    pages = parse_sitemap(gzip.compress(news), "https://a.example/s.xml.gz").pages
    assert [(p.url, p.title) for p in pages] == [("https://a.example/new", "Nouvelle consultation"),
                                                 ("https://a.example/old", "")]
    with pytest.raises(SitemapError, match="larger than 1000 bytes once decompressed"):
        parse_sitemap(gzip.compress(b"<urlset>" + b" " * 100_000 + b"</urlset>"), "https://a.example/b.gz", 1000)
    with pytest.raises(SitemapError, match="not a sitemap"):
        parse_sitemap(b"<html><body>Not found</body></html>", "https://a.example/s.xml")


def test_a_listing_without_selectors_finds_its_article_links():
    url = f"{BASE}/actualites/"
    listing = parse_listing(Selector(text=site_file("collectivite", "actualites", "index.html").decode()), url, {})
    assert len(listing.links) >= 5 and all(link.startswith(f"{BASE}/actualites/2026-") for link in listing.links)
