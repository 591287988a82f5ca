"""The scheduled jobs: what each does, and how one is run (lease, retries, alerts).

A job's name is also the kind of its run records and the name of its lease:
"crawl" (the sources of no scheduled group), "crawl:GROUP", "retrain",
"newsletter" (propose the draft of the period just ended), "send" (issues
scheduled for sending, interrupted sends), "digest" (the admins' daily
health email). The scheduler and `veille run` call the same functions as the
CLI, through veille.pipeline.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Callable

from store import alerts as alert_store
from store import newsletters as issue_store
from veille import pipeline
from veille.app import App
from veille.ops import alerts, faults, leases, logs
from veille.ops.records import recorded
from veille.settings import Settings

log = logging.getLogger("veille.jobs")
Work = Callable[[App, threading.Event], None]


@dataclass(frozen=True)
class Job:
    name: str
    cron: str
    setting: str
    work: Work


def crawl_and_classify(group: str | None = None, skip_groups: tuple[str, ...] = ()) -> Work:
    def work(app: App, stop: threading.Event) -> None:
        pipeline.crawl(app, group=group, skip_groups=skip_groups)
        if stop.is_set():  # shutting down: the next start classifies what this crawl brought
            return
        try:
            pipeline.classify(app)
        except leases.Busy:
            log.info("classify already running elsewhere; it tags the new items too")

    return work


def retrain(app: App, stop: threading.Event) -> None:
    """Retrain the classifier from the staff's corrections (its lease and run record: pipeline.retrain)."""
    pipeline.retrain(app)


def previous_period(kind: str, now: datetime) -> tuple[datetime, datetime]:
    """The calendar week (Monday to Monday) or month that ended last, as [start, end)."""
    today = datetime(now.year, now.month, now.day, tzinfo=timezone.utc)
    if kind == "month":
        end = today.replace(day=1)
        return (end - timedelta(days=1)).replace(day=1), end
    end = today - timedelta(days=today.weekday())
    return end - timedelta(days=7), end


def draft_newsletter(app: App, stop: threading.Event) -> None:
    """Propose the draft of the period just ended, once: a draft already there is kept."""
    start, end = previous_period(app.settings.schedule_newsletter_period, datetime.now(timezone.utc))
    with leases.held(app.engine, "newsletter-draft", app.settings.lease_ttl):
        for issue in issue_store.list_issues(app.engine, limit=20):
            if issue.period_start == start and issue.period_end == end:
                log.info("the draft of this period exists already", extra=logs.fields(issue=issue.id))
                return
        pipeline.build_newsletter(app, start, end)


def send_due(app: App, stop: threading.Event) -> None:
    """Send the issues whose time has come; a check that finds none leaves no run record
    (every five minutes, it would bury the others)."""
    from newsletter.config import from_settings
    from newsletter.send import SendError, send_issue

    engine, now = app.engine, datetime.now(timezone.utc)
    if not issue_store.due(engine, now):
        return
    with leases.held(engine, "send", app.settings.lease_ttl), recorded(engine, "send") as run:
        config = from_settings(app.settings)
        for issue_id in issue_store.due(engine, now):
            try:
                report = send_issue(engine, issue_id, config)
            except SendError as exc:
                run.errors.append({"issue": issue_id, "error": str(exc)})
                continue
            run.counts[str(issue_id)] = {k: v for k, v in report.to_json().items() if k != "issue_id"}
            for key in ("sent", "failed", "pending"):
                run.counts[key] = run.counts.get(key, 0) + getattr(report, key)
        if run.errors and not run.counts:
            run.status = "failed"


def digest(app: App, stop: threading.Event) -> None:
    with leases.held(app.engine, "digest", app.settings.lease_ttl), recorded(app.engine, "digest") as run:
        run.counts = alerts.digest(app)


def jobs_from(settings: Settings) -> list[Job]:
    """Every job with a cron expression; an empty one is off."""
    groups = settings.schedule_groups
    jobs = [Job("crawl", settings.schedule_crawl, "schedule_crawl", crawl_and_classify(None, tuple(groups)))]
    jobs += [Job(f"crawl:{g}", cron, f"schedule_groups.{g}", crawl_and_classify(g)) for g, cron in groups.items()]
    jobs += [
        Job("retrain", settings.schedule_retrain, "schedule_retrain", retrain),
        Job("newsletter", settings.schedule_newsletter, "schedule_newsletter", draft_newsletter),
        Job("send", settings.schedule_send, "schedule_send", send_due),
        Job("digest", settings.schedule_digest, "schedule_digest", digest),
    ]
    return [j for j in jobs if j.cron.strip()]


def run_job(app: App, job: Job, stop: threading.Event | None = None) -> str:
    """Run one job now: refused if it already runs, retried if the store is busy, alerted if it fails.

    Returns "ok", "busy" or "failed"; never raises, the scheduler goes on.
    """
    stop = stop or threading.Event()
    s = app.settings
    with logs.bound(job=job.name):
        outcome, problems, before = "ok", [], None
        try:
            before = faults.retrying(lambda: alert_store.last_run_id(app.engine), s.retry_attempts, s.retry_delay, stop)
            faults.retrying(lambda: job.work(app, stop), s.retry_attempts, s.retry_delay, stop)
        except leases.Busy as exc:
            log.info("refused: already running", extra=logs.fields(reason=exc))
            return "busy"
        except Exception as exc:
            outcome = "failed"
            log.error("job failed", extra=logs.fields(error=faults.explain(exc)))
            problems.append(alerts.Problem(f"run-failed:{job.name}", f"Le travail {job.name} a échoué : {faults.explain(exc)}"))
        if not stop.is_set():  # a run cut short by a shutdown is no news for the admins
            _alert(app, problems, before)
        return outcome


def _alert(app: App, problems: list, before: int | None) -> None:
    try:
        if before is not None:
            problems = problems + alerts.run_problems(app, before)
        alerts.alert(app, _unique(problems + alerts.source_problems(app) + alerts.storage_problems(app)))
    except Exception as exc:
        log.error("could not check for problems to alert", extra=logs.fields(error=faults.explain(exc)))


def _unique(problems: list) -> list:
    first: dict = {}
    for p in problems:
        first.setdefault(p.cause, p)
    return list(first.values())
