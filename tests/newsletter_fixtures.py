"""A small, realistic watch for the newsletter tests: items, tags, subscribers."""

from __future__ import annotations

from datetime import datetime, timezone

from newsletter.config import MailConfig, SmtpConfig
from store import items, sources, subscribers
from store.records import NewItem, Prediction
from store.subscribers import NewSubscriber

START = datetime(2026, 11, 2, tzinfo=timezone.utc)
END = datetime(2026, 11, 9, tzinfo=timezone.utc)
SECRET = "a test secret that is long enough"

# (title, kind, themes, featured, text)
ITEMS = (
    ("Budget participatif : 42 projets soumis au vote", "news", ["participatory-budgeting", "local-democracy"], True,
     "La ville de Saint-Aubin ouvre le vote de son budget participatif. Quarante-deux projets proposés par les "
     "habitants sont soumis au vote jusqu'à la fin du mois. Le budget participatif représente cette année "
     "1,2 million d'euros. Les habitants peuvent voter en ligne ou dans les mairies de quartier. La météo sera "
     "clémente ce week-end."),
    ("La convention citoyenne sur le temps de travail se réunit à Lyon", "event", ["deliberation"], False,
     "La convention citoyenne tiendra sa troisième session le 12 décembre 2026 à Lyon. Cent cinquante citoyens "
     "tirés au sort y débattront des propositions."),
    ("Appel à projets « Territoires de participation »", "call", ["civic-tech-sector"], False,
     "La fondation lance un appel à projets pour les associations de participation citoyenne. Les candidatures "
     "sont ouvertes jusqu'au 15 janvier 2027. Dix projets seront soutenus."),
    ("Open data : le baromètre 2026 des collectivités", "publication", ["open-data"], False,
     "L'observatoire publie son baromètre annuel de l'ouverture des données publiques. Un tiers des "
     "collectivités publient désormais leurs budgets en open data."),
    ("Consultation sur le plan vélo : 3 000 contributions", "news", ["consultation"], False,
     "La consultation sur le plan vélo a recueilli 3 000 contributions en ligne. La synthèse sera publiée en "
     "décembre."),
)


def seed_items(engine) -> dict[str, int]:
    """The items above, accepted and tagged, published in [START, END); title -> id."""
    actor = sources.upsert_actor(engine, name="Ville de Saint-Aubin", channels=[], type="local-authority")
    items.ingest(engine, [
        NewItem(channel_id=None, actor_id=actor, url=f"https://ville.example/{n}",
                canonical_url=f"https://ville.example/{n}", title=title, summary="", text=text,
                language="fr", published=datetime(2026, 11, 3 + n, 9, tzinfo=timezone.utc), content_hash=f"h{n}")
        for n, (title, _, _, _, text) in enumerate(ITEMS)
    ])
    ids = {v.title: v.id for v in items.search(engine, limit=50)}
    items.save_classifications(engine, [
        (ids[title], Prediction(True, 0.9, "coproduction", {}, themes, {}, kind, {}, {}, "test"))
        for title, kind, themes, _, _ in ITEMS
    ])
    for title, _, _, featured, _ in ITEMS:
        items.set_status(engine, [ids[title]], "accepted", featured=featured)
    return ids


def subscribe(engine, email: str, themes=(), name: str = "", status: str = "confirmed"):
    view = subscribers.add(engine, NewSubscriber(email, name, tuple(themes)),
                           confirmed=status != "pending", method="test: consentement recueilli ailleurs")
    if status == "unsubscribed":
        subscribers.unsubscribe(engine, view.id)
    return view


def mail_config(port: int, public_url: str = "http://127.0.0.1:8000", **overrides) -> MailConfig:
    values = dict(
        smtp=SmtpConfig(host="127.0.0.1", port=port, timeout=10), sender="veille@observatoire.example",
        title="La veille de l'Observatoire", public_url=public_url, secret=SECRET, rate=0,
        max_attempts=3, retry_delay=0.01,
    )
    values.update(overrides)
    return MailConfig(**values)


def draft(engine, subject: str = "", title: str = "La veille de l'Observatoire") -> int:
    """The items above, composed by veille into a draft issue; its id."""
    from newsletter.compose import compose_issue
    from store import newsletters

    seed_items(engine)
    views = items.search(engine, statuses=("accepted",), since=START, until=END, with_text=True)
    issue = compose_issue(views, START, END, title)
    return newsletters.save_draft(engine, issue.to_draft(), "", "", summaries=issue.summaries(), subject=subject)
