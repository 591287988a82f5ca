"""Main text and metadata of an article page.

trafilatura finds the article body and most metadata; the page's own
`<title>`, OpenGraph and `<html lang>` fill what it misses. The result is
extraction output, not yet sanitized: `crawlers.assemble` merges it with what
the feed said and sanitizes last.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from datetime import datetime, timezone

import lxml.html
import py3langid
import trafilatura
from lxml import etree
from trafilatura.htmlprocessing import convert_to_html
from trafilatura.utils import load_html

from crawlers.normalize import resolve_link
from crawlers.sanitize import clean_text, plain_text

# htmldate gives only the day unless asked for the time as well.
_DATE_PARAMS = {"outputformat": "%Y-%m-%dT%H:%M:%S%z", "original_date": True, "extensive_search": True}
_JSON_LD_DATE = re.compile(r'"datePublished"\s*:\s*"([^"]{8,40})"')
_LANG = re.compile(r"^([a-z]{2,3})(?:[-_][a-z0-9]+)*$", re.IGNORECASE)
# Furniture before the title heading (breadcrumbs, badges) is short; more is content.
MAX_BLOCKS_BEFORE_TITLE = 3
MAX_CHARS_BEFORE_TITLE = 200
TITLE_SEPARATORS = ("|", "-", "–", "—", "·", ":", "»")
# Below this, py3langid guesses more than it measures.
MIN_TEXT_FOR_LANGUAGE_GUESS = 40

BLOCK_TAGS = frozenset(
    {"p", "div", "section", "article", "blockquote", "pre", "ul", "ol", "li", "dl", "dt", "dd",
     "h1", "h2", "h3", "h4", "h5", "h6", "table", "tr", "figure", "figcaption", "hr", "header", "footer"}
)
NOT_TEXT_TAGS = ("script", "style", "noscript", "template", "iframe", "object", "svg")


@dataclass(frozen=True)
class Extracted:
    title: str
    text: str
    html: str  # the main content, links made absolute, not yet sanitized
    author: str | None = None
    published: datetime | None = None  # UTC
    language: str | None = None
    image: str | None = None
    warnings: tuple[str, ...] = ()

    def to_json(self) -> dict:
        data = asdict(self)
        data["published"] = self.published.isoformat() if self.published else None
        data["warnings"] = list(self.warnings)
        return data


def extract_page(html: str | bytes, url: str | None = None) -> Extracted:
    """The article in a whole HTML page; missing parts become warnings, never exceptions."""
    tree = load_html(html) if html else None
    if tree is None:
        return Extracted(title="", text="", html="", warnings=("not an HTML page",))
    page = _page_metadata(tree)  # before trafilatura, which prunes the tree
    warnings: list[str] = []
    try:
        doc = trafilatura.bare_extraction(
            tree, url=url, with_metadata=True, include_formatting=True, include_links=True,
            include_images=True, include_comments=False, date_extraction_params=_DATE_PARAMS,
        )
    except Exception as exc:  # a page that trips the extractor still has its metadata
        doc = None
        warnings.append(f"extraction failed: {type(exc).__name__}: {exc}"[:200])
    title = plain_text(getattr(doc, "title", None) or page["og:title"] or page["title"] or "")
    text, main_html = "", ""
    if doc is not None and doc.body is not None and len(doc.body):
        body = convert_to_html(doc.body).find("body")
        title = _take_title_heading(body, title)
        main_html = _inner_html(body)
        text = _element_text(body)
    if not text:
        warnings.append("no main text found in the page")
    if not title:
        warnings.append("no title found in the page")
    # A date the page states with its time beats htmldate's, which may come
    # from the URL (/2026/10/06/) and then has the day only.
    published = parse_date(page["published"]) or parse_date(getattr(doc, "date", None))
    image = getattr(doc, "image", None) or page["og:image"]
    return Extracted(
        title=title,
        text=text,
        html=main_html,
        author=plain_text(getattr(doc, "author", None) or page["author"] or "") or None,
        published=published,
        language=page["lang"] or guess_language(text),
        image=resolve_link(url, image) if (image and url) else image,
        warnings=tuple(warnings),
    )


def _page_metadata(tree) -> dict[str, str | None]:
    def first(xpath: str) -> str | None:
        found = tree.xpath(xpath)
        return str(found[0]).strip() or None if found else None

    return {
        "title": first("//head/title/text()") or first("//title/text()"),
        "og:title": first("//meta[@property='og:title']/@content"),
        "og:image": first("//meta[@property='og:image']/@content"),
        "author": first("//meta[@name='author']/@content"),
        "published": first("//meta[@property='article:published_time']/@content")
        or first("//meta[@itemprop='datePublished']/@content")
        or _json_ld_date(tree),
        "lang": language_code(
            first("/html/@lang") or first("//meta[@http-equiv='content-language']/@content")
            or first("//meta[@property='og:locale']/@content")
        ),
    }


def _take_title_heading(body, title: str) -> str:
    """Remove the title heading, and what little comes before it, from the body;
    return the title as the heading spells it.

    The title is shown apart from the text; repeated as the first heading it
    would also skew the content hash. The heading is also the best title: the
    <title> often carries the site's name ("Le titre — Boussole Civique").
    What precedes the heading inside the main content is page furniture
    (a "back to the news" link, a category badge) that trafilatura keeps.
    """
    children = list(body)[: MAX_BLOCKS_BEFORE_TITLE + 1]
    for position, element in enumerate(children):
        heading = plain_text("".join(element.itertext())) if element.tag in ("h1", "h2") else ""
        if heading and (heading == title or _is_title_with_suffix(title, heading)):
            before = children[:position]
            if sum(len("".join(e.itertext())) for e in before) + len(body.text or "") <= MAX_CHARS_BEFORE_TITLE:
                body.text = None
                for furniture in [*before, element]:
                    body.remove(furniture)  # with its tail: furniture text
            return heading
    return title


def _is_title_with_suffix(title: str, heading: str) -> bool:
    rest = title[len(heading):] if title.startswith(heading) else ""
    return bool(rest) and rest.lstrip()[:1] in TITLE_SEPARATORS


def _json_ld_date(tree) -> str | None:
    for script in tree.xpath("//script[@type='application/ld+json']/text()")[:5]:
        match = _JSON_LD_DATE.search(script)
        if match:
            return match.group(1)
    return None


def _inner_html(element) -> str:
    if element is None:
        return ""
    parts = [element.text or ""]
    parts += [etree.tostring(child, encoding="unicode", method="html") for child in element]
    return "".join(parts).strip()


def language_code(value: str | None) -> str | None:
    """"fr-FR", "fr_FR", "FR" → "fr"; None for what is not a language tag."""
    match = _LANG.match((value or "").strip())
    return match.group(1).lower() if match else None


def guess_language(text: str) -> str | None:
    if len(text) < MIN_TEXT_FOR_LANGUAGE_GUESS:
        return None
    language, _score = py3langid.classify(text[:5000])
    return language


def parse_date(value: str | None) -> datetime | None:
    """An ISO 8601 date as an aware UTC datetime; a date without zone is taken as UTC."""
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.strip())  # Python 3.11 reads every ISO 8601 form
    except (ValueError, OverflowError):
        return None
    if parsed.tzinfo is None:
        return parsed.replace(tzinfo=timezone.utc)
    return parsed.astimezone(timezone.utc)


def html_to_text(html: str) -> str:
    """Plain text of an HTML fragment (feed content), one blank line between blocks."""
    if not html or not html.strip():
        return ""
    try:
        root = lxml.html.fragment_fromstring(html, create_parent="div")
    except (etree.ParserError, ValueError):
        return clean_text(plain_text(html))
    return _element_text(root)


def _element_text(root) -> str:
    """Text of an element tree, blocks separated by a blank line (modifies the tree)."""
    for element in list(root.iter(*NOT_TEXT_TAGS)):
        element.drop_tree()
    for element in root.iter():
        if element.tag == "br":
            element.tail = "\n" + (element.tail or "")
        elif element.tag in BLOCK_TAGS:
            element.text = "\n\n" + (element.text or "")
            element.tail = "\n\n" + (element.tail or "")
    return clean_text("".join(root.itertext()))
