"""The live registry of actors and channels."""

from __future__ import annotations

import re
import unicodedata
from datetime import datetime, timezone

from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import selectinload

from store.db import transaction
from store.records import ChannelResult, ChannelSpec, ChannelView, SourceView
from store.schema import Actor, Channel
from store.timeutil import aware


def slugify(name: str) -> str:
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-") or "source"


def upsert_actor(engine: Engine, *, name: str, channels: list[dict], slug: str | None = None, **fields) -> int:
    """Create or update an actor by slug, adding channels it does not have yet.

    `channels` are dicts with kind, url and optionally selectors, confidence,
    enabled. Returns the actor id.
    """
    slug = slug or slugify(name)
    with transaction(engine) as session:
        actor = session.scalar(select(Actor).where(Actor.slug == slug).options(selectinload(Actor.channels)))
        if actor is None:
            actor = Actor(slug=slug, name=name, tags=[], notes="")
            session.add(actor)
        actor.name = name
        for key, value in fields.items():
            setattr(actor, key, value)
        known = {c.url: c for c in actor.channels}
        for spec in channels:
            channel = known.get(spec["url"])
            if channel is None:
                channel = Channel(url=spec["url"], kind=spec["kind"], selectors={})
                actor.channels.append(channel)
            channel.kind = spec["kind"]
            channel.selectors = spec.get("selectors") or {}
            channel.confidence = spec.get("confidence", "evidenced")
            channel.enabled = spec.get("enabled", True)
        session.flush()
        return actor.id


def _channel_view(c: Channel) -> ChannelView:
    return ChannelView(
        id=c.id,
        kind=c.kind,
        url=c.url,
        enabled=c.enabled,
        confidence=c.confidence,
        last_attempt=aware(c.last_attempt),
        last_success=aware(c.last_success),
        last_error=c.last_error,
        consecutive_failures=c.consecutive_failures,
    )


def list_sources(engine: Engine) -> list[SourceView]:
    with transaction(engine) as session:
        actors = session.scalars(select(Actor).options(selectinload(Actor.channels)).order_by(Actor.name))
        return [
            SourceView(
                id=a.id,
                slug=a.slug,
                name=a.name,
                type=a.type,
                country=a.country,
                language=a.language,
                homepage=a.homepage,
                enabled=a.enabled,
                status=a.status,
                channels=[_channel_view(c) for c in sorted(a.channels, key=lambda c: c.id)],
            )
            for a in actors
        ]


def channel_specs(engine: Engine, actor_id: int | None = None) -> list[ChannelSpec]:
    """The enabled channels of enabled actors: what a crawl should read."""
    query = (
        select(Channel, Actor)
        .join(Actor)
        .where(Channel.enabled.is_(True), Actor.enabled.is_(True))
        .order_by(Channel.id)
    )
    if actor_id is not None:
        query = query.where(Actor.id == actor_id)
    with transaction(engine) as session:
        return [
            ChannelSpec(
                id=c.id,
                actor_id=a.id,
                actor_name=a.name,
                kind=c.kind,
                url=c.url,
                selectors=dict(c.selectors or {}),
                etag=c.etag,
                last_modified=c.last_modified,
                language=a.language,
            )
            for c, a in session.execute(query)
        ]


def actor_exists(engine: Engine, actor_id: int) -> bool:
    with transaction(engine) as session:
        return session.get(Actor, actor_id) is not None


def record_channel_results(engine: Engine, results: list[ChannelResult]) -> None:
    """Keep each channel's health and its validators for the next conditional GET."""
    now = datetime.now(timezone.utc)
    with transaction(engine) as session:
        for result in results:
            channel = session.get(Channel, result.channel_id)
            if channel is None:
                continue
            channel.last_attempt = now
            if result.status == "error":
                channel.last_error = result.error
                channel.consecutive_failures += 1
            else:
                channel.last_success = now
                channel.last_error = None
                channel.consecutive_failures = 0
                if result.status == "ok":
                    channel.etag = result.etag
                    channel.last_modified = result.last_modified
