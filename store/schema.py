"""The tables of the archive (SQLAlchemy 2.x declarative models).

Changing a model needs an Alembic migration in store/migrations/versions
(`alembic revision --autogenerate`); the tests check that the migrations and
the models agree.
"""

from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import (
    JSON,
    BigInteger,
    LargeBinary,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

# Stable constraint names, so migrations work the same on SQLite and PostgreSQL.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {datetime: DateTime(timezone=True), dict: JSON, list: JSON}


class Actor(Base):
    """A watched actor: a start-up, association, institution…"""

    __tablename__ = "actors"
    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(200), unique=True)
    name: Mapped[str] = mapped_column(String(300))
    type: Mapped[str] = mapped_column(String(40), default="association")
    country: Mapped[str | None] = mapped_column(String(2))
    language: Mapped[str | None] = mapped_column(String(10))
    homepage: Mapped[str | None] = mapped_column(String(2000))
    tags: Mapped[list] = mapped_column(default=list)
    status: Mapped[str] = mapped_column(String(30), default="presumed-active")
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    notes: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    channels: Mapped[list[Channel]] = relationship(back_populates="actor", cascade="all, delete-orphan")


class Channel(Base):
    """One way of reading an actor: a feed, a listing page, a sitemap, a watched page."""

    __tablename__ = "channels"
    __table_args__ = (UniqueConstraint("actor_id", "url"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    actor_id: Mapped[int] = mapped_column(ForeignKey("actors.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(20))  # feed | listing | sitemap | page
    url: Mapped[str] = mapped_column(String(2000))
    selectors: Mapped[dict] = mapped_column(default=dict)
    confidence: Mapped[str] = mapped_column(String(20), default="evidenced")
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    etag: Mapped[str | None] = mapped_column(String(500))
    last_modified: Mapped[str | None] = mapped_column(String(100))
    last_attempt: Mapped[datetime | None]
    last_success: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    consecutive_failures: Mapped[int] = mapped_column(Integer, default=0)
    backoff_until: Mapped[datetime | None]
    last_new_item: Mapped[datetime | None]
    page_hash: Mapped[str | None] = mapped_column(String(64))  # watched pages: last main content
    page_text: Mapped[str | None] = mapped_column(Text)
    actor: Mapped[Actor] = relationship(back_populates="channels")


class Item(Base):
    """One watch item: a piece of news, an event, a publication, a call."""

    __tablename__ = "items"
    __table_args__ = (Index("ix_items_collected", "collected"), Index("ix_items_published", "published"))
    id: Mapped[int] = mapped_column(primary_key=True)
    actor_id: Mapped[int] = mapped_column(ForeignKey("actors.id", ondelete="CASCADE"), index=True)
    channel_id: Mapped[int | None] = mapped_column(ForeignKey("channels.id", ondelete="SET NULL"))
    url: Mapped[str] = mapped_column(String(2000))
    canonical_url: Mapped[str] = mapped_column(String(2000), unique=True)
    title: Mapped[str] = mapped_column(Text)
    summary: Mapped[str] = mapped_column(Text, default="")
    text: Mapped[str] = mapped_column(Text, default="")
    html: Mapped[str] = mapped_column(Text, default="")
    author: Mapped[str | None] = mapped_column(String(500))
    language: Mapped[str | None] = mapped_column(String(10))
    image: Mapped[str | None] = mapped_column(String(2000))
    published: Mapped[datetime | None]
    collected: Mapped[datetime] = mapped_column(default=utcnow)
    content_hash: Mapped[str] = mapped_column(String(64), index=True)
    warnings: Mapped[list] = mapped_column(default=list)
    story_id: Mapped[int | None] = mapped_column(ForeignKey("stories.id", ondelete="SET NULL"), index=True)
    minhash: Mapped[list | None] = mapped_column(JSON)  # near-duplicate signature
    # Review state, kept on the item for fast queues; the history is in reviews.
    status: Mapped[str] = mapped_column(String(20), default="new", index=True)
    featured: Mapped[bool] = mapped_column(Boolean, default=False)
    editor_title: Mapped[str | None] = mapped_column(Text)
    editor_summary: Mapped[str | None] = mapped_column(Text)
    note: Mapped[str | None] = mapped_column(Text)
    actor: Mapped[Actor] = relationship()
    classification: Mapped[Classification | None] = relationship(
        primaryjoin="and_(Item.id == Classification.item_id, Classification.current == True)",
        viewonly=True,
        uselist=False,
    )


class Classification(Base):
    """The classifier's tags of one item by one model version."""

    __tablename__ = "classifications"
    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id", ondelete="CASCADE"), index=True)
    model_version: Mapped[str] = mapped_column(String(100))
    current: Mapped[bool] = mapped_column(Boolean, default=True)
    relevant: Mapped[bool] = mapped_column(Boolean)
    relevance_score: Mapped[float] = mapped_column(Float)
    purpose: Mapped[str | None] = mapped_column(String(30))
    purpose_scores: Mapped[dict] = mapped_column(default=dict)
    themes: Mapped[list] = mapped_column(default=list)
    theme_scores: Mapped[dict] = mapped_column(default=dict)
    kind: Mapped[str] = mapped_column(String(30))
    kind_scores: Mapped[dict] = mapped_column(default=dict)
    why: Mapped[dict] = mapped_column(default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Review(Base):
    """A staff decision or correction on an item; each one is a gold label."""

    __tablename__ = "reviews"
    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id", ondelete="CASCADE"), index=True)
    reviewer: Mapped[str] = mapped_column(String(200))
    action: Mapped[str] = mapped_column(String(30))  # accept | reject | feature | correct | undo
    before: Mapped[dict] = mapped_column(default=dict)
    after: Mapped[dict] = mapped_column(default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class NewsletterIssue(Base):
    """One issue of the newsletter: a draft until it is sent."""

    __tablename__ = "newsletter_issues"
    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(300))
    period_start: Mapped[datetime]
    period_end: Mapped[datetime]
    status: Mapped[str] = mapped_column(String(20), default="draft")  # draft | sending | sent
    intro: Mapped[str] = mapped_column(Text, default="")
    html: Mapped[str] = mapped_column(Text, default="")
    text: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    send_at: Mapped[datetime | None]
    sent_at: Mapped[datetime | None]
    subject: Mapped[str] = mapped_column(String(300), default="", server_default="")
    items: Mapped[list[IssueItem]] = relationship(
        cascade="all, delete-orphan", order_by="IssueItem.position"
    )


class IssueItem(Base):
    __tablename__ = "issue_items"
    __table_args__ = (UniqueConstraint("issue_id", "item_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    issue_id: Mapped[int] = mapped_column(ForeignKey("newsletter_issues.id", ondelete="CASCADE"))
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer, default=0)
    section: Mapped[str] = mapped_column(String(50), default="")
    title: Mapped[str | None] = mapped_column(Text)
    summary: Mapped[str | None] = mapped_column(Text)


class Subscriber(Base):
    __tablename__ = "subscribers"
    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(320), unique=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    status: Mapped[str] = mapped_column(String(20), default="pending")  # pending|confirmed|unsubscribed
    themes: Mapped[list] = mapped_column(default=list)
    consent_at: Mapped[datetime | None]
    consent_method: Mapped[str | None] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    confirmed_at: Mapped[datetime | None]
    unsubscribed_at: Mapped[datetime | None]
    bounce_error: Mapped[str | None] = mapped_column(Text)


class Delivery(Base):
    """One issue sent to one subscriber; unique, so a resumed send never doubles."""

    __tablename__ = "deliveries"
    __table_args__ = (UniqueConstraint("issue_id", "subscriber_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    issue_id: Mapped[int] = mapped_column(ForeignKey("newsletter_issues.id", ondelete="CASCADE"))
    subscriber_id: Mapped[int] = mapped_column(ForeignKey("subscribers.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(String(20), default="pending")  # pending|sent|failed
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    message_id: Mapped[str | None] = mapped_column(String(300))
    claimed_at: Mapped[datetime | None]  # set just before the SMTP call: a crash leaves a trace
    sent_at: Mapped[datetime | None]


class Run(Base):
    """One crawl, classification, send…: what it did and what went wrong."""

    __tablename__ = "runs"
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(30), index=True)
    status: Mapped[str] = mapped_column(String(20), default="running")  # running|ok|partial|failed
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None]
    counts: Mapped[dict] = mapped_column(default=dict)
    errors: Mapped[list] = mapped_column(default=list)


class Story(Base):
    """Items of several sources about the same news; remembers who published first."""

    __tablename__ = "stories"
    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(Text)
    first_item_id: Mapped[int | None] = mapped_column(Integer)
    first_seen: Mapped[datetime] = mapped_column(default=utcnow)
    size: Mapped[int] = mapped_column(Integer, default=1)


class StoryBand(Base):
    """One LSH band of an item's MinHash: items sharing a band are near-duplicate candidates.

    Kept in a table (not rebuilt in memory) so that every crawl process finds
    the candidates of a new item with one indexed query, whatever came before.
    """

    __tablename__ = "story_bands"
    __table_args__ = (Index("ix_story_bands_band", "band"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    band: Mapped[int] = mapped_column(BigInteger)  # band number and values, hashed to 63 bits
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id", ondelete="CASCADE"), index=True)


class User(Base):
    """A staff account: admin (users and sources), editor (review, newsletter), reader."""

    __tablename__ = "users"
    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(320), unique=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    role: Mapped[str] = mapped_column(String(20), default="reader")
    password_hash: Mapped[str] = mapped_column(String(300))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    password_changed_at: Mapped[datetime] = mapped_column(default=utcnow)


class LoginSession(Base):
    """A server-side login session; the cookie holds only its random token."""

    __tablename__ = "login_sessions"
    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]


class RateEvent(Base):
    """One counted attempt (login, subscription…) for rate limits shared by processes."""

    __tablename__ = "rate_events"
    __table_args__ = (Index("ix_rate_events_key_at", "key", "at"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(300))
    at: Mapped[datetime] = mapped_column(default=utcnow)


class ModelVersion(Base):
    """A trained classifier: where it lives, how it measured, whether it serves."""

    __tablename__ = "model_versions"
    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[str] = mapped_column(String(100), unique=True)
    path: Mapped[str] = mapped_column(String(2000))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    promoted: Mapped[bool] = mapped_column(Boolean, default=False)
    metrics: Mapped[dict] = mapped_column(default=dict)
    report: Mapped[dict] = mapped_column(default=dict)


class Lock(Base):
    """A lease: one scheduler runs a job at a time, across processes and machines."""

    __tablename__ = "locks"
    name: Mapped[str] = mapped_column(String(100), primary_key=True)
    owner: Mapped[str] = mapped_column(String(200))
    acquired_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]


class Alert(Base):
    """An alert sent to admins; unique per cause and day so none repeats."""

    __tablename__ = "alerts"
    __table_args__ = (UniqueConstraint("cause", "day"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    cause: Mapped[str] = mapped_column(String(300))
    day: Mapped[str] = mapped_column(String(10))
    message: Mapped[str] = mapped_column(Text, default="")
    sent_at: Mapped[datetime] = mapped_column(default=utcnow)


class RobotsTxt(Base):
    """The last robots.txt read from a site (scheme, host and port), so that a
    crawl within the cache's lifetime need not ask for it again, and a later
    one asks with its validators (a 304 costs no body)."""

    __tablename__ = "robots_txt"
    site: Mapped[str] = mapped_column(String(300), primary_key=True)  # "https://example.org:443"
    status: Mapped[int] = mapped_column(Integer)  # 200, or the 4xx that means "no rules"
    body: Mapped[bytes] = mapped_column(LargeBinary)
    etag: Mapped[str | None] = mapped_column(String(300))
    last_modified: Mapped[str | None] = mapped_column(String(100))
    fetched_at: Mapped[datetime] = mapped_column(default=utcnow)  # last read or revalidated
