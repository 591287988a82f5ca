"""Canonical URLs and content hashes: how the archive recognises an item it already has.

The same article reaches us as `https://Site.org/a/?utm_source=x#top` from a
newsletter link and `https://site.org/a` from the feed; both must map to one
canonical URL or the archive fills with duplicates. When the URL changes but
the words do not (a site moved, an article cross-posted), the content hash
catches it.
"""

from __future__ import annotations

import hashlib
import unicodedata
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

import lxml.html
from lxml import etree

DEFAULT_PORTS = {"http": 80, "https": 443}
MAX_URL_LENGTH = 2000  # the store's column size; longer "URLs" are junk or traps

# Campaign and click identifiers: they name the visit, not the page.
TRACKING_PREFIXES = ("utm_", "mc_", "at_", "pk_", "mtm_", "_hs", "hsa_", "oly_")
TRACKING_PARAMS = frozenset(
    {
        "fbclid", "gclid", "gclsrc", "dclid", "gbraid", "wbraid", "msclkid", "yclid",
        "igshid", "twclid", "ttclid", "li_fat_id", "mkt_tok", "xtor", "xts", "xtref",
        "ncid", "vero_id", "_ga", "_gl", "wt_mc", "wt.mc_id", "cmpid",
    }
)


def is_tracking_param(name: str) -> bool:
    key = name.lower()
    return key in TRACKING_PARAMS or key.startswith(TRACKING_PREFIXES)


def canonical_url(url: str) -> str:
    """One spelling per page: lowercase scheme and host, no default port,
    fragment or tracking parameters, sorted query, no trailing slash but on the root."""
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").rstrip(".")
    if ":" in host:
        host = f"[{host}]"  # an IPv6 literal keeps its brackets
    netloc = host
    if parts.username:  # rare, but dropping credentials would change the page
        netloc = f"{parts.username}{':' + parts.password if parts.password else ''}@{host}"
    if parts.port and parts.port != DEFAULT_PORTS.get(scheme):
        netloc += f":{parts.port}"
    path = parts.path or "/"
    if path != "/":
        path = path.rstrip("/") or "/"
    query = sorted((k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not is_tracking_param(k))
    return urlunsplit((scheme, netloc, path, urlencode(query), ""))


def normalized_text(text: str) -> str:
    """Text as compared for duplicates: NFKC, case-folded, whitespace collapsed."""
    return " ".join(unicodedata.normalize("NFKC", text).casefold().split())


def content_hash(title: str, text: str) -> str:
    """sha256 of the normalised title and text; "" when there is no text,
    because titles alone ("Communiqué", "Agenda") collide between distinct items."""
    body = normalized_text(text or "")
    if not body:
        return ""
    data = f"{normalized_text(title or '')}\n{body}".encode()
    return hashlib.sha256(data).hexdigest()


def absolute_links(html: str, base_url: str | None) -> str:
    """Make href/src in an HTML fragment absolute, so the content still works
    once shown outside its site (web app, newsletter)."""
    if not html.strip() or not base_url:
        return html
    try:
        root = lxml.html.fragment_fromstring(html, create_parent="div")
    except (etree.ParserError, ValueError):
        return html
    root.make_links_absolute(base_url, resolve_base_href=False, handle_failures="discard")
    wrapped = etree.tostring(root, encoding="unicode", method="html")
    return wrapped[len("<div>") : -len("</div>")]


def resolve_link(base_url: str, link: str) -> str | None:
    """An absolute http(s) URL for a link found in a page, or None (mailto:, javascript:…)."""
    try:
        absolute = urljoin(base_url, link.strip())
        scheme = urlsplit(absolute).scheme
    except ValueError:  # e.g. an invalid IPv6 literal
        return None
    if scheme not in ("http", "https") or len(absolute) > MAX_URL_LENGTH:
        return None
    return absolute
