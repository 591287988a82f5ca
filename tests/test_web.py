"""The public archive over real HTTP, on SQLite and PostgreSQL: only accepted items, in French."""

from __future__ import annotations

import csv
import html
import io
import json

import feedparser
import httpx
import pytest

from store import migrate
from store.db import open_engine
from tests.conftest import empty_store_url
from tests.e2e.site import ITEMS, QUEUE, populate
from tests.servers import live_server
from veille.app import App
from veille.settings import load_settings
from web.app import create_app

ACCEPTED = [row[1] for row in ITEMS if row[4] == "accepted"]


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def site(request, tmp_path_factory):
    """One populated archive per database for the whole module: these tests only read."""
    data = tmp_path_factory.mktemp("data")
    url = empty_store_url(request, data)
    if request.param == "postgresql":  # SQLite upgrades itself on first use
        engine = open_engine(url)
        migrate.upgrade(engine)
        engine.dispose()
    app = App(load_settings(data_dir=data, database_url=url))
    ids = populate(app.engine)
    with live_server(create_app(app)) as base:
        yield base, ids
    app.engine.dispose()


def test_home_lists_only_accepted_items_with_charts(site):
    base, ids = site
    page = httpx.get(base + "/")
    assert page.status_code == 200 and '<html lang="fr">' in page.text
    for title in ACCEPTED[:4]:
        assert title in page.text
    assert "Travaux rue Pasteur" not in page.text and "Article à revoir" not in page.text
    assert f"<strong>{len(ACCEPTED)}</strong> articles" in page.text
    # the picture: themes by month and actors, drawn as SVG with French labels and exact counts
    assert 'aria-label="Articles par thème et par mois"' in page.text and "Budgets participatifs, " in page.text
    assert 'aria-label="Articles par acteur"' in page.text and 'href="/acteurs/' in page.text
    assert page.headers["content-security-policy"].startswith("default-src 'self'")


def test_search_in_french_and_english_with_two_facets(site):
    base, ids = site
    found = httpx.get(base + "/", params={"q": "budgets participatifs"}).text
    assert "Budget participatif : 42 projets" in found and "Participatory budgeting goes digital" in found
    assert "Consultation sur le plan vélo" not in found
    narrowed = httpx.get(base + "/", params={"q": "budget", "theme": "participatory-budgeting", "language": "en"}).text
    assert "Participatory budgeting goes digital" in narrowed and "42 projets" not in narrowed
    assert "Thème : Budgets participatifs ✕" in narrowed  # the chosen filters, removable
    assert "Aucun article ne correspond à « zzz »" in httpx.get(base + "/", params={"q": "zzz"}).text
    by_date = httpx.get(base + "/", params={"q": "budget", "sort": "date"}).text
    assert by_date.index("42 projets") < by_date.index("Participatory budgeting")


def test_facet_counts_and_pages(site):
    base, _ = site
    data = httpx.get(base + "/api/v1/items", params={"per_page": 3}).json()
    assert data["total"] == len(ACCEPTED) and data["pages"] == 3 and len(data["items"]) == 3
    kinds = {f["value"]: f["count"] for f in data["facets"]["kind"]}
    assert kinds == {"news": 4, "publication": 1, "event": 1, "call": 1}
    last = httpx.get(base + "/api/v1/items", params={"per_page": 3, "page": 3}).json()
    assert len(last["items"]) == 1
    assert httpx.get(base + "/", params={"page": 9}).status_code == 404  # past the last page


def test_item_page_with_the_same_story_elsewhere_and_actor_page(site):
    base, ids = site
    item = httpx.get(f"{base}/articles/{ids[ITEMS[0][1]]}")
    assert item.status_code == 200 and "Lire l'article original" in item.text
    # its story's other item is still under review: not shown to the public
    assert "Le même sujet ailleurs" not in item.text
    assert httpx.get(f"{base}/items/{ids[ITEMS[0][1]]}").headers["location"] == f"/articles/{ids[ITEMS[0][1]]}"
    for hidden in ("Travaux rue Pasteur", QUEUE[0][1]):
        assert httpx.get(f"{base}/articles/{ids[hidden]}").status_code == 404
        assert httpx.get(f"{base}/api/v1/items/{ids[hidden]}").status_code == 404
    actor_link = item.text.split('href="/acteurs/')[1].split('"')[0]
    actor = httpx.get(f"{base}/acteurs/{actor_link}")
    assert actor.status_code == 200 and "Son rythme" in actor.text and "Budget participatif : 42 projets" in actor.text
    assert "Article à revoir" not in actor.text


def test_exports_csv_json_and_atom(site):
    base, ids = site
    params = {"q": "budget", "theme": "participatory-budgeting"}
    exported = httpx.get(base + "/recherche.csv", params=params)
    assert exported.headers["content-type"].startswith("text/csv")
    assert "attachment" in exported.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(exported.text.lstrip("\ufeff"))))
    assert {r["title"] for r in rows} == {"Budget participatif : 42 projets soumis au vote",
                                          "Participatory budgeting goes digital in Lisbon"}
    assert rows[0]["page"].startswith(base + "/articles/") and "participatory-budgeting" in rows[0]["themes"]
    as_json = json.loads(httpx.get(base + "/recherche.json", params=params).text)
    assert {r["id"] for r in as_json} == {int(r["id"]) for r in rows}
    feed = feedparser.parse(httpx.get(base + "/recherche.atom", params=params).content)
    assert not feed.bozo and {e.title for e in feed.entries} == {r["title"] for r in rows}
    assert "budget" in feed.feed.title


def test_api_is_documented_and_read_only(site):
    base, ids = site
    schema = httpx.get(base + "/api/openapi.json").json()
    assert {"/api/v1/items", "/api/v1/items/{item_id}", "/api/v1/sources", "/api/v1/taxonomy"} <= set(schema["paths"])
    assert all(set(methods) == {"get"} for methods in schema["paths"].values())
    assert not any(path.startswith("/equipe") for path in schema["paths"])
    doc = httpx.get(base + "/api")
    assert doc.status_code == 200 and "GET /api/v1/items" in doc.text and "Chercher dans l'archive" in html.unescape(doc.text)
    taxonomy = httpx.get(base + "/api/v1/taxonomy").json()
    assert {"slug": "petition", "label": "Pétitions & interpellation"}.items() <= taxonomy["themes"][2].items()
    one = httpx.get(f"{base}/api/v1/items/{ids[ITEMS[0][1]]}").json()
    assert one["title"] == ITEMS[0][1] and one["same_story"] == []
    assert httpx.post(base + "/api/v1/items").status_code == 405
    legacy = httpx.get(base + "/api/items", params={"q": "budget"}).json()
    assert [d["title"] for d in legacy][:1] == ["Budget participatif : 42 projets soumis au vote"]


@pytest.mark.parametrize("query, status, message", [
    ("q=" + "x" * 10_000, 422, "« q » est trop long"),
    ("page=99999999", 422, "« page » est trop grand"),
    ("page=abc", 422, "« page » doit être un nombre entier"),
    ("theme=pas-un-theme", 422, "Valeur inconnue pour le paramètre « theme »"),
    ("since=2026-13-45", 422, "« since » doit être une date"),
    ("since=2026-11-02&until=2026-11-01", 422, "La date de début est après la date de fin"),
    ("source=abc", 422, "numéro d'acteur"),
    ("sort=hasard", 422, "relevance ou date"),
    ("q=%FF%FE", 400, "UTF-8 valide"),
    ("q=a%00b", 400, "caractère nul"),
])
def test_bad_input_is_a_clear_4xx(site, query, status, message):
    base, _ = site
    for path in ("/", "/api/v1/items", "/recherche.csv"):
        response = httpx.get(f"{base}{path}?{query}")
        assert response.status_code == status, (path, response.text[:300])
        assert message in html.unescape(response.text)


def test_unknown_and_odd_addresses_never_fail(site):
    base, _ = site
    for path, status in [("/articles/abc", 422), ("/articles/0", 422), ("/articles/99999999999", 422),
                         ("/articles/999999", 404), ("/acteurs/999999", 404), ("/nulle-part", 404),
                         ("/acteurs/1?page=0", 422), ("/%FF", 400)]:
        response = httpx.get(base + path)
        assert response.status_code == status, (path, response.status_code)
        assert "<html lang=\"fr\">" in response.text
    api = httpx.get(base + "/api/v1/items/999999")
    assert api.status_code == 404 and api.json() == {"detail": "Cet article n'existe pas ou n'est pas public."}


def test_a_long_actor_name_in_the_bars_is_cut_at_a_word_with_its_whole_name_as_tooltip():
    from web.charts import bars

    name = "Conseil national de la participation citoyenne"
    svg = str(bars([(name, 7, "/acteurs/1"), ("Boussole Civique", 6, None)], "Articles par acteur"))
    assert ">Conseil national de la participation…</text>" in svg and f"<title>{name}</title>" in svg
    assert ">Boussole Civique</text>" in svg
