"""One clear line for each way a request can fail, for the channel's error."""

from __future__ import annotations

from urllib.parse import urlsplit

from scrapy.exceptions import (
    CannotResolveHostError,
    DownloadCancelledError,
    DownloadConnectionRefusedError,
    DownloadTimeoutError,
    IgnoreRequest,
    ResponseDataLossError,
)
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.internet import error as tx

from crawlers.middlewares import RefusedURL
from crawlers.resolver import REFUSED
from crawlers.retry import SiteStalled, retry_after


def describe_failure(failure, request, timeout: float | None = None) -> str:
    """Why `request` failed, in one line that names the URL."""
    exc = failure.value
    url = request.url
    host = urlsplit(url).netloc
    if isinstance(exc, HttpError):
        response = exc.response
        retries = response.request.meta.get("retry_times", 0) if response.request else 0
        after = f" (after {retries} retries)" if retries else ""
        asked = retry_after(response.headers)
        if asked is not None and response.status in (429, 503):
            after += f" (asked to retry after {asked:.0f} s)"
        return f"HTTP {response.status} from {response.url}{after}"
    if isinstance(exc, RefusedURL):
        return f"refused {url}: {exc}"
    if isinstance(exc, IgnoreRequest):
        message = str(exc)
        if "robots.txt" in message:
            return f"forbidden by robots.txt: {url}"
        if "redirection" in message:
            return f"too many redirects from {url}"
        if "during decompression" in message or "after decompression" in message:
            return f"response from {url} too large once decompressed, download cancelled"
        return f"not fetched {url}: {message or 'request ignored'}"
    if isinstance(exc, (tx.DNSLookupError, CannotResolveHostError)):
        detail = str(exc).strip()
        if urlsplit(url).hostname in REFUSED:  # the resolver refused the addresses (IPv4 or IPv6)
            return f"refused {url}: {REFUSED[urlsplit(url).hostname]}"
        if "private networks" in detail:
            return f"refused {url}: {detail.split(': ', 1)[-1]}"
        return f"cannot resolve the host of {url}"
    if isinstance(exc, (DownloadTimeoutError, tx.TimeoutError, tx.TCPTimedOutError)):
        limit = f" within {timeout:g} s" if timeout else ""
        return f"no complete answer from {url}{limit} (timeout)"
    if isinstance(exc, (DownloadConnectionRefusedError, tx.ConnectionRefusedError)):
        return f"connection refused by {host}"
    if isinstance(exc, DownloadCancelledError):
        return f"response from {url} too large, download cancelled"
    if isinstance(exc, ResponseDataLossError):
        return f"connection lost before the end of the response from {url}"
    if _is_tls_error(exc):
        return f"TLS certificate of {host} not trusted, or TLS failed: {_one_line(exc)}"
    detail = " ".join(str(exc).split())[:200]
    return f"cannot download {url}: {type(exc).__name__}{': ' + detail if detail else ''}"


def is_permanent(failure) -> bool:
    """Failures that a retry in the next crawl will not fix (gone, forbidden, refused)."""
    exc = failure.value
    if isinstance(exc, HttpError):
        return exc.response.status in (401, 403, 404, 410, 451)
    return isinstance(exc, IgnoreRequest) and not isinstance(exc, SiteStalled) and "redirection" not in str(exc)


def _is_tls_error(exc) -> bool:
    """Twisted reports a refused certificate as a ResponseNeverReceived wrapping an OpenSSL error."""
    reasons = [getattr(r, "value", r) for r in getattr(exc, "reasons", [])] + [exc]
    return any(type(r).__module__.startswith("OpenSSL") or "SSL" in type(r).__name__ for r in reasons)


def _one_line(exc) -> str:
    reasons = [getattr(r, "value", r) for r in getattr(exc, "reasons", [])] or [exc]
    return " ".join(str(reasons[0]).split())[:200]
