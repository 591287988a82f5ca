"""Fetch one URL outside a crawl (`veille extract URL`), with the crawl's safety rules.

Scrapy needs its own process; for one page the standard library is enough.
The same limits apply: http(s) only, no private addresses unless allowed
(checked again at every redirect hop), a total deadline (not just a socket
timeout, which a server sending one byte a second never trips), a size cap,
few redirects. TLS certificates are verified (urllib's default).
"""

from __future__ import annotations

import time
import urllib.error
import zlib
import urllib.request
from dataclasses import dataclass

from crawlers.safety import UnsafeURL, check_url

MAX_REDIRECTS = 5
CHUNK = 65536


@dataclass(frozen=True)
class Fetched:
    url: str  # after redirects
    content_type: str
    body: bytes


class FetchError(Exception):
    """The page could not be fetched; the message says why in one line."""


def fetch_one(url: str, user_agent: str, allow_private: bool, *, timeout: float = 30.0,
              max_bytes: int = 10_000_000) -> bytes:
    """The body of `url` after redirects; FetchError or UnsafeURL when it cannot or must not be read."""
    return fetch_page(url, user_agent, allow_private, timeout=timeout, max_bytes=max_bytes).body


def fetch_page(url: str, user_agent: str, allow_private: bool, *, timeout: float = 30.0,
               max_bytes: int = 10_000_000, accept: str = "text/html,*/*;q=0.5") -> Fetched:
    """`url` after redirects, with its media type; FetchError or UnsafeURL when it cannot or must not be read."""
    check_url(url, allow_private)
    opener = urllib.request.build_opener(_SafeRedirects(allow_private))
    request = urllib.request.Request(url, headers={"User-Agent": user_agent, "Accept": accept})
    deadline = time.monotonic() + timeout
    try:
        with opener.open(request, timeout=timeout) as response:
            body = _read(response, max_bytes, deadline)
            final_url, content_type = response.geturl(), response.headers.get("Content-Type", "")
    except urllib.error.HTTPError as exc:
        raise FetchError(f"HTTP {exc.code} from {exc.url}") from None
    except urllib.error.URLError as exc:
        if isinstance(exc.reason, UnsafeURL):
            raise exc.reason from None
        raise FetchError(f"cannot download {url}: {exc.reason}") from None
    except TimeoutError:
        raise FetchError(f"no complete answer from {url} within {timeout:g} s (timeout)") from None
    if body is None:
        raise FetchError(f"no complete answer from {url} within {timeout:g} s (timeout)")
    if len(body) > max_bytes:
        raise FetchError(f"response from {url} larger than {max_bytes} bytes")
    return Fetched(final_url, content_type, body)


def _read(response, max_bytes: int, deadline: float) -> bytes | None:
    """The body, at most max_bytes + 1 of it; None when the deadline passes first."""
    parts, size = [], 0
    while size <= max_bytes:
        if time.monotonic() > deadline:
            return None
        chunk = response.read1(min(CHUNK, max_bytes + 1 - size))
        if not chunk:
            break
        parts.append(chunk)
        size += len(chunk)
    return b"".join(parts)


class _SafeRedirects(urllib.request.HTTPRedirectHandler):
    max_redirections = MAX_REDIRECTS

    def __init__(self, allow_private: bool):
        self.allow_private = allow_private

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        # Each hop is a new destination: a public page may redirect to 127.0.0.1.
        try:
            check_url(newurl, self.allow_private)
        except UnsafeURL as exc:
            raise urllib.error.URLError(exc) from None
        return super().redirect_request(req, fp, code, msg, headers, newurl)


def gunzip(data: bytes, max_bytes: int, source: str) -> bytes:
    """A gzipped document inflated, at most `max_bytes` of it (a gzip bomb stops there)."""
    inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
    try:
        out = inflater.decompress(data, max_bytes + 1)
    except zlib.error as exc:
        raise FetchError(f"broken gzip data in {source}: {exc}") from None
    if len(out) > max_bytes:
        raise FetchError(f"{source} is larger than {max_bytes} bytes once decompressed")
    return out
