"""The application context shared by the CLI, the web app and the scheduler."""

from __future__ import annotations

from functools import cached_property
from typing import TYPE_CHECKING

from veille.errors import UserError
from veille.settings import Settings

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine


class App:
    """Settings plus the store they point at, opened on first use."""

    def __init__(self, settings: Settings):
        self.settings = settings

    @cached_property
    def engine(self) -> Engine:
        # Imported here: SQLAlchemy and Alembic are most of a command's start-up
        # time, and `veille extract` or `--help` never open the store.
        from store.db import StoreError, open_engine

        try:
            engine = open_engine(self.settings.store_url)
        except StoreError as exc:
            raise UserError(str(exc)) from None
        self._ensure_schema(engine)
        return engine

    def _ensure_schema(self, engine: Engine) -> None:
        from store import migrate

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
