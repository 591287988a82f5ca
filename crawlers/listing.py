"""News listing pages: the article links and the next page, found with the
channel's CSS selectors.

Selectors are Scrapy/parsel CSS, e.g. {"item": "article.card",
"link": "a::attr(href)", "next": "a.next::attr(href)"}. When the item selector
matches nothing the page layout has probably changed: that is an error for the
channel, not an empty success that would hide it.

A channel without an item selector on a page without `<article>` elements
(most of the shipped registry: nobody could look at those pages from here)
is read by `auto_links`: the links of
the page's main area that stay on the site, go deeper than the listing, and
read like a headline (several words), which leaves out menus, tags and
pagination.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

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


# The main area of a page, best first; the whole body when none is there.
MAIN_AREAS = ("main", "[role=main]", "#content", "#main", ".content", "body")
MIN_HEADLINE_WORDS = 3
NOT_ARTICLES = re.compile(
    r"/(tag|tags|category|categorie|categories|author|auteur|page|search|recherche|login|connexion|"
    r"feed|rss|wp-login\.php|share|partage)(/|$)|\.(pdf|jpe?g|png|gif|zip|docx?|xlsx?)$", re.IGNORECASE)
NEXT_WORDS = re.compile(r"^\s*(suivant|suivante|page suivante|next|next page|older|articles plus anciens|"
                        r"»|›|>|→)\s*$", re.IGNORECASE)


def parse_listing(page: Selector, url: str, selectors: dict) -> Listing:
    """Article links and next page of a listing page fetched from `url`."""
    if not (selectors or {}).get("item") and not page.css(DEFAULT_SELECTORS["item"]):
        return auto_links(page, url, (selectors or {}).get("next"))
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


def auto_links(page: Selector, url: str, next_selector: str | None = None) -> Listing:
    """Article links found without selectors (see the module's docstring)."""
    area = next((found for css in MAIN_AREAS if (found := page.css(css))), page)[0]
    base = urlsplit(url)
    depth = len([p for p in base.path.split("/") if p])
    candidates = []
    for anchor in area.css("a[href]"):
        text = " ".join(" ".join(anchor.css("::text").getall()).split())
        link = resolve_link(url, anchor.attrib.get("href", ""))
        if link and len(text.split()) >= MIN_HEADLINE_WORDS and _looks_like_article(link, base, depth):
            candidates.append(link)
    links = _unique_links(url, candidates)
    if not links:
        raise ListingError(f"no article link found on {url}; give the channel CSS selectors")
    return Listing(links=links, next_page=_auto_next(page, url, next_selector))


def _looks_like_article(link: str, base, depth: int) -> bool:
    parts = urlsplit(link)
    if parts.hostname != base.hostname or NOT_ARTICLES.search(parts.path):
        return False
    path_depth = len([p for p in parts.path.split("/") if p])
    return path_depth > depth or (path_depth == depth and parts.path.rstrip("/") != base.path.rstrip("/"))


def _auto_next(page: Selector, url: str, next_selector: str | None) -> str | None:
    href = page.css(next_selector).get() if next_selector else page.css("a[rel~=next]::attr(href), link[rel~=next]::attr(href)").get()
    if href is None:
        for anchor in page.css("a[href]"):
            if NEXT_WORDS.match(" ".join(anchor.css("::text").getall()) or anchor.attrib.get("aria-label", "")):
                href = anchor.attrib["href"]
                break
    link = resolve_link(url, href) if href else None
    return link if link and canonical_url(link) != canonical_url(url) else None
