"""The registry of sources as files: TOML (veille's own format) and OPML (feed readers').

Reading a file gives plain dicts, the shape `store.sources.import_actors`
takes; writing takes the dicts of `store.sources.export_actors`. Every
channel URL is checked like a source added by hand (`crawlers.safety`): only
http(s), no private address. A file with a mistake is refused whole, with
every problem listed, rather than imported in part.

TOML, one actor per `[[actor]]` table:

    [[actor]]
    name = "Make.org"
    type = "startup"            # see ACTOR_TYPES
    country = "FR"
    language = "fr"
    homepage = "https://www.make.org"
    tags = ["civic-tech"]
    status = "presumed-active"  # presumed-active | unknown | dormant | acquired | defunct
    enabled = true              # default: false for defunct and unknown actors
      [[actor.channel]]
      kind = "feed"             # feed | listing | sitemap | page
      url = "https://about.make.org/feed/"
      confidence = "evidenced"  # evidenced | likely | guess | checked
      evidence = "where the URL was seen"
      selectors = { item = "article", link = "a::attr(href)", next = "a.next::attr(href)" }
"""

from __future__ import annotations

import tomllib
from concurrent.futures import ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import tomli_w
from lxml import etree

from crawlers.safety import LOCAL_NAMES, UnsafeURL, address_problem, check_saved_url

ACTOR_TYPES = ("startup", "association", "public-institution", "local-authority", "company", "research",
               "media", "international-body")
# Spellings found in other lists, and what they mean here.
TYPE_ALIASES = {"international": "international-body", "start-up": "startup", "institution": "public-institution",
                "public": "public-institution", "local": "local-authority", "collectivite": "local-authority"}
CHANNEL_KINDS = ("feed", "listing", "sitemap", "page")
STATUSES = ("presumed-active", "unknown", "dormant", "acquired", "defunct")
# Not crawled until someone confirms them: gone, or never confirmed to exist.
DISABLED_STATUSES = ("defunct", "unknown")
CONFIDENCES = ("evidenced", "likely", "guess", "checked")
SELECTOR_KEYS = ("item", "link", "next", "include", "exclude")


class RegistryError(ValueError):
    """The file cannot be imported; the message lists every problem, one per line."""


@dataclass
class Registry:
    actors: list[dict]
    warnings: list[str] = field(default_factory=list)  # e.g. hosts not resolvable now


# --- TOML -----------------------------------------------------------------------------


def read_toml(data: bytes | str, allow_private: bool = False, resolve: bool = True) -> Registry:
    """The actors of a TOML registry. `resolve=False` skips the DNS lookups (the file
    shipped with veille, checked by us; every request is checked again anyway)."""
    try:
        document = tomllib.loads(data.decode("utf-8") if isinstance(data, bytes) else data)
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise RegistryError(f"not valid TOML: {exc}") from None
    raw = document.get("actor", [])
    if not isinstance(raw, list):
        raise RegistryError("[[actor]] tables expected")
    return _checked([_actor_from_toml(a) for a in raw if isinstance(a, dict)], allow_private, resolve)


def _actor_from_toml(raw: dict) -> dict:
    status = raw.get("status", "presumed-active")
    channels = [
        {"kind": c.get("kind", "feed"), "url": str(c.get("url", "")).strip(), "confidence": c.get("confidence", "evidenced"),
         "selectors": dict(c.get("selectors") or {}), "enabled": bool(c.get("enabled", True))}
        for c in raw.get("channel", []) if isinstance(c, dict)
    ]
    actor = {
        "name": str(raw.get("name", "")).strip(),
        "type": TYPE_ALIASES.get(raw.get("type", "association"), raw.get("type", "association")),
        "country": raw.get("country") or None,
        "language": raw.get("language") or None,
        "homepage": raw.get("homepage") or None,
        "tags": [str(t) for t in raw.get("tags", [])],
        "status": status,
        "enabled": bool(raw.get("enabled", status not in DISABLED_STATUSES and bool(channels))),
        "notes": str(raw.get("notes", "")),
        "channels": channels,
    }
    if raw.get("slug"):
        actor["slug"] = str(raw["slug"])
    return actor


def write_toml(actors: list[dict]) -> str:
    header = ("# veille sources: one [[actor]] per watched actor, its [[actor.channel]] below it.\n"
              "# Import with `veille sources import FILE`; the format is described in crawlers/registry.py.\n\n")
    tables = []
    for actor in actors:
        out = {k: v for k, v in actor.items() if k != "channels" and v not in (None, "", [])}
        out["enabled"] = bool(actor.get("enabled", True))
        out["channel"] = [{k: v for k, v in c.items() if v not in (None, "", {})} for c in actor.get("channels", [])]
        if not out["channel"]:
            del out["channel"]
        tables.append(out)
    return header + tomli_w.dumps({"actor": tables}, multiline_strings=False)


# --- OPML -----------------------------------------------------------------------------

_PARSER = etree.XMLParser(resolve_entities=False, load_dtd=False, no_network=True, huge_tree=False)


def read_opml(data: bytes, allow_private: bool = False, resolve: bool = True) -> Registry:
    """Actors from an OPML file: veille's own export (an outline per actor, marked
    veilleActor) or any feed reader's (each feed an actor, its folders its tags)."""
    try:
        root = etree.fromstring(data, _PARSER)
    except etree.XMLSyntaxError as exc:
        raise RegistryError(f"not valid OPML: {exc}") from None
    body = root.find("body")
    if root.tag != "opml" or body is None:
        raise RegistryError("not an OPML file (no <opml><body>)")
    actors: list[dict] = []
    _walk(body, [], actors)
    return _checked(actors, allow_private, resolve)


def _walk(node, folders: list[str], actors: list[dict]) -> None:
    for outline in node.findall("outline"):
        name = (outline.get("text") or outline.get("title") or "").strip()
        if outline.get("veilleActor") == "true":
            actors.append(_actor_from_outline(outline, name, folders))
        elif _channel(outline) is not None:
            actor = _actor_from_outline(outline, name, folders)
            actor["channels"] = [_channel(outline)]
            actors.append(actor)
        else:
            _walk(outline, folders + [name] if name else folders, actors)


def _actor_from_outline(outline, name: str, folders: list[str]) -> dict:
    homepage = outline.get("htmlUrl")
    tags = [t for t in (outline.get("category") or "").split(",") if t] or folders
    return {
        "name": name or urlsplit(outline.get("xmlUrl") or homepage or "").hostname or "source",
        "type": TYPE_ALIASES.get(outline.get("veilleType", ""), outline.get("veilleType") or "association"),
        "country": outline.get("veilleCountry") or None,
        "language": outline.get("language") or None,
        "homepage": homepage,
        "tags": tags,
        "status": outline.get("veilleStatus") or "presumed-active",
        "enabled": outline.get("veilleEnabled", "true") != "false",
        "notes": outline.get("description") or "",
        "channels": [c for c in (_channel(o) for o in outline.findall("outline")) if c is not None],
    }


def _channel(outline) -> dict | None:
    url = outline.get("xmlUrl") or (outline.get("url") if outline.get("veilleKind") else None)
    if not url:
        return None
    selectors = {k: outline.get(f"veille{k.capitalize()}") for k in SELECTOR_KEYS if outline.get(f"veille{k.capitalize()}")}
    return {"kind": outline.get("veilleKind") or "feed", "url": url.strip(), "selectors": selectors,
            "confidence": outline.get("veilleConfidence") or "evidenced",
            "enabled": outline.get("veilleEnabled", "true") != "false"}


def write_opml(actors: list[dict], title: str = "veille sources") -> bytes:
    opml = etree.Element("opml", version="2.0")
    head = etree.SubElement(opml, "head")
    etree.SubElement(head, "title").text = title
    body = etree.SubElement(opml, "body")
    for actor in actors:
        node = etree.SubElement(body, "outline", text=actor["name"], veilleActor="true",
                                veilleType=actor.get("type") or "", veilleStatus=actor.get("status") or "",
                                veilleEnabled=str(bool(actor.get("enabled", True))).lower())
        _set(node, htmlUrl=actor.get("homepage"), language=actor.get("language"),
             veilleCountry=actor.get("country"), category=",".join(actor.get("tags") or []),
             description=actor.get("notes"))
        for channel in actor.get("channels", []):
            _channel_outline(node, actor["name"], channel)
    return etree.tostring(opml, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def _channel_outline(parent, name: str, channel: dict) -> None:
    attrs = {"text": f"{name} ({channel['kind']})", "veilleKind": channel["kind"],
             "veilleConfidence": channel.get("confidence") or "", "veilleEnabled": str(bool(channel.get("enabled", True))).lower()}
    if channel["kind"] == "feed":  # what feed readers understand
        attrs.update(type="rss", xmlUrl=channel["url"])
    else:
        attrs.update(type="link", url=channel["url"])
    node = etree.SubElement(parent, "outline", **attrs)
    _set(node, **{f"veille{k.capitalize()}": v for k, v in (channel.get("selectors") or {}).items() if k in SELECTOR_KEYS})


def _set(node, **attrs) -> None:
    for key, value in attrs.items():
        if value:
            node.set(key, str(value))


# --- checks ---------------------------------------------------------------------------


def _checked(actors: list[dict], allow_private: bool, resolve: bool = True) -> Registry:
    problems: list[str] = []
    for n, actor in enumerate(actors, 1):
        where = f"actor {n} ({actor.get('name') or 'no name'})"
        problems += [f"{where}: {p}" for p in _actor_problems(actor)]
        for channel in actor["channels"]:
            try:  # the scheme, the host, an IP literal or a local name: no lookup needed
                check_saved_url(channel["url"], allow_private=True)
                if not allow_private:
                    static_check(channel["url"])
            except UnsafeURL as exc:
                problems.append(f"{where}: refused {channel['url']}: {exc.reason}")
    if problems:
        raise RegistryError("\n".join(problems))
    hosts = sorted({urlsplit(c["url"]).hostname for a in actors for c in a["channels"]} - {None})
    unresolved, refused = _resolve_all(hosts) if (resolve and not allow_private) else ([], [])
    if refused:
        raise RegistryError("\n".join(refused))
    warnings = [f"{len(unresolved)} host(s) cannot be resolved now, they will be checked again when crawled: "
                + ", ".join(unresolved[:10]) + (" …" if len(unresolved) > 10 else "")] if unresolved else []
    return Registry(actors, warnings)


def static_check(url: str) -> None:
    """What can be refused without a DNS lookup: private IP literals and local names."""
    host = (urlsplit(url).hostname or "").lower().rstrip(".")
    if host == "localhost" or host.endswith(LOCAL_NAMES[1:]):
        raise UnsafeURL(f"{host} is a local name; private networks are not crawled")
    try:
        problem = address_problem(host)
    except ValueError:
        return  # a name, not an address
    if problem:
        raise UnsafeURL(f"{host} resolves to a {problem}; private networks are not crawled")


RESOLVE_THREADS = 16
RESOLVE_BUDGET = 10.0  # seconds for all the lookups of a file


def _resolve_all(hosts: list[str]) -> tuple[list[str], list[str]]:
    """(hosts that cannot be resolved now, refusals for hosts that resolve to private addresses).

    Lookups run side by side and within a budget: a registry of a hundred
    sites must not take minutes to import on a slow or offline resolver.
    """
    pool = ThreadPoolExecutor(RESOLVE_THREADS)
    futures = {host: pool.submit(check_saved_url, f"http://{host}/", False) for host in hosts}
    done, _late = wait(futures.values(), timeout=RESOLVE_BUDGET)
    pool.shutdown(wait=False, cancel_futures=True)
    unresolved, refused = [], []
    for host, future in futures.items():
        if future not in done:
            unresolved.append(host)
        elif future.exception() is not None:
            refused.append(f"refused {host}: {getattr(future.exception(), 'reason', future.exception())}")
        elif future.result():
            unresolved.append(host)
    return unresolved, refused


def _actor_problems(actor: dict) -> list[str]:
    problems = []
    if not actor["name"]:
        problems.append("no name")
    if actor["type"] not in ACTOR_TYPES:
        problems.append(f"unknown type {actor['type']!r} (one of {', '.join(ACTOR_TYPES)})")
    if actor["status"] not in STATUSES:
        problems.append(f"unknown status {actor['status']!r} (one of {', '.join(STATUSES)})")
    for channel in actor["channels"]:
        if channel["kind"] not in CHANNEL_KINDS:
            problems.append(f"unknown channel kind {channel['kind']!r} (one of {', '.join(CHANNEL_KINDS)})")
        if channel["confidence"] not in CONFIDENCES:
            problems.append(f"unknown confidence {channel['confidence']!r} (one of {', '.join(CONFIDENCES)})")
        unknown = set(channel["selectors"]) - set(SELECTOR_KEYS)
        if unknown:
            problems.append(f"unknown selectors {sorted(unknown)} (known: {', '.join(SELECTOR_KEYS)})")
    return problems
