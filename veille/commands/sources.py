"""sources add / list / health / import / export / group."""

from __future__ import annotations

from datetime import datetime, timezone
from importlib import resources
from pathlib import Path
from urllib.parse import urlsplit

import click

from veille.commands.common import command, get_app, print_json
from veille.errors import UserError

ACTOR_TYPES = (
    "startup", "association", "public-institution", "local-authority",
    "company", "research", "media", "international-body",
)
KINDS = ("auto", "feed", "listing", "sitemap", "page")
# A URL that fails now is still saved, as what its path suggests.
FEED_HINTS = ("feed", "rss", "atom", ".xml", ".json")


@click.group("sources", help="The registry of watched actors and their channels.")
def sources_group() -> None:
    pass


@command(sources_group.command, "add",
         help="Watch a new source. URL may be its homepage: its feed is then found (declared in the page, or at "
              "a usual address), else a sitemap, a news listing, or the page itself watched for changes. "
              "A Decidim platform (which has no feed) is recognised by its markup: its processes, assemblies and "
              "initiatives listings, and the blogs its page links to, are added if they list something.")
@click.argument("url")
@click.option("--name", help="The actor's name (default: the site's title, else its host name).")
@click.option("--kind", type=click.Choice(KINDS), default="auto", show_default=True,
              help="What URL is; auto finds out.")
@click.option("--type", "actor_type", type=click.Choice(ACTOR_TYPES), default="association", show_default=True,
              help="What kind of actor publishes it.")
@click.option("--language", default=None, help="The source's main language (default: what the site says, else fr).")
def sources_add(url: str, name: str | None, kind: str, actor_type: str, language: str | None) -> None:
    from crawlers.safety import UnsafeURL, check_url
    from store import sources as source_store

    app = get_app()
    try:
        check_url(url, allow_private=app.settings.allow_private_networks)
    except UnsafeURL as exc:
        raise UserError(f"refused {url}: {exc}") from None
    parts = urlsplit(url)
    found = _discover(app, url) if kind == "auto" else None
    channels = found.channels if found else [{"kind": kind, "url": url}]
    name = name or (found and found.title) or parts.hostname or url
    actor_id = source_store.upsert_actor(
        app.engine,
        name=name,
        channels=[{**c, "confidence": "checked"} for c in channels],
        type=actor_type,
        language=language or (found and found.language) or "fr",
        homepage=found.homepage if found else f"{parts.scheme}://{parts.netloc}/",
        add_tags=[found.platform] if found and found.platform else [],
    )
    if found and found.platform:
        click.echo(f"a {found.platform.capitalize()} platform ({found.evidence})", err=True)
    click.echo(f"source {actor_id}: {name} ({channels[0]['kind']} {channels[0]['url']})")
    for channel in channels[1:]:
        click.echo(f"  and {channel['kind']} {channel['url']}")


def _discover(app, url: str):
    """What `crawlers.discover` finds; when the site cannot be read now, what the URL's path suggests."""
    from crawlers.discover import Discovered, DiscoveryError, discover

    settings = app.settings
    try:
        return discover(url, settings.crawler_user_agent, settings.allow_private_networks,
                        timeout=min(settings.crawl_timeout, 10.0))
    except DiscoveryError as exc:
        kind = "feed" if any(h in urlsplit(url).path.lower() for h in FEED_HINTS) else "page"
        click.echo(f"warning: {exc}; saved as a {kind} for now, the next crawl will tell", err=True)
        parts = urlsplit(url)
        return Discovered(kind, url, f"{parts.scheme}://{parts.netloc}/", channels=[{"kind": kind, "url": url}])


@command(sources_group.command, "group",
         help="Put a source in a crawl group (tag group:NAME), crawled by `veille crawl --group NAME` "
              "or at its own rhythm (setting schedule_groups); --remove takes it out.")
@click.argument("source_id", type=int)
@click.argument("group")
@click.option("--remove", is_flag=True, help="Take the source out of the group.")
def sources_group_cmd(source_id: int, group: str, remove: bool) -> None:
    from store import sources as source_store

    if not source_store.set_group(get_app().engine, source_id, group, member=not remove):
        raise UserError(f"no source with id {source_id} (see `veille sources list`)")
    click.echo(f"source {source_id} {'left' if remove else 'is in'} group {group}")


def _views(app):
    from store import sources as source_store

    settings = app.settings
    return source_store.list_sources(app.engine, failing_after=settings.alert_failures,
                                     quiet_factor=settings.source_quiet_factor)


@command(sources_group.command, "list", help="List the sources with their channels and health.")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON list of sources with their channels.")
def sources_list(as_json: bool) -> None:
    views = _views(get_app())
    if as_json:
        print_json([v.to_json() for v in views])
        return
    for s in views:
        state = "" if s.enabled else "  (paused)"
        click.echo(f"{s.id:>4}  {s.name}  [{s.type}]{state}")
        for c in s.channels:
            health = {"never": "never crawled", "disabled": "disabled"}.get(c.state) or (
                f"error: {c.last_error}" if c.last_error else "ok")
            click.echo(f"        {c.kind:<8} {c.url}  — {health}")
    if not views:
        click.echo("no source yet: add one with `veille sources add URL`, "
                   "or load the shipped registry with `veille sources import --shipped`")


@command(sources_group.command, "health",
         help="The health of every channel: last attempt and success, failures in a row, items per week, "
              "last error; failing channels and quiet sources are flagged.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object per source, with its channels.")
@click.option("--all", "show_all", is_flag=True, help="Show disabled sources and channels too.")
def sources_health(as_json: bool, show_all: bool) -> None:
    views = _views(get_app())
    if not show_all:
        views = [v for v in views if v.enabled]
    if as_json:
        print_json([v.to_json() for v in views])
        return
    now = datetime.now(timezone.utc)
    rows = [_health_row(s, c, now) for s in views for c in s.channels if show_all or c.enabled]
    flagged = [s for s in views if s.quiet]
    click.echo(_table(["source", "kind", "confidence", "state", "tried", "last ok", "fails", "items/wk", "problem"], rows))
    failing = sum(r[3].startswith("FAILING") for r in rows)
    click.echo(f"\n{len(rows)} channels, {failing} failing, {len(flagged)} quiet source(s)")
    for s in flagged:
        click.echo(f"  QUIET  {s.name}: nothing since {_ago(s.last_item, now)} (usually every {s.usual_gap_days:g} days)")


def _health_row(source, channel, now: datetime) -> list[str]:
    state = channel.state.upper() if channel.state == "failing" else channel.state
    if channel.backoff_until and channel.backoff_until > now:
        state += f", waits {_ago(now, channel.backoff_until)}"
    return [source.name[:32], channel.kind, channel.confidence, state, _ago(channel.last_attempt, now),
            _ago(channel.last_success, now), str(channel.consecutive_failures), f"{channel.items_per_week:g}",
            (channel.last_error or "")[:90]]


def _ago(then: datetime | None, now: datetime) -> str:
    if then is None:
        return "never"
    seconds = abs((now - then).total_seconds())
    for unit, size in (("d", 86400), ("h", 3600), ("min", 60)):
        if seconds >= size:
            return f"{seconds / size:.0f} {unit}"
    return "now"


def _table(header: list[str], rows: list[list[str]]) -> str:
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    lines = ["  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row)).rstrip() for row in [header, *rows]]
    return "\n".join([lines[0], "  ".join("-" * w for w in widths), *lines[1:]])


@command(sources_group.command, "import",
         help="Add the sources of a TOML (veille's format) or OPML file, or with --shipped the registry shipped "
              "with veille. Sources already in the store are kept as they are, unless --update.")
@click.argument("file", required=False, type=click.Path(dir_okay=False, exists=True, path_type=Path))
@click.option("--shipped", is_flag=True, help="Import the registry shipped with veille (92 actors of civic tech).")
@click.option("--update", is_flag=True, help="Let the file overwrite the sources and channels it names.")
@click.option("--json", "as_json", is_flag=True, help="Print the counts as one JSON object.")
def sources_import(file: Path | None, shipped: bool, update: bool, as_json: bool) -> None:
    from crawlers.registry import RegistryError, read_opml, read_toml
    from store import registry as registry_store

    if bool(file) == shipped:
        raise UserError("give a FILE (.toml or .opml) or --shipped, not both")
    app = get_app()
    data = shipped_registry() if shipped else file.read_bytes()
    is_opml = file is not None and (file.suffix.lower() in (".opml", ".xml") or data.lstrip()[:1] == b"<")
    try:
        if is_opml:
            registry = read_opml(data, allow_private=app.settings.allow_private_networks)
        else:  # the shipped file is ours, checked without DNS lookups (every request is checked anyway)
            registry = read_toml(data, allow_private=app.settings.allow_private_networks, resolve=not shipped)
    except RegistryError as exc:
        raise UserError(f"{file or 'the shipped registry'}: {exc}") from None
    report = registry_store.import_actors(app.engine, registry.actors, update=update)
    for warning in registry.warnings:
        click.echo(f"warning: {warning}", err=True)
    counts = {"actors_added": report.actors_added, "channels_added": report.channels_added,
              "actors_updated": report.actors_updated, "unchanged": report.unchanged}
    if as_json:
        print_json(counts)
        return
    click.echo(f"{report.actors_added} sources added ({report.channels_added} channels), "
               f"{report.actors_updated} updated, {report.unchanged} already there")


@command(sources_group.command, "import-decidim",
         help="Seed the registry with the Decidim platforms of decidim.org's list of installations (the CSV of "
              "../shared/data/decidim-installations: title, url, type, lat, lon). Each platform becomes a source "
              "tagged decidim, its type and country inferred, read through its processes listing (and its "
              "assemblies and initiatives listings, paused: not every platform has them). Sources come "
              "disabled unless --enable. A row that cannot be imported gets one line saying why; the others "
              "are imported. Platforms already in the store are left as staff left them.")
@click.argument("file", type=click.Path(dir_okay=False, exists=True, path_type=Path))
@click.option("--country", "countries", multiple=True, metavar="CC",
              help="Only the platforms of this country (ISO code, e.g. FR); may be repeated.")
@click.option("--enable", is_flag=True,
              help="Enable the platforms added now (those known only from a web archive stay disabled).")
@click.option("--json", "as_json", is_flag=True, help="Print the counts and the rows not imported as one JSON object.")
def sources_import_decidim(file: Path, countries: tuple[str, ...], enable: bool, as_json: bool) -> None:
    from crawlers.decidim_seeds import SeedsError, read_installations
    from store import registry as registry_store

    app = get_app()
    try:
        seeds = read_installations(file.read_bytes(), {c.strip().upper() for c in countries} or None, enable,
                                   allow_private=app.settings.allow_private_networks)
    except SeedsError as exc:
        raise UserError(f"{file}: {exc}") from None
    actors, elsewhere = _not_watched_yet(app.engine, seeds.actors)
    report = registry_store.import_actors(app.engine, actors)
    counts = {"platforms": len(seeds.actors), "actors_added": report.actors_added,
              "channels_added": report.channels_added, "actors_updated": report.actors_updated,
              "unchanged": report.unchanged, "left_out": seeds.left_out,
              "by_type": _tally(a["type"] for a in seeds.actors),
              "by_country": _tally(a["country"] or "unknown" for a in seeds.actors),
              "already_watched": elsewhere, "not_imported": seeds.problems}
    if as_json:
        print_json(counts)
        return
    for line in seeds.problems + elsewhere:
        click.echo(f"skipped: {line}", err=True)
    click.echo(f"{report.actors_added} Decidim platforms added ({report.channels_added} channels, "
               f"{'enabled' if enable else 'disabled until checked'}), {report.unchanged + report.actors_updated} "
               f"already there, {len(elsewhere)} watched under another name, {len(seeds.problems)} rows not imported"
               + (f", {seeds.left_out} of other countries left out" if countries else ""))


def _not_watched_yet(engine, actors: list[dict]) -> tuple[list[dict], list[str]]:
    """The seeds minus the platforms already watched under another slug (added by hand, shipped)."""
    from crawlers.decidim_seeds import platform_key
    from store import registry as registry_store

    known = registry_store.actor_homepages(engine)
    slugs = {slug for slug, _name, _homepage in known}
    hosts = {platform_key(homepage): name for slug, name, homepage in known if homepage}
    kept, elsewhere = [], []
    for actor in actors:
        other = hosts.get(platform_key(actor["homepage"]))
        if actor["slug"] not in slugs and other is not None:
            elsewhere.append(f"{actor['name']}: {actor['homepage']} is already watched as «{other}»")
        else:
            kept.append(actor)
    return kept, elsewhere


def _tally(values) -> dict[str, int]:
    counts: dict[str, int] = {}
    for value in values:
        counts[value] = counts.get(value, 0) + 1
    return dict(sorted(counts.items(), key=lambda pair: -pair[1]))


def shipped_registry() -> bytes:
    return resources.files("veille").joinpath("registry", "sources.toml").read_bytes()


@command(sources_group.command, "export", help="Write the registry (the live one, in the store) as TOML or OPML.")
@click.option("--format", "fmt", type=click.Choice(["toml", "opml"]), default="toml", show_default=True)
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), help="Write to this file (default: stdout).")
def sources_export(fmt: str, out: Path | None) -> None:
    from crawlers.registry import write_opml, write_toml
    from store import registry as registry_store

    actors = registry_store.export_actors(get_app().engine)
    data = write_toml(actors).encode() if fmt == "toml" else write_opml(actors)
    if out is None:
        click.echo(data.decode("utf-8"), nl=False)
        return
    try:
        out.write_bytes(data)
    except OSError as exc:
        raise UserError(f"cannot write {out}: {exc.strerror}") from None
    click.echo(f"{len(actors)} sources written to {out}")
