"""Collecting watch items from the web. Imports `store` only, never the other stages.

The stages, in order (Miniflux's split):

    fetch      run.py (child process) → crawl_process.py (Scrapy settings) → spider.py,
               with middlewares.py + resolver.py + safety.py (no private networks, one
               politeness slot per site), retry.py (backoff, Retry-After), failures.py
               (one line per failure), ledger.py (per-channel outcome)
    work       workers.py: a pool of processes forked beside Scrapy's, running jobs.py
    parse      feeds.py (RSS/Atom from bytes; xmlrepair.py for broken XML; jsonfeed.py),
               listing.py (CSS selectors, or links found without them), sitemaps.py
    extract    extract.py (trafilatura + metadata.py), pages.py (what changed on a watched page)
    normalize  normalize.py (canonical URL, content hash, absolute links), similarity.py (MinHash)
    sanitize   sanitize.py (nh3 allowlist; always last) — assemble.py applies the
               last three in order and builds the `store.records.NewItem`
    store      pipelines.py (batched `store.items.ingest_items`)

Outside a crawl: `fetch_one.py` fetches a single page (`veille extract URL`),
`discover.py` finds a site's feed from its homepage (`veille sources add`),
`registry.py` reads and writes the registry as TOML and OPML.
A Scrapy Response never leaves this package: callers get `CrawlReport`,
`ChannelResult`, `NewItem` and `Extracted`, all plain frozen dataclasses.
"""
