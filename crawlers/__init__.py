"""Collecting watch items from the web. Imports `store` only, never the other stages.

The stages, in order (Miniflux's split):

    fetch      run.py (child process) → crawl_process.py (Scrapy settings) → spider.py,
               with middlewares.py + resolver.py + safety.py (no private networks),
               failures.py (one line per failure), ledger.py (per-channel outcome)
    parse      feeds.py (RSS/Atom from bytes), listing.py (CSS selectors)
    extract    extract.py (trafilatura + page metadata)
    normalize  normalize.py (canonical URL, content hash, absolute links)
    sanitize   sanitize.py (nh3 allowlist; always last) — assemble.py applies the
               last three in order and builds the `store.records.NewItem`
    store      pipelines.py (batched `store.items.ingest`)

`fetch_one.py` fetches a single page outside a crawl (`veille extract URL`).
A Scrapy Response never leaves this package: callers get `CrawlReport`,
`ChannelResult`, `NewItem` and `Extracted`, all plain frozen dataclasses.
"""
