"""A run record around a piece of work: started, then finished whatever happens.

Whether the work ends, fails or is interrupted, its record says so (a run
never stays 'running' because of an exception), and every log line inside
carries the run id.
"""

from __future__ import annotations

import logging
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Iterator

from sqlalchemy.engine import Engine

from store import runs
from veille.ops import faults, logs

log = logging.getLogger("veille.runs")


@dataclass
class RunRecord:
    id: int
    kind: str
    counts: dict = field(default_factory=dict)
    errors: list = field(default_factory=list)
    status: str | None = None  # None: ok without errors, partial with some

    def final_status(self) -> str:
        return self.status or ("partial" if self.errors else "ok")


@contextmanager
def recorded(engine: Engine, kind: str) -> Iterator[RunRecord]:
    """Yield a RunRecord to fill in; it is written as the run's end, even on error."""
    record = RunRecord(runs.start_run(engine, kind), kind)
    with logs.bound(run=record.id):
        log.info("run started", extra=logs.fields(kind=kind))
        try:
            yield record
        except BaseException as exc:
            interrupted = isinstance(exc, (KeyboardInterrupt, SystemExit))
            record.status = "interrupted" if interrupted else "failed"
            record.errors.append("interrupted" if interrupted else faults.explain(exc))
            _finish(engine, record)
            raise
        _finish(engine, record)


def _finish(engine: Engine, record: RunRecord) -> None:
    status = record.final_status()
    try:
        runs.finish_run(engine, record.id, status, record.counts, record.errors)
    except Exception as exc:  # e.g. disk full: the next holder of the job's lease closes it
        log.error("could not record the end of the run", extra=logs.fields(error=faults.explain(exc)))
    level = logging.INFO if status in ("ok", "skipped") else logging.WARNING
    values = {**_flat(record.counts), "kind": record.kind, "status": status}
    if record.errors:
        values["error"] = _first_error(record.errors)
    log.log(level, "run finished", extra=logs.fields(**values))


def _first_error(errors: list) -> str:
    first = errors[0]
    text = first.get("error", first) if isinstance(first, dict) else first
    return str(text)[:200] + (f" (and {len(errors) - 1} more)" if len(errors) > 1 else "")


def _flat(counts: dict) -> dict:
    return {k: v for k, v in counts.items() if isinstance(v, (int, float, str, bool))}
