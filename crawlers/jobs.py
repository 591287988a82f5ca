"""The CPU work of a crawl, as plain functions of plain data (run in `crawlers.workers`).

Each takes and returns picklable values (bytes, strings, dataclasses): they
cross a process boundary. None sees a Scrapy object or the store.
"""

from __future__ import annotations

from crawlers.assemble import item_from_entry, item_from_page, item_from_page_change, needs_article_page
from crawlers.extract import extract_page
from crawlers.feeds import FeedEntry, ParsedFeed, parse_feed
from crawlers.pages import PageError, compare, kept_text
from crawlers.sitemaps import Sitemap, parse_sitemap
from store.records import ChannelSpec, NewItem


def read_feed(body: bytes, url: str, content_type: str | None) -> tuple[ParsedFeed, list[bool]]:
    """The feed, and for each entry whether its article page must be fetched."""
    feed = parse_feed(body, url, content_type)
    return feed, [needs_article_page(e) for e in feed.entries]


def items_from_entries(channel: ChannelSpec, entries: list[FeedEntry], language: str | None,
                       warnings: tuple[str, ...]) -> list[NewItem]:
    return [item_from_entry(channel, e, language, warnings) for e in entries]


def item_from_article(channel: ChannelSpec, link: str, final_url: str, html: bytes, entry: FeedEntry | None,
                      warnings: tuple[str, ...]) -> NewItem:
    return item_from_page(channel, link, final_url, extract_page(html, final_url), entry, warnings)


def watched_page(channel: ChannelSpec, final_url: str, html: bytes) -> tuple[NewItem | None, str, str]:
    """(the item, when the page is new or changed meaningfully, else None; the
    fingerprint and text of this version, to compare the next one with)."""
    page = extract_page(html, final_url)
    if not page.text:
        raise PageError(f"no main text found in the watched page {final_url}")
    change = compare(channel.page_text, page.text)
    item = item_from_page_change(channel, final_url, page, change) if change.meaningful else None
    return item, change.fingerprint, kept_text(page.text)


def read_sitemap(body: bytes, url: str, max_bytes: int) -> Sitemap:
    return parse_sitemap(body, url, max_bytes)


def extract_document(body: bytes, url: str | None) -> dict:
    """What `veille extract` prints for one page: the extraction, or `error`."""
    try:
        return extract_page(body, url).to_json()
    except Exception as exc:  # one bad input must not stop the others
        return {"error": f"{type(exc).__name__}: {exc}"[:300]}
