"""Choosing and grouping curated items into an issue."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from store.records import IssueDraft, ItemView

# Sections in reading order: news first, then what to attend, read, answer.
SECTIONS = (
    ("news", "Actualités"),
    ("event", "Agenda"),
    ("publication", "Publications"),
    ("call", "Appels"),
)
SUMMARY_CHARS = 320


@dataclass(frozen=True)
class Entry:
    item_id: int
    title: str
    summary: str
    url: str
    source: str
    published: datetime | None
    themes: list[str]
    featured: bool


@dataclass(frozen=True)
class Section:
    slug: str
    label: str
    entries: list[Entry]


@dataclass(frozen=True)
class Issue:
    title: str
    period_start: datetime
    period_end: datetime
    sections: list[Section]
    intro: str = ""

    @property
    def items(self) -> list[Entry]:
        return [e for s in self.sections for e in s.entries]

    def to_draft(self) -> IssueDraft:
        entries = [
            (e.item_id, s.slug, position)
            for position, (s, e) in enumerate((s, e) for s in self.sections for e in s.entries)
        ]
        return IssueDraft(self.title, self.period_start, self.period_end, self.intro, entries)


def short_summary(item: ItemView, limit: int = SUMMARY_CHARS) -> str:
    """The item's summary, else its first sentences, cut at a sentence end."""
    text = (item.summary or item.text or "").strip()
    text = re.sub(r"\s+", " ", text)
    if len(text) <= limit:
        return text
    cut = text[:limit]
    end = max(cut.rfind(". "), cut.rfind("! "), cut.rfind("? "))
    return cut[: end + 1] if end > limit // 3 else cut.rsplit(" ", 1)[0] + " …"


def _entry(item: ItemView) -> Entry:
    return Entry(
        item_id=item.id,
        title=item.title,
        summary=short_summary(item),
        url=item.url,
        source=item.source,
        published=item.published,
        themes=list(item.themes),
        featured=item.featured,
    )


def compose_issue(
    items: list[ItemView], start: datetime, end: datetime, title: str, intro: str = ""
) -> Issue:
    """Group items by kind; featured items first, then newest first, in each section."""
    sections = []
    for slug, label in SECTIONS:
        chosen = [i for i in items if (i.kind or "news") == slug]
        chosen.sort(key=lambda i: (not i.featured, -(i.published or i.collected).timestamp()))
        if chosen:
            sections.append(Section(slug, label, [_entry(i) for i in chosen]))
    return Issue(title, start, end, sections, intro)
