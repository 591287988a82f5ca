"""A DNS resolver for Scrapy that refuses non-public addresses.

`SafetyMiddleware` checks a request's host before it is sent, but the
connection makes its own DNS lookup a moment later; a hostile DNS server can
answer "public" to the first and "127.0.0.1" to the second (DNS rebinding).
Checking the very address Twisted is about to connect to closes that gap.
IP literals never reach a resolver: the middleware's check is final for them.
"""

from __future__ import annotations

from twisted.internet.error import DNSLookupError

from crawlers.safety import address_problem
from scrapy.resolver import CachingThreadedResolver

ALLOW_PRIVATE_SETTING = "VEILLE_ALLOW_PRIVATE_NETWORKS"


class PublicOnlyResolver(CachingThreadedResolver):
    allow_private = False

    @classmethod
    def from_crawler(cls, crawler, reactor):
        resolver = super().from_crawler(crawler, reactor)
        resolver.allow_private = crawler.settings.getbool(ALLOW_PRIVATE_SETTING)
        return resolver

    def getHostByName(self, name, timeout=()):
        d = super().getHostByName(name, timeout)
        if not self.allow_private:
            d.addCallback(self._refuse_private, name)
        return d

    @staticmethod
    def _refuse_private(address: str, name: str):
        problem = address_problem(address)
        if problem:
            raise DNSLookupError(f"{name} resolves to a {problem}; private networks are not crawled")
        return address
