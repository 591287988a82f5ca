"""Stories: the items of several sources (or several versions) about the same news.

Exact duplicates never reach this module (the canonical URL and the content
hash drop them at ingestion). What comes here is the near-duplicate: the same
dispatch republished by two sites, a press release copied with a new intro,
an AFP story updated an hour later. Each item carries a MinHash signature of
its words (computed by the crawler); items sharing one LSH band are
candidates, and a candidate whose signature agrees on at least
`SIMILARITY` of its positions is the same story. A long title is one more
band: an updated dispatch keeps its title while its text doubles (too
different for the signature), and two items titled alike with
MIN_TITLE_WORDS words or more are the same story. The story remembers which
of its items was published first.

Bands are 3 rows wide: 21 bands of a 64-value signature make a pair with a
true Jaccard similarity of 0.5 a candidate 94% of the time, and one of 0.2
only 15% of the time, so few candidates need checking.
"""

from __future__ import annotations

import hashlib
import re
import struct
import unicodedata
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, insert, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from store.db import transaction
from store.schema import Actor, Item, Story, StoryBand
from store.timeutil import aware

SIGNATURE_SIZE = 64  # MinHash permutations; the crawler computes signatures of this size
BAND_ROWS = 3
SIMILARITY = 0.5  # share of equal signature values (an estimate of the Jaccard similarity)
MAX_CANDIDATES = 200  # a band shared by hundreds of items is boilerplate, not a story
MIN_TITLE_WORDS = 6  # "Communiqué de presse", "Agenda de la semaine" are not stories
_WORD = re.compile(r"\w+")


@dataclass(frozen=True)
class StoryMember:
    item_id: int
    source: str
    url: str
    title: str
    published: datetime | None
    first: bool  # published first in its story


@dataclass(frozen=True)
class StoryView:
    id: int
    title: str
    size: int
    first_item_id: int | None
    first_seen: datetime
    items: list[StoryMember]


def band_keys(signature: tuple[int, ...] | list[int]) -> list[int]:
    """One 63-bit key per band (the band's position is part of it, so equal
    values at different places do not match)."""
    keys = []
    for start in range(0, len(signature) - BAND_ROWS + 1, BAND_ROWS):
        values = signature[start : start + BAND_ROWS]
        digest = hashlib.blake2b(struct.pack(f">H{BAND_ROWS}Q", start, *values), digest_size=8).digest()
        keys.append(int.from_bytes(digest, "big") >> 1)  # fits a signed BIGINT
    return keys


def similarity(a, b) -> float:
    if not a or not b or len(a) != len(b):
        return 0.0
    return sum(x == y for x, y in zip(a, b)) / len(a)


def title_key(title: str) -> int | None:
    """The band of a title long enough to name a story, else None."""
    words = _WORD.findall(unicodedata.normalize("NFKC", title or "").casefold())
    if len(words) < MIN_TITLE_WORDS:
        return None
    return int.from_bytes(hashlib.blake2b(" ".join(words).encode(), digest_size=8).digest(), "big") >> 1


@dataclass(frozen=True)
class Fresh:
    """An item just inserted, as `link_items` needs it."""

    item_id: int
    signature: tuple[int, ...]
    title: str
    date: datetime | None


def link_items(session: Session, fresh: list[Fresh]) -> dict[int, int]:
    """Put just-inserted items in the story of their nearest near-duplicate, if
    any, and index their bands; returns item id -> story id. Runs in the ingest
    transaction, with one query for the candidates of the whole batch (items
    of the batch are candidates for each other too)."""
    keys = {f.item_id: _keys(f) for f in fresh}
    wanted = sorted({k for ks in keys.values() for k in ks})
    if not wanted:
        return {}
    holders: dict[int, set[int]] = {}
    for start in range(0, len(wanted), 500):  # well under the bound-parameter limits
        for band, item_id in session.execute(
            select(StoryBand.band, StoryBand.item_id).where(StoryBand.band.in_(wanted[start : start + 500]))
        ):
            holders.setdefault(band, set()).add(item_id)
    # Core, not the ORM's bulk insert: twenty-odd rows per item, no objects needed.
    session.connection().execute(insert(StoryBand.__table__), [{"band": k, "item_id": i} for i, ks in keys.items() for k in ks])
    linked = {}
    for f in fresh:
        candidates = {i for k in keys[f.item_id] for i in holders.get(k, ())} - {f.item_id}
        best = _nearest(session, sorted(candidates)[:MAX_CANDIDATES], f.signature, title_key(f.title))
        if best is not None:
            linked[f.item_id] = _join(session, best, session.get(Item, f.item_id), f.date)
        for k in keys[f.item_id]:  # the next items of the batch can match this one
            holders.setdefault(k, set()).add(f.item_id)
    return linked


def _keys(f: Fresh) -> list[int]:
    keys = band_keys(f.signature) if len(f.signature) == SIGNATURE_SIZE else []
    by_title = title_key(f.title)
    return keys + [by_title] if by_title is not None else keys


def _nearest(session: Session, candidates: list[int], signature, by_title: int | None) -> Item | None:
    if not candidates:
        return None
    rows = session.scalars(select(Item).where(Item.id.in_(candidates))).all()
    scored = [(1.0 if by_title is not None and title_key(row.title) == by_title else similarity(signature, row.minhash),
               row.id, row) for row in rows]
    scored = [s for s in scored if s[0] >= SIMILARITY]
    return max(scored, key=lambda s: (s[0], -s[1]))[2] if scored else None


def _join(session: Session, near: Item, item: Item, date: datetime | None) -> int:
    story = session.get(Story, near.story_id) if near.story_id else None
    if story is None:
        near_date = aware(near.published or near.collected)
        story = Story(title=near.title, first_item_id=near.id, first_seen=near_date, size=1)
        session.add(story)
        session.flush()
        near.story_id = story.id
    item.story_id = story.id
    story.size += 1
    # Who published first: the earliest date wins; at equal dates, the first stored.
    if date is not None and (story.first_seen is None or date < aware(story.first_seen)):
        story.first_item_id, story.first_seen, story.title = item.id, date, item.title
    return story.id


def get_story(engine: Engine, story_id: int) -> StoryView | None:
    """A story with its items, first publisher first."""
    with transaction(engine) as session:
        story = session.get(Story, story_id)
        if story is None:
            return None
        rows = session.execute(
            select(Item.id, Actor.name, Item.url, Item.title, Item.published, Item.collected)
            .join(Actor, Item.actor_id == Actor.id)
            .where(Item.story_id == story_id)
            .order_by(func.coalesce(Item.published, Item.collected), Item.id)
        ).all()
        members = [StoryMember(i, name, url, title, aware(published), i == story.first_item_id)
                   for i, name, url, title, published, _collected in rows]
        return StoryView(story.id, story.title, story.size, story.first_item_id, aware(story.first_seen), members)


def story_ids(engine: Engine, item_ids: list[int]) -> dict[int, int]:
    """item id -> story id, for the items that are in a story."""
    if not item_ids:
        return {}
    with transaction(engine) as session:
        rows = session.execute(select(Item.id, Item.story_id).where(Item.id.in_(item_ids), Item.story_id.is_not(None)))
        return {i: s for i, s in rows}
