"""What runs inside the crawl's child process: Scrapy settings, store access, the spider.

Only `crawlers.run` starts this, in a fresh process, because Twisted's reactor
cannot be restarted once stopped and the CLI, the scheduler and the web app
crawl many times in one life.
"""

from __future__ import annotations

import os
import time
from typing import Callable

from scrapy import signals
from scrapy.crawler import CrawlerProcess
from scrapy.settings.default_settings import EXTENSIONS_BASE

from crawlers.ledger import Ledger
from crawlers.middlewares import PRIORITY as SAFETY_PRIORITY
from crawlers.middlewares import SLOT_PRIORITY
from crawlers.resolver import ALLOW_PRIVATE_SETTING
from crawlers.retry import BACKOFF_SETTING, MAX_WAIT_SETTING
from crawlers.robots import PRIORITY as ROBOTS_PRIORITY
from crawlers.robots import TTL_SETTING as ROBOTS_TTL_SETTING
from crawlers.robots import RobotsStore
from crawlers.run import TIME_LIMIT_SHARE, CrawlConfig
from crawlers.spider import WatchSpider
from crawlers.workers import Workers, default_size
from store import items as item_store
from store import robots as robots_cache
from store.db import open_engine
from store.records import ChannelResult, ChannelSpec

UNUSED_EXTENSIONS = ("scrapy.extensions.telnet.TelnetConsole", "scrapy.extensions.remote_control.RemoteControl")
RETRY_TIMES = 2  # three tries in all: a hiccup is retried, a broken site is not hammered
REDIRECT_MAX_TIMES = 5


def scrapy_settings(config: CrawlConfig) -> dict:
    return {
        "BOT_NAME": "veille",
        "USER_AGENT": config.user_agent,
        "ROBOTSTXT_OBEY": True,
        "DOWNLOAD_DELAY": config.delay,
        "CONCURRENT_REQUESTS": config.concurrency,
        "CONCURRENT_REQUESTS_PER_DOMAIN": config.concurrency_per_site,
        # Scrapy starts this many tasks for the output of every callback; ours
        # yield one item or a few requests, and 100 tasks each cost more CPU
        # than the rest of the spider.
        "CONCURRENT_ITEMS": 8,
        "AUTOTHROTTLE_ENABLED": True,
        # AutoThrottle starts at max(DOWNLOAD_DELAY, START_DELAY): its 5 s default
        # would override a configured shorter delay.
        "AUTOTHROTTLE_START_DELAY": config.delay,
        "AUTOTHROTTLE_MAX_DELAY": max(60.0, config.delay),
        "AUTOTHROTTLE_TARGET_CONCURRENCY": float(config.concurrency_per_site),
        "DOWNLOAD_TIMEOUT": config.timeout,
        "DNS_TIMEOUT": config.timeout,
        "RETRY_ENABLED": True,
        "RETRY_TIMES": RETRY_TIMES,
        BACKOFF_SETTING: config.retry_backoff,
        MAX_WAIT_SETTING: config.retry_after_max,
        "REDIRECT_MAX_TIMES": REDIRECT_MAX_TIMES,
        # Enforced on the bytes received and again while decompressing (gzip bombs).
        "DOWNLOAD_MAXSIZE": config.max_bytes,
        "DOWNLOAD_WARNSIZE": 0,
        "DOWNLOAD_VERIFY_CERTIFICATES": True,  # Scrapy's default is not to
        # Responses waiting for a free extraction worker hold memory: past this
        # many bytes, Scrapy stops taking new responses until some are done.
        "SCRAPER_SLOT_MAX_ACTIVE_SIZE": 20_000_000,
        "COOKIES_ENABLED": False,  # nothing we read needs a session; cookies only track
        # Both open a local control port into the process (the telnet console,
        # and since Scrapy 2.15 an HTTP endpoint that runs Python code).
        "TELNETCONSOLE_ENABLED": False,
        "REMOTE_CONTROL_ENABLED": False,
        # Left out of the base list, not set to None, so that they are not even
        # imported (Scrapy imports every listed component, and the remote
        # control pulls in aiohttp: a tenth of a second of CPU at each crawl).
        "EXTENSIONS_BASE": {name: order for name, order in EXTENSIONS_BASE.items() if name not in UNUSED_EXTENSIONS},
        "LOG_LEVEL": "WARNING",
        # Scrapy looks up the versions of a dozen libraries at each start, to log
        # them at INFO, which we do not show: ~8 ms of every crawl.
        "LOG_VERSIONS": [],
        # Failures are reported per channel; Scrapy's own lines would say it twice.
        "RETRY_GIVE_UP_LOG_LEVEL": "INFO",
        "TWISTED_DNS_RESOLVER": "crawlers.resolver.PublicOnlyHostnameResolver",  # IPv4 and IPv6
        ALLOW_PRIVATE_SETTING: config.allow_private_networks,
        ROBOTS_TTL_SETTING: config.robots_ttl_hours,
        "DOWNLOADER_MIDDLEWARES": {
            "crawlers.middlewares.SafetyMiddleware": SAFETY_PRIORITY,
            # robots.txt from the store while fresh, not fetched again at every crawl
            "scrapy.downloadermiddlewares.robotstxt.RobotsTxtMiddleware": None,
            "crawlers.robots.CachedRobotsTxtMiddleware": ROBOTS_PRIORITY,
            "crawlers.middlewares.SiteSlotMiddleware": SLOT_PRIORITY,
            "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
            "crawlers.retry.PoliteRetryMiddleware": 550,  # where Scrapy's own sits
        },
        "ITEM_PIPELINES": {"crawlers.pipelines.IngestPipeline": 300},
    }


def run_crawl(
    store_url: str,
    channels: list[ChannelSpec],
    config: CrawlConfig,
    on_result: Callable[[ChannelResult], None],
    stop_at: float | None = None,
    on_stats: Callable[[dict], None] = lambda stats: None,
) -> list[ChannelResult]:
    """Crawl `channels` into the store; `on_result` hears of each channel once it is final.

    `stop_at` (a time.time() value) is when the crawl must end, whatever is left.
    """
    engine = open_engine(store_url)  # first: a store that cannot open ends the crawl before anything starts
    # Then the workers are forked, while this process has one thread and no reactor.
    workers = Workers(config.extract_workers if config.extract_workers >= 0 else default_size())
    try:
        ledger = Ledger(channels, on_result)
        process = CrawlerProcess(settings=scrapy_settings(config))
        crawler = process.create_crawler(WatchSpider)
        crawler.signals.connect(workers.release, signal=signals.spider_closed)  # nothing is extracted after
        process.crawl(
            crawler,
            channels=channels,
            ledger=ledger,
            known_urls=lambda urls: item_store.known_urls(engine, urls),
            store_items=lambda items: item_store.ingest_items(engine, items),
            robots_store=RobotsStore(load=lambda sites: robots_cache.load(engine, sites),
                                     save=lambda records: robots_cache.save(engine, records)),
            workers=workers,
            max_articles_per_channel=config.max_articles_per_channel,
            timeout=config.timeout,
            max_bytes=config.max_bytes,
        )
        from twisted.internet import reactor  # the one process.crawl() just installed

        if stop_at is None:
            stop_at = time.time() + config.deadline * TIME_LIMIT_SHARE
        reactor.callLater(max(0.5, stop_at - time.time()), _time_up, crawler, ledger, engine, workers, on_stats)
        process.start()  # Scrapy turns SIGTERM/SIGINT into a clean stop: buffered items still get written
        on_stats({**traffic(crawler), "store_error": ledger.store_error})
        return ledger.finish("the crawl stopped before this channel was finished")
    finally:
        workers.close()
        engine.dispose()


def traffic(crawler) -> dict:
    """What the crawl cost the sites: requests sent and bytes received."""
    stats = crawler.stats.get_stats() if crawler.stats else {}
    return {"requests": stats.get("downloader/request_count", 0),
            "bytes": stats.get("downloader/response_bytes", 0)}


def _time_up(crawler, ledger: Ledger, engine, workers: Workers, on_stats) -> None:
    """Write what was collected, report every channel, and leave at once.

    Scrapy's own way of stopping waits for every download in flight, each up
    to DOWNLOAD_TIMEOUT and retried, so a crawl stuck on slow sites could run
    far past its time limit; what matters (items stored, channels reported)
    is done here and the process exits without waiting for them.
    """
    workers.kill()  # what they still hold is lost anyway; they must not outlive us
    pipeline = getattr(crawler.spider, "pipeline", None)
    if pipeline is not None:
        pipeline.flush()
    if getattr(crawler.spider, "robots_store", None) is not None:
        crawler.spider.robots_store.flush()
    on_stats({**traffic(crawler), "store_error": ledger.store_error})
    ledger.finish("the crawl reached its time limit before this channel was finished")
    engine.dispose()
    os._exit(0)
