"""The application context shared by the CLI, the web app and the scheduler."""

from __future__ import annotations

from functools import cached_property

from sqlalchemy.engine import Engine

from store import migrate
from store.db import StoreError, open_engine
from veille.errors import UserError
from veille.settings import Settings


class App:
    """Settings plus the store they point at, opened on first use."""

    def __init__(self, settings: Settings):
        self.settings = settings

    @cached_property
    def engine(self) -> Engine:
        try:
            engine = open_engine(self.settings.store_url)
        except StoreError as exc:
            raise UserError(str(exc)) from None
        self._ensure_schema(engine)
        return engine

    def _ensure_schema(self, engine: Engine) -> None:
        if migrate.is_up_to_date(engine):
            return
        # The embedded store upgrades itself so a newcomer never has to; a
        # shared PostgreSQL store is upgraded on purpose, by `veille db upgrade`.
        if engine.dialect.name == "sqlite":
            migrate.upgrade(engine)
        else:
            raise UserError(
                f"the database schema is at {migrate.current_revision(engine) or 'nothing'}, "
                f"veille needs {migrate.head_revision()}: run `veille db upgrade`"
            )
