"""The one spider: it reads every channel of the crawl and follows their articles.

Callbacks stay thin (fetching is fast; parsing and extraction are the cost):
they hand bytes to the worker pool (`crawlers.workers`, running
`crawlers.jobs`; feeds and sitemaps first, since they bring the next
requests), and tell the `Ledger` what happened. Every request carries
its channel id, and every outcome (answer, failure, drop) is counted against
it, so that each channel gets a result even when others fail.
"""

from __future__ import annotations

from typing import Callable

import scrapy
from scrapy import signals

from crawlers import jobs
from crawlers.assemble import item_from_entry
from crawlers.failures import describe_failure, is_permanent
from crawlers.feeds import FeedEntry, FeedError
from crawlers.ledger import Ledger
from crawlers.listing import MAX_LISTING_PAGES, ListingError, parse_listing
from crawlers.normalize import canonical_url
from crawlers.pages import PageError
from crawlers.retry import retry_after
from crawlers.robots import RobotsStore, Unreachable
from crawlers.sitemaps import MAX_CHILD_SITEMAPS, SitemapError, select_pages
from crawlers.workers import Workers
from store.records import ChannelSpec

SUPPORTED_KINDS = ("feed", "listing", "sitemap", "page")
HTML_TYPES = (b"text/html", b"application/xhtml+xml")
KNOWN_URLS_CHUNK = 500  # well under the bound-parameter limits of SQLite and PostgreSQL
CHANNEL_ERRORS = (FeedError, ListingError, SitemapError, PageError)


class WatchSpider(scrapy.Spider):
    name = "veille"

    def __init__(
        self,
        channels: list[ChannelSpec],
        ledger: Ledger,
        known_urls: Callable[[list[str]], set[str]],
        store_items: Callable[[list], list],  # NewItems -> store.records.Ingested, in order
        workers: Workers | None = None,
        robots_store: RobotsStore | None = None,  # kept robots.txt copies (crawlers.robots)
        max_articles_per_channel: int = 50,
        timeout: float | None = None,
        max_bytes: int = 10_000_000,
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.channels = {c.id: c for c in channels}
        self.ledger = ledger
        self.known_urls = known_urls
        self.store_items = store_items  # used by crawlers.pipelines.IngestPipeline
        self.workers = workers or Workers(0)
        self.robots_store = robots_store
        self.max_articles = max_articles_per_channel
        self.timeout = timeout
        self.max_bytes = max_bytes
        self.claimed: set[str] = set()  # canonical URLs requested or collected in this crawl

    @classmethod
    def from_crawler(cls, crawler, *args, **kwargs):
        spider = super().from_crawler(crawler, *args, **kwargs)
        # A request the scheduler drops never reaches a callback or an errback.
        crawler.signals.connect(spider._on_dropped, signal=signals.request_dropped)
        return spider

    async def start(self):
        for channel in self.channels.values():
            if channel.kind not in SUPPORTED_KINDS:
                self.ledger.fail_channel(channel.id, f"channel kind {channel.kind!r} is not crawled")
                continue
            yield self._request(channel.id, channel.url, self.parse_channel, self.channel_failed,
                                headers=_validators(channel), meta={"handle_httpstatus_list": [304]})
        self.ledger.report_ready()

    # --- requests and their outcome -------------------------------------------------

    def _request(self, channel_id: int, url: str, callback, errback, **kwargs) -> scrapy.Request:
        self.ledger.request_sent(channel_id)
        meta = {"channel": channel_id, **kwargs.pop("meta", {})}
        # dont_filter: duplicates are avoided with canonical URLs (self.claimed),
        # and Scrapy's filter would drop requests without calling back.
        return scrapy.Request(url, callback=callback, errback=errback, meta=meta, dont_filter=True, **kwargs)

    def _collected(self, item):
        # Counted when yielded, not when the pipeline sees it: Scrapy may finish
        # the callback before its items reach the pipeline, and the channel must
        # not be reported final while items are still on their way.
        self.ledger.item_collected(item.channel_id)
        return item

    def _answered(self, response) -> int:
        channel_id = response.meta["channel"]
        self.ledger[channel_id].fetched += 1
        return channel_id

    def _on_dropped(self, request, spider=None):
        if "channel" in request.meta:
            self.ledger.fail_article(request.meta["channel"])
            self.ledger.request_done(request.meta["channel"])

    def channel_failed(self, failure):
        request = failure.request
        channel_id = request.meta["channel"]
        response = getattr(failure.value, "response", None)
        if response is not None:
            self.ledger[channel_id].retry_after = retry_after(response.headers)
        self.ledger.fail_channel(channel_id, _describe(failure, request, self.timeout))
        self.ledger.request_done(channel_id)

    def next_page_failed(self, failure):
        self.ledger.fail_article(failure.request.meta["channel"])
        self.ledger.request_done(failure.request.meta["channel"])

    def article_failed(self, failure):
        request = failure.request
        channel_id = request.meta["channel"]
        entry = request.meta.get("entry")
        try:
            reason = _describe(failure, request, self.timeout)
            # An unreachable robots.txt is not for ever: the page is tried again next time.
            permanent = is_permanent(failure) and not isinstance(failure.value, Unreachable)
            if entry is not None and (entry.summary or entry.content) and permanent:
                # The page will not come (gone, forbidden): keep what the feed said.
                warning = f"article page not fetched ({reason}); feed text only"
                channel = self.channels[channel_id]
                yield self._collected(item_from_entry(channel, entry, request.meta.get("feed_language"), (warning,)))
            else:  # left for the next crawl, which will try again
                self.logger.warning("article not collected: %s", reason)
                self.ledger.fail_article(channel_id)
        finally:
            self.ledger.request_done(channel_id)

    # --- channels -------------------------------------------------------------------

    async def parse_channel(self, response):
        channel_id = self._answered(response)
        channel = self.channels[channel_id]
        try:
            if response.status == 304:
                self.ledger[channel_id].status = "not-modified"
                return
            tally = self.ledger[channel_id]
            tally.etag = _header(response, b"ETag")
            tally.last_modified = _header(response, b"Last-Modified")
            read = {"feed": self._read_feed, "listing": self._read_listing, "sitemap": self._read_sitemap,
                    "page": self._read_page}[channel.kind]
            async for output in read(channel, response):
                yield output
        except CHANNEL_ERRORS as exc:
            self.ledger.fail_channel(channel_id, str(exc))
        except Exception as exc:  # a bug or a hostile document must not stop the other channels
            self.ledger.fail_channel(channel_id, f"cannot read {response.url}: {type(exc).__name__}: {exc}")
        finally:
            self.ledger.request_done(channel_id)

    async def _read_feed(self, channel: ChannelSpec, response):
        feed, needs_page = await self.workers.run(jobs.read_feed, response.body, response.url,
                                                  _header(response, b"Content-Type"), urgent=True)
        if feed.warnings:
            self.ledger.warn_channel(channel.id, feed.warnings[0])
        entries: dict[str, tuple[FeedEntry, bool]] = {}
        for entry, needs in zip(feed.entries, needs_page):  # newest first: the budget goes to recent news
            entries.setdefault(canonical_url(entry.link), (entry, needs))
        whole = []
        for key in self._unclaimed(list(entries)):
            entry, needs = entries[key]
            if not needs:
                whole.append(entry)
            elif self._article_budget_left(channel.id):
                yield self._article_request(channel.id, entry.link, entry=entry, feed_language=feed.language,
                                            warnings=feed.warnings)
            else:
                self.ledger[channel.id].complete = False  # the rest waits for the next crawl
        if whole:
            for item in await self.workers.run(jobs.items_from_entries, channel, whole, feed.language, feed.warnings):
                yield self._collected(item)

    async def _read_listing(self, channel: ChannelSpec, response, page_number: int = 1):
        listing = parse_listing(response.selector, response.url, channel.selectors)
        by_key = {canonical_url(link): link for link in listing.links}
        fresh = self._unclaimed(list(by_key))
        for key in fresh:
            if self._article_budget_left(channel.id):
                yield self._article_request(channel.id, by_key[key])
            else:
                self.ledger[channel.id].complete = False
        # Older pages only hold older articles: when this page brought nothing
        # new, the next one will not either.
        if listing.next_page and fresh and page_number < MAX_LISTING_PAGES and self._article_budget_left(channel.id):
            yield self._request(channel.id, listing.next_page, self.parse_next_page, self.next_page_failed,
                                meta={"page_number": page_number + 1})

    async def _read_sitemap(self, channel: ChannelSpec, response, child: bool = False):
        sitemap = await self.workers.run(jobs.read_sitemap, response.body, response.url, self.max_bytes, urgent=True)
        if not child:  # an index: its newest sitemaps, one level down only
            for index in sitemap.sitemaps[:MAX_CHILD_SITEMAPS]:
                yield self._request(channel.id, index.url, self.parse_child_sitemap, self.next_page_failed)
        selectors = channel.selectors or {}
        pages = {canonical_url(p.url): p for p in
                 select_pages(sitemap, channel.url, selectors.get("include"), selectors.get("exclude"))}
        for key in self._unclaimed(list(pages)):
            # Beyond the budget are the oldest pages of the site: not news, not
            # worth a later crawl either (the channel stays "complete").
            if self._article_budget_left(channel.id):
                page = pages[key]
                hint = FeedEntry(link=page.url, title=page.title, published=page.published)
                yield self._article_request(channel.id, page.url, entry=hint)

    async def _read_page(self, channel: ChannelSpec, response):
        if not _is_html(response):
            raise PageError(f"the watched page {response.url} is not HTML")
        item, page_hash, page_text = await self.workers.run(jobs.watched_page, channel, response.url, response.body)
        tally = self.ledger[channel.id]
        tally.page_hash, tally.page_text = page_hash, page_text  # kept only if the channel ends well
        if item is not None:
            yield self._collected(item)

    async def parse_next_page(self, response):
        channel_id = self._answered(response)
        try:
            async for output in self._read_listing(self.channels[channel_id], response, response.meta["page_number"]):
                yield output
        except Exception as exc:  # page 1 was read: a bad later page costs only its own articles
            self.logger.warning("cannot read listing page %s: %s", response.url, exc)
            self.ledger.fail_article(channel_id)
        finally:
            self.ledger.request_done(channel_id)

    async def parse_child_sitemap(self, response):
        channel_id = self._answered(response)
        try:
            async for output in self._read_sitemap(self.channels[channel_id], response, child=True):
                yield output
        except Exception as exc:  # the index was read: a bad child costs only its own pages
            self.logger.warning("cannot read sitemap %s: %s", response.url, exc)
            self.ledger.fail_article(channel_id)
        finally:
            self.ledger.request_done(channel_id)

    def _unclaimed(self, keys: list[str]) -> list[str]:
        """The canonical URLs neither stored already nor taken by this crawl, in order."""
        candidates = [k for k in keys if k not in self.claimed]
        stored: set[str] = set()
        for start in range(0, len(candidates), KNOWN_URLS_CHUNK):  # some feeds list thousands of entries
            stored |= self.known_urls(candidates[start : start + KNOWN_URLS_CHUNK])
        fresh = [k for k in candidates if k not in stored]
        self.claimed.update(fresh)
        return fresh

    def _article_budget_left(self, channel_id: int) -> bool:
        return self.ledger[channel_id].articles < self.max_articles

    # --- articles -------------------------------------------------------------------

    def _article_request(self, channel_id: int, link: str, **meta) -> scrapy.Request:
        self.ledger[channel_id].articles += 1
        meta["link"] = link
        return self._request(channel_id, link, self.parse_article, self.article_failed, meta=meta)

    async def parse_article(self, response):
        channel_id = self._answered(response)
        meta = response.meta
        channel = self.channels[channel_id]
        entry, warnings = meta.get("entry"), tuple(meta.get("warnings", ()))
        try:
            if _is_html(response):
                yield self._collected(await self.workers.run(
                    jobs.item_from_article, channel, meta["link"], response.url, response.body, entry, warnings))
            elif entry is not None and (entry.summary or entry.content):
                shown = (_header(response, b"Content-Type") or "unknown type").split(";")[0]
                warnings += (f"article is {shown}, not HTML; feed text only",)
                yield self._collected(item_from_entry(channel, entry, meta.get("feed_language"), warnings))
            else:
                self.ledger.fail_article(channel_id)
        except Exception as exc:  # one odd page must not cost the channel
            self.logger.warning("cannot extract %s: %s: %s", response.url, type(exc).__name__, exc)
            self.ledger.fail_article(channel_id)
        finally:
            self.ledger.request_done(channel_id)


def _describe(failure, request, timeout: float | None) -> str:
    if isinstance(failure.value, Unreachable):  # it says which site and why
        return str(failure.value)
    return describe_failure(failure, request, timeout)


def _is_html(response) -> bool:
    content_type = response.headers.get(b"Content-Type") or b"text/html"
    return any(t in content_type.lower() for t in HTML_TYPES) and hasattr(response, "text")


def _validators(channel: ChannelSpec) -> dict[str, str]:
    """Conditional GET headers: an unchanged feed answers 304 with no body."""
    headers = {}
    if channel.etag:
        headers["If-None-Match"] = channel.etag
    if channel.last_modified:
        headers["If-Modified-Since"] = channel.last_modified
    return headers


def _header(response, name: bytes) -> str | None:
    value = response.headers.get(name)
    return value.decode("latin-1") if value else None
