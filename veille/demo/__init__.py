"""Offline demo: a fixture web of fictional French civic-tech actors (sites/, sites.toml)
served on 127.0.0.1 by :class:`FixtureWeb`, for ``veille demo`` and integration tests."""
from .server import FixtureWeb, load_manifest

__all__ = ["FixtureWeb", "load_manifest"]
