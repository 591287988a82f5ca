"""Fetch one URL outside a crawl (`veille extract URL`), with the crawl's safety rules.

Scrapy needs its own process; for one page the standard library is enough.
The same limits apply: http(s) only, no private addresses unless allowed
(checked again at every redirect hop), a timeout, a size cap, few redirects.
"""

from __future__ import annotations

import urllib.error
import urllib.request

from crawlers.safety import UnsafeURL, check_url

MAX_REDIRECTS = 5


class FetchError(Exception):
    """The page could not be fetched; the message says why in one line."""


def fetch_one(url: str, user_agent: str, allow_private: bool, *, timeout: float = 30.0,
              max_bytes: int = 10_000_000) -> bytes:
    """The body of `url` after redirects; FetchError or UnsafeURL when it cannot or must not be read."""
    check_url(url, allow_private)
    opener = urllib.request.build_opener(_SafeRedirects(allow_private))
    request = urllib.request.Request(url, headers={"User-Agent": user_agent, "Accept": "text/html,*/*;q=0.5"})
    try:
        with opener.open(request, timeout=timeout) as response:
            body = response.read(max_bytes + 1)
    except urllib.error.HTTPError as exc:
        raise FetchError(f"HTTP {exc.code} from {exc.url}") from None
    except urllib.error.URLError as exc:
        if isinstance(exc.reason, UnsafeURL):
            raise exc.reason from None
        raise FetchError(f"cannot download {url}: {exc.reason}") from None
    except TimeoutError:
        raise FetchError(f"no complete answer from {url} within {timeout:g} s (timeout)") from None
    if len(body) > max_bytes:
        raise FetchError(f"response from {url} larger than {max_bytes} bytes")
    return body


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
