"""Search latency of the public archive, with facets, on SQLite and PostgreSQL.

Builds (once, then reuses) a synthetic archive of N items — French and
English items on a few dozen civic-tech topics (Zipf-distributed) amid
generic words, 300 actors, predicted tags, 85 % accepted, five years of
dates — through the real migrations and triggers (past 100,000 the generated
items are copied, so the vocabulary and match rates stay those of real
archives, only ten times larger), then times
`store.search.search` as the archive page calls it (one page of 20 items,
the total and the facet counts) for a mix of query shapes. Prints the median
and p95 per shape and over all, in milliseconds.

    .venv/bin/python bench/bench_search.py --items 100000            # SQLite and PostgreSQL
    .venv/bin/python bench/bench_search.py --items 1000000 --only sqlite

The archives are kept in --dir (SQLite) and in the database veille_bench_N
(PostgreSQL at --pg, default the tests' server); --rebuild starts over.
"""

from __future__ import annotations

import argparse
import itertools
import random
import statistics
import sys
import time
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

from sqlalchemy import create_engine, func, insert, select, text

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from store import items, migrate, search  # noqa: E402
from store.db import open_engine  # noqa: E402
from store.schema import Actor, Classification, Item  # noqa: E402
from store.taxonomy import slugs  # noqa: E402

# What items are about: a few dozen topics, a handful very common, most rare (Zipf), as in a real watch.
TOPICS_FR = [t.split() for t in (
    "budget participatif", "consultation citoyenne", "démocratie participative", "concertation publique",
    "conseil de quartier", "données ouvertes", "pétition en ligne", "convention citoyenne", "tirage au sort",
    "transparence de la vie publique", "registre des lobbies", "vote électronique", "référendum local",
    "inclusion numérique", "intelligence artificielle", "algorithmes publics", "civic tech", "appel à projets",
    "plateforme de participation", "débat public", "assemblée citoyenne", "budget de la ville",
    "élections municipales", "service public numérique", "hackathon citoyen", "jeunes et participation",
    "gouvernement ouvert", "observatoire de la participation", "financement des associations", "décret",
)]
TOPICS_EN = [t.split() for t in (
    "participatory budgeting", "citizen assembly", "open government", "open data portal", "civic tech startup",
    "public consultation", "digital inclusion", "deliberative democracy", "online petition", "election turnout",
    "artificial intelligence", "lobbying register", "community engagement", "e-voting", "hackathon",
)]


def _words(count: int, seed: int) -> list[str]:
    """Pseudo-words for everything an item says besides its topic."""
    rng = random.Random(seed)
    syllables = "ba de li mo ru sa te vi no ca pe lu fo ri ga ne so ta mi ve".split()
    return ["".join(rng.choice(syllables) for _ in range(rng.choice((2, 3, 3, 4)))) for _ in range(count)]


GENERIC = _words(5000, 1)
TYPES = ("startup", "association", "public-institution", "local-authority", "company", "research", "media")
START = datetime(2021, 12, 1, tzinfo=timezone.utc)
BATCH = 5000
GENERATED = 100_000  # distinct items; a larger archive repeats them (see replicate)


_WEIGHTS: dict[tuple[int, float], list[float]] = {}


def zipf(rng: random.Random, values: list, s: float):
    """A value drawn with weight 1/rank^s: the first few are common, most are rare."""
    key = (len(values), s)
    if key not in _WEIGHTS:
        _WEIGHTS[key] = list(itertools.accumulate(1 / (k + 1) ** s for k in range(len(values))))
    return rng.choices(values, cum_weights=_WEIGHTS[key])[0]


def prose(rng: random.Random, topic: list[str], n: int, mentions: int) -> str:
    words = [zipf(rng, GENERIC, 1.0) for _ in range(n)]
    for _ in range(mentions):
        at = rng.randrange(len(words) + 1)
        words[at:at] = topic
    return " ".join(words)


def build(engine, count: int, seed: int = 7) -> None:
    """GENERATED distinct items, then copies of them up to `count` (as many words, ten times the rows)."""
    generate(engine, min(count, GENERATED), seed)
    replicate(engine, min(count, GENERATED), count)
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE"))
    else:
        with engine.begin() as conn:
            conn.execute(text("ANALYZE"))


_ITEM_COLUMNS = ("actor_id, url, canonical_url, title, summary, text, html, language, published, collected, "
                 "content_hash, warnings, status, featured")
_TAG_COLUMNS = ("model_version, current, relevant, relevance_score, purpose, purpose_scores, themes, theme_scores, "
                "kind, kind_scores, why, created_at")


def replicate(engine, base: int, count: int) -> None:
    """Copies of the first `base` items until there are `count`.

    SQLite copies go through the real triggers. PostgreSQL's trigger computes a
    tsvector per row (≈400 rows/s); copies have the same words, so their
    documents are copied instead and the GIN index rebuilt once, as a restore
    would do. The trigger itself is tested in tests/test_web_search.py.
    """
    postgres = engine.dialect.name == "postgresql"
    if postgres:
        with engine.begin() as conn:
            conn.execute(text("ALTER TABLE items DISABLE TRIGGER items_fts_sync"))
            conn.execute(text("DROP INDEX items_fts_document"))
    started = time.perf_counter()
    for first in range(base, count, base):
        size = min(base, count - first)
        with engine.begin() as conn:
            conn.execute(text(
                f"INSERT INTO items (id, {_ITEM_COLUMNS}) SELECT id + :shift, "
                + _ITEM_COLUMNS.replace("url, canonical_url", "url || :suffix, canonical_url || :suffix")
                .replace("content_hash", "content_hash || :suffix")
                + " FROM items WHERE id <= :size"
            ), {"shift": first, "suffix": f"#{first}", "size": size})
            conn.execute(text(
                f"INSERT INTO classifications (item_id, {_TAG_COLUMNS}) SELECT item_id + :shift, {_TAG_COLUMNS} "
                "FROM classifications WHERE item_id <= :size"
            ), {"shift": first, "size": size})
            if postgres:
                conn.execute(text("INSERT INTO items_fts (item_id, document) SELECT item_id + :shift, document "
                                  "FROM items_fts WHERE item_id <= :size"), {"shift": first, "size": size})
        done = first + size
        print(f"  copied up to {done:,} items ({(done - base) / (time.perf_counter() - started):,.0f}/s)", flush=True)
    if postgres:
        with engine.begin() as conn:
            conn.execute(text("CREATE INDEX items_fts_document ON items_fts USING gin (document)"))
            conn.execute(text("ALTER TABLE items ENABLE TRIGGER items_fts_sync"))


def generate(engine, count: int, seed: int) -> None:
    rng = random.Random(seed)
    themes, purposes, kinds = slugs("themes"), slugs("purpose"), slugs("kind")
    with engine.begin() as conn:
        conn.execute(insert(Actor), [
            {"slug": f"acteur-{n}", "name": f"Acteur {n}", "type": TYPES[n % len(TYPES)], "tags": [],
             "status": "active", "enabled": True, "notes": "", "language": "fr", "created_at": START}
            for n in range(300)
        ])
    span = (datetime(2026, 11, 30, tzinfo=timezone.utc) - START).total_seconds()
    started = time.perf_counter()
    for first in range(0, count, BATCH):
        items, tags = [], []
        for n in range(first, min(first + BATCH, count)):
            english = rng.random() < 0.2
            topic = zipf(rng, TOPICS_EN if english else TOPICS_FR, 0.8)
            when = START + timedelta(seconds=rng.random() * span)
            items.append({
                "id": n + 1, "actor_id": 1 + int(rng.paretovariate(1.1)) % 300, "url": f"https://x.example/{n}",
                "canonical_url": f"https://x.example/{n}", "title": prose(rng, topic, 6, 1),
                "summary": prose(rng, topic, 22, 1), "text": prose(rng, topic, 90, 2),
                "html": "", "language": "en" if english else "fr", "published": when, "collected": when,
                "content_hash": f"{n:x}", "warnings": [],
                "status": rng.choices(("accepted", "new", "rejected"), (85, 10, 5))[0], "featured": False,
            })
            relevant = rng.random() < 0.8
            tags.append({
                "item_id": n + 1, "model_version": "bench", "current": True, "relevant": relevant,
                "relevance_score": rng.random(), "purpose": rng.choice(purposes) if relevant else None,
                "purpose_scores": {}, "themes": rng.sample(themes, rng.choice((0, 1, 1, 2, 2, 3))),
                "theme_scores": {}, "kind": rng.choices(kinds, (70, 10, 15, 5))[0], "kind_scores": {}, "why": {},
                "created_at": when,
            })
        with engine.begin() as conn:
            conn.execute(insert(Item), items)
            conn.execute(insert(Classification), tags)
        done = min(first + BATCH, count)
        if done % 100_000 == 0 or done == count:
            print(f"  built {done:,} items ({done / (time.perf_counter() - started):,.0f}/s)", flush=True)


def shapes(today: date) -> list[tuple[str, search.Filters, str]]:
    """(name, filters, sort): what visitors do on the archive page."""
    F = search.Filters
    return [
        ("home: latest, no words", F(), "date"),
        ("one common word", F(query="participatif"), "relevance"),
        ("two words, relevance", F(query="budget participatif"), "relevance"),
        ("two words, newest first", F(query="consultation citoyenne"), "date"),
        ("English words", F(query="citizen assembly"), "relevance"),
        ("word + theme", F(query="transparence", themes=("open-government",)), "relevance"),
        ("word + 2 facets", F(query="données", themes=("open-data",), languages=("fr",)), "date"),
        ("2 facets, no words", F(themes=("petition",), purposes=("mobilisation",)), "date"),
        ("actor type + last year", F(actor_types=("local-authority",), since=today - timedelta(days=365)), "date"),
        ("rare word", F(query="hackathon décret"), "relevance"),
        ("word + source", F(query="vote", source_ids=(3,)), "date"),
    ]


BASELINE = "baseline: 20 newest, bare"  # store.items.search: the archive page before full text and facets


def measure(engine, repeats: int) -> dict[str, list[float]]:
    """Milliseconds per search, per shape; the baseline is the plain newest-first page."""
    timings: dict[str, list[float]] = {}
    today = date(2026, 11, 30)
    runs = [(BASELINE, lambda: items.search(engine, statuses=search.PUBLIC, limit=20))] + [
        (name, lambda f=f, s=s: search.search(engine, f, sort=s)) for name, f, s in shapes(today)
    ]
    for name, run in runs:
        run()  # warm the caches, as a running server has them
        for _ in range(repeats):
            started = time.perf_counter()
            run()
            timings.setdefault(name, []).append((time.perf_counter() - started) * 1000)
    return timings


def p95(values: list[float]) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, round(0.95 * (len(values) - 1)))]


def report(label: str, timings: dict[str, list[float]]) -> None:
    base = statistics.median(timings[BASELINE])
    every = [t for name, values in timings.items() if name != BASELINE for t in values]
    print(f"\n{label}: median {statistics.median(every):.1f} ms, p95 {p95(every):.1f} ms over {len(every)} searches "
          f"with facets ({statistics.median(every) / base:.0f}× the baseline)")
    for name, values in timings.items():
        print(f"  {name:<28} median {statistics.median(values):8.1f} ms   p95 {p95(values):8.1f} ms"
              f"   {statistics.median(values) / base:6.1f}×")


def sqlite_engine(directory: Path, count: int, rebuild: bool):
    path = directory / f"bench-{count}.sqlite"
    if rebuild and path.exists():
        path.unlink()
    fresh = not path.exists()
    engine = open_engine(f"sqlite:///{path}")
    migrate.upgrade(engine)
    return engine, fresh or _count(engine) != count


def postgres_engine(admin_url: str, count: int, rebuild: bool):
    name = f"veille_bench_{count}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        exists = conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}).first()
        if exists and rebuild:
            conn.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
            exists = None
        if not exists:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    engine = open_engine(admin_url.rsplit("/", 1)[0] + f"/{name}")
    migrate.upgrade(engine)
    return engine, not exists or _count(engine) != count


def _count(engine) -> int:
    with engine.connect() as conn:
        return conn.scalar(select(func.count(Item.id)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument("--repeats", type=int, default=9)
    parser.add_argument("--only", choices=("sqlite", "postgresql"))
    parser.add_argument("--dir", type=Path, default=Path("/tmp/veille-bench"))
    parser.add_argument("--pg", default="postgresql+psycopg://postgres@127.0.0.1:5432/test")
    parser.add_argument("--rebuild", action="store_true")
    parser.add_argument("--build-only", action="store_true", help="Build the archive, measure nothing.")
    args = parser.parse_args()
    args.dir.mkdir(parents=True, exist_ok=True)
    for backend in ("sqlite", "postgresql"):
        if args.only and backend != args.only:
            continue
        if backend == "sqlite":
            engine, empty = sqlite_engine(args.dir, args.items, args.rebuild)
        else:
            engine, empty = postgres_engine(args.pg, args.items, args.rebuild)
        if empty:
            if _count(engine):
                sys.exit(f"{backend}: the bench archive holds another count; run with --rebuild")
            print(f"{backend}: building {args.items:,} items…", flush=True)
            build(engine, args.items)
        if not args.build_only:
            report(f"{backend}, {args.items:,} items", measure(engine, args.repeats))
        engine.dispose()


if __name__ == "__main__":
    main()
