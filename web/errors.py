"""Every error a user can cause becomes a 4xx with a French sentence, as a page or as JSON.

JSON for the API and for the review page's scripts (which ask for it),
a page for everything else. An unexpected exception still gets a page, and
its traceback goes to the log, not to the visitor.
"""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from store.reviews import Conflict, ReviewError, UnknownItem
from store.users import AccountError

log = logging.getLogger("veille.web")

TITLES = {
    400: "Requête invalide", 401: "Connexion nécessaire", 403: "Accès refusé", 404: "Page introuvable",
    405: "Méthode non permise", 409: "Conflit", 413: "Requête trop volumineuse", 415: "Format non accepté",
    422: "Paramètre invalide", 429: "Trop de tentatives", 500: "Erreur interne",
}
DEFAULTS = {
    404: "Cette page n'existe pas.",
    405: "Cette adresse ne s'utilise pas ainsi.",
}


class LoginRequired(Exception):
    """A staff page was asked for without a live session."""


def wants_json(request: Request) -> bool:
    accept = request.headers.get("accept", "")
    return request.url.path.startswith("/api/") or (
        "application/json" in accept and "text/html" not in accept
    )


def error_response(request: Request, status: int, message: str, render=None):
    if wants_json(request) or render is None:
        return JSONResponse({"detail": message}, status_code=status)
    return render(request, "error.html", {"status": status, "title": TITLES.get(status, "Erreur"),
                                          "message": message}, status=status)


def _field(loc: tuple) -> str:
    names = [str(p) for p in loc if p not in ("query", "path", "body", "header")]
    return ".".join(names) or "requête"


def validation_message(exc: RequestValidationError) -> str:
    """One French sentence for the first invalid parameter."""
    err = exc.errors()[0]
    name, kind, ctx = _field(tuple(err.get("loc", ()))), err.get("type", ""), err.get("ctx") or {}
    if kind == "string_too_long":
        return f"Le paramètre « {name} » est trop long (au plus {ctx.get('max_length')} caractères)."
    if kind in ("less_than_equal", "less_than"):
        return f"Le paramètre « {name} » est trop grand (au plus {ctx.get('le', ctx.get('lt'))})."
    if kind in ("greater_than_equal", "greater_than"):
        return f"Le paramètre « {name} » est trop petit (au moins {ctx.get('ge', ctx.get('gt'))})."
    if kind.startswith("int"):
        return f"Le paramètre « {name} » doit être un nombre entier."
    if kind.startswith("date"):
        return f"Le paramètre « {name} » doit être une date AAAA-MM-JJ."
    if kind in ("literal_error", "enum"):
        return f"Le paramètre « {name} » doit valoir : {ctx.get('expected', '')}."
    if kind == "missing":
        return f"Le paramètre « {name} » manque."
    return f"Le paramètre « {name} » est invalide."


def install(api: FastAPI, render) -> None:
    @api.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException):
        message = exc.detail if isinstance(exc.detail, str) and exc.detail != TITLES.get(exc.status_code) else None
        if exc.status_code in DEFAULTS and (message is None or message in ("Not Found", "Method Not Allowed")):
            message = DEFAULTS[exc.status_code]
        response = error_response(request, exc.status_code, message or TITLES.get(exc.status_code, "Erreur"), render)
        for name, value in (exc.headers or {}).items():
            response.headers[name] = value
        return response

    @api.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError):
        return error_response(request, 422, validation_message(exc), render)

    @api.exception_handler(ReviewError)
    async def review_error(request: Request, exc: ReviewError):
        status = 404 if isinstance(exc, UnknownItem) else 409 if isinstance(exc, Conflict) else 422
        return error_response(request, status, str(exc), render)

    @api.exception_handler(AccountError)
    async def account_error(request: Request, exc: AccountError):
        return error_response(request, 422, str(exc), render)

    @api.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception):
        log.exception("unexpected error on %s %s", request.method, request.url.path)
        return error_response(request, 500, "Une erreur inattendue s'est produite ; elle a été consignée.", render)


__all__ = ["LoginRequired", "install", "error_response"]
