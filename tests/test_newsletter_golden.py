"""Golden files: each output of an issue, byte for byte, reviewed in the diff.

Regenerate after an intended change with `UPDATE_GOLDEN=1 pytest
tests/test_newsletter_golden.py`, then read the diff of tests/golden/ before
committing it.
"""

from __future__ import annotations

import os
from datetime import date, datetime, timezone
from pathlib import Path

import pytest

from newsletter.compose import Entry, Issue, Section
from newsletter.render import (
    FeedEntry,
    Links,
    render_atom,
    render_export,
    render_html,
    render_text,
    render_web,
)

GOLDEN = Path(__file__).parent / "golden"
URL = "https://veille.example"


def entry(n, title, kind, themes, summary, featured=False, **extra):
    return Entry(n, title, summary, f"https://source.example/{n}", "Ville de Saint-Aubin",
                 datetime(2026, 11, n + 2, 9, tzinfo=timezone.utc), themes, featured, kind, **extra)


ISSUE = Issue(
    title="La veille de l'Observatoire",
    period_start=datetime(2026, 11, 2, tzinfo=timezone.utc),
    period_end=datetime(2026, 11, 9, tzinfo=timezone.utc),
    intro="Bonjour,\n\nCette semaine, **trois budgets participatifs** et une [convention citoyenne](https://conv.example).",
    id=12,
    sections=[
        Section("news", "Actualités", [
            entry(1, "Budget participatif : 42 projets soumis au vote", "news", ["participatory-budgeting"],
                  "La ville ouvre le vote de son budget participatif : 1,2 million d'euros.", featured=True,
                  image="https://source.example/1.jpg"),
            entry(2, "Consultation sur le plan vélo : 3 000 contributions", "news", ["consultation"],
                  "La consultation a recueilli 3 000 contributions & 12 propositions."),
        ]),
        Section("event", "Agenda", [
            entry(3, "La convention citoyenne se réunit à Lyon", "event", ["deliberation"],
                  "Troisième session de la convention.", event_date=date(2026, 12, 12)),
        ]),
        Section("call", "Appels", [
            entry(4, "Appel à projets « Territoires de participation »", "call", ["civic-tech-sector"],
                  "Dix projets seront soutenus.", deadline=date(2027, 1, 15)),
        ]),
    ],
)
PERSONAL = Links(web=f"{URL}/newsletter/12", unsubscribe=f"{URL}/newsletter/unsubscribe/7.SIGNATURE",
                 manage=f"{URL}/newsletter/me/7.SIGNATURE")
WEB = Links(subscribe=f"{URL}/newsletter/subscribe", archive=f"{URL}/newsletter")

OUTPUTS = {
    "email.html": lambda: render_html(ISSUE, PERSONAL),
    "email.txt": lambda: render_text(ISSUE, PERSONAL),
    "email-themes.txt": lambda: render_text(ISSUE.for_themes(["deliberation", "consultation"]), PERSONAL),
    "web.html": lambda: render_web(ISSUE, WEB),
    "export.html": lambda: render_export(ISSUE),
    "atom.xml": lambda: render_atom(
        [FeedEntry(ISSUE.title, ISSUE.email_subject, ISSUE.period_label, f"{URL}/newsletter/12",
                   "2026-11-09T08:00:00+00:00")],
        title="La veille de l'Observatoire", archive_url=f"{URL}/newsletter", feed_url=f"{URL}/newsletter/atom.xml"),
}


@pytest.mark.parametrize("name", sorted(OUTPUTS))
def test_output_matches_its_golden_file(name):
    produced = OUTPUTS[name]()
    path = GOLDEN / name
    if os.environ.get("UPDATE_GOLDEN"):
        path.write_text(produced, encoding="utf-8")
    assert path.exists(), f"no golden file {path}: run with UPDATE_GOLDEN=1 and review it"
    assert produced == path.read_text(encoding="utf-8"), f"{name} changed: see the diff with UPDATE_GOLDEN=1"
