"""veille runs on its own: APScheduler calls the same functions as the CLI.

The jobs and their cron expressions come from the settings (veille/ops/jobs.py).
`veille schedule` runs a Scheduler in the foreground; `veille run` does one
cycle now.

Exactly one runner. Any number of `veille schedule` processes may point at
one store (a restart overlapping the old process, a second machine as a spare):
only the holder of the "scheduler" lease, a row in the `locks` table renewed
every third of its life, runs the jobs; the others stand by and take over
when it stops renewing. Each job also holds its own lease while it runs, so
a job still going (or started by hand with `veille crawl`) refuses the next
one instead of stacking it.

No run silently skipped. Missed times are caught up at start from the run
records, not from a persistent APScheduler job store: the job store would
pickle the jobs (and their App, with its engine), add a table outside our
migrations, and in APScheduler 3 two schedulers sharing one would both run
the jobs. The run records already say when each job last started: a job whose
latest scheduled time since then has passed (within `schedule_misfire_grace`)
runs once at start, however many times it was missed.
"""

from __future__ import annotations

import logging
import multiprocessing
import threading
from datetime import datetime, timedelta, timezone

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.cron import CronTrigger

from store import alerts as alert_store
from store import locks, runs
from veille import pipeline
from veille.app import App
from veille.ops import alerts, faults, leases, logs
from veille.ops.cron import trigger
from veille.ops.jobs import Job, jobs_from, run_job

log = logging.getLogger("veille.scheduler")
LEASE = "scheduler"
WORKERS = 4  # jobs of different kinds may run side by side (a send during a crawl)


def run_cycle(app: App) -> dict:
    """One collection cycle now: crawl every source, tag what is new, alert what is wrong."""
    s = app.settings
    before = alert_store.last_run_id(app.engine)
    sent: list = []
    try:
        crawl = faults.retrying(lambda: pipeline.crawl(app), s.retry_attempts, s.retry_delay)
        tagged = faults.retrying(lambda: pipeline.classify(app), s.retry_attempts, s.retry_delay)
    finally:  # a failed cycle is what the admins most need to hear of
        sent = _check(app, before)
    return {
        "crawl": crawl.to_json() | {"channels": len(crawl.channels)},
        "classify": tagged.to_json(),
        "alerts": [p.cause for p in sent],
    }


def _check(app: App, before: int) -> list:
    try:
        return alerts.check(app, after_run_id=before)
    except Exception as exc:  # e.g. the disk is full: the cycle's own error says it better
        log.error("could not check for problems to alert", extra=logs.fields(error=faults.explain(exc)))
        return []


def last_missed(trig: CronTrigger, since: datetime, now: datetime) -> datetime | None:
    """The latest time `trig` fired after `since` and up to `now`, if any."""
    missed = trig.get_next_fire_time(None, since)
    if missed is None or missed > now:
        return None
    for _ in range(100_000):  # walk to the latest; bounded for schedules in seconds
        nxt = trig.get_next_fire_time(missed, missed + timedelta(microseconds=1))
        if nxt is None or nxt > now:
            break
        missed = nxt
    return missed


class Scheduler:
    """Stand by until the "scheduler" lease is ours, then run the jobs until `stop` is set."""

    def __init__(self, app: App, stop: threading.Event | None = None):
        self.app, self.engine = app, app.engine
        self.stop = stop or threading.Event()
        self.jobs = jobs_from(app.settings)
        self.triggers = {j.name: trigger(j.cron, j.setting) for j in self.jobs}  # bad cron: fail now
        self.owner = leases.new_owner()
        self.ttl = app.settings.lease_ttl
        self.aps: BackgroundScheduler | None = None
        self.tenure: int | None = None
        self._waiting_for: str | None = None

    def describe(self) -> list[str]:
        return [f"{j.name}: '{j.cron}'" for j in self.jobs]

    def run(self) -> None:
        log.info("started", extra=logs.fields(owner=self.owner, jobs="; ".join(self.describe())))
        try:
            while not self.stop.is_set():
                try:
                    self._tick()
                except Exception as exc:  # a busy or unreachable store: try again next tick
                    log.warning("scheduler tick failed", extra=logs.fields(error=faults.explain(exc)))
                self.stop.wait(self.ttl.total_seconds() / 3)
        finally:
            self._step_down()
            log.info("stopped")

    def _tick(self) -> None:
        if self.aps is None:
            if leases.take(self.engine, LEASE, self.owner, self.ttl):
                self._lead()
            else:
                self._stand_by()
        elif not locks.renew(self.engine, LEASE, self.owner, self.ttl):
            log.error("lost the scheduler lease to another process: standing by")
            self._step_down(release=False)

    def _stand_by(self) -> None:
        held = locks.holder(self.engine, LEASE)
        holder = held.owner if held else "?"
        if holder != self._waiting_for:
            self._waiting_for = holder
            log.info("standing by: another scheduler runs the jobs", extra=logs.fields(holder=holder))

    def _lead(self) -> None:
        self._waiting_for = None
        locks.close_abandoned_runs(self.engine, LEASE, "interrupted: the scheduler stopped without a clean shutdown")
        leases.close_all_left_open(self.engine, self.ttl)  # what the last runner was doing when it died
        baseline = alert_store.first_run_started(self.engine, LEASE)
        now = datetime.now(timezone.utc)
        self.tenure = runs.start_run(self.engine, LEASE)
        aps = BackgroundScheduler(timezone=timezone.utc, executors={"default": ThreadPoolExecutor(WORKERS)})
        for job in self.jobs:
            extra = {}
            if self._missed(job, baseline, now):
                extra["next_run_time"] = now
            aps.add_job(
                run_job, self.triggers[job.name], args=[self.app, job, self.stop], id=job.name, name=job.name,
                max_instances=1,  # a run still going refuses the next one instead of stacking it
                coalesce=True,  # times missed while a run went on run once, not once each
                misfire_grace_time=max(1, self.app.settings.schedule_misfire_grace), **extra,
            )
        aps.start()
        self.aps = aps
        log.info("running the jobs", extra=logs.fields(run=self.tenure))

    def _missed(self, job: Job, baseline: datetime | None, now: datetime) -> bool:
        """Whether `job` was due while no scheduler ran it (then it runs once, now)."""
        since = alert_store.last_run_started(self.engine, job.name) or baseline
        if since is None:  # never scheduled on this store before: nothing was missed
            return False
        missed = last_missed(self.triggers[job.name], since, now)
        if missed is None:
            return False
        grace = self.app.settings.schedule_misfire_grace
        if (now - missed).total_seconds() > grace:
            log.warning("not caught up: its last due time is older than schedule_misfire_grace",
                        extra=logs.fields(job=job.name, due=f"{missed:%Y-%m-%dT%H:%M:%SZ}"))
            return False
        log.warning("catching up: due while veille was down, runs once now",
                    extra=logs.fields(job=job.name, due=f"{missed:%Y-%m-%dT%H:%M:%SZ}"))
        return True

    def _step_down(self, release: bool = True) -> None:
        """Stop running jobs: let the one in progress end (a crawl is asked to stop and write what it has)."""
        if self.aps is None:
            return
        aps, self.aps = self.aps, None
        aps.pause()  # no new job from now on
        for child in multiprocessing.active_children():  # the crawl's process: SIGTERM, Scrapy stops cleanly
            child.terminate()
        aps.shutdown(wait=True)
        try:
            runs.finish_run(self.engine, self.tenure, "ok", {"jobs": len(self.jobs)}, [])
            if release:
                locks.release(self.engine, LEASE, self.owner)
        except Exception as exc:  # the lease expires; the next leader closes the record
            log.warning("could not close the scheduler's run", extra=logs.fields(error=faults.explain(exc)))
