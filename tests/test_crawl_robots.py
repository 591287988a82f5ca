"""robots.txt, crawled for real against fixture sites on 127.0.0.1: obeyed, kept
in the store, not asked for again while fresh, revalidated after (RFC 9309)."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from crawlers.run import crawl
from store import items as item_store
from store import robots as robots_cache
from store import sources
from tests.test_crawl import fast_config, store  # noqa: F401 - `store` is a fixture
from veille.demo.server import FixtureWeb, error_500

ROBOTS = "User-agent: *\nDisallow: /prive/\n"
PAGE = """<!DOCTYPE html><html lang="fr"><head><meta charset="utf-8"><title>{title}</title></head><body>
<article><h1>{title}</h1><p>Le conseil municipal a adopté le budget participatif de l'année prochaine après
une consultation des habitants de chaque quartier, qui ont proposé des projets et voté pour les retenir.</p>
</article></body></html>"""


def feed(*paths: str) -> str:
    """An RSS feed whose entries (summaries only: each page must be fetched) link to `paths`."""
    items = "".join(f"<item><title>Article {p}</title><link>{{{{BASE}}}}{p}</link>"
                    f"<description>Résumé de l'article {p}.</description></item>" for p in paths)
    return (f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Mairie</title>'
            f"<link>{{{{BASE}}}}/</link><language>fr</language>{items}</channel></rss>")


def write_site(root, robots: str | None, *paths: str) -> None:
    (root / "prive").mkdir(parents=True, exist_ok=True)
    if robots is not None:
        (root / "robots.txt").write_text(robots, encoding="utf-8")
    (root / "feed.xml").write_text(feed(*paths), encoding="utf-8")
    for path in paths:
        (root / path.lstrip("/")).write_text(PAGE.format(title=f"Article {path}"), encoding="utf-8")


@pytest.fixture
def mairie(tmp_path):
    """A site whose robots.txt forbids /prive/; its feed links to one open and one private article."""
    root = tmp_path / "sites" / "mairie"
    write_site(root, ROBOTS, "/ouvert-1.html", "/prive/1.html")
    with FixtureWeb(sites_dir=tmp_path / "sites") as fw:
        yield fw, root


def crawl_all(url, engine, **changes):
    return crawl(url, sources.channel_specs(engine), fast_config(**changes))


def register(engine, fw, site: str) -> None:
    sources.upsert_actor(engine, slug=site, name=site, language="fr",
                         channels=[{"kind": "feed", "url": fw.base_url(site) + "/feed.xml"}])


def test_robots_txt_is_kept_and_obeyed_without_being_asked_for_again(store, mairie):
    url, engine = store
    fw, root = mairie
    register(engine, fw, "mairie")
    first = crawl_all(url, engine)
    assert first.errors == 0
    assert fw.requests("mairie") == ["/robots.txt", "/feed.xml", "/ouvert-1.html"]

    write_site(root, None, "/ouvert-2.html", "/prive/2.html")  # new articles, one of them private
    fw.clear_requests()
    second = crawl_all(url, engine)
    # robots.txt came from the store, and its Disallow still holds.
    assert fw.requests("mairie") == ["/feed.xml", "/ouvert-2.html"]
    assert second.requests == 2
    assert {i.url for i in item_store.search(engine, limit=100)} >= {fw.base_url("mairie") + "/ouvert-2.html"}


def test_after_its_lifetime_robots_txt_is_revalidated_and_still_obeyed(store, mairie):
    url, engine = store
    fw, root = mairie
    register(engine, fw, "mairie")
    crawl_all(url, engine)
    site = fw.base_url("mairie")
    [copy] = robots_cache.load(engine, [site]).values()
    robots_cache.save(engine, [replace(copy, fetched_at=copy.fetched_at - timedelta(hours=25))])  # a day later

    write_site(root, None, "/ouvert-2.html", "/prive/2.html")
    fw.clear_requests()
    crawl_all(url, engine, robots_ttl_hours=24)
    # Asked again with its validators: unchanged, so a 304 and no body; the kept rules hold.
    assert fw.requests("mairie", status=304) == ["/robots.txt"]
    assert fw.requests("mairie") == ["/robots.txt", "/feed.xml", "/ouvert-2.html"]

    fw.clear_requests()
    crawl_all(url, engine, robots_ttl_hours=24)
    assert "/robots.txt" not in fw.requests("mairie")  # revalidated copies are fresh again


def test_a_changed_robots_txt_is_read_again_once_stale(store, mairie):
    url, engine = store
    fw, root = mairie
    register(engine, fw, "mairie")
    crawl_all(url, engine)
    write_site(root, "User-agent: *\nDisallow: /ouvert-3.html\n", "/ouvert-3.html", "/prive/3.html")
    fw.clear_requests()
    crawl_all(url, engine, robots_ttl_hours=0)  # always stale
    assert fw.requests("mairie", status=200) == ["/robots.txt", "/feed.xml", "/prive/3.html"]


def test_a_missing_robots_txt_allows_everything_and_is_remembered(store, tmp_path):
    url, engine = store
    root = tmp_path / "sites" / "asso"
    write_site(root, None, "/ouvert-1.html", "/prive/1.html")
    with FixtureWeb(sites_dir=tmp_path / "sites") as fw:
        register(engine, fw, "asso")
        first = crawl_all(url, engine)
        assert first.errors == 0 and first.new == 2
        assert fw.requests("asso", status=404) == ["/robots.txt"]
        assert set(fw.requests("asso", status=200)) == {"/feed.xml", "/ouvert-1.html", "/prive/1.html"}
        fw.clear_requests()
        crawl_all(url, engine)
        assert fw.requests("asso") == ["/feed.xml"]


def test_a_site_whose_robots_txt_fails_is_not_crawled_and_is_asked_again_next_time(store):
    url, engine = store
    with FixtureWeb(extra_routes={"panne": error_500}) as fw:
        register(engine, fw, "panne")
        for _ in range(2):
            fw.clear_requests()
            [result] = crawl_all(url, engine).channels
            assert result.status == "error" and result.error.startswith("robots.txt unreachable, nothing fetched")
            assert result.error.endswith("/robots.txt (after 2 retries)") and "HTTP 500" in result.error
            assert fw.requests("panne") == ["/robots.txt"] * 3  # retried, and nothing else asked


def test_while_robots_txt_is_down_the_kept_copy_is_obeyed(store, tmp_path):
    """A robots.txt that answers 500 after being read once: the site is still watched, by its kept rules."""
    down = {"robots": False}

    def site(h):
        if h.path == "/robots.txt" and down["robots"]:
            return error_500(h)
        base = f"http://{h.headers['Host']}"
        bodies = {"/robots.txt": ROBOTS, "/feed.xml": feed("/ouvert-1.html", "/prive/1.html").replace("{{BASE}}", base)}
        body = bodies.get(h.path, PAGE.format(title=f"Article {h.path}")).encode()
        h.send_response(200)
        h.send_header("Content-Type", "application/rss+xml" if h.path == "/feed.xml" else "text/plain"
                      if h.path == "/robots.txt" else "text/html; charset=utf-8")
        h.send_header("Content-Length", str(len(body)))
        h.end_headers()
        h.wfile.write(body)

    url, engine = store
    with FixtureWeb(extra_routes={"mairie": site}) as fw:
        register(engine, fw, "mairie")
        assert crawl_all(url, engine).errors == 0
        assert fw.requests("mairie") == ["/robots.txt", "/feed.xml", "/ouvert-1.html"]
        down["robots"] = True
        fw.clear_requests()
        [result] = crawl_all(url, engine, robots_ttl_hours=0).channels  # stale: asked again, and down
        assert result.status in ("ok", "not-modified"), result.error
        assert fw.requests("mairie", status=500) == ["/robots.txt"] * 3
        assert "/prive/1.html" not in fw.requests("mairie")  # the kept Disallow still holds
        assert "/feed.xml" in fw.requests("mairie")


def test_a_robots_txt_that_is_a_gzip_bomb_costs_only_its_site(store):
    from tests.test_crawl_hostile_web import gzip_bomb

    url, engine = store
    with FixtureWeb(extra_routes={"bombe": gzip_bomb}) as fw:
        register(engine, fw, "bombe")
        [result] = crawl_all(url, engine, max_bytes=5_000_000).channels
    assert result.status == "error" and result.error.startswith("robots.txt unreachable, nothing fetched")
    assert result.error.endswith("/robots.txt too large once decompressed, download cancelled")
    assert fw.requests("bombe") == ["/robots.txt"]
