"""The crawler refuses URLs that reach into private networks (SSRF)."""

from __future__ import annotations

import asyncio

import pytest
import scrapy

from crawlers.middlewares import RefusedURL, SafetyMiddleware
from crawlers.safety import UnsafeURL, address_problem, check_url


@pytest.mark.parametrize(
    "url, reason",
    [
        ("http://127.0.0.1/", "loopback"),
        ("http://127.0.0.1:8080/feed", "loopback"),
        ("http://localhost/", "loopback"),
        ("http://[::1]/", "loopback"),
        ("http://[::ffff:127.0.0.1]/", "loopback"),  # IPv4-mapped IPv6
        ("http://0x7f.1/", "loopback"),  # a hex spelling of 127.0.0.1
        ("http://10.0.0.5/", "private"),
        ("http://172.16.3.4/", "private"),
        ("http://192.168.1.1/admin", "private"),
        ("http://[fd00::1]/", "private"),
        ("http://169.254.169.254/latest/meta-data/", "link-local"),  # cloud metadata service
        ("http://[fe80::1]/", "link-local"),
        ("http://100.64.0.1/", "carrier-grade NAT"),
        ("http://100.127.255.254/", "carrier-grade NAT"),
        ("http://224.0.0.1/", "multicast"),
        ("http://0.0.0.0/", "unspecified"),
        ("http://240.0.0.1/", "reserved"),
    ],
)
def test_private_addresses_are_refused(url, reason):
    with pytest.raises(UnsafeURL) as refused:
        check_url(url, allow_private=False)
    assert reason in str(refused.value)
    assert "private networks are not crawled" in str(refused.value)


@pytest.mark.parametrize(
    "url",
    ["file:///etc/passwd", "ftp://example.org/feed.xml", "javascript:alert(1)", "data:text/html,hi",
     "gopher://127.0.0.1:25/", "example.org/feed", "http:///nohost", "http://example.org:99999/"],
)
def test_only_http_and_https_urls_with_a_host_are_accepted(url):
    with pytest.raises(UnsafeURL):
        check_url(url, allow_private=True)  # refused even when private networks are allowed


def test_public_addresses_pass():
    check_url("https://93.184.215.14/feed.xml", allow_private=False)
    check_url("http://[2606:4700:4700::1111]/", allow_private=False)


def test_loopback_is_allowed_when_private_networks_are():
    check_url("http://127.0.0.1:8000/feed/", allow_private=True)


def test_an_unresolvable_host_is_refused_with_a_clear_message():
    with pytest.raises(UnsafeURL, match="cannot resolve host"):
        check_url("http://no-such-host.invalid/", allow_private=False)


def test_address_problem_names_the_kind_of_address():
    assert address_problem("8.8.8.8") is None
    assert address_problem("192.0.2.10") == "private address 192.0.2.10"  # documentation range
    assert address_problem("fe80::1%eth0") == "link-local address fe80::1"


def _run_middleware(url: str, allow_private: bool):
    middleware = SafetyMiddleware(allow_private)
    return asyncio.run(middleware.process_request(scrapy.Request(url)))


def test_middleware_refuses_every_request_to_a_private_address():
    # It sees every request, redirect hops and followed links included.
    with pytest.raises(RefusedURL, match="loopback address 127.0.0.1"):
        _run_middleware("http://127.0.0.1:8000/article", allow_private=False)
    with pytest.raises(RefusedURL, match="link-local"):
        _run_middleware("http://169.254.169.254/latest/", allow_private=False)


def test_middleware_lets_public_and_allowed_requests_through():
    assert _run_middleware("http://93.184.215.14/", allow_private=False) is None
    assert _run_middleware("http://127.0.0.1:8000/", allow_private=True) is None


def test_the_resolver_refuses_a_private_answer_given_after_the_check():
    # DNS rebinding: the name looked public to the middleware, then resolves to 127.0.0.1
    # when the connection is made; the resolver checks the address actually used.
    from twisted.internet.error import DNSLookupError

    from crawlers.resolver import PublicOnlyResolver

    with pytest.raises(DNSLookupError, match="rebind.example resolves to a loopback address 127.0.0.1"):
        PublicOnlyResolver._refuse_private("127.0.0.1", "rebind.example")
    assert PublicOnlyResolver._refuse_private("93.184.215.14", "example.org") == "93.184.215.14"


class _Receiver:
    def __init__(self):
        self.addresses, self.began, self.completed = [], False, False

    def resolutionBegan(self, resolution):  # noqa: N802 - Twisted's interface
        self.began = True

    def addressResolved(self, address):  # noqa: N802
        self.addresses.append(address)

    def resolutionComplete(self):  # noqa: N802
        self.completed = True


def test_the_resolver_passes_public_ipv4_and_ipv6_answers_and_refuses_any_private_one():
    # The resolver used by the crawl returns IPv6 addresses too (Scrapy's default is IPv4
    # only); a name with one private address among public ones gets none at all.
    from twisted.internet.address import IPv4Address, IPv6Address

    from crawlers.resolver import REFUSED, PublicOnlyReceiver

    public = _Receiver()
    receiver = PublicOnlyReceiver(public, "dual.example")
    receiver.resolutionBegan(None)
    receiver.addressResolved(IPv4Address("TCP", "93.184.215.14", 443))
    receiver.addressResolved(IPv6Address("TCP", "2606:2800:21f:cb07:6820:80da:af6b:8b2c", 443))
    receiver.resolutionComplete()
    assert [a.host for a in public.addresses] == ["93.184.215.14", "2606:2800:21f:cb07:6820:80da:af6b:8b2c"]
    assert public.completed and "dual.example" not in REFUSED

    rebound = _Receiver()
    receiver = PublicOnlyReceiver(rebound, "rebind6.example")
    receiver.resolutionBegan(None)
    receiver.addressResolved(IPv4Address("TCP", "93.184.215.14", 443))
    receiver.addressResolved(IPv6Address("TCP", "::1", 443))
    receiver.resolutionComplete()
    assert rebound.addresses == [] and rebound.completed
    assert REFUSED["rebind6.example"] == ("rebind6.example resolves to a loopback address ::1; "
                                          "private networks are not crawled")


def test_a_saved_url_is_checked_without_needing_the_network():
    from crawlers.safety import check_saved_url

    with pytest.raises(UnsafeURL, match="local name"):
        check_saved_url("http://intranet.local/feed", allow_private=False)
    with pytest.raises(UnsafeURL, match="private"):
        check_saved_url("http://10.1.2.3/feed", allow_private=False)
    # A name that cannot be resolved now is accepted with a warning: it is checked again at crawl time.
    assert "cannot resolve" in check_saved_url("https://no-such-host.invalid/feed", allow_private=False)
