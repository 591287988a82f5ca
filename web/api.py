"""The read-only JSON API for researchers: the archive's public items, sources, tags and figures.

Documented by its OpenAPI schema (/api/openapi.json) and the page /api,
drawn from that schema. Only accepted items, as on the public pages.
"""

from __future__ import annotations

from datetime import date, datetime

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from pydantic import BaseModel, Field

from store import items as item_store
from store import reviews, search, sources, taxonomy
from web import charts
from web.archive import ACTOR_ID, ITEM_ID, public_item
from web.context import Web
from web.search_params import SearchParams, search_params


class ItemOut(BaseModel):
    id: int = Field(description="Numéro de l'article dans l'archive.")
    url: str = Field(description="Adresse de l'original.")
    title: str
    summary: str
    source: str = Field(description="Nom de l'acteur qui l'a publié.")
    published: datetime | None = Field(description="Date de publication (ISO 8601), si connue.")
    collected: datetime = Field(description="Date de collecte par la veille.")
    language: str | None
    status: str = Field(description="Toujours « accepted » dans l'API publique.")
    featured: bool = Field(description="Retenu pour la lettre d'information.")
    relevant: bool | None
    relevance_score: float | None
    purpose: str | None = Field(description="Finalité (slug du codebook).")
    themes: list[str] = Field(description="Thèmes (slugs du codebook).")
    kind: str | None = Field(description="Type d'article (slug du codebook).")


class FacetOut(BaseModel):
    value: str
    count: int


class SearchOut(BaseModel):
    total: int = Field(description="Nombre d'articles trouvés (compté jusqu'à 1 000 : voir total_is_exact).")
    page: int
    per_page: int
    pages: int
    sort: str
    items: list[ItemOut]
    facets: dict[str, list[FacetOut]] = Field(
        description="Comptes par valeur de chaque facette, sur au plus 1 000 résultats.")
    facets_sampled: bool = Field(description="Vrai si les facettes ne portent que sur les 1 000 premiers résultats.")
    total_is_exact: bool = Field(description="Faux si le compte s'est arrêté à 1 000 (« plus de 1 000 ») ; "
                                 "les pages suivantes existent alors jusqu'à la 500e.")


class StoryMemberOut(BaseModel):
    id: int
    title: str
    source: str
    url: str


class ItemDetailOut(ItemOut):
    author: str | None
    source_id: int
    same_story: list[StoryMemberOut] = Field(description="Le même sujet vu par d'autres sources.")


class SourceOut(BaseModel):
    id: int
    name: str
    type: str
    country: str | None
    language: str | None
    homepage: str | None


class SourceDetailOut(SourceOut):
    items: int = Field(description="Articles publics de cet acteur.")
    first: datetime | None
    last: datetime | None
    per_month: list[tuple[str, int]] = Field(description="(mois AAAA-MM, articles) sur 24 mois.")


class TagOut(BaseModel):
    slug: str
    label: str = Field(description="Libellé français.")
    description: str


class ThemeMonthOut(BaseModel):
    month: str
    theme: str
    items: int


def routes(web: Web) -> APIRouter:
    router = APIRouter(prefix="/api")

    @router.get("/v1/items", response_model=SearchOut, tags=["articles"],
                summary="Chercher dans l'archive")
    def api_search(params: SearchParams = Depends(search_params),
                   per_page: int = Query(20, ge=1, le=search.MAX_PER_PAGE, description="Articles par page.")):
        """Plein texte en français et en anglais (accents et pluriels indifférents), avec facettes.

        Répéter un paramètre (`theme=a&theme=b`) cherche l'une ou l'autre valeur ; des paramètres
        différents se cumulent."""
        page = search.search(web.engine, params.filters, sort=params.sort, page=params.page, per_page=per_page)
        return {
            "total": page.total, "page": page.page, "per_page": page.per_page, "pages": page.pages,
            "sort": page.sort, "items": [v.to_json() for v in page.items],
            "facets": {k: [{"value": v.value, "count": v.count} for v in values] for k, values in page.facets.items()},
            "facets_sampled": page.facets_sampled, "total_is_exact": page.total_is_exact,
        }

    @router.get("/v1/items/{item_id}", response_model=ItemDetailOut, tags=["articles"], summary="Un article")
    def api_item(item_id: int = ITEM_ID):
        view = public_item(web, item_id)
        story = reviews.story(web.engine, item_id, search.PUBLIC)
        return {**view.to_json(), "author": view.author, "source_id": view.source_id,
                "same_story": [{"id": m.id, "title": m.title, "source": m.source, "url": m.url} for m in story]}

    @router.get("/v1/sources", response_model=list[SourceOut], tags=["acteurs"], summary="Les acteurs suivis")
    def api_sources():
        return [{"id": s.id, "name": s.name, "type": s.type, "country": s.country, "language": s.language,
                 "homepage": s.homepage} for s in sources.list_sources(web.engine)]

    @router.get("/v1/sources/{actor_id}", response_model=SourceDetailOut, tags=["acteurs"],
                summary="Un acteur et son rythme de publication")
    def api_source(actor_id: int = ACTOR_ID):
        actor = search.actor(web.engine, actor_id)
        if actor is None:
            raise HTTPException(404, "Cet acteur n'existe pas.")
        months = charts.months_back(date.today(), 24)
        counts = dict(search.actor_rhythm(web.engine, actor_id, date.fromisoformat(months[0] + "-01")))
        return {"id": actor.id, "name": actor.name, "type": actor.type, "country": actor.country,
                "language": actor.language, "homepage": actor.homepage, "items": actor.items,
                "first": actor.first, "last": actor.last, "per_month": [(m, counts.get(m, 0)) for m in months]}

    @router.get("/v1/taxonomy", response_model=dict[str, list[TagOut]], tags=["codebook"],
                summary="Les étiquettes du codebook")
    def api_taxonomy():
        """Slugs stables et libellés français de la pertinence, des finalités, des thèmes et des types."""
        return {dim: [{"slug": t.slug, "label": t.label, "description": t.description} for t in tags]
                for dim, tags in taxonomy.DIMENSIONS.items()}

    @router.get("/v1/stats/themes", response_model=list[ThemeMonthOut], tags=["chiffres"],
                summary="Articles par thème et par mois")
    def api_theme_stats(since: date = Query(None, description="Depuis ce jour (AAAA-MM-JJ) ; défaut : 24 mois.")):
        since = since or date.fromisoformat(charts.months_back(date.today(), 24)[0] + "-01")
        return [{"month": m, "theme": t, "items": n} for m, t, n in search.themes_by_month(web.engine, since)]

    @router.get("/items", response_model=list[ItemOut], tags=["articles"], deprecated=True,
                summary="Ancienne liste (utiliser /api/v1/items)")
    def api_items_v0(q: str = Query("", max_length=500), limit: int = Query(20, ge=1, le=200),
                     offset: int = Query(0, ge=0, le=10_000)):
        views = item_store.search(web.engine, q or None, statuses=search.PUBLIC, limit=limit, offset=offset)
        return [v.to_json() for v in views]

    @router.get("", include_in_schema=False)
    def api_doc(request: Request):
        return web.render(request, "api.html", {"schema": request.app.openapi()})

    return router
