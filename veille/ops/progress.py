"""A progress line for long CLI work: a bar when the total is known, counts and rate always.

    classify [##########----------] 1500/3000  412.3/s  relevant=380

Drawn on stderr and only on a terminal: scripts reading stdout, pipes and
journald see nothing of it (the run record and the logs tell them).
"""

from __future__ import annotations

import sys
import threading
import time
from contextlib import contextmanager
from typing import Callable, Iterator

WIDTH = 20


class Progress:
    def __init__(self, label: str, total: int | None = None, unit: str = "", stream=None, enabled: bool | None = None):
        self.label, self.total, self.unit = label, total, unit
        self.stream = stream or sys.stderr
        self.enabled = self.stream.isatty() if enabled is None else enabled
        self.done = 0
        self.counts: dict = {}
        self.started = time.monotonic()
        self._drawn = 0.0

    def update(self, done: int, **counts) -> None:
        self.done, self.counts = done, {**self.counts, **counts}
        now = time.monotonic()
        if self.enabled and now - self._drawn >= 0.1:  # redraw at most 10 times a second
            self._drawn = now
            self._draw(end="")

    def line(self) -> str:
        elapsed = max(time.monotonic() - self.started, 1e-9)
        parts = [self.label]
        if self.total:
            filled = int(WIDTH * min(self.done, self.total) / self.total)
            parts.append("[" + "#" * filled + "-" * (WIDTH - filled) + "]")
            parts.append(f"{self.done}/{self.total}{' ' + self.unit if self.unit else ''}")
        else:
            parts.append(f"{self.done}{' ' + self.unit if self.unit else ''}")
        parts.append(f"{self.done / elapsed:.1f}/s")
        parts.append(f"{elapsed:.0f}s")
        parts += [f"{k}={v}" for k, v in self.counts.items()]
        return "  ".join(parts)

    def _draw(self, end: str) -> None:
        self.stream.write("\r\x1b[2K" + self.line() + end)
        self.stream.flush()

    def close(self) -> None:
        if self.enabled:
            self._draw(end="\n")


@contextmanager
def watching(label: str, poll: Callable[[], int], unit: str = "", every: float = 0.5) -> Iterator[Progress]:
    """Show a progress line fed by `poll()` (e.g. items stored so far) while the block runs.

    For work that reports nothing until it ends, such as a crawl in its own
    process: the count it leaves in the store is the progress.
    """
    progress = Progress(label, unit=unit)
    stop = threading.Event()
    base = poll() if progress.enabled else 0

    def loop() -> None:
        while not stop.wait(every):
            try:
                progress.update(poll() - base)
            except Exception:  # a busy store only delays the next redraw
                pass

    thread = threading.Thread(target=loop, daemon=True)
    if progress.enabled:
        thread.start()
    try:
        yield progress
    finally:
        stop.set()
        if progress.enabled:
            thread.join(timeout=2)
            progress.update(poll() - base)
            progress.close()
