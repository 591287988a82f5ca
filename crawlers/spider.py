"""The one spider: it reads every channel of the crawl and follows their articles.

Callbacks stay thin (fetching is fast; parsing and extraction are the cost):
they hand bytes to `feeds`, `listing` and `extract`, turn the results into
`NewItem`s with `assemble`, and tell the `Ledger` what happened. Every request
carries its channel id, and every outcome (answer, failure, drop) is counted
against it, so that each channel gets a result even when others fail.
"""

from __future__ import annotations

from typing import Callable

import scrapy
from scrapy import signals

from crawlers.assemble import item_from_entry, item_from_page, needs_article_page
from crawlers.extract import extract_page
from crawlers.failures import describe_failure, is_permanent
from crawlers.feeds import FeedEntry, FeedError, parse_feed
from crawlers.ledger import Ledger
from crawlers.listing import MAX_LISTING_PAGES, ListingError, parse_listing
from crawlers.normalize import canonical_url
from store.records import ChannelSpec

SUPPORTED_KINDS = ("feed", "listing", "page")
HTML_TYPES = (b"text/html", b"application/xhtml+xml")
KNOWN_URLS_CHUNK = 500  # well under the bound-parameter limits of SQLite and PostgreSQL


class WatchSpider(scrapy.Spider):
    name = "veille"

    def __init__(
        self,
        channels: list[ChannelSpec],
        ledger: Ledger,
        known_urls: Callable[[list[str]], set[str]],
        store_items: Callable[[list], tuple[int, int]],
        max_articles_per_channel: int = 50,
        timeout: float | None = None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.channels = {c.id: c for c in channels}
        self.ledger = ledger
        self.known_urls = known_urls
        self.store_items = store_items  # used by crawlers.pipelines.IngestPipeline
        self.max_articles = max_articles_per_channel
        self.timeout = timeout
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
                self.ledger.fail_channel(channel.id, f"channel kind {channel.kind!r} is not crawled yet")
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
        self.ledger.fail_channel(channel_id, describe_failure(failure, request, self.timeout))
        self.ledger.request_done(channel_id)

    def next_page_failed(self, failure):
        self.ledger.fail_article(failure.request.meta["channel"])
        self.ledger.request_done(failure.request.meta["channel"])

    def article_failed(self, failure):
        request = failure.request
        channel_id = request.meta["channel"]
        entry = request.meta.get("entry")
        try:
            reason = describe_failure(failure, request, self.timeout)
            if entry is not None and is_permanent(failure):
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

    def parse_channel(self, response):
        channel_id = self._answered(response)
        channel = self.channels[channel_id]
        try:
            if response.status == 304:
                self.ledger[channel_id].status = "not-modified"
                return
            tally = self.ledger[channel_id]
            tally.etag = _header(response, b"ETag")
            tally.last_modified = _header(response, b"Last-Modified")
            if channel.kind == "feed":
                yield from self._read_feed(channel, response)
            elif channel.kind == "listing":
                yield from self._read_listing(channel, response, page_number=1)
            else:
                yield from self._read_page(channel, response)
        except (FeedError, ListingError) as exc:
            self.ledger.fail_channel(channel_id, str(exc))
        except Exception as exc:  # a bug or a hostile document must not stop the other channels
            self.ledger.fail_channel(channel_id, f"cannot read {response.url}: {type(exc).__name__}: {exc}")
        finally:
            self.ledger.request_done(channel_id)

    def _read_feed(self, channel: ChannelSpec, response):
        content_type = _header(response, b"Content-Type")
        feed = parse_feed(response.body, response.url, content_type)
        entries: dict[str, FeedEntry] = {}
        for entry in feed.entries:  # newest first, as feeds list them: the budget goes to recent news
            entries.setdefault(canonical_url(entry.link), entry)
        fresh = self._unclaimed(channel, list(entries))
        for key in fresh:
            entry = entries[key]
            if not needs_article_page(entry):
                yield self._collected(item_from_entry(channel, entry, feed.language, feed.warnings))
            elif self._article_budget_left(channel.id):
                yield self._article_request(channel.id, entry.link, entry=entry, feed_language=feed.language,
                                            warnings=feed.warnings)
            else:
                self.ledger[channel.id].complete = False  # the rest waits for the next crawl

    def _read_listing(self, channel: ChannelSpec, response, page_number: int):
        listing = parse_listing(response.selector, response.url, channel.selectors)
        by_key = {canonical_url(link): link for link in listing.links}
        fresh = self._unclaimed(channel, list(by_key))
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

    def _read_page(self, channel: ChannelSpec, response):
        # A watched page is its own article; once stored it is not stored again
        # (the store keeps one item per canonical URL).
        if self._unclaimed(channel, [canonical_url(channel.url)]):
            yield from self._item_from_response(channel, response, channel.url, entry=None, warnings=())

    def parse_next_page(self, response):
        channel_id = self._answered(response)
        try:
            yield from self._read_listing(self.channels[channel_id], response, response.meta["page_number"])
        except Exception as exc:  # page 1 was read: a bad later page costs only its own articles
            self.logger.warning("cannot read listing page %s: %s", response.url, exc)
            self.ledger.fail_article(channel_id)
        finally:
            self.ledger.request_done(channel_id)

    def _unclaimed(self, channel: ChannelSpec, keys: list[str]) -> list[str]:
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

    def parse_article(self, response):
        channel_id = self._answered(response)
        meta = response.meta
        try:
            yield from self._item_from_response(self.channels[channel_id], response, meta["link"],
                                                meta.get("entry"), tuple(meta.get("warnings", ())))
        except Exception as exc:  # one odd page must not cost the channel
            self.logger.warning("cannot extract %s: %s: %s", response.url, type(exc).__name__, exc)
            self.ledger.fail_article(channel_id)
        finally:
            self.ledger.request_done(channel_id)

    def _item_from_response(self, channel: ChannelSpec, response, link: str, entry: FeedEntry | None,
                            warnings: tuple[str, ...]):
        content_type = response.headers.get(b"Content-Type") or b"text/html"
        if any(t in content_type.lower() for t in HTML_TYPES) and hasattr(response, "text"):
            page = extract_page(response.text, response.url)
            yield self._collected(item_from_page(channel, link, response.url, page, entry, warnings))
        elif entry is not None:
            shown = content_type.decode("latin-1").split(";")[0]
            warnings += (f"article is {shown}, not HTML; feed text only",)
            yield self._collected(item_from_entry(channel, entry, response.meta.get("feed_language"), warnings))
        else:
            self.ledger.fail_article(channel.id)


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
