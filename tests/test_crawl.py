"""The crawler, run for real (child process, Scrapy, HTTP on 127.0.0.1) against
the fixture web of veille/demo, into a temporary SQLite store."""

from __future__ import annotations

import time
from collections import Counter
from urllib.parse import urlsplit

import feedparser
import pytest
from parsel import Selector

from crawlers.run import CrawlConfig, CrawlReport, crawl
from store import items as item_store
from store import migrate, sources
from store.db import open_engine

demo = pytest.importorskip("veille.demo.server", reason="the fixture web (veille/demo/server.py) is not there yet")
FixtureWeb, load_manifest = demo.FixtureWeb, demo.load_manifest
error_500, slow_never_finishes, redirect_loop = demo.error_500, demo.slow_never_finishes, demo.redirect_loop

# What the fixture pages are made of besides the article: none of it may reach an item's text.
FURNITURE = ("Mentions légales", "Politique de confidentialité", "Articles récents", "Laisser un commentaire",
             "À lire aussi", "Toutes les actualités", "Nous trouver", "Suivez-nous", "Partager", "©")


def fast_config(**changes) -> CrawlConfig:
    values = dict(user_agent="veille-tests (+https://example.org/veille)", allow_private_networks=True,
                  delay=0.0, timeout=5.0, deadline=60.0, retry_backoff=0.05)
    return CrawlConfig(**{**values, **changes})


@pytest.fixture
def store(tmp_path):
    url = f"sqlite:///{tmp_path}/s.sqlite"
    engine = open_engine(url)
    migrate.upgrade(engine)
    yield url, engine
    engine.dispose()


@pytest.fixture(scope="module")
def web():
    with FixtureWeb() as fw:
        yield fw


def register_demo_sites(engine, fw) -> dict[str, int]:
    """The manifest's sites as sources; returns site name -> actor id."""
    actors = {}
    for site in load_manifest():
        base = fw.base_url(site["name"])
        actors[site["name"]] = sources.upsert_actor(
            engine, slug=site["name"], name=site["actor"], type=site["type"], language=site.get("language"),
            channels=[{"kind": c["kind"], "url": base + c["path"], "selectors": c.get("selectors", {})}
                      for c in site["channel"]],
        )
    return actors


def expected_articles(fw) -> dict[str, set[str]]:
    """Site -> article URLs, read from the fixture files with feedparser and parsel
    directly (not with the code under test)."""
    expected = {}
    for site in load_manifest():
        base, channel = fw.base_url(site["name"]), site["channel"][0]
        urls: set[str] = set()
        if channel["kind"] == "feed":
            body = _get(fw, site["name"], channel["path"])
            urls = {e.link for e in feedparser.parse(body).entries}
        else:
            path = channel["path"]
            while path:
                page = Selector(text=_get(fw, site["name"], path).decode())
                urls |= {a for a in page.css(f"{channel['selectors']['item']} {channel['selectors']['link']}").getall()}
                nxt = page.css(channel["selectors"]["next"]).get()
                path = urlsplit(nxt).path if nxt else None
        expected[site["name"]] = {u if u.startswith("http") else base + u for u in urls}
    fw.clear_requests()
    return expected


def _get(fw, site: str, path: str) -> bytes:
    import urllib.request

    with urllib.request.urlopen(fw.base_url(site) + path, timeout=5) as response:
        return response.read()


def stored_items(engine) -> list:
    return item_store.search(engine, limit=10_000, with_text=True)


def article_requests(fw, site: str, channel_path: str) -> list[str]:
    return [p for p in fw.requests(site) if p not in ("/robots.txt", channel_path)]


def channel_of(report: CrawlReport, url_part: str):
    [result] = [c for c in report.channels if url_part in c.url]
    return result


def test_a_crawl_stores_every_article_of_every_site(store, web):
    url, engine = store
    actors = register_demo_sites(engine, web)
    expected = expected_articles(web)
    report = crawl(url, sources.channel_specs(engine), fast_config())

    items = stored_items(engine)
    by_site = {name: {i.url for i in items if i.source_id == actor} for name, actor in actors.items()}
    assert by_site == expected  # every article, nothing else (no legal notice, no listing page)
    assert report.errors == 0 and report.duplicates == 0
    assert report.new == len(items) == sum(len(v) for v in expected.values())
    assert all(c.status == "ok" and c.error is None for c in report.channels)
    for name, actor in actors.items():
        [result] = [c for c in report.channels if c.url.startswith(web.base_url(name))]
        assert result.new == len(expected[name])
        # fetched = the channel's pages + its article pages, as the server saw them (robots.txt aside)
        assert result.fetched == len([p for p in web.requests(name, status=200) if p != "/robots.txt"])
    assert report.fetched == sum(c.fetched for c in report.channels)

    for item in items:
        full = item_store.get_item(engine, item.id)
        assert full.title and full.title == full.title.strip() and "Parlons Ensemble" not in full.title
        assert len(full.text) > 800, full.url
        assert not any(f in full.text for f in FURNITURE), (full.url, [f for f in FURNITURE if f in full.text])
        assert full.published is not None and full.published.tzinfo is not None
        assert full.language == "fr"
        assert full.summary and len(full.summary) <= 1000
    authors = {i.source: i.author for i in map(lambda v: item_store.get_item(engine, v.id), items)}
    # The Ville de Saint-Aubin feed names no author and carries the full text:
    # its pages, where the author is, are rightly not downloaded.
    assert all(author for source, author in authors.items() if "Saint-Aubin" not in source)


def test_a_second_crawl_downloads_no_article_again(store, web):
    url, engine = store
    register_demo_sites(engine, web)
    first = crawl(url, sources.channel_specs(engine), fast_config())
    assert first.new > 0
    web.clear_requests()

    # Without validators stored, feeds and listing pages are read again; articles are not.
    again = crawl(url, sources.channel_specs(engine), fast_config())
    assert again.new == 0 and again.errors == 0
    for site in load_manifest():
        path = site["channel"][0]["path"]
        assert article_requests(web, site["name"], path) == [], site["name"]
    assert again.fetched == len(again.channels)  # one response per channel, nothing else
    web.clear_requests()

    # With the validators of the last crawl kept, unchanged channels answer 304,
    # and robots.txt, read a moment ago, comes from the store: one request a site.
    sources.record_channel_results(engine, again.channels)
    third = crawl(url, sources.channel_specs(engine), fast_config())
    assert third.new == 0 and third.errors == 0
    assert {c.status for c in third.channels} == {"not-modified"}
    assert third.requests == len(third.channels)
    for site in load_manifest():
        path = site["channel"][0]["path"]
        assert web.requests(site["name"]) == [path], site["name"]
        assert web.requests(site["name"], status=304) == [path]
    assert len(stored_items(engine)) == first.new


def test_the_article_budget_is_spent_on_the_newest_and_the_rest_comes_next_time(store, web):
    url, engine = store
    register_demo_sites(engine, web)
    asso = [c for c in sources.channel_specs(engine) if c.url.endswith("/feed/")]
    first = crawl(url, asso, fast_config(max_articles_per_channel=3))
    assert first.new == 3
    titles = {i.title for i in stored_items(engine)}
    assert any(t.startswith("Rapport 2026") for t in titles)  # the newest entry of the feed
    sources.record_channel_results(engine, first.channels)
    # The channel was left incomplete: no 304 next time, the next three come.
    second = crawl(url, sources.channel_specs(engine, asso[0].actor_id), fast_config(max_articles_per_channel=3))
    assert second.channels[0].status == "ok" and second.new == 3


@pytest.fixture(scope="module")
def broken_web():
    routes = {"panne": error_500, "lent": slow_never_finishes, "boucle": redirect_loop}
    with FixtureWeb(extra_routes=routes) as fw:
        yield fw


def test_failing_sites_get_a_clear_error_and_the_others_are_crawled_fully(store, broken_web):
    url, engine = store
    fw = broken_web
    register_demo_sites(engine, fw)
    expected = expected_articles(fw)
    sources.upsert_actor(engine, slug="panne", name="Site en panne",
                         channels=[{"kind": "feed", "url": fw.base_url("panne") + "/feed/"}])
    sources.upsert_actor(engine, slug="lent", name="Site trop lent",
                         channels=[{"kind": "feed", "url": fw.base_url("lent") + "/rss.xml"}])
    sources.upsert_actor(engine, slug="boucle", name="Site qui boucle",
                         channels=[{"kind": "listing", "url": fw.base_url("boucle") + "/boucle/a"}])
    sources.upsert_actor(engine, slug="pas-un-flux", name="Pas un flux",
                         channels=[{"kind": "feed", "url": fw.base_url("asso") + "/contact/"}])
    sources.upsert_actor(engine, slug="inconnu", name="Hôte inconnu",
                         channels=[{"kind": "feed", "url": "http://no-such-host.invalid/feed/"}])
    started = time.monotonic()
    report = crawl(url, sources.channel_specs(engine), fast_config(timeout=1.5))
    assert time.monotonic() - started < 45

    # A site whose robots.txt fails is not crawled at all this time (RFC 9309: "unreachable").
    panne = channel_of(report, fw.base_url("panne"))
    assert panne.status == "error"
    assert panne.error == (f"robots.txt unreachable, nothing fetched from {fw.base_url('panne')} in this crawl: "
                           f"HTTP 500 from {fw.base_url('panne')}/robots.txt (after 2 retries)")
    assert fw.requests("panne") == ["/robots.txt"] * 3  # retried a few times, not forever
    lent = channel_of(report, fw.base_url("lent"))
    assert lent.status == "error" and "timeout" in lent.error and fw.base_url("lent") in lent.error
    boucle = channel_of(report, fw.base_url("boucle"))
    assert boucle.status == "error" and boucle.error.startswith("too many redirects from")
    assert len(fw.requests("boucle")) < 30

    not_a_feed = channel_of(report, "/contact/")
    assert not_a_feed.status == "error" and "not a readable RSS/Atom feed" in not_a_feed.error
    unknown = channel_of(report, "no-such-host.invalid")
    assert unknown.error == ("robots.txt unreachable, nothing fetched from http://no-such-host.invalid in this "
                             "crawl: cannot resolve the host of http://no-such-host.invalid/robots.txt")

    failed = (panne, lent, boucle, not_a_feed, unknown)
    healthy = [c for c in report.channels if c not in failed]
    assert len(healthy) == 4 and all(c.status == "ok" for c in healthy)
    assert report.new == sum(len(v) for v in expected.values()) == len(stored_items(engine))
    assert report.errors == len(failed)


def test_oversized_responses_are_refused(store, web):
    url, engine = store
    register_demo_sites(engine, web)
    atom = [c for c in sources.channel_specs(engine) if c.url.endswith(".atom")]
    [result] = crawl(url, atom, fast_config(max_bytes=2_000)).channels
    assert result.status == "error" and result.error == f"response from {atom[0].url} too large, download cancelled"


SMALL_SITE = {
    "feed.xml": """<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>Petit site</title><link>{{BASE}}/</link><language>fr</language>
<item><title>Article présent</title><link>{{BASE}}/present.html</link><pubDate>Mon, 02 Nov 2026 10:00:00 +0100</pubDate>
<description>Un court résumé de l'article présent.</description></item>
<item><title>Article disparu</title><link>{{BASE}}/disparu.html</link><pubDate>Sun, 01 Nov 2026 10:00:00 +0100</pubDate>
<description>Le résumé d'un article dont la page n'existe plus.</description></item>
</channel></rss>""",
    "present.html": """<!DOCTYPE html><html lang="fr"><head><meta charset="utf-8"><title>Article présent</title></head>
<body><nav>Accueil</nav><article><h1>Article présent</h1><p>Le corps de l'article présent, qui parle de la
consultation des habitants sur le nouveau plan local d'urbanisme et des réunions publiques prévues en décembre
dans chaque quartier de la commune.</p><p>Un second paragraphe précise les dates et les lieux des réunions.</p>
</article><footer>Pied de page du petit site</footer></body></html>""",
    "charte.html": """<!DOCTYPE html><html lang="fr"><head><meta charset="utf-8"><title>Charte de la participation</title>
</head><body><main><h1>Charte de la participation</h1><p>La commune s'engage à répondre à chaque contribution
déposée lors d'une concertation, à publier un bilan de chaque démarche et à expliquer ce qui a été retenu.</p>
</main><footer>Pied de page du petit site</footer></body></html>""",
}


def test_a_gone_article_keeps_the_feed_text_and_a_watched_page_is_an_item(store, tmp_path):
    url, engine = store
    site = tmp_path / "sites" / "petit"
    site.mkdir(parents=True)
    for name, text in SMALL_SITE.items():
        (site / name).write_text(text, encoding="utf-8")
    with FixtureWeb(sites_dir=tmp_path / "sites") as fw:
        base = fw.base_url("petit")
        sources.upsert_actor(engine, slug="petit", name="Petit site", language="fr",
                             channels=[{"kind": "feed", "url": base + "/feed.xml"}])
        sources.upsert_actor(engine, slug="page", name="Page suivie", language="fr",
                             channels=[{"kind": "page", "url": base + "/charte.html?utm_source=lettre"}])
        report = crawl(url, sources.channel_specs(engine), fast_config())
    feed, page = report.channels
    assert feed.status == "ok" and feed.new == 2 and feed.errors == 0
    items = {i.title: item_store.get_item(engine, i.id) for i in stored_items(engine)}
    gone = items["Article disparu"]
    assert gone.text == "Le résumé d'un article dont la page n'existe plus."
    present = items["Article présent"]
    assert present.text.startswith("Le corps de l'article présent") and "Pied de page" not in present.text
    assert page.status == "ok" and page.new == 1
    assert items["Charte de la participation"].url == base + "/charte.html?utm_source=lettre"
    assert items["Charte de la participation"].text.startswith("La commune s'engage")


def test_loopback_is_refused_unless_private_networks_are_allowed(store, web):
    url, engine = store
    register_demo_sites(engine, web)
    web.clear_requests()
    report = crawl(url, sources.channel_specs(engine), fast_config(allow_private_networks=False))
    assert report.new == 0 and report.fetched == 0 and report.errors == len(report.channels) == 4
    for result in report.channels:
        assert result.status == "error"
        assert result.error == (f"refused {result.url}: 127.0.0.1 resolves to a loopback address 127.0.0.1; "
                                "private networks are not crawled")
    assert all(web.requests(site) == [] for site in web.sites)  # not even robots.txt


def test_a_crawl_that_cannot_open_the_store_reports_every_channel_and_returns(tmp_path, store, web):
    _, engine = store
    register_demo_sites(engine, web)
    channels = sources.channel_specs(engine)
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("x")
    started = time.monotonic()
    report = crawl(f"sqlite:///{blocker}/s.sqlite", channels, fast_config())
    assert time.monotonic() - started < 30
    assert [c.status for c in report.channels] == ["error"] * len(channels)
    assert all(c.error.startswith("the crawl failed: ") for c in report.channels)


def test_a_crawl_never_outlives_its_deadline(store, broken_web):
    url, engine = store
    sources.upsert_actor(engine, slug="lent", name="Site trop lent",
                         channels=[{"kind": "feed", "url": broken_web.base_url("lent") + "/rss.xml"}])
    started = time.monotonic()
    report = crawl(url, sources.channel_specs(engine), fast_config(timeout=60, deadline=4))
    assert time.monotonic() - started < 4 + 20
    [result] = report.channels
    assert result.status == "error" and "limit" in result.error


def test_report_json_shape(store, web):
    url, engine = store
    register_demo_sites(engine, web)
    channels = [c for c in sources.channel_specs(engine) if c.url.endswith(".atom")]
    data = crawl(url, channels, fast_config()).to_json()
    assert set(data) == {"fetched", "new", "duplicates", "errors", "duration", "requests", "bytes", "channels"}
    assert data["requests"] == 2 and data["bytes"] > 1000  # robots.txt and the feed
    [channel] = data["channels"]
    assert {"id", "url", "status", "error", "fetched", "new", "duplicates"} <= set(channel)
    assert channel["status"] == "ok" and channel["new"] == data["new"] > 0


def test_no_channels_no_process():
    report = crawl("sqlite:///unused.sqlite", [], fast_config())
    assert report.channels == [] and report.new == 0


def slow_articles(h) -> None:
    """A site whose feed answers at once but whose eight article pages never finish."""
    if h.path == "/robots.txt":
        return demo._send_simple(h, 404, "Introuvable")
    if not h.path.startswith("/feed"):
        return slow_never_finishes(h)
    base = f"http://{h.headers['Host']}"
    entries = "".join(f"<item><title>Article {n}</title><link>{base}/article-{n}</link>"
                      f"<description>Résumé {n}.</description></item>" for n in range(8))
    body = (f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Lent</title>'
            f"<link>{base}/</link>{entries}</channel></rss>").encode()
    h.send_response(200)
    h.send_header("Content-Type", "application/rss+xml")
    h.send_header("Content-Length", str(len(body)))
    h.end_headers()
    h.wfile.write(body)


def test_a_site_that_stalls_costs_one_timeout_not_one_per_page(store):
    """Eight never-ending article pages: after as many timeouts as one page may be tried (three), the
    others wait for the next crawl instead of each costing three (with 30 s timeouts and two pages at a
    time: about a minute, not six)."""
    url, engine = store
    with FixtureWeb(extra_routes={"lent": slow_articles}) as fw:
        sources.upsert_actor(engine, slug="lent", name="Site lent",
                             channels=[{"kind": "feed", "url": fw.base_url("lent") + "/feed.xml"}])
        report = crawl(url, sources.channel_specs(engine), fast_config(timeout=1.0))
        pages = [p for p in fw.requests("lent") if p.startswith("/article-")]
    [channel] = report.channels
    assert report.new == 0  # nothing half-stored: the pages are left for the next crawl
    assert channel.errors == 8  # each page counted as not collected, to try again next time
    # Two pages in flight at a time (concurrency per site), each tried three times, then the rest is dropped.
    # Without the guard: every page three times (24 requests). With it: the timeouts already under way,
    # the retries sent before the third, then nothing.
    tries = Counter(pages)
    assert max(tries.values()) <= 2 and len(pages) <= 8 + 3, pages


MAIN_SCRIPT = '''
import os, sys
with open(sys.argv[1] if __name__ == "__main__" else os.environ["RUNS_LOG"], "a") as log:
    log.write(f"{os.getpid()} {__name__}\\n")
if __name__ == "__main__":
    os.environ["RUNS_LOG"] = sys.argv[1]
    sys.path.insert(0, sys.argv[2])
    from crawlers.run import CrawlConfig, crawl
    from store.records import ChannelSpec
    config = CrawlConfig(user_agent="veille-tests", allow_private_networks=True, deadline=30.0)
    for n in range(2):  # nothing answers on port 9: each crawl still runs its process and reports
        report = crawl(sys.argv[3], [ChannelSpec(id=1, actor_id=1, actor_name="x", kind="feed",
                                                 url="http://127.0.0.1:9/feed.xml")], config)
        assert report.channels[0].status == "error", report
'''


def test_the_callers_main_script_runs_once_for_all_crawls_not_in_each(tmp_path, store):
    """A crawl process would run the caller's main script again at every
    crawl; the forkserver runs it once, for all (crawlers.run)."""
    import subprocess
    import sys
    from pathlib import Path

    script, log = tmp_path / "main.py", tmp_path / "runs.log"
    script.write_text(MAIN_SCRIPT)
    root = str(Path(__file__).resolve().parents[1])
    done = subprocess.run([sys.executable, str(script), str(log), root, store[0]], capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    runs = [line.split() for line in log.read_text().splitlines()]
    assert [name for _pid, name in runs] == ["__main__", "__mp_main__"]  # the script, then the forkserver
