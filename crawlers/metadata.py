"""A page's metadata, read cheaply from what the page declares.

trafilatura's own metadata pass calls htmldate with a search that falls back
on dateparser, which compiles hundreds of locale patterns: on real pages it
cost four times the extraction of the text itself (bench/bench_extract.py).
Most pages state their date, author and title in markup meant for machines
(JSON-LD, OpenGraph, `<meta>`, `<time>`), read here with a few XPath queries;
then the URL's date; htmldate is the fallback for the others, its extensive
search (dateparser) only for the pages its quick one leaves without a date,
and not its guesses of a year alone (a copyright notice: `_year_only`).

Run on the parsed tree before the text extraction drops its hidden elements.
"""

from __future__ import annotations

import functools
import json
import re
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime

import htmldate.extractors
from htmldate import find_date
from lxml import etree

# <meta> names and properties that carry the publication date, best first.
DATE_META = (
    "article:published_time", "og:article:published_time", "datePublished", "date.published", "pubdate",
    "publishdate", "publish-date", "publish_date", "parsely-pub-date", "sailthru.date", "dc.date.issued",
    "dcterms.issued", "dcterms.created", "dc.date", "dcterms.date", "citation_publication_date", "date",
)
AUTHOR_META = ("author", "article:author", "dc.creator", "parsely-author", "sailthru.author", "byl")
_ISO_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}")
_SLASHED = re.compile(r"^(\d{4})[/.](\d{1,2})[/.](\d{1,2})\b")
_URL_DATE = re.compile(r"/((?:19|20)\d{2})/(\d{1,2})/(\d{1,2})/")
_HTMLDATE_FORMAT = "%Y-%m-%dT%H:%M:%S%z"

# The languages dateparser reads dates in, for htmldate's search of undated
# pages: the registry's (veille/registry/sources.toml) and their neighbours.
# htmldate asks for all of dateparser's 200 locales, which compiles the
# patterns of each on the first string no language reads: 1.3 s in every
# process that meets one (each `veille extract` worker, each crawl), against
# 0.3 s for these. Same dates on the bench's 998 pages.
DATE_LANGUAGES = ("fr", "en", "de", "es", "ca", "it", "nl", "pt", "zh", "ja")


@functools.lru_cache(maxsize=None)
def _date_parser():
    from dateparser import DateDataParser

    return DateDataParser(languages=list(DATE_LANGUAGES), settings={
        # htmldate's own settings (htmldate.extractors.get_external_parser)
        "NORMALIZE": True, "PARSERS": ["custom-formats", "absolute-time"], "PREFER_DATES_FROM": "past",
        "PREFER_LOCALE_DATE_ORDER": True, "RETURN_AS_TIMEZONE_AWARE": False, "STRICT_PARSING": True,
    })


# htmldate has no setting for it: its parser is the module's function it calls.
htmldate.extractors.get_external_parser = _date_parser


def load_date_parser() -> None:
    """Compile the date parser's patterns now (0.15 s) rather than at the first undated page:
    before forking (crawlers/preload.py)."""
    _date_parser().get_date_data("veille")  # a string no language reads: every locale's patterns compiled


def read_metadata(tree, url: str | None = None) -> dict[str, str | datetime | None]:
    """title, og:title, author, published (aware datetime, in the zone the page states), lang, image, site_name."""
    meta = _meta_values(tree)
    ld = _json_ld(tree)
    return {
        # where the parser puts it first: a tenth of the cost of searching the whole tree
        "title": _first(tree, "/html/head/title/text()") or _first(tree, "//head/title/text()")
        or _first(tree, "//title/text()"),
        "og:title": meta.get("og:title") or meta.get("twitter:title") or _text(ld.get("headline")),
        "author": _author(tree, meta, ld),
        "published": _published(tree, meta, ld, url),
        "lang": _first(tree, "/html/@lang") or meta.get("content-language") or meta.get("og:locale"),
        "image": meta.get("og:image") or meta.get("twitter:image") or _image(ld),
        "site_name": meta.get("og:site_name"),
    }


_compiled = functools.lru_cache(maxsize=None)(etree.XPath)  # tree.xpath() compiles at each call


def _first(tree, xpath: str) -> str | None:
    found = _compiled(xpath)(tree)
    return " ".join(str(found[0]).split()) or None if found else None


def _meta_values(tree) -> dict[str, str]:
    """Lower-cased name/property/itemprop/http-equiv -> content; the first of each wins."""
    values: dict[str, str] = {}
    for node in tree.iterfind(".//meta"):
        content = (node.get("content") or node.get("datetime") or "").strip()
        if not content:
            continue
        for key in (node.get("property"), node.get("name"), node.get("itemprop"), node.get("http-equiv")):
            if key:
                values.setdefault(key.strip().lower(), content)
    return values


def _json_ld(tree) -> dict:
    """The first JSON-LD object that looks like an article (or the first object at all)."""
    found: list[dict] = []
    for script in tree.xpath("//script[@type='application/ld+json']/text()")[:8]:
        try:
            data = json.loads(_unwrap(script))
        except ValueError:
            continue
        found += [d for d in _objects(data) if isinstance(d, dict)]
    articles = [d for d in found if any(k in str(d.get("@type", "")) for k in ("Article", "Posting", "Report"))]
    return (articles or found or [{}])[0]


# Pages written as XHTML wrap their scripts in CDATA or comment markers, which
# HTML parsers keep as text: JSON would refuse the whole object for them.
_SCRIPT_WRAPPER = re.compile(r"^\s*(?://\s*)?(?:<!\[CDATA\[|<!--)|(?://\s*)?(?:\]\]>|-->)\s*$")


def _unwrap(script: str) -> str:
    return _SCRIPT_WRAPPER.sub("", script)


def _objects(data):
    if isinstance(data, list):
        for element in data:
            yield from _objects(element)
    elif isinstance(data, dict):
        yield data
        if isinstance(data.get("@graph"), list):
            yield from _objects(data["@graph"])


def _text(value) -> str | None:
    if isinstance(value, list):
        value = value[0] if value else None
    if isinstance(value, dict):
        value = value.get("name") or value.get("url")
    return " ".join(value.split()) or None if isinstance(value, str) else None


def _author(tree, meta: dict, ld: dict) -> str | None:
    authors = ld.get("author")
    names = [_text(a) for a in (authors if isinstance(authors, list) else [authors]) if a]
    names = [n for n in names if n and not n.startswith("http")]
    if names:
        return ", ".join(dict.fromkeys(names))
    for key in AUTHOR_META:
        value = meta.get(key)
        if value and not value.startswith("http"):
            return value
    return _first(tree, "//*[@itemprop='author']//*[@itemprop='name']/text()") or _first(
        tree, "//a[@rel='author']/text()")


def _image(ld: dict) -> str | None:
    return _text(ld.get("image")) if ld.get("image") else None


def _published(tree, meta: dict, ld: dict, url: str | None) -> datetime | None:
    for value in _date_candidates(tree, meta, ld):
        parsed = parse_date(value)
        if parsed is not None:
            return parsed
    if url and (match := _URL_DATE.search(url)):
        parsed = _safe_date(*map(int, match.groups()))
        if parsed is not None:
            return parsed
    # htmldate: first without the extensive search (dateparser) that costs so
    # much, then with it, for the few pages that state no date in any markup.
    for extensive in (False, True):
        try:
            found = find_date(tree, extensive_search=extensive, original_date=True, outputformat=_HTMLDATE_FORMAT,
                              url=url)
        except Exception:  # htmldate on a hostile page: no date is a fine answer
            return None
        if found:
            published = parse_date(found)
            return None if extensive and _year_only(published) else published
    return None


def _year_only(published: datetime | None) -> bool:
    """htmldate's last resorts, a copyright notice or a lone year, give 1 January at midnight:
    a year, not a day. Taken as the publication date, it would file this year's article
    in January and make its actor look silent since; the collection date is nearer."""
    return published is not None and (published.month, published.day, published.hour, published.minute,
                                      published.second) == (1, 1, 0, 0, 0)


def _date_candidates(tree, meta: dict, ld: dict):
    """The dates the page's markup declares, best first; lazily: most pages stop at the first."""
    yield _text(ld.get("datePublished"))
    yield from (meta.get(k) for k in DATE_META)
    times = [t for t in tree.iter("time") if t.get("datetime")]
    yield from [t.get("datetime") for t in times if _is_publication_time(t)][:1]
    yield from [t.get("datetime") for t in times if _in_article(t)][:1]


def _is_publication_time(element) -> bool:
    return (element.get("pubdate") is not None or "publish" in (element.get("class") or "")
            or element.get("itemprop") == "datePublished")


def _in_article(element) -> bool:
    return any(a.tag in ("article", "main") for a in element.iterancestors())


def parse_date(value) -> datetime | None:
    """ISO 8601, 2026/11/20, or an RFC 2822 date, as an aware datetime (UTC when no zone is given).

    The page's own offset is kept: the day it names is the day of the page's
    readers (23:00 in Montréal is already tomorrow in UTC). Storage converts to UTC.
    """
    if not isinstance(value, str) or not value.strip():
        return None
    text = value.strip()
    parsed = None
    if _ISO_DAY.match(text):
        try:
            parsed = datetime.fromisoformat(text.replace("Z", "+00:00").replace(" ", "T", 1))
        except ValueError:
            try:
                parsed = datetime.fromisoformat(text[:10])
            except ValueError:
                return None
    elif match := _SLASHED.match(text):
        parsed = _safe_date(*map(int, match.groups()))
    else:
        try:
            parsed = parsedate_to_datetime(text)
        except (TypeError, ValueError, IndexError):
            return None
    if parsed is None:
        return None
    return parsed.replace(tzinfo=timezone.utc) if parsed.tzinfo is None else parsed


def _safe_date(year: int, month: int, day: int) -> datetime | None:
    try:
        return datetime(year, month, day, tzinfo=timezone.utc)
    except ValueError:
        return None
