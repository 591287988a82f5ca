"""The editor's draft page over real HTTP: reorder, remove, rewrite, introduce,
preview in HTML and text, send a test to oneself, schedule."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest

from store import locks, newsletters, runs, users
from tests.mailserver import smtp_server
from tests.newsletter_fixtures import SECRET, draft
from tests.servers import live_server
from veille.app import App
from veille.settings import load_settings
from web.app import create_app
from web.auth import COOKIE


@pytest.fixture
def desk(tmp_path):
    with smtp_server() as (port, inbox):
        app = App(load_settings(data_dir=tmp_path / "data", secret_key=SECRET, smtp_host="127.0.0.1",
                                smtp_port=port, newsletter_sender="veille@observatoire.example"))
        editor = users.add_user(app.engine, "redaction@observatoire.example", "un mot de passe solide", "editor")
        reader = users.add_user(app.engine, "lecture@observatoire.example", "un mot de passe solide", "reader")
        sessions = {role: users.open_session(app.engine, u.id) for role, u in (("editor", editor), ("reader", reader))}
        issue_id = draft(app.engine)
        with live_server(create_app(app)) as base:
            yield app, base, inbox, issue_id, sessions


def client(base: str, session) -> httpx.Client:
    return httpx.Client(base_url=base, cookies={COOKIE: session.token}, headers={"Origin": base})


def test_editor_reorders_rewrites_and_previews(desk):
    app, base, inbox, issue_id, sessions = desk
    record = newsletters.get_issue(app.engine, issue_id)
    first, *rest = record.entries
    last = rest[-1]
    with client(base, sessions["editor"]) as staff:
        page = staff.get(f"/equipe/lettres/{issue_id}")
        assert page.status_code == 200 and first.original_title in page.text

        form = {"csrf_token": sessions["editor"].csrf_token, "title": record.title, "subject": "",
                "intro": "Bonjour ! Une **semaine** chargée. <script>alert(1)</script> [piège](javascript:alert(1))"}
        for position, entry in enumerate(record.entries, 1):
            key = entry.item_id
            form.update({f"position_{key}": str(position), f"section_{key}": entry.section,
                         f"title_{key}": entry.title, f"summary_{key}": entry.summary})
        form[f"position_{last.item_id}"] = "0"  # the last one goes first
        form[f"title_{last.item_id}"] = "Un titre réécrit"
        form[f"summary_{last.item_id}"] = "Un résumé réécrit par l'équipe."
        form[f"remove_{first.item_id}"] = "1"
        assert staff.post(f"/equipe/lettres/{issue_id}", data=form).status_code == 303

        html = staff.get(f"/equipe/lettres/{issue_id}/apercu.html")
        assert html.status_code == 200 and html.headers["x-frame-options"] == "SAMEORIGIN"
        assert "<strong>semaine</strong>" in html.text
        assert "<script>" not in html.text and "&lt;script&gt;" in html.text  # shown, never run
        assert 'href="javascript:' not in html.text
        assert "Un titre réécrit" in html.text and "Un résumé réécrit par l'équipe." in html.text
        assert first.original_title not in html.text
        text = staff.get(f"/equipe/lettres/{issue_id}/apercu.txt").text
        assert text.index("Un titre réécrit") < text.index(rest[0].title)

        assert staff.post(f"/equipe/lettres/{issue_id}/test",
                          data={"csrf_token": sessions["editor"].csrf_token}).status_code == 303
        [test] = inbox.to("redaction@observatoire.example")
        assert test.message["Subject"].startswith("[Test] ")
        assert "Un titre réécrit" in test.part("plain")

        scheduled = staff.post(f"/equipe/lettres/{issue_id}/planifier",
                               data={"csrf_token": sessions["editor"].csrf_token, "send_at": "2026-12-01T08:00"})
        assert scheduled.status_code == 303
    issue = newsletters.get_issue(app.engine, issue_id)
    assert issue.status == "scheduled" and issue.send_at.isoformat() == "2026-12-01T08:00:00+00:00"
    assert len(issue.entries) == len(record.entries) - 1


def test_editor_pages_need_an_editor_and_the_form_token(desk):
    app, base, _, issue_id, sessions = desk
    assert httpx.get(f"{base}/equipe/lettres/{issue_id}").status_code == 401
    with client(base, sessions["reader"]) as reader:
        assert reader.get(f"/equipe/lettres/{issue_id}").status_code == 403
    with client(base, sessions["editor"]) as staff:
        forged = staff.post(f"/equipe/lettres/{issue_id}", data={"intro": "piraté"})
        assert forged.status_code == 403
    assert newsletters.get_issue(app.engine, issue_id).intro == ""


def test_a_draft_proposed_while_another_is_composed_is_refused_in_french(desk):
    app, base, inbox, issue_id, sessions = desk
    form = {"csrf_token": sessions["editor"].csrf_token, "from": "2026-11-01", "to": "2026-11-30"}
    before = len(newsletters.list_issues(app.engine))
    assert locks.acquire(app.engine, "newsletter", "autre-poste:1:live", timedelta(minutes=1))  # a build elsewhere
    with client(base, sessions["editor"]) as staff:
        refused = staff.post("/equipe/lettres", data=form)
        assert refused.status_code == 409 and "en cours de composition" in refused.text
        assert len(newsletters.list_issues(app.engine)) == before  # nothing half-made
        locks.release(app.engine, "newsletter", "autre-poste:1:live")
        made = staff.post("/equipe/lettres", data=form)
        assert made.status_code == 303 and made.headers["location"].startswith("/equipe/lettres/")
    assert len(newsletters.list_issues(app.engine)) == before + 1
    assert [r.status for r in runs.list_runs(app.engine, kind="newsletter")] == ["ok"]  # the refusal left no run
