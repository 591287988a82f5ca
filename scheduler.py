"""veille runs on its own: APScheduler calls the same functions as the CLI.

The jobs and their cron expressions come from the settings. `veille schedule`
runs this in the foreground; `veille run` does one cycle now.
"""

from __future__ import annotations

import logging

from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.cron import CronTrigger

from veille import pipeline
from veille.app import App
from veille.errors import UserError

log = logging.getLogger("veille.scheduler")


def run_cycle(app: App) -> dict:
    """One collection cycle: crawl every source, then tag what is new."""
    crawl = pipeline.crawl(app)
    tagged = pipeline.classify(app)
    return {"crawl": crawl.to_json() | {"channels": len(crawl.channels)}, "classify": tagged.to_json()}


def _cron(expression: str, name: str) -> CronTrigger:
    try:
        return CronTrigger.from_crontab(expression, timezone="UTC")
    except ValueError as exc:
        raise UserError(f"schedule_{name}: not a cron expression ({expression!r}): {exc}") from None


def build_scheduler(app: App) -> BlockingScheduler:
    scheduler = BlockingScheduler(timezone="UTC")
    scheduler.add_job(
        run_cycle,
        _cron(app.settings.schedule_crawl, "crawl"),
        args=[app],
        id="cycle",
        name="crawl and classify",
        max_instances=1,  # a run still going refuses the next one instead of stacking it
        coalesce=True,  # times missed while down run once, not once each
        misfire_grace_time=6 * 3600,
    )
    return scheduler
