"""decidim.org's list of Decidim installations as seeds of the registry.

The CSV (columns file, title, url, type, lat, lon; see
../shared/data/decidim-installations/README.txt) names each platform, its
address, a rough type (city, region, org, university) and a position. Each
row becomes an actor dict, the shape `store.registry.import_actors` takes:
its type and country are inferred (the name says more than the listed type:
an agency listed as "region" is a public institution), its language follows.

A row that cannot be imported (no name, an address that is not a platform's,
a private address…) gets one line saying why, and the others are imported.
Addresses kept only in a web archive are unwrapped: the platform is imported
as defunct and disabled, for the record.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from crawlers.decidim import space_channels
from crawlers.registry import static_check
from crawlers.safety import UnsafeURL, check_saved_url

MAX_ROWS = 20_000
MAX_NAME = 300
MAX_HOST = 150  # the slug, made of it, has room for 200 characters
ARCHIVES = re.compile(r"^https?://(?:web\.archive\.org|web-archive-org\.translate\.goog|wayback\.archive-it\.org)"
                      r"/(?:web/|\d+/)?(\d{8,14})[a-z_]*/(https?:/{1,2}.+)$", re.IGNORECASE)
# Paths that still name the platform itself: its root, a locale root, the sign-in page, a space listing.
PLATFORM_PATHS = re.compile(r"^/?(?:[a-z]{2}(?:-[A-Za-z]{2})?/?)?(?:(?:users/sign_in|processes|assemblies)/?)?$")


@dataclass
class Seeds:
    actors: list[dict]
    problems: list[str] = field(default_factory=list)  # one line per row not imported
    left_out: int = 0  # rows of other countries than asked


class SeedsError(ValueError):
    """The file as a whole cannot be read (not CSV, no url column…)."""


def read_installations(data: bytes, countries: set[str] | None = None, enable: bool = False,
                       allow_private: bool = False) -> Seeds:
    """Actor dicts for the rows of the installations CSV (of `countries` only, when given)."""
    reader = _reader(data)
    seeds, seen = Seeds([]), {}
    try:
        for row in reader:
            if reader.line_num > MAX_ROWS:
                seeds.problems.append(f"the file stops being read at line {MAX_ROWS}")
                break
            _add(seeds, seen, row, reader.line_num, countries, enable, allow_private)
    except csv.Error as exc:
        seeds.problems.append(f"line {reader.line_num}: unreadable CSV ({exc}); the rest of the file is left out")
    _name_homonyms(seeds.actors)
    return seeds


def _reader(data: bytes) -> csv.DictReader:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise SeedsError(f"not UTF-8 text: {exc}") from None
    reader = csv.DictReader(io.StringIO(text, newline=""))
    if not {"title", "url"} <= set(reader.fieldnames or []):
        raise SeedsError("not decidim.org's list of installations: the title and url columns are missing")
    return reader


def _add(seeds: Seeds, seen: dict, row: dict, line: int, countries, enable: bool, allow_private: bool) -> None:
    name = _clean(row.get("title"))
    where = f"line {line} ({name[:60] or 'no name'})"
    try:
        actor = seed_actor(row, enable, allow_private)
    except ValueError as exc:
        seeds.problems.append(f"{where}: {exc}")
        return
    if actor["slug"] in seen:
        seeds.problems.append(f"{where}: the same platform as line {seen[actor['slug']]}, imported once")
        return
    seen[actor["slug"]] = line
    if countries and actor["country"] not in countries:
        seeds.left_out += 1
        return
    seeds.actors.append(actor)


def seed_actor(row: dict, enable: bool = False, allow_private: bool = False) -> dict:
    """The actor of one row; ValueError saying why it cannot be one."""
    name = _clean(row.get("title"))
    if not name:
        raise ValueError("no name")
    if len(name) > MAX_NAME:
        raise ValueError(f"a name of {len(name)} characters is not a name")
    homepage, snapshot = platform_address(str(row.get("url") or ""), allow_private)
    host = urlsplit(homepage).hostname or ""
    kind, why = actor_type(name, _clean(row.get("type")).lower(), host)
    country, whence = country_of(host, _coordinate(row.get("lat")), _coordinate(row.get("lon")))
    notes = [f"From decidim.org's list of installations ({_clean(row.get('file'))[:100]}); type {why}; "
             f"country {whence}; channels unverified until crawled."]
    if snapshot:
        notes.append(f"Listed only through a web archive snapshot ({snapshot[:8]}): the platform is probably gone.")
    return {"slug": "decidim-" + re.sub(r"[^a-z0-9]+", "-", host.removeprefix("www.")).strip("-"),
            "name": name, "type": kind, "country": country,
            "language": language_of(country, host, _coordinate(row.get("lat")), _coordinate(row.get("lon"))),
            "homepage": homepage, "tags": ["decidim"], "status": "defunct" if snapshot else "presumed-active",
            "enabled": enable and not snapshot, "notes": " ".join(notes), "channels": space_channels(homepage)}


def platform_address(url: str, allow_private: bool = False) -> tuple[str, str | None]:
    """(the platform's root URL, the archive snapshot's date when the row points into an archive)."""
    url = url.strip()
    snapshot = None
    if archived := ARCHIVES.match(url):
        snapshot, url = archived.group(1), re.sub(r"^(https?):/+", r"\1://", archived.group(2))
    try:
        check_saved_url(url, allow_private=True)  # scheme and host, without a DNS lookup
        if not allow_private:
            static_check(url)
    except UnsafeURL as exc:
        raise ValueError(f"refused {url[:200]!r}: {exc.reason}") from None
    parts = urlsplit(url)
    if not PLATFORM_PATHS.match(parts.path):
        raise ValueError(f"{url[:200]} is a page, not a platform's address; add it by hand if it is one")
    if len(parts.hostname) > MAX_HOST:
        raise ValueError(f"a host name of {len(parts.hostname)} characters is not a platform's")
    # Rebuilt from its parts: credentials in the address ("user:pass@") are not kept.
    host = f"[{parts.hostname}]" if ":" in parts.hostname else parts.hostname
    return f"{parts.scheme.lower()}://{host}{f':{parts.port}' if parts.port else ''}/", snapshot


def platform_key(url: str | None) -> str:
    """What makes two homepages the same platform: the host without www."""
    return (urlsplit(url or "").hostname or "").removeprefix("www.")


def _clean(value) -> str:
    """One line of printable text (a hostile row may carry control characters)."""
    return " ".join("".join(c for c in str(value or "") if c.isprintable() or c.isspace()).split())


def _coordinate(value) -> float | None:
    try:
        number = float(str(value).strip())
    except ValueError:
        return None
    return number if -180 <= number <= 180 else None


def _name_homonyms(actors: list[dict]) -> None:
    """Two platforms of one name ("Touraine") are told apart by their host."""
    names = [a["name"] for a in actors]
    for actor in actors:
        if names.count(actor["name"]) > 1:
            actor["name"] = f"{actor['name']} ({urlsplit(actor['homepage']).hostname})"


# --- type, country, language ----------------------------------------------------------

# Tried in order; the first whose words appear in the name wins.
NAMED_TYPES = (
    ("international-body", r"european (commission|union|parliament)|commission europ|union europ|united nations|"
                           r"nations unies|\boecd\b|\bocde\b|council of europe|conseil de l.europe|unesco|unicef|"
                           r"\binternational\b|internacional|united cities"),
    ("public-institution", r"minist|parliament|parlament|parlement|assembl[ée]e nationale|s[ée]nat|senado|congreso|"
                           r"government|gouvernement|gobierno|\bgovern\b|bundes|agence|agency|agencia|ag[eè]ncia|"
                           r"agenzia|office national|conseil [ée]conomique|\bcese\b|\bcndp\b|oficina|defensor|"
                           r"commission nationale|cour des? comptes|tribunal|s[íi]ndic"),
    ("association", r"fondazione|fondation|foundation|fundaci|associa|asociaci|\bafa\b|\bampa\b|cooperativ|"
                    r"\bclub\b|collectif|\bong\b|\bngo\b"),
    ("local-authority", r"ajuntament|ayuntamiento|mairie|\bville\b|commune|city of|city council|comune|gemeinde|"
                        r"\bstadt|concello|municipi|prefeitura|c[âa]mara municipal|diputaci|d[ée]partement|"
                        r"r[ée]gion|conseil (d[ée]partemental|r[ée]gional)|m[ée]tropol|agglom|communaut[ée] de|"
                        r"provincia|county|kommune|kaupunki|\bcouncil\b|generalitat|consell comarcal|landkreis"),
    ("research", r"universit|hochschule|research|recherche|investigaci|\bcnrs\b|\binria\b"),
)
LISTED_TYPES = {"city": "local-authority", "region": "local-authority", "university": "research",
                "org": "association"}


def actor_type(name: str, listed: str, host: str) -> tuple[str, str]:
    """(the actor type, why) from its name, its host, then the list's own type."""
    lowered = name.lower()
    for kind, words in NAMED_TYPES:
        if re.search(words, lowered):
            return kind, "from its name"
    if host.endswith(("europa.eu", ".int")):
        return "international-body", "from its address"
    if host.endswith((".gouv.fr", ".gob.es", ".gov", ".gov.uk", ".admin.ch")):
        return "public-institution", "from its address"
    if listed in LISTED_TYPES:
        return LISTED_TYPES[listed], f"from the list's {listed!r}"
    return "association", "by default"


# Top-level domains of one country (city and region domains included).
TLD_COUNTRIES = {
    "fr": "FR", "re": "FR", "corsica": "FR", "paris": "FR", "bzh": "FR", "alsace": "FR",
    "es": "ES", "cat": "ES", "eus": "ES", "gal": "ES", "barcelona": "ES", "madrid": "ES",
    "it": "IT", "de": "DE", "at": "AT", "ch": "CH", "zuerich": "CH", "be": "BE", "brussels": "BE",
    "lu": "LU", "nl": "NL", "pt": "PT", "fi": "FI", "se": "SE", "no": "NO", "dk": "DK", "pl": "PL",
    "cz": "CZ", "sk": "SK", "hu": "HU", "gr": "GR", "bg": "BG", "ro": "RO", "ad": "AD", "uk": "GB",
    "ie": "IE", "jp": "JP", "mx": "MX", "br": "BR", "ar": "AR", "ec": "EC", "py": "PY", "uy": "UY",
    "bo": "BO", "cl": "CL", "co": "CO", "pe": "PE", "mz": "MZ", "ci": "CI", "sn": "SN", "ma": "MA",
    "tn": "TN", "ca": "CA", "us": "US", "au": "AU", "nz": "NZ", "ua": "UA", "ee": "EE",
}
# Coarse boxes (south, north, west, east) for hosts on .org, .eu, .com…; small countries
# first, since their boxes sit inside their neighbours'.
BOXES = (
    ("AD", 42.4, 42.7, 1.4, 1.8), ("LU", 49.4, 50.2, 5.7, 6.6), ("BE", 49.5, 51.5, 2.5, 6.4),
    ("CH", 45.8, 47.8, 5.9, 10.5), ("NL", 50.7, 53.6, 3.3, 7.3), ("PT", 36.9, 42.2, -9.6, -6.2),
    ("ES", 27.6, 43.8, -18.2, 4.4), ("FR", 41.3, 51.1, -5.2, 9.6), ("IT", 36.6, 47.1, 6.6, 18.6),
    ("AT", 46.4, 49.0, 9.5, 17.2), ("DE", 47.3, 55.1, 5.9, 15.1), ("JP", 24.0, 45.6, 122.9, 145.9),
    ("MX", 14.5, 32.7, -118.4, -86.7), ("BR", -33.8, 5.3, -74.0, -34.8), ("US", 24.5, 49.4, -125.0, -66.9),
)
LANGUAGES = {"FR": "fr", "ES": "es", "IT": "it", "DE": "de", "AT": "de", "PT": "pt", "BR": "pt", "MZ": "pt",
             "FI": "fi", "SE": "sv", "NO": "no", "DK": "da", "PL": "pl", "CZ": "cs", "SK": "sk", "HU": "hu",
             "GR": "el", "BG": "bg", "RO": "ro", "NL": "nl", "JP": "ja", "MX": "es", "AR": "es", "EC": "es",
             "PY": "es", "UY": "es", "BO": "es", "CL": "es", "CO": "es", "PE": "es", "CI": "fr", "SN": "fr",
             "AD": "ca", "GB": "en", "IE": "en", "US": "en", "AU": "en", "NZ": "en", "UA": "uk", "EE": "et"}
# Spain's regional languages, by domain, then by Catalonia's box.
REGIONAL = {"cat": "ca", "barcelona": "ca", "eus": "eu", "gal": "gl"}
CATALONIA = (40.5, 42.9, 0.15, 3.35)


def country_of(host: str, lat: float | None, lon: float | None) -> tuple[str | None, str]:
    """(ISO country code or None, how it was found)."""
    tld = host.rsplit(".", 1)[-1]
    if tld in TLD_COUNTRIES:
        return TLD_COUNTRIES[tld], f"from .{tld}"
    if lat is not None and lon is not None:
        for code, south, north, west, east in BOXES:
            if south <= lat <= north and west <= lon <= east:
                return code, "from its coordinates"
    return None, "unknown"


def language_of(country: str | None, host: str, lat: float | None, lon: float | None) -> str | None:
    if (regional := REGIONAL.get(host.rsplit(".", 1)[-1])) is not None:
        return regional
    if country == "ES" and lat is not None and lon is not None:
        south, north, west, east = CATALONIA
        if south <= lat <= north and west <= lon <= east:
            return "ca"
    return LANGUAGES.get(country or "")
