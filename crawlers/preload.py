"""What the forkserver imports once, so that no crawl process imports it again.

Scrapy loads its components by name when each crawl starts (middlewares,
extensions, download handlers, scheduler queues…): ~55 ms per crawl, the
cookies middleware alone pulling in tldextract and requests. Imported here,
in the forkserver, they come with every forked crawl for free. The two
extensions the crawl leaves out (crawl_process.UNUSED_EXTENSIONS) stay out.
"""

from __future__ import annotations

from scrapy.settings import default_settings as scrapy_defaults
from scrapy.utils.misc import load_object

import crawlers.crawl_process  # noqa: F401 - the crawl's own modules, Scrapy and trafilatura with them
from crawlers.crawl_process import UNUSED_EXTENSIONS


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


preload()
