"""From what was parsed and extracted to the `NewItem` handed to the store.

The order of the steps is the point of this module: merge the feed's word with
the page's, normalise (canonical URL, absolute links), then sanitize, last,
then hash the text that will actually be stored.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

from crawlers.extract import Extracted, guess_language, html_to_text, language_code
from crawlers.feeds import FeedEntry
from crawlers.normalize import MAX_URL_LENGTH, absolute_links, canonical_url, content_hash
from crawlers.pages import PageChange
from crawlers.sanitize import clean_text, clean_title, plain_text, sanitize_html
from crawlers.similarity import signature
from store.records import ChannelSpec, NewItem

# A feed body shorter than this is a teaser: the article page has the text.
MIN_FULL_CONTENT_CHARS = 400
# A summary-only entry this long is the article itself (some feeds put it all in <description>).
MIN_FULL_SUMMARY_CHARS = 1500
SUMMARY_CHARS = 300
# Endings that announce a cut text, whatever its length.
# Dates outside this window are typos, placeholders (1970-01-01) or lies:
# stored, they would sort an item first or last for ever.
OLDEST_DATE = datetime(1995, 1, 1, tzinfo=timezone.utc)
FUTURE_TOLERANCE = timedelta(days=1)  # time zones, clocks a little ahead
_TEASER_END = re.compile(r"(…|\.\.\.|\[…\]|\[\.\.\.\]|lire la suite|read more|continue reading|en savoir plus)\W*$", re.IGNORECASE)


def needs_article_page(entry: FeedEntry) -> bool:
    """True when the feed gives only a teaser, so the article page must be fetched."""
    if entry.content:
        text = html_to_text(entry.content)
        return len(text) < MIN_FULL_CONTENT_CHARS or bool(_TEASER_END.search(text))
    text = html_to_text(entry.summary)
    return len(text) < MIN_FULL_SUMMARY_CHARS or bool(_TEASER_END.search(text))


def item_from_entry(
    channel: ChannelSpec, entry: FeedEntry, feed_language: str | None, warnings: tuple[str, ...] = ()
) -> NewItem:
    """An item from a feed entry that carries the whole article."""
    body = entry.content or entry.summary
    text = html_to_text(body)
    return _finish(
        channel,
        url=entry.link,
        title=entry.title,
        summary=_summary(entry, text),
        text=text,
        html=absolute_links(body, entry.base or entry.link),
        author=entry.author,
        language=language_code(feed_language) or channel.language or guess_language(text),
        image=entry.image,
        published=entry.published,
        warnings=warnings,
    )


def item_from_page(
    channel: ChannelSpec,
    link: str,
    final_url: str,
    page: Extracted,
    entry: FeedEntry | None = None,
    warnings: tuple[str, ...] = (),
) -> NewItem:
    """An item from an article page; the feed entry, when there is one, knows
    the title, author and date better than a guess from the page."""
    entry = entry or FeedEntry(link=link)
    return _finish(
        channel,
        url=final_url,
        canonical_from=link,
        title=entry.title or page.title,
        summary=_summary(entry, page.text),
        text=page.text,
        html=page.html,  # trafilatura made its links absolute
        author=entry.author or page.author,
        language=page.language or channel.language,
        image=page.image or entry.image,
        published=entry.published or page.published,
        warnings=warnings + page.warnings,
    )


def item_from_page_change(channel: ChannelSpec, final_url: str, page: Extracted, change: PageChange) -> NewItem:
    """A watched page's item: the page itself the first time, then what changed.

    Each version gets its own key (the page's canonical URL and the version's
    fingerprint), so that every meaningful change is one item, and the same
    change seen twice is one item too.
    """
    if change.first:
        return item_from_page(channel, channel.url, final_url, page)
    return _finish(
        channel,
        url=final_url,
        canonical=f"{canonical_url(channel.url)}#version-{change.fingerprint[:16]}",
        title=page.title,
        summary=change.summary(),
        text=change.text(),
        html=change.html(),
        author=None,
        language=page.language or channel.language,
        image=None,
        published=None,  # the change is dated when it is seen: the item's collection date
        warnings=page.warnings,
    )


def _summary(entry: FeedEntry, text: str) -> str:
    summary = plain_text(entry.summary)
    if summary and plain_text(entry.content) != summary:
        return summary[:1000]
    return _shorten(" ".join(text.split()), SUMMARY_CHARS)


def _shorten(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    cut = text[:limit].rsplit(" ", 1)[0]
    return cut.rstrip(",;:.") + "…"


def _finish(channel: ChannelSpec, *, url: str, canonical_from: str | None = None, canonical: str | None = None, title: str,
            summary: str, text: str, html: str, author, language, image, published,
            warnings: tuple[str, ...]) -> NewItem:
    # Sanitize last: nothing touches the HTML or the title after this.
    text = clean_text(text)
    title = clean_title(title) or _shorten(text.split("\n", 1)[0], 120) or url
    published, date_warning = plausible_date(published)
    return NewItem(
        channel_id=channel.id,
        actor_id=channel.actor_id,
        url=url,
        # The canonical URL is the link as discovered (not where it redirected):
        # that is what the next crawl checks with `known_urls` before downloading.
        canonical_url=canonical or canonical_url(canonical_from or url),
        title=title,
        summary=summary,
        text=text,
        html=sanitize_html(html),
        author=clean_title(author or "") or None,
        language=language,
        image=image if image and len(image) <= MAX_URL_LENGTH else None,
        published=published,
        content_hash=content_hash(title, text),
        warnings=tuple(dict.fromkeys(warnings + date_warning)),
        minhash=signature(title, text),
    )


def plausible_date(published: datetime | None, now: datetime | None = None) -> tuple[datetime | None, tuple[str, ...]]:
    """The date, or None and a warning when it is in the future or before the web of news."""
    if published is None:
        return None, ()
    published = published.astimezone(timezone.utc)  # stored in UTC; pages state their own zone
    now = now or datetime.now(timezone.utc)
    if published > now + FUTURE_TOLERANCE:
        return None, (f"publication date in the future ({published:%Y-%m-%d}) ignored",)
    if published < OLDEST_DATE:
        return None, (f"implausible publication date ({published:%Y-%m-%d}) ignored",)
    return published, ()
