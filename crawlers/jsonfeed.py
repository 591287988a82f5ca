"""JSON Feed (jsonfeed.org, versions 1 and 1.1), which feedparser does not read.

Returns the same `FeedEntry` values as RSS and Atom, so the rest of the
crawler does not know the difference. Dates are ISO 8601 (RFC 3339) here,
not the RFC 822 dates of RSS.
"""

from __future__ import annotations

import html
import json
from datetime import datetime, timezone

from crawlers.normalize import resolve_link

JSON_TYPES = ("application/feed+json", "application/json")
VERSION_PREFIX = "https://jsonfeed.org/version/"


class JSONFeedError(ValueError):
    pass


def is_json_feed(data: bytes, content_type: str | None) -> bool:
    """A JSON Feed is recognised by its first byte and its media type or version key."""
    head = data[:512].lstrip(b"\xef\xbb\xbf \t\r\n")
    if not head.startswith(b"{"):
        return False
    declared = (content_type or "").split(";")[0].strip().lower()
    return declared in JSON_TYPES or b"jsonfeed.org/version" in data[:4096].replace(b"\\/", b"/")


def parse(data: bytes, url: str) -> dict:
    """The ParsedFeed fields (entries, language, title) of a JSON Feed."""
    from crawlers.feeds import FeedEntry  # feeds imports this module

    try:
        feed = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise JSONFeedError(f"invalid JSON: {exc}") from None
    if not isinstance(feed, dict) or not str(feed.get("version", "")).startswith(VERSION_PREFIX):
        raise JSONFeedError("no jsonfeed.org version")
    items = feed.get("items")
    if not isinstance(items, list):
        raise JSONFeedError("no list of items")
    entries = [e for e in (_entry(item, url, FeedEntry) for item in items if isinstance(item, dict)) if e]
    return {"entries": entries, "language": _text(feed.get("language")) or None, "title": _text(feed.get("title"))}


def _entry(item: dict, feed_url: str, entry_class):
    link = item.get("url") or item.get("external_url")
    link = resolve_link(feed_url, link) if isinstance(link, str) and link.strip() else None
    if link is None:
        return None
    content = _text(item.get("content_html")) or _paragraphs(_text(item.get("content_text")))
    image = item.get("image") or item.get("banner_image")
    return entry_class(
        link=link,
        title=_text(item.get("title")),
        summary=html.escape(_text(item.get("summary"))) or content,
        content=content,
        author=_author(item),
        published=_date(item.get("date_published")) or _date(item.get("date_modified")),
        guid=_text(item.get("id")) or None,
        base=feed_url,
        image=resolve_link(feed_url, image) if isinstance(image, str) and image else None,
    )


def _text(value) -> str:
    return value if isinstance(value, str) else ("" if value is None else str(value))


def _paragraphs(text: str) -> str:
    return "".join(f"<p>{html.escape(p.strip())}</p>" for p in text.split("\n\n") if p.strip())


def _author(item: dict) -> str | None:
    authors = item.get("authors") if isinstance(item.get("authors"), list) else [item.get("author")]
    names = [a.get("name") for a in authors if isinstance(a, dict) and isinstance(a.get("name"), str)]
    return ", ".join(names) or None


def _date(value) -> datetime | None:
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed.replace(tzinfo=timezone.utc) if parsed.tzinfo is None else parsed.astimezone(timezone.utc)
