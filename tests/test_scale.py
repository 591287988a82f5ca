"""Scaling out on PostgreSQL: crawl workers on several machines (two processes here)
share the sources by group and never store an item twice, even when their groups overlap."""

from __future__ import annotations

import json
import subprocess

import pytest

from store import migrate
from store import sources as source_store
from store.db import open_engine
from tests.conftest import _reset_postgres
from tests.ops_helpers import VEILLE, environment, runs_of, veille
from veille.demo.server import FixtureWeb, load_manifest

GROUPS = {"asso": ["a", "b"], "institution": ["a"], "collectivite": ["a", "b"], "startup": ["b"]}


@pytest.fixture
def pg_store(postgres_url):
    _reset_postgres(postgres_url)
    engine = open_engine(postgres_url)
    migrate.upgrade(engine)
    yield postgres_url, engine
    engine.dispose()


@pytest.mark.postgres
def test_two_crawl_workers_share_the_work_without_duplicates(tmp_path, pg_store):
    store_url, engine = pg_store
    with FixtureWeb() as web:
        for site in load_manifest():
            base = web.base_url(site["name"])
            actor = source_store.upsert_actor(
                engine, slug=site["name"], name=site["actor"], type=site["type"], language="fr",
                channels=[{"kind": c["kind"], "url": base + c["path"], "selectors": c.get("selectors", {})}
                          for c in site["channel"]])
            for group in GROUPS[site["name"]]:
                assert veille(environment(tmp_path / "d", store_url), "sources", "group", str(actor), group).returncode == 0
        workers = [
            subprocess.Popen([VEILLE, "crawl", "--group", group, "--json"], text=True, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, env=environment(tmp_path / f"worker-{group}", store_url))
            for group in ("a", "b")
        ]
        outputs = [w.communicate(timeout=300) for w in workers]
        web_urls = list(web.sites.values())
    assert [w.returncode for w in workers] == [0, 0], [err for _, err in outputs]
    reports = [json.loads(out) for out, _ in outputs]
    assert all(c["status"] == "ok" for r in reports for c in r["channels"])
    items = json.loads(veille(environment(tmp_path / "d", store_url), "search", "--json", "--limit", "1000").stdout)
    urls = [i["url"] for i in items]
    assert len(urls) == len(set(urls))  # each item once
    assert {u.rsplit(":", 1)[1].split("/")[0] for u in urls} == {w.rsplit(":", 1)[1] for w in web_urls}  # every site
    assert sum(r["new"] for r in reports) == len(urls)  # an item both workers fetched is stored by one only
    assert sorted((r.kind, r.status) for r in runs_of(store_url)) == [("crawl:a", "ok"), ("crawl:b", "ok")]
