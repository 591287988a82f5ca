"""One crawl against a web of hostile servers on loopback, and one honest site.

Each trap must end with a clear error (or a warning) for its own channel,
nothing stored half-way, and the honest site crawled in full: a broken or
hostile site only ever costs that site. The servers are real (FixtureWeb and
an HTTPS server with a certificate nobody signed); the crawl is the real one,
in its own process.
"""

from __future__ import annotations

import gzip
import http.server
import ipaddress
import shutil
import ssl
import threading
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from crawlers.fetch_one import FetchError, fetch_one
from crawlers.run import crawl
from store import items as item_store
from store import migrate, sources
from store.db import open_engine
from tests.test_crawl import fast_config
from veille.demo.server import SITES_DIR, FixtureWeb, redirect_loop, slow_never_finishes

HOSTILE = Path(__file__).parent / "fixtures" / "hostile"
MAX_BYTES = 5_000_000
SMALL_FEED = (b'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Occup\xc3\xa9</title>'
              b"<item><title>Enfin disponible</title><link>https://lent.example/1</link>"
              b"<description>" + "Le service a repris après une courte interruption. ".encode() * 30
              + b"</description></item></channel></rss>")


# --- the hostile servers: each writes its whole answer ------------------------------


def gzip_bomb(h) -> None:
    """A 300 KB answer that inflates to 300 MB (compressed once, on first use)."""
    h.send_response(200)
    h.send_header("Content-Type", "application/rss+xml")
    h.send_header("Content-Encoding", "gzip")
    h.send_header("Content-Length", str(len(_bomb())))
    h.end_headers()
    h.wfile.write(_bomb())


_BOMB: list[bytes] = []


def _bomb() -> bytes:
    if not _BOMB:
        _BOMB.append(gzip.compress(b"\0" * 300_000_000, compresslevel=9))
    return _BOMB[0]


def endless_feed(h) -> None:
    """A 30 MB feed sent without Content-Length, 64 KB at a time."""
    h.close_connection = True
    h.send_response(200)
    h.send_header("Content-Type", "application/rss+xml")
    h.end_headers()
    try:
        h.wfile.write(b'<?xml version="1.0"?><rss version="2.0"><channel><title>Gros</title>')
        item = b"<item><title>x</title><link>https://gros.example/x</link></item>" * 1000
        for _ in range(30_000_000 // len(item)):
            h.wfile.write(item)
    except OSError:  # the crawler hung up, as it should
        pass


def rate_limited(h) -> None:
    """429 and "come back in an hour"."""
    h.send_response(429)
    h.send_header("Retry-After", "3600")
    h.send_header("Content-Length", "0")
    h.end_headers()


BUSY_TIMES: list[float] = []


def busy_then_ok(h) -> None:
    """503 with Retry-After: 1 the first time, the feed afterwards."""
    if h.path == "/robots.txt":
        h.send_response(404)
        h.send_header("Content-Length", "0")
        h.end_headers()
        return
    BUSY_TIMES.append(time.monotonic())
    if len(BUSY_TIMES) == 1:
        h.send_response(503)
        h.send_header("Retry-After", "1")
        h.send_header("Content-Length", "0")
        h.end_headers()
        return
    h.send_response(200)
    h.send_header("Content-Type", "application/rss+xml; charset=utf-8")
    h.send_header("Content-Length", str(len(SMALL_FEED)))
    h.end_headers()
    h.wfile.write(SMALL_FEED)


def server_error(h) -> None:
    h.send_response(502)
    h.send_header("Content-Length", "0")
    h.end_headers()


def no_robots_txt(handler):
    """The trap on every path but /robots.txt, which is missing (404: no rules), so
    that the trap is met by the feed itself (a site whose robots.txt cannot be
    read is not crawled at all: tests/test_crawl_robots.py)."""

    def route(h) -> None:
        if h.path == "/robots.txt":
            h.send_response(404)
            h.send_header("Content-Length", "0")
            h.end_headers()
            return
        handler(h)

    return route


ROUTES = {"bombe": no_robots_txt(gzip_bomb), "geant": no_robots_txt(endless_feed), "lent": slow_never_finishes,
          "boucle": redirect_loop, "limite": no_robots_txt(rate_limited), "occupe": busy_then_ok,
          "panne": no_robots_txt(server_error)}


# --- an HTTPS server whose certificate nobody signed ----------------------------------


def self_signed(folder: Path) -> tuple[Path, Path]:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.now(timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - timedelta(days=1))
            .not_valid_after(now + timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False)
            .sign(key, hashes.SHA256()))
    cert_path, key_path = folder / "cert.pem", folder / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_path, key_path


class _FeedHandler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802 - the http.server naming
        self.send_response(200)
        self.send_header("Content-Type", "application/rss+xml")
        self.send_header("Content-Length", str(len(SMALL_FEED)))
        self.end_headers()
        self.wfile.write(SMALL_FEED)

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def tls_server(tmp_path_factory):
    cert, key = self_signed(tmp_path_factory.mktemp("tls"))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _FeedHandler)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"https://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


# --- the crawl --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def outcome(tmp_path_factory, tls_server):
    root = tmp_path_factory.mktemp("sites")
    shutil.copytree(SITES_DIR / "institution", root / "honnete")
    (root / "pieges").mkdir()
    for name in ("feed-billion-laughs.xml", "feed-xxe.xml", "feed-truncated-entry.xml",
                 "feed-script-injection.xml", "feed-impossible-dates.xml", "page-latin1.html"):
        # Their links lead back to the fixture site (where the article pages are
        # missing, so the feed's own text is kept), not to hostile.example.
        data = (HOSTILE / name).read_bytes().replace(b"https://hostile.example", b"{{BASE}}/" + name.encode())
        (root / "pieges" / name).write_bytes(data)
    store_url = f"sqlite:///{tmp_path_factory.mktemp('store')}/s.sqlite"
    engine = open_engine(store_url)
    migrate.upgrade(engine)
    _bomb()  # compressed before the crawl starts, not while it waits
    with FixtureWeb(sites_dir=root, extra_routes=ROUTES) as web:
        channels = {
            "honest": ("feed", web.base_url("honnete") + "/actualites.atom"),
            "bomb": ("feed", web.base_url("bombe") + "/feed.xml"),
            "endless": ("feed", web.base_url("geant") + "/feed.xml"),
            "slow": ("feed", web.base_url("lent") + "/feed.xml"),
            "loop": ("listing", web.base_url("boucle") + "/boucle/a"),
            "limited": ("feed", web.base_url("limite") + "/feed.xml"),
            "busy": ("feed", web.base_url("occupe") + "/feed.xml"),
            "broken": ("feed", web.base_url("panne") + "/feed.xml"),
            "tls": ("feed", tls_server + "/feed.xml"),
            **{name: ("feed", web.base_url("pieges") + f"/feed-{name}.xml")
               for name in ("billion-laughs", "xxe", "truncated-entry", "script-injection", "impossible-dates")},
            "latin1": ("page", web.base_url("pieges") + "/page-latin1.html"),
        }
        for name, (kind, url) in channels.items():
            sources.upsert_actor(engine, slug=name, name=name, language="fr", channels=[{"kind": kind, "url": url}])
        started = time.monotonic()
        report = crawl(store_url, sources.channel_specs(engine),
                       fast_config(timeout=2.0, max_bytes=MAX_BYTES, retry_after_max=5.0))
        elapsed = time.monotonic() - started
        sources.record_channel_results(engine, report.channels)
        by_name = {name: next(c for c in report.channels if c.url == url) for name, (_kind, url) in channels.items()}
        stored = {}
        for view in item_store.search(engine, limit=1000, with_text=True):
            stored.setdefault(view.source, []).append(item_store.get_item(engine, view.id))
        yield {"report": report, "channels": by_name, "items": stored, "elapsed": elapsed, "engine": engine,
               "web": web}
    engine.dispose()


def test_the_honest_site_is_crawled_in_full_whatever_the_others_do(outcome):
    honest = outcome["channels"]["honest"]
    assert honest.status == "ok" and honest.error is None and honest.new >= 6
    assert len(outcome["items"]["honest"]) == honest.new
    assert outcome["elapsed"] < 60  # the slow server did not hold the crawl


def test_a_gzip_bomb_is_cut_off_at_the_size_cap(outcome):
    bomb = outcome["channels"]["bomb"]
    assert bomb.status == "error"
    assert bomb.error.endswith("too large once decompressed, download cancelled")
    assert "bomb" not in outcome["items"]


def test_a_30_mb_feed_is_cut_off_at_the_size_cap(outcome):
    endless = outcome["channels"]["endless"]
    assert endless.status == "error" and "too large" in endless.error and "endless" not in outcome["items"]


def test_a_server_that_never_finishes_costs_a_timeout_not_the_crawl(outcome):
    slow = outcome["channels"]["slow"]
    assert slow.status == "error" and "timeout" in slow.error and "within 2 s" in slow.error


def test_a_redirect_loop_stops_at_the_redirect_cap(outcome):
    loop = outcome["channels"]["loop"]
    assert loop.status == "error" and loop.error.startswith("too many redirects from")
    assert len(outcome["web"].requests("boucle")) < 30


def test_429_with_a_long_retry_after_fails_now_and_the_channel_waits_as_asked(outcome):
    limited = outcome["channels"]["limited"]
    assert limited.status == "error" and "HTTP 429" in limited.error
    assert "asked to retry after 3600 s" in limited.error
    assert outcome["web"].requests("limite").count("/feed.xml") == 1  # not hammered with retries
    view = next(s for s in sources.list_sources(outcome["engine"]) if s.slug == "limited").channels[0]
    assert view.backoff_until - view.last_attempt >= timedelta(seconds=3590)
    due = {c.url for c in sources.channel_specs(outcome["engine"], due_only=True)}
    assert limited.url not in due and outcome["channels"]["honest"].url in due


def test_503_with_a_short_retry_after_is_retried_after_the_wait(outcome):
    busy = outcome["channels"]["busy"]
    assert busy.status == "ok" and busy.new == 1
    assert len(BUSY_TIMES) == 2 and BUSY_TIMES[1] - BUSY_TIMES[0] >= 0.9  # it waited as asked


def test_5xx_is_retried_a_little_then_reported(outcome):
    broken = outcome["channels"]["broken"]
    assert broken.status == "error" and broken.error.startswith("HTTP 502 from") and "(after 2 retries)" in broken.error


def test_an_untrusted_certificate_is_refused(outcome, tls_server):
    tls = outcome["channels"]["tls"]
    assert tls.status == "error" and "certificate" in tls.error.lower() and "tls" not in outcome["items"]
    with pytest.raises(FetchError, match="CERTIFICATE_VERIFY_FAILED"):
        fetch_one(tls_server + "/feed.xml", "veille-tests", allow_private=True, timeout=5)


def test_entity_expansion_and_external_entities_expand_nothing(outcome):
    for name in ("billion-laughs", "xxe"):
        for item in outcome["items"].get(name, []):
            assert len(item.title) < 100 and len(item.text) < 10_000 and "root:" not in item.text + item.title


def test_a_truncated_feed_keeps_its_sound_entries_and_says_so(outcome):
    truncated = outcome["channels"]["truncated-entry"]
    assert truncated.status == "partial" and "malformed feed" in truncated.error
    titles = sorted(i.title for i in outcome["items"]["truncated-entry"])
    assert titles == ["Premier communiqué", "Troisième communiqué"]  # nothing half-way


def test_scripts_and_javascript_links_never_reach_the_archive(outcome):
    [item] = outcome["items"]["script-injection"]
    html = (item.text + item.title).lower()
    assert "<script" not in html and "alert(" not in html and item.title == "Titre <b> et &"


def test_impossible_dates_are_dropped_not_stored(outcome):
    dates = {i.title: i.published for i in outcome["items"]["impossible-dates"]}
    assert dates["Futur"] is None and dates["Epoch"] is None and dates["Normal"] is not None


def test_a_page_served_with_the_wrong_encoding_reads_right(outcome):
    # The server says UTF-8; the bytes are ISO-8859-1, as the page's own <meta> says.
    [item] = outcome["items"]["latin1"]
    assert item.title == "Séance publique du conseil" and "élus délibèrent" in item.text and "\ufffd" not in item.text
