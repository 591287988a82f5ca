"""A small archive for the web tests: real store, real classifications, real accounts.

Four actors of different types, thirty items in French and English with
their predicted tags, some accepted, some rejected, most new (the review
queue), two of them one story told by two sources; three accounts, one per
role. Every test that needs a populated web app starts from this.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from sqlalchemy import select, update

from store import items, sources, users
from store.db import transaction
from store.records import NewItem, Prediction
from store.schema import Item, Story

NOW = datetime(2026, 11, 20, 9, 0, tzinfo=timezone.utc)
PASSWORD = "mot de passe solide"
ACCOUNTS = {"admin": "admin@veille.example", "editor": "edith@veille.example", "reader": "lea@veille.example"}

ACTORS = [
    ("Ville de Saint-Aubin", "local-authority", "fr"),
    ("Parlons Ensemble", "association", "fr"),
    ("CivicLab", "startup", "en"),
    ("Assemblée numérique", "public-institution", "fr"),
]

# (actor index, title, summary, language, status, purpose, themes, kind, relevance score)
ITEMS = [
    (0, "Budget participatif : 42 projets soumis au vote", "Les habitants votent pour les projets du budget participatif.", "fr", "accepted", "coproduction", ["participatory-budgeting", "local-democracy"], "news", 0.95),
    (1, "Consultation sur le plan vélo", "Une consultation en ligne sur les pistes cyclables.", "fr", "accepted", "coproduction", ["consultation"], "news", 0.88),
    (2, "Participatory budgeting goes digital in Lisbon", "Lisbon's participatory budgets move online.", "en", "accepted", "coproduction", ["participatory-budgeting"], "news", 0.91),
    (3, "Rapport sur la transparence des algorithmes publics", "Un rapport sur l'IA et les algorithmes dans l'action publique.", "fr", "accepted", "information", ["ai-algorithms", "open-government"], "publication", 0.83),
    (1, "Pétition pour un référendum local sur la place du marché", "Les habitants lancent une pétition.", "fr", "accepted", "mobilisation", ["petition", "local-democracy"], "news", 0.77),
    (2, "Open data hackathon on election results", "Civic hackers rebuild the election results map.", "en", "accepted", "information", ["open-data", "elections"], "event", 0.81),
    (0, "Travaux rue Pasteur", "La rue sera fermée deux semaines.", "fr", "rejected", None, [], "news", 0.12),
    (3, "Appel à projets : démocratie numérique 2027", "Un appel à projets pour les collectivités.", "fr", "accepted", "ecosystem", ["civic-tech-sector"], "call", 0.72),
]
QUEUE = [
    (i % 4, f"Article à revoir n° {i} : concertation citoyenne", f"Résumé de l'article à revoir {i} sur la concertation.",
     "fr", "new", "coproduction", ["consultation"], "news", round(0.97 - i * 0.03, 2))
    for i in range(1, 23)
]


def _prediction(purpose, themes, kind, score) -> Prediction:
    relevant = score >= 0.5
    return Prediction(
        relevant=relevant, relevance_score=score, purpose=purpose if relevant else None,
        purpose_scores={purpose: 0.8} if purpose else {}, themes=list(themes),
        theme_scores={t: 0.7 for t in themes}, kind=kind, kind_scores={kind: 0.9},
        why={"relevant" if relevant else "not-relevant": ["budget participatif", "habitants"],
             **({f"purpose:{purpose}": ["projets"]} if purpose else {}),
             **{f"theme:{t}": ["concertation"] for t in themes}, f"kind:{kind}": ["annonce"]},
        model_version="test-1",
    )


def populate(engine) -> dict[str, int]:
    """Fill an empty store; returns {title: item id}."""
    actor_ids = [
        sources.upsert_actor(engine, name=name, channels=[{"kind": "feed", "url": f"https://{n}.example/feed/"}],
                             type=kind, language=lang, homepage=f"https://{n}.example/")
        for n, (name, kind, lang) in enumerate(ACTORS)
    ]
    rows = ITEMS + QUEUE
    new = [
        NewItem(channel_id=None, actor_id=actor_ids[a], url=f"https://site{a}.example/{n}",
                canonical_url=f"https://site{a}.example/{n}", title=title, summary=summary,
                text=f"{summary} Texte complet de l'article {n}.", language=lang,
                published=NOW - timedelta(days=n * 3), content_hash=f"h{n}")
        for n, (a, title, summary, lang, *_rest) in enumerate(rows)
    ]
    items.ingest(engine, new)
    ids = {v.title: v.id for v in items.search(engine, limit=1000)}
    items.save_classifications(engine, [
        (ids[title], _prediction(purpose, themes, kind, score))
        for _, title, _, _, _, purpose, themes, kind, score in rows
    ])
    for _, title, _, _, status, *_ in rows:
        if status != "new":
            items.set_status(engine, [ids[title]], status)
    _story(engine, [ids[ITEMS[0][1]], ids[QUEUE[0][1]]])
    for role, email in ACCOUNTS.items():
        users.add_user(engine, email, PASSWORD, role, name=role.capitalize())
    return ids


def _story(engine, item_ids: list[int]) -> None:
    with transaction(engine) as session:
        story = Story(title="Budget participatif", first_item_id=item_ids[0], size=len(item_ids))
        session.add(story)
        session.flush()
        session.execute(update(Item).where(Item.id.in_(item_ids)).values(story_id=story.id))


def item_id(engine, title: str) -> int:
    with transaction(engine) as session:
        return session.scalar(select(Item.id).where(Item.title == title))


class Visitor:
    """A person's HTTP client on loopback, keeping cookies itself.

    The app's cookies are Secure; httpx, like curl, never sends a Secure
    cookie over plain http, while browsers do on 127.0.0.1 (a trustworthy
    origin). This keeps them the way a browser would.
    """

    def __init__(self, base: str):
        import httpx

        self.client = httpx.Client(base_url=base, follow_redirects=False, timeout=30)
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, headers: dict | None = None, **kwargs):
        headers = dict(headers or {})
        if self.cookies:
            headers["cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        response = self.client.request(method, path, headers=headers, **kwargs)
        for header in response.headers.get_list("set-cookie"):
            name, _, value = header.split(";", 1)[0].partition("=")
            if "max-age=0" in header.lower() or value in ("", '""'):
                self.cookies.pop(name, None)
            else:
                self.cookies[name] = value
        return response

    def get(self, path: str, **kwargs):
        return self.request("GET", path, **kwargs)

    def post(self, path: str, **kwargs):
        return self.request("POST", path, **kwargs)

    def login(self, email: str, password: str = PASSWORD, next_: str = "/equipe/revue"):
        form = self.get("/connexion")
        return self.post("/connexion", data={"csrf_token": token_in(form.text), "email": email,
                                             "password": password, "suite": next_})

    def csrf(self, path: str = "/equipe/compte") -> str:
        return token_in(self.get(path).text)

    def act(self, path: str, data: dict | None = None, json: bool = True):
        """A state-changing POST as the review page's script sends it."""
        headers = {"X-CSRF-Token": self.csrf(), **({"Accept": "application/json"} if json else {})}
        return self.post(path, data=data or {}, headers=headers)


def token_in(html: str) -> str:
    import re

    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
