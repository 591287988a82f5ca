"""robots.txt, obeyed from a copy kept in the store (RFC 9309).

Scrapy's RobotsTxtMiddleware asks every site for its robots.txt at every
crawl: for a crawl of unchanged sites, a fifth of all requests. This one
keeps the last copy in the store (`store.robots`) and reuses it for
`crawl_robots_ttl_hours` (24 h by default, as Google does); after that it
asks again with the copy's validators, and an unchanged file answers 304
without a body.

What an answer means (RFC 9309, 2.3.1): 2xx, the rules; 4xx, or more
redirects than Scrapy follows, no rules (all allowed); 5xx or no answer at
all (timeout, refused, unknown host), the site is unreachable: its last kept
copy is obeyed if there is one (RFC 9309, 2.4, allows a cached copy past its
lifetime while the file is unreachable: a robots.txt down for an hour must
not stop the watch of a site), else nothing is fetched from it in this
crawl. Only answers that settle the rules are kept; an unreachable site is
asked again at the next crawl.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from types import SimpleNamespace
from typing import Callable
from urllib.parse import urlsplit

from scrapy import signals
from scrapy.downloadermiddlewares.robotstxt import RobotsTxtMiddleware
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Request
from scrapy.http.request import NO_CALLBACK
from scrapy.utils.httpobj import urlparse_cached
from scrapy.utils.misc import build_from_crawler

from crawlers.failures import describe_failure
from store.robots import RobotsRecord

logger = logging.getLogger(__name__)

TTL_SETTING = "VEILLE_ROBOTS_TTL_HOURS"
PRIORITY = 100  # where Scrapy's own RobotsTxtMiddleware sits
SAVE_BATCH = 50  # copies written to the store per transaction
# RFC 9309, 2.5: a parsing limit of at least 500 KiB; what lies beyond is neither read nor kept.
MAX_BODY = 500 * 1024


class Unreachable(IgnoreRequest):
    """Not sent: the site's robots.txt could not be read. The message says why, for the channel's error."""


class RobotsStore:
    """What the middleware needs of the store: the kept copies, and a place for new ones.

    New copies are written in batches (and what is left when the crawl ends),
    not one transaction per site.
    """

    def __init__(self, load: Callable[[list[str]], dict[str, RobotsRecord]],
                 save: Callable[[list[RobotsRecord]], None]):
        self.load, self._save = load, save
        self.pending: list[RobotsRecord] = []

    def keep(self, record: RobotsRecord) -> None:
        self.pending.append(record)
        if len(self.pending) >= SAVE_BATCH:
            self.flush()

    def flush(self) -> None:
        batch, self.pending = self.pending, []
        if batch:
            try:
                self._save(batch)
            except Exception as exc:  # noqa: BLE001 - a lost copy is only asked for again next time
                logger.warning("could not keep %d robots.txt copies: %s", len(batch), exc)


class _Disallowed:
    """The rules of an unreachable site, for this crawl: nothing is allowed."""

    def __init__(self, reason: str):
        self.reason = reason

    def allowed(self, url, user_agent) -> bool:
        return False

    def crawl_delay(self, user_agent) -> None:
        return None


class CachedRobotsTxtMiddleware(RobotsTxtMiddleware):
    def __init__(self, crawler):
        super().__init__(crawler)
        self.ttl = timedelta(hours=crawler.settings.getfloat(TTL_SETTING, 24.0))
        self.timeout = crawler.settings.getfloat("DOWNLOAD_TIMEOUT")
        self._copies: dict[str, RobotsRecord | None] = {}  # site -> kept copy (None: none kept)
        self._loaded = False
        # Per site, a future rather than Scrapy's Deferred: a Deferred turned into
        # a future gives its result to the first waiter only, and the other
        # requests waiting for the same robots.txt would get None ("allowed").
        self._rules: dict[str, asyncio.Future] = {}
        crawler.signals.connect(self._flush, signal=signals.spider_closed)

    async def process_request(self, request):
        if request.meta.get("dont_obey_robotstxt") or not request.url.startswith(("http:", "https:")):
            return None
        rules = await self.robot_parser(request)
        if isinstance(rules, _Disallowed):
            self._stats.inc_value("robotstxt/unreachable")
            raise Unreachable(rules.reason)
        self.process_request_2(rules, request)
        return None

    async def robot_parser(self, request):
        url = urlparse_cached(request)
        site = f"{url.scheme}://{url.netloc}"
        if site not in self._rules:
            rules = self._rules[site] = asyncio.get_running_loop().create_future()
            try:
                rules.set_result(await self._read(site))
            except BaseException as exc:  # cancelled, or a bug: the requests waiting must not wait for ever
                rules.set_result(_Disallowed(_unreachable(site, f"{type(exc).__name__}: {exc}")))
                raise
        return await asyncio.shield(self._rules[site])

    async def _read(self, site: str):
        """The site's rules: the kept copy while fresh, else asked for (conditionally)."""
        copy = self._copy(site)
        now = datetime.now(timezone.utc)
        if copy is not None and now - copy.fetched_at < self.ttl:
            self._stats.inc_value("robotstxt/cached")
            return self._parse(copy)
        request = _robots_request(site, copy)
        self._stats.inc_value("robotstxt/request_count")
        try:
            response = await self.crawler.engine.download_async(request)
        except Exception as exc:  # noqa: BLE001 - every failure has a meaning here
            rules = self._failed(site, request, exc)
        else:
            rules = self._answered(site, response, copy, now)
        if isinstance(rules, _Disallowed) and copy is not None:
            logger.warning("%s; obeying the copy kept since %s", rules.reason, copy.fetched_at.isoformat())
            self._stats.inc_value("robotstxt/kept_copy_while_unreachable")
            return self._parse(copy)
        return rules

    def _answered(self, site: str, response, copy: RobotsRecord | None, now: datetime):
        status = response.status
        self._stats.inc_value(f"robotstxt/response_status_count/{status}")
        if status == 304 and copy is not None:
            record = replace(copy, fetched_at=now)
        elif 200 <= status < 300:
            record = RobotsRecord(site, status, response.body[:MAX_BODY], _header(response, b"ETag"),
                                  _header(response, b"Last-Modified"), now)
        elif status == 429:  # "unavailable" too, but only for now: not kept
            return self._parse(None)
        elif 400 <= status < 500:  # "unavailable": no rules
            record = RobotsRecord(site, status, b"", None, None, now)
        else:  # 5xx after the retries
            retries = response.request.meta.get("retry_times", 0) if response.request else 0
            after = f" (after {retries} retries)" if retries else ""
            return _Disallowed(_unreachable(site, f"HTTP {status} from {response.url}{after}"))
        self._copies[site] = record
        store = self._store()
        if store is not None:
            store.keep(record)
        return self._parse(record)

    def _failed(self, site: str, request: Request, exc: Exception):
        self._stats.inc_value(f"robotstxt/exception_count/{type(exc).__name__}")
        if isinstance(exc, IgnoreRequest) and "redirection" in str(exc):
            return self._parse(None)  # RFC 9309: past five redirects, it may be taken as unavailable
        return _Disallowed(_unreachable(site, self._reason(exc, request)))

    def _reason(self, exc: Exception, request: Request) -> str:
        # Scrapy's message for a decompression bomb names the URL, which
        # describe_failure would take for a robots.txt refusal.
        if type(exc) is IgnoreRequest and "decompression" in str(exc):
            return f"response from {request.url} too large once decompressed, download cancelled"
        return describe_failure(SimpleNamespace(value=exc), request, self.timeout)

    def _parse(self, record: RobotsRecord | None):
        body = record.body if record is not None and record.status < 300 else b""
        return build_from_crawler(self._parserimpl, self.crawler, body)

    def _copy(self, site: str) -> RobotsRecord | None:
        store = self._store()
        if store is None:
            return None
        if not self._loaded:  # first use: every channel's site in one query
            self._loaded = True
            self._copies = dict.fromkeys(_channel_sites(self.crawler.spider))
            self._copies.update(store.load(list(self._copies)))
        if site not in self._copies:  # a site of no channel (an article hosted elsewhere)
            self._copies[site] = store.load([site]).get(site)
        return self._copies[site]

    def _store(self) -> RobotsStore | None:
        return getattr(self.crawler.spider, "robots_store", None)

    def _flush(self) -> None:
        store = self._store()
        if store is not None:
            store.flush()


def _robots_request(site: str, copy: RobotsRecord | None) -> Request:
    headers = {}
    if copy is not None and copy.etag:
        headers["If-None-Match"] = copy.etag
    if copy is not None and copy.last_modified:
        headers["If-Modified-Since"] = copy.last_modified
    return Request(f"{site}/robots.txt", headers=headers, priority=RobotsTxtMiddleware.DOWNLOAD_PRIORITY,
                   meta={"dont_obey_robotstxt": True}, callback=NO_CALLBACK)


def _channel_sites(spider) -> list[str]:
    urls = [c.url for c in getattr(spider, "channels", {}).values()]
    return sorted({f"{p.scheme}://{p.netloc}" for p in map(urlsplit, urls) if p.scheme in ("http", "https")})


def _unreachable(site: str, reason: str) -> str:
    return f"robots.txt unreachable, nothing fetched from {site} in this crawl: {reason}"


def _header(response, name: bytes) -> str | None:
    value = response.headers.get(name)
    return value.decode("latin-1") if value else None
