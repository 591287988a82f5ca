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
from functools import cached_property
from datetime import datetime

from sqlalchemy import bindparam, func, insert, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from store.db import in_chunks, transaction
from store.records import SIGNATURE_SIZE
from store.schema import Actor, Item, Story, StoryBand
from store.timeutil import aware

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
    transaction, with one query for the candidates' bands, one for their rows
    and one for their stories, whatever the size of the batch (items of the
    batch are candidates for each other too).

    Core statements, not the ORM: an ORM load of a candidate brings its whole
    text and HTML, and the unit of work costs more than the matching itself
    (a third of the crawl process's CPU per article, bench_crawl).
    """
    keys = {f.item_id: _keys(f) for f in fresh}
    wanted = sorted({k for ks in keys.values() for k in ks})
    if not wanted:
        return {}
    connection = session.connection()
    holders = _holders(connection, wanted)
    connection.execute(insert(StoryBand.__table__), [{"band": k, "item_id": i} for i, ks in keys.items() for k in ks])
    candidates = {}
    for f in fresh:  # in order: an item matches the ones before it in the batch, not after
        candidates[f.item_id] = sorted({i for k in keys[f.item_id] for i in holders.get(k, ())} - {f.item_id})
        for k in keys[f.item_id]:
            holders.setdefault(k, set()).add(f.item_id)
    book = _Book(connection, {i for ids in candidates.values() for i in ids[:MAX_CANDIDATES]})
    linked = {}
    for f in fresh:
        best = _nearest(book, candidates[f.item_id][:MAX_CANDIDATES], f.signature, title_key(f.title))
        if best is not None:
            linked[f.item_id] = book.join(best, f.item_id, f.title, f.date)
    book.write()
    return linked


def _keys(f: Fresh) -> list[int]:
    keys = band_keys(f.signature) if len(f.signature) == SIGNATURE_SIZE else []
    by_title = title_key(f.title)
    return keys + [by_title] if by_title is not None else keys


def _holders(connection, bands: list[int]) -> dict[int, set[int]]:
    """band -> the stored items that have it."""
    holders: dict[int, set[int]] = {}
    table = StoryBand.__table__
    for chunk in in_chunks(bands):
        query = select(table.c.band, table.c.item_id).where(table.c.band.in_(chunk))
        for band, item_id in connection.execute(query):
            holders.setdefault(band, set()).add(item_id)
    return holders


@dataclass
class _Candidate:
    id: int
    title: str
    minhash: list | None
    story_id: int | None
    date: datetime  # published, else collected

    @cached_property
    def title_key(self) -> int | None:
        return title_key(self.title)


@dataclass
class _Story:
    id: int
    title: str
    first_item_id: int | None
    first_seen: datetime | None
    size: int


class _Book:
    """The candidates of a batch and their stories, read once, changed in
    memory while the batch is linked, and written back in two statements."""

    def __init__(self, connection, candidate_ids: set[int]):
        self.connection = connection
        self.items: dict[int, _Candidate] = {}
        self.stories: dict[int, _Story] = {}
        self.moved: dict[int, int] = {}  # item id -> its new story
        self.changed: set[int] = set()  # stories to write back
        ids = sorted(candidate_ids)
        items, stories = Item.__table__, Story.__table__
        for chunk in in_chunks(ids):
            query = select(items.c.id, items.c.title, items.c.minhash, items.c.story_id, items.c.published,
                           items.c.collected).where(items.c.id.in_(chunk))
            for i, title, minhash, story_id, published, collected in connection.execute(query):
                self.items[i] = _Candidate(i, title, minhash, story_id, aware(published or collected))
        story_ids = sorted({c.story_id for c in self.items.values() if c.story_id})
        for chunk in in_chunks(story_ids):
            query = select(stories.c.id, stories.c.title, stories.c.first_item_id, stories.c.first_seen,
                           stories.c.size).where(stories.c.id.in_(chunk))
            for row in connection.execute(query):
                self.stories[row.id] = _Story(row.id, row.title, row.first_item_id, aware(row.first_seen), row.size)

    def join(self, near: _Candidate, item_id: int, title: str, date: datetime | None) -> int:
        """Put `item_id` in `near`'s story (a new one if `near` has none); returns the story's id."""
        story = self.stories.get(near.story_id) if near.story_id else None
        if story is None:
            story = self._new_story(near)
        self._move(item_id, story.id)
        story.size += 1
        # Who published first: the earliest date wins; at equal dates, the first stored.
        if date is not None and (story.first_seen is None or date < story.first_seen):
            story.first_item_id, story.first_seen, story.title = item_id, date, title
        self.changed.add(story.id)
        return story.id

    def _new_story(self, near: _Candidate) -> _Story:
        values = {"title": near.title, "first_item_id": near.id, "first_seen": near.date, "size": 1}
        story_id = self.connection.execute(insert(Story.__table__).values(**values)).inserted_primary_key[0]
        story = self.stories[story_id] = _Story(story_id, **values)
        self._move(near.id, story_id)
        return story

    def _move(self, item_id: int, story_id: int) -> None:
        self.moved[item_id] = story_id
        if item_id in self.items:  # a later item of the batch may find it as a candidate
            self.items[item_id].story_id = story_id

    def write(self) -> None:
        items, stories = Item.__table__, Story.__table__
        if self.moved:
            self.connection.execute(
                update(items).where(items.c.id == bindparam("item")).values(story_id=bindparam("story")),
                [{"item": i, "story": s} for i, s in self.moved.items()])
        if self.changed:
            rows = [self.stories[s] for s in sorted(self.changed)]
            self.connection.execute(
                update(stories).where(stories.c.id == bindparam("story")).values(
                    title=bindparam("new_title"), first_item_id=bindparam("first"),
                    first_seen=bindparam("seen"), size=bindparam("new_size")),
                [{"story": s.id, "new_title": s.title, "first": s.first_item_id, "seen": s.first_seen,
                  "new_size": s.size} for s in rows])


def _nearest(book: _Book, candidates: list[int], signature, by_title: int | None) -> _Candidate | None:
    rows = [book.items[i] for i in candidates if i in book.items]
    scored = [(1.0 if by_title is not None and row.title_key == by_title else similarity(signature, row.minhash),
               row.id, row) for row in rows]
    scored = [s for s in scored if s[0] >= SIMILARITY]
    return max(scored, key=lambda s: (s[0], -s[1]))[2] if scored else None


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
