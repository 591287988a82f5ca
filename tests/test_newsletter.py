"""Composing and rendering an issue: what a subscriber reads."""

from __future__ import annotations

from datetime import datetime, timezone

from newsletter.compose import compose_issue, short_summary
from newsletter.render import render_html, render_text
from store.records import ItemView

START = datetime(2026, 11, 1, tzinfo=timezone.utc)
END = datetime(2026, 11, 25, tzinfo=timezone.utc)


def view(n, kind="news", featured=False, title=None, summary="Un résumé court.", day=10, themes=()):
    return ItemView(
        id=n, url=f"https://exemple.org/{n}", title=title or f"Article {n}", summary=summary,
        source="Parlons Ensemble", source_id=1, published=datetime(2026, 11, day, tzinfo=timezone.utc),
        collected=END, language="fr", status="accepted", featured=featured, kind=kind, themes=list(themes),
    )


def test_sections_in_reading_order_featured_first():
    items = [view(1, "event"), view(2, day=3), view(3, featured=True, day=1), view(4, "call"), view(5, day=20)]
    issue = compose_issue(items, START, END, "La veille")
    assert [s.label for s in issue.sections] == ["Actualités", "Agenda", "Appels"]
    assert [e.item_id for e in issue.sections[0].entries] == [3, 5, 2]
    assert [i for i, _, _ in issue.to_draft().entries] == [3, 5, 2, 1, 4]


def test_html_is_french_escaped_and_links_the_originals():
    items = [view(1, title="<script>alert(1)</script> Budget", themes=("participatory-budgeting",))]
    html = render_html(compose_issue(items, START, END, "La veille"))
    assert '<html lang="fr">' in html
    assert "Du 1 novembre 2026 au 25 novembre 2026" in html
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert 'href="https://exemple.org/1"' in html
    assert "Budgets participatifs" in html  # theme slugs shown with their French label


def test_text_version_and_empty_issue():
    text = render_text(compose_issue([view(1), view(2, "publication")], START, END, "La veille"))
    assert "== Actualités ==" in text and "== Publications ==" in text
    assert "https://exemple.org/2" in text and "<" not in text
    empty = render_html(compose_issue([], START, END, "La veille"))
    assert "Aucun article retenu sur cette période." in empty


def test_long_text_summaries_end_on_a_sentence():
    long = "Première phrase assez longue pour compter. " * 20
    item = view(1, summary="")
    item = ItemView(**{**item.__dict__, "text": long})
    summary = short_summary(item)
    assert summary.endswith(".") and len(summary) <= 320
