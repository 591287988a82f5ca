"""The staff's other pages: the last runs, and (for admins) the accounts."""

from __future__ import annotations

from fastapi import APIRouter, Depends, HTTPException, Path, Query, Request
from fastapi.responses import RedirectResponse

from store import runs as run_store
from store import users
from web.auth import Staff, require
from web.context import Web
from web.forms import int_field, read_form


def routes(web: Web) -> APIRouter:
    router = APIRouter(include_in_schema=False)
    reader, admin = require(web, "reader"), require(web, "admin")

    @router.get("/equipe/executions")
    def runs(request: Request, staff: Staff = Depends(reader), kind: str = Query("", max_length=30)):
        views = run_store.list_runs(web.engine, limit=100, kind=kind or None)
        return web.render(request, "runs.html", {"runs": views, "kind": kind})

    @router.get("/equipe/comptes")
    def accounts(request: Request, staff: Staff = Depends(admin)):
        return web.render(request, "users.html", {"users": users.list_users(web.engine), "roles": users.ROLES})

    @router.post("/equipe/comptes")
    async def add_account(request: Request, staff: Staff = Depends(admin)):
        form = await read_form(request)
        users.add_user(web.engine, form.get("email", "adresse électronique", 320),
                       form.get("password", "mot de passe", users.MAX_PASSWORD),
                       form.get("role", "rôle", 20), form.get("name", "nom", 200))
        return RedirectResponse("/equipe/comptes", 303)

    @router.post("/equipe/comptes/{user_id}/actif")
    async def set_active(request: Request, user_id: int = Path(..., ge=1, le=2**31 - 1),
                         staff: Staff = Depends(admin)):
        form = await read_form(request)
        active = int_field(form.get("active", "actif", 1), "actif") == 1
        if user_id == staff.user.id and not active:
            raise HTTPException(422, "Vous ne pouvez pas désactiver votre propre compte.")
        users.set_active(web.engine, user_id, active)
        return RedirectResponse("/equipe/comptes", 303)

    return router
