"""Retries that wait: exponential backoff, and the site's own `Retry-After`.

Scrapy's RetryMiddleware sends a retry at once, which hits a site that is
overloaded (503) or rate-limiting us (429) again while it is still in
trouble. This one waits `base × 2^attempt` seconds before each retry (1 s,
then 2 s by default), or what the site asks in `Retry-After` when it asks
more. A wait longer than `max_wait` is not spent inside the crawl: the
request fails now, and the channel backs off until then (store.sources).

A site that let requests time out as many times as one request may be tried
has stalled: its other requests of this crawl are dropped (tried again at the
next crawl), so that ten slow article pages cost a few timeouts, not thirty,
and the crawl ends in time.
"""

from __future__ import annotations

import asyncio
import random
import time
from email.utils import parsedate_to_datetime

from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.exceptions import DownloadTimeoutError, IgnoreRequest
from scrapy.utils.response import response_status_message
from twisted.internet import error as tx

from crawlers.middlewares import site_of

BACKOFF_SETTING = "VEILLE_RETRY_BACKOFF"
MAX_WAIT_SETTING = "VEILLE_RETRY_AFTER_MAX"
TIMEOUTS = (DownloadTimeoutError, tx.TimeoutError, tx.TCPTimedOutError)


class SiteStalled(IgnoreRequest):
    """Not sent: the site let earlier requests of this crawl time out, as often as one may be tried."""


def retry_after(headers) -> float | None:
    """Seconds asked by a Retry-After header (delta-seconds or an HTTP date), None if absent or unreadable."""
    value = headers.get(b"Retry-After") if headers else None
    if not value:
        return None
    text = value.decode("latin-1").strip()
    if text.isdigit():
        return float(text)
    try:
        return max(0.0, parsedate_to_datetime(text).timestamp() - time.time())
    except (TypeError, ValueError, OverflowError):
        return None


class PoliteRetryMiddleware(RetryMiddleware):
    def __init__(self, settings):
        super().__init__(settings)
        self.base = settings.getfloat(BACKOFF_SETTING, 1.0)
        self.max_wait = settings.getfloat(MAX_WAIT_SETTING, 60.0)
        self.timeout = settings.getfloat("DOWNLOAD_TIMEOUT")
        self.timeouts: dict[str, int] = {}  # site (scheme://host:port) -> timeouts in this crawl
        self.stalled: set[str] = set()  # sites that stopped answering

    def process_request(self, request):
        site = site_of(request.url)
        if site in self.stalled:
            raise SiteStalled(f"skipped: {site} let {self.timeouts[site]} requests time out "
                              f"({self.timeout:g} s) earlier in this crawl")
        return None

    async def process_response(self, request, response):
        if request.meta.get("dont_retry") or response.status not in self.retry_http_codes:
            return response
        asked = retry_after(response.headers)
        if asked is not None and asked > self.max_wait:
            return response  # fails now; the channel waits as long as asked
        retry = self._retry(request, response_status_message(response.status))
        if retry is None:
            return response
        await asyncio.sleep(max(asked or 0.0, self._backoff(request)))
        return retry

    async def process_exception(self, request, exception):
        if not isinstance(exception, self.exceptions_to_retry) or request.meta.get("dont_retry"):
            return None
        if isinstance(exception, TIMEOUTS) and self._stalls(site_of(request.url)):
            return None  # no retry: the site is left for the next crawl
        retry = self._retry(request, exception)
        if retry is not None:
            await asyncio.sleep(self._backoff(request))
        return retry

    def _stalls(self, site: str) -> bool:
        self.timeouts[site] = self.timeouts.get(site, 0) + 1
        if self.timeouts[site] > self.max_retry_times:
            self.stalled.add(site)
        return site in self.stalled

    def _backoff(self, request) -> float:
        attempt = request.meta.get("retry_times", 0)
        # A little jitter, so that retries of many requests do not arrive together.
        return self.base * (2 ** attempt) * random.uniform(0.8, 1.2)
