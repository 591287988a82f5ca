"""Decidim platforms: how to recognise one, and the channels it offers a crawler.

What a Decidim platform shows without JavaScript, read in decidim/decidim's
templates (0.27 and the 0.28 redesign):

- no RSS or Atom feed in core, not even for a blog component;
- /processes lists the participatory processes as server-rendered cards:
  `a.card__grid` and `a.card__highlight` (the card-g cell, 0.28 on),
  `article.card` (0.27 and before); kaminari's "next" link has rel="next";
- /assemblies and /initiatives (petitions: how the Assemblée nationale, the
  Sénat and the CESE use Decidim) list their spaces the same way
  (`article.card--initiative` before 0.28), when those modules are installed;
- a blog component lists its posts at /processes/SLUG/f/ID/posts
  (`.card__list`, the card-l cell; `.card--post` before 0.28): one per space,
  found only through links;
- /open-data/download (a zip of CSV files) and the GraphQL API at /api
  (POST): formats our crawler does not read; no sitemap in core.

Channels here are plain dicts, the shape `store.sources` and
`crawlers.registry` take.
"""

from __future__ import annotations

import re
from urllib.parse import urljoin, urlsplit

from parsel import Selector

# Both generations of cards; `a::attr(href)` also matches an item that is itself the link.
SPACE_SELECTORS = {"item": "a.card__grid, a.card__highlight, article.card",
                   "link": "a::attr(href)", "next": "a[rel~=next]::attr(href)"}
POST_SELECTORS = {"item": ".card__list, .card--post", "link": "a::attr(href)", "next": "a[rel~=next]::attr(href)"}
# (path, confidence, enabled): processes are core; assemblies and initiatives modules many platforms leave out.
SPACE_LISTINGS = (("processes", "likely", True), ("assemblies", "guess", False), ("initiatives", "guess", False))
BLOG_PATH = re.compile(r"^(/(?:[a-z]{2}(?:-[A-Za-z]{2})?/)?(?:processes|assemblies)/[^/]+/f/\d+/posts)(?:/\d+)?/?$")
MAX_BLOGS = 3
# What every Decidim layout carries, whatever its theme.
MARKERS = (
    ("script", "Decidim.config.set(", "the layout's Decidim.config script"),
    ("asset", "/decidim-packs/", "assets under /decidim-packs/"),
)


def space_channels(homepage: str) -> list[dict]:
    """The listings a Decidim platform may have, unverified (for seeds); a petitions
    platform (its host says so) is read through its initiatives first."""
    petitions = (urlsplit(homepage).hostname or "").startswith("petition")
    channels = [{"kind": "listing", "url": urljoin(homepage, path), "selectors": dict(SPACE_SELECTORS),
                 "confidence": confidence, "enabled": enabled}
                for path, confidence, enabled in SPACE_LISTINGS]
    if petitions:
        channels[-1].update(confidence="likely", enabled=True)
    return channels


def blog_channels(page: Selector, url: str) -> list[dict]:
    """The blog components the page links to, or links a post of (a platform's news, one per space)."""
    host = urlsplit(url).hostname
    found = []
    for href in page.css("a::attr(href)").getall():
        parts = urlsplit(urljoin(url, href.strip()))
        blog = BLOG_PATH.match(parts.path) if parts.hostname == host else None
        if blog and (link := f"{parts.scheme}://{parts.netloc}{blog.group(1)}") not in found:
            found.append(link)
    return [{"kind": "listing", "url": link, "selectors": dict(POST_SELECTORS), "confidence": "likely",
             "enabled": True} for link in found[:MAX_BLOGS]]


def decidim_evidence(page: Selector) -> str | None:
    """Why this page is a Decidim platform's, or None when nothing says so."""
    generator = " ".join(page.css("meta[name=generator]::attr(content)").getall())
    if "decidim" in generator.lower():
        return f"meta generator {generator.strip()[:60]!r}"
    scripts = " ".join(page.css("script:not([src])::text").getall())
    assets = " ".join(page.css("script::attr(src), link::attr(href)").getall())
    for where, marker, reason in MARKERS:
        if marker in (scripts if where == "script" else assets):
            return reason
    if page.css('a[rel~="decidim"][href*="decidim.org"]'):
        return 'the footer link to decidim.org (rel="decidim")'
    return None
