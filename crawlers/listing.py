"""News listing pages: the article links and the next page, found with the
channel's CSS selectors.

Selectors are Scrapy/parsel CSS, e.g. {"item": "article.card",
"link": "a::attr(href)", "next": "a.next::attr(href)"}. When the item selector
matches nothing the page layout has probably changed: that is an error for the
channel, not an empty success that would hide it.
"""

from __future__ import annotations

from dataclasses import dataclass

from cssselect import SelectorError
from parsel import Selector

from crawlers.normalize import canonical_url, resolve_link

DEFAULT_SELECTORS = {"item": "article", "link": "a::attr(href)"}
MAX_LISTING_PAGES = 3  # a few pages are enough to catch up between two crawls


class ListingError(ValueError):
    """The listing page cannot be read with its selectors; one line saying why."""


@dataclass(frozen=True)
class Listing:
    links: list[str]  # absolute article URLs, in page order, without duplicates
    next_page: str | None


def parse_listing(page: Selector, url: str, selectors: dict) -> Listing:
    """Article links and next page of a listing page fetched from `url`."""
    chosen = {**DEFAULT_SELECTORS, **{k: v for k, v in (selectors or {}).items() if v}}
    try:
        items = page.css(chosen["item"])
        hrefs = [item.css(chosen["link"]).get() for item in items]
        next_href = page.css(chosen["next"]).get() if chosen.get("next") else None
    except (SelectorError, ValueError) as exc:
        raise ListingError(f"invalid CSS selector in the channel's selectors: {exc}") from None
    if not items:
        raise ListingError(
            f"the item selector {chosen['item']!r} matched nothing on {url}; the page layout may have changed"
        )
    links = _unique_links(url, hrefs)
    if not links:
        raise ListingError(f"the link selector {chosen['link']!r} found no link in the items of {url}")
    next_page = resolve_link(url, next_href) if next_href else None
    if next_page and canonical_url(next_page) == canonical_url(url):
        next_page = None  # a "next" pointing at itself would loop
    return Listing(links=links, next_page=next_page)


def _unique_links(base: str, hrefs: list[str | None]) -> list[str]:
    seen: set[str] = set()
    links = []
    for href in hrefs:
        link = resolve_link(base, href) if href else None
        if link and (key := canonical_url(link)) not in seen and key != canonical_url(base):
            seen.add(key)
            links.append(link)
    return links
