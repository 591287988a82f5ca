"""The registry of sources in and out of the store, as plain dicts.

`crawlers.registry` reads and writes the files (TOML, OPML); this module
writes what they hold into the live registry, or reads it back out.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import selectinload

from store.db import transaction
from store.schema import Actor, Channel
from store.sources import slugify


@dataclass(frozen=True)
class ImportReport:
    actors_added: int
    channels_added: int
    actors_updated: int
    unchanged: int


ACTOR_FIELDS = ("type", "country", "language", "homepage", "tags", "status", "enabled", "notes")
CHANNEL_FIELDS = ("kind", "selectors", "confidence", "enabled")


def import_actors(engine: Engine, actors: list[dict], update: bool = False) -> ImportReport:
    """Add the actors (dicts: name, slug?, ACTOR_FIELDS, channels: [dicts: url, CHANNEL_FIELDS])
    that are not in the registry yet, and the channels existing actors lack.

    The database is the live registry: what staff changed there (a paused
    channel, a corrected type) is kept, unless `update` says the file wins.
    """
    added = channels_added = updated = unchanged = 0
    with transaction(engine) as session:
        for spec in actors:
            slug = spec.get("slug") or slugify(spec["name"])
            actor = session.scalar(select(Actor).where(Actor.slug == slug).options(selectinload(Actor.channels)))
            is_new = actor is None
            if is_new:
                actor = Actor(slug=slug, name=spec["name"], tags=[], notes="")
                session.add(actor)
                added += 1
            if is_new or update:
                actor.name = spec["name"]
                for key in ACTOR_FIELDS:
                    if key in spec:
                        setattr(actor, key, spec[key])
            known = {c.url: c for c in actor.channels}
            fresh = 0
            for channel_spec in spec.get("channels", []):
                channel = known.get(channel_spec["url"])
                if channel is None:
                    channel = Channel(url=channel_spec["url"], kind=channel_spec["kind"], selectors={})
                    actor.channels.append(channel)
                    known[channel.url] = channel
                    fresh += 1
                elif not update:
                    continue
                for key in CHANNEL_FIELDS:
                    if key in channel_spec:
                        setattr(channel, key, channel_spec[key] if key != "selectors" else dict(channel_spec[key] or {}))
            channels_added += fresh
            if not is_new:
                updated += bool(update or fresh)
                unchanged += not (update or fresh)
        session.flush()
    return ImportReport(added, channels_added, updated, unchanged)


def export_actors(engine: Engine) -> list[dict]:
    """The registry as plain dicts, the shape `import_actors` reads."""
    with transaction(engine) as session:
        actors = session.scalars(select(Actor).options(selectinload(Actor.channels)).order_by(Actor.name))
        return [
            {
                "name": a.name,
                "slug": a.slug,
                **{key: getattr(a, key) for key in ACTOR_FIELDS},
                "channels": [
                    {"url": c.url, **{key: getattr(c, key) for key in CHANNEL_FIELDS}}
                    for c in sorted(a.channels, key=lambda c: c.id)
                ],
            }
            for a in actors
        ]


def actor_homepages(engine: Engine) -> list[tuple[str, str, str | None]]:
    """(slug, name, homepage) of every actor: to find a site already watched under another name."""
    with transaction(engine) as session:
        return [tuple(row) for row in session.execute(select(Actor.slug, Actor.name, Actor.homepage))]
