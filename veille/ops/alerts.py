"""Alerts to the admins: a run failed, sources fail or went quiet, the database nears its limits.

Each problem has a cause ("run-failed:crawl", "source-failing:12",
"database-size"…); a cause is emailed at most once a day, kept so by a row
of `alerts` unique on (cause, day), claimed before the email goes and
released if it could not be sent, so the next check tries again. The admins
are the active admin accounts plus the `alert_emails` setting. Emails are in
French, the staff's language.
"""

from __future__ import annotations

import logging
import shutil
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

from sqlalchemy.engine import make_url

from store import alerts as alert_store
from veille.app import App
from veille.ops import faults, logs
from veille.ops.mail import MailError, send_mail

log = logging.getLogger("veille.alerts")
NEAR = 0.9  # share of a limit at which it is reported
# Causes alerted while the store could not record them (disk full): still once per process and day.
_UNRECORDED: set[tuple[str, str]] = set()


@dataclass(frozen=True)
class Problem:
    cause: str
    text: str  # one line, for the email


def _mb(size: float) -> str:
    return f"{size / 1e6:,.1f}".replace(",", " ")


def source_problems(app: App) -> list[Problem]:
    engine, s = app.engine, app.settings
    problems = [
        Problem(f"source-failing:{c.channel_id}",
                f"La source « {c.source} » échoue depuis {c.failures} collectes ({c.url}) : {c.error}")
        for c in alert_store.failing_channels(engine, s.alert_failures)
    ]
    if s.alert_quiet_days:
        for q in alert_store.quiet_sources(engine, s.alert_quiet_days):
            last = f"dernier article collecté le {q.last_item:%d/%m/%Y}" if q.last_item else "aucun article collecté"
            problems.append(Problem(f"source-quiet:{q.actor_id}",
                                    f"La source « {q.source} » n'a rien publié depuis {s.alert_quiet_days} jours ({last})."))
    return problems


def _disk_paths(app: App) -> list[Path]:
    paths = [app.settings.data_dir]
    url = make_url(app.settings.store_url)
    if url.get_backend_name() == "sqlite" and url.database:
        paths.append(Path(url.database).parent)
    return list(dict.fromkeys(p for p in paths if p.exists()))


def storage_problems(app: App) -> list[Problem]:
    s, problems = app.settings, []
    size, limit = alert_store.database_bytes(app.engine), s.alert_db_max_mb * 1e6
    if size >= NEAR * limit:
        problems.append(Problem("database-size", f"La base de données occupe {_mb(size)} Mo, "
                                f"{100 * size / limit:.0f} % de la limite fixée ({_mb(limit)} Mo)."))
    for path in _disk_paths(app):
        free = shutil.disk_usage(path).free
        if free < s.alert_disk_min_free_mb * 1e6:
            problems.append(Problem(f"disk-space:{path}", f"Il ne reste que {_mb(free)} Mo libres sur le disque de {path} "
                                    f"(seuil : {_mb(s.alert_disk_min_free_mb * 1e6)} Mo)."))
    return problems


def run_problems(app: App, after_run_id: int) -> list[Problem]:
    """The runs created after `after_run_id` that failed."""
    return [
        Problem(f"run-failed:{kind}", f"L'exécution {run_id} ({kind}) a échoué : {_last_error(errors)}")
        for run_id, kind, status, errors in alert_store.runs_after(app.engine, after_run_id)
        if status == "failed"
    ]


def _last_error(errors: list) -> str:
    if not errors:
        return "sans message d'erreur"
    last = errors[-1]
    return str(last.get("error", last) if isinstance(last, dict) else last)[:300]


def recipients(app: App) -> list[str]:
    return sorted(set(alert_store.admin_emails(app.engine)) | set(app.settings.alert_emails))


def _claim(app: App, problem: Problem, day: str) -> bool:
    try:
        return alert_store.claim_alert(app.engine, problem.cause, day, problem.text)
    except Exception as exc:  # the store cannot record it (full disk…): telling beats keeping count
        log.warning("cannot record the alert", extra=logs.fields(cause=problem.cause, error=faults.explain(exc)))
        if (problem.cause, day) in _UNRECORDED:
            return False
        _UNRECORDED.add((problem.cause, day))
        return True


def alert(app: App, problems: list[Problem]) -> list[Problem]:
    """Email the problems not yet alerted today; returns those sent."""
    if not problems:
        return []
    to = recipients(app)
    if not to:
        log.warning("no admin to alert: add an admin account or set alert_emails",
                    extra=logs.fields(causes=",".join(p.cause for p in problems)))
        return []
    day = datetime.now(timezone.utc).date().isoformat()
    fresh = [p for p in problems if _claim(app, p, day)]
    if not fresh:
        return []
    subject = f"[veille] {fresh[0].text[:90]}" if len(fresh) == 1 else f"[veille] {len(fresh)} problèmes à regarder"
    body = "\n".join(f"- {p.text}" for p in fresh) + _footer(app)
    try:
        send_mail(app.settings, to, subject, body)
    except MailError as exc:
        log.error("alert not sent", extra=logs.fields(error=exc))
        for p in fresh:
            _unclaim(app, p, day)
        return []
    log.warning("alert sent", extra=logs.fields(causes=",".join(p.cause for p in fresh), to=",".join(to)))
    return fresh


def _unclaim(app: App, problem: Problem, day: str) -> None:
    _UNRECORDED.discard((problem.cause, day))
    try:
        alert_store.unclaim_alert(app.engine, problem.cause, day)
    except Exception:  # then it is simply not retried today
        pass


def _footer(app: App) -> str:
    return (f"\n\nLes exécutions : {app.settings.public_url.rstrip('/')}/equipe/executions\n"
            "Une alerte ne revient pas avant demain pour la même cause.\n")


def check(app: App, after_run_id: int | None = None) -> list[Problem]:
    """Look for every kind of problem and alert the new ones (after a crawl, in `veille run`)."""
    problems = run_problems(app, after_run_id) if after_run_id is not None else []
    problems += source_problems(app) + storage_problems(app)
    return alert(app, problems)


def digest(app: App, now: datetime | None = None) -> dict:
    """The daily health digest: what ran in the last 24 hours, what is wrong. Once a day."""
    now = now or datetime.now(timezone.utc)
    engine, to = app.engine, recipients(app)
    if not to:
        return {"sent": 0, "reason": "no admin to send it to"}
    if not alert_store.claim_alert(engine, "digest", now.date().isoformat(), ""):
        return {"sent": 0, "reason": "already sent today"}
    lines = _digest_lines(app, now)
    try:
        send_mail(app.settings, to, f"[veille] Bilan du {now:%d/%m/%Y}", "\n".join(lines) + _footer(app))
    except MailError:
        alert_store.unclaim_alert(engine, "digest", now.date().isoformat())
        raise
    return {"sent": len(to)}


def _digest_lines(app: App, now: datetime) -> list[str]:
    engine, since = app.engine, now - timedelta(hours=24)
    runs = alert_store.run_summary(engine, since)
    lines = [f"Articles collectés en 24 heures : {alert_store.items_collected_since(engine, since)}", "",
             "Exécutions en 24 heures :"]
    lines += [f"- {kind} : {count} {status}" for kind, status, count in runs] or ["- aucune"]
    problems = source_problems(app) + storage_problems(app)
    lines += ["", "À regarder :"] + ([f"- {p.text}" for p in problems] or ["- rien"])
    lines += ["", f"Taille de la base : {_mb(alert_store.database_bytes(engine))} Mo"]
    return lines
