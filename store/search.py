"""Full-text search of the archive with facets, on SQLite (FTS5) and PostgreSQL (tsvector).

The index (migration 0003) holds words with their accents folded and no
stemming. Stemming happens here, on the query: each word also matches as a
prefix of its French and of its English Snowball stem ("participatives" →
particip*, "budgeting" → budget*). Doing it on the query side keeps the two
databases in step (SQLite has no French stemmer) and lets one query find
French and English items alike.

At a million items a broad search matches a hundred thousand; every step is
bounded so that it still answers fast (bench/bench_search.py measures it):
the total and the facets are counted on the first FACET_SAMPLE matches
("more than 1,000"; a reader needs the proportions, not the last digit;
counting a hundred thousand matches with their tags costs seconds), and
relevance ranks the RANK_WINDOW newest matches (all of them when fewer
match; sorting by date always covers everything, page after page). Without ranking, words are
an `id IN (matches)` condition, so the date index is walked in order.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from functools import lru_cache

import snowballstemmer
from sqlalchemy import Float, Integer, String, and_, bindparam, cast, column, func, literal_column, or_, select, table, text, true
from sqlalchemy.engine import Engine
from sqlalchemy.sql import ColumnElement, Select

from store.db import transaction
from store.items import _view, with_current_classification
from store.records import ItemView
from store.schema import Actor, Classification, Item
from store.timeutil import aware

PUBLIC = ("accepted",)
MAX_TERMS = 12  # a pasted paragraph is searched on its first words, not refused
MIN_STEM = 4  # shorter stems ("don" for "données") match too many words as prefixes
FACET_SAMPLE = 1_000  # also where counting stops: "more than 1,000 items"
RANK_WINDOW = 5_000
MAX_PER_PAGE = 100
SORTS = ("relevance", "date")

STOPWORDS = frozenset("""
a au aux avec ce ces cet cette d dans de des du elle en et est il ils j je l la le les leur leurs lui
m mais me meme mes n ne ni nos notre nous on ou par pas pour qu que qui s sa se ses son sont sur t ta
te tes un une vos votre vous y
the of and to in for on at by with from as is are was were be been it its this that these those an or
not but has have had will would their our we you they he she his her them us
""".split())

_FTS = table("items_fts", column("item_id", Integer), column("document"))


def include_name(name: str | None, type_: str, parent_names: dict) -> bool:
    """Alembic filter: the search index lives outside the models, autogenerate must not drop it."""
    return not (name and (name.startswith("items_fts") or name.startswith("ix_search_")))


# --- the query -------------------------------------------------------------------


def fold(value: str) -> str:
    """Lower case without accents, as the index stores words (œ → oe like the migration does)."""
    value = value.lower().replace("œ", "oe").replace("æ", "ae")
    decomposed = unicodedata.normalize("NFKD", value)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


@lru_cache(maxsize=2)
def _stemmer(language: str):
    return snowballstemmer.stemmer(language)


@dataclass(frozen=True)
class Term:
    """One query word: matched as any of `forms`, each a whole word or (ending in *) a prefix."""

    forms: tuple[str, ...]


def parse_query(query: str | None) -> list[Term]:
    """The words of a query with their stems; stop words dropped unless nothing else is left."""
    words = re.findall(r"\w+", (query or "").lower())[: MAX_TERMS * 3]
    kept = [w for w in words if fold(w) not in STOPWORDS] or words
    terms: list[Term] = []
    for word in kept[:MAX_TERMS]:
        folded = fold(word)
        stems = {fold(_stemmer(lang).stemWord(word)) for lang in ("french", "english")}
        prefixes = sorted(s for s in stems if len(s) >= MIN_STEM and folded.startswith(s[:MIN_STEM]))
        # A stem that begins the word already finds it: fewer forms, cheaper ranking.
        covered = any(folded.startswith(p) for p in prefixes)
        term = Term(tuple(([] if covered else [folded]) + [p + "*" for p in prefixes]))
        if term not in terms:
            terms.append(term)
    return terms


def fts5_query(terms: list[Term]) -> str:
    """An FTS5 MATCH expression: every term, each as one of its forms (quoted: no FTS syntax gets through)."""
    def quoted(form: str) -> str:
        word, star = (form[:-1], "*") if form.endswith("*") else (form, "")
        return '"' + word.replace('"', '""') + '"' + star

    return " AND ".join("(" + " OR ".join(quoted(f) for f in t.forms) + ")" for t in terms)


def tsquery(terms: list[Term]) -> str:
    """The same expression in PostgreSQL's to_tsquery syntax (words are \\w+ only: nothing to escape)."""
    def lexeme(form: str) -> str:
        word, star = (form[:-1], ":*") if form.endswith("*") else (form, "")
        return "'" + word.replace("'", "").replace("\\", "") + "'" + star

    return " & ".join("(" + " | ".join(lexeme(f) for f in t.forms) + ")" for t in terms)


def _tsquery(terms: list[Term]):
    # Written into the SQL, not bound: only with the words in view can the
    # planner tell a rare word (bitmap of a few rows) from a common one (walk
    # the newest and stop), and the wrong choice is 50 times slower.
    words = bindparam("tsquery", tsquery(terms), literal_execute=True)
    return func.to_tsquery(literal_column("'simple'::regconfig"), words)


def _matching_ids(dialect: str, terms: list[Term]) -> Select:
    """item_id of every item matching the words (no ranking: cheap)."""
    if dialect == "sqlite":
        return select(text("rowid")).select_from(text("items_fts")).where(
            text("items_fts MATCH :fts_query").bindparams(fts_query=fts5_query(terms))
        )
    return select(_FTS.c.item_id).where(_FTS.c.document.op("@@")(_tsquery(terms)))


def _ranked(dialect: str, terms: list[Term], window: int | None):
    """A subquery (item_id, score), higher better; with `window`, only the `window` newest matches are ranked.

    Both databases then read matches newest first and stop at `window`: the
    score is computed that many times at most, however broad the words. When
    fewer match, every match is ranked; the planner picks the cheap way for each.
    """
    if dialect == "sqlite":
        sql = "SELECT rowid AS item_id, -bm25(items_fts, 10.0, 4.0, 1.0) AS score FROM items_fts WHERE items_fts MATCH :q"
        if window:
            sql += f" ORDER BY rowid DESC LIMIT {int(window)}"
        return text(sql).bindparams(q=fts5_query(terms)).columns(item_id=Integer, score=Float).subquery("fts")
    ts = _tsquery(terms)
    stmt = select(_FTS.c.item_id, func.ts_rank(_FTS.c.document, ts).label("score")).where(_FTS.c.document.op("@@")(ts))
    if window:
        # PostgreSQL ranks after ORDER BY … LIMIT: ts_rank runs `window` times, not once per match.
        stmt = stmt.order_by(_FTS.c.item_id.desc()).limit(window)
    return stmt.subquery("fts")


def match_ids(dialect: str, query: str | None) -> Select | None:
    """A select of the ids of the items matching `query`; None when it has no words."""
    terms = parse_query(query)
    return _matching_ids(dialect, terms) if terms else None


# --- filters and pages -------------------------------------------------------------


@dataclass(frozen=True)
class Filters:
    """What the public (or staff) asked for; every tuple is "any of these"."""

    query: str = ""
    themes: tuple[str, ...] = ()
    purposes: tuple[str, ...] = ()
    kinds: tuple[str, ...] = ()
    actor_types: tuple[str, ...] = ()
    source_ids: tuple[int, ...] = ()
    languages: tuple[str, ...] = ()
    since: date | None = None
    until: date | None = None  # included
    statuses: tuple[str, ...] = PUBLIC

    @property
    def needs_tags(self) -> bool:
        return bool(self.themes or self.purposes or self.kinds)


@dataclass(frozen=True)
class FacetValue:
    value: str
    count: int


@dataclass(frozen=True)
class SearchPage:
    items: list[ItemView]
    total: int
    page: int
    per_page: int
    sort: str
    facets: dict[str, list[FacetValue]] = field(default_factory=dict)
    total_is_exact: bool = True  # False: more than `total` (counting stops at FACET_SAMPLE)
    facets_sampled: bool = False  # True: facets counted on the first FACET_SAMPLE matches only

    @property
    def pages(self) -> int:
        """Pages known to hold items (more may follow when the total is not exact)."""
        return max(1, -(-self.total // self.per_page))


def item_date() -> ColumnElement:
    """The date an item is shown and sorted by; also the expression ix_search_items_status_date indexes."""
    return func.coalesce(Item.published, Item.collected)


def _day_start(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=timezone.utc)


def _theme_filter(themes: tuple[str, ...]) -> ColumnElement:
    # A LIKE on the JSON text: several times faster than expanding each row's list
    # (json_each, jsonb), and exact, because a quoted slug is never part of another.
    as_text = cast(Classification.themes, String)
    return or_(*[as_text.like(f'%"{slug}"%') for slug in themes])


def _conditions(dialect: str, f: Filters) -> list[ColumnElement]:
    date_ = item_date()
    found = []
    if f.statuses:
        found.append(Item.status.in_(f.statuses))
    if f.themes:
        found.append(_theme_filter(f.themes))
    if f.purposes:
        found.append(Classification.purpose.in_(f.purposes))
    if f.kinds:
        found.append(Classification.kind.in_(f.kinds))
    if f.actor_types:
        found.append(Actor.type.in_(f.actor_types))
    if f.source_ids:
        found.append(Item.actor_id.in_(f.source_ids))
    if f.languages:
        found.append(Item.language.in_(f.languages))
    if f.since:
        found.append(date_ >= _day_start(f.since))
    if f.until:
        found.append(date_ < _day_start(f.until + timedelta(days=1)))
    return found


def matching(dialect: str, f: Filters, *columns, ranked: bool = False, window: int | None = None,
             minimal: bool = False) -> tuple[Select, object]:
    """`columns` of the items that pass `f`, unordered, and the ranking subquery (with `ranked`).

    Without ranking the words are an `id IN (matches)` condition, which lets
    the database walk the date index and stop at the page's last item. With
    `minimal`, actors and classifications are joined only if a filter needs them.
    """
    stmt = select(*columns).select_from(Item)
    if not minimal or f.actor_types:
        stmt = stmt.join(Actor, Item.actor_id == Actor.id)
    if not minimal or f.needs_tags:
        stmt = stmt.outerjoin(
            Classification, and_(Classification.item_id == Item.id, Classification.current.is_(True))
        )
    stmt = stmt.where(*_conditions(dialect, f))
    terms = parse_query(f.query)
    if not terms:
        return stmt, None
    if ranked:
        fts = _ranked(dialect, terms, window)
        return stmt.join(fts, fts.c.item_id == Item.id), fts
    return stmt.where(Item.id.in_(_matching_ids(dialect, terms))), None


def _select(dialect: str, f: Filters, sort: str, *columns) -> Select:
    """`columns` of the matching items in the order asked; relevance falls back to date without words."""
    rank = sort == "relevance" and bool(parse_query(f.query))
    stmt, fts = matching(dialect, f, *columns, ranked=rank, window=RANK_WINDOW)
    if fts is not None:
        return stmt.order_by(fts.c.score.desc(), item_date().desc(), Item.id.desc())
    return stmt.order_by(item_date().desc(), Item.id.desc())


def search(engine: Engine, f: Filters, *, sort: str = "relevance", page: int = 1, per_page: int = 20,
           facets: bool = True, with_text: bool = False) -> SearchPage:
    """One page of matching items, with the total (up to FACET_SAMPLE) and the facet counts.

    One ordered pass over the first FACET_SAMPLE matches gives the facets, the
    total ("more than" when it fills up) and the page's ids when the page lies
    within them: a broad search is read once, and no further than it must.
    """
    dialect = engine.dialect.name
    per_page = max(1, min(per_page, MAX_PER_PAGE))
    offset = (max(page, 1) - 1) * per_page
    terms = parse_query(f.query)
    with transaction(engine) as session:
        if dialect == "postgresql":
            # PostgreSQL's default costs assume spinning disks and then prefer scanning
            # the whole items table to looking up a few thousand rows by key (3× slower
            # here). Servers on SSDs are tuned so; this transaction is, in case not.
            session.execute(text("SET LOCAL random_page_cost = 1.1"))
        sample = _facet_rows(session, dialect, f, sort)
        if offset + per_page <= len(sample) or len(sample) < FACET_SAMPLE:
            views = _views(session, [row[0] for row in sample[offset:offset + per_page]], with_text)
        else:
            stmt = _select(dialect, f, sort, Item, Actor, Classification)
            views = [_view(i, a, c, with_text) for i, a, c in session.execute(stmt.limit(per_page).offset(offset))]
    complete = len(sample) < FACET_SAMPLE
    return SearchPage(
        views, len(sample), page, per_page, sort,
        _facet_counts([row[1:] for row in sample]) if facets else {},
        total_is_exact=complete, facets_sampled=not complete,
    )


def _views(session, ids: list[int], with_text: bool) -> list[ItemView]:
    """The items `ids`, in that order."""
    if not ids:
        return []
    stmt = (
        with_current_classification()
        .where(Item.id.in_(ids))
    )
    found = {i.id: _view(i, a, c, with_text) for i, a, c in session.execute(stmt)}
    return [found[i] for i in ids if i in found]


def _facet_rows(session, dialect: str, f: Filters, sort: str) -> list[tuple]:
    stmt = _select(
        dialect, f, sort,
        Item.id, Classification.purpose, Classification.kind, Classification.themes, Actor.type, Item.actor_id,
        Item.language,
    )
    return list(session.execute(stmt.limit(FACET_SAMPLE)))


def _facet_counts(rows: list[tuple]) -> dict[str, list[FacetValue]]:
    counters = {name: Counter() for name in ("purpose", "kind", "theme", "actor_type", "source", "language")}
    for purpose, kind, themes, actor_type, actor_id, language in rows:
        counters["purpose"][purpose] += 1
        counters["kind"][kind] += 1
        counters["theme"].update(themes or [])
        counters["actor_type"][actor_type] += 1
        counters["source"][str(actor_id)] += 1
        counters["language"][language] += 1
    return {
        name: [FacetValue(value, n) for value, n in counter.most_common() if value]
        for name, counter in counters.items()
    }


def items(engine: Engine, f: Filters, *, sort: str = "date", limit: int = 1000, with_text: bool = False) -> list[ItemView]:
    """The first `limit` matching items (exports and feeds)."""
    stmt = _select(engine.dialect.name, f, sort, Item, Actor, Classification).limit(limit)
    with transaction(engine) as session:
        return [_view(i, a, c, with_text) for i, a, c in session.execute(stmt)]


# --- the archive in figures ------------------------------------------------------


def _month(dialect: str) -> ColumnElement:
    if dialect == "sqlite":
        return func.substr(item_date(), 1, 7)
    return func.to_char(func.timezone("UTC", item_date()), "YYYY-MM")


def _themes_table(dialect: str):
    if dialect == "sqlite":
        return func.json_each(Classification.themes).table_valued("value")
    return func.json_array_elements_text(Classification.themes).table_valued("value")


def themes_by_month(engine: Engine, since: date, statuses: tuple[str, ...] = PUBLIC) -> list[tuple[str, str, int]]:
    """(month 'YYYY-MM', theme slug, items) for public items since `since`."""
    dialect = engine.dialect.name
    month, theme = _month(dialect), _themes_table(dialect)
    stmt = (
        select(month.label("month"), theme.c.value, func.count())
        .select_from(Item)
        .join(Classification, and_(Classification.item_id == Item.id, Classification.current.is_(True)))
        .join(theme, true())
        .where(Item.status.in_(statuses), item_date() >= _day_start(since))
        .group_by(month, theme.c.value)
        .order_by(month)
    )
    with transaction(engine) as session:
        return [(m, t, n) for m, t, n in session.execute(stmt)]


def items_by_actor(engine: Engine, limit: int = 15, statuses: tuple[str, ...] = PUBLIC) -> list[tuple[int, str, int]]:
    """(actor id, name, public items) of the actors with the most items."""
    count = func.count(Item.id)
    stmt = (
        select(Actor.id, Actor.name, count)
        .join(Item, Item.actor_id == Actor.id)
        .where(Item.status.in_(statuses))
        .group_by(Actor.id, Actor.name)
        .order_by(count.desc(), Actor.name)
        .limit(limit)
    )
    with transaction(engine) as session:
        return [tuple(row) for row in session.execute(stmt)]


def actor_rhythm(engine: Engine, actor_id: int, since: date,
                 statuses: tuple[str, ...] = PUBLIC) -> list[tuple[str, int]]:
    """(month, items) of one actor since `since`."""
    month = _month(engine.dialect.name)
    stmt = (
        select(month, func.count())
        .where(Item.actor_id == actor_id, Item.status.in_(statuses), item_date() >= _day_start(since))
        .group_by(month)
        .order_by(month)
    )
    with transaction(engine) as session:
        return [(m, n) for m, n in session.execute(stmt)]


@dataclass(frozen=True)
class ActorView:
    id: int
    name: str
    type: str
    country: str | None
    language: str | None
    homepage: str | None
    enabled: bool
    items: int  # public ones
    first: datetime | None
    last: datetime | None


def actor(engine: Engine, actor_id: int, statuses: tuple[str, ...] = PUBLIC) -> ActorView | None:
    with transaction(engine) as session:
        a = session.get(Actor, actor_id)
        if a is None:
            return None
        count, first, last = session.execute(
            select(func.count(Item.id), func.min(item_date()), func.max(item_date()))
            .where(Item.actor_id == actor_id, Item.status.in_(statuses))
        ).one()
        return ActorView(a.id, a.name, a.type, a.country, a.language, a.homepage, a.enabled, count,
                         aware(_as_datetime(first)), aware(_as_datetime(last)))


def _as_datetime(value) -> datetime | None:
    # Aggregates over a DateTime column come back as text from SQLite.
    if isinstance(value, str):
        return datetime.fromisoformat(value)
    return value


def actor_names(engine: Engine, actor_ids: list[int]) -> dict[int, str]:
    if not actor_ids:
        return {}
    with transaction(engine) as session:
        return dict(session.execute(select(Actor.id, Actor.name).where(Actor.id.in_(actor_ids))).all())


def actor_names_all(engine: Engine) -> list[tuple[int, str]]:
    """(id, name) of every actor, by name: for the choice of a source in forms."""
    with transaction(engine) as session:
        return [tuple(r) for r in session.execute(select(Actor.id, Actor.name).order_by(Actor.name))]
