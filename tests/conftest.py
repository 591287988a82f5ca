"""Shared fixtures: stores on SQLite and PostgreSQL, the shared data folder."""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from store import migrate
from store.db import open_engine

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
PG_ADMIN_URL = os.environ.get("VEILLE_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


@pytest.fixture(autouse=True)
def _isolated_environment(monkeypatch, tmp_path):
    """No test reads the developer's own settings or data directory."""
    for name in list(os.environ):
        if name.startswith("VEILLE_") and name != "VEILLE_TEST_PG":
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)


def shared_path(*parts: str) -> Path:
    """A path in ../shared/data; skips the test when the folder is absent."""
    path = SHARED.joinpath("data", *parts)
    if not path.exists():
        pytest.skip(f"shared data absent: {path}")
    return path


def _postgres_database():
    """A fresh database on the local PostgreSQL for this test session, or None."""
    try:
        admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 3})
        with admin.connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception as exc:  # noqa: BLE001 - any failure means "not reachable"
        if os.environ.get("CI"):
            pytest.fail(f"PostgreSQL must be reachable in CI at {PG_ADMIN_URL}: {exc}")
        return None, None
    name = f"veille_test_{uuid.uuid4().hex[:10]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    return admin, name


@pytest.fixture(scope="session")
def postgres_url():
    admin, name = _postgres_database()
    if admin is None:
        pytest.skip(f"PostgreSQL not reachable at {PG_ADMIN_URL}")
    url = PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    yield url
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def _reset_postgres(url: str) -> None:
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()


def empty_store_url(request, directory, name: str = "store.sqlite") -> str:
    """An empty database for a fixture parametrised on the kind ("sqlite" or "postgresql"): a new SQLite
    file in `directory`, or the test PostgreSQL database emptied. Not migrated."""
    if request.param == "sqlite":
        return f"sqlite:///{directory / name}"
    url = request.getfixturevalue("postgres_url")
    _reset_postgres(url)
    return url


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def store_url(request, tmp_path):
    """A migrated, empty store: once on SQLite, once on PostgreSQL."""
    url = empty_store_url(request, tmp_path)
    engine = open_engine(url)
    migrate.upgrade(engine)
    engine.dispose()
    return url


@pytest.fixture
def engine(store_url):
    engine = open_engine(store_url)
    yield engine
    engine.dispose()
