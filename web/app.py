"""The FastAPI application: server-rendered Jinja pages in French, a JSON API.

No logic of the stages lives here: each page module reads the store's views
(plain dataclasses) and calls store or stage functions. Modules:
archive (public pages), exports (Atom/CSV/JSON of a search), api (JSON API),
auth (login, roles), review (the staff's queue), sources_admin, staff_pages
(runs, accounts).
"""

from __future__ import annotations

import importlib.util

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from veille.app import App
from web import api, archive, auth, errors, exports, review, sources_admin, staff_pages
from web.context import HERE, Web, templates
from web.safety import Guard
from web.secret import secret_key

DESCRIPTION = """Archive publique de la veille de l'Observatoire des civic tech & de la démocratie numérique.

Lecture seule, sans clé. Seuls les articles acceptés par l'équipe y figurent. Les étiquettes
(finalité, thèmes, type) suivent le codebook de l'Observatoire : voir `/api/v1/taxonomy`."""


def create_app(app: App) -> FastAPI:
    web = Web(app, templates(), secret_key(app.settings.secret_key.get_secret_value(), app.settings.data_dir))
    api_app = FastAPI(
        title="veille — API de l'archive", description=DESCRIPTION, version="1",
        docs_url=None, redoc_url=None, openapi_url="/api/openapi.json",
    )
    api_app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    errors.install(api_app, web.render)
    auth.install_login_required(api_app, web)
    for module in (archive, exports, api, auth, review, sources_admin, staff_pages):
        api_app.include_router(module.routes(web))
    _newsletter_pages(api_app, web)

    @api_app.get("/healthz", include_in_schema=False)
    def health():
        return {"status": "ok"}

    api_app.add_middleware(Guard, error_response=lambda request, status, message: errors.error_response(
        request, status, message, web.render))
    return api_app


def _newsletter_pages(api_app: FastAPI, web: Web) -> None:
    # The newsletter's staff pages are written beside this app by the newsletter
    # work; they plug in here once web/newsletter_pages.py exposes routes(web).
    if importlib.util.find_spec("web.newsletter_pages") is None:
        return
    from web import newsletter_pages

    if hasattr(newsletter_pages, "routes"):
        api_app.include_router(newsletter_pages.routes(web))
