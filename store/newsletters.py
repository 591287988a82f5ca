"""Newsletter issues: drafts, their items, edits, schedule, and the archive.

An issue is a draft (editable) until its send starts; `scheduled` is a draft
with a date; `sending` and `sent` are frozen. The editor's rewrites live on
`issue_items` (title, summary), never on the items themselves.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, func, select, update
from sqlalchemy.engine import Engine

from store.db import transaction
from store.records import IssueDraft
from store.schema import Actor, Classification, IssueItem, Item, NewsletterIssue
from store.timeutil import aware

EDITABLE = ("draft", "scheduled")


class IssueError(ValueError):
    """An issue cannot be changed as asked; the message says why, in one line."""


@dataclass(frozen=True)
class IssueEntryRecord:
    """One item of an issue, with the editor's rewrites already applied."""

    item_id: int
    position: int
    section: str
    title: str
    summary: str
    url: str
    source: str
    published: datetime | None
    language: str | None
    kind: str | None
    themes: tuple[str, ...]
    featured: bool
    text: str  # for the dates of events and deadlines of calls
    image: str | None
    title_edited: bool
    original_title: str


@dataclass(frozen=True)
class IssueRecord:
    id: int
    title: str
    subject: str  # empty: the default one, title and period
    period_start: datetime
    period_end: datetime
    status: str  # draft | scheduled | sending | sent
    intro: str
    created_at: datetime
    send_at: datetime | None
    sent_at: datetime | None
    entries: tuple[IssueEntryRecord, ...] = ()

    @property
    def editable(self) -> bool:
        return self.status in EDITABLE


def save_draft(
    engine: Engine, draft: IssueDraft, html: str, text: str,
    summaries: dict[int, str] | None = None, subject: str = "",
) -> int:
    """Store a new draft issue with its items in order; returns its id.

    `summaries` are veille's proposals, stored on the issue so the editor
    edits them there.
    """
    summaries = summaries or {}
    with transaction(engine) as session:
        issue = NewsletterIssue(
            title=draft.title, subject=subject, period_start=draft.period_start, period_end=draft.period_end,
            intro=draft.intro, html=html, text=text, status="draft",
        )
        issue.items = [
            IssueItem(item_id=item_id, section=section, position=position, summary=summaries.get(item_id))
            for item_id, section, position in draft.entries
        ]
        session.add(issue)
        session.flush()
        return issue.id


def _issue(row: NewsletterIssue, entries=()) -> IssueRecord:
    return IssueRecord(
        id=row.id, title=row.title, subject=row.subject or "",
        period_start=aware(row.period_start), period_end=aware(row.period_end), status=row.status,
        intro=row.intro or "", created_at=aware(row.created_at), send_at=aware(row.send_at),
        sent_at=aware(row.sent_at), entries=tuple(entries),
    )


def _entry(link: IssueItem, item: Item, actor: Actor, c: Classification | None) -> IssueEntryRecord:
    original = item.editor_title or item.title
    return IssueEntryRecord(
        item_id=item.id, position=link.position, section=link.section, title=link.title or original,
        summary=link.summary if link.summary is not None else (item.editor_summary or item.summary or ""),
        url=item.url, source=actor.name, published=aware(item.published), language=item.language,
        kind=c.kind if c else None, themes=tuple(c.themes) if c else (), featured=item.featured,
        text=item.text or "", image=item.image, title_edited=bool(link.title), original_title=original,
    )


def get_issue(engine: Engine, issue_id: int) -> IssueRecord | None:
    """The issue with its entries in order (position, then id)."""
    entries = (
        select(IssueItem, Item, Actor, Classification)
        .join(Item, Item.id == IssueItem.item_id)
        .join(Actor, Actor.id == Item.actor_id)
        .outerjoin(Classification, (Classification.item_id == Item.id) & Classification.current.is_(True))
        .where(IssueItem.issue_id == issue_id)
        .order_by(IssueItem.position, IssueItem.id)
    )
    with transaction(engine) as session:
        row = session.get(NewsletterIssue, issue_id)
        if row is None:
            return None
        return _issue(row, [_entry(*r) for r in session.execute(entries)])


def list_issues(engine: Engine, statuses: tuple[str, ...] | None = None, limit: int = 100) -> list[IssueRecord]:
    """Issues without their entries, the most recent first (sent ones by send date)."""
    newest = func.coalesce(NewsletterIssue.sent_at, NewsletterIssue.created_at)  # NULLs sort alike everywhere
    query = select(NewsletterIssue).order_by(newest.desc(), NewsletterIssue.id.desc()).limit(limit)
    if statuses:
        query = query.where(NewsletterIssue.status.in_(statuses))
    with transaction(engine) as session:
        return [_issue(r) for r in session.scalars(query)]


def web_version(engine: Engine, issue_id: int) -> tuple[str, str] | None:
    """The archived (html, text) of a sent issue, as frozen when its send started."""
    with transaction(engine) as session:
        row = session.get(NewsletterIssue, issue_id)
        return (row.html, row.text) if row is not None and row.status == "sent" else None


def _editable(session, issue_id: int) -> NewsletterIssue:
    row = session.get(NewsletterIssue, issue_id)
    if row is None:
        raise IssueError(f"no issue with id {issue_id}")
    if row.status not in EDITABLE:
        raise IssueError(f"issue {issue_id} is {row.status}: it can no longer be changed")
    return row


def update_issue(engine: Engine, issue_id: int, *, title: str | None = None, subject: str | None = None,
                 intro: str | None = None) -> None:
    with transaction(engine) as session:
        row = _editable(session, issue_id)
        if title is not None:
            row.title = title
        if subject is not None:
            row.subject = subject
        if intro is not None:
            row.intro = intro


@dataclass(frozen=True)
class EntryEdit:
    """The editor's version of one entry; entries left out of an edit are removed."""

    item_id: int
    section: str
    title: str | None  # None or empty: the item's own title
    summary: str


def edit_entries(engine: Engine, issue_id: int, edits: list[EntryEdit]) -> None:
    """Replace the issue's order, sections and rewrites with `edits`, in that order."""
    with transaction(engine) as session:
        _editable(session, issue_id)
        links = {link.item_id: link for link in session.scalars(select(IssueItem).where(IssueItem.issue_id == issue_id))}
        kept = {e.item_id for e in edits}
        session.execute(delete(IssueItem).where(IssueItem.issue_id == issue_id, IssueItem.item_id.not_in(kept)))
        for position, e in enumerate(edits):
            link = links.get(e.item_id)
            if link is None:
                raise IssueError(f"item {e.item_id} is not in issue {issue_id}")
            link.position, link.section = position, e.section
            link.title, link.summary = (e.title or None), e.summary


def save_rendering(engine: Engine, issue_id: int, html: str, text: str) -> None:
    """Keep the web version (html, text) on the issue: the archive serves it once sent."""
    with transaction(engine) as session:
        session.execute(update(NewsletterIssue).where(NewsletterIssue.id == issue_id).values(html=html, text=text))


def schedule(engine: Engine, issue_id: int, send_at: datetime | None) -> None:
    """Plan the send for `send_at` (None: back to a plain draft)."""
    with transaction(engine) as session:
        row = _editable(session, issue_id)
        row.send_at = send_at
        row.status = "scheduled" if send_at else "draft"


def due(engine: Engine, now: datetime) -> list[int]:
    """Issues to send now: scheduled ones whose time has come, and interrupted sends."""
    query = (
        select(NewsletterIssue.id)
        .where(((NewsletterIssue.status == "scheduled") & (NewsletterIssue.send_at <= now))
               | (NewsletterIssue.status == "sending"))
        .order_by(NewsletterIssue.id)
    )
    with transaction(engine) as session:
        return list(session.scalars(query))
