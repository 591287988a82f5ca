"""Reading forms strictly: size, UTF-8, no NUL, field lengths, before anything is saved.

Starlette's own parser replaces invalid bytes silently; a form here is
refused whole instead (400/413/422 with a French message), so a bad field can
never lead to a partial save.
"""

from __future__ import annotations

from urllib.parse import parse_qsl

from fastapi import HTTPException, Request

MAX_FORM = 200_000
URLENCODED = "application/x-www-form-urlencoded"


class Form:
    def __init__(self, pairs: list[tuple[str, str]]):
        self.pairs = pairs

    def get(self, name: str, label: str, max_length: int, default: str = "") -> str:
        """One field; 422 naming it when it is longer than `max_length`."""
        value = next((v for k, v in self.pairs if k == name), default)
        if len(value) > max_length:
            raise HTTPException(422, f"Le champ « {label} » dépasse {max_length} caractères.")
        return value

    def getall(self, name: str) -> list[str]:
        return [v for k, v in self.pairs if k == name]


async def read_form(request: Request, max_bytes: int = MAX_FORM) -> Form:
    """The request's url-encoded form, parsed once per request."""
    cached = getattr(request.state, "form", None)
    if cached is not None:
        return cached
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if not content_type and request.headers.get("content-length", "0") == "0":
        request.state.form = Form([])  # a POST without a body: an empty form, as for "undo"
        return request.state.form
    if content_type != URLENCODED:
        raise HTTPException(415, "Formulaire attendu (application/x-www-form-urlencoded).")
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > max_bytes:
            raise HTTPException(413, f"Formulaire trop volumineux (plus de {max_bytes // 1000} ko).")
    try:
        pairs = parse_qsl(body.decode("utf-8"), keep_blank_values=True, errors="strict", max_num_fields=2000)
    except UnicodeDecodeError:
        raise HTTPException(400, "Le formulaire contient des octets qui ne sont pas de l'UTF-8 valide.") from None
    except ValueError:
        raise HTTPException(413, "Formulaire trop volumineux (trop de champs).") from None
    if any("\x00" in k or "\x00" in v for k, v in pairs):
        raise HTTPException(400, "Le formulaire contient un caractère nul.")
    request.state.form = Form(pairs)
    return request.state.form


def int_field(value: str, label: str) -> int:
    if not value.isdigit() or len(value) > 12:
        raise HTTPException(422, f"Le champ « {label} » doit être un nombre entier positif.")
    return int(value)
