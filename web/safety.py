"""Guards in front of every route: request shape, size, and the security headers.

Starlette decodes a malformed URL with replacement characters and hands the
result on; a NUL byte then reaches PostgreSQL, which refuses it with an error
the user would see as a 500. Both are answered here with a 400 that says why.
"""

from __future__ import annotations

from urllib.parse import unquote_to_bytes

from starlette.datastructures import MutableHeaders
from starlette.requests import Request

MAX_BODY = 1_000_000  # no form of the app is larger than a few kilobytes

HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
        "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
}


def url_problem(raw_path: bytes, query: bytes) -> str | None:
    """Why a request's path or query cannot be read as text, or None."""
    for part, what in ((raw_path, "L'adresse"), (query, "La requête")):
        try:
            decoded = unquote_to_bytes(part).decode("utf-8")
        except UnicodeDecodeError:
            return f"{what} contient des octets qui ne sont pas de l'UTF-8 valide."
        if "\x00" in decoded:
            return f"{what} contient un caractère nul."
    return None


class Guard:
    """ASGI middleware: refuse unreadable URLs and oversized bodies, add the security headers."""

    def __init__(self, app, error_response):
        self.app = app
        self.error_response = error_response  # (request, status, message) -> Response

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        problem = url_problem(scope.get("raw_path") or scope["path"].encode(), scope.get("query_string", b""))
        status = 400
        if problem is None:
            length = dict(scope["headers"]).get(b"content-length", b"0")
            if not length.isdigit():
                problem = "En-tête Content-Length invalide."
            elif int(length) > MAX_BODY:
                status, problem = 413, f"Requête trop volumineuse (plus de {MAX_BODY // 1000} ko)."
        if problem:
            response = self.error_response(Request(scope), status, problem)
            return await response(scope, receive, self._with_headers(send))
        await self.app(scope, receive, self._with_headers(send))

    @staticmethod
    def _with_headers(send):
        async def send_with_headers(message):
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in HEADERS.items():
                    headers.setdefault(name, value)
            await send(message)

        return send_with_headers
