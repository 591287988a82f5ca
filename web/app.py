"""The FastAPI application. Pages are server-rendered Jinja; no logic of the
stages lives here: it reads the store's views and calls the pipeline."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI, HTTPException, Query, Request
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates

from store import items as item_store
from store.taxonomy import label
from veille.app import App

HERE = Path(__file__).parent
PUBLIC = ("accepted",)  # only what staff accepted is ever shown to the public
PAGE_SIZE = 20
MAX_QUERY = 500


def templates() -> Jinja2Templates:
    t = Jinja2Templates(directory=HERE / "templates")
    t.env.filters["label"] = label
    return t


def create_app(app: App) -> FastAPI:
    api = FastAPI(title="veille", description="Archive de la veille de l'Observatoire des civic tech")
    api.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    pages = templates()
    engine = app.engine

    @api.get("/", response_class=HTMLResponse)
    def archive(request: Request, q: str = Query("", max_length=MAX_QUERY), page: int = Query(1, ge=1, le=10_000)):
        views = item_store.search(engine, q or None, statuses=PUBLIC, limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE)
        return pages.TemplateResponse(request, "archive.html", {"items": views, "q": q, "page": page})

    @api.get("/items/{item_id}", response_class=HTMLResponse)
    def item_page(request: Request, item_id: int):
        view = item_store.get_item(engine, item_id)
        if view is None or view.status not in PUBLIC:
            raise HTTPException(404, "Cet article n'existe pas ou n'est pas public.")
        return pages.TemplateResponse(request, "item.html", {"item": view})

    @api.get("/api/items")
    def api_items(q: str = Query("", max_length=MAX_QUERY), limit: int = Query(20, ge=1, le=200),
                  offset: int = Query(0, ge=0, le=1_000_000)):
        """Accepted items matching `q`, newest first."""
        views = item_store.search(engine, q or None, statuses=PUBLIC, limit=limit, offset=offset)
        return [v.to_json() for v in views]

    @api.get("/healthz")
    def health():
        return {"status": "ok"}

    return api
