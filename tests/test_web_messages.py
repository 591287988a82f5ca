"""The crawlers' and the run recorder's English error lines, as the staff read them: in French (web/messages.py)."""

from __future__ import annotations

import errno
import gzip
import sqlite3
from datetime import datetime, timedelta, timezone
from types import SimpleNamespace

import pytest
from OpenSSL import SSL
from scrapy.exceptions import (
    CannotResolveHostError,
    DownloadCancelledError,
    DownloadConnectionRefusedError,
    DownloadTimeoutError,
    IgnoreRequest,
    ResponseDataLossError,
)
from scrapy.http import Request, Response
from scrapy.selector import Selector
from scrapy.settings import Settings
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.internet import error as tx

from classifier.retrain import Policy, _nothing_to_do, _verdict
from crawlers import jobs, resolver
from crawlers.assemble import plausible_date
from crawlers.extract import extract_page
from crawlers.failures import describe_failure
from crawlers.feeds import FeedError, parse_feed
from crawlers.fetch_one import FetchError, fetch_page, gunzip
from crawlers.listing import ListingError, auto_links, parse_listing
from crawlers.middlewares import RefusedURL
from crawlers.retry import PoliteRetryMiddleware
from crawlers.robots import _unreachable
from crawlers.run import build_report
from crawlers.safety import UnsafeURL, address_problem, check_host, check_saved_url, host_of, resolve
from crawlers.sitemaps import Sitemap, SitemapError, parse_sitemap, select_pages
from store import items, runs, sources
from store.records import ChannelResult, ChannelSpec, NewItem
from tests.e2e.site import Visitor
from tests.servers import free_port
from tests.test_web_staff import READER, site, text_of  # noqa: F401 - site is the pages' fixture
from veille.demo.server import FixtureWeb, error_500
from veille.ops import faults
from web import messages
from web.context import run_counts
from web.messages import error_fr, run_error

URL = "https://a.example/feed"
RETRAIN = {"mean": {"challenger": 0.815, "incumbent": 0.8}, "measured": ["relevance", "purpose"],
           "method": "5-fold over 40", "tolerance": 0.01}  # what classifier.retrain._compare gives _verdict
SITE = "https://a.example"
CHANNEL = ChannelSpec(id=1, actor_id=1, actor_name="A", kind="page", url=URL)


def failed(exc, timeout: float | None = 30.0, **meta) -> str:
    """describe_failure's line for `exc` raised by a request of URL."""
    return describe_failure(SimpleNamespace(value=exc), Request(URL, meta=meta), timeout)


def raised(function, *args, kinds=(FeedError, SitemapError, ListingError, FetchError, UnsafeURL)) -> str:
    with pytest.raises(kinds) as caught:
        function(*args)
    return str(caught.value)


def http_error(status: int, retries: int = 0, **headers) -> HttpError:
    request = Request(URL, meta={"retry_times": retries})
    return HttpError(Response(URL, status=status, headers=headers, request=request))


def _crawl_lines() -> list[tuple[str, list[str]]]:
    """(the English line, what its French must read) from the crawl stage's own functions."""
    stalled = PoliteRetryMiddleware(Settings({"DOWNLOAD_TIMEOUT": 30}))
    stalled.stalled.add(SITE)
    stalled.timeouts[SITE] = 3
    loopback = raised(check_host, "127.0.0.1")
    resolver.REFUSED["refused.example"] = resolver.refusal("refused.example", address_problem("::1"))
    try:
        refused_by_resolver = describe_failure(SimpleNamespace(value=tx.DNSLookupError("no results")),
                                               Request("https://refused.example/feed"), 30)
    finally:
        del resolver.REFUSED["refused.example"]
    page = Selector(text="<html><body><article><p>sans lien</p></article></body></html>")
    http_503 = failed(http_error(503, 2, **{"Retry-After": "120"}))
    return [
        # crawlers/failures.py
        (http_503, ["HTTP 503 de https://a.example/feed", "(après 2 nouvelles tentatives)",
                    "(le site demande d'attendre 120 s)"]),
        (failed(http_error(404, 2)), ["HTTP 404 de https://a.example/feed (après 2 nouvelles tentatives)"]),
        (failed(http_error(410)), ["HTTP 410 de https://a.example/feed"]),
        (failed(RefusedURL(loopback)), ["adresse refusée https://a.example/feed : 127.0.0.1 pointe vers une "
                                        "adresse de bouclage 127.0.0.1 ; les réseaux privés ne sont pas collectés"]),
        (failed(IgnoreRequest("Forbidden by robots.txt")), ["interdit par robots.txt : https://a.example/feed"]),
        (failed(IgnoreRequest("max redirections reached")), ["trop de redirections depuis https://a.example/feed"]),
        (failed(IgnoreRequest("body exceeded DOWNLOAD_MAXSIZE during decompression")),
         ["réponse de https://a.example/feed trop grande une fois décompressée, téléchargement annulé"]),
        (failed(IgnoreRequest()), ["non téléchargé https://a.example/feed : requête ignorée"]),
        (failed(_stalled(stalled)),
         ["non téléchargé https://a.example/feed : sauté : https://a.example a laissé 3 requêtes dépasser le "
          "délai (30 s) plus tôt dans cette collecte"]),
        (failed(tx.DNSLookupError("a.example")), ["hôte introuvable pour https://a.example/feed"]),
        (failed(CannotResolveHostError("a.example")), ["hôte introuvable pour https://a.example/feed"]),
        (refused_by_resolver, ["adresse refusée https://refused.example/feed : refused.example pointe vers une "
                               "adresse de bouclage ::1"]),
        (failed(_dns_refusal()),
         ["adresse refusée https://a.example/feed : a.example pointe vers une adresse privée 10.0.0.1 ; "
          "les réseaux privés ne sont pas collectés."]),
        (failed(DownloadTimeoutError("took longer than 30.0 seconds")),
         ["pas de réponse complète de https://a.example/feed en 30 s (délai dépassé)"]),
        (failed(tx.TimeoutError(), timeout=None),
         ["pas de réponse complète de https://a.example/feed (délai dépassé)"]),
        (failed(DownloadConnectionRefusedError()), ["connexion refusée par a.example"]),
        (failed(tx.ConnectionRefusedError()), ["connexion refusée par a.example"]),
        (failed(DownloadCancelledError()), ["réponse de https://a.example/feed trop grande, téléchargement annulé"]),
        (failed(ResponseDataLossError()), ["connexion perdue avant la fin de la réponse de https://a.example/feed"]),
        (failed(SSL.Error([("SSL routines", "", "certificate verify failed")])),
         ["certificat TLS de a.example non reconnu, ou échec de TLS : ", "certificate verify failed"]),
        (failed(ValueError("boom")), ["impossible de télécharger https://a.example/feed : ValueError: boom"]),
        # crawlers/robots.py: the reason is one of describe_failure's lines, or an exception
        (_unreachable(SITE, http_503), ["robots.txt inaccessible, rien n'est téléchargé de https://a.example dans "
                                        "cette collecte : HTTP 503 de https://a.example/feed (après 2 nouvelles"]),
        (_unreachable(SITE, failed(tx.ConnectionRefusedError())), ["cette collecte : connexion refusée par a.example"]),
        (_unreachable(SITE, "CancelledError: "), ["cette collecte : CancelledError: "]),
        # crawlers/safety.py and crawlers/resolver.py
        (raised(host_of, "https://a.example:port/"), ["adresse invalide : Port could not be cast"]),
        (raised(host_of, "ftp://a.example/f"), ["seules les adresses http et https sont collectées, pas ftp : "
                                                "ftp://a.example/f"]),
        (raised(host_of, "a.example/f"), ["pas une adresse sans schéma : a.example/f"]),
        (raised(host_of, "http:///f"), ["adresse sans hôte : http:///f"]),
        (raised(resolve, "a..b"), ["impossible de résoudre l'hôte a..b : encoding with 'idna' codec failed"]),
        (check_saved_url("http://a..b/", False), ["impossible de résoudre l'hôte a..b : "]),
        (raised(check_saved_url, "http://printer.local/", False),
         ["printer.local est un nom local ; les réseaux privés ne sont pas collectés"]),
        *[(resolver.refusal("h.example", address_problem(ip)), [f"h.example pointe vers une {french} {ip} ; "])
          for ip, french in [("127.0.0.1", "adresse de bouclage"), ("169.254.169.254", "adresse lien-local"),
                             ("224.0.0.1", "adresse multicast"), ("0.0.0.0", "adresse non spécifiée"),
                             ("240.0.0.1", "adresse réservée"), ("10.0.0.1", "adresse privée"),
                             ("100.64.0.1", "adresse de NAT d'opérateur (CGNAT)")]],
        # No address of Python 3.11 reaches it (ipaddress' is_global changed in 3.12): as the source writes it.
        (resolver.refusal("h.example", "non-public address 192.0.0.9"), ["une adresse non publique 192.0.0.9"]),
        # crawlers/feeds.py and crawlers/jsonfeed.py
        (raised(parse_feed, b"<rss><channel><item><title>x</title>", URL),
         ["flux RSS/Atom illisible (<unknown>:2:36: no element found)"]),
        (raised(parse_feed, b"<html><body>x</body></html>", URL, "text/html"), ["pas un flux RSS/Atom"]),
        (raised(parse_feed, b"{bad", URL, "application/feed+json"),
         ["flux JSON Feed illisible (JSON invalide : Expecting property name"]),
        (raised(parse_feed, b'{"a": 1}', URL, "application/feed+json"),
         ["flux JSON Feed illisible (pas de version jsonfeed.org)"]),
        (raised(parse_feed, b'{"version": "https://jsonfeed.org/version/1.1"}', URL, "application/feed+json"),
         ["flux JSON Feed illisible (pas de liste d'articles (items))"]),
        (parse_feed(b'<?xml version="1.0"?><rss version="2.0"><channel><item><link>https://a.example/1</link>'
                    b"<title>a & b</title></item></channel></rss>", URL).warnings[0],
         ["flux mal formé, réparé : <unknown>:1:114: not well-formed (invalid token)"]),
        # (as tests/test_crawl_feeds.py reads them from the real malformed AFP feed, and from a cut CDATA)
        ("malformed feed: <unknown>:125:430: not well-formed (invalid token); 28 entries read, "
         "1 broken entries left out",
         ["flux mal formé : <unknown>:125:430: not well-formed (invalid token) ; 28 entrées lues, "
          "1 entrées cassées laissées de côté"]),
        ("malformed feed: 2 entries with a cut CDATA section left out",
         ["flux mal formé : 2 entrées à la section CDATA tronquée laissées de côté"]),
        # crawlers/sitemaps.py (the gzip of crawlers/fetch_one.py)
        (raised(parse_sitemap, b"<urlset><url>", SITE + "/s.xml"),
         ["plan du site illisible : https://a.example/s.xml (Premature end of data"]),
        (raised(parse_sitemap, b"<html/>", SITE + "/s.xml"), ["pas un plan du site : https://a.example/s.xml "
                                                              "(élément racine <html>)"]),
        (raised(parse_sitemap, b"hello", SITE + "/s.xml"), ["pas un plan du site : https://a.example/s.xml"]),
        (raised(parse_sitemap, b"\x1f\x8bxx", SITE + "/s.xml"),
         ["données gzip cassées dans le plan du site https://a.example/s.xml : Error -3 while decompressing"]),
        (raised(parse_sitemap, gzip.compress(b"a" * 100), SITE + "/s.xml", 10),
         ["le plan du site https://a.example/s.xml : plus de 10 octets une fois décompressé"]),
        (raised(gunzip, gzip.compress(b"a" * 100), 10, "page.html.gz"), ["page.html.gz : plus de 10 octets"]),
        (raised(select_pages, Sitemap([], []), SITE, "("),
         ["motif invalide dans les sélecteurs du canal : missing ), unterminated subpattern"]),
        # crawlers/listing.py
        (raised(parse_listing, page, SITE + "/news/", {"item": "div[[["}),
         ["sélecteur CSS invalide dans les sélecteurs du canal : Expected ident"]),
        (raised(parse_listing, page, SITE + "/news/", {"item": ".nope"}),
         ["le sélecteur d'articles '.nope' ne trouve rien sur https://a.example/news/ ; la mise en page a "
          "peut-être changé"]),
        (raised(parse_listing, page, SITE + "/news/", {}),
         ["le sélecteur de liens 'a::attr(href)' ne trouve aucun lien dans les articles de https://a.example/news/"]),
        (raised(auto_links, Selector(text="<p>rien</p>"), SITE + "/news/"),
         ["aucun lien d'article trouvé sur https://a.example/news/ ; donnez des sélecteurs CSS au canal"]),
        # crawlers/spider.py (its lines are built inside the callbacks: as the source writes them)
        ("channel kind 'forum' is not crawled", ["type de canal 'forum' non collecté"]),
        (f"article page not fetched ({failed(http_error(410))}); feed text only",
         ["page de l'article non téléchargée (HTTP 410 de https://a.example/feed) ; texte du flux seulement"]),
        ("article is application/pdf, not HTML; feed text only",
         ["article de type application/pdf, pas en HTML ; texte du flux seulement"]),
        ("article is unknown type, not HTML; feed text only", ["article de type inconnu, pas en HTML"]),
        (f"cannot read {URL}: KeyError: 'title'", ["impossible de lire https://a.example/feed : KeyError: 'title'"]),
        (f"the watched page {URL} is not HTML", ["la page suivie https://a.example/feed n'est pas en HTML"]),
        # crawlers/jobs.py, crawlers/extract.py, crawlers/assemble.py
        (raised(jobs.watched_page, CHANNEL, URL, b"<html><head><title>T</title></head><body></body></html>",
                kinds=ValueError), ["aucun texte principal trouvé dans la page suivie https://a.example/feed"]),
        (extract_page(b"", URL).warnings[0], ["pas une page HTML"]),
        (extract_page(b"<html><head><title>T</title></head><body></body></html>", URL).warnings[0],
         ["aucun texte principal trouvé dans la page"]),
        (extract_page(b"<html><body><p>x</p></body></html>", URL).warnings[0], ["aucun titre trouvé dans la page"]),
        ("extraction failed: RecursionError: maximum recursion depth exceeded",
         ["échec de l'extraction : RecursionError: maximum recursion depth exceeded"]),
        (plausible_date(datetime.now(timezone.utc) + timedelta(days=400))[1][0],
         ["date de publication dans le futur (", ") ignorée"]),
        (plausible_date(datetime(1950, 1, 1, tzinfo=timezone.utc))[1][0],
         ["date de publication invraisemblable (1950-01-01) ignorée"]),
        # crawlers/run.py, crawl_process.py, pipelines.py: a channel the crawl could not finish
        (build_report([CHANNEL], {}, None, 0.0).channels[0].error,
         ["le processus de collecte s'est terminé sans rendre compte de ce canal"]),
        ("the crawl stopped before this channel was finished", ["la collecte s'est arrêtée avant la fin de ce canal"]),
        ("the crawl reached its time limit before this channel was finished",
         ["la collecte a atteint sa limite de temps avant la fin de ce canal"]),
        ("the crawl took longer than its 3600 s limit and was stopped",
         ["la collecte a dépassé sa limite de 3600 s et a été arrêtée"]),
        ("the crawl process died (exit code -9)", ["s'est arrêté brutalement (code de sortie -9)"]),
        ("the crawl failed: MemoryError: ", ["la collecte a échoué : MemoryError: "]),
        ("could not store 3 items: (sqlite3.IntegrityError) UNIQUE constraint failed",
         ["impossible d'enregistrer 3 articles : (sqlite3.IntegrityError) UNIQUE constraint failed"]),
    ]


def _stalled(middleware) -> IgnoreRequest:
    try:
        middleware.process_request(Request(URL + "/1"))
    except IgnoreRequest as exc:
        return exc
    raise AssertionError("the site should be skipped")


def _dns_refusal() -> tx.DNSLookupError:
    try:
        resolver.PublicOnlyResolver._refuse_private("10.0.0.1", "a.example")
    except tx.DNSLookupError as exc:
        return exc
    raise AssertionError("a private address should be refused")


def _run_lines() -> list[tuple[str, list[str]]]:
    """What the run recorder puts in a run's errors besides the channels' lines, and a retrain's message."""
    return [
        ("interrupted", ["interrompue"]),  # veille/ops/records.py
        ("interrupted: the process running it stopped before the end",  # veille/ops/leases.py
         ["interrompue : le processus qui l'exécutait s'est arrêté avant la fin"]),
        ("interrupted: the scheduler stopped without a clean shutdown",  # scheduler.py
         ["interrompue : le planificateur s'est arrêté sans arrêt propre"]),
        (faults.explain(OSError(errno.ENOSPC, "No space left on device")),
         ["le disque de la base de données est plein (", "no space left on device",
          "libérez de la place et relancez"]),
        (faults.explain(sqlite3.OperationalError("database is locked")),
         ["la base de données est restée occupée (database is locked) ; rien n'est perdu : relancez"]),
        # newsletter/send.py, in a send run's errors
        ("issue 4 is being sent by another process; try again when it ends",
         ["la lettre 4 est en cours d'envoi par un autre processus"]),
        ("lost the lease on issue 4: another process took over", ["verrou perdu sur la lettre 4"]),
        ("no issue with id 4", ["aucune lettre n° 4"]),
        ("SMTPServerDisconnected: Connection unexpectedly closed; issue 4 stays unsent: run the send again to resume",
         ["SMTPServerDisconnected: Connection unexpectedly closed ; la lettre 4 reste non envoyée"]),
        # classifier/retrain.py, the message in a retrain run's counts
        (_nothing_to_do([], [], "clf-a", Policy())[1], ["aucune correction pour l'instant : clf-a reste en service"]),
        (_nothing_to_do([1, 2], [], "clf-a", Policy())[1],
         ["les 2 corrections ont déjà été apprises par clf-a : rien de nouveau à apprendre"]),
        (_nothing_to_do([1, 2], [2], "clf-a", Policy())[1],
         [f"1 nouvelles corrections depuis clf-a : il en faut {Policy().min_new_gold} pour distinguer"]),
        (_verdict(True, "clf-b", "clf-a", RETRAIN),
         ["clf-b promu : macro-F1 moyen 0.815 contre 0.800 pour clf-a (relevance, purpose ; 5-fold over 40)"]),
        (_verdict(False, "clf-b", "clf-a", {**RETRAIN, "mean": {"challenger": 0.7, "incumbent": 0.8}}),
         ["clf-b non promu, moins bon de plus de 0.01 : macro-F1 moyen 0.700 contre 0.800 pour clf-a",
          "; clf-a reste en service"]),
    ]


@pytest.fixture(scope="module")
def lines(tmp_path_factory):
    """Every form of line, with fetch_one's from a real fixture server."""
    closed = f"http://127.0.0.1:{free_port()}/"  # nothing listens there
    with FixtureWeb(sites_dir=tmp_path_factory.mktemp("sites"),
                    extra_routes={"panne": error_500}) as web:
        down = web.base_url("panne") + "/"
        fetched = [
            (raised(fetch_page, down, "veille-test", True), [f"HTTP 500 de {down}"]),
            (raised(fetch_page, closed, "veille-test", True), [f"impossible de télécharger {closed} : "]),
        ]
    fetched += [  # a deadline and a size cap met: as crawlers/fetch_one.py writes them
        (f"no complete answer from {URL} within 0.5 s (timeout)", ["de https://a.example/feed en 0.5 s (délai"]),
        (f"response from {URL} larger than 10000000 bytes", ["réponse de https://a.example/feed de plus de 10000000"]),
    ]
    return _crawl_lines() + fetched + _run_lines()


def test_each_recorded_line_reads_in_french_with_its_details_kept(lines):
    wrong = []
    for english, expected in lines:
        french = error_fr(english)
        if french == english or not all(part in french for part in expected):
            wrong.append(f"{english!r}\n  -> {french!r}\n  expected {expected!r}")
    assert not wrong, "\n".join(wrong)


def test_every_pattern_of_the_table_translates_a_real_line(lines, monkeypatch):
    """A pattern that no form of line reaches first (dead, or shadowed by an earlier one) fails here."""
    used: set[int] = set()

    class Counted:
        def __init__(self, index, pattern):
            self.index, self.pattern = index, pattern

        def fullmatch(self, line):
            found = self.pattern.fullmatch(line)
            if found:
                used.add(self.index)
            return found

    monkeypatch.setattr(messages, "TABLE", [(Counted(i, p), t) for i, (p, t) in enumerate(messages.TABLE)])
    for english, _ in lines:
        error_fr(english)
    unused = [messages.TABLE[i][0].pattern.pattern for i in range(len(messages.TABLE)) if i not in used]
    assert not unused, unused


def test_an_unknown_line_comes_back_unchanged_and_library_words_are_kept():
    for line in ("HTTP 503 de https://x.example/feed", "the crawler learnt a new way to fail", "", "interrupted!"):
        assert error_fr(line) == line
    assert error_fr(None) == ""
    # a wrapped reason that is not ours stays as it was, around French words
    assert error_fr(f"robots.txt unreachable, nothing fetched from {SITE} in this crawl: OSError: [Errno 24] x") == (
        f"robots.txt inaccessible, rien n'est téléchargé de {SITE} dans cette collecte : OSError: [Errno 24] x")
    assert error_fr(f"refused {URL}: some new reason") == f"adresse refusée {URL} : some new reason"


def test_a_run_error_is_a_line_or_a_dict_naming_what_failed():
    assert run_error("interrupted") == ("", "interrupted")
    assert run_error({"channel": 3, "url": URL, "error": "HTTP 404 from " + URL}) == (
        f"canal 3 · {URL}", "HTTP 404 from " + URL)
    assert run_error({"issue": 4, "error": "no issue with id 4"}) == ("lettre 4", "no issue with id 4")
    assert run_error({"channel": 3, "error": None}) == ("canal 3", "")


def test_staff_pages_show_a_channel_error_and_run_errors_in_french(site):  # noqa: F811 - the imported fixture
    base, _, app = site
    [actor] = [s for s in sources.list_sources(app.engine) if s.name == "Parlons Ensemble"]
    channel = actor.channels[0]
    english = _unreachable(SITE, failed(tx.ConnectionRefusedError()))
    sources.record_channel_results(app.engine, [ChannelResult(channel.id, channel.url, "error", error=english)])
    run_id = runs.start_run(app.engine, "crawl")
    crawl_error = failed(http_error(404, 2))
    runs.finish_run(app.engine, run_id, "partial", {"new": 3},
                    [{"channel": channel.id, "url": channel.url, "error": crawl_error},
                     "interrupted: the process running it stopped before the end"])
    reader = Visitor(base)
    reader.login(READER)
    french = ("robots.txt inaccessible, rien n'est téléchargé de https://a.example dans cette collecte : "
              "connexion refusée par a.example")

    source_page = text_of(reader.get(f"/equipe/sources/{actor.id}"))
    assert french in source_page and f'title="{english}"' in source_page  # the original, in a tooltip

    table = text_of(reader.get("/equipe/sources"))
    assert f"1 échec(s) : {french}" in table and f'title="{english}"' in table
    assert '<span class="health error">erreur</span>' in table  # one failure: not yet flagged
    for _ in range(2):
        sources.record_channel_results(app.engine, [ChannelResult(channel.id, channel.url, "error", error=english)])
    table = text_of(reader.get("/equipe/sources"))
    assert f"3 échec(s) : {french}" in table and '<span class="health failing">en échec</span>' in table

    runs_page = text_of(reader.get("/equipe/executions"))
    assert (f"canal {channel.id} · {channel.url} : <code title=\"{crawl_error}\">"
            "HTTP 404 de https://a.example/feed (après 2 nouvelles tentatives)</code>") in runs_page
    assert "interrompue : le processus qui l'exécutait s'est arrêté avant la fin" in runs_page
    assert "{'channel'" not in runs_page  # no Python dict shown raw any more


def test_the_staff_item_page_says_what_the_crawl_noticed_in_french(site):  # noqa: F811 - the imported fixture
    """An item kept with the feed's text only, or whose date was ignored: the reviewer is told why."""
    base, _, app = site
    [actor] = [s for s in sources.list_sources(app.engine) if s.name == "Parlons Ensemble"]
    not_fetched = f"article page not fetched ({failed(http_error(403, 0))}); feed text only"
    future = plausible_date(datetime.now(timezone.utc) + timedelta(days=400))[1][0]
    items.ingest(app.engine, [NewItem(
        channel_id=None, actor_id=actor.id, url="https://a.example/agenda", canonical_url="https://a.example/agenda",
        title="Une consultation annoncée", summary="Le résumé du flux.", content_hash="warned",
        warnings=(not_fetched, future))])
    [item] = [v for v in items.search(app.engine, limit=1000) if v.title == "Une consultation annoncée"]
    assert item.warnings == (not_fetched, future)
    reader = Visitor(base)
    reader.login(READER)
    page = text_of(reader.get(f"/equipe/articles/{item.id}"))
    assert f"page de l'article non téléchargée (HTTP 403 de {URL}) ; texte du flux seulement" in page
    assert "date de publication dans le futur (" in page and f'title="{future}"' in page
    [quiet] = [v for v in items.search(app.engine, limit=1000) if not v.warnings][:1]
    assert "À la collecte" not in text_of(reader.get(f"/equipe/articles/{quiet.id}"))


def test_run_counts_read_in_french_with_a_send_per_issue_in_brackets():
    crawl = build_report([CHANNEL], {}, None, 2.5).to_json()
    crawl.pop("channels")  # as veille/pipeline.py records it
    assert run_counts(crawl) == ("téléchargés 0 · nouveaux 0 · doublons 0 · erreurs 1 · durée (s) 2,5 · "
                                 "requêtes 0 · octets 0")
    send = {"4": {"status": "sent", "sent": 1200, "failed": 0}, "sent": 1200, "failed": 0, "pending": 0}
    assert run_counts(send) == ("lettre 4 (état envoyée · envoyés 1\u202f200 · en échec 0) · envoyés 1\u202f200 · "
                                "en échec 0 · en attente 0")
    assert run_counts({"promoted": False, "notes": [], "a_new_count": None}) == "promu non · notes — · a_new_count —"
    retrain = {"status": "cold-start", "message": _nothing_to_do([], [], "clf-a", Policy())[1]}
    assert run_counts(retrain) == ("état démarrage à froid · message aucune correction pour l'instant : "
                                   "clf-a reste en service")
