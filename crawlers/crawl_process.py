"""What runs inside the crawl's child process: Scrapy settings, store access, the spider.

Only `crawlers.run` starts this, in a fresh process, because Twisted's reactor
cannot be restarted once stopped and the CLI, the scheduler and the web app
crawl many times in one life.
"""

from __future__ import annotations

import os
import time
from typing import Callable

from scrapy.crawler import CrawlerProcess

from crawlers.ledger import Ledger
from crawlers.middlewares import PRIORITY as SAFETY_PRIORITY
from crawlers.resolver import ALLOW_PRIVATE_SETTING
from crawlers.run import TIME_LIMIT_SHARE, CrawlConfig
from crawlers.spider import WatchSpider
from store import items as item_store
from store.db import open_engine
from store.records import ChannelResult, ChannelSpec

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
        "REDIRECT_MAX_TIMES": REDIRECT_MAX_TIMES,
        "DOWNLOAD_MAXSIZE": config.max_bytes,
        "DOWNLOAD_WARNSIZE": 0,
        "COOKIES_ENABLED": False,  # nothing we read needs a session; cookies only track
        # Both open a local control port into the process (the telnet console,
        # and since Scrapy 2.15 an HTTP endpoint that runs Python code).
        "TELNETCONSOLE_ENABLED": False,
        "REMOTE_CONTROL_ENABLED": False,
        "LOG_LEVEL": "WARNING",
        # Failures are reported per channel; Scrapy's own lines would say it twice.
        "RETRY_GIVE_UP_LOG_LEVEL": "INFO",
        "TWISTED_DNS_RESOLVER": "crawlers.resolver.PublicOnlyResolver",
        ALLOW_PRIVATE_SETTING: config.allow_private_networks,
        "DOWNLOADER_MIDDLEWARES": {"crawlers.middlewares.SafetyMiddleware": SAFETY_PRIORITY},
        "ITEM_PIPELINES": {"crawlers.pipelines.IngestPipeline": 300},
    }


def run_crawl(
    store_url: str,
    channels: list[ChannelSpec],
    config: CrawlConfig,
    on_result: Callable[[ChannelResult], None],
    stop_at: float | None = None,
) -> list[ChannelResult]:
    """Crawl `channels` into the store; `on_result` hears of each channel once it is final.

    `stop_at` (a time.time() value) is when the crawl must end, whatever is left.
    """
    engine = open_engine(store_url)
    ledger = Ledger(channels, on_result)
    process = CrawlerProcess(settings=scrapy_settings(config))
    crawler = process.create_crawler(WatchSpider)
    process.crawl(
        crawler,
        channels=channels,
        ledger=ledger,
        known_urls=lambda urls: item_store.known_urls(engine, urls),
        store_items=lambda items: item_store.ingest(engine, items),
        max_articles_per_channel=config.max_articles_per_channel,
        timeout=config.timeout,
    )
    from twisted.internet import reactor  # the one process.crawl() just installed

    if stop_at is None:
        stop_at = time.time() + config.deadline * TIME_LIMIT_SHARE
    reactor.callLater(max(0.5, stop_at - time.time()), _time_up, crawler, ledger, engine)
    process.start()  # Scrapy turns SIGTERM/SIGINT into a clean stop: buffered items still get written
    try:
        return ledger.finish("the crawl stopped before this channel was finished")
    finally:
        engine.dispose()


def _time_up(crawler, ledger: Ledger, engine) -> None:
    """Write what was collected, report every channel, and leave at once.

    Scrapy's own way of stopping waits for every download in flight, each up
    to DOWNLOAD_TIMEOUT and retried, so a crawl stuck on slow sites could run
    far past its time limit; what matters (items stored, channels reported)
    is done here and the process exits without waiting for them.
    """
    pipeline = getattr(crawler.spider, "pipeline", None)
    if pipeline is not None:
        pipeline.flush()
    ledger.finish("the crawl reached its time limit before this channel was finished")
    engine.dispose()
    os._exit(0)
