"""Crawl throughput on a synthetic fixture web of 10, 100, 1,000 sites on loopback.

Each site has a robots.txt, a feed of ten entries (seven summaries whose
article pages must be fetched, three with their full text) and the article
pages, ~35 KB each with navigation, sidebar, scripts and footer around the
text. Article texts are real: AFP dispatches from ../shared/data/afp-an-rss
(or generated words when it is absent). One site in ten offers a news
listing page instead of a feed; another one in ten declares no language,
in its feed or its pages (the crawl then guesses it from the text).

The sites are served by one asyncio HTTP/1.1 server in its own process, one
port per site on 127.0.0.1 (veille keeps one politeness slot per
host and port). It answers conditional requests (ETag) like a real server.

For each size: a first crawl into a fresh SQLite store (articles stored per
second, pages per second, peak memory of the crawl's processes: the Scrapy
process and its extraction workers, and their CPU time per article, which
other work on a shared machine does not change as it changes rates), then a second crawl of the unchanged
web (requests and bytes against the first). Crawls run in processes forked from a forkserver that the first crawl
starts (crawlers.run): that first crawl, "cold", also pays for starting it
and importing Scrapy and the extraction libraries; the rates of each run are
printed, so the cold one can be told from the others. The baseline, side by side at
the smaller sizes, is the same job done naively in one process: urllib,
feedparser, trafilatura, one store call per item.

    .venv/bin/python bench/bench_crawl.py [--sizes 10,100,1000] [--repeat 1] [--baseline-max 100]
"""

from __future__ import annotations

import argparse
import asyncio
import gzip
import hashlib
import json
import multiprocessing
import os
import random
import statistics
import sys
import tempfile
import threading
import time
import urllib.request
from email.utils import format_datetime
from datetime import datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from crawlers.run import CrawlConfig, crawl  # noqa: E402
from store import items as item_store  # noqa: E402
from store import migrate, sources  # noqa: E402
from store.db import open_engine  # noqa: E402

AFP = Path(__file__).resolve().parents[2] / "shared" / "data" / "afp-an-rss" / "afp_an_items.jsonl.gz"
ARTICLES_PER_SITE = 10
FULL_TEXT_ENTRIES = 3  # of the ten: the feed carries them whole
LISTING_EVERY = 10  # one site in ten has a listing page, not a feed
EPOCH = datetime(2026, 11, 1, 8, 0, tzinfo=timezone.utc)


# --- the synthetic web -------------------------------------------------------------------


def texts() -> list[tuple[str, str]]:
    """(title, body) pairs: AFP dispatches when available."""
    if AFP.exists():
        rows = [json.loads(line) for line in gzip.open(AFP)]
        return [(r["title"], r["description"]) for r in rows if len(r["description"]) > 800]
    rng = random.Random(1)
    words = "citoyen consultation budget participatif assemblée commune habitants vote projet plateforme".split()
    return [(f"Article {n}", " ".join(rng.choice(words) for _ in range(400)) + ".") for n in range(5000)]


NAV = "".join(f'<li><a href="/rubrique/{n}/">Rubrique numéro {n}</a></li>' for n in range(40))
SIDEBAR = "".join(f'<li><a href="/autre/{n}/">Un autre article de la semaine, numéro {n}</a></li>' for n in range(25))
FOOTER = "<p>Mentions légales · Politique de confidentialité · Plan du site · Accessibilité · Contact</p>" * 3
SCRIPT = "<script>window.dataLayer=window.dataLayer||[];" + "function t(){return 1};" * 200 + "</script>"


class Site:
    def __init__(self, number: int, corpus: list[tuple[str, str]]):
        self.number = number
        self.listing = number % LISTING_EVERY == LISTING_EVERY - 1
        self.lang = "" if number % LISTING_EVERY == LISTING_EVERY // 2 else "fr"  # one in ten says nothing
        self.articles = [corpus[(number * ARTICLES_PER_SITE + i) % len(corpus)] for i in range(ARTICLES_PER_SITE)]
        self.base = ""

    def date(self, i: int) -> datetime:
        return EPOCH + timedelta(hours=self.number % 48, days=i)

    def page(self, path: str) -> tuple[str, bytes] | None:
        if path == "/robots.txt":
            return "text/plain", b"User-agent: *\nAllow: /\n"
        if path == "/feed.xml" and not self.listing:
            return "application/rss+xml; charset=utf-8", self.feed()
        if path == "/actualites/" and self.listing:
            return "text/html; charset=utf-8", self.listing_page()
        if path.startswith("/article/") and path.rstrip("/").split("/")[-1].isdigit():
            i = int(path.rstrip("/").split("/")[-1])
            if i < ARTICLES_PER_SITE:
                return "text/html; charset=utf-8", self.article(i)
        return None

    def feed(self) -> bytes:
        entries = []
        for i, (title, body) in enumerate(self.articles):
            text = body if i < FULL_TEXT_ENTRIES else body[:200] + " […]"
            entries.append(f"<item><title>{_x(title)}</title><link>{self.base}/article/{i}/</link>"
                           f"<pubDate>{format_datetime(self.date(i))}</pubDate>"
                           f"<description>{_x(text)}</description></item>")
        return (f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Site {self.number}</title>'
                f"<link>{self.base}/</link>{f'<language>{self.lang}</language>' if self.lang else ''}"
                f"{''.join(entries)}</channel></rss>").encode()

    def listing_page(self) -> bytes:
        cards = "".join(f'<article class="card"><h2><a href="{self.base}/article/{i}/">{_x(t)}</a></h2></article>'
                        for i, (t, _b) in enumerate(self.articles))
        return f"<!DOCTYPE html><html lang=fr><body><nav><ul>{NAV}</ul></nav><main>{cards}</main></body></html>".encode()

    def article(self, i: int) -> bytes:
        title, body = self.articles[i]
        sentences = body.replace(". ", ".\n").split("\n")
        paragraphs = "".join(f"<p>{_x(' '.join(sentences[k:k + 3]))}</p>" for k in range(0, len(sentences), 3))
        lang = f' lang="{self.lang}"' if self.lang else ""
        return (f'<!DOCTYPE html><html{lang}><head><meta charset="utf-8"><title>{_x(title)} | Site {self.number}'
                f'</title><meta property="article:published_time" content="{self.date(i).isoformat()}">'
                f'<meta name="author" content="Rédaction {self.number}">{SCRIPT}</head><body><header><nav><ul>{NAV}'
                f'</ul></nav></header><main><article><h1>{_x(title)}</h1>{paragraphs}</article></main><aside><h2>'
                f"À lire aussi</h2><ul>{SIDEBAR}</ul></aside><footer>{FOOTER}</footer></body></html>").encode()


def _x(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def serve(sites_count: int, ready, stats, stop) -> None:
    """The server process: one asyncio loop, one listening port per site."""
    corpus = texts()
    sites = [Site(n, corpus) for n in range(sites_count)]

    async def handle(reader, writer, site: Site):
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                lines = head.decode("latin-1").split("\r\n")
                path = lines[0].split(" ")[1]
                headers = {k.lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:] if line)}
                found = site.page(path)
                if found is None:
                    status, content_type, body, extra = 404, "text/plain", b"not found", ""
                else:
                    content_type, body = found
                    etag = '"%s"' % hashlib.sha1(body).hexdigest()[:16]
                    status, extra = 200, f"ETag: {etag}\r\n"
                    if headers.get("if-none-match") == etag:
                        status, body = 304, b""
                reason = {200: "OK", 304: "Not Modified", 404: "Not Found"}[status]
                answer = (f"HTTP/1.1 {status} {reason}\r\nContent-Type: {content_type}\r\nContent-Length: {len(body)}"
                          f"\r\n{extra}\r\n").encode() + body
                writer.write(answer)
                with stats.get_lock():
                    stats[0] += 1
                    stats[1] += len(answer)
                await writer.drain()
                if headers.get("connection", "").lower() == "close":
                    break
        except (asyncio.IncompleteReadError, ConnectionError, IndexError):
            pass
        finally:
            writer.close()

    async def main():
        ports = []
        for site in sites:
            server = await asyncio.start_server(lambda r, w, s=site: handle(r, w, s), "127.0.0.1", 0, backlog=64)
            port = server.sockets[0].getsockname()[1]
            site.base = f"http://127.0.0.1:{port}"
            ports.append(port)
        ready.send(ports)
        while not stop.is_set():
            await asyncio.sleep(0.2)

    asyncio.run(main())


class SyntheticWeb:
    def __init__(self, sites: int):
        context = multiprocessing.get_context("spawn")
        receiver, sender = context.Pipe(duplex=False)
        self.stats = context.Array("q", 2)  # requests, bytes
        self.stop = context.Event()
        self.process = context.Process(target=serve, args=(sites, sender, self.stats, self.stop), daemon=True)
        self.process.start()
        self.ports = receiver.recv()
        self.bases = [f"http://127.0.0.1:{p}" for p in self.ports]

    def counters(self) -> tuple[int, int]:
        with self.stats.get_lock():
            return self.stats[0], self.stats[1]

    def close(self) -> None:
        self.stop.set()
        self.process.join(5)
        if self.process.is_alive():
            self.process.kill()


# --- measuring ---------------------------------------------------------------------------


class ProcessWatch:
    """Peak total RSS and PSS and CPU seconds of this process's descendants (the
    crawl and its workers), read from /proc. RSS counts the pages that forked
    processes share (the libraries, the language model) once in each; PSS
    splits them between their sharers, so its total is the memory the crawl
    takes from the machine. CPU time says what the crawl costs
    whatever else runs on the machine, which wall-clock rates do not.

    CPU is read before and after, children included: a process reaped by its
    parent (the workers by the crawl process, that by the forkserver) adds
    its time to its parent's, so the forkserver's total after the crawl holds
    all of it, however short-lived. (Sampled while the crawl runs, the time a
    worker spends after the last sample is lost: up to a third of a 10-site
    crawl's.)
    """

    def __init__(self, exclude: set[int]):
        self.exclude, self.peak, self.peak_pss = exclude, 0, 0
        self.before: dict[int, float] = {}  # processes already there (the forkserver): only what they spend now
        self.after: dict[int, float] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self):
        self.before = {pid: _cpu(pid) for pid in _descendants(os.getpid()) - self.exclude}
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()
        self.after = {pid: _cpu(pid) for pid in _descendants(os.getpid()) - self.exclude}

    @property
    def cpu_seconds(self) -> float:
        return sum(max(0.0, cpu - self.before.get(pid, 0.0)) for pid, cpu in self.after.items())

    def _run(self):
        while not self._stop.wait(0.2):
            pids = _descendants(os.getpid()) - self.exclude
            self.peak = max(self.peak, sum(_rss(pid) for pid in pids))
            self.peak_pss = max(self.peak_pss, sum(_pss(pid) for pid in pids))


def _cpu(pid: int) -> float:
    """CPU seconds of `pid` and of the children it has reaped."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return sum(int(f) for f in fields[11:15]) / os.sysconf("SC_CLK_TCK")  # utime, stime, cutime, cstime


def _descendants(root: int) -> set[int]:
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                ppid = int(Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(ppid, []).append(int(entry))
    found, todo = set(), [root]
    while todo:
        for child in children.get(todo.pop(), []):
            if child not in found:
                found.add(child)
                todo.append(child)
    return found


def _rss(pid: int) -> int:
    return _kilobytes(pid, "status", "VmRSS:")


def _pss(pid: int) -> int:
    return _kilobytes(pid, "smaps_rollup", "Pss:")


def _kilobytes(pid: int, name: str, field: str) -> int:
    """The value of `field` in /proc/PID/NAME, in bytes (0 once the process is gone)."""
    try:
        for line in Path(f"/proc/{pid}/{name}").read_text().splitlines():
            if line.startswith(field):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def fresh_store(web: SyntheticWeb) -> tuple[str, object]:
    url = f"sqlite:///{tempfile.mkdtemp(prefix='veille-bench-crawl-')}/s.sqlite"
    engine = open_engine(url)
    migrate.upgrade(engine)
    for n, base in enumerate(web.bases):
        listing = n % LISTING_EVERY == LISTING_EVERY - 1
        channel = ({"kind": "listing", "url": base + "/actualites/", "selectors": {"item": "article.card"}}
                   if listing else {"kind": "feed", "url": base + "/feed.xml"})
        sources.upsert_actor(engine, slug=f"site-{n}", name=f"Site {n}", language="fr", channels=[channel])
    return url, engine


def veille_crawl(web: SyntheticWeb, sites: int) -> dict:
    url, engine = fresh_store(web)
    config = CrawlConfig(user_agent="veille-bench", allow_private_networks=True, delay=0.0, timeout=30.0,
                         concurrency=32, concurrency_per_site=2, deadline=1800)
    before = web.counters()
    with ProcessWatch(exclude={web.process.pid}) as watch:
        started = time.perf_counter()
        first = crawl(url, sources.channel_specs(engine), config)
        seconds = time.perf_counter() - started
    after_first = web.counters()
    sources.record_channel_results(engine, first.channels)
    second = crawl(url, sources.channel_specs(engine), config)
    after_second = web.counters()
    stored = item_store.count_items(engine)
    engine.dispose()
    requests_1, bytes_1 = after_first[0] - before[0], after_first[1] - before[1]
    requests_2, bytes_2 = after_second[0] - after_first[0], after_second[1] - after_first[1]
    return {
        "sites": sites, "articles": stored, "errors": first.errors, "seconds": seconds,
        "articles_per_s": stored / seconds, "pages_per_s": requests_1 / seconds, "peak_rss_mb": watch.peak / 2**20,
        "peak_pss_mb": watch.peak_pss / 2**20,
        "cpu_ms_per_article": 1000 * watch.cpu_seconds / stored, "load_average": os.getloadavg()[0],
        "first_requests": requests_1, "first_bytes": bytes_1, "second_requests": requests_2, "second_bytes": bytes_2,
        "second_new": second.new, "requests_ratio": requests_2 / requests_1, "bytes_ratio": bytes_2 / bytes_1,
    }


def baseline_crawl(web: SyntheticWeb, sites: int) -> dict:
    """The same job done naively: one process, one request at a time, one store call per item."""
    import feedparser
    import trafilatura
    from parsel import Selector

    from crawlers.normalize import canonical_url, content_hash
    from store.records import NewItem

    url, engine = fresh_store(web)
    started = time.perf_counter()
    for channel in sources.channel_specs(engine):
        body = _get(channel.url)
        if channel.kind == "feed":
            links = [e.link for e in feedparser.parse(body).entries]
        else:
            links = Selector(text=body.decode()).css("article.card a::attr(href)").getall()
        for link in links:
            html = _get(link)
            text = trafilatura.extract(html) or ""
            title = trafilatura.extract_metadata(html).title or link
            item_store.ingest(engine, [NewItem(channel_id=channel.id, actor_id=channel.actor_id, url=link,
                                               canonical_url=canonical_url(link), title=title, text=text,
                                               content_hash=content_hash(title, text))])
    seconds = time.perf_counter() - started
    stored = item_store.count_items(engine)
    engine.dispose()
    return {"sites": sites, "articles": stored, "seconds": seconds, "articles_per_s": stored / seconds}


def _get(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=30) as response:
        return response.read()


# --- report ------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="10,100,1000")
    parser.add_argument("--repeat", type=int, default=1, help="runs per size (the median is reported)")
    parser.add_argument("--baseline-max", type=int, default=100, help="largest size the naive baseline runs at")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    report = []
    for sites in (int(s) for s in args.sizes.split(",")):
        web = SyntheticWeb(sites)
        try:
            runs = [veille_crawl(web, sites) for _ in range(args.repeat)]
            row = {key: statistics.median(r[key] for r in runs) for key in runs[0]}
            row["runs_articles_per_s"] = [round(r["articles_per_s"], 1) for r in runs]
            row["runs_cpu_ms_per_article"] = [round(r["cpu_ms_per_article"], 2) for r in runs]
            if sites <= args.baseline_max:
                base = [baseline_crawl(web, sites) for _ in range(args.repeat)]
                row["baseline_articles_per_s"] = statistics.median(b["articles_per_s"] for b in base)
                row["speedup"] = row["articles_per_s"] / row["baseline_articles_per_s"]
        finally:
            web.close()
        report.append(row)
        print(f"{sites:>5} sites: {row['articles']:.0f} articles in {row['seconds']:.1f} s = "
              f"{row['articles_per_s']:.0f} articles/s, {row['pages_per_s']:.0f} pages/s, "
              f"peak {row['peak_rss_mb']:.0f} MB RSS, {row['peak_pss_mb']:.0f} MB PSS, "
              f"{row['cpu_ms_per_article']:.1f} ms CPU/article "
              f"(load avg {row['load_average']:.1f}); errors {row['errors']:.0f}; second crawl: "
              f"{row['second_requests']:.0f} requests ({row['requests_ratio']:.1%}), "
              f"{row['second_bytes'] / 1e3:.0f} KB ({row['bytes_ratio']:.2%} of the bytes), new {row['second_new']:.0f}"
              + (f"; baseline {row['baseline_articles_per_s']:.1f} articles/s (x{row['speedup']:.1f})"
                 if "speedup" in row else "")
              + f"; runs: {row['runs_articles_per_s']} articles/s, {row['runs_cpu_ms_per_article']} ms CPU/article",
              flush=True)
    if args.json:
        args.json.write_text(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
