"""The archive's search parameters, shared by the pages, the exports, the feeds and the API.

Read as plain strings and checked here, so that an empty select ("any
source") is no error and every mistake gets a French message naming the
parameter, rather than a generic validation error.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from urllib.parse import urlencode

from fastapi import HTTPException, Query

from store import search, taxonomy
from web.context import ACTOR_TYPES

MAX_QUERY = 500
MAX_PAGE = 500  # 10,000 results deep: past that, refine the search
MAX_VALUES = 20

FACETS = {  # parameter → (store dimension or None, French name)
    "theme": ("themes", "thème"),
    "purpose": ("purpose", "finalité"),
    "kind": ("kind", "type d'article"),
    "actor_type": (None, "type d'acteur"),
    "source": (None, "source"),
    "language": (None, "langue"),
}


@dataclass(frozen=True)
class SearchParams:
    q: str = ""
    theme: tuple[str, ...] = ()
    purpose: tuple[str, ...] = ()
    kind: tuple[str, ...] = ()
    actor_type: tuple[str, ...] = ()
    source: tuple[int, ...] = ()
    language: tuple[str, ...] = ()
    since: date | None = None
    until: date | None = None
    sort: str = "relevance"
    page: int = 1

    @property
    def filters(self) -> search.Filters:
        return search.Filters(
            query=self.q, themes=self.theme, purposes=self.purpose, kinds=self.kind,
            actor_types=self.actor_type, source_ids=self.source, languages=self.language,
            since=self.since, until=self.until,
        )

    @property
    def is_browsing(self) -> bool:
        """No words and no filter: the archive's home page."""
        return self == SearchParams(sort=self.sort, page=self.page)

    def pairs(self, **changes) -> list[tuple[str, str]]:
        params = replace(self, **changes)
        out: list[tuple[str, str]] = [("q", params.q)] if params.q else []
        for name in FACETS:
            out += [(name, str(v)) for v in getattr(params, name)]
        out += [(k, v.isoformat()) for k, v in (("since", params.since), ("until", params.until)) if v]
        if params.sort != ("relevance" if params.q else "date"):
            out.append(("sort", params.sort))
        if params.page != 1:
            out.append(("page", str(params.page)))
        return out

    def url(self, path: str = "/", **changes) -> str:
        query = urlencode(self.pairs(**changes))
        return f"{path}?{query}" if query else path

    def toggle(self, name: str, value) -> str:
        """The archive URL with `value` of facet `name` added, or removed if it was there."""
        values = getattr(self, name)
        new = tuple(v for v in values if v != value) if value in values else values + (value,)
        return self.url(**{name: new, "page": 1})


def _values(name: str, raw: list[str], allowed) -> tuple[str, ...]:
    values = tuple(dict.fromkeys(v for v in raw if v))
    if len(values) > MAX_VALUES:
        raise HTTPException(422, f"Trop de valeurs pour le paramètre « {name} » (au plus {MAX_VALUES}).")
    for v in values:
        if allowed is not None and v not in allowed:
            raise HTTPException(422, f"Valeur inconnue pour le paramètre « {name} » : « {v[:50]} ».")
        if len(v) > 50:
            raise HTTPException(422, f"Valeur trop longue pour le paramètre « {name} ».")
    return values


def _date(name: str, raw: str) -> date | None:
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise HTTPException(422, f"Le paramètre « {name} » doit être une date AAAA-MM-JJ.") from None


def parse(q: str, theme, purpose, kind, actor_type, source, language, since: str, until: str,
          sort: str, page: int) -> SearchParams:
    sources = _values("source", source, None)
    if not all(s.isdigit() and len(s) < 10 for s in sources):
        raise HTTPException(422, "Le paramètre « source » doit être un numéro d'acteur.")
    if sort not in ("", *search.SORTS):
        raise HTTPException(422, "Le paramètre « sort » doit valoir relevance ou date.")
    params = SearchParams(
        q=q.strip(),
        theme=_values("theme", theme, taxonomy.slugs("themes")),
        purpose=_values("purpose", purpose, taxonomy.slugs("purpose")),
        kind=_values("kind", kind, taxonomy.slugs("kind")),
        actor_type=_values("actor_type", actor_type, ACTOR_TYPES),
        source=tuple(int(s) for s in sources),
        language=_values("language", language, None),
        since=_date("since", since),
        until=_date("until", until),
        sort=sort or ("relevance" if q.strip() else "date"),
        page=page,
    )
    if params.since and params.until and params.since > params.until:
        raise HTTPException(422, "La date de début est après la date de fin.")
    return params


def search_params(
    q: str = Query("", max_length=MAX_QUERY, description="Mots cherchés (français ou anglais ; accents et "
                   "pluriels indifférents)."),
    theme: list[str] = Query([], description="Thème(s), slugs du codebook (voir /api/v1/taxonomy)."),
    purpose: list[str] = Query([], description="Finalité(s) : information, mobilisation, coproduction, ecosystem."),
    kind: list[str] = Query([], description="Type(s) d'article : news, event, publication, call."),
    actor_type: list[str] = Query([], description="Type(s) d'acteur : " + ", ".join(ACTOR_TYPES) + "."),
    source: list[str] = Query([], description="Numéro(s) d'acteur (voir /api/v1/sources)."),
    language: list[str] = Query([], description="Langue(s) : fr, en…"),
    since: str = Query("", max_length=10, description="Publiés à partir de cette date (AAAA-MM-JJ)."),
    until: str = Query("", max_length=10, description="Publiés jusqu'à cette date incluse (AAAA-MM-JJ)."),
    sort: str = Query("", max_length=10, description="relevance (par défaut avec des mots ; quand plus de "
                      "5 000 articles correspondent, la pertinence classe les 5 000 plus récents) ou date "
                      "(tout, du plus récent au plus ancien)."),
    page: int = Query(1, ge=1, le=MAX_PAGE, description=f"Page, de 1 à {MAX_PAGE}."),
) -> SearchParams:
    """FastAPI dependency: the search asked for in the query string."""
    return parse(q, theme, purpose, kind, actor_type, source, language, since, until, sort, page)
