"""The same story from several sources (or several versions) is one story, on
SQLite and PostgreSQL alike; unrelated items are never grouped.

Items are built the way the crawler builds them (`crawlers.assemble`, which
computes the MinHash signature) and stored with `store.items.ingest_items`.
"""

from __future__ import annotations

import gzip
import json
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime

from crawlers.assemble import item_from_entry
from crawlers.feeds import FeedEntry
from store import items as item_store
from store import sources, stories
from store.records import ChannelSpec
from tests.conftest import shared_path

RELEASE = ("La métropole ouvre une consultation en ligne sur son futur plan vélo. Jusqu'au 15 décembre, chaque "
           "habitant peut proposer des itinéraires, signaler les carrefours dangereux et voter pour les "
           "aménagements prioritaires. Trois ateliers publics auront lieu dans les mairies de quartier, et une "
           "assemblée de quarante habitants tirés au sort rendra un avis motivé au conseil métropolitain.")
OTHER = ("Le conseil municipal a adopté le budget primitif de l'an prochain. Les investissements dans les écoles "
         "et la voirie augmentent, sans hausse des impôts locaux, et une enveloppe de deux cent mille euros est "
         "réservée au budget participatif, dont les projets seront votés par les habitants au printemps.")


def channel_of(engine, name: str) -> ChannelSpec:
    actor = sources.upsert_actor(engine, slug=name, name=name, channels=[{"kind": "feed", "url": f"https://{name}.example/f"}])
    return sources.channel_specs(engine, actor)[0]


def item(channel, n: int, title: str, text: str, date: str):
    entry = FeedEntry(link=f"https://{channel.actor_name}.example/{n}", title=title, content=f"<p>{text}</p>",
                      published=datetime.fromisoformat(date).replace(tzinfo=timezone.utc))
    return item_from_entry(channel, entry, "fr")


def test_near_copies_from_several_sources_are_one_story_and_the_first_publisher_is_known(engine):
    agence, relais, blog, mairie = (channel_of(engine, n) for n in ("agence", "relais", "blog", "mairie"))
    # Stored in another order than published: the relay is crawled first.
    results = item_store.ingest_items(engine, [
        item(relais, 1, "Plan vélo : nous relayons", "Nous relayons le communiqué. " + RELEASE + " Participez !",
             "2026-11-23T14:30:00"),
        item(mairie, 1, "Budget primitif adopté", OTHER, "2026-11-23T10:00:00"),
    ])
    assert [r.status for r in results] == ["new", "new"] and results[0].story_id is None
    later = item_store.ingest_items(engine, [
        item(agence, 1, "Plan vélo : la consultation est ouverte", "Communiqué. " + RELEASE, "2026-11-23T09:00:00"),
        item(blog, 1, "Le plan vélo de la métropole", RELEASE.replace("quarante", "cinquante") + " Notre avis : bien.",
             "2026-11-24T08:00:00"),
    ])
    story_ids = {r.story_id for r in later} | {stories.story_ids(engine, [results[0].item_id]).get(results[0].item_id)}
    assert len(story_ids) == 1 and None not in story_ids
    story = stories.get_story(engine, story_ids.pop())
    assert story.size == 3 and [m.source for m in story.items] == ["agence", "relais", "blog"]
    assert story.first_item_id == later[0].item_id and story.items[0].first
    assert story.title == "Plan vélo : la consultation est ouverte"
    assert stories.story_ids(engine, [results[1].item_id]) == {}  # the budget is another story


def test_exact_duplicates_are_dropped_not_grouped(engine):
    agence, relais = channel_of(engine, "agence"), channel_of(engine, "relais")
    first = item(agence, 1, "Plan vélo : la consultation est ouverte", RELEASE, "2026-11-23T09:00:00")
    same_words = item(relais, 9, "Plan vélo : la consultation est ouverte", RELEASE, "2026-11-23T10:00:00")
    same_url = item(agence, 1, "Autre titre", OTHER, "2026-11-23T11:00:00")
    results = item_store.ingest_items(engine, [first, same_words, same_url])
    assert [r.status for r in results] == ["new", "duplicate-content", "duplicate-url"]
    assert results[1].item_id == results[0].item_id
    assert item_store.count_items(engine) == 1


def test_updated_afp_dispatches_are_grouped_and_distinct_ones_are_not(engine):
    path = shared_path("afp-an-rss", "afp_an_items.jsonl.gz")
    rows = [json.loads(line) for line in gzip.open(path)]
    rows = [r for r in rows if " Jul 2021 " in r["pubDate"]]  # a hundred dispatches of one month
    rows.sort(key=lambda r: parsedate_to_datetime(r["pubDate"]))
    channel = channel_of(engine, "afp")
    built = [item_from_entry(channel, FeedEntry(link=r["link"], title=r["title"], content=r["description"],
                                                published=parsedate_to_datetime(r["pubDate"])), "fr") for r in rows]
    results = item_store.ingest_items(engine, built)
    by_id = {res.item_id: row for res, row in zip(results, rows) if res.status == "new"}
    grouped = stories.story_ids(engine, list(by_id))
    members: dict[int, list[dict]] = {}
    for item_id, story_id in grouped.items():
        members.setdefault(story_id, []).append(by_id[item_id])
    # AFP re-issues a dispatch as it grows (an identical re-issue is a duplicate, dropped):
    # the versions stored share their title and most of their words, and make one story.
    versions: dict[str, set] = {}
    for item_id, row in by_id.items():
        versions.setdefault(row["title"], set()).add(grouped.get(item_id))
    updated = {t: ids for t, ids in versions.items() if sum(r["title"] == t for r in by_id.values()) > 1}
    assert len(updated) >= 10
    assert all(len(ids) == 1 and None not in ids for ids in updated.values()), updated
    # A story holds versions of one dispatch, not a day's news: its texts share their words.
    for group in members.values():
        lead = set(group[0]["description"].split()[:30])
        assert all(len(lead & set(r["description"].split())) >= 10 for r in group), [r["title"] for r in group]
    assert len(members) < len(rows) / 2
