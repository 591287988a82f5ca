"""The last stage: make collected HTML and titles safe to show anywhere.

It runs last, after extraction and link rewriting, because any later change to
the HTML could bring back what it removed (Miniflux's rule). What comes out is
shown in the staff web app and mailed in the newsletter, so the allowlist is
narrow: structure and emphasis, links and images, tables; no scripts, styles,
frames, forms, event handlers or `javascript:` URLs.
"""

from __future__ import annotations

import html as html_lib
import re
import unicodedata

import nh3

ALLOWED_TAGS = frozenset(
    {
        "p", "br", "hr", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre", "code",
        "ul", "ol", "li", "dl", "dt", "dd", "strong", "b", "em", "i", "u", "s", "sub",
        "sup", "small", "mark", "q", "cite", "abbr", "time", "a", "img", "figure",
        "figcaption", "table", "caption", "thead", "tbody", "tfoot", "tr", "th", "td",
    }
)
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title", "width", "height"},
    "abbr": {"title"},
    "time": {"datetime"},
    "th": {"colspan", "rowspan", "scope"},
    "td": {"colspan", "rowspan"},
    "ol": {"start"},
}
URL_SCHEMES = frozenset({"http", "https", "mailto"})
# Removed with everything inside: their content is code or another document, not text.
DROPPED_WITH_CONTENT = frozenset({"script", "style", "iframe", "object", "embed", "noscript", "template", "svg", "math", "form", "textarea", "select"})
# h1 is the item's title, shown separately; inside content it becomes h2.
_H1 = re.compile(r"<(/?)h1\b", re.IGNORECASE)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u200b-\u200f\u2028-\u202e\u2060-\u2064\ufeff]")

MAX_TITLE = 500


def sanitize_html(html: str) -> str:
    """Content HTML reduced to the allowlist; relative URLs are dropped, so make
    links absolute before calling this."""
    if not html or not html.strip():
        return ""
    cleaned = nh3.clean(
        _H1.sub(r"<\1h2", html),
        tags=set(ALLOWED_TAGS),
        clean_content_tags=set(DROPPED_WITH_CONTENT),
        attributes={tag: set(attrs) for tag, attrs in ALLOWED_ATTRIBUTES.items()},
        url_schemes=set(URL_SCHEMES),
        link_rel="noopener noreferrer nofollow",
        url_relative="deny",  # shown outside its site, a relative link leads nowhere
        strip_comments=True,
    )
    return cleaned.strip()


def plain_text(value: str) -> str:
    """Markup, entities and invisible characters removed; whitespace collapsed.

    Feed titles arrive as text, escaped HTML or HTML; all become plain text.
    """
    if not value:
        return ""
    stripped = nh3.clean(value, tags=set(), clean_content_tags=set(DROPPED_WITH_CONTENT))
    text = html_lib.unescape(html_lib.unescape(stripped))  # nh3 escapes; titles are often double-escaped
    text = _CONTROL.sub("", unicodedata.normalize("NFC", text))
    return " ".join(text.split())


def clean_title(value: str) -> str:
    """A one-line plain-text title of reasonable length."""
    title = plain_text(value)
    if len(title) > MAX_TITLE:
        title = title[: MAX_TITLE - 1].rstrip() + "…"
    return title


def clean_text(value: str) -> str:
    """Body text: control characters removed, paragraphs kept, spaces collapsed per line."""
    if not value:
        return ""
    text = _CONTROL.sub("", unicodedata.normalize("NFC", value))
    lines = (" ".join(line.split()) for line in text.splitlines())
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()
