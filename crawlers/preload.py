"""What the forkserver imports once, so that no crawl process imports it again.

Scrapy loads its components by name when each crawl starts (middlewares,
extensions, download handlers, scheduler queues…): ~55 ms per crawl, the
cookies middleware alone pulling in tldextract and requests. Imported here,
in the forkserver, they come with every forked crawl for free. The two
extensions the crawl leaves out (crawl_process.UNUSED_EXTENSIONS) stay out.

The forkserver also runs each kind of job once on a small sample: what the
parsing and extraction libraries set up at their first use (patterns,
tables, trafilatura's options, the language model) then comes with every
crawl's workers, which would otherwise each pay it at their first feed and
first page: ~10 ms of CPU per crawl, and 0.6 s per worker for the language
model when a page states no language (bench_crawl).

And it runs the caller's main script, once (`adopt_main`, see crawlers.run).
"""

from __future__ import annotations

import os
from multiprocessing import current_process, spawn

from scrapy.settings import default_settings as scrapy_defaults
from scrapy.utils.misc import load_object

import crawlers.crawl_process  # noqa: F401 - the crawl's own modules, Scrapy and trafilatura with them
import crawlers.pipelines  # noqa: F401 - loaded by name by Scrapy, like its own components
from crawlers import jobs
from crawlers.crawl_process import UNUSED_EXTENSIONS
from crawlers.extract import load_language_model
from crawlers.metadata import load_date_parser
from crawlers.run import MAIN_SCRIPT_ENV
from store.records import ChannelSpec

_SENTENCE = ("Les habitants de la commune sont invités à proposer leurs projets pour le budget participatif, "
             "puis à voter en ligne ou dans les mairies de quartier pour ceux qu'ils préfèrent. ")
SAMPLE_URL = "https://example.org/actualites/budget-participatif"
SAMPLE_FEED = (f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Exemple</title>'
               f"<link>https://example.org/</link><language>fr</language><item><title>Le budget participatif "
               f"est ouvert</title><link>{SAMPLE_URL}</link><pubDate>Mon, 02 Nov 2026 08:00:00 +0000</pubDate>"
               f"<description>{_SENTENCE * 12}</description></item></channel></rss>").encode()
SAMPLE_PAGE = (f'<!DOCTYPE html><html lang="fr"><head><meta charset="utf-8"><title>Le budget participatif est '
               f'ouvert</title><meta property="article:published_time" content="2026-11-02T08:00:00+00:00">'
               f'</head><body><nav><ul><li><a href="/">Accueil</a></li></ul></nav><main><article>'
               f"<h1>Le budget participatif est ouvert</h1>{f'<p>{_SENTENCE * 2}</p>' * 5}"
               f"</article></main><footer><p>Mentions légales</p>"
               f"</footer></body></html>").encode()


def scrapy_components() -> list[str]:
    d = scrapy_defaults
    names = [*d.DOWNLOADER_MIDDLEWARES_BASE, *d.SPIDER_MIDDLEWARES_BASE, *d.EXTENSIONS_BASE,
             *d.DOWNLOAD_HANDLERS_BASE.values(), d.SCHEDULER, d.DUPEFILTER_CLASS, d.SCHEDULER_PRIORITY_QUEUE,
             d.SCHEDULER_DISK_QUEUE, d.SCHEDULER_MEMORY_QUEUE, d.STATS_CLASS, d.LOG_FORMATTER, d.ROBOTSTXT_PARSER]
    return [n for n in names if isinstance(n, str) and n not in UNUSED_EXTENSIONS]


def preload() -> None:
    for name in scrapy_components():
        try:
            load_object(name)
        except Exception:  # noqa: BLE001 - an optional component missing costs only its own import later
            pass


def warm_up() -> None:
    """Each kind of job once, on the samples above."""
    channel = ChannelSpec(id=0, actor_id=0, actor_name="", kind="feed", url="https://example.org/feed.xml",
                          language="fr")
    try:
        feed, _needs = jobs.read_feed(SAMPLE_FEED, channel.url, "application/rss+xml; charset=utf-8")
        jobs.items_from_entries(channel, feed.entries, feed.language, feed.warnings)
        jobs.item_from_article(channel, SAMPLE_URL, SAMPLE_URL, SAMPLE_PAGE, None, ())
        # py3langid's model (68 MB, 0.6 s of CPU to decompress): loaded here, the
        # crawls share it, instead of each worker of each crawl loading its own
        # at the first text CLD2 is unsure of (crawlers.extract.guess_language).
        load_language_model()
        load_date_parser()  # dateparser's patterns, for the pages that state no date (0.15 s a worker)
    except Exception:  # noqa: BLE001 - a warm-up that fails costs only the time it would have saved
        pass


def adopt_main() -> None:
    """Run the caller's main script here, as a process it starts would
    (under the name "__mp_main__": what it guards with
    `if __name__ == "__main__"` does not run), so that the crawl processes
    forked from here have it already."""
    path = os.environ.pop(MAIN_SCRIPT_ENV, None)
    if not path:
        return
    current_process()._inheriting = True  # what multiprocessing sets for the same import
    try:
        spawn.import_main_path(path)
    except Exception:  # noqa: BLE001 - then each crawl process runs it, and fails, as it would have
        pass
    finally:
        del current_process()._inheriting


preload()
warm_up()
adopt_main()
