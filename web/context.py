"""What every page module needs, built once by create_app and passed in (no globals)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timezone
from pathlib import Path

from zoneinfo import ZoneInfo

from babel.dates import format_date, format_datetime
from babel.numbers import format_decimal
from fastapi import Request
from fastapi.templating import Jinja2Templates
from sqlalchemy.engine import Engine

from store import search
from store.taxonomy import label
from veille.app import App
from web.messages import error_fr, run_error

HERE = Path(__file__).parent

ROLE_LABELS = {"admin": "administrateur", "editor": "éditeur", "reader": "lecteur"}
ACTOR_TYPES = {
    "startup": "Start-up",
    "association": "Association",
    "public-institution": "Institution publique",
    "local-authority": "Collectivité",
    "company": "Entreprise",
    "research": "Recherche",
    "media": "Média",
    "international-body": "Organisation internationale",
}
LANGUAGES = {"fr": "français", "en": "anglais", "de": "allemand", "es": "espagnol", "it": "italien"}
CHANNEL_KINDS = {"feed": "flux", "listing": "page de liste", "sitemap": "plan du site", "page": "page suivie"}
# store.sources.channel_state: "failing" once flagged (several failures in a row), "error" before.
CHANNEL_STATES = {"ok": "OK", "error": "erreur", "failing": "en échec", "never": "jamais lu", "disabled": "désactivé"}
# Run records say what ran and how it ended in slugs (veille/ops/jobs.py); staff read French.
RUN_KINDS = {"crawl": "collecte", "classify": "classement", "retrain": "réentraînement", "newsletter": "lettre",
             "send": "envoi", "digest": "bilan quotidien", "scheduler": "planificateur"}
RUN_STATUSES = {"running": "en cours", "ok": "réussie", "partial": "partielle", "failed": "échouée",
                "interrupted": "interrompue", "skipped": "sautée"}
ISSUE_STATUSES = {"draft": "brouillon", "scheduled": "planifiée", "sending": "en cours d'envoi", "sent": "envoyée"}
# The keys of runs' counts (crawlers/run.py CrawlReport, veille/pipeline.py,
# newsletter/send.py SendReport, classifier/retrain.py RetrainReport, ops/alerts.py).
COUNT_NAMES = {
    "fetched": "téléchargés", "new": "nouveaux", "duplicates": "doublons", "errors": "erreurs",
    "duration": "durée (s)", "requests": "requêtes", "bytes": "octets", "store_error": "erreur d'enregistrement",
    "classified": "classés", "relevant": "pertinents", "model_version": "modèle",
    "issue": "lettre", "items": "articles",
    "sent": "envoyés", "failed": "en échec", "pending": "en attente", "skipped": "ignorés", "resent": "renvoyés",
    "status": "état", "reason": "raison",
    "promoted": "promu", "message": "message", "incumbent": "modèle en service", "challenger": "candidat",
    "seed": "données de départ", "gold": "corrections", "created": "créé", "notes": "notes",
    "mean_macro_f1": "macro-F1 moyen", "retagged": "articles réétiquetés", "total": "total",
    "already_learnt": "déjà apprises", "skipped_rows": "lignes ignorées", "corrected": "corrigées",
}
# The values of a count named "status": a newsletter issue's (SendReport), a retrain's (RetrainReport).
STATUS_VALUES = {
    **ISSUE_STATUSES,
    "promoted": "promu", "kept": "gardé", "cold-start": "démarrage à froid", "no-new-gold": "rien de nouveau",
    "too-few-new-gold": "trop peu de corrections",
}


def run_kind(kind: str) -> str:
    """'crawl:quotidien' -> 'collecte (quotidien)'."""
    base, _, group = kind.partition(":")
    name = RUN_KINDS.get(base, base)
    return f"{name} ({group})" if group else name


PARIS = ZoneInfo("Europe/Paris")  # the observatory's staff read times in French time


def french_date(value: date | datetime | None, style: str = "d MMMM y") -> str:
    if not value:
        return ""
    if isinstance(value, datetime):
        return format_datetime(value, style, tzinfo=PARIS, locale="fr_FR")
    return format_date(value, style, locale="fr_FR")


def french_number(value: int | float) -> str:
    return format_decimal(value, locale="fr_FR")


def run_counts(counts) -> str:
    """A run's counts in one line: French names and numbers, a send's counts per issue in brackets."""
    if not isinstance(counts, dict):
        return _count_value(counts)
    parts = []
    for key, value in counts.items():
        name = f"lettre {key}" if str(key).isdigit() else COUNT_NAMES.get(key, key)
        if key == "status":
            value = STATUS_VALUES.get(value, value)
        elif key == "message":
            value = error_fr(value)
        parts.append(f"{name} {_count_value(value)}")
    return " · ".join(parts)


def _count_value(value) -> str:
    if isinstance(value, dict):
        return f"({run_counts(value)})"
    if isinstance(value, bool):
        return "oui" if value else "non"
    if isinstance(value, (int, float)):
        return french_number(value)
    if isinstance(value, (list, tuple)):
        return ", ".join(map(_count_value, value)) or "—"
    return "—" if value is None else str(value)


def channel_state(channel) -> str:
    """A channel's state in French, with its next attempt when it backs off after failures."""
    name = CHANNEL_STATES.get(channel.state, channel.state)
    until = channel.backoff_until
    if until and until > datetime.now(timezone.utc):
        name += f", prochain essai le {french_date(until, 'd MMM HH:mm')}"
    return name


def web_link(url: str | None) -> str:
    """A crawled address as a link target: http(s) only, never javascript: or data:."""
    return url if url and url.strip().lower().startswith(("http://", "https://")) else "#"


def templates() -> Jinja2Templates:
    pages = Jinja2Templates(directory=HERE / "templates")
    env = pages.env
    env.filters["label"] = label
    env.filters["href"] = web_link
    env.filters["frdate"] = french_date
    env.filters["number"] = french_number
    env.filters["actor_type"] = lambda slug: ACTOR_TYPES.get(slug, slug)
    env.filters["language"] = lambda code: LANGUAGES.get(code or "", code or "inconnue")
    env.filters["role"] = lambda role: ROLE_LABELS.get(role, role)
    env.filters["run_kind"] = run_kind
    env.filters["channel_kind"] = lambda kind: CHANNEL_KINDS.get(kind, kind)
    env.filters["channel_state"] = channel_state
    env.filters["run_status"] = lambda status: RUN_STATUSES.get(status, status)
    env.filters["issue_status"] = lambda status: ISSUE_STATUSES.get(status, status)
    env.filters["error_fr"] = error_fr  # the crawlers' English error lines
    env.filters["run_counts"] = run_counts
    env.filters["run_error"] = run_error
    env.globals["ACTOR_TYPES"] = ACTOR_TYPES
    env.globals["SEARCH"] = search  # its bounds (FACET_SAMPLE, RANK_WINDOW…) are told to readers
    return pages


@dataclass
class Web:
    """The running app's engine, settings, templates and secret key."""

    app: App
    pages: Jinja2Templates
    secret: bytes

    @property
    def engine(self) -> Engine:
        return self.app.engine

    @property
    def settings(self):
        return self.app.settings

    def render(self, request: Request, template: str, context: dict | None = None, status: int = 200):
        staff = getattr(request.state, "staff", None)
        values = {"staff": staff, "csrf": staff.csrf if staff else ""}
        values.update(context or {})
        return self.pages.TemplateResponse(request, template, values, status_code=status)
