"""The stages chained: what `veille crawl`, `classify`, `newsletter build`, the
scheduler and the demo all call. Each step is a run record in the store."""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Callable

from store import items as item_store
from store import newsletters as issue_store
from store import sources
from store.db import StoreError
from veille.app import App
from veille.errors import UserError
from veille.ops import leases
from veille.ops.records import recorded

if TYPE_CHECKING:  # the crawler pulls in Scrapy: import it only when crawling
    from classifier.retrain import RetrainReport
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
        retry_backoff=s.crawl_retry_backoff,
        retry_after_max=s.crawl_retry_after_max,
        extract_workers=s.crawl_extract_workers,
        deadline=s.crawl_deadline,
        robots_ttl_hours=s.crawl_robots_ttl_hours,
    )


def crawl(
    app: App, actor_id: int | None = None, group: str | None = None, skip_groups: tuple[str, ...] = ()
) -> CrawlReport:
    """Crawl every enabled channel (or one actor's, or one group's) and record the run.

    One crawl of each kind at a time: the run holds the lease of its name
    ("crawl", or "crawl:GROUP"), so an overlapping one is refused (Busy);
    workers of different groups crawl side by side.
    """
    from crawlers.run import crawl as run_crawl

    engine = app.engine
    if actor_id is not None and not sources.actor_exists(engine, actor_id):
        raise UserError(f"no source with id {actor_id} (see `veille sources list`)")
    channels = _channels(engine, actor_id, group, skip_groups)
    kind = f"crawl:{group}" if group else "crawl"
    with leases.held(engine, kind, app.settings.lease_ttl), recorded(engine, kind) as run:
        report = run_crawl(app.settings.store_url, channels, crawl_config(app))
        sources.record_channel_results(engine, report.channels)
        if report.store_error:  # the items collected could not be written: the run failed
            raise StoreError(report.store_error)
        run.errors = [{"channel": c.channel_id, "url": c.url, "error": c.error} for c in report.channels if c.error]
        run.status = "ok" if not run.errors else ("failed" if len(run.errors) == len(channels) else "partial")
        run.counts = {k: v for k, v in report.to_json().items() if k != "channels"}
    return report


def _channels(engine, actor_id: int | None, group: str | None, skip_groups: tuple[str, ...]):
    """The channels to crawl: a group's sources, or all but those of `skip_groups`;
    channels backing off after failures wait for their time."""
    specs = sources.channel_specs(engine, actor_id, due_only=True)
    if group is None and not skip_groups:
        return specs
    groups = sources.actor_groups(engine)
    if group is not None:
        return [c for c in specs if group in groups.get(c.actor_id, ())]
    return [c for c in specs if not groups.get(c.actor_id, set()) & set(skip_groups)]


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


def classify(
    app: App, batch: int = 500, on_progress: Callable[[int, int, int], None] | None = None
) -> ClassifyReport:
    """Tag every item that has no current classification, in batches.

    `on_progress(done, total, relevant)` hears of each batch. The run holds
    the "classify" lease: two classifications at once would both tag the
    same items.
    """
    engine = app.engine
    started = time.perf_counter()
    with leases.held(engine, "classify", app.settings.lease_ttl), recorded(engine, "classify") as run:
        model = load_model(app)
        total = item_store.count_to_classify(engine) if on_progress else 0
        done = relevant = 0
        while todo := item_store.to_classify(engine, limit=batch):
            predictions = model.predict(todo)
            item_store.save_classifications(engine, [(i.id, p) for i, p in zip(todo, predictions)])
            done += len(todo)
            relevant += sum(p.relevant for p in predictions)
            run.counts = {"classified": done, "relevant": relevant, "model_version": model.version}
            if on_progress:
                on_progress(done, max(total, done), relevant)
        report = ClassifyReport(done, relevant, model.version, time.perf_counter() - started)
        run.counts = report.to_json()
    return report


def install_model(app: App, model, report: dict | None = None, promoted: bool = True) -> Path:
    """Save a trained model as DATA_DIR/models/<version>, record it, and (by default) make it serve."""
    from classifier.registry import promote, save_version
    from store import models as model_store

    path = save_version(model, app.settings.models_dir)
    if promoted:
        promote(app.settings.models_dir, model.version)
    model_store.record_version(app.engine, model.version, str(path), metrics=model.metadata["cv"]["metrics"],
                               report=report or {}, promoted=promoted)
    return path


def retrain(app: App, seed: Path | None = None, *, config=None, policy=None) -> RetrainReport:
    """Retrain the classifier on seed + the staff's gold labels; promote the challenger unless it is worse.

    `seed`: labelled items in the train.jsonl format (default: the shared
    train.jsonl, else the labelled items that ship with the classifier).
    The report is the run's counts and, once a model was trained, its
    model_versions row. After a promotion the items waiting for review are
    tagged again by the new model, so the queue shows what it learnt.
    """
    from dataclasses import replace

    from classifier.config import DEFAULT
    from classifier.retrain import Policy, seed_set
    from classifier.retrain import retrain as run_retrain
    from store import models as model_store
    from store import reviews

    engine = app.engine
    with leases.held(engine, "retrain", app.settings.lease_ttl), recorded(engine, "retrain") as run:
        outcome = run_retrain(seed_set(seed, config or DEFAULT), reviews.gold_labels(engine), load_model(app),
                              policy=policy or Policy())
        report = outcome.report
        if app.settings.model_path is not None and report.promoted:
            report = replace(report, notes=(f"model_path is set ({app.settings.model_path}): that model serves "
                                            "until the setting is emptied",))
        if outcome.model is not None:
            install_model(app, outcome.model, report.to_json(), promoted=report.promoted)
        retagged = model_store.retire_predictions(engine, outcome.model.version) if report.promoted else 0
        run.counts = {**{k: v for k, v in report.to_json().items() if k != "evaluation"},
                      "mean_macro_f1": report.evaluation.get("mean"), "retagged": retagged}
    if retagged:
        try:
            classify(app)
        except leases.Busy:  # the classification under way tags them, with the model it started with
            pass
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
    # Under a lease and a run record like every job: a build that fails or is
    # killed half-way reads 'failed' or 'interrupted', never 'running' for ever.
    with leases.held(engine, "newsletter", app.settings.lease_ttl), recorded(engine, "newsletter") as run:
        items = item_store.search(engine, statuses=("accepted",), since=start, until=end, limit=500, with_text=True)
        issue = compose_issue(items, start, end, title=app.settings.newsletter_title, group_by=group_by)
        html, text = render_export(issue), render_web_text(issue)
        issue_id = issue_store.save_draft(engine, issue.to_draft(), html, text, summaries=issue.summaries())
        run.counts = {"issue": issue_id, "items": len(issue.items)}
        out = out or app.settings.data_dir / "newsletters" / f"veille-{issue_id:04d}-{end:%Y-%m-%d}.html"
        try:
            out.parent.mkdir(parents=True, exist_ok=True)
            out.write_text(html, encoding="utf-8")
        except OSError as exc:
            raise UserError(f"cannot write the newsletter to {out}: {exc.strerror}") from None
    return issue_id, out
