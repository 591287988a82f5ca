"""Structured, greppable logs: one `key=value` line per event, with the run id.

    2026-11-02T06:00:01Z level=info logger=veille.jobs job=crawl run=42 msg="run finished" status=ok new=7

`grep run=42` finds everything one run said; `grep level=error` what failed.
The job and run ids live in context variables, so every line logged while a
job runs carries them without being passed around (each scheduler thread
has its own context).
"""

from __future__ import annotations

import contextvars
import logging
import sys
import time
from contextlib import contextmanager
from typing import Iterator

_CONTEXT: contextvars.ContextVar[dict] = contextvars.ContextVar("veille_log_context", default={})
_FIELDS = ("job", "run")


@contextmanager
def bound(**fields) -> Iterator[None]:
    """Add `fields` (e.g. job="crawl", run=42) to every line logged inside the block."""
    token = _CONTEXT.set({**_CONTEXT.get(), **fields})
    try:
        yield
    finally:
        _CONTEXT.reset(token)


def _quote(value) -> str:
    text = str(value)
    if text == "" or any(c in text for c in ' "=\n'):
        return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'
    return text


class LogfmtFormatter(logging.Formatter):
    converter = time.gmtime  # UTC, like the store and the cron expressions

    def format(self, record: logging.LogRecord) -> str:
        fields = {
            "level": record.levelname.lower(),
            "logger": record.name,
            **_CONTEXT.get(),
            "msg": record.getMessage(),
            **getattr(record, "fields", {}),
        }
        line = self.formatTime(record, "%Y-%m-%dT%H:%M:%SZ") + " " + " ".join(
            f"{k}={_quote(v)}" for k, v in fields.items() if v is not None
        )
        if record.exc_info:
            line += " error=" + _quote(" ".join(self.formatException(record.exc_info).split()[-12:]))
        return line


def fields(**values) -> dict:
    """`log.info("run finished", extra=fields(new=3))` adds new=3 to the line."""
    return {"fields": values}


def setup(level: str = "INFO", stream=None) -> None:
    """Send veille's logs, as logfmt lines, to stderr (journald keeps them under systemd)."""
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(LogfmtFormatter())
    root = logging.getLogger("veille")
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    root.propagate = False
    # APScheduler's own lines ("Added job", "Running job") say nothing ours do not; keep its warnings.
    aps = logging.getLogger("apscheduler")
    aps.handlers[:] = [handler]
    aps.setLevel(logging.WARNING)
    aps.propagate = False
