"""Full-text search of the archive, the same on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest
from sqlalchemy import inspect, text

from store import items, migrate, search, sources
from store.db import open_engine, transaction
from store.records import NewItem, Prediction
from store.schema import Item

NOW = datetime(2026, 11, 20, tzinfo=timezone.utc)


def _add(engine, actor_id, n, title, summary="", text_="", language="fr", status="accepted", days=0):
    items.ingest(engine, [NewItem(channel_id=None, actor_id=actor_id, url=f"https://a.example/{n}",
                                  canonical_url=f"https://a.example/{n}", title=title, summary=summary, text=text_,
                                  language=language, published=NOW - timedelta(days=days), content_hash=f"h{n}")])
    item_id = next(v.id for v in items.search(engine, limit=1000) if v.url == f"https://a.example/{n}")
    items.set_status(engine, [item_id], status)
    return item_id


def _tags(engine, item_id, purpose="coproduction", themes=(), kind="news"):
    items.save_classifications(engine, [(item_id, Prediction(
        relevant=True, relevance_score=0.9, purpose=purpose, purpose_scores={}, themes=list(themes),
        theme_scores={}, kind=kind, kind_scores={}, why={}, model_version="t"))])


@pytest.fixture
def archive(engine):
    city = sources.upsert_actor(engine, name="Ville de Lyon", channels=[], type="local-authority")
    lab = sources.upsert_actor(engine, name="CivicLab", channels=[], type="startup")
    ids = {
        "bp": _add(engine, city, 1, "Budget participatif : les projets lauréats", "Les habitants ont voté.", days=1),
        "elections": _add(engine, city, 2, "Élections municipales et vote électronique", days=2),
        "en": _add(engine, lab, 3, "Participatory budgeting in Lisbon", "Citizens voted on budgets.",
                   language="en", days=3),
        "coeur": _add(engine, lab, 4, "Le cœur de la démocratie participative", days=4),
        "hidden": _add(engine, city, 5, "Budget participatif refusé", status="rejected", days=5),
        "new": _add(engine, city, 6, "Budget participatif à revoir", status="new", days=6),
    }
    _tags(engine, ids["bp"], themes=("participatory-budgeting", "local-democracy"))
    _tags(engine, ids["elections"], purpose="information", themes=("elections",))
    _tags(engine, ids["en"], themes=("participatory-budgeting",), kind="event")
    return engine, ids, city, lab


def _found(engine, **filters) -> list[int]:
    sort = filters.pop("sort", "relevance")
    return [v.id for v in search.search(engine, search.Filters(**filters), sort=sort).items]


def test_stems_accents_and_both_languages(archive):
    engine, ids, *_ = archive
    # plural, feminine and English forms of the same words find the same items
    assert set(_found(engine, query="budgets participatifs")) == {ids["bp"], ids["en"]}
    assert set(_found(engine, query="participative")) >= {ids["bp"], ids["coeur"]}
    assert set(_found(engine, query="budgeting")) == {ids["bp"], ids["en"]}
    assert _found(engine, query="elections") == [ids["elections"]]  # "Élections", accent folded
    assert _found(engine, query="ÉLECTRONIQUE") == [ids["elections"]]
    assert _found(engine, query="coeur") == [ids["coeur"]]  # the œ ligature
    assert _found(engine, query="zzzz") == []


def test_only_public_items_and_a_query_of_stop_words(archive):
    engine, ids, *_ = archive
    everything = set(_found(engine, query="budget"))
    assert ids["hidden"] not in everything and ids["new"] not in everything
    assert set(_found(engine, query="budget", statuses=("new", "rejected"))) == {ids["hidden"], ids["new"]}
    assert _found(engine, query="'\" * - : ( ) ^") == _found(engine)  # no word: everything, no syntax error
    assert _found(engine, query="budget OR NEAR AND NOT") == []  # operators are plain words here
    assert _found(engine, query="les de la") == []  # nothing but stop words: nothing matches, no error


def test_facets_filters_and_counts(archive):
    engine, ids, city, lab = archive
    page = search.search(engine, search.Filters(query="budget"), sort="relevance")
    assert page.total == 2
    themes = {f.value: f.count for f in page.facets["theme"]}
    assert themes == {"participatory-budgeting": 2, "local-democracy": 1}
    assert {f.value: f.count for f in page.facets["language"]} == {"fr": 1, "en": 1}
    assert _found(engine, query="budget", themes=("local-democracy",)) == [ids["bp"]]
    assert _found(engine, query="budget", languages=("en",), kinds=("event",)) == [ids["en"]]
    assert _found(engine, actor_types=("startup",), sort="date") == [ids["en"], ids["coeur"]]
    assert _found(engine, source_ids=(city,), purposes=("information",)) == [ids["elections"]]
    day = (NOW - timedelta(days=2)).date()
    assert _found(engine, since=day, until=day) == [ids["elections"]]
    assert _found(engine, sort="date") == [ids["bp"], ids["elections"], ids["en"], ids["coeur"]]


def test_pages_and_totals(archive):
    engine, ids, *_ = archive
    first = search.search(engine, search.Filters(), sort="date", per_page=3, page=1)
    second = search.search(engine, search.Filters(), sort="date", per_page=3, page=2)
    assert (first.total, first.pages, len(first.items), len(second.items)) == (4, 2, 3, 1)
    assert search.search(engine, search.Filters(), page=50).items == []


def test_the_index_follows_edits_and_deletes(archive):
    engine, ids, *_ = archive
    with transaction(engine) as session:
        session.get(Item, ids["coeur"]).editor_title = "Convention citoyenne pour le climat"
    assert _found(engine, query="convention climat") == [ids["coeur"]]
    with transaction(engine) as session:
        session.get(Item, ids["coeur"]).title = "Tout autre chose"
    assert _found(engine, query="democratie") == []
    with transaction(engine) as session:
        session.delete(session.get(Item, ids["en"]))
    assert _found(engine, query="lisbon") == []
    assert set(_found(engine, query="budget")) == {ids["bp"]}


def test_cli_search_uses_the_full_text_index(archive):
    engine, ids, *_ = archive
    assert [v.id for v in items.search(engine, "budgets participatifs", statuses=("accepted",))] == [ids["bp"], ids["en"]]


def test_figures_for_the_charts(archive):
    engine, ids, city, lab = archive
    rows = search.themes_by_month(engine, date(2026, 1, 1))
    assert ("2026-11", "participatory-budgeting", 2) in rows and ("2026-11", "elections", 1) in rows
    assert search.items_by_actor(engine) == [(lab, "CivicLab", 2), (city, "Ville de Lyon", 2)]
    assert search.actor_rhythm(engine, lab, date(2026, 1, 1)) == [("2026-11", 2)]
    assert search.actor(engine, lab).items == 2


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def old_store(request, tmp_path):
    """A store left at revision 0002, before the search index existed."""
    from tests.conftest import empty_store_url

    engine = open_engine(empty_store_url(request, tmp_path, "old.sqlite"))
    migrate.upgrade(engine, "0002")
    yield engine
    engine.dispose()


def test_upgrade_indexes_the_items_already_stored(old_store):
    actor = sources.upsert_actor(old_store, name="Ancienne source", channels=[])
    _add(old_store, actor, 1, "Consultations publiques anciennes")
    migrate.upgrade(old_store)
    assert len(_found(old_store, query="consultation")) == 1


def test_search_index_survives_to_head(engine):
    """A later migration that rebuilt `items` would drop the triggers: this catches it."""
    with engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            rows = conn.execute(text("SELECT name FROM sqlite_master WHERE type='trigger'"))
            assert {"items_fts_insert", "items_fts_update", "items_fts_delete"} <= {r[0] for r in rows}
        else:
            assert "items_fts" in inspect(conn).get_table_names()
            assert conn.execute(text("SELECT tgname FROM pg_trigger WHERE tgname = 'items_fts_sync'")).first()
