"""From a homepage URL to the best channel for reading the site.

In order: the URL is itself a feed or a sitemap; the page is a Decidim
platform's (no feed there: its processes and assemblies listings, and the
blogs it links to, each read with the selectors of Decidim's templates, see
`crawlers.decidim`); the page declares feeds
(`<link rel="alternate">`, the site's own word, so tried first, comment feeds
last); a feed sits at a usual address (/feed/, /rss.xml…); the page lists
articles (a listing, read without selectors); robots.txt or /sitemap.xml name
a sitemap; else the page itself is watched for changes. Every candidate is
fetched and parsed before it is offered, so a source is never saved with a
dead feed. All fetches go through `fetch_one` (safety checks, deadline, size
cap) and stop at MAX_CANDIDATES.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit

from parsel import Selector

from crawlers.decidim import blog_channels, decidim_evidence, space_channels
from crawlers.extract import language_code
from crawlers.feeds import FeedError, parse_feed
from crawlers.fetch_one import FetchError, fetch_page
from crawlers.listing import ListingError, auto_links, parse_listing
from crawlers.sanitize import plain_text
from crawlers.sitemaps import SitemapError, parse_sitemap

FEED_TYPES = ("application/rss+xml", "application/atom+xml", "application/feed+json", "application/rdf+xml",
              "application/json", "application/xml", "text/xml")
USUAL_FEEDS = ("/feed/", "/rss.xml", "/feed.xml", "/atom.xml", "/index.xml", "/rss", "/feed", "/rss/",
               "/feed.json", "/?feed=rss2", "/actualites/feed/", "/news/feed/", "/blog/feed/")
MIN_LISTING_LINKS = 3
MAX_CANDIDATES = 20
TIMEOUT = 10.0
MAX_BYTES = 5_000_000


class DiscoveryError(ValueError):
    """Nothing readable was found; the message says why in one line."""


@dataclass(frozen=True)
class Discovered:
    kind: str  # feed | listing | sitemap | page
    url: str
    homepage: str
    title: str = ""
    language: str | None = None
    tried: list[str] = field(default_factory=list)  # the URLs tried before this one
    channels: list[dict] = field(default_factory=list)  # every channel to save: kind, url, selectors…
    platform: str | None = None  # "decidim" when the site runs it
    evidence: str | None = None  # what showed the platform


class _Budget:
    def __init__(self, user_agent: str, allow_private: bool, timeout: float):
        self.user_agent, self.allow_private, self.timeout = user_agent, allow_private, timeout
        self.tried: list[str] = []

    def fetch(self, url: str):
        if len(self.tried) >= MAX_CANDIDATES:
            return None
        self.tried.append(url)
        try:
            return fetch_page(url, self.user_agent, self.allow_private, timeout=self.timeout, max_bytes=MAX_BYTES,
                              accept="application/rss+xml, application/atom+xml, application/feed+json, "
                                     "text/html;q=0.9, */*;q=0.5")
        except FetchError:
            return None


def discover(url: str, user_agent: str, allow_private: bool, timeout: float = TIMEOUT) -> Discovered:
    """The channel to read the site at `url` through. UnsafeURL if `url` must not be fetched,
    DiscoveryError if it cannot be read at all."""
    budget = _Budget(user_agent, allow_private, timeout)
    try:
        first = fetch_page(url, user_agent, allow_private, timeout=timeout, max_bytes=MAX_BYTES)
    except FetchError as exc:
        raise DiscoveryError(str(exc)) from None
    budget.tried.append(url)
    parts = urlsplit(first.url)
    homepage = f"{parts.scheme}://{parts.netloc}/"
    direct = _as_feed(first.body, first.url, first.content_type) or _as_sitemap(first.body, first.url)
    if direct:
        return _found(direct[0], first.url, homepage, direct[1], direct[2], budget)
    page = Selector(text=first.body.decode("utf-8", "replace"))
    title = plain_text(page.css("title::text").get() or "")
    language = language_code(page.css("html::attr(lang)").get())
    if (evidence := decidim_evidence(page)) and (channels := _decidim_channels(page, first.url, homepage, budget)):
        return Discovered(channels[0]["kind"], channels[0]["url"], homepage, title, language, budget.tried,
                          channels, "decidim", evidence)
    found = (_declared_feed(page, first.url, budget) or _usual_feed(first.url, homepage, budget)
             or _listing(page, first.url) or _sitemap(homepage, budget))
    if found:
        kind, found_url, found_title, found_language = found
        return _found(kind, found_url, homepage, found_title or title, found_language or language, budget)
    return _found("page", first.url, homepage, title, language, budget)


def _found(kind: str, url: str, homepage: str, title: str, language: str | None, budget: _Budget) -> Discovered:
    return Discovered(kind, url, homepage, title, language, budget.tried, [{"kind": kind, "url": url}])


def _decidim_channels(page: Selector, url: str, homepage: str, budget: _Budget) -> list[dict]:
    """The Decidim listings that answer and list something, marked checked (tried just now)."""
    channels = []
    for channel in space_channels(homepage) + blog_channels(page, url):
        fetched = budget.fetch(channel["url"])
        try:
            listing = parse_listing(Selector(text=fetched.body.decode("utf-8", "replace")), fetched.url,
                                    channel["selectors"]) if fetched else None
        except ListingError:
            listing = None
        if listing and listing.links:
            channels.append({**channel, "url": fetched.url, "confidence": "checked", "enabled": True})
    return channels


def _as_feed(body: bytes, url: str, content_type: str | None):
    head = body[:2000].lstrip().lower()
    if head.startswith((b"<!doctype html", b"<html")):
        return None
    try:
        feed = parse_feed(body, url, content_type)
    except FeedError:
        return None
    return ("feed", plain_text(feed.title), language_code(feed.language)) if feed.entries else None


def _as_sitemap(body: bytes, url: str):
    if b"<urlset" not in body[:2000] and b"<sitemapindex" not in body[:2000]:
        return None
    try:
        sitemap = parse_sitemap(body, url, MAX_BYTES)
    except SitemapError:
        return None
    return ("sitemap", "", None) if (sitemap.pages or sitemap.sitemaps) else None


def _declared_feed(page: Selector, url: str, budget: _Budget):
    links = []
    for link in page.css("link[href]"):
        rel = (link.attrib.get("rel") or "").lower().split()
        kind = (link.attrib.get("type") or "").lower().split(";")[0].strip()
        if "alternate" in rel and kind in FEED_TYPES:
            comments = any(w in (link.attrib.get("title") or "").lower() for w in ("comment", "commentaire"))
            links.append((comments, urljoin(url, link.attrib["href"])))
    for _comments, candidate in sorted(links, key=lambda pair: pair[0]):  # comment feeds last
        found = _try_feed(candidate, budget)
        if found:
            return found
    return None


def _usual_feed(url: str, homepage: str, budget: _Budget):
    """The usual addresses at the site's root, then under the page given (a blog in /actualites/)."""
    candidates = [urljoin(homepage, path) for path in USUAL_FEEDS]
    if url.rstrip("/") + "/" != homepage:
        folder = url if url.endswith("/") else url + "/"
        candidates += [urljoin(folder, path.lstrip("/")) for path in USUAL_FEEDS]
    for candidate in dict.fromkeys(candidates):
        if candidate not in budget.tried and (found := _try_feed(candidate, budget)):
            return found
    return None


def _try_feed(candidate: str, budget: _Budget):
    fetched = budget.fetch(candidate)
    found = _as_feed(fetched.body, fetched.url, fetched.content_type) if fetched else None
    return ("feed", fetched.url, found[1], found[2]) if found else None


def _listing(page: Selector, url: str):
    try:
        listing = auto_links(page, url)
    except ListingError:
        return None
    return ("listing", url, "", None) if len(listing.links) >= MIN_LISTING_LINKS else None


def _sitemap(homepage: str, budget: _Budget):
    candidates = []
    robots = budget.fetch(urljoin(homepage, "/robots.txt"))
    if robots:
        for line in robots.body.decode("utf-8", "replace").splitlines():
            if line.lower().startswith("sitemap:"):
                candidates.append(line.split(":", 1)[1].strip())
    candidates.append(urljoin(homepage, "/sitemap.xml"))
    for candidate in dict.fromkeys(candidates):
        fetched = budget.fetch(candidate)
        if fetched and _as_sitemap(fetched.body, fetched.url):
            return ("sitemap", fetched.url, "", None)
    return None
