"""Newsletter issues: drafts, their items, and the rendered versions."""

from __future__ import annotations

from sqlalchemy.engine import Engine

from store.db import transaction
from store.records import IssueDraft
from store.schema import IssueItem, NewsletterIssue


def save_draft(engine: Engine, draft: IssueDraft, html: str, text: str) -> int:
    """Store a new draft issue with its items in order; returns its id."""
    with transaction(engine) as session:
        issue = NewsletterIssue(
            title=draft.title,
            period_start=draft.period_start,
            period_end=draft.period_end,
            intro=draft.intro,
            html=html,
            text=text,
            status="draft",
        )
        issue.items = [
            IssueItem(item_id=item_id, section=section, position=position)
            for item_id, section, position in draft.entries
        ]
        session.add(issue)
        session.flush()
        return issue.id
