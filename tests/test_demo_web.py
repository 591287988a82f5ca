"""The offline fixture web (veille/demo): sites, manifest and FixtureWeb server."""
from __future__ import annotations

import http.client
import re
import threading
import urllib.error
import urllib.request
from urllib.parse import urljoin, urlsplit

import feedparser
import pytest
from parsel import Selector

from veille.demo.server import (SITES_DIR, FixtureWeb, error_500, load_manifest,
                                redirect_loop, slow_never_finishes)

MANIFEST = load_manifest()
FEEDS = [(s["name"], c["path"]) for s in MANIFEST for c in s["channel"] if c["kind"] == "feed"]
# Articles per site: the demo's expectations depend on these numbers.
EXPECTED_ARTICLES = {"asso": 7, "institution": 7, "startup": 9, "collectivite": 6}


@pytest.fixture(scope="module")
def web():
    routes = {"panne": error_500, "lent": slow_never_finishes, "boucle": redirect_loop}
    with FixtureWeb(extra_routes=routes) as fw:
        yield fw


def fetch(url: str, headers: dict | None = None, timeout: float = 5):
    """(status, headers, body) without raising on 3xx/4xx/5xx answers."""
    try:
        with urllib.request.urlopen(urllib.request.Request(url, headers=headers or {}), timeout=timeout) as r:
            return r.status, r.headers, r.read()
    except urllib.error.HTTPError as e:
        with e:
            return e.code, e.headers, e.read()


def raw_get(base: str, path: str):
    """GET a path exactly as written (urllib could normalise it)."""
    u = urlsplit(base)
    conn = http.client.HTTPConnection(u.hostname, u.port, timeout=5)
    try:
        conn.request("GET", path)
        r = conn.getresponse()
        return r.status, r.read()
    finally:
        conn.close()


def listing_links(web, site: str) -> list[str]:
    """Follow a listing channel with its manifest selectors, like the crawler does."""
    channel = next(c for s in MANIFEST if s["name"] == site for c in s["channel"] if c["kind"] == "listing")
    sel_cfg, url, links, pages = channel["selectors"], web.base_url(site) + channel["path"], [], 0
    while url:
        status, _, body = fetch(url)
        assert status == 200, url
        page = Selector(body.decode())
        items = page.css(sel_cfg["item"])
        assert items, url
        for item in items:
            assert item.css("h2").get() and item.css("time::attr(datetime)").get()
            links.append(urljoin(url, item.css(sel_cfg["link"]).get()))
        nxt = page.css(sel_cfg["next"]).get()
        url = urljoin(url, nxt) if nxt else None
        pages += 1
    assert pages >= 2  # the listing is paginated
    return links


def article_links(web) -> dict[str, list[str]]:
    out = {}
    for site, path in FEEDS:
        out[site] = [e.link for e in feedparser.parse(fetch(web.base_url(site) + path)[2]).entries]
    out["startup"] = listing_links(web, "startup")
    return out


# --- manifest ---

def test_manifest_describes_every_site():
    dirs = sorted(p.name for p in SITES_DIR.iterdir() if p.is_dir())
    assert sorted(s["name"] for s in MANIFEST) == dirs
    for site in MANIFEST:
        assert site["type"] in {"startup", "association", "public-institution", "local-authority"}
        assert site["language"] == "fr" and site["homepage"] == "/" and site["actor"]
        assert site["channel"]
        for channel in site["channel"]:
            assert channel["kind"] in {"feed", "listing"} and channel["path"].startswith("/")
            if channel["kind"] == "listing":
                assert set(channel["selectors"]) == {"item", "link", "next"}


# --- sites ---

@pytest.mark.parametrize("site,path", FEEDS)
def test_feed_is_served_and_links_to_live_articles(web, site, path):
    base = web.base_url(site)
    status, headers, body = fetch(base + path)
    assert status == 200
    assert headers["Content-Type"].split(";")[0] in {"application/rss+xml", "application/atom+xml"}
    feed = feedparser.parse(body)
    assert not feed.bozo, feed.get("bozo_exception")
    assert len(feed.entries) == EXPECTED_ARTICLES[site]
    for entry in feed.entries:
        assert entry.link.startswith(base + "/")
        assert entry.title and entry.published_parsed
        assert (2026, 10, 1) <= tuple(entry.published_parsed[:3]) <= (2026, 11, 25)
        page_status, page_headers, page = fetch(entry.link)
        assert page_status == 200
        assert page_headers["Content-Type"] == "text/html; charset=utf-8"
        assert b"article:published_time" in page and b"<time" in page


def test_feed_styles(web):
    """Each feed exercises a different path of the crawler."""
    def entries(site):
        path = dict(FEEDS)[site]
        return feedparser.parse(fetch(web.base_url(site) + path)[2]).entries

    for e in entries("asso"):  # excerpt only: full text must be fetched from the page
        assert "content" not in e and len(e.summary) < 600
        assert e.author and e.tags and e.id
    for e in entries("institution"):  # Atom, full text
        assert e.content[0].type == "text/html" and len(e.content[0].value) > 1000
        assert e.author and e.published and e.updated
    for e in entries("collectivite"):  # RSS content:encoded, full text
        assert len(e.content[0].value) > 1000 and e.tags


def test_startup_listing_is_paginated(web):
    links = listing_links(web, "startup")
    assert len(links) == len(set(links)) == EXPECTED_ARTICLES["startup"]
    base = web.base_url("startup")
    for link in links:
        assert link.startswith(base + "/") and fetch(link)[0] == 200
    assert b"<link rel=\"alternate\"" not in fetch(base + "/")[2]  # no feed to discover


def test_article_pages_look_like_real_ones(web):
    titles = []
    for site, links in article_links(web).items():
        for link in links:
            html = fetch(link)[2].decode()
            page = Selector(html)
            assert re.search(r'<html lang="fr"', html)
            for css in ["title::text", 'meta[name="description"]::attr(content)',
                        'meta[property="og:title"]::attr(content)', "header nav a", "footer a"]:
                assert page.css(css).get(), (link, css)
            titles.append(page.css('meta[property="og:title"]::attr(content)').get())
    assert len(titles) == sum(EXPECTED_ARTICLES.values()) == len(set(titles))


def test_article_text_is_extractable(web):
    """trafilatura finds the body, author and date, and leaves the chrome out."""
    trafilatura = pytest.importorskip("trafilatura")
    for site, links in article_links(web).items():
        for link in links:
            doc = trafilatura.bare_extraction(fetch(link)[2].decode(), url=link, with_metadata=True)
            assert 150 <= len(doc.text.split()) <= 600, link
            assert doc.author and doc.date.startswith("2026-1"), link
            for chrome in ["Mentions légales", "cookies", "À lire aussi", "Articles récents"]:
                assert chrome not in doc.text, (link, chrome)


@pytest.mark.parametrize("site", [s["name"] for s in MANIFEST])
def test_site_is_whole_and_placeholder_free(web, site):
    """Crawl every internal link from the homepage: all answer 200, none shows {{BASE}}."""
    base = web.base_url(site)
    seen, todo = set(), [base + "/"]
    while todo:
        url = todo.pop()
        if url in seen:
            continue
        seen.add(url)
        status, headers, body = fetch(url)
        assert status == 200, url
        assert b"{{BASE}}" not in body, url
        if headers["Content-Type"].startswith("text/html"):
            page = Selector(body.decode())
            for href in page.css("a::attr(href), link::attr(href)").getall():
                target = urljoin(url, href).split("#")[0]
                if target.startswith(base + "/"):
                    todo.append(target)
    assert len(seen) > EXPECTED_ARTICLES[site]


@pytest.mark.parametrize("site", [s["name"] for s in MANIFEST])
def test_robots_and_feed_discovery(web, site):
    base = web.base_url(site)
    status, headers, body = fetch(base + "/robots.txt")
    assert status == 200 and headers["Content-Type"].startswith("text/plain")
    assert "User-agent: *" in body.decode() and "Allow: /" in body.decode()
    home = Selector(fetch(base + "/")[2].decode())
    feeds = home.css('link[rel="alternate"][type$="+xml"]::attr(href)').getall()
    assert feeds == [base + p for s, p in FEEDS if s == site]


# --- server behaviour ---

def test_conditional_get(web):
    url = web.base_url("asso") + "/feed/"
    status, headers, _ = fetch(url)
    assert status == 200 and headers["ETag"] and headers["Last-Modified"]
    web.clear_requests("asso")
    assert fetch(url, {"If-None-Match": headers["ETag"]})[0] == 304
    assert fetch(url, {"If-Modified-Since": headers["Last-Modified"]})[0] == 304
    assert fetch(url, {"If-None-Match": '"stale"'})[0] == 200
    # If-None-Match wins over a matching If-Modified-Since
    assert fetch(url, {"If-None-Match": '"stale"', "If-Modified-Since": headers["Last-Modified"]})[0] == 200
    assert fetch(url, {"If-Modified-Since": "Thu, 01 Jan 2015 00:00:00 GMT"})[0] == 200
    assert web.requests("asso") == ["/feed/"] * 5
    assert web.requests("asso", status=304) == ["/feed/"] * 2


def test_etag_depends_on_served_body(web):
    a = fetch(web.base_url("asso") + "/robots.txt")[1]["ETag"]
    b = fetch(web.base_url("startup") + "/robots.txt")[1]["ETag"]
    assert a != b  # same file, different base URL substituted


def test_missing_page_and_directory_redirect(web):
    base = web.base_url("institution")
    status, headers, body = fetch(base + "/nulle-part/")
    assert status == 404 and "introuvable" in body.decode()
    conn_status, _ = raw_get(base, "/actualites")
    assert conn_status == 301
    status, _, body = fetch(base + "/actualites")  # urllib follows to /actualites/
    assert status == 200 and b"<h1>Actualit" in body


@pytest.mark.parametrize("path", ["/../sites.toml", "/actualites/../../server.py",
                                  "/%2e%2e/sites.toml", "/..%2f..%2fserver.py", "/..\\sites.toml"])
def test_path_traversal_is_refused(web, path):
    status, body = raw_get(web.base_url("institution"), path)
    assert status == 403
    assert b"[[site]]" not in body and b"import" not in body


def test_request_log(web):
    base = web.base_url("collectivite")
    web.clear_requests("collectivite")
    threads = [threading.Thread(target=fetch, args=(f"{base}/?n={i}",)) for i in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    fetch(base + "/absent.html")
    log = web.requests("collectivite")
    assert sorted(log[:20]) == sorted(f"/?n={i}" for i in range(20)) and log[20] == "/absent.html"
    assert web.requests("collectivite", status=404) == ["/absent.html"]
    assert web.requests("inconnu") == []


def test_hostile_routes(web):
    assert set(web.sites) == {s["name"] for s in MANIFEST} | {"panne", "lent", "boucle"}
    assert len(set(web.sites.values())) == len(web.sites)  # one port each

    status, _, body = fetch(web.base_url("panne") + "/feed/")
    assert status == 500 and body.startswith(b"<!DOCTYPE html>")
    assert web.requests("panne")[-1] == "/feed/"

    with pytest.raises(urllib.error.HTTPError) as loop:  # urllib gives up on the loop
        urllib.request.urlopen(web.base_url("boucle") + "/", timeout=5)
    loop.value.close()
    assert loop.value.code in (301, 302)

    with urllib.request.urlopen(web.base_url("lent") + "/", timeout=0.5) as r:
        assert r.status == 200  # headers come at once...
        with pytest.raises(TimeoutError):  # ...the body never completes
            r.read()


def test_stop_frees_the_ports(tmp_path):
    (tmp_path / "mini").mkdir()
    (tmp_path / "mini" / "index.html").write_text('<a href="{{BASE}}/x">x</a>', encoding="utf-8")
    with FixtureWeb(sites_dir=tmp_path) as fw:
        base = fw.base_url("mini")
        assert fetch(base + "/")[2] == f'<a href="{base}/x">x</a>'.encode()
    with pytest.raises(urllib.error.URLError):
        urllib.request.urlopen(base + "/", timeout=2)
    with pytest.raises(ValueError):
        FixtureWeb(sites_dir=tmp_path, extra_routes={"mini": error_500}).start()
