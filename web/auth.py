"""Logging in and out, the staff's roles, and changing one's password.

The session cookie holds a random token (see store.users): Secure, HttpOnly,
SameSite=Lax; a new token at every login (the old one ends), none after
logout or a password change. Failed logins are counted per address and per
account in the store, so several server processes share the limit.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import quote

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import RedirectResponse

from store import users
from web import csrf
from web.context import ROLE_LABELS, Web
from web.errors import LoginRequired, error_response
from web.forms import read_form

COOKIE = "veille_session"
RANK = {"reader": 1, "editor": 2, "admin": 3}
WINDOW = timedelta(minutes=15)
MAX_FAILURES_PER_ACCOUNT = 5
MAX_FAILURES_PER_ADDRESS = 20


@dataclass(frozen=True)
class Staff:
    user: users.UserView
    csrf: str
    token: str

    def can(self, role: str) -> bool:
        return RANK[self.user.role] >= RANK[role]


def staff_of(web: Web, request: Request) -> Staff | None:
    """The logged-in staff member of this request, looked up once."""
    if not hasattr(request.state, "staff"):
        token = request.cookies.get(COOKIE, "")
        found = users.session_user(web.engine, token) if token else None
        request.state.staff = Staff(found[0], found[1], token) if found else None
    return request.state.staff


def require(web: Web, role: str):
    """A dependency: the staff member, with at least `role`, whose POST carries the CSRF token."""

    async def dependency(request: Request) -> Staff:
        staff = staff_of(web, request)
        if staff is None:
            raise LoginRequired()
        if not staff.can(role):
            raise HTTPException(
                403, f"Réservé au rôle {ROLE_LABELS[role]} ou au-dessus ; votre rôle : {ROLE_LABELS[staff.user.role]}."
            )
        if request.method not in ("GET", "HEAD"):
            await csrf.check(request, staff.csrf)
        return staff

    return dependency


def safe_next(target: str) -> str:
    # Only a path of this site: "//evil.example" or "https://…" would make the login an open redirect.
    if not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/equipe"
    return target


def login_page(web: Web, request: Request, next_: str, message: str = "", status: int = 200):
    nonce = csrf.new_login_nonce()
    response = web.render(request, "login.html", {
        "next": safe_next(next_), "message": message, "login_token": csrf.login_token(web.secret, nonce),
    }, status=status)
    response.set_cookie(csrf.LOGIN_COOKIE, nonce, max_age=3600, path="/connexion", secure=True,
                        httponly=True, samesite="strict")
    return response


def set_session_cookie(response, opened: users.OpenSession) -> None:
    response.set_cookie(COOKIE, opened.token, max_age=int(users.SESSION_LIFETIME.total_seconds()), path="/",
                        secure=True, httponly=True, samesite="lax")


def install_login_required(api, web: Web) -> None:
    @api.exception_handler(LoginRequired)
    async def login_required(request: Request, exc: LoginRequired):
        if request.method in ("GET", "HEAD") and not request.url.path.startswith("/api/"):
            wanted = request.url.path + (f"?{request.url.query}" if request.url.query else "")
            return login_page(web, request, wanted, "Connectez-vous pour accéder à l'espace de l'équipe.", 401)
        return error_response(request, 401, "Connexion nécessaire : connectez-vous d'abord.", web.render)


def routes(web: Web) -> APIRouter:
    router = APIRouter(include_in_schema=False)
    editor_or_reader = require(web, "reader")

    @router.get("/connexion")
    def login_form(request: Request, suite: str = "/equipe"):
        # Shown even to someone logged in: logging in again (as someone else) starts a new session.
        return login_page(web, request, suite[:500])

    @router.post("/connexion")
    async def login(request: Request):
        await csrf.check_login(request, web.secret)
        form = await read_form(request)
        email = users.normalize_email(form.get("email", "adresse électronique", 320))
        password = form.get("password", "mot de passe", users.MAX_PASSWORD)
        next_ = form.get("suite", "page demandée", 500, "/equipe")
        address = request.client.host if request.client else "?"
        account_key, address_key = f"login:account:{email}", f"login:address:{address}"
        if (users.count_events(web.engine, account_key, WINDOW) >= MAX_FAILURES_PER_ACCOUNT
                or users.count_events(web.engine, address_key, WINDOW) >= MAX_FAILURES_PER_ADDRESS):
            raise HTTPException(429, "Trop de tentatives de connexion : réessayez dans 15 minutes.",
                                headers={"Retry-After": str(int(WINDOW.total_seconds()))})
        user = users.authenticate(web.engine, email, password)
        if user is None:
            users.record_event(web.engine, account_key)
            users.record_event(web.engine, address_key)
            return login_page(web, request, next_, "Adresse ou mot de passe incorrect.", 401)
        opened = users.open_session(web.engine, user.id, replacing=request.cookies.get(COOKIE))
        response = RedirectResponse(safe_next(next_), 303)
        set_session_cookie(response, opened)
        response.delete_cookie(csrf.LOGIN_COOKIE, path="/connexion")
        return response

    @router.post("/deconnexion")
    async def logout(request: Request, staff: Staff = Depends(editor_or_reader)):
        users.close_session(web.engine, staff.token)
        response = RedirectResponse("/", 303)
        response.delete_cookie(COOKIE, path="/", secure=True, httponly=True, samesite="lax")
        return response

    @router.get("/equipe/compte")
    def account(request: Request, staff: Staff = Depends(editor_or_reader)):
        return web.render(request, "account.html", {"done": request.query_params.get("fait") == "1"})

    @router.post("/equipe/compte")
    async def change_password(request: Request, staff: Staff = Depends(editor_or_reader)):
        form = await read_form(request)
        current = form.get("current", "mot de passe actuel", users.MAX_PASSWORD)
        new = form.get("new", "nouveau mot de passe", users.MAX_PASSWORD)
        if new != form.get("confirm", "confirmation", users.MAX_PASSWORD):
            raise HTTPException(422, "Les deux saisies du nouveau mot de passe diffèrent.")
        users.change_password(web.engine, staff.user.id, current, new)
        # Every session ended, this one too: the person who changed it gets a fresh one.
        response = RedirectResponse("/equipe/compte?fait=1", 303)
        set_session_cookie(response, users.open_session(web.engine, staff.user.id))
        return response

    return router


def login_url(path: str) -> str:
    return "/connexion?suite=" + quote(path)
