"""`veille demo`: the whole job, offline, on the bundled fixture web.

The demo never touches the real archive: it works in DATA_DIR/demo, which it
empties first so that every run shows the same thing.
"""

from __future__ import annotations

import shutil
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Callable

from store import items as item_store
from store import sources as source_store
from veille import pipeline
from veille.app import App
from veille.demo.server import FixtureWeb, load_manifest
from veille.settings import Settings


def demo_settings(settings: Settings) -> Settings:
    """The user's settings, pointed at a private demo store, with loopback allowed."""
    return settings.model_copy(
        update={
            "data_dir": settings.data_dir / "demo",
            "database_url": "",
            "allow_private_networks": True,  # the fixture web lives on 127.0.0.1
            "crawl_delay": 0.0,
            "crawl_timeout": 10.0,
            "model_path": settings.model_path,
        }
    )


def register_sites(app: App, web: FixtureWeb) -> int:
    """Add the fixture sites as sources, at the ports they were given this time."""
    for site in load_manifest():
        base = web.base_url(site["name"])
        channels = [
            {"kind": c["kind"], "url": base + c["path"], "selectors": c.get("selectors", {})}
            for c in site["channel"]
        ]
        source_store.upsert_actor(
            app.engine,
            slug=site["name"],
            name=site["actor"],
            channels=channels,
            type=site["type"],
            language=site.get("language", "fr"),
            country="FR",
            homepage=base + site.get("homepage", "/"),
        )
    return len(web.sites)


def newsletter_period(app: App) -> tuple[datetime, datetime]:
    """From the oldest accepted item to today, so the issue holds the whole demo."""
    accepted = item_store.search(app.engine, statuses=("accepted",), limit=10_000)
    today = datetime.now(timezone.utc).replace(hour=0, minute=0, second=0, microsecond=0)
    dates = [v.published or v.collected for v in accepted]
    start = min(dates, default=today).replace(hour=0, minute=0, second=0, microsecond=0)
    end = max([today, *dates]) + timedelta(days=1)
    return start, end


def run_demo(settings: Settings, echo: Callable[[str], None]) -> tuple[App, FixtureWeb, Path]:
    """Serve the fixture web, crawl, classify, accept, build the newsletter.

    Returns the app, the still-running fixture web (the archive links to it;
    the caller stops it) and the newsletter file.
    """
    settings = demo_settings(settings)
    if settings.data_dir.exists():
        shutil.rmtree(settings.data_dir)
    app = App(settings)
    web = FixtureWeb().start()
    try:
        echo(f"fixture web: {register_sites(app, web)} sites on 127.0.0.1 "
             f"({', '.join(f'{k} {v}' for k, v in web.sites.items())})")
        report = pipeline.crawl(app)
        echo(f"crawl: fetched {report.fetched} pages, {report.new} new items, "
             f"{report.duplicates} duplicates, {report.errors} errors ({report.duration:.1f} s)")
        for channel in report.channels:
            if channel.error:
                echo(f"  error {channel.url}: {channel.error}")
        tagged = pipeline.classify(app)
        echo(f"classify: {tagged.classified} items tagged, {tagged.relevant} relevant "
             f"(model {tagged.model_version})")
        accepted = pipeline.accept_relevant(app)
        echo(f"review: {accepted} relevant items accepted (in the demo the classifier stands in for staff)")
        start, end = newsletter_period(app)
        issue_id, path = pipeline.build_newsletter(app, start, end)
        echo(f"newsletter: issue {issue_id} built from {accepted} items")
    except BaseException:
        web.stop()
        raise
    return app, web, path
