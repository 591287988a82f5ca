"""`veille subscribers …` and `veille newsletter …` as a user types them, with a real SMTP server."""

from __future__ import annotations

import csv
import io
import json

import pytest

from store import subscribers
from tests.cli import run
from tests.mailserver import smtp_server
from tests.newsletter_fixtures import SECRET, seed_items
from veille.app import App
from veille.settings import load_settings


@pytest.fixture
def env(tmp_path, monkeypatch):
    with smtp_server() as (port, inbox):
        for name, value in {"VEILLE_DATA_DIR": str(tmp_path / "data"), "VEILLE_SMTP_HOST": "127.0.0.1",
                            "VEILLE_SMTP_PORT": str(port), "VEILLE_NEWSLETTER_RATE": "0",
                            "VEILLE_SECRET_KEY": SECRET}.items():
            monkeypatch.setenv(name, value)
        yield App(load_settings()), inbox


def test_add_import_list_export(env, capsys, tmp_path):
    app, inbox = env
    assert run(capsys, "subscribers", "add", "ana@example.org", "--confirmed", "--themes", "open-data,elections").code == 0
    pending = run(capsys, "subscribers", "add", "ben@example.org")
    assert pending.code == 0 and "pending" in pending.out
    assert "ben@example.org" in inbox.messages[0].recipients  # the confirmation link went out
    assert "/newsletter/confirm/" in inbox.messages[0].part("plain")

    sheet = tmp_path / "liste.csv"
    sheet.write_text("email;name;themes\nchloe@example.org;Chloé;consultation\nANA@example.org;Ana;\n"
                     "dan@example.org;;\n", encoding="utf-8")
    imported = run(capsys, "subscribers", "import", str(sheet), "--confirmed", "--json")
    assert json.loads(imported.out) == {"added": 2, "skipped": 1, "confirmations_sent": 0}
    chloe = subscribers.by_email(app.engine, "chloe@example.org")
    assert chloe.status == "confirmed" and chloe.themes == ("consultation",)
    assert chloe.consent_method == "import: consentement recueilli hors de veille" and chloe.consent_at

    listed = json.loads(run(capsys, "subscribers", "list", "--json").out)
    assert {(s["email"], s["status"]) for s in listed} == {
        ("ana@example.org", "confirmed"), ("ben@example.org", "pending"),
        ("chloe@example.org", "confirmed"), ("dan@example.org", "confirmed")}

    exported = run(capsys, "subscribers", "export").out
    rows = list(csv.DictReader(io.StringIO(exported)))
    assert rows[0]["email"] == "ana@example.org" and rows[0]["themes"] == "elections,open-data"
    assert {"consent_at", "consent_method", "status"} <= set(rows[0])


def test_mistakes_are_one_line(env, capsys, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("courriel\nx@example.org\n", encoding="utf-8")
    for args, message in [
        (("subscribers", "import", str(bad)), "no 'email' column"),
        (("subscribers", "add", "pas-une-adresse"), "not a valid email address"),
        (("subscribers", "add", "x@example.org", "--themes", "cuisine"), "unknown theme(s): cuisine"),
        (("newsletter", "send", "999"), "no issue with id 999"),
    ]:
        result = run(capsys, *args)
        assert result.code == 1 and result.err.count("\n") == 1 and message in result.err, result.err


def test_build_send_and_schedule(env, capsys):
    app, inbox = env
    seed_items(app.engine)
    run(capsys, "subscribers", "add", "eve@example.org", "--confirmed")
    built = run(capsys, "newsletter", "build", "--from", "2026-11-02", "--to", "2026-11-08", "--json")
    issue_id = json.loads(built.out)["id"]

    sent = run(capsys, "newsletter", "send", str(issue_id), "--json")
    assert sent.code == 0, sent.err
    assert json.loads(sent.out)["sent"] == 1 and json.loads(sent.out)["status"] == "sent"
    [mail] = inbox.to("eve@example.org")
    assert "Budget participatif : 42 projets soumis au vote" in mail.part("plain")

    second = json.loads(run(capsys, "newsletter", "build", "--period", "month", "--from", "2026-11-15",
                            "--by", "theme", "--json").out)["id"]
    assert run(capsys, "newsletter", "schedule", str(second), "--at", "2020-01-01T08:00").code == 0
    due = run(capsys, "newsletter", "send-due", "--json")
    assert [r["issue_id"] for r in json.loads(due.out)] == [second]
    issues = {i["id"]: i for i in json.loads(run(capsys, "newsletter", "list", "--json").out)}
    assert issues[second]["status"] == "sent" and issues[second]["period_start"].startswith("2026-11-01")
    assert len(inbox.to("eve@example.org")) == 2
    again = run(capsys, "newsletter", "schedule", str(second), "--at", "2030-01-01T08:00")
    assert again.code == 1 and "can no longer be changed" in again.err
