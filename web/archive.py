"""The public archive: search with facets, item pages, actor pages, the charts.

Only accepted items are ever shown here (store.search.PUBLIC): an item that
is new, rejected, or unknown is the same 404 to the public.
"""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter, Depends, HTTPException, Path, Request
from fastapi.responses import RedirectResponse

from store import items as item_store
from store import reviews, search, taxonomy
from web import charts
from web.context import ACTOR_TYPES, LANGUAGES, Web
from web.figures import Figures
from web.search_params import FACETS, MAX_PAGE, SearchParams, search_params

PER_PAGE = 20
ITEM_ID = Path(..., ge=1, le=2**31 - 1, description="Numéro de l'article.")
ACTOR_ID = Path(..., ge=1, le=2**31 - 1, description="Numéro de l'acteur.")
NOT_PUBLIC = "Cet article n'existe pas ou n'est pas public."


def public_item(web: Web, item_id: int):
    view = item_store.get_item(web.engine, item_id)
    if view is None or view.status not in search.PUBLIC:
        raise HTTPException(404, NOT_PUBLIC)
    return view


def _shown(name: str, value, names: dict[int, str]) -> str:
    """How a facet value reads in French."""
    dimension = FACETS[name][0]
    if dimension:
        return taxonomy.label(dimension, value)
    if name == "source":
        return names.get(value, f"n° {value}")
    if name == "actor_type":
        return ACTOR_TYPES.get(value, value)
    return LANGUAGES.get(value, value)


def facet_groups(web: Web, params: SearchParams, page: search.SearchPage) -> list[dict]:
    """The facets as the page shows them: French labels, counts, and the link that toggles each."""
    names = search.actor_names(web.engine, [int(v.value) for v in page.facets.get("source", [])][:30])
    groups = []
    for name, (_, title) in FACETS.items():
        options = []
        for v in page.facets.get(name, [])[:30]:
            value = int(v.value) if name == "source" else v.value
            options.append({"label": _shown(name, value, names), "count": v.count, "value": value,
                            "selected": value in getattr(params, name), "url": params.toggle(name, value)})
        groups.append({"name": name, "title": title, "options": options})
    return groups


def selected_filters(web: Web, params: SearchParams) -> list[dict]:
    """The filters in force, each with the link that removes it."""
    names = search.actor_names(web.engine, list(params.source))
    return [{"title": title, "label": _shown(name, value, names), "url": params.toggle(name, value)}
            for name, (_, title) in FACETS.items() for value in getattr(params, name)]


def routes(web: Web) -> APIRouter:
    router = APIRouter(include_in_schema=False)
    figures = Figures(web.engine)

    @router.get("/")
    def archive(request: Request, params: SearchParams = Depends(search_params)):
        page = search.search(web.engine, params.filters, sort=params.sort, page=params.page, per_page=PER_PAGE)
        if params.page > 1 and not page.items:
            raise HTTPException(404, f"Cette recherche n'a pas de page {params.page}.")
        last = page.pages if page.total_is_exact else MAX_PAGE
        context = {
            "params": params, "result": page, "facets": facet_groups(web, params, page),
            "chips": selected_filters(web, params), "max_page": last,
        }
        if params.is_browsing and params.page == 1:
            context.update(figures.charts())
        return web.render(request, "archive.html", context)

    @router.get("/articles/{item_id}")
    def item_page(request: Request, item_id: int = ITEM_ID):
        view = public_item(web, item_id)
        elsewhere = reviews.story(web.engine, item_id, search.PUBLIC)
        return web.render(request, "item.html", {"item": view, "elsewhere": elsewhere})

    @router.get("/items/{item_id}")
    def old_item_address(item_id: int = ITEM_ID):
        return RedirectResponse(f"/articles/{item_id}", 301)

    @router.get("/acteurs/{actor_id}")
    def actor_page(request: Request, actor_id: int = ACTOR_ID, page: int = 1):
        actor = search.actor(web.engine, actor_id)
        if actor is None:
            raise HTTPException(404, "Cet acteur n'existe pas.")
        if not 1 <= page <= MAX_PAGE:
            raise HTTPException(422, f"Le paramètre « page » doit être entre 1 et {MAX_PAGE}.")
        months = charts.months_back(date.today(), 24)
        counts = dict(search.actor_rhythm(web.engine, actor_id, date.fromisoformat(months[0] + "-01")))
        rhythm = [(m, counts.get(m, 0)) for m in months]
        params = SearchParams(source=(actor_id,), sort="date", page=page)
        found = search.search(web.engine, params.filters, sort="date", page=page, per_page=PER_PAGE, facets=False)
        return web.render(request, "actor.html", {
            "actor": actor, "result": found, "params": params, "per_month": round(sum(counts.values()) / 24, 1),
            "rhythm_chart": charts.columns(rhythm, f"Articles de {actor.name} par mois"),
        })

    return router
