"""CSRF: a token in every state-changing request, and no cross-site origin.

Logged-in pages use the token stored with the login session (in the form
field `csrf_token` or the `X-CSRF-Token` header of the review page's
scripts). The login form, which has no session yet, uses a signed
double-submit token: a random nonce in a cookie, its HMAC in the form.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from fastapi import HTTPException, Request

from web.forms import read_form

FIELD = "csrf_token"
HEADER = "x-csrf-token"
LOGIN_COOKIE = "veille_login"
REFUSED = "Jeton de sécurité absent ou périmé : rechargez la page et recommencez."


def check_origin(request: Request) -> None:
    """Refuse a POST whose Origin (or Referer) is another site."""
    origin = request.headers.get("origin") or request.headers.get("referer")
    if not origin or origin == "null":
        return  # the token check below still applies
    own = f"{request.url.scheme}://{request.url.netloc}"
    if origin != own and not origin.startswith(own + "/"):
        raise HTTPException(403, "Requête venue d'un autre site : refusée.")


async def submitted_token(request: Request) -> str:
    token = request.headers.get(HEADER)
    if token:
        return token
    form = await read_form(request)
    return form.get(FIELD, "jeton", 200)


async def check(request: Request, expected: str) -> None:
    check_origin(request)
    token = await submitted_token(request)
    if not token or not hmac.compare_digest(token.encode(), expected.encode()):
        raise HTTPException(403, REFUSED)


def new_login_nonce() -> str:
    return secrets.token_urlsafe(24)


def login_token(secret: bytes, nonce: str) -> str:
    return hmac.new(secret, b"login:" + nonce.encode(), hashlib.sha256).hexdigest()


async def check_login(request: Request, secret: bytes) -> None:
    check_origin(request)
    nonce = request.cookies.get(LOGIN_COOKIE, "")
    token = await submitted_token(request)
    if not nonce or not token or not hmac.compare_digest(token, login_token(secret, nonce)):
        raise HTTPException(403, REFUSED)
