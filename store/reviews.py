"""Staff review: the queue, decisions, corrections, editorial fields, undo, gold labels.

Every change writes a `reviews` row (who, when, before, after) in the same
transaction as the change itself, so the history cannot miss one. A tag
correction becomes the item's current classification (model_version
"staff"), which the public pages show and the classifier does not redo; the
review rows keep what staff decided even if a later model re-tags the item,
and `gold_labels` reads them to give the classifier its training data.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from store import taxonomy
from store.db import transaction
from store.items import _view, with_current_classification
from store.records import ItemView
from store.schema import Actor, Classification, Item, Review
from store.search import Filters, item_date, matching
from store.timeutil import aware

DECISIONS = ("accept", "reject", "feature", "unfeature")
ORDERS = ("relevance", "uncertainty", "date")
STAFF_MODEL = "staff"
MAX_BULK = 500
MAX_TITLE = 500
MAX_SUMMARY = 3000
MAX_NOTE = 5000
GOLD_TEXT = 5000  # characters of text per gold label: the classifier reads the start of items


class ReviewError(ValueError):
    """A review that cannot be recorded; the message says why, in French. Nothing was saved."""


class UnknownItem(ReviewError, LookupError):
    pass


class Conflict(ReviewError):
    pass


@dataclass(frozen=True)
class StoryMember:
    id: int
    title: str
    url: str
    source: str
    published: datetime | None
    status: str


@dataclass(frozen=True)
class QueueEntry:
    """An item as the review queue shows it: tags with scores, reasons and its story."""

    item: ItemView
    purpose_scores: dict = field(default_factory=dict)
    theme_scores: dict = field(default_factory=dict)
    kind_scores: dict = field(default_factory=dict)
    story: list[StoryMember] = field(default_factory=list)
    editor_title: str | None = None
    editor_summary: str | None = None
    note: str | None = None


@dataclass(frozen=True)
class ReviewView:
    id: int
    item_id: int
    reviewer: str
    action: str
    before: dict
    after: dict
    created_at: datetime


@dataclass(frozen=True)
class ItemState:
    id: int
    status: str
    featured: bool


# --- the queue ----------------------------------------------------------------------


def _order(order: str):
    score = Classification.relevance_score
    if order == "uncertainty":
        return (func.abs(score - 0.5).asc().nulls_last(), item_date().desc(), Item.id.desc())
    if order == "relevance":
        return (score.desc().nulls_last(), item_date().desc(), Item.id.desc())
    return (item_date().desc(), Item.id.desc())


def queue(engine: Engine, f: Filters, *, order: str = "relevance", relevant: bool | None = None,
          limit: int = 20, offset: int = 0) -> list[QueueEntry]:
    """Items to review (by default status new), best first or most uncertain first."""
    stmt, _ = matching(engine.dialect.name, f, Item, Actor, Classification)
    if relevant is not None:
        stmt = stmt.where(Classification.relevant.is_(relevant))
    stmt = stmt.order_by(*_order(order)).limit(limit).offset(offset)
    with transaction(engine) as session:
        rows = list(session.execute(stmt))
        stories = _stories(session, {i.story_id for i, _, _ in rows if i.story_id})
        return [_entry(i, a, c, stories.get(i.story_id, [])) for i, a, c in rows]


def count_queue(engine: Engine, f: Filters, relevant: bool | None = None) -> int:
    stmt, _ = matching(engine.dialect.name, f, Item.id)
    if relevant is not None:
        stmt = stmt.where(Classification.relevant.is_(relevant))
    with transaction(engine) as session:
        return session.scalar(select(func.count()).select_from(stmt.subquery())) or 0


def _entry(item: Item, actor: Actor, c: Classification | None, story: list[StoryMember]) -> QueueEntry:
    return QueueEntry(
        item=_view(item, actor, c, with_text=False),
        purpose_scores=dict(c.purpose_scores) if c else {},
        theme_scores=dict(c.theme_scores) if c else {},
        kind_scores=dict(c.kind_scores) if c else {},
        story=[m for m in story if m.id != item.id],
        editor_title=item.editor_title,
        editor_summary=item.editor_summary,
        note=item.note,
    )


def _stories(session: Session, story_ids: set[int]) -> dict[int, list[StoryMember]]:
    if not story_ids:
        return {}
    stmt = (
        select(Item.story_id, Item.id, Item.editor_title, Item.title, Item.url, Actor.name, item_date(), Item.status)
        .join(Actor, Item.actor_id == Actor.id)
        .where(Item.story_id.in_(story_ids))
        .order_by(item_date())
    )
    found: dict[int, list[StoryMember]] = {}
    for story_id, id_, editor_title, title, url, source, when, status in session.execute(stmt):
        when = datetime.fromisoformat(when) if isinstance(when, str) else when
        found.setdefault(story_id, []).append(
            StoryMember(id_, editor_title or title, url, source, aware(when), status)
        )
    return found


def entry(engine: Engine, item_id: int) -> QueueEntry | None:
    """One item with everything staff see about it, whatever its status."""
    stmt = (
        with_current_classification()
        .where(Item.id == item_id)
    )
    with transaction(engine) as session:
        row = session.execute(stmt).first()
        if row is None:
            return None
        item = row[0]
        stories = _stories(session, {item.story_id} if item.story_id else set())
        return _entry(*row, stories.get(item.story_id, []))


def story(engine: Engine, item_id: int, statuses: tuple[str, ...]) -> list[StoryMember]:
    """The other items of an item's story, among `statuses` (the public sees accepted ones only)."""
    with transaction(engine) as session:
        story_id = session.scalar(select(Item.story_id).where(Item.id == item_id))
        members = _stories(session, {story_id} if story_id else set()).get(story_id, [])
        return [m for m in members if m.id != item_id and m.status in statuses]


# --- decisions --------------------------------------------------------------------


def _state(item: Item) -> dict:
    return {"status": item.status, "featured": bool(item.featured)}


def _apply(item: Item, action: str) -> None:
    if action == "accept":
        item.status = "accepted"
    elif action == "reject":
        item.status, item.featured = "rejected", False
    elif action == "feature":  # featured for the newsletter implies accepted
        item.status, item.featured = "accepted", True
    elif action == "unfeature":
        item.featured = False
    else:
        raise ReviewError(f"Action inconnue « {action} ».")


def _items(session: Session, item_ids: list[int]) -> list[Item]:
    found = {i.id: i for i in session.scalars(select(Item).where(Item.id.in_(item_ids)).with_for_update())}
    missing = [i for i in item_ids if i not in found]
    if missing:
        raise UnknownItem(f"Article introuvable : {', '.join(map(str, missing[:10]))}.")
    return [found[i] for i in item_ids]


def decide(engine: Engine, item_id: int, reviewer: str, action: str) -> ItemState:
    """Accept, reject, feature or unfeature one item."""
    return decide_many(engine, [item_id], reviewer, action)[0]


def decide_many(engine: Engine, item_ids: list[int], reviewer: str, action: str) -> list[ItemState]:
    """The same decision on many items: all recorded, or none (an unknown id saves nothing)."""
    if action not in DECISIONS:
        raise ReviewError(f"Action inconnue « {action} ».")
    item_ids = list(dict.fromkeys(item_ids))
    if not item_ids:
        raise ReviewError("Aucun article choisi.")
    if len(item_ids) > MAX_BULK:
        raise ReviewError(f"Au plus {MAX_BULK} articles à la fois.")
    with transaction(engine) as session:
        states = []
        for item in _items(session, item_ids):
            before = _state(item)
            _apply(item, action)
            session.add(Review(item_id=item.id, reviewer=reviewer, action=action, before=before, after=_state(item)))
            states.append(ItemState(item.id, item.status, bool(item.featured)))
        return states


# --- corrections and editorial fields ---------------------------------------------------


def check_tags(purpose: str | None, themes: list[str], kind: str) -> None:
    if purpose is not None and purpose not in taxonomy.slugs("purpose"):
        raise ReviewError(f"Finalité inconnue « {purpose} ».")
    unknown = [t for t in themes if t not in taxonomy.slugs("themes")]
    if unknown:
        raise ReviewError(f"Thème inconnu « {unknown[0]} ».")
    if kind not in taxonomy.slugs("kind"):
        raise ReviewError(f"Type inconnu « {kind} ».")


def _tags(c: Classification | None) -> dict:
    if c is None:
        return {"classification": None, "purpose": None, "themes": [], "kind": None}
    return {"classification": c.id, "purpose": c.purpose, "themes": list(c.themes), "kind": c.kind}


def correct(engine: Engine, item_id: int, reviewer: str, purpose: str | None, themes: list[str], kind: str) -> None:
    """Fix an item's purpose, themes and kind: staff's tags become its current classification."""
    themes = list(dict.fromkeys(themes))
    check_tags(purpose, themes, kind)
    with transaction(engine) as session:
        item = _items(session, [item_id])[0]
        old = session.scalar(
            select(Classification).where(Classification.item_id == item_id, Classification.current.is_(True))
        )
        new = Classification(
            item_id=item_id, model_version=STAFF_MODEL, current=True,
            relevant=old.relevant if old else item.status != "rejected",
            relevance_score=old.relevance_score if old else 1.0,
            purpose=purpose, purpose_scores=dict(old.purpose_scores) if old else {},
            themes=themes, theme_scores=dict(old.theme_scores) if old else {},
            kind=kind, kind_scores=dict(old.kind_scores) if old else {},
            why=dict(old.why) if old else {},
        )
        if old is not None:
            old.current = False
        session.add(new)
        session.flush()
        session.add(Review(item_id=item_id, reviewer=reviewer, action="correct", before=_tags(old), after=_tags(new)))


def _editorial(item: Item) -> dict:
    return {"editor_title": item.editor_title, "editor_summary": item.editor_summary, "note": item.note}


def edit(engine: Engine, item_id: int, reviewer: str, *, editor_title: str | None,
         editor_summary: str | None, note: str | None) -> None:
    """The newsletter's rewritten title and summary, and the private note (empty means none)."""
    for value, limit, what in ((editor_title, MAX_TITLE, "Le titre"), (editor_summary, MAX_SUMMARY, "Le résumé"),
                               (note, MAX_NOTE, "La note")):
        if value and len(value) > limit:
            raise ReviewError(f"{what} ne doit pas dépasser {limit} caractères.")
    with transaction(engine) as session:
        item = _items(session, [item_id])[0]
        before = _editorial(item)
        item.editor_title = (editor_title or "").strip() or None
        item.editor_summary = (editor_summary or "").strip() or None
        item.note = (note or "").strip() or None
        if _editorial(item) != before:
            session.add(Review(item_id=item_id, reviewer=reviewer, action="edit", before=before, after=_editorial(item)))


# --- undo and history -----------------------------------------------------------------


def _review_view(r: Review) -> ReviewView:
    return ReviewView(r.id, r.item_id, r.reviewer, r.action, dict(r.before), dict(r.after), aware(r.created_at))


def undo(engine: Engine, reviewer: str) -> ReviewView:
    """Revert this reviewer's last change not yet undone; Conflict if someone changed the item since."""
    with transaction(engine) as session:
        target = _last_undoable(session, reviewer)
        if target is None:
            raise ReviewError("Rien à annuler.")
        item = _items(session, [target.item_id])[0]
        if target.action in DECISIONS:
            _restore(item, _state, target, lambda i, v: (setattr(i, "status", v["status"]),
                                                          setattr(i, "featured", v["featured"])))
        elif target.action == "edit":
            _restore(item, _editorial, target, lambda i, v: [setattr(i, k, v[k]) for k in _editorial(i)])
        else:
            _restore_tags(session, target)
        session.add(Review(item_id=item.id, reviewer=reviewer, action="undo",
                           before={"review": target.id, **target.after}, after={"review": target.id, **target.before}))
        return _review_view(target)


def _last_undoable(session: Session, reviewer: str) -> Review | None:
    undone: set[int] = set()
    recent = session.scalars(select(Review).where(Review.reviewer == reviewer).order_by(Review.id.desc()).limit(200))
    for review in recent:
        if review.action == "undo":
            undone.add(review.before.get("review"))
        elif review.id not in undone:
            return review
    return None


def _restore(item: Item, read, target: Review, write) -> None:
    now = read(item)
    if any(now[k] != target.after.get(k) for k in now):
        raise Conflict("L'article a été modifié depuis : rien n'a été annulé.")
    write(item, target.before)


def _restore_tags(session: Session, target: Review) -> None:
    current = session.scalar(
        select(Classification).where(Classification.item_id == target.item_id, Classification.current.is_(True))
    )
    if current is None or current.id != target.after.get("classification"):
        raise Conflict("Les étiquettes ont changé depuis : rien n'a été annulé.")
    current.current = False
    previous = target.before.get("classification")
    if previous is not None:
        session.execute(update(Classification).where(Classification.id == previous).values(current=True))


def history(engine: Engine, item_id: int) -> list[ReviewView]:
    with transaction(engine) as session:
        rows = session.scalars(select(Review).where(Review.item_id == item_id).order_by(Review.id.desc()))
        return [_review_view(r) for r in rows]


# --- gold labels ------------------------------------------------------------------------


def gold_labels(engine: Engine) -> list[dict]:
    """What staff decided, in train.jsonl format with provenance: one row per reviewed item.

    relevant comes from the decision (accepted/rejected); purpose, themes and
    kind from the last correction still in force, else from the prediction
    staff let stand (provenance.tags says which). Items that were never
    decided nor corrected, or whose decision was undone, are left out, as are
    relevant items without any purpose (the codebook requires one).
    """
    with transaction(engine) as session:
        reviews = list(session.scalars(select(Review).order_by(Review.item_id, Review.id)))
        undone = {r.before.get("review") for r in reviews if r.action == "undo"}
        by_item: dict[int, list[Review]] = {}
        for r in reviews:
            if r.action != "undo" and r.id not in undone:
                by_item.setdefault(r.item_id, []).append(r)
        rows = []
        for item_id, kept in by_item.items():
            row = _gold_row(session, item_id, kept)
            if row is not None:
                rows.append(row)
        return rows


def _gold_row(session: Session, item_id: int, kept: list[Review]) -> dict | None:
    item = session.get(Item, item_id)
    corrections = [r for r in kept if r.action == "correct"]
    if item is None or (item.status == "new" and not corrections):
        return None
    current = session.scalar(
        select(Classification).where(Classification.item_id == item_id, Classification.current.is_(True))
    )
    if corrections:
        tags, origin = corrections[-1].after, "corrected"
    elif current is not None:
        tags, origin = _tags(current), "predicted"
    else:
        return None
    relevant = item.status == "accepted" if item.status != "new" else bool(current and current.relevant)
    purpose = tags.get("purpose")
    if relevant and purpose is None and current is not None and current.purpose_scores:
        purpose = max(current.purpose_scores, key=current.purpose_scores.get)
        origin = "predicted"
    if (relevant and purpose is None) or not tags.get("kind"):
        return None
    decisions = [r for r in kept if r.action in DECISIONS]
    last = (decisions or corrections or kept)[-1]
    return {
        "id": f"veille-{item.id}",
        "source": "veille-review",
        "lang": item.language,
        "title": item.title,
        "summary": item.summary,
        "text": item.text[:GOLD_TEXT],
        "url": item.url,
        "relevant": relevant,
        "purpose": purpose if relevant else None,
        "themes": list(tags.get("themes") or []),
        "kind": tags["kind"],
        "provenance": {
            "item_id": item.id,
            "status": item.status,
            "tags": origin,
            "reviewers": sorted({r.reviewer for r in kept}),
            "reviewed_at": aware(last.created_at).isoformat(),
            "model_version": current.model_version if current else None,
        },
    }
