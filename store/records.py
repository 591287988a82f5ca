"""Plain data that moves between the stages and the store.

The crawlers hand `NewItem`s to the store, the classifier returns
`Prediction`s, the web app and the newsletter read `ItemView`s. None of these
carries a database session or a framework object, so every stage can be
tested without the others.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


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


@dataclass(frozen=True)
class ChannelResult:
    """What happened to one channel during a crawl."""

    channel_id: int
    url: str
    status: str  # ok | not-modified | error
    fetched: int = 0
    new: int = 0
    duplicates: int = 0
    errors: int = 0
    error: str | None = None
    etag: str | None = None
    last_modified: str | None = None


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
