"""Scrapy downloader middleware that applies `crawlers.safety` to every request.

It sits before the robots.txt middleware (so not even robots.txt is fetched
from a refused host) and sees every request Scrapy sends: channel URLs,
article links, next pages, and each redirect hop, which the redirect
middlewares schedule as new requests.
"""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

from scrapy.exceptions import IgnoreRequest
from scrapy.utils.defer import maybe_deferred_to_future
from twisted.internet.threads import deferToThread

from crawlers.resolver import ALLOW_PRIVATE_SETTING
from crawlers.safety import UnsafeURL, check_host, host_of

PRIORITY = 40  # lower runs first: before OffsiteMiddleware (50) and RobotsTxtMiddleware (100)
SLOT_PRIORITY = 45


class RefusedURL(IgnoreRequest):
    """A request refused for safety; its message is the reason, for the channel's error."""


class SafetyMiddleware:
    def __init__(self, allow_private: bool):
        self.allow_private = allow_private
        self._verdicts: dict[str, str | None] = {}  # host -> why refused, None when fine

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler.settings.getbool(ALLOW_PRIVATE_SETTING))

    async def process_request(self, request):
        try:
            host = host_of(request.url)
        except UnsafeURL as exc:
            raise RefusedURL(exc.reason) from None
        if self.allow_private:
            return None
        if host not in self._verdicts:
            if _is_ip_literal(host):  # nothing to resolve
                self._verdicts[host] = _problem(host)
            else:  # getaddrinfo blocks: resolve in a thread, never in the reactor
                self._verdicts[host] = await maybe_deferred_to_future(deferToThread(_problem, host))
        if self._verdicts[host]:
            raise RefusedURL(self._verdicts[host])
        return None


def _is_ip_literal(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def _problem(host: str) -> str | None:
    try:
        check_host(host)
    except UnsafeURL as exc:
        return exc.reason
    return None


class SiteSlotMiddleware:
    """One politeness slot (delay, concurrency, AutoThrottle) per site, a site
    being a scheme, host and port.

    Scrapy keys its slots on the host name alone, so every site served from
    one address on different ports (the fixture web on 127.0.0.1, an
    institution's services on :8080 and :443) would share one slot and wait
    for each other. Set on every request, redirect hops included, since a
    redirected request inherits the slot of the URL it came from.
    """

    def process_request(self, request):
        request.meta["download_slot"] = site_of(request.url)
        return None


def site_of(url: str) -> str:
    """The site of a URL as politeness counts it: scheme, host and port."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc.lower()}"
