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
