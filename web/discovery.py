"""Finding a site's feed from its homepage, for "add a source" in the sources admin.

It only puts together what crawlers/ already does (the safe one-page fetch,
feed parsing): the page's <link rel="alternate"> feeds first, then a few
usual addresses. Each candidate is fetched and parsed before it is offered,
so a source is never saved with a dead feed.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

from bs4 import BeautifulSoup

from crawlers.feeds import FeedError, parse_feed
from crawlers.fetch_one import FetchError, fetch_one
from crawlers.safety import UnsafeURL

FEED_TYPES = ("application/rss+xml", "application/atom+xml", "application/feed+json", "application/json",
              "application/xml", "text/xml")
USUAL_PATHS = ("/feed/", "/rss.xml", "/atom.xml", "/feed.xml", "/index.xml")
TIMEOUT = 10.0
MAX_BYTES = 5_000_000


class DiscoveryError(ValueError):
    """No feed could be found or read; the message says why, in French."""


@dataclass(frozen=True)
class Found:
    homepage: str
    feed_url: str
    title: str
    language: str | None


def discover(url: str, user_agent: str, allow_private: bool) -> Found:
    """The feed of the site at `url` (a homepage, or the feed itself)."""
    page = _fetch(url, user_agent, allow_private)
    feed = _as_feed(page, url)
    if feed is not None:
        parts = urlsplit(url)
        return Found(f"{parts.scheme}://{parts.netloc}/", url, feed.title, feed.language)
    soup = BeautifulSoup(page, "html.parser")
    declared = [urljoin(url, link.get("href", "")) for link in soup.find_all("link", href=True)
                if "alternate" in (link.get("rel") or []) and link.get("type", "").lower() in FEED_TYPES]
    site_title = soup.title.get_text(strip=True) if soup.title else ""
    language = (soup.html.get("lang") if soup.html else None) or None
    for candidate in declared + [urljoin(url, p) for p in USUAL_PATHS if urljoin(url, p) not in declared]:
        try:
            feed = _as_feed(_fetch(candidate, user_agent, allow_private), candidate)
        except DiscoveryError:
            continue
        if feed is not None:
            return Found(url, candidate, feed.title or site_title, feed.language or language)
    raise DiscoveryError(f"Aucun flux RSS ou Atom trouvé sur {url} (ni déclaré dans la page, ni aux adresses "
                         "habituelles). Ajoutez l'adresse du flux elle-même.")


def _fetch(url: str, user_agent: str, allow_private: bool) -> bytes:
    try:
        return fetch_one(url, user_agent, allow_private, timeout=TIMEOUT, max_bytes=MAX_BYTES)
    except UnsafeURL as exc:
        raise DiscoveryError(f"Adresse refusée : {exc}") from None
    except FetchError as exc:
        raise DiscoveryError(f"Page illisible : {exc}") from None


def _as_feed(data: bytes, url: str):
    head = data[:2000].lstrip().lower()
    if head.startswith(b"<!doctype html") or head.startswith(b"<html"):
        return None
    try:
        return parse_feed(data, url)
    except FeedError:
        return None
