"""Plain data that moves between the stages and the store.

The crawlers hand `NewItem`s to the store, the classifier returns
`Prediction`s, the web app and the newsletter read `ItemView`s. None of these
carries a database session or a framework object, so every stage can be
tested without the others.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

# The staff roles: admin (users and sources), editor (review, newsletter), reader (reads).
ROLES = ("admin", "editor", "reader")
# MinHash permutations of an item's signature: the crawler computes them, the store bands them.
SIGNATURE_SIZE = 64


@dataclass(frozen=True)
class ChannelSpec:
    """One way of reading an actor: what the crawler needs to fetch it."""

    id: int
    actor_id: int
    actor_name: str
    kind: str  # feed | listing | sitemap | page
    url: str
    selectors: dict = field(default_factory=dict)  # listing pages: CSS selectors
    etag: str | None = None
    last_modified: str | None = None
    language: str | None = None
    # Watched pages: the main text seen last time, to tell what changed.
    page_hash: str | None = None
    page_text: str | None = None


@dataclass(frozen=True)
class NewItem:
    """An item as collected, before it is stored."""

    channel_id: int
    actor_id: int
    url: str
    canonical_url: str
    title: str
    summary: str = ""
    text: str = ""
    html: str = ""  # sanitized main content
    author: str | None = None
    language: str | None = None
    image: str | None = None
    published: datetime | None = None
    content_hash: str = ""
    warnings: tuple[str, ...] = ()
    # MinHash signature of title + text (near-duplicates, stories); () when too short.
    minhash: tuple[int, ...] = ()


@dataclass(frozen=True)
class Ingested:
    """What the store did with one `NewItem`, in the order given."""

    item_id: int | None  # the stored row, or the one it duplicates when known
    status: str  # new | duplicate-url | duplicate-content
    story_id: int | None = None  # the story a new item joined, if any


@dataclass(frozen=True)
class ChannelResult:
    """What happened to one channel during a crawl."""

    channel_id: int
    url: str
    status: str  # ok | not-modified | partial (items kept, but a problem to see) | error
    fetched: int = 0
    new: int = 0
    duplicates: int = 0
    errors: int = 0
    error: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    retry_after: float | None = None  # seconds the site asked us to wait (429/503 Retry-After)
    # Watched pages: the main text now seen (None: unchanged or not a page channel).
    page_hash: str | None = None
    page_text: str | None = None


@dataclass(frozen=True)
class Prediction:
    """The classifier's tags for one item, with scores and reasons."""

    relevant: bool
    relevance_score: float
    purpose: str | None
    purpose_scores: dict[str, float]
    themes: list[str]
    theme_scores: dict[str, float]
    kind: str
    kind_scores: dict[str, float]
    why: dict[str, list[str]]  # label -> the words that weighed most
    model_version: str


@dataclass(frozen=True)
class ItemView:
    """An item as the web app, the newsletter and the CLI show it."""

    id: int
    url: str
    title: str
    summary: str
    source: str
    source_id: int
    published: datetime | None
    collected: datetime
    language: str | None
    status: str  # new | accepted | rejected
    featured: bool
    relevant: bool | None = None
    relevance_score: float | None = None
    purpose: str | None = None
    themes: list[str] = field(default_factory=list)
    kind: str | None = None
    why: dict[str, list[str]] = field(default_factory=dict)
    model_version: str | None = None
    text: str = ""
    author: str | None = None
    warnings: tuple[str, ...] = ()  # what the crawl noticed (feed text only, a date ignored…), as recorded

    def to_json(self) -> dict:
        """The public JSON shape (the CLI's `search --json` and the API)."""
        return {
            "id": self.id,
            "url": self.url,
            "title": self.title,
            "summary": self.summary,
            "source": self.source,
            "published": self.published.isoformat() if self.published else None,
            "collected": self.collected.isoformat(),
            "language": self.language,
            "status": self.status,
            "featured": self.featured,
            "relevant": self.relevant,
            "relevance_score": self.relevance_score,
            "purpose": self.purpose,
            "themes": list(self.themes),
            "kind": self.kind,
        }


@dataclass(frozen=True)
class ChannelView:
    id: int
    kind: str
    url: str
    enabled: bool
    confidence: str
    last_attempt: datetime | None
    last_success: datetime | None
    last_error: str | None
    consecutive_failures: int
    # Health, computed by store.sources (defaults keep older callers working).
    backoff_until: datetime | None = None
    last_new_item: datetime | None = None
    items_per_week: float = 0.0
    state: str = ""  # ok | failing | backing-off | never | disabled
    selectors: dict = field(default_factory=dict)


@dataclass(frozen=True)
class SourceView:
    """An actor with its channels, as `sources list` and the web app show it."""

    id: int
    slug: str
    name: str
    type: str
    country: str | None
    language: str | None
    homepage: str | None
    enabled: bool
    status: str
    channels: list[ChannelView] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    notes: str = ""
    last_item: datetime | None = None  # newest item (published, else collected)
    usual_gap_days: float | None = None  # median days between its recent items
    quiet: bool = False  # silent much longer than its usual rhythm

    def to_json(self) -> dict:
        return {
            "id": self.id,
            "slug": self.slug,
            "name": self.name,
            "type": self.type,
            "country": self.country,
            "language": self.language,
            "homepage": self.homepage,
            "enabled": self.enabled,
            "status": self.status,
            "tags": list(self.tags),
            "last_item": self.last_item.isoformat() if self.last_item else None,
            "usual_gap_days": self.usual_gap_days,
            "quiet": self.quiet,
            "channels": [
                {
                    "id": c.id,
                    "kind": c.kind,
                    "url": c.url,
                    "enabled": c.enabled,
                    "confidence": c.confidence,
                    "last_attempt": c.last_attempt.isoformat() if c.last_attempt else None,
                    "last_success": c.last_success.isoformat() if c.last_success else None,
                    "last_error": c.last_error,
                    "consecutive_failures": c.consecutive_failures,
                    "backoff_until": c.backoff_until.isoformat() if c.backoff_until else None,
                    "last_new_item": c.last_new_item.isoformat() if c.last_new_item else None,
                    "items_per_week": c.items_per_week,
                    "state": c.state,
                }
                for c in self.channels
            ],
        }


@dataclass(frozen=True)
class ItemToClassify:
    id: int
    title: str
    summary: str
    text: str
    language: str | None
    actor_type: str | None


@dataclass(frozen=True)
class RunView:
    id: int
    kind: str
    status: str
    started_at: datetime
    finished_at: datetime | None
    counts: dict
    errors: list


@dataclass(frozen=True)
class IssueDraft:
    """A newsletter issue as composed, ready to be saved as a draft."""

    title: str
    period_start: datetime
    period_end: datetime
    intro: str
    entries: list[tuple[int, str, int]]  # (item id, section slug, position)
