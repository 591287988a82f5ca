"""The staff's review queue and item page: decide, correct, edit, undo, in bulk too.

Each action is a POST with the CSRF token; the page's script (static/review.js)
sends them with one keystroke and asks for JSON, and the same forms work
without script (they redirect back to the queue).
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import JSONResponse, RedirectResponse

from store import reviews, search, taxonomy
from web.archive import ITEM_ID
from web.auth import Staff, require, safe_next
from web.context import Web
from web.errors import wants_json
from web.forms import int_field, read_form
from web.search_params import MAX_QUERY

PER_PAGE = 20
STATUSES = {"new": "à revoir", "accepted": "acceptés", "rejected": "rejetés"}
ORDERS = {"relevance": "les plus pertinents d'abord", "uncertainty": "les plus incertains d'abord",
          "date": "les plus récents d'abord"}


def _choice(value: str, allowed, name: str) -> str:
    if value not in allowed:
        raise HTTPException(422, f"Le paramètre « {name} » doit valoir : {', '.join(allowed)}.")
    return value


def _done(request: Request, back: str, payload: dict):
    """JSON for the page's script, a redirect back to the queue for a plain form."""
    if wants_json(request):
        return JSONResponse(payload)
    return RedirectResponse(safe_next(back or "/equipe/revue"), 303)


def routes(web: Web) -> APIRouter:
    router = APIRouter(include_in_schema=False)
    reader, editor = require(web, "reader"), require(web, "editor")

    @router.get("/equipe")
    def staff_home(staff: Staff = Depends(reader)):
        return RedirectResponse("/equipe/revue", 303)

    @router.get("/equipe/revue")
    def queue(request: Request, staff: Staff = Depends(reader),
              status: str = "new", order: str = "relevance", q: str = Query("", max_length=MAX_QUERY),
              source: str = Query("", max_length=12), theme: str = Query("", max_length=50),
              relevant: str = Query("", max_length=3), page: int = Query(1, ge=1, le=10_000)):
        _choice(status, STATUSES, "status")
        _choice(order, ORDERS, "order")
        _choice(relevant, ("", "yes", "no"), "relevant")
        if theme:
            _choice(theme, taxonomy.slugs("themes"), "theme")
        source_id = int_field(source, "source") if source else None
        f = search.Filters(query=q.strip(), statuses=(status,), themes=(theme,) if theme else (),
                           source_ids=(source_id,) if source_id else ())
        predicted = {"yes": True, "no": False}.get(relevant)
        entries = reviews.queue(web.engine, f, order=order, relevant=predicted, limit=PER_PAGE,
                                offset=(page - 1) * PER_PAGE)
        total = reviews.count_queue(web.engine, f, predicted)
        filters = {"status": status, "order": order, "q": q, "source": source, "theme": theme, "relevant": relevant}
        return web.render(request, "review_queue.html", {
            "entries": entries, "total": total, "page": page, "pages": max(1, -(-total // PER_PAGE)),
            "filters": filters, "statuses": STATUSES, "orders": ORDERS, "sources": search.actor_names_all(web.engine),
            "here": str(request.url.path) + (f"?{request.url.query}" if request.url.query else ""),
            "taxonomy": taxonomy,
        })

    @router.get("/equipe/articles/{item_id}")
    def staff_item(request: Request, item_id: int = ITEM_ID, staff: Staff = Depends(reader)):
        found = reviews.entry(web.engine, item_id)
        if found is None:
            raise HTTPException(404, "Cet article n'existe pas.")
        return web.render(request, "review_item.html", {
            "entry": found, "history": reviews.history(web.engine, item_id), "taxonomy": taxonomy,
            "here": f"/equipe/articles/{item_id}",
        })

    @router.post("/equipe/articles/{item_id}/decision")
    async def decide(request: Request, item_id: int = ITEM_ID, staff: Staff = Depends(editor)):
        form = await read_form(request)
        action = _choice(form.get("action", "action", 20), reviews.DECISIONS, "action")
        state = reviews.decide(web.engine, item_id, staff.user.email, action)
        return _done(request, form.get("back", "retour", 2000),
                     {"id": state.id, "status": state.status, "featured": state.featured})

    @router.post("/equipe/articles/{item_id}/etiquettes")
    async def correct(request: Request, item_id: int = ITEM_ID, staff: Staff = Depends(editor)):
        form = await read_form(request)
        purpose = form.get("purpose", "finalité", 50) or None
        themes = form.getall("themes")
        kind = form.get("kind", "type", 50)
        reviews.correct(web.engine, item_id, staff.user.email, purpose, themes, kind)
        return _done(request, form.get("back", "retour", 2000), {"id": item_id, "purpose": purpose,
                                                                "themes": themes, "kind": kind})

    @router.post("/equipe/articles/{item_id}/edition")
    async def edit(request: Request, item_id: int = ITEM_ID, staff: Staff = Depends(editor)):
        form = await read_form(request)
        reviews.edit(
            web.engine, item_id, staff.user.email,
            editor_title=form.get("editor_title", "titre pour la lettre", reviews.MAX_TITLE),
            editor_summary=form.get("editor_summary", "résumé pour la lettre", reviews.MAX_SUMMARY),
            note=form.get("note", "note privée", reviews.MAX_NOTE),
        )
        return _done(request, form.get("back", "retour", 2000) or f"/equipe/articles/{item_id}", {"id": item_id})

    @router.post("/equipe/annuler")
    async def undo(request: Request, staff: Staff = Depends(editor)):
        form = await read_form(request)
        undone = reviews.undo(web.engine, staff.user.email)
        found = reviews.entry(web.engine, undone.item_id)
        return _done(request, form.get("back", "retour", 2000), {
            "id": undone.item_id, "undone": undone.action,
            "status": found.item.status if found else None, "featured": found.item.featured if found else None,
        })

    @router.post("/equipe/revue/lot")
    async def bulk(request: Request, staff: Staff = Depends(editor)):
        form = await read_form(request)
        action = _choice(form.get("action", "action", 20), ("accept", "reject"), "action")
        ids = [int_field(v, "articles") for v in form.getall("ids")]
        states = reviews.decide_many(web.engine, ids, staff.user.email, action)
        return _done(request, form.get("back", "retour", 2000), {"count": len(states)})

    return router
