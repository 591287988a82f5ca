"""The subscriber's side over real HTTP (uvicorn) and a real SMTP server: double
opt-in, one-click unsubscribe, their data, the archive — following the links
that arrived by email."""

from __future__ import annotations

import json
import re

import httpx
import pytest

from newsletter.config import from_settings
from newsletter.send import send_issue
from store import subscribers
from tests.mailserver import smtp_server
from tests.newsletter_fixtures import SECRET, draft, subscribe
from tests.servers import live_server
from veille.app import App
from veille.settings import load_settings
from web.app import create_app

PUBLIC = "https://veille.example"  # the address in the emails; the test maps it to the live server


@pytest.fixture
def site(tmp_path):
    with smtp_server() as (port, inbox):
        settings = load_settings(data_dir=tmp_path / "data", secret_key=SECRET, public_url=PUBLIC,
                                 smtp_host="127.0.0.1", smtp_port=port, newsletter_rate=0,
                                 newsletter_sender="veille@observatoire.example")
        app = App(settings)
        with live_server(create_app(app)) as base:
            yield app, base, inbox


def local(url: str, base: str) -> str:
    assert url.startswith(PUBLIC + "/"), url
    return base + url[len(PUBLIC):]


def link(text: str, path: str) -> str:
    return re.search(rf"{re.escape(PUBLIC)}{path}[\w./-]+", text).group(0)


def test_double_opt_in_confirms_only_on_the_button(site):
    app, base, inbox = site
    form = httpx.get(base + "/newsletter/subscribe")
    assert form.status_code == 200 and "Open data &amp; données" in form.text

    done = httpx.post(base + "/newsletter/subscribe", data={
        "email": "Zoe@Example.org", "name": "Zoé", "themes": ["open-data", "consultation"], "site_web": ""})
    assert done.status_code == 200 and "Vérifiez votre boîte" in done.text
    assert subscribers.by_email(app.engine, "zoe@example.org").status == "pending"

    [mail] = inbox.to("zoe@example.org")
    assert mail.message["Subject"] == "Confirmez votre inscription à « La veille de l'Observatoire des civic tech »"
    confirm = local(link(mail.part("plain"), "/newsletter/confirm/"), base)
    page = httpx.get(confirm)
    assert page.status_code == 200 and "Confirmer mon inscription" in page.text
    assert subscribers.by_email(app.engine, "zoe@example.org").status == "pending"  # GET changes nothing

    confirmed = httpx.post(confirm)
    assert confirmed.status_code == 200 and "Inscription confirmée" in confirmed.text
    zoe = subscribers.by_email(app.engine, "zoe@example.org")
    assert zoe.status == "confirmed" and zoe.themes == ("consultation", "open-data")
    assert zoe.consent_at is not None and "double opt-in" in zoe.consent_method
    assert httpx.post(confirm).status_code == 200  # a second click is harmless
    assert httpx.get(confirm[:-2] + ("AA" if not confirm.endswith("AA") else "BB")).status_code == 404


def test_honeypot_and_rate_limits(site):
    app, base, inbox = site
    bot = httpx.post(base + "/newsletter/subscribe", data={"email": "bot@example.org", "site_web": "http://spam"})
    assert bot.status_code == 200 and "Vérifiez votre boîte" in bot.text  # the bot learns nothing
    assert subscribers.by_email(app.engine, "bot@example.org") is None and not inbox.messages

    for _ in range(3):
        assert httpx.post(base + "/newsletter/subscribe", data={"email": "cible@example.org"}).status_code == 200
    mailbomb = httpx.post(base + "/newsletter/subscribe", data={"email": "cible@example.org"})
    assert mailbomb.status_code == 429 and len(inbox.to("cible@example.org")) == 3
    for other in ("autre@example.org", "encore@example.org"):  # five requests from one address
        assert httpx.post(base + "/newsletter/subscribe", data={"email": other}).status_code == 200
    flood = httpx.post(base + "/newsletter/subscribe", data={"email": "sixieme@example.org"})
    assert flood.status_code == 429 and "Trop de demandes" in flood.text

    invalid = httpx.post(base + "/newsletter/subscribe", data={"email": "pas une adresse\r\nBcc: x@y.z"})
    assert invalid.status_code in (422, 429)


def test_links_in_the_newsletter_work(site):
    app, base, inbox = site
    issue_id = draft(app.engine)
    alice = subscribe(app.engine, "alice@example.org")
    subscribe(app.engine, "bob@example.org", themes=["consultation"])
    send_issue(app.engine, issue_id, from_settings(app.settings))

    # One click from the mail client (RFC 8058): at once, and again without harm.
    one_click = local(inbox.to("alice@example.org")[0].message["List-Unsubscribe"][1:-1], base)
    for _ in range(2):
        response = httpx.post(one_click, content=b"List-Unsubscribe=One-Click",
                              headers={"Content-Type": "application/x-www-form-urlencoded"})
        assert response.status_code == 200
        assert subscribers.get(app.engine, alice.id).status == "unsubscribed"
    assert "Désinscription déjà faite" in httpx.get(one_click).text

    # Bob's own page: his data, his themes, erasure.
    text = inbox.to("bob@example.org")[0].part("plain")
    manage = local(link(text, "/newsletter/me/"), base)
    page = httpx.get(manage)
    assert page.status_code == 200 and "bob@example.org" in page.text and "abonné·e" in page.text
    data = json.loads(httpx.get(manage + "/donnees.json").text)
    assert data["subscriber"]["email"] == "bob@example.org" and data["subscriber"]["consent_at"]
    assert data["deliveries"][0]["status"] == "sent"
    saved = httpx.post(manage + "/themes", data={"themes": ["open-data", "elections"]})
    assert saved.status_code == 303
    assert subscribers.by_email(app.engine, "bob@example.org").themes == ("elections", "open-data")
    erased = httpx.post(manage + "/erase")
    assert erased.status_code == 200 and "effacées" in erased.text
    assert subscribers.by_email(app.engine, "bob@example.org") is None
    assert httpx.get(manage).status_code == 404  # the link died with the data

    # The web version named in the email, the archive and its feed.
    online = local(link(text, "/newsletter/"), base)
    assert online.endswith(f"/newsletter/{issue_id}")
    web = httpx.get(online)
    assert web.status_code == 200 and "Budget participatif" in web.text and "/unsubscribe/" not in web.text
    assert "style-src 'unsafe-inline'" in web.headers["content-security-policy"]
    archive = httpx.get(base + "/newsletter")
    assert f'href="/newsletter/{issue_id}"' in archive.text
    feed = httpx.get(base + "/newsletter/atom.xml")
    assert feed.headers["content-type"].startswith("application/atom+xml")
    assert f"<id>{PUBLIC}/newsletter/{issue_id}</id>" in feed.text


def test_drafts_are_not_public(site):
    app, base, _ = site
    issue_id = draft(app.engine)
    assert httpx.get(f"{base}/newsletter/{issue_id}").status_code == 404
    assert f"/newsletter/{issue_id}" not in httpx.get(base + "/newsletter").text
