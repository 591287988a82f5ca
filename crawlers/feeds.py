"""RSS, Atom and JSON feeds, parsed from bytes already downloaded.

feedparser is never given a URL: it would fetch it itself, without a timeout,
the safety checks or the politeness of the crawler, and it opens local file
paths too. JSON Feed, which feedparser does not read, is read by `jsonfeed`.

A feed that is not well-formed XML is not trusted to feedparser's lenient
parser, which glues the pieces of a broken entry to its neighbours (the real
malformed AFP feed of ../shared/data gives an item made of two dispatches).
`xmlrepair` first fixes what is unambiguous (a stray `&`, an HTML entity,
a DOCTYPE); if that is not enough, only the entries that are well-formed on
their own are kept. Either way the feed carries a warning, which makes the
channel's result "partial"; a feed from which nothing sound comes is an error.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass, field
from datetime import datetime, timezone
from xml.sax import SAXException

import feedparser

from crawlers import jsonfeed, xmlrepair
from crawlers.normalize import resolve_link


# feedparser flags these as "bozo", but the feed was read correctly: a missing
# or generic Content-Type, an encoding declared one way and served another.
BENIGN = (feedparser.CharacterEncodingOverride, feedparser.NonXMLContentType)


class FeedError(ValueError):
    """The bytes are not a usable feed; the message says why in one line."""


@dataclass(frozen=True)
class FeedEntry:
    link: str
    title: str = ""
    summary: str = ""  # HTML, unsanitized
    content: str = ""  # HTML, unsanitized; "" when the feed has only a summary
    # (for an Atom entry with only <content>, feedparser copies it into summary too)
    author: str | None = None
    published: datetime | None = None  # UTC
    guid: str | None = None
    base: str | None = None  # what relative links in summary/content are relative to
    image: str | None = None


@dataclass(frozen=True)
class ParsedFeed:
    entries: list[FeedEntry]
    language: str | None = None
    title: str = ""
    warnings: tuple[str, ...] = field(default=())


def parse_feed(data: bytes, url: str, content_type: str | None = None) -> ParsedFeed:
    """Entries of the feed in `data` (fetched from `url`), newest first as the feed lists them."""
    if jsonfeed.is_json_feed(data, content_type):
        try:
            return ParsedFeed(**jsonfeed.parse(data, url))
        except jsonfeed.JSONFeedError as exc:
            raise FeedError(f"not a readable JSON Feed ({exc})") from None
    parsed = _parse(data, url, content_type)
    problem = _problem(parsed)
    warnings: tuple[str, ...] = ()
    if isinstance(problem, SAXException):
        parsed, warnings = _recover(data, url, content_type, problem)
        problem = None
    entries = [e for e in (_entry(raw, url) for raw in parsed.entries) if e is not None]
    entries, cut = _without_cut_entries(entries)
    if cut:
        warnings += (f"malformed feed: {cut} entries with a cut CDATA section left out",)
    if not entries and problem:
        raise FeedError(f"not a readable RSS/Atom feed ({_one_line(problem)})")
    if not entries and not parsed.get("version"):
        raise FeedError("not an RSS/Atom feed")
    return ParsedFeed(
        entries=entries,
        language=parsed.feed.get("language"),
        title=parsed.feed.get("title", ""),
        warnings=warnings,
    )


def _parse(data: bytes, url: str, content_type: str | None):
    headers = {"content-location": url}
    if content_type:
        headers["content-type"] = content_type
    # Sanitizing and URL resolution happen later, once, on what we keep.
    return feedparser.parse(data, response_headers=headers, sanitize_html=False, resolve_relative_uris=False)


def _without_cut_entries(entries: list[FeedEntry]) -> tuple[list[FeedEntry], int]:
    """Entries whose text holds "<![CDATA[" had a CDATA section cut short that swallowed
    what followed (see xmlrepair.CUT_CDATA); they are left out whole."""
    sound = [e for e in entries if "<![CDATA[" not in e.summary and "<![CDATA[" not in e.content]
    return sound, len(entries) - len(sound)


def _problem(parsed):
    problem = parsed.get("bozo_exception")
    return None if isinstance(problem, BENIGN) else problem


def _recover(data: bytes, url: str, content_type: str | None, problem: Exception):
    """A sound parse of a feed that is not well-formed, and the warning to carry."""
    reason = _one_line(problem)
    repaired = xmlrepair.repair(data)
    parsed = _parse(repaired, url, content_type)
    if not isinstance(_problem(parsed), SAXException) and parsed.entries:
        return parsed, (f"malformed feed, repaired: {reason}",)
    salvaged = xmlrepair.sound_entries(repaired)
    if salvaged is not None:
        kept, dropped = salvaged
        parsed = _parse(kept, url, content_type)
        if not isinstance(_problem(parsed), SAXException) and parsed.entries:
            return parsed, (f"malformed feed: {reason}; {len(parsed.entries)} entries read, "
                            f"{dropped} broken entries left out",)
    raise FeedError(f"not a readable RSS/Atom feed ({reason})")


def _entry(raw: dict, feed_url: str) -> FeedEntry | None:
    # An entry without a usable http(s) link cannot be archived or deduplicated.
    link = resolve_link(feed_url, raw["link"]) if (raw.get("link") or "").strip() else None
    if link is None:
        return None
    contents = [c for c in raw.get("content") or [] if c.get("value")]
    content = max(contents, key=lambda c: len(c["value"]), default=None)
    summary = raw.get("summary") or ""
    base = (content or {}).get("base") or raw.get("summary_detail", {}).get("base") or feed_url
    return FeedEntry(
        link=link,
        title=raw.get("title") or "",
        summary=summary,
        content=content["value"] if content else "",
        author=(raw.get("author_detail") or {}).get("name") or raw.get("author") or None,
        # dict.get: FeedParserDict.get("updated_parsed") warns about a legacy alias
        published=_utc(dict.get(raw, "published_parsed") or dict.get(raw, "updated_parsed")),
        guid=raw.get("id") or None,
        base=base,
        image=_image(raw, feed_url),
    )


def _image(raw: dict, feed_url: str) -> str | None:
    # Media RSS thumbnails first, then the first image enclosure.
    candidates = [m.get("url") for m in raw.get("media_thumbnail") or []]
    candidates += [m.get("url") for m in raw.get("media_content") or [] if "image" in (m.get("type") or m.get("medium") or "")]
    candidates += [e.get("href") for e in raw.get("enclosures") or [] if (e.get("type") or "").startswith("image/")]
    for url in candidates:
        if url and (absolute := resolve_link(feed_url, url)):
            return absolute
    return None


def _utc(parsed_time) -> datetime | None:
    # feedparser normalises every date format to a UTC struct_time.
    if not parsed_time:
        return None
    try:
        return datetime.fromtimestamp(calendar.timegm(parsed_time), tz=timezone.utc)
    except (OverflowError, ValueError, OSError):
        return None


def _one_line(exc: object) -> str:
    text = str(exc or "unknown error").strip().splitlines()
    return text[0][:200] if text else "unknown error"
