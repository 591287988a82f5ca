"""Sources admin: the health table, adding a source from its homepage, editing, pausing.

Anyone on the staff sees the table; only admins change sources.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import RedirectResponse

from store import sources as source_store
from store.records import SourceView
from web.archive import ACTOR_ID
from web.auth import Staff, require
from web.context import ACTOR_TYPES, Web, french_number
from web.discovery import DiscoveryError, discover
from web.forms import read_form

QUIET_AFTER = timedelta(days=30)
# failing: a channel flagged after several failures in a row (store.sources.channel_state); error: not yet.
HEALTH = {"failing": "en échec", "error": "erreur", "quiet": "silencieuse", "ok": "OK", "paused": "en pause",
          "never": "jamais lue"}


@dataclass(frozen=True)
class SourceHealth:
    source: SourceView
    health: str  # a key of HEALTH
    problem: str | None  # in French; a failing source's is its channel's error, kept as recorded
    failures: int = 0


def health(source: SourceView, now: datetime) -> SourceHealth:
    """Failing beats quiet beats OK: the table is read to find what needs a hand.

    The table shows `source.last_item`, dated as the rhythm dates it (published,
    else collected), so that its date and its "rien depuis N jours" agree."""
    failing = [c for c in source.channels if c.enabled and c.consecutive_failures > 0]
    if not source.enabled:
        state, problem = "paused", None
    elif failing:  # its error as the crawl recorded it: the page says it in French (web/messages.py)
        worst = max(failing, key=lambda c: c.consecutive_failures)
        state = "failing" if worst.state == "failing" else "error"
        return SourceHealth(source, state, worst.last_error, worst.consecutive_failures)
    elif not any(c.last_attempt for c in source.channels):
        state, problem = "never", None
    elif source.quiet and source.last_item:  # silent much longer than its own rhythm, as `veille sources health` says
        state, problem = "quiet", (f"rien depuis {(now - source.last_item).days} jours, d'habitude un article tous "
                                   f"les {french_number(source.usual_gap_days)} jours")
    elif source.last_item is None or now - source.last_item > QUIET_AFTER:  # no rhythm known yet
        state, problem = "quiet", "aucun article depuis 30 jours"
    else:
        state, problem = "ok", None
    return SourceHealth(source, state, problem)


def _source(web: Web, actor_id: int) -> SourceView:
    found = next((s for s in source_store.list_sources(web.engine) if s.id == actor_id), None)
    if found is None:
        raise HTTPException(404, "Cette source n'existe pas.")
    return found


def _fields(form) -> dict:
    actor_type = form.get("type", "type d'acteur", 40)
    if actor_type not in ACTOR_TYPES:
        raise HTTPException(422, f"Type d'acteur inconnu « {actor_type} ».")
    language = form.get("language", "langue", 10).strip().lower() or None
    return {"type": actor_type, "language": language}


def routes(web: Web) -> APIRouter:
    router = APIRouter(include_in_schema=False)
    reader, admin = require(web, "reader"), require(web, "admin")

    @router.get("/equipe/sources")
    def table(request: Request, staff: Staff = Depends(reader)):
        now = datetime.now(timezone.utc)
        rows = [health(s, now) for s in source_store.list_sources(web.engine, now)]
        order = list(HEALTH)
        rows.sort(key=lambda r: (order.index(r.health), r.source.name.lower()))
        counts = {key: sum(r.health == key for r in rows) for key in HEALTH}
        return web.render(request, "sources.html", {"rows": rows, "labels": HEALTH, "counts": counts,
                                                    "added": request.query_params.get("ajout")})

    @router.post("/equipe/sources")
    async def add(request: Request, staff: Staff = Depends(admin)):
        form = await read_form(request)
        url = form.get("url", "adresse", 2000).strip()
        name = form.get("name", "nom", 300).strip()
        fields = _fields(form)
        if not url.startswith(("http://", "https://")):
            raise HTTPException(422, "L'adresse doit commencer par http:// ou https://.")
        settings = web.settings
        try:
            found = await run_in_threadpool(discover, url, settings.crawler_user_agent,
                                            settings.allow_private_networks)
        except DiscoveryError as exc:
            raise HTTPException(422, str(exc)) from None
        actor_id = source_store.upsert_actor(
            web.engine, name=name or found.title or url,
            channels=[{**c, "confidence": "checked"} for c in found.channels],
            homepage=found.homepage, add_tags=[found.platform] if found.platform else [],
            **{**fields, "language": fields["language"] or found.language or "fr"},
        )
        return RedirectResponse(f"/equipe/sources?ajout={actor_id}", 303)

    @router.get("/equipe/sources/{actor_id}")
    def edit_form(request: Request, actor_id: int = ACTOR_ID, staff: Staff = Depends(reader)):
        return web.render(request, "source_edit.html", {"source": _source(web, actor_id)})

    @router.post("/equipe/sources/{actor_id}")
    async def save(request: Request, actor_id: int = ACTOR_ID, staff: Staff = Depends(admin)):
        source = _source(web, actor_id)
        form = await read_form(request)
        name = form.get("name", "nom", 300).strip()
        if not name:
            raise HTTPException(422, "Le nom ne peut pas être vide.")
        homepage = form.get("homepage", "site", 2000).strip() or None
        if homepage and not homepage.startswith(("http://", "https://")):
            raise HTTPException(422, "Le site doit commencer par http:// ou https://.")
        source_store.upsert_actor(web.engine, name=name, slug=source.slug, channels=[], homepage=homepage,
                                  **_fields(form))
        return RedirectResponse("/equipe/sources", 303)

    @router.post("/equipe/sources/{actor_id}/pause")
    async def pause(request: Request, actor_id: int = ACTOR_ID, staff: Staff = Depends(admin)):
        source = _source(web, actor_id)
        source_store.upsert_actor(web.engine, name=source.name, slug=source.slug, channels=[],
                                  enabled=not source.enabled)
        return RedirectResponse("/equipe/sources", 303)

    return router
