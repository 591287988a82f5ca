"""Choosing and grouping curated items into an issue, and a subscriber's copy of it.

veille proposes; the editor disposes: `compose_issue` makes the proposal from
accepted items, `issue_from_record` rebuilds the issue as the editor left it
in the store, and `Issue.for_themes` keeps what one subscriber asked for.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, datetime

from newsletter import dates
from newsletter.french import period
from newsletter.summarize import LIMIT, summarize
from store.newsletters import IssueEntryRecord, IssueRecord
from store.records import IssueDraft, ItemView
from store.taxonomy import THEMES, label

# Sections in reading order: news first, then what to attend, read, answer.
SECTIONS = (
    ("news", "Actualités"),
    ("event", "Agenda"),
    ("publication", "Publications"),
    ("call", "Appels"),
)
OTHER = ("other", "Autres sujets")
GROUPINGS = ("kind", "theme")
SUMMARY_CHARS = LIMIT
_KIND_LABELS = dict(SECTIONS)


def section_label(slug: str) -> str:
    """The French heading of a section, whether it groups a kind or a theme."""
    if slug in _KIND_LABELS:
        return _KIND_LABELS[slug]
    return OTHER[1] if slug == OTHER[0] else label("themes", slug)


def section_choices() -> list[tuple[str, str]]:
    """Every section an editor may put an entry in."""
    return list(SECTIONS) + [(t.slug, t.label) for t in THEMES] + [OTHER]


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
    kind: str | None = None
    event_date: date | None = None  # events: when it takes place
    deadline: date | None = None  # calls: the last day to answer
    image: str | None = None


@dataclass(frozen=True)
class Section:
    slug: str
    label: str
    entries: list[Entry]


@dataclass(frozen=True)
class Issue:
    title: str
    period_start: datetime
    period_end: datetime  # excluded: the period is [start, end)
    sections: list[Section]
    intro: str = ""  # Markdown, written by the editor
    subject: str = ""
    id: int | None = None
    sent_at: datetime | None = None
    themes: tuple[str, ...] = field(default_factory=tuple)  # a subscriber's copy: the themes kept

    @property
    def items(self) -> list[Entry]:
        return [e for s in self.sections for e in s.entries]

    @property
    def period_label(self) -> str:
        return period(self.period_start, self.period_end)

    @property
    def email_subject(self) -> str:
        return self.subject or default_subject(self.title, self.period_start, self.period_end)

    def to_draft(self) -> IssueDraft:
        entries = [(e.item_id, s.slug, position) for position, (s, e) in enumerate(self._pairs())]
        return IssueDraft(self.title, self.period_start, self.period_end, self.intro, entries)

    def summaries(self) -> dict[int, str]:
        return {e.item_id: e.summary for e in self.items}

    def for_themes(self, themes) -> Issue:
        """A subscriber's copy: only the entries on their themes, empty sections dropped."""
        wanted = set(themes or ())
        if not wanted:
            return self
        sections = [Section(s.slug, s.label, [e for e in s.entries if wanted.intersection(e.themes)])
                    for s in self.sections]
        kept = tuple(t.slug for t in THEMES if t.slug in wanted)
        return replace(self, sections=[s for s in sections if s.entries], themes=kept)

    def _pairs(self):
        return ((s, e) for s in self.sections for e in s.entries)


def default_subject(title: str, start: datetime, end: datetime) -> str:
    return f"{title} — {period(start, end)}"


def short_summary(item: ItemView, limit: int = SUMMARY_CHARS) -> str:
    """veille's proposal: the sentences of the article (else its feed summary) that carry it."""
    source = item.text if len(item.text or "") > len(item.summary or "") else item.summary
    return summarize(source or "", item.title, limit)


def _entry(item: ItemView | IssueEntryRecord, summary: str, image: str | None = None) -> Entry:
    texts = [item.title, summary, item.text or ""]
    kind = item.kind or "news"
    return Entry(
        item_id=item.item_id if isinstance(item, IssueEntryRecord) else item.id,
        title=item.title, summary=summary, url=item.url, source=item.source, published=item.published,
        themes=list(item.themes), featured=item.featured, kind=kind,
        event_date=dates.event_date(texts, item.published) if kind == "event" else None,
        deadline=dates.deadline(texts, item.published) if kind == "call" else None,
        image=image,
    )


def _newest_first(entry: Entry) -> tuple:
    return (not entry.featured, -(entry.published.timestamp() if entry.published else 0))


def _soonest_first(entry: Entry) -> tuple:
    # The agenda reads in the order things happen; undated events last.
    return (entry.event_date is None, entry.event_date or date.max, _newest_first(entry))


def _group_by_kind(entries: list[Entry]) -> list[Section]:
    sections = []
    for slug, title in SECTIONS:
        chosen = sorted((e for e in entries if e.kind == slug),
                        key=_soonest_first if slug == "event" else _newest_first)
        if chosen:
            sections.append(Section(slug, title, chosen))
    return sections


def _group_by_theme(entries: list[Entry]) -> list[Section]:
    # Each entry once, under its first theme; a subscriber's copy still finds
    # it through any of its themes.
    order = [t.slug for t in THEMES] + [OTHER[0]]
    home = {e.item_id: (e.themes[0] if e.themes and e.themes[0] in order else OTHER[0]) for e in entries}
    return [
        Section(slug, section_label(slug), sorted((e for e in entries if home[e.item_id] == slug), key=_newest_first))
        for slug in order
        if any(home[e.item_id] == slug for e in entries)
    ]


def compose_issue(
    items: list[ItemView], start: datetime, end: datetime, title: str, intro: str = "", group_by: str = "kind"
) -> Issue:
    """Group items by kind (or theme); featured items first, then newest first, in each section."""
    entries = [_entry(i, short_summary(i)) for i in items]
    sections = _group_by_theme(entries) if group_by == "theme" else _group_by_kind(entries)
    return Issue(title, start, end, sections, intro)


def issue_from_record(record: IssueRecord) -> Issue:
    """The issue as the editor left it: their order, sections, titles and summaries."""
    sections: dict[str, list[Entry]] = {}
    for r in record.entries:
        sections.setdefault(r.section or r.kind or "news", []).append(_entry(r, r.summary, r.image))
    return Issue(
        title=record.title, period_start=record.period_start, period_end=record.period_end,
        sections=[Section(slug, section_label(slug), entries) for slug, entries in sections.items()],
        intro=record.intro, subject=record.subject,
        id=record.id, sent_at=record.sent_at,
    )
