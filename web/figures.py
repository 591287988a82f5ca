"""The figures behind the archive's charts, computed at most every few minutes.

Counting every public item by theme and month reads two years of the archive
(5 s on a million items in SQLite); the picture changes a little each day. So
one computation serves every visitor for TTL seconds, and past that the old
picture is still served while a background thread draws the new one: only
the very first visitor after a start waits.
"""

from __future__ import annotations

import threading
import time
from datetime import date

from sqlalchemy.engine import Engine

from store import search, taxonomy
from web import charts

TTL = 300
MONTHS = 24
TOP_ACTORS = 15


class Figures:
    def __init__(self, engine: Engine):
        self.engine = engine
        self._lock = threading.Lock()
        self._cached: tuple[float, dict] | None = None
        self._refreshing = False

    def get(self) -> dict:
        with self._lock:
            cached = self._cached
            if cached is not None:
                if time.monotonic() - cached[0] > TTL and not self._refreshing:
                    self._refreshing = True
                    threading.Thread(target=self._refresh, daemon=True, name="figures").start()
                return cached[1]
            self._cached = (time.monotonic(), self._compute())
            return self._cached[1]

    def _refresh(self) -> None:
        try:
            fresh = (time.monotonic(), self._compute())
            with self._lock:
                self._cached = fresh
        finally:
            self._refreshing = False

    def _compute(self) -> dict:
        months = charts.months_back(date.today(), MONTHS)
        since = date.fromisoformat(months[0] + "-01")
        counts: dict[str, dict[str, int]] = {}
        for month, theme, n in search.themes_by_month(self.engine, since):
            counts.setdefault(theme, {})[month] = n
        themes = [(t.slug, t.label, [counts.get(t.slug, {}).get(m, 0) for m in months]) for t in taxonomy.THEMES]
        return {
            "months": months,
            "themes": themes,
            "actors": search.items_by_actor(self.engine, TOP_ACTORS),
        }

    def charts(self) -> dict:
        data = self.get()
        return {
            "themes_chart": charts.heatmap([(label, values) for _, label, values in data["themes"]], data["months"],
                                           "Articles par thème et par mois"),
            "actors_chart": charts.bars([(name, n, f"/acteurs/{actor_id}") for actor_id, name, n in data["actors"]],
                                        "Articles par acteur"),
            "has_figures": any(sum(values) for _, _, values in data["themes"]) or bool(data["actors"]),
        }
