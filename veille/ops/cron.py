"""Cron expressions of the settings, read as cron reads them, into APScheduler triggers.

Five fields (minute hour day month weekday), or six with seconds first (the
tests use seconds). Weekdays are numbered as in crontab, 0 or 7 = Sunday:
APScheduler 3 counts 0 as Monday, so numbers are turned into day names.
"""

from __future__ import annotations

import re
from datetime import timezone

from apscheduler.triggers.cron import CronTrigger

from veille.errors import UserError

_DAYS = ["sun", "mon", "tue", "wed", "thu", "fri", "sat", "sun"]


def _day(number: str) -> str:
    return _DAYS[int(number)] if int(number) <= 7 else number


def _weekday_part(part: str) -> str:
    base, slash, step = part.partition("/")
    low, dash, high = base.partition("-")
    if dash and low.isdigit() and high.isdigit() and int(low) == 0 and int(high) >= 1:
        # "0-5": Sunday to Friday; APScheduler's weeks start on Monday, so Sunday goes apart.
        return "sun," + (f"mon-{_day(high)}" if int(high) > 1 else "mon") + slash + step
    return re.sub(r"\d+", lambda m: _day(m.group()), base) + slash + step


def trigger(expression: str, setting: str) -> CronTrigger:
    fields = expression.split()
    if len(fields) not in (5, 6):
        raise UserError(f"{setting}: not a cron expression ({expression!r}): "
                        "5 fields (minute hour day month weekday), or 6 with seconds first")
    second = fields[0] if len(fields) == 6 else "0"
    minute, hour, day, month, weekday = fields[-5:]
    if weekday != "*":
        weekday = ",".join(_weekday_part(p) for p in weekday.split(","))
    try:
        return CronTrigger(second=second, minute=minute, hour=hour, day=day, month=month,
                           day_of_week=weekday, timezone=timezone.utc)
    except ValueError as exc:
        raise UserError(f"{setting}: not a cron expression ({expression!r}): {exc}") from None
