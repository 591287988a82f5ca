"""The store, on SQLite and on PostgreSQL: the same behaviour on both."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import inspect

from store import items, migrate, newsletters, runs, search, sources
from store.db import StoreError, open_engine
from store.records import ChannelResult, IssueDraft, NewItem, Prediction
from store.schema import Base

NOW = datetime(2026, 11, 20, 9, 30, tzinfo=timezone.utc)


def _actor(engine, name="Parlons Ensemble", url="https://parlons.example/feed/"):
    actor_id = sources.upsert_actor(engine, name=name, channels=[{"kind": "feed", "url": url}], type="association")
    channel = next(c for c in sources.channel_specs(engine) if c.actor_id == actor_id)
    return actor_id, channel.id


def _item(actor_id, channel_id, n, **extra) -> NewItem:
    fields = dict(
        channel_id=channel_id,
        actor_id=actor_id,
        url=f"https://parlons.example/articles/{n}?utm_source=rss",
        canonical_url=f"https://parlons.example/articles/{n}",
        title=f"Budget participatif : vote numéro {n}",
        summary="Les habitants votent pour leurs projets.",
        text=f"Texte de l'article {n} sur le budget participatif de la ville.",
        language="fr",
        published=NOW - timedelta(days=n),
        content_hash=f"hash-{n}",
    )
    fields.update(extra)
    return NewItem(**fields)


def _prediction(relevant=True, themes=("participatory-budgeting",)) -> Prediction:
    return Prediction(
        relevant=relevant,
        relevance_score=0.91 if relevant else 0.12,
        purpose="coproduction" if relevant else None,
        purpose_scores={"coproduction": 0.8},
        themes=list(themes),
        theme_scores={t: 0.7 for t in themes},
        kind="news",
        kind_scores={"news": 0.9},
        why={"relevant": ["budget participatif"]},
        model_version="test-1",
    )


def test_migrations_match_the_models(engine):
    assert migrate.is_up_to_date(engine)
    tables = set(inspect(engine).get_table_names())
    assert set(Base.metadata.tables) <= tables
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"include_name": search.include_name})
        diff = compare_metadata(context, Base.metadata)
    assert diff == [], f"models and migrations disagree: {diff}"


def test_ingest_drops_duplicates_by_url_and_content(engine):
    actor_id, channel_id = _actor(engine)
    first = [_item(actor_id, channel_id, n) for n in range(3)]
    assert items.ingest(engine, first) == (3, 0)
    again = [_item(actor_id, channel_id, 0), _item(actor_id, channel_id, 9, content_hash="hash-1")]
    assert items.ingest(engine, again) == (0, 2)
    assert items.count_items(engine) == 3
    assert items.known_urls(engine, ["https://parlons.example/articles/1", "https://x.example/"]) == {
        "https://parlons.example/articles/1"
    }


def test_concurrent_ingest_stores_each_item_once(store_url):
    """Two crawlers writing the same items at once: the constraint, not luck, keeps one copy."""
    setup = open_engine(store_url)
    actor_id, channel_id = _actor(setup)
    batch = [_item(actor_id, channel_id, n, content_hash="") for n in range(40)]
    results = []

    def writer():
        engine = open_engine(store_url)
        results.append(items.ingest(engine, batch))
        engine.dispose()

    threads = [threading.Thread(target=writer) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sum(new for new, _ in results) == 40
    assert items.count_items(setup) == 40
    setup.dispose()


def test_search_latest_text_status_and_dates(engine):
    actor_id, channel_id = _actor(engine)
    items.ingest(engine, [_item(actor_id, channel_id, n) for n in range(5)])
    items.ingest(engine, [_item(actor_id, channel_id, 7, title="Travaux de voirie rue Pasteur",
                                summary="", text="La rue sera fermée.")])
    latest = items.search(engine, limit=3)
    assert [v.title for v in latest] == [f"Budget participatif : vote numéro {n}" for n in range(3)]
    assert latest[0].published == NOW and latest[0].source == "Parlons Ensemble"
    assert [v.title for v in items.search(engine, "VOIRIE")] == ["Travaux de voirie rue Pasteur"]
    assert items.search(engine, "budget", statuses=("accepted",)) == []
    window = items.search(engine, since=NOW - timedelta(days=2), until=NOW)
    assert len(window) == 2


def test_classifications_replace_and_show_on_items(engine):
    actor_id, channel_id = _actor(engine)
    items.ingest(engine, [_item(actor_id, channel_id, n) for n in range(2)])
    todo = items.to_classify(engine)
    assert [t.actor_type for t in todo] == ["association", "association"]
    items.save_classifications(engine, [(todo[0].id, _prediction()), (todo[1].id, _prediction(False, ()))])
    assert items.to_classify(engine) == []
    items.save_classifications(engine, [(todo[0].id, _prediction(themes=("consultation",)))])
    view = items.get_item(engine, todo[0].id)
    assert view.themes == ["consultation"] and view.relevant and view.model_version == "test-1"
    assert [v.id for v in items.search(engine, relevant=True)] == [todo[0].id]


def test_channel_health_and_validators(engine):
    _, channel_id = _actor(engine)
    url = "https://parlons.example/feed/"
    sources.record_channel_results(engine, [ChannelResult(channel_id, url, "ok", etag='"v1"', last_modified="x")])
    sources.record_channel_results(engine, [ChannelResult(channel_id, url, "error", error="HTTP 500")])
    sources.record_channel_results(engine, [ChannelResult(channel_id, url, "error", error="HTTP 503")])
    view = sources.list_sources(engine)[0].channels[0]
    assert view.consecutive_failures == 2 and view.last_error == "HTTP 503"
    assert sources.channel_specs(engine)[0].etag == '"v1"'  # a failure keeps the validators
    sources.record_channel_results(engine, [ChannelResult(channel_id, url, "not-modified")])
    view = sources.list_sources(engine)[0].channels[0]
    assert view.consecutive_failures == 0 and view.last_error is None


def test_upsert_actor_is_idempotent(engine):
    first, _ = _actor(engine)
    second, _ = _actor(engine)
    assert first == second
    assert len(sources.list_sources(engine)[0].channels) == 1


def test_runs_and_newsletter_drafts(engine):
    run_id = runs.start_run(engine, "crawl")
    runs.finish_run(engine, run_id, "partial", {"new": 3}, [{"error": "HTTP 500"}])
    [view] = runs.list_runs(engine)
    assert (view.status, view.counts, view.finished_at is not None) == ("partial", {"new": 3}, True)
    actor_id, channel_id = _actor(engine)
    items.ingest(engine, [_item(actor_id, channel_id, 1)])
    item_id = items.search(engine)[0].id
    draft = IssueDraft("Lettre", NOW - timedelta(days=7), NOW, "", [(item_id, "news", 0)])
    assert newsletters.save_draft(engine, draft, "<html></html>", "texte") >= 1


def test_unreachable_database_is_one_clear_error():
    with pytest.raises(StoreError) as err:
        open_engine("postgresql://postgres@127.0.0.1:1/nothing")
    message = str(err.value)
    assert message.startswith("cannot open the database postgresql+psycopg://postgres@127.0.0.1:1/nothing")
    assert "\n" not in message


def test_not_a_database_url():
    with pytest.raises(StoreError, match="not a database URL"):
        open_engine("this is not a url")
