"""Rendering an issue in French: the email's HTML and text, the web version,
the HTML export for another mailing tool, and the archive's Atom feed.

Every template is autoescaped; the editor's introduction is Markdown turned
into HTML with raw HTML disabled, so nothing typed in the editor can inject
markup. The email's CSS is inlined once per rendering with css-inline.
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass
from datetime import datetime, timezone
from functools import lru_cache

import css_inline
from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from markdown_it import MarkdownIt
from markupsafe import Markup

from newsletter.compose import Issue
from newsletter.french import long_date, plural, weekday_date
from store.taxonomy import label

EXPORT_UNSUBSCRIBE = "*|UNSUB|*"  # the merge tag most mailing services understand


@dataclass(frozen=True)
class Links:
    """The links an output carries; the email's are personal."""

    web: str | None = None  # this issue in the archive
    unsubscribe: str | None = None
    manage: str | None = None  # themes, data, erasure
    subscribe: str | None = None
    archive: str | None = None


def french_date(value: datetime | None) -> str:
    return long_date(value)


@lru_cache(maxsize=1)
def _markdown() -> MarkdownIt:
    # "commonmark" with html off: raw tags in the text are shown, not run;
    # markdown-it also refuses javascript: and data: links.
    return MarkdownIt("commonmark", {"html": False, "typographer": False})


def markdown(text: str) -> Markup:
    return Markup(_markdown().render(text or ""))


def _wrap(text: str, width: int = 72) -> str:
    paragraphs = (text or "").strip().split("\n\n")
    return "\n\n".join(textwrap.fill(" ".join(p.split()), width) for p in paragraphs if p.strip())


@lru_cache(maxsize=1)
def environment() -> Environment:
    # Compiled once: compiling costs five times the render (perf-notes.md).
    env = Environment(
        loader=PackageLoader("newsletter", "templates"),
        autoescape=select_autoescape(["html", "xml"]),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(
        date_fr=french_date, weekday_date=weekday_date, theme_label=lambda slug: label("themes", slug),
        markdown=markdown, wrap=_wrap, plural=plural,
    )
    return env


@lru_cache(maxsize=1)
def _inliner() -> css_inline.CSSInliner:
    # keep_at_rules: dark mode and small screens are @media rules, which
    # cannot live in style attributes; the clients that support them read <head>.
    return css_inline.CSSInliner(keep_at_rules=True, load_remote_stylesheets=False)


def _html(issue: Issue, mode: str, links: Links) -> str:
    html = environment().get_template("email.html").render(issue=issue, mode=mode, links=links)
    return _inliner().inline(html)


def render_html(issue: Issue, links: Links = Links()) -> str:
    """The email's HTML part (table layout, inlined CSS)."""
    return _html(issue, "email", links)


def render_text(issue: Issue, links: Links = Links()) -> str:
    """The email's plain-text part."""
    return environment().get_template("email.txt").render(issue=issue, mode="email", links=links)


def render_web(issue: Issue, links: Links = Links()) -> str:
    """The web version: the whole issue, no personal link, a way to subscribe."""
    return _html(issue, "web", links)


def render_web_text(issue: Issue, links: Links = Links()) -> str:
    return environment().get_template("email.txt").render(issue=issue, mode="web", links=links)


def render_export(issue: Issue, unsubscribe: str = EXPORT_UNSUBSCRIBE) -> str:
    """HTML to paste into an external mailing service, its unsubscribe merge tag in the footer."""
    return _html(issue, "export", Links(unsubscribe=unsubscribe))


@dataclass(frozen=True)
class FeedEntry:
    title: str
    subject: str
    period_label: str
    url: str
    sent_at: str  # RFC 3339


def render_atom(entries: list[FeedEntry], *, title: str, archive_url: str, feed_url: str) -> str:
    updated = max((e.sent_at for e in entries), default=datetime.now(timezone.utc).isoformat(timespec="seconds"))
    return environment().get_template("atom.xml").render(
        issues=entries, title=title, archive_url=archive_url, feed_url=feed_url, updated=updated
    )


def render_confirmation(*, name: str, title: str, confirm_url: str) -> tuple[str, str]:
    """(html, text) of the double opt-in email."""
    context = {"name": name, "title": title, "confirm_url": confirm_url}
    env = environment()
    html = _inliner().inline(env.get_template("confirm.html").render(**context))
    return html, env.get_template("confirm.txt").render(**context)
