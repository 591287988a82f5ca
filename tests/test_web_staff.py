"""The staff's side over real HTTP: accounts, sessions, CSRF, roles, review actions, sources, bad input."""

from __future__ import annotations

import html
import os
import stat
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from store import items, reviews, runs, sources, users
from store.records import ChannelResult, NewItem
from tests.cli import run
from tests.e2e.site import ACCOUNTS, ITEMS, PASSWORD, QUEUE, Visitor, populate
from tests.servers import live_server
from veille.app import App
from veille.demo.server import FixtureWeb, error_500
from veille.settings import load_settings
from web.app import create_app
from web.context import french_date

EDITOR, READER, ADMIN = ACCOUNTS["editor"], ACCOUNTS["reader"], ACCOUNTS["admin"]


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    data = tmp_path_factory.mktemp("data")
    app = App(load_settings(data_dir=data, allow_private_networks=True))
    ids = populate(app.engine)
    with live_server(create_app(app)) as base:
        yield base, ids, app


def _page_without_feed(handler) -> None:
    """A site whose every address is the same HTML page: no feed anywhere."""
    body = b"<!doctype html><html lang='fr'><title>Vitrine</title><p>Pas de flux ici.</p></html>"
    handler.send_response(200)
    handler.send_header("Content-Type", "text/html; charset=utf-8")
    handler.send_header("Content-Length", str(len(body)))
    handler.end_headers()
    handler.wfile.write(body)


def text_of(response) -> str:
    return html.unescape(response.text)


def test_login_sets_a_safe_cookie_rotates_it_and_logout_ends_it(site):
    base, _, _ = site
    person = Visitor(base)
    assert person.get("/equipe/revue").status_code == 401  # no session: the login form, with a 4xx
    answer = person.login(EDITOR)
    assert answer.status_code == 303 and answer.headers["location"] == "/equipe/revue"
    cookie = next(h for h in answer.headers.get_list("set-cookie") if h.startswith("veille_session="))
    assert all(flag in cookie.lower() for flag in ("secure", "httponly", "samesite=lax"))
    first = person.cookies["veille_session"]
    assert person.get("/equipe/revue").status_code == 200
    person.login(EDITOR)  # a second login replaces the session: the old token is dead
    assert person.cookies["veille_session"] != first
    stale = Visitor(base)
    stale.cookies["veille_session"] = first
    assert stale.get("/equipe/revue").status_code == 401
    kept = dict(person.cookies)
    assert person.act("/deconnexion", json=False).status_code == 303
    replay = Visitor(base)
    replay.cookies.update(kept)
    assert replay.get("/equipe/revue").status_code == 401


def test_wrong_password_then_rate_limit(site):
    base, _, app = site
    users.add_user(app.engine, "cible@veille.example", PASSWORD, "reader")
    person = Visitor(base)
    for _ in range(5):
        wrong = person.login("cible@veille.example", "pas le bon mot de passe")
        assert wrong.status_code == 401 and "Adresse ou mot de passe incorrect" in text_of(wrong)
    blocked = person.login("cible@veille.example")  # even the right password waits now
    assert blocked.status_code == 429 and "Trop de tentatives" in text_of(blocked)
    assert "veille_session" not in person.cookies


def test_login_form_needs_its_token(site):
    base, _, _ = site
    person = Visitor(base)
    forged = person.post("/connexion", data={"email": EDITOR, "password": PASSWORD})
    assert forged.status_code == 403 and "Jeton de sécurité" in text_of(forged)
    assert person.login(EDITOR, next_="https://evil.example/").headers["location"] == "/equipe"


def test_review_actions_change_what_the_public_sees(site):
    base, ids, app = site
    editor, public = Visitor(base), Visitor(base)
    editor.login(EDITOR)
    first, second = ids[QUEUE[0][1]], ids[QUEUE[1][1]]
    assert public.get(f"/articles/{first}").status_code == 404
    assert editor.act(f"/equipe/articles/{first}/decision", {"action": "feature"}).json() == {
        "id": first, "status": "accepted", "featured": True}
    assert public.get(f"/articles/{first}").status_code == 200
    # the story's other source is now public too: each page shows the other
    assert "Le même sujet ailleurs" in text_of(public.get(f"/articles/{ids[ITEMS[0][1]]}"))
    assert editor.act(f"/equipe/articles/{second}/decision", {"action": "reject"}).json()["status"] == "rejected"
    undone = editor.act("/equipe/annuler").json()
    assert undone == {"id": second, "undone": "reject", "status": "new", "featured": False}
    fixed = editor.act(f"/equipe/articles/{first}/etiquettes",
                       {"purpose": "information", "themes": ["open-data", "elections"], "kind": "event"})
    assert fixed.status_code == 200
    assert "Open data &amp; données" in public.get(f"/articles/{first}").text
    saved = editor.act(f"/equipe/articles/{first}/edition", {"editor_title": "Titre pour la lettre",
                                                            "editor_summary": "Un paragraphe.", "note": "note privée"},
                       json=False)
    assert saved.status_code == 303
    page = text_of(public.get(f"/articles/{first}"))
    assert "Titre pour la lettre" in page and "note privée" not in page
    staff_page = text_of(editor.get(f"/equipe/articles/{first}"))
    assert "note privée" in staff_page and "feature" in staff_page and EDITOR in staff_page  # the history


def test_bulk_accept_on_a_filtered_list(site):
    base, ids, app = site
    editor = Visitor(base)
    editor.login(EDITOR)
    chosen = [ids[row[1]] for row in QUEUE[10:14]]
    queue = text_of(editor.get("/equipe/revue", params={"q": "concertation", "order": "uncertainty"}))
    assert all(f'value="{i}"' in queue for i in chosen)
    done = editor.act("/equipe/revue/lot", {"action": "accept", "ids": chosen})
    assert done.json() == {"count": 4}
    assert {items.get_item(app.engine, i).status for i in chosen} == {"accepted"}
    refused = editor.act("/equipe/revue/lot", {"action": "reject", "ids": [ids[QUEUE[15][1]], 999_999]})
    assert refused.status_code == 404 and "999999" in refused.json()["detail"]
    assert items.get_item(app.engine, ids[QUEUE[15][1]]).status == "new"  # never a partial save


def test_csrf_and_cross_site_posts_are_refused(site):
    base, ids, app = site
    editor = Visitor(base)
    editor.login(EDITOR)
    target = ids[QUEUE[16][1]]
    no_token = editor.post(f"/equipe/articles/{target}/decision", data={"action": "accept"})
    assert no_token.status_code == 403 and "Jeton de sécurité" in text_of(no_token)
    wrong = editor.post(f"/equipe/articles/{target}/decision", data={"action": "accept", "csrf_token": "x" * 43})
    assert wrong.status_code == 403
    token = editor.csrf()
    elsewhere = editor.post(f"/equipe/articles/{target}/decision", data={"action": "accept", "csrf_token": token},
                            headers={"Origin": "https://evil.example"})
    assert elsewhere.status_code == 403 and "autre site" in text_of(elsewhere)
    anonymous = Visitor(base).post(f"/equipe/articles/{target}/decision", data={"action": "accept"})
    assert anonymous.status_code == 401
    assert Visitor(base).get(f"/equipe/articles/{target}/decision").status_code == 405  # GET changes nothing
    assert items.get_item(app.engine, target).status == "new" and reviews.history(app.engine, target) == []


def test_each_role_does_only_its_own_actions(site):
    base, ids, _ = site
    reader, editor = Visitor(base), Visitor(base)
    reader.login(READER)
    editor.login(EDITOR)
    queue = text_of(reader.get("/equipe/revue"))
    assert "Article à revoir" in queue and "Accepter la sélection" not in queue  # reads, no buttons
    refused = reader.act(f"/equipe/articles/{ids[QUEUE[17][1]]}/decision", {"action": "accept"})
    assert refused.status_code == 403 and "Réservé au rôle éditeur" in refused.json()["detail"]
    assert editor.get("/equipe/comptes").status_code == 403
    assert editor.act("/equipe/sources", {"url": "https://x.example/", "type": "association"}).status_code == 403
    assert editor.act("/equipe/sources/1/pause").status_code == 403


@pytest.mark.parametrize("path, data, status, message", [
    ("/equipe/articles/{id}/edition", {"editor_title": "x" * 501}, 422, "dépasse 500 caractères"),
    ("/equipe/articles/{id}/edition", {"note": "y" * 5001}, 422, "dépasse 5000 caractères"),
    ("/equipe/articles/{id}/decision", {"action": "effacer"}, 422, "« action » doit valoir"),
    ("/equipe/articles/{id}/etiquettes", {"kind": "news", "themes": ["inconnu"]}, 422, "Thème inconnu"),
    ("/equipe/articles/999999/decision", {"action": "accept"}, 404, "Article introuvable"),
    ("/equipe/articles/99999999999/decision", {"action": "accept"}, 422, "trop grand"),
    ("/equipe/revue/lot", {"action": "accept", "ids": ["1", "abc"]}, 422, "nombre entier"),
])
def test_bad_staff_input_saves_nothing(site, path, data, status, message):
    base, ids, app = site
    editor = Visitor(base)
    editor.login(EDITOR)
    target = ids[QUEUE[18][1]]
    answer = editor.act(path.format(id=target), data)
    assert answer.status_code == status and message in answer.json()["detail"]
    assert reviews.history(app.engine, target) == []


def test_unreadable_requests_are_refused(site):
    base, ids, app = site
    editor = Visitor(base)
    editor.login(EDITOR)
    target = ids[QUEUE[19][1]]
    token = editor.csrf()
    headers = {"Content-Type": "application/x-www-form-urlencoded", "X-CSRF-Token": token}
    bad_utf8 = editor.post(f"/equipe/articles/{target}/edition", content=b"editor_title=%FF%FE", headers=headers)
    assert bad_utf8.status_code == 400 and "UTF-8" in text_of(bad_utf8)
    nul = editor.post(f"/equipe/articles/{target}/edition", content=b"note=a%00b", headers=headers)
    assert nul.status_code == 400 and "caractère nul" in text_of(nul)
    huge = editor.post(f"/equipe/articles/{target}/edition", content=b"note=" + b"a" * 1_100_000, headers=headers)
    assert huge.status_code == 413
    as_json = editor.post(f"/equipe/articles/{target}/decision", json={"action": "accept"},
                          headers={"X-CSRF-Token": token})
    assert as_json.status_code == 415
    assert editor.get("/equipe/revue", params={"q": "x" * 10_000}).status_code == 422
    assert editor.get("/equipe/revue", params={"page": "99999999"}).status_code == 422
    assert editor.get("/equipe/articles/999999").status_code == 404
    assert reviews.history(app.engine, target) == []


def test_password_change_ends_other_sessions(site):
    base, _, app = site
    users.add_user(app.engine, "change@veille.example", PASSWORD, "editor")
    here, elsewhere = Visitor(base), Visitor(base)
    here.login("change@veille.example")
    elsewhere.login("change@veille.example")
    wrong = here.act("/equipe/compte", {"current": "pas le bon", "new": "nouveau secret 1", "confirm": "nouveau secret 1"})
    assert wrong.status_code == 422 and "actuel" in wrong.json()["detail"]
    done = here.act("/equipe/compte", {"current": PASSWORD, "new": "nouveau secret 1", "confirm": "nouveau secret 1"},
                    json=False)
    assert done.status_code == 303 and here.get("/equipe/revue").status_code == 200
    assert elsewhere.get("/equipe/revue").status_code == 401


def test_sources_health_and_adding_one_from_its_homepage(site):
    base, _, app = site
    admin = Visitor(base)
    admin.login(ADMIN)
    table = text_of(admin.get("/equipe/sources"))
    assert "jamais lue" in table and "Ville de Saint-Aubin" in table
    with FixtureWeb(extra_routes={"vitrine": _page_without_feed, "panne": error_500}) as web:
        added = admin.act("/equipe/sources", {"url": web.base_url("collectivite") + "/", "type": "local-authority",
                                              "name": "", "language": ""}, json=False)
        assert added.status_code == 303, added.text
        by_usual_path = admin.act("/equipe/sources", {"url": web.base_url("asso") + "/", "type": "association"},
                                  json=False)
        assert by_usual_path.status_code == 303
        nothing = admin.act("/equipe/sources", {"url": web.base_url("vitrine") + "/", "type": "association"})
        down = admin.act("/equipe/sources", {"url": web.base_url("panne") + "/", "type": "association"})
    assert nothing.status_code == 422 and "Aucun flux RSS ou Atom" in nothing.json()["detail"]
    assert down.status_code == 422 and "HTTP 500" in down.json()["detail"]
    # the asso's feed title names an actor already watched: its channel joins that actor
    new = [(s, c) for s in sources.list_sources(app.engine) for c in s.channels if "127.0.0.1" in c.url]
    assert len(new) == 2 and {c.kind for _, c in new} == {"feed"}
    new = [s for s, _ in new]
    paused = admin.act(f"/equipe/sources/{new[0].id}/pause", json=False)
    table = text_of(admin.get("/equipe/sources"))
    assert paused.status_code == 303 and "en pause" in table
    assert "flux · http://127.0.0.1:" in table and "feed · " not in table  # channel kinds in French
    unsafe = admin.act("/equipe/sources", {"url": "file:///etc/passwd", "type": "association"})
    assert unsafe.status_code == 422


def test_a_decidim_platform_added_from_the_staff_page_gets_its_listings(site):
    """The web form and `sources add` share one discovery (crawlers.discover): a Decidim
    homepage (fixture of tests/fixtures/decidim) is recognised, its listings saved."""
    base, _, app = site
    admin = Visitor(base)
    admin.login(ADMIN)
    with FixtureWeb(sites_dir=Path(__file__).parent / "fixtures" / "decidim") as web:
        added = admin.act("/equipe/sources", {"url": web.base_url("montagne") + "/", "type": "local-authority",
                                              "name": "Montagne en commun", "language": ""}, json=False)
        assert added.status_code == 303, added.text
        not_decidim = admin.act("/equipe/sources", {"url": web.base_url("presque") + "/", "type": "association"})
    [montagne] = [s for s in sources.list_sources(app.engine) if s.name == "Montagne en commun"]
    assert montagne.tags == ["decidim"] and montagne.type == "local-authority" and montagne.language == "fr"
    assert [c.url.rsplit("/", 2)[-2] for c in montagne.channels] == ["processes", "assemblies"]
    assert all(c.kind == "listing" and c.selectors["item"] for c in montagne.channels)
    assert not_decidim.status_code == 422 and "Aucun flux RSS ou Atom" in not_decidim.json()["detail"]


def test_a_site_without_feed_is_added_by_its_news_listing(site):
    """Same discovery as `sources add`: no feed anywhere, but a page listing articles."""
    base, _, app = site
    admin = Visitor(base)
    admin.login(ADMIN)
    with FixtureWeb() as web:
        added = admin.act("/equipe/sources", {"url": web.base_url("startup") + "/actualites/", "type": "startup",
                                              "name": "Boussole (liste)"}, json=False)
        assert added.status_code == 303, added.text
    [startup] = [s for s in sources.list_sources(app.engine) if s.name == "Boussole (liste)"]
    assert [(c.kind, c.confidence) for c in startup.channels] == [("listing", "checked")]


def test_runs_page_shows_counts_and_errors(site):
    base, _, app = site
    run_id = runs.start_run(app.engine, "crawl")
    runs.finish_run(app.engine, run_id, "partial", {"new": 12, "errors": 1, "bytes": 1234567},
                    ["HTTP 503 from https://x.example/feed"])
    reader = Visitor(base)
    reader.login(READER)
    page = text_of(reader.get("/equipe/executions"))
    assert "collecte" in page and "partielle" in page
    assert "nouveaux 12 · erreurs 1 · octets 1\u202f234\u202f567" in page
    assert "HTTP 503 de https://x.example/feed" in page
    left = runs.start_run(app.engine, "crawl:quotidien")
    runs.finish_run(app.engine, left, "interrupted", {}, ["interrupted: the process running it stopped before the end"])
    page = text_of(reader.get("/equipe/executions"))
    assert "collecte (quotidien)" in page and "interrompue" in page


def test_a_source_silent_for_longer_than_its_rhythm_is_flagged_quiet_with_its_channels_state(site):
    """Quiet is judged against the source's own rhythm, as `veille sources health` does: an item
    every two days, then nothing for ten, is silence well before 30 days."""
    base, _, app = site
    actor_id = sources.upsert_actor(app.engine, name="Rythme régulier", type="association",
                                    channels=[{"kind": "feed", "url": "https://rythme.example/feed/"}])
    [source] = [s for s in sources.list_sources(app.engine) if s.id == actor_id]
    channel = source.channels[0]
    sources.record_channel_results(app.engine, [ChannelResult(channel.id, channel.url, "ok", new=10)])
    now = datetime.now(timezone.utc)
    items.ingest(app.engine, [
        NewItem(channel_id=channel.id, actor_id=actor_id, url=f"https://rythme.example/{n}",
                canonical_url=f"https://rythme.example/{n}", title=f"Compte rendu n° {n}", content_hash=f"rythme{n}",
                published=now - timedelta(days=10 + 2 * n, hours=1))
        for n in range(10)])
    reader = Visitor(base)
    reader.login(READER)
    table = text_of(reader.get("/equipe/sources"))
    row = table[table.index("Rythme régulier"):][:900]
    assert "rien depuis 10 jours, d'habitude un article tous les 2 jours" in row
    # its newest article is dated as the rhythm dates it: published ten days ago, not collected today
    assert french_date(now - timedelta(days=10, hours=1), "d MMM y") in row
    assert french_date(now, "d MMM y") not in row
    page = text_of(reader.get(f"/equipe/sources/{actor_id}"))
    assert "d'habitude un tous les 2 jours : <strong>silencieuse</strong>" in page
    assert "<th>État</th><th>Articles par semaine</th>" in page and '<td title="ok">OK</td>' in page


def test_secret_key_is_generated_once_and_kept_private(tmp_path):
    app = App(load_settings(data_dir=tmp_path))
    create_app(app)
    key_file = tmp_path / "secret_key"
    first = key_file.read_text()
    create_app(app)
    assert key_file.read_text() == first and len(first.strip()) >= 40
    assert stat.S_IMODE(os.stat(key_file).st_mode) == 0o600


def test_cli_adds_and_lists_accounts(capsys, monkeypatch, tmp_path):
    import io

    monkeypatch.setattr("sys.stdin", io.StringIO("un mot de passe solide\n"))
    added = run(capsys, "users", "add", "Ana@Example.org", "--role", "admin", "--name", "Ana", "--password-stdin",
                "--data-dir", str(tmp_path))
    assert added.code == 0 and "ana@example.org (admin)" in added.out
    monkeypatch.setattr("sys.stdin", io.StringIO("court\n"))
    short = run(capsys, "users", "add", "bob@example.org", "--password-stdin", "--data-dir", str(tmp_path))
    assert short.code == 1 and short.err.count("\n") == 1 and "10 caractères" in short.err
    listed = run(capsys, "users", "list", "--json", "--data-dir", str(tmp_path))
    assert '"role": "admin"' in listed.out and "bob" not in listed.out
