"""Watch items: ingestion without duplicates, classification results, queries."""

from __future__ import annotations

from dataclasses import asdict, fields, replace
from datetime import datetime, timezone

from sqlalchemy import and_, func, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Engine

from store import stories
from store.db import transaction
from store.records import Ingested, ItemToClassify, ItemView, NewItem, Prediction
from store.schema import Actor, Classification, Item
from store.timeutil import aware

_INSERTS = {"sqlite": sqlite_insert, "postgresql": pg_insert}
_ITEMS = Item.__table__


def known_urls(engine: Engine, canonical_urls: list[str]) -> set[str]:
    """The canonical URLs already in the archive (so crawlers skip re-downloading them)."""
    if not canonical_urls:
        return set()
    with engine.connect() as connection:  # Core, not the ORM: asked for every feed of a crawl
        return set(connection.scalars(select(_ITEMS.c.canonical_url).where(_ITEMS.c.canonical_url.in_(canonical_urls))))


def ingest(engine: Engine, items: list[NewItem]) -> tuple[int, int]:
    """Store new items; returns (new, duplicates). See `ingest_items`."""
    results = ingest_items(engine, items)
    new = sum(r.status == "new" for r in results)
    return new, len(results) - new


def ingest_items(engine: Engine, items: list[NewItem]) -> list[Ingested]:
    """Store new items; one result per item, in order.

    A duplicate is an item whose canonical URL or non-empty content hash is
    already stored (or comes earlier in `items`). The rows are written with
    one multi-row `INSERT … ON CONFLICT DO NOTHING` on the canonical URL, so
    two crawlers writing at once still store each item once. New items join
    the story of their near-duplicates (store.stories), in the same
    transaction.
    """
    if not items:
        return []
    # Core statements on the table, not the mapped class: the ORM's bulk insert
    # machinery cost more than the statements themselves (bench_crawl), and no
    # ORM object is needed.
    statement = (_INSERTS[engine.dialect.name](_ITEMS)
                 .on_conflict_do_nothing(index_elements=["canonical_url"])
                 .returning(_ITEMS.c.id, _ITEMS.c.canonical_url))  # only the rows actually inserted come back
    with transaction(engine) as session:
        connection = session.connection()
        hashes = {i.content_hash for i in items if i.content_hash}
        stored_hashes = dict(connection.execute(
            select(_ITEMS.c.content_hash, _ITEMS.c.id).where(_ITEMS.c.content_hash.in_(hashes))).all())
        verdicts, rows = _sort_out(items, stored_hashes)
        inserted = dict((url, item_id) for item_id, url in connection.execute(statement, rows)) if rows else {}
        results = [_result(verdict, inserted) for verdict in verdicts]
        now = datetime.now(timezone.utc)
        fresh = [stories.Fresh(r.item_id, i.minhash, i.title, i.published or now)
                 for r, i in zip(results, items) if r.status == "new"]
        linked = stories.link_items(session, fresh)
    return [replace(r, story_id=linked.get(r.item_id)) if r.status == "new" else r for r in results]


def _sort_out(items: list[NewItem], stored_hashes: dict[str, int]) -> tuple[list, list[dict]]:
    """Per item: an Ingested for a duplicate of a stored item, or (status, the
    canonical URL of the row that decides); and the rows to write."""
    verdicts: list = []
    rows: list[dict] = []
    urls: set[str] = set()
    hashes: dict[str, str] = {}  # content hash -> canonical URL, in this batch
    for item in items:
        if item.content_hash and item.content_hash in stored_hashes:
            verdicts.append(Ingested(stored_hashes[item.content_hash], "duplicate-content"))
        elif item.content_hash in hashes:  # the same words earlier in this batch
            verdicts.append(("duplicate-content", hashes[item.content_hash]))
        elif item.canonical_url in urls:
            verdicts.append(("duplicate-url", item.canonical_url))
        else:
            verdicts.append(("new", item.canonical_url))
            rows.append(_row(item))
            urls.add(item.canonical_url)
            if item.content_hash:
                hashes[item.content_hash] = item.canonical_url
    return verdicts, rows


def _result(verdict, inserted: dict[str, int]) -> Ingested:
    if isinstance(verdict, Ingested):
        return verdict
    status, url = verdict
    if status == "new" and url not in inserted:
        return Ingested(None, "duplicate-url")  # stored meanwhile, or before
    return Ingested(inserted.get(url), status)


_FIELDS = tuple(f.name for f in fields(NewItem))


def _row(item: NewItem) -> dict:
    # Not dataclasses.asdict, which deep-copies every value: a third of the cost of a write.
    row = {name: getattr(item, name) for name in _FIELDS}
    row["warnings"] = list(item.warnings)
    row["minhash"] = list(item.minhash) or None
    return row


def to_classify(engine: Engine, limit: int | None = None) -> list[ItemToClassify]:
    """Items without a current classification, oldest first."""
    query = (
        select(Item.id, Item.title, Item.summary, Item.text, Item.language, Actor.type)
        .join(Actor)
        .outerjoin(Classification, and_(Classification.item_id == Item.id, Classification.current.is_(True)))
        .where(Classification.id.is_(None))
        .order_by(Item.id)
        .limit(limit)
    )
    with transaction(engine) as session:
        return [ItemToClassify(*row) for row in session.execute(query)]


def count_to_classify(engine: Engine) -> int:
    """How many items have no current classification (the total of a classify run's progress)."""
    query = (
        select(func.count(Item.id))
        .outerjoin(Classification, and_(Classification.item_id == Item.id, Classification.current.is_(True)))
        .where(Classification.id.is_(None))
    )
    with transaction(engine) as session:
        return session.scalar(query) or 0


def save_classifications(engine: Engine, results: list[tuple[int, Prediction]]) -> None:
    """Store predictions; each becomes the item's current classification."""
    with transaction(engine) as session:
        ids = [item_id for item_id, _ in results]
        session.execute(
            update(Classification).where(Classification.item_id.in_(ids)).values(current=False)
        )
        for item_id, p in results:
            session.add(Classification(item_id=item_id, current=True, **asdict(p)))


def set_status(engine: Engine, item_ids: list[int], status: str, featured: bool | None = None) -> None:
    values: dict = {"status": status}
    if featured is not None:
        values["featured"] = featured
    with transaction(engine) as session:
        session.execute(update(Item).where(Item.id.in_(item_ids)).values(**values))


def with_current_classification():
    """Items with their actor and current classification (if any): what every view reads."""
    return (
        select(Item, Actor, Classification)
        .join(Actor, Item.actor_id == Actor.id)
        .outerjoin(Classification, and_(Classification.item_id == Item.id, Classification.current.is_(True)))
    )


def _view(item: Item, actor: Actor, c: Classification | None, with_text: bool) -> ItemView:
    return ItemView(
        id=item.id,
        url=item.url,
        title=item.editor_title or item.title,
        summary=item.editor_summary or item.summary,
        source=actor.name,
        source_id=actor.id,
        published=aware(item.published),
        collected=aware(item.collected),
        language=item.language,
        status=item.status,
        featured=item.featured,
        relevant=c.relevant if c else None,
        relevance_score=c.relevance_score if c else None,
        purpose=c.purpose if c else None,
        themes=list(c.themes) if c else [],
        kind=c.kind if c else None,
        why=dict(c.why) if c else {},
        model_version=c.model_version if c else None,
        text=item.text if with_text else "",
        author=item.author,
        warnings=tuple(item.warnings or ()),
    )


def search(
    engine: Engine,
    query: str | None = None,
    *,
    limit: int = 20,
    offset: int = 0,
    statuses: tuple[str, ...] | None = None,
    relevant: bool | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    source_id: int | None = None,
    with_text: bool = False,
) -> list[ItemView]:
    """Items matching every word of `query` (full text, see store.search), newest first."""
    stmt = (
        with_current_classification()
    )
    from store.search import match_ids  # here: store.search builds on this module

    found = match_ids(engine.dialect.name, query)
    if found is not None:
        stmt = stmt.where(Item.id.in_(found))
    if statuses:
        stmt = stmt.where(Item.status.in_(statuses))
    if relevant is not None:
        stmt = stmt.where(Classification.relevant.is_(relevant))
    if source_id is not None:
        stmt = stmt.where(Item.actor_id == source_id)
    date = func.coalesce(Item.published, Item.collected)
    if since is not None:
        stmt = stmt.where(date >= since)
    if until is not None:
        stmt = stmt.where(date < until)
    stmt = stmt.order_by(date.desc(), Item.id.desc()).limit(limit).offset(offset)
    with transaction(engine) as session:
        return [_view(i, a, c, with_text) for i, a, c in session.execute(stmt)]


def get_item(engine: Engine, item_id: int) -> ItemView | None:
    stmt = (
        with_current_classification()
        .where(Item.id == item_id)
    )
    with transaction(engine) as session:
        row = session.execute(stmt).first()
        return _view(*row, with_text=True) if row else None


def count_items(engine: Engine) -> int:
    with transaction(engine) as session:
        return session.scalar(select(func.count(Item.id))) or 0
