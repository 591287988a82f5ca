"""The live registry of actors and channels."""

from __future__ import annotations

import re
import statistics
import unicodedata
from datetime import datetime, timedelta, timezone

from sqlalchemy import func, or_, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import selectinload

from store.db import transaction
from store.records import ChannelResult, ChannelSpec, ChannelView, SourceView
from store.schema import Actor, Channel, Item
from store.timeutil import aware

# A channel failing twice in a row waits 1 h, then 2 h, 4 h… (at most a week)
# before it is tried again: a dead site is not hammered, and is never dropped.
BACKOFF_BASE = timedelta(hours=1)
BACKOFF_MAX = timedelta(days=7)
RATE_WEEKS = 8  # items per week are counted over this many weeks
RHYTHM_ITEMS = 20  # an actor's usual rhythm: the median gap between its last items


def slugify(name: str) -> str:
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-") or "source"


def upsert_actor(engine: Engine, *, name: str, channels: list[dict], slug: str | None = None,
                 add_tags: tuple[str, ...] | list[str] = (), **fields) -> int:
    """Create or update an actor by slug, adding channels it does not have yet.

    `channels` are dicts with kind, url and optionally selectors, confidence,
    enabled. `add_tags` joins the actor's tags, keeping the ones it has (crawl
    groups among them); a `tags` field replaces them. Returns the actor id.
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
        if missing := [t for t in add_tags if t not in (actor.tags or [])]:
            actor.tags = [*(actor.tags or []), *missing]
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


def _channel_view(c: Channel, actor_enabled: bool, rate: float, failing_after: int) -> ChannelView:
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
        backoff_until=aware(c.backoff_until),
        last_new_item=aware(c.last_new_item),
        items_per_week=round(rate, 2),
        state=channel_state(c, actor_enabled, failing_after),
        selectors=dict(c.selectors or {}),
    )


def channel_state(c: Channel, actor_enabled: bool = True, failing_after: int = 3) -> str:
    """disabled | never (not crawled yet) | ok | error (last attempt failed) | failing (flagged)."""
    if not (c.enabled and actor_enabled):
        return "disabled"
    if c.last_attempt is None:
        return "never"
    if c.consecutive_failures >= failing_after:
        return "failing"
    return "error" if c.consecutive_failures else "ok"


def list_sources(engine: Engine, now: datetime | None = None, failing_after: int = 3,
                 quiet_factor: float = 4.0, quiet_min_days: float = 7.0) -> list[SourceView]:
    """Every actor with its channels and their health.

    A channel is flagged `failing` after `failing_after` failed attempts in a
    row; an actor is `quiet` when its newest item is older than
    `quiet_factor` times its usual gap between items (and `quiet_min_days`).
    """
    now = now or datetime.now(timezone.utc)
    with transaction(engine) as session:
        rates = _items_per_week(session, now)
        rhythms = _rhythms(session)
        actors = session.scalars(select(Actor).options(selectinload(Actor.channels)).order_by(Actor.name))
        views = []
        for a in actors:
            last, gap = rhythms.get(a.id, (None, None))
            views.append(SourceView(
                id=a.id,
                slug=a.slug,
                name=a.name,
                type=a.type,
                country=a.country,
                language=a.language,
                homepage=a.homepage,
                enabled=a.enabled,
                status=a.status,
                channels=[_channel_view(c, a.enabled, rates.get(c.id, 0.0), failing_after)
                          for c in sorted(a.channels, key=lambda c: c.id)],
                tags=list(a.tags or []),
                notes=a.notes or "",
                last_item=last,
                usual_gap_days=round(gap, 1) if gap is not None else None,
                quiet=a.enabled and _is_quiet(last, gap, now, quiet_factor, quiet_min_days),
            ))
        return views


def _is_quiet(last: datetime | None, gap: float | None, now: datetime, factor: float, min_days: float) -> bool:
    if last is None or gap is None:
        return False  # no rhythm known yet: nothing to compare with
    silence = (now - last).total_seconds() / 86400
    return silence > max(factor * gap, min_days)


def _item_date():
    return func.coalesce(Item.published, Item.collected)


def _items_per_week(session, now: datetime) -> dict[int, float]:
    since = now - timedelta(weeks=RATE_WEEKS)
    rows = session.execute(
        select(Item.channel_id, func.count(Item.id))
        .where(Item.channel_id.is_not(None), _item_date() >= since, _item_date() <= now)
        .group_by(Item.channel_id)
    )
    return {channel_id: count / RATE_WEEKS for channel_id, count in rows}


def _rhythms(session) -> dict[int, tuple[datetime | None, float | None]]:
    """actor id -> (newest item date, median days between its last items, None under 3 items)."""
    rank = func.row_number().over(partition_by=Item.actor_id, order_by=_item_date().desc()).label("rank")
    recent = select(Item.actor_id, _item_date().label("date"), rank).subquery()
    rows = session.execute(
        select(recent.c.actor_id, recent.c.date).where(recent.c.rank <= RHYTHM_ITEMS)
        .order_by(recent.c.actor_id, recent.c.date.desc())
    )
    dates: dict[int, list[datetime]] = {}
    for actor_id, date in rows:
        dates.setdefault(actor_id, []).append(aware(date))
    rhythms = {}
    for actor_id, ds in dates.items():
        gaps = [(a - b).total_seconds() / 86400 for a, b in zip(ds, ds[1:])]
        rhythms[actor_id] = (ds[0], statistics.median(gaps) if len(gaps) >= 2 else None)
    return rhythms


def channel_specs(engine: Engine, actor_id: int | None = None, due_only: bool = False,
                  now: datetime | None = None) -> list[ChannelSpec]:
    """The enabled channels of enabled actors: what a crawl should read.

    With `due_only`, channels backing off after failures wait for their time,
    except when one actor is crawled on purpose (`actor_id`): someone asked.
    """
    query = (
        select(Channel, Actor)
        .join(Actor)
        .where(Channel.enabled.is_(True), Actor.enabled.is_(True))
        .order_by(Channel.id)
    )
    if actor_id is not None:
        query = query.where(Actor.id == actor_id)
    elif due_only:
        now = now or datetime.now(timezone.utc)
        query = query.where(or_(Channel.backoff_until.is_(None), Channel.backoff_until <= now))
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
                page_hash=c.page_hash if c.kind == "page" else None,
                page_text=c.page_text if c.kind == "page" else None,
            )
            for c, a in session.execute(query)
        ]


def actor_exists(engine: Engine, actor_id: int) -> bool:
    with transaction(engine) as session:
        return session.get(Actor, actor_id) is not None


def record_channel_results(engine: Engine, results: list[ChannelResult], now: datetime | None = None) -> None:
    """Keep each channel's health, its validators for the next conditional GET,
    and (watched pages) the text now seen; failing channels back off."""
    now = now or datetime.now(timezone.utc)
    with transaction(engine) as session:
        for result in results:
            channel = session.get(Channel, result.channel_id)
            if channel is not None:
                _record(channel, result, now)


def _record(channel: Channel, result: ChannelResult, now: datetime) -> None:
    channel.last_attempt = now
    if result.new:
        channel.last_new_item = now
    if result.status == "error":
        channel.last_error = result.error
        channel.consecutive_failures += 1
        channel.backoff_until = now + backoff(channel.consecutive_failures, result.retry_after)
        return
    channel.last_success = now
    channel.last_error = result.error if result.status == "partial" else None
    channel.consecutive_failures = 0
    channel.backoff_until = None
    if result.status == "ok":
        channel.etag = result.etag
        channel.last_modified = result.last_modified
    if result.page_hash is not None:
        channel.page_hash, channel.page_text = result.page_hash, result.page_text


def backoff(failures: int, retry_after: float | None = None) -> timedelta:
    """How long a channel that failed `failures` times in a row waits (a site's
    Retry-After, when longer, is obeyed)."""
    # One failure is a hiccup: the next crawl tries again. From the second on, wait.
    delay = min(BACKOFF_BASE * 2 ** min(failures - 2, 20), BACKOFF_MAX) if failures >= 2 else timedelta(0)
    if retry_after:
        delay = max(delay, min(timedelta(seconds=retry_after), BACKOFF_MAX))
    return delay


# --- crawl groups: a source is in group NAME when tagged "group:NAME" -----------------


def actor_groups(engine: Engine) -> dict[int, set[str]]:
    """The groups of every actor in at least one."""
    with transaction(engine) as session:
        rows = session.execute(select(Actor.id, Actor.tags))
        groups = {i: {t[6:] for t in (tags or []) if isinstance(t, str) and t.startswith("group:")} for i, tags in rows}
        return {i: g for i, g in groups.items() if g}


def set_group(engine: Engine, actor_id: int, group: str, member: bool = True) -> bool:
    """Put an actor in a crawl group (or take it out); False if there is no such actor."""
    with transaction(engine) as session:
        actor = session.get(Actor, actor_id)
        if actor is None:
            return False
        tags = [t for t in (actor.tags or []) if t != f"group:{group}"]
        actor.tags = tags + [f"group:{group}"] if member else tags
        return True
