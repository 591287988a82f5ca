"""Sitemaps (sitemaps.org XML, gzipped or not, news sitemaps, indexes, text lists).

A site without a feed often has a sitemap; its `<lastmod>` dates say which
pages are new. A sitemap index lists other sitemaps: the newest few are read.
Parsing is done with entities, DTDs and network access off, and a gzipped
sitemap is inflated only up to the crawl's size cap (a sitemap can be a
gzip bomb as well as any response).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timezone

from lxml import etree

from crawlers.fetch_one import FetchError, gunzip
from crawlers.normalize import resolve_link

MAX_CHILD_SITEMAPS = 3  # of an index, the newest few: older ones list older pages
_PARSER = etree.XMLParser(resolve_entities=False, load_dtd=False, no_network=True, huge_tree=False, recover=False)
_LINE_URL = re.compile(r"^https?://\S+$")


class SitemapError(ValueError):
    """Not a readable sitemap; the message says why in one line."""


@dataclass(frozen=True)
class SitemapEntry:
    url: str
    lastmod: datetime | None = None
    title: str = ""  # news sitemaps name the article
    published: datetime | None = None  # news sitemaps date it


@dataclass(frozen=True)
class Sitemap:
    pages: list[SitemapEntry]  # newest first (undated last)
    sitemaps: list[SitemapEntry]  # of an index, newest first


def parse_sitemap(data: bytes, url: str, max_bytes: int = 50_000_000) -> Sitemap:
    """The pages (or child sitemaps) listed in a sitemap fetched from `url`."""
    if data[:2] == b"\x1f\x8b":
        data = _gunzip(data, max_bytes, url)
    head = data[:1000].lstrip(b"\xef\xbb\xbf \t\r\n")
    if head.startswith(b"<"):
        return _parse_xml(data, url)
    return _parse_text(data, url)


def _gunzip(data: bytes, max_bytes: int, url: str) -> bytes:
    try:
        return gunzip(data, max_bytes, f"the sitemap at {url}")
    except FetchError as exc:
        raise SitemapError(str(exc)) from None


def _parse_xml(data: bytes, url: str) -> Sitemap:
    try:
        root = etree.fromstring(data, _PARSER)
    except etree.XMLSyntaxError as exc:
        raise SitemapError(f"not a readable sitemap at {url} ({exc})") from None
    kind = etree.QName(root).localname
    if kind not in ("urlset", "sitemapindex"):
        raise SitemapError(f"not a sitemap at {url} (root element <{kind}>)")
    entries = [e for e in (_entry(node, url) for node in root if isinstance(node.tag, str)) if e]
    entries.sort(key=_newest_first)
    return Sitemap(pages=entries, sitemaps=[]) if kind == "urlset" else Sitemap(pages=[], sitemaps=entries)


def _entry(node, base: str) -> SitemapEntry | None:
    fields: dict = {}
    for child in node.iter():  # the first of each name: <image:loc> comes after the page's <loc>
        if isinstance(child.tag, str):
            fields.setdefault(etree.QName(child).localname, child)
    loc = resolve_link(base, _text(fields.get("loc"))) if _text(fields.get("loc")) else None
    if loc is None:
        return None
    return SitemapEntry(
        url=loc,
        lastmod=_date(_text(fields.get("lastmod"))),
        title=_text(fields.get("title")),  # news:title
        published=_date(_text(fields.get("publication_date"))),  # news:publication_date
    )


def _parse_text(data: bytes, url: str) -> Sitemap:
    lines = data.decode("utf-8", "replace").split()
    if not lines or not all(_LINE_URL.match(line) for line in lines[:20]):
        raise SitemapError(f"not a sitemap at {url}")
    return Sitemap(pages=[SitemapEntry(u) for u in lines if resolve_link(url, u)], sitemaps=[])


def _text(node) -> str:
    return (node.text or "").strip() if node is not None else ""


def _date(value: str) -> datetime | None:
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed.replace(tzinfo=timezone.utc) if parsed.tzinfo is None else parsed.astimezone(timezone.utc)


def _newest_first(entry: SitemapEntry):
    date = entry.published or entry.lastmod
    return (date is None, -(date.timestamp() if date else 0))


def select_pages(sitemap: Sitemap, sitemap_url: str, include: str | None = None,
                 exclude: str | None = None) -> list[SitemapEntry]:
    """The pages worth reading as articles: the channel's `include` / `exclude`
    patterns (regular expressions searched in the URL) applied, the site's
    home page and the sitemap's own address left out."""
    try:
        keep = re.compile(include) if include else None
        drop = re.compile(exclude) if exclude else None
    except re.error as exc:
        raise SitemapError(f"invalid pattern in the channel's selectors: {exc}") from None
    home = re.compile(r"^https?://[^/]+/?(index\.\w+)?$")
    return [
        page for page in sitemap.pages
        if not home.match(page.url) and page.url != sitemap_url
        and (keep is None or keep.search(page.url)) and not (drop and drop.search(page.url))
    ]
