"""Refuse URLs that would make the crawler reach into private networks.

A watch platform fetches URLs typed by staff and links found in other people's
pages. Without this check a feed could point the crawler at the admin page of
the router it runs behind, or at a cloud metadata service (SSRF). The check
runs when a source is saved (clear message for the user) and again before
every request, redirect hop and followed link (the page may have changed, the
DNS answer too); `crawlers.resolver` repeats it on the address actually
connected to, which closes the DNS-rebinding gap between the two lookups.
"""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit

ALLOWED_SCHEMES = ("http", "https")

# The ipaddress flags cover loopback, RFC 1918, link-local (which holds the
# 169.254.169.254 metadata service), multicast, reserved and unspecified;
# CGNAT (100.64.0.0/10) is not "private" for it, so it is named here.
_CGNAT = ipaddress.ip_network("100.64.0.0/10")


class UnsafeURL(ValueError):
    """A URL the crawler must not fetch; the message says why in one line."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def address_problem(address: str) -> str | None:
    """Why this IP address is not a public one, or None if it is."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])  # drop an IPv6 zone id
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped  # ::ffff:127.0.0.1 is loopback in disguise
    for flag in ("loopback", "link_local", "multicast", "unspecified", "reserved", "private"):
        if getattr(ip, f"is_{flag}"):
            return f"{flag.replace('_', '-')} address {ip}"
    if ip in _CGNAT:
        return f"carrier-grade NAT address {ip}"
    if not ip.is_global:
        return f"non-public address {ip}"
    return None


def host_of(url: str) -> str:
    """The host of an http(s) URL; UnsafeURL for anything else."""
    try:
        parts = urlsplit(url.strip())
        parts.port  # raises ValueError on a port that is not a number
    except ValueError as exc:
        raise UnsafeURL(f"not a valid URL: {exc}") from None
    if parts.scheme.lower() not in ALLOWED_SCHEMES:
        shown = parts.scheme or "no scheme"
        raise UnsafeURL(f"only http and https URLs are crawled, not {shown}: {url}")
    if not parts.hostname:
        raise UnsafeURL(f"URL without a host: {url}")
    return parts.hostname


def resolve(host: str) -> list[str]:
    """Every address `host` resolves to (an IP literal resolves to itself)."""
    try:
        infos = socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)
    except (socket.gaierror, UnicodeError) as exc:
        raise UnsafeURL(f"cannot resolve host {host}: {exc}") from None
    return sorted({info[4][0] for info in infos})


def check_host(host: str) -> None:
    """UnsafeURL if any address of `host` is not public.

    Every address is checked, not just the first: the connection may use any
    of them.
    """
    for address in resolve(host):
        problem = address_problem(address)
        if problem:
            raise UnsafeURL(f"{host} resolves to a {problem}; private networks are not crawled")


def check_url(url: str, allow_private: bool) -> None:
    """Raise UnsafeURL unless `url` is http(s) and (unless allowed) reaches only public addresses."""
    host = host_of(url)
    if not allow_private:
        check_host(host)


# Names that only ever mean this machine or its local network.
LOCAL_NAMES = ("localhost", ".localhost", ".local", ".internal", ".lan", ".home.arpa")


def check_saved_url(url: str, allow_private: bool) -> str | None:
    """The check when a source is saved: UnsafeURL if the URL is not http(s) or
    reaches a non-public address; a warning (returned) when the host cannot be
    resolved now, which a registry imported offline must tolerate: every
    request is checked again at crawl time anyway."""
    host = host_of(url)
    if allow_private:
        return None
    name = host.lower().rstrip(".")
    if name == "localhost" or name.endswith(LOCAL_NAMES[1:]):
        raise UnsafeURL(f"{host} is a local name; private networks are not crawled")
    try:
        addresses = resolve(host)
    except UnsafeURL as exc:
        return exc.reason
    for address in addresses:
        problem = address_problem(address)
        if problem:
            raise UnsafeURL(f"{host} resolves to a {problem}; private networks are not crawled")
    return None
