"""Rendering an issue to HTML (email and web) and plain text, in French."""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache

from babel.dates import format_date
from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from newsletter.compose import Issue
from store.taxonomy import label


def french_date(value: datetime | None, fmt: str = "d MMMM y") -> str:
    return format_date(value, fmt, locale="fr_FR") if value else ""


@lru_cache(maxsize=1)
def environment() -> Environment:
    # Compiled once: compiling costs five times the render (perf-notes.md).
    env = Environment(
        loader=PackageLoader("newsletter", "templates"),
        autoescape=select_autoescape(["html"]),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["date_fr"] = french_date
    env.filters["theme_label"] = lambda slug: label("themes", slug)
    return env


def render_html(issue: Issue) -> str:
    return environment().get_template("issue.html").render(issue=issue)


def render_text(issue: Issue) -> str:
    return environment().get_template("issue.txt").render(issue=issue)
