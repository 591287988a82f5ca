"""Sending an issue through a real SMTP server on loopback: what arrives in each mailbox."""

from __future__ import annotations

import time

import pytest

from newsletter.send import SendError, send_issue
from store import deliveries, newsletters, subscribers
from tests.mailserver import smtp_server
from tests.newsletter_fixtures import draft, mail_config, subscribe
from tests.servers import free_port


@pytest.fixture
def smtp():
    with smtp_server() as server:
        yield server


def test_each_confirmed_subscriber_gets_one_message_with_both_parts(engine, smtp):
    port, inbox = smtp
    issue_id = draft(engine)
    alice = subscribe(engine, "alice@example.org", name="Alice Martin")
    bob = subscribe(engine, "bob@example.org", themes=["open-data"])
    subscribe(engine, "pending@example.org", status="pending")
    subscribe(engine, "left@example.org", status="unsubscribed")

    report = send_issue(engine, issue_id, mail_config(port))

    assert (report.sent, report.failed, report.status) == (2, 0, "sent")
    assert sorted(r for m in inbox.messages for r in m.recipients) == ["alice@example.org", "bob@example.org"]
    [to_alice] = inbox.to("alice@example.org")
    msg = to_alice.message
    assert msg["From"] == "La veille de l'Observatoire <veille@observatoire.example>"
    assert msg["To"] == "Alice Martin <alice@example.org>"
    assert msg["Subject"] == "La veille de l'Observatoire — du 2 au 8 novembre 2026"
    assert msg["List-Unsubscribe"].startswith(f"<http://127.0.0.1:8000/newsletter/unsubscribe/{alice.id}.")
    assert msg["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert msg["Message-ID"].endswith("@observatoire.example>")
    html, text = to_alice.part("html"), to_alice.part("plain")
    assert '<html lang="fr">' in html and "Budget participatif : 42 projets soumis au vote" in html
    assert "== Agenda ==" in text and "Date : samedi 12 décembre 2026" in text
    assert "Date limite : vendredi 15 janvier 2027" in text
    unsubscribe_url = msg["List-Unsubscribe"][1:-1]
    assert unsubscribe_url in html and unsubscribe_url in text  # the same personal link in the body

    # Bob chose one theme: his copy keeps only that, and says so.
    bob_text = inbox.to("bob@example.org")[0].part("plain")
    assert "Votre sélection ne garde que vos thèmes : Open data & données." in bob_text
    assert "Open data : le baromètre 2026 des collectivités" in bob_text
    assert "Budget participatif" not in bob_text and "== Agenda ==" not in bob_text
    assert f"/newsletter/unsubscribe/{bob.id}." in bob_text

    # Sent means sent: running it again sends nothing more, and the archive has it.
    again = send_issue(engine, issue_id, mail_config(port))
    assert again.sent == 0 and len(inbox.messages) == 2
    html_archive, _ = newsletters.web_version(engine, issue_id)
    assert "Budget participatif" in html_archive and "/unsubscribe/" not in html_archive


def test_no_header_can_be_injected(engine, smtp):
    port, inbox = smtp
    issue_id = draft(engine, subject="Lettre\r\nBcc: victim@example.org =?utf-8?q?=0D=0ABcc:_x@example.org?= %0D%0ABcc: y")
    subscribe(engine, "carol@example.org", name="Carol\r\nBcc: spy@example.org\u2028X-Evil: 1")

    send_issue(engine, issue_id, mail_config(port, title="La veille\nReply-To: pirate@example.org"))

    [received] = inbox.messages
    assert received.recipients == ["carol@example.org"]  # nobody was added by a header
    raw_headers = received.data.split(b"\r\n\r\n", 1)[0].decode()
    names = [line.split(":", 1)[0] for line in raw_headers.split("\r\n") if line and not line[0].isspace()]
    assert not {"Bcc", "Reply-To", "X-Evil"} & set(names)
    msg = received.message
    assert msg["Subject"] == "Lettre Bcc: victim@example.org Bcc: x@example.org Bcc: y"
    assert msg["To"].addresses[0].addr_spec == "carol@example.org"
    assert msg["From"].addresses[0].addr_spec == "veille@observatoire.example"


def test_temporary_refusals_are_retried_and_permanent_ones_recorded(engine, smtp):
    port, inbox = smtp
    issue_id = draft(engine)
    subscribe(engine, "ok@example.org")
    gone = subscribe(engine, "gone@example.org")
    busy = subscribe(engine, "busy@example.org")
    full = subscribe(engine, "full@example.org")
    inbox.refuse = {"gone@example.org": "550 5.1.1 No such user", "busy@example.org": "451 4.3.0 Try later",
                    "full@example.org": "452 4.2.2 Mailbox full"}
    delays = []

    def sleep(seconds):
        delays.append(seconds)
        if len(delays) == 2:  # busy frees up before its third attempt; full never does
            inbox.refuse.pop("busy@example.org")

    report = send_issue(engine, issue_id, mail_config(port, max_attempts=3), sleep=sleep)

    received = sorted(r for m in inbox.messages for r in m.recipients)
    assert received == ["busy@example.org", "ok@example.org"]
    assert (report.sent, report.failed, report.status) == (2, 2, "sent")
    assert delays == [0.01, 0.02, 0.04]  # the backoff doubles
    assert subscribers.get(engine, gone.id).bounce_error == "550 5.1.1 No such user"
    assert subscribers.get(engine, full.id).bounce_error is None  # temporary: not a bounce
    assert subscribers.get(engine, busy.id).bounce_error is None


def test_a_subscriber_who_leaves_during_the_send_is_not_sent_to(engine, smtp):
    port, inbox = smtp
    issue_id = draft(engine)
    first = subscribe(engine, "first@example.org")
    leaver = subscribe(engine, "leaver@example.org")
    inbox.on_data = lambda inbox_, envelope: subscribers.unsubscribe(engine, leaver.id)

    report = send_issue(engine, issue_id, mail_config(port))

    assert [m.recipients for m in inbox.messages] == [[first.email]]
    assert report.skipped == 1 and report.status == "sent"


def test_server_down_then_resume_sends_everyone_once(engine):
    issue_id = draft(engine)
    for n in range(3):
        subscribe(engine, f"s{n}@example.org")
    with pytest.raises(SendError, match="run the send again to resume"):
        send_issue(engine, issue_id, mail_config(free_port()))
    assert newsletters.get_issue(engine, issue_id).status == "sending"  # never marked sent early
    subscribe(engine, "late@example.org")  # confirmed after the send started: not in this issue

    with smtp_server() as (port, inbox):
        report = send_issue(engine, issue_id, mail_config(port))
    assert sorted(r for m in inbox.messages for r in m.recipients) == [f"s{n}@example.org" for n in range(3)]
    assert report.status == "sent" and deliveries.progress(engine, issue_id)["sent"] == 3


def test_rate_limit_spaces_the_messages(engine, smtp):
    port, inbox = smtp
    issue_id = draft(engine)
    for n in range(5):
        subscribe(engine, f"r{n}@example.org")
    started = time.monotonic()
    send_issue(engine, issue_id, mail_config(port, rate=20))
    assert len(inbox.messages) == 5
    assert time.monotonic() - started >= 4 / 20
