"""The public archive over real HTTP: only accepted items, searchable, in French."""

from __future__ import annotations

from datetime import datetime, timezone

import httpx
import pytest

from store import items, sources
from store.records import NewItem
from tests.servers import live_server
from veille.app import App
from veille.settings import load_settings
from web.app import create_app


@pytest.fixture
def site(tmp_path):
    app = App(load_settings(data_dir=tmp_path / "data"))
    actor = sources.upsert_actor(app.engine, name="Ville de Saint-Aubin", channels=[], type="local-authority")
    rows = [
        ("Budget participatif : 42 projets soumis au vote", "accepted"),
        ("Consultation sur le plan vélo", "accepted"),
        ("Travaux rue Pasteur", "rejected"),
        ("Conseil de quartier du 3 décembre", "new"),
    ]
    items.ingest(app.engine, [
        NewItem(channel_id=None, actor_id=actor, url=f"https://ville.example/{n}",
                canonical_url=f"https://ville.example/{n}", title=title, summary=f"Résumé {n}",
                published=datetime(2026, 11, 10 + n, tzinfo=timezone.utc), content_hash=f"h{n}")
        for n, (title, _) in enumerate(rows)
    ])
    for view in items.search(app.engine, limit=10):
        status = dict(rows)[view.title]
        items.set_status(app.engine, [view.id], status)
    with live_server(create_app(app)) as base:
        yield base, {v.title: v.id for v in items.search(app.engine, limit=10)}


def test_archive_lists_only_accepted_items(site):
    base, ids = site
    page = httpx.get(base + "/")
    assert page.status_code == 200 and '<html lang="fr">' in page.text
    assert "Budget participatif : 42 projets soumis au vote" in page.text
    assert "Consultation sur le plan vélo" in page.text
    assert "Travaux rue Pasteur" not in page.text and "Conseil de quartier" not in page.text


def test_search_and_item_pages(site):
    base, ids = site
    found = httpx.get(base + "/", params={"q": "vélo"}).text
    assert "Consultation sur le plan vélo" in found and "Budget participatif" not in found
    assert "Aucun article ne correspond" in httpx.get(base + "/", params={"q": "zzz"}).text
    item = httpx.get(f"{base}/items/{ids['Consultation sur le plan vélo']}")
    assert item.status_code == 200 and "Lire l'article original" in item.text
    assert httpx.get(f"{base}/items/{ids['Travaux rue Pasteur']}").status_code == 404
    assert httpx.get(f"{base}/items/999999").status_code == 404


def test_json_api_and_bad_input(site):
    base, _ = site
    data = httpx.get(base + "/api/items", params={"q": "budget"}).json()
    assert [d["title"] for d in data] == ["Budget participatif : 42 projets soumis au vote"]
    assert set(data[0]) >= {"id", "url", "title", "summary", "source", "published", "collected", "themes"}
    assert httpx.get(base + "/", params={"q": "x" * 10_000}).status_code == 422
    assert httpx.get(base + "/", params={"page": "99999999"}).status_code == 422
    assert httpx.get(base + "/items/abc").status_code == 422
