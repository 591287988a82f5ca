"""A DNS resolver for Scrapy that refuses non-public addresses, IPv4 and IPv6.

`SafetyMiddleware` checks a request's host before it is sent, but the
connection makes its own DNS lookup a moment later; a hostile DNS server can
answer "public" to the first and "127.0.0.1" to the second (DNS rebinding).
Checking the very addresses Twisted is about to connect to closes that gap.
IP literals never reach a resolver: the middleware's check is final for them.

Scrapy's default resolver is IPv4 only; this one builds on its hostname
resolver, which returns IPv6 addresses too, so sites reachable only over
IPv6 are crawled. A name with any non-public address gets no address at all
(the connection may use any of them); the reason is kept in `REFUSED` for the
channel's error, as Twisted only says "no results for hostname lookup".
"""

from __future__ import annotations

from twisted.internet.error import DNSLookupError
from twisted.internet.interfaces import IResolutionReceiver
from zope.interface import provider

from crawlers.safety import address_problem
from scrapy.resolver import CachingHostnameResolver, CachingThreadedResolver

ALLOW_PRIVATE_SETTING = "VEILLE_ALLOW_PRIVATE_NETWORKS"
# host -> why its addresses were refused, in this crawl process.
REFUSED: dict[str, str] = {}


def refusal(host: str, problem: str) -> str:
    return f"{host} resolves to a {problem}; private networks are not crawled"


@provider(IResolutionReceiver)
class PublicOnlyReceiver:
    """Holds the addresses of a lookup and passes them on only if all are public."""

    def __init__(self, receiver, host: str):
        self.receiver, self.host = receiver, host
        self.addresses: list = []

    def resolutionBegan(self, resolution) -> None:
        self.receiver.resolutionBegan(resolution)

    def addressResolved(self, address) -> None:
        self.addresses.append(address)

    def resolutionComplete(self) -> None:
        problems = [p for p in (address_problem(a.host) for a in self.addresses) if p]
        if problems:
            REFUSED[self.host] = refusal(self.host, problems[0])
        else:
            for address in self.addresses:
                self.receiver.addressResolved(address)
        self.receiver.resolutionComplete()


class _AllowPrivateSetting:
    """Both resolvers read whether private addresses are allowed (tests) from the crawl's settings."""

    allow_private = False

    @classmethod
    def from_crawler(cls, crawler, reactor):
        resolver = super().from_crawler(crawler, reactor)
        resolver.allow_private = crawler.settings.getbool(ALLOW_PRIVATE_SETTING)
        return resolver


class PublicOnlyHostnameResolver(_AllowPrivateSetting, CachingHostnameResolver):
    def resolveHostName(self, resolutionReceiver, hostName, portNumber=0, addressTypes=None,
                        transportSemantics="TCP"):
        if not self.allow_private:
            # Wrapped outside the cache: a cached answer is checked again too.
            resolutionReceiver = PublicOnlyReceiver(resolutionReceiver, hostName)
        return super().resolveHostName(resolutionReceiver, hostName, portNumber, addressTypes,
                                       transportSemantics)


class PublicOnlyResolver(_AllowPrivateSetting, CachingThreadedResolver):
    """The IPv4-only variant, for the simple `getHostByName` interface."""

    def getHostByName(self, name, timeout=()):
        d = super().getHostByName(name, timeout)
        if not self.allow_private:
            d.addCallback(self._refuse_private, name)
        return d

    @staticmethod
    def _refuse_private(address: str, name: str):
        problem = address_problem(address)
        if problem:
            raise DNSLookupError(refusal(name, problem))
        return address
