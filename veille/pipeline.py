"""The stages chained: what `veille crawl`, `classify`, `newsletter build`, the
scheduler and the demo all call. Each step is a run record in the store."""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from store import items as item_store
from store import newsletters as issue_store
from store import runs, sources
from veille.app import App
from veille.errors import UserError

if TYPE_CHECKING:  # the crawler pulls in Scrapy: import it only when crawling
    from crawlers.run import CrawlConfig, CrawlReport


def crawl_config(app: App) -> CrawlConfig:
    from crawlers.run import CrawlConfig

    s = app.settings
    return CrawlConfig(
        user_agent=s.crawler_user_agent,
        allow_private_networks=s.allow_private_networks,
        delay=s.crawl_delay,
        concurrency_per_site=s.crawl_concurrency_per_site,
        concurrency=s.crawl_concurrency,
        timeout=s.crawl_timeout,
        max_bytes=s.crawl_max_bytes,
        max_articles_per_channel=s.crawl_max_articles_per_channel,
    )


def crawl(app: App, actor_id: int | None = None) -> CrawlReport:
    """Crawl every enabled channel (or one actor's) and record the run."""
    from crawlers.run import crawl as run_crawl

    engine = app.engine
    if actor_id is not None and not sources.actor_exists(engine, actor_id):
        raise UserError(f"no source with id {actor_id} (see `veille sources list`)")
    channels = sources.channel_specs(engine, actor_id)
    run_id = runs.start_run(engine, "crawl")
    report = run_crawl(app.settings.store_url, channels, crawl_config(app))
    sources.record_channel_results(engine, report.channels)
    errors = [{"channel": c.channel_id, "url": c.url, "error": c.error} for c in report.channels if c.error]
    status = "ok" if not errors else ("failed" if len(errors) == len(channels) else "partial")
    counts = {k: v for k, v in report.to_json().items() if k != "channels"}
    runs.finish_run(engine, run_id, status, counts, errors)
    return report


@dataclass(frozen=True)
class ClassifyReport:
    classified: int
    relevant: int
    model_version: str | None
    duration: float

    def to_json(self) -> dict:
        return {
            "classified": self.classified,
            "relevant": self.relevant,
            "model_version": self.model_version,
            "duration": round(self.duration, 3),
        }


def load_model(app: App):
    from classifier.model import load_default

    try:
        return load_default(app.settings.model_path, app.settings.models_dir)
    except Exception as exc:  # a corrupt or foreign model file can fail in any way
        raise UserError(f"cannot load the classifier model: {type(exc).__name__}: {exc}") from None


def classify(app: App, batch: int = 500) -> ClassifyReport:
    """Tag every item that has no current classification, in batches."""
    engine = app.engine
    started = time.perf_counter()
    run_id = runs.start_run(engine, "classify")
    model = load_model(app)
    total = relevant = 0
    while todo := item_store.to_classify(engine, limit=batch):
        predictions = model.predict(todo)
        item_store.save_classifications(engine, [(i.id, p) for i, p in zip(todo, predictions)])
        total += len(todo)
        relevant += sum(p.relevant for p in predictions)
    report = ClassifyReport(total, relevant, model.version, time.perf_counter() - started)
    runs.finish_run(engine, run_id, "ok", report.to_json(), [])
    return report


def accept_relevant(app: App) -> int:
    """Stand in for the staff's review (the demo only): accept what the model finds relevant."""
    views = item_store.search(app.engine, statuses=("new",), relevant=True, limit=10_000)
    item_store.set_status(app.engine, [v.id for v in views], "accepted")
    return len(views)


def build_newsletter(
    app: App, start: datetime, end: datetime, out: Path | None = None, group_by: str = "kind"
) -> tuple[int, Path]:
    """Compose the draft issue for [start, end) from accepted items, write its HTML file.

    The file is the HTML export (for pasting into another mailing tool); the
    editor refines the draft in the web app before it is sent.
    """
    from newsletter.compose import compose_issue
    from newsletter.render import render_export, render_web_text

    engine = app.engine
    run_id = runs.start_run(engine, "newsletter")
    items = item_store.search(engine, statuses=("accepted",), since=start, until=end, limit=500, with_text=True)
    issue = compose_issue(items, start, end, title=app.settings.newsletter_title, group_by=group_by)
    html, text = render_export(issue), render_web_text(issue)
    issue_id = issue_store.save_draft(engine, issue.to_draft(), html, text, summaries=issue.summaries())
    out = out or app.settings.data_dir / "newsletters" / f"veille-{issue_id:04d}-{end:%Y-%m-%d}.html"
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(html, encoding="utf-8")
    except OSError as exc:
        runs.finish_run(engine, run_id, "failed", {"items": len(issue.items)}, [str(exc)])
        raise UserError(f"cannot write the newsletter to {out}: {exc.strerror}") from None
    runs.finish_run(engine, run_id, "ok", {"issue": issue_id, "items": len(issue.items)}, [])
    return issue_id, out
