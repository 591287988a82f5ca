"""Alembic environment: the engine comes from store.migrate, never from a file."""

from alembic import context

from store.schema import Base
from store.search import include_name

config = context.config
engine = config.attributes["engine"]

with engine.begin() as connection:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        # SQLite cannot ALTER most things: batch mode rebuilds tables instead.
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        include_name=include_name,  # the full-text index is not a model: never drop it
    )
    context.run_migrations()
