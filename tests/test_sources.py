"""The registry of sources: what ships with veille, import and export, adding a
source from its homepage, and the health staff read to know what works."""

from __future__ import annotations

import json
import tomllib
from datetime import datetime, timedelta, timezone

import pytest

from crawlers.registry import RegistryError, read_opml, read_toml, write_opml, write_toml
from store import items as item_store
from store import migrate, sources
from store.db import open_engine
from store.records import ChannelResult, NewItem
from tests.cli import run
from tests.conftest import shared_path
from veille.commands.sources import shipped_registry
from veille.demo.server import FixtureWeb, error_500

NAMED_IN_THE_BRIEF = (
    "Make.org", "Cap Collectif", "Fluicity", "Stig", "Voxe.org", "Bluenove", "Civocracy", "Open Source Politics",
    "Démocratie Ouverte", "Décider ensemble", "Regards Citoyens", "Data for Good", "Code for France", "Decidim",
    "mySociety", "Code for All", "g0v", "Digidem Lab", "Participedia", "People Powered", "Assemblée nationale",
    "Sénat", "CESE", "CNDP", "Etalab", "beta.gouv.fr", "DINUM", "Open Government Partnership", "OIDP",
    "European Commission",
)


@pytest.fixture
def data_dir(tmp_path) -> str:
    return str(tmp_path / "data")


@pytest.fixture
def engine(tmp_path):
    engine = open_engine(f"sqlite:///{tmp_path}/s.sqlite")
    migrate.upgrade(engine)
    yield engine
    engine.dispose()


def cli_json(capsys, *args):
    result = run(capsys, *args)
    assert result.code == 0, result.err
    return json.loads(result.out)


# --- the shipped registry ---------------------------------------------------------------


def test_the_shipped_registry_names_the_actors_of_the_field():
    registry = read_toml(shipped_registry(), resolve=False)
    names = [a["name"] for a in registry.actors]
    assert len(names) >= 60 and len(set(names)) == len(names)
    for wanted in NAMED_IN_THE_BRIEF:
        assert any(wanted.lower() in n.lower() for n in names), wanted
    types = {a["type"] for a in registry.actors}
    assert {"startup", "association", "public-institution", "international-body", "research", "media"} <= types
    enabled = [a for a in registry.actors if a["enabled"]]
    assert all(a["status"] not in ("defunct", "unknown") and a["channels"] for a in enabled)
    assert {"Sunlight Foundation", "Stig"} & {a["name"] for a in registry.actors if not a["enabled"]}


def test_the_shipped_registry_keeps_the_evidence_and_confidence_of_each_url():
    evidence = tomllib.loads(shared_path("sources", "actors-evidence.toml").read_text(encoding="utf-8"))
    shipped = tomllib.loads(shipped_registry().decode())
    expected = {c["url"]: c["confidence"] for a in evidence["actor"] for c in a.get("channel", [])}
    found = {c["url"]: c["confidence"] for a in shipped["actor"] for c in a.get("channel", [])}
    assert found == expected
    assert all(c.get("evidence") for a in shipped["actor"] for c in a.get("channel", []))


def test_import_shipped_is_asked_for_never_automatic(capsys, data_dir):
    assert cli_json(capsys, "sources", "list", "--json", "--data-dir", data_dir) == []
    counts = cli_json(capsys, "sources", "import", "--shipped", "--json", "--data-dir", data_dir)
    assert counts["actors_added"] >= 60 and counts["channels_added"] >= counts["actors_added"]
    listed = cli_json(capsys, "sources", "list", "--json", "--data-dir", data_dir)
    assert len(listed) == counts["actors_added"]
    sunlight = next(s for s in listed if s["name"] == "Sunlight Foundation")
    assert not sunlight["enabled"] and sunlight["status"] == "defunct"
    again = cli_json(capsys, "sources", "import", "--shipped", "--json", "--data-dir", data_dir)
    assert again["actors_added"] == 0 and again["channels_added"] == 0  # the store is the live registry


# --- import and export -------------------------------------------------------------------


SMALL_REGISTRY = """
[[actor]]
name = "Parlons Ensemble"
type = "association"
country = "FR"
tags = ["civic-tech", "local"]
[[actor.channel]]
kind = "feed"
url = "https://parlons.example/feed/"
confidence = "likely"
[[actor.channel]]
kind = "listing"
url = "https://parlons.example/actualites/"
selectors = { item = "article.card", link = "a::attr(href)" }
enabled = false

[[actor]]
name = "Mairie de Test"
type = "local-authority"
status = "unknown"
[[actor.channel]]
kind = "sitemap"
url = "https://mairie.example/sitemap.xml"
selectors = { include = "/actualites/" }
"""


def test_toml_export_and_import_give_back_the_same_registry(capsys, data_dir, tmp_path):
    source = tmp_path / "sources.toml"
    source.write_text(SMALL_REGISTRY, encoding="utf-8")
    cli_json(capsys, "sources", "import", str(source), "--json", "--data-dir", data_dir)
    out = tmp_path / "export.toml"
    assert run(capsys, "sources", "export", "--out", str(out), "--data-dir", data_dir).code == 0
    other = str(tmp_path / "other")
    cli_json(capsys, "sources", "import", str(out), "--json", "--data-dir", other)
    first = cli_json(capsys, "sources", "list", "--json", "--data-dir", data_dir)
    second = cli_json(capsys, "sources", "list", "--json", "--data-dir", other)
    strip = lambda views: [(s["name"], s["type"], s["enabled"], s["tags"],  # noqa: E731
                            [(c["kind"], c["url"], c["confidence"], c["enabled"]) for c in s["channels"]]) for s in views]
    assert strip(first) == strip(second)
    mairie = next(s for s in second if s["name"] == "Mairie de Test")
    assert not mairie["enabled"]  # unknown status: disabled until someone confirms it
    exported = tomllib.loads(out.read_text(encoding="utf-8"))
    parlons = next(a for a in exported["actor"] if a["name"] == "Parlons Ensemble")
    listing = next(c for c in parlons["channel"] if c["kind"] == "listing")
    assert listing["selectors"] == {"item": "article.card", "link": "a::attr(href)"} and listing["enabled"] is False


def test_opml_round_trip_and_a_feed_readers_export(capsys, data_dir, tmp_path):
    registry = read_toml(shipped_registry(), resolve=False)
    assert read_opml(write_opml(registry.actors), resolve=False).actors == registry.actors
    reader = tmp_path / "abonnements.opml"
    reader.write_text("""<?xml version="1.0"?><opml version="1.0"><head><title>Mes flux</title></head><body>
      <outline text="Civic tech"><outline type="rss" text="Parlons Ensemble" xmlUrl="https://parlons.example/feed/"
        htmlUrl="https://parlons.example/"/></outline>
      <outline type="rss" text="Mairie" xmlUrl="https://mairie.example/rss.xml"/></body></opml>""", encoding="utf-8")
    counts = cli_json(capsys, "sources", "import", str(reader), "--json", "--data-dir", data_dir)
    assert counts["actors_added"] == 2
    listed = {s["name"]: s for s in cli_json(capsys, "sources", "list", "--json", "--data-dir", data_dir)}
    assert listed["Parlons Ensemble"]["tags"] == ["Civic tech"]
    assert listed["Parlons Ensemble"]["channels"][0]["kind"] == "feed"
    assert listed["Mairie"]["channels"][0]["url"] == "https://mairie.example/rss.xml"


def test_a_file_with_a_private_address_or_a_mistake_is_refused_whole(capsys, data_dir, tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text("""
[[actor]]
name = "Correct"
[[actor.channel]]
url = "https://correct.example/feed/"

[[actor]]
name = "Routeur"
type = "entreprise"
[[actor.channel]]
url = "http://192.168.1.1/admin"
""", encoding="utf-8")
    result = run(capsys, "sources", "import", str(bad), "--data-dir", data_dir)
    assert result.code == 1 and "Traceback" not in result.err
    assert "unknown type 'entreprise'" in result.err and "refused http://192.168.1.1/admin" in result.err
    assert cli_json(capsys, "sources", "list", "--json", "--data-dir", data_dir) == []
    with pytest.raises(RegistryError, match="only http and https"):
        read_toml('[[actor]]\nname = "x"\n[[actor.channel]]\nurl = "file:///etc/passwd"\n')


def test_write_toml_reads_back():
    registry = read_toml(shipped_registry(), resolve=False)
    assert read_toml(write_toml(registry.actors), resolve=False).actors == registry.actors


# --- adding a source from its homepage ------------------------------------------------


@pytest.fixture
def web():
    with FixtureWeb(extra_routes={"panne": error_500}) as fw:
        yield fw


def test_a_homepage_is_enough_to_add_a_source(capsys, data_dir, web, monkeypatch):
    monkeypatch.setenv("VEILLE_ALLOW_PRIVATE_NETWORKS", "1")
    result = run(capsys, "sources", "add", web.base_url("asso") + "/", "--data-dir", data_dir)
    assert result.code == 0, result.err
    assert result.out.strip().endswith(f"(feed {web.base_url('asso')}/feed/)")  # declared in <link rel="alternate">
    run(capsys, "sources", "add", web.base_url("startup") + "/actualites/", "--data-dir", data_dir)
    listed = {s["name"]: s for s in cli_json(capsys, "sources", "list", "--json", "--data-dir", data_dir)}
    assert listed["Parlons Ensemble"]["channels"][0]["confidence"] == "checked"  # the site's own title as name
    startup = next(s for n, s in listed.items() if "Boussole" in n)
    assert startup["channels"][0]["kind"] == "listing"  # no feed anywhere: its news listing
    down = run(capsys, "sources", "add", web.base_url("panne") + "/feed/", "--name", "En panne", "--data-dir", data_dir)
    assert down.code == 0 and "warning: HTTP 500" in down.err and "(feed " in down.out  # saved; the crawl will tell


def test_a_homepage_on_a_private_address_is_refused_before_any_fetch(capsys, data_dir, web):
    result = run(capsys, "sources", "add", web.base_url("asso") + "/", "--data-dir", data_dir)
    assert result.code == 1 and "loopback" in result.err and web.requests("asso") == []


# --- health ------------------------------------------------------------------------------

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=timezone.utc)


def add_items(engine, actor_id, channel_id, dates, prefix):
    item_store.ingest(engine, [NewItem(channel_id=channel_id, actor_id=actor_id, url=f"https://{prefix}.example/{n}",
                                       canonical_url=f"https://{prefix}.example/{n}", title=f"{prefix} {n}",
                                       text=f"texte {prefix} {n}", content_hash=f"{prefix}-{n}", published=d)
                               for n, d in enumerate(dates)])


def test_failing_channels_back_off_and_are_flagged_never_dropped(engine):
    actor = sources.upsert_actor(engine, name="Fragile", channels=[{"kind": "feed", "url": "https://f.example/feed"}])
    [channel] = sources.channel_specs(engine, actor)
    fail = ChannelResult(channel.id, channel.url, "error", error="HTTP 500 from https://f.example/feed")
    sources.record_channel_results(engine, [fail], now=NOW)
    assert sources.channel_specs(engine, due_only=True, now=NOW + timedelta(minutes=1))  # one failure: a hiccup
    for n in range(1, 4):
        sources.record_channel_results(engine, [fail], now=NOW + timedelta(days=n))
    view = sources.list_sources(engine, now=NOW + timedelta(days=3))[0].channels[0]
    assert view.state == "failing" and view.consecutive_failures == 4 and "HTTP 500" in view.last_error
    assert view.backoff_until == NOW + timedelta(days=3, hours=4)  # 1 h, 2 h, then 4 h after the 4th failure
    assert sources.channel_specs(engine, due_only=True, now=NOW + timedelta(days=3, hours=1)) == []
    assert sources.channel_specs(engine, actor_id=actor, due_only=True, now=NOW)  # asked for by name: tried
    assert sources.channel_specs(engine, due_only=True, now=NOW + timedelta(days=3, hours=5))  # waited enough
    sources.record_channel_results(engine, [ChannelResult(channel.id, channel.url, "ok")], now=NOW + timedelta(days=4))
    view = sources.list_sources(engine, now=NOW + timedelta(days=4))[0].channels[0]
    assert view.state == "ok" and view.backoff_until is None and view.last_error is None


def test_an_actor_silent_for_much_longer_than_its_rhythm_is_quiet(engine):
    weekly = sources.upsert_actor(engine, name="Hebdo", channels=[{"kind": "feed", "url": "https://h.example/feed"}])
    monthly = sources.upsert_actor(engine, name="Mensuel", channels=[{"kind": "feed", "url": "https://m.example/f"}])
    [h], [m] = sources.channel_specs(engine, weekly), sources.channel_specs(engine, monthly)
    # Weekly until five weeks ago; monthly until three weeks ago.
    add_items(engine, weekly, h.id, [NOW - timedelta(weeks=5 + n) for n in range(10)], "h")
    add_items(engine, monthly, m.id, [NOW - timedelta(weeks=3) - timedelta(days=30 * n) for n in range(10)], "m")
    views = {v.name: v for v in sources.list_sources(engine, now=NOW)}
    assert views["Hebdo"].quiet and views["Hebdo"].usual_gap_days == 7
    assert not views["Mensuel"].quiet and views["Mensuel"].usual_gap_days == 30


def test_items_per_week_count_the_recent_weeks(engine):
    actor = sources.upsert_actor(engine, name="Actif", channels=[{"kind": "feed", "url": "https://a.example/feed"}])
    [channel] = sources.channel_specs(engine, actor)
    add_items(engine, actor, channel.id, [datetime.now(timezone.utc) - timedelta(days=2 * n) for n in range(16)], "a")
    assert sources.list_sources(engine)[0].channels[0].items_per_week == 2.0  # 16 items in the last 8 weeks


def test_the_health_command_shows_what_needs_a_hand(capsys, data_dir):
    from veille.app import App
    from veille.settings import load_settings

    engine = App(load_settings(data_dir=data_dir)).engine
    actor = sources.upsert_actor(engine, name="Site en panne", channels=[{"kind": "feed", "url": "https://p.example/f"}])
    sources.upsert_actor(engine, name="Site neuf", channels=[{"kind": "feed", "url": "https://n.example/f"}])
    [channel] = sources.channel_specs(engine, actor)
    for _ in range(3):
        sources.record_channel_results(engine, [ChannelResult(channel.id, channel.url, "error", error="HTTP 503 from x")])
    result = run(capsys, "sources", "health", "--data-dir", data_dir)
    lines = {line.split("  ")[0]: line for line in result.out.splitlines()}
    assert "FAILING" in lines["Site en panne"] and "HTTP 503 from x" in lines["Site en panne"]
    assert "waits" in lines["Site en panne"] and "never" in lines["Site neuf"]
    assert "2 channels, 1 failing" in result.out
    data = cli_json(capsys, "sources", "health", "--json", "--data-dir", data_dir)
    failing = next(s for s in data if s["name"] == "Site en panne")["channels"][0]
    assert failing["state"] == "failing" and failing["backoff_until"] and failing["consecutive_failures"] == 3
