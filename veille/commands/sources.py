"""sources add / list."""

from __future__ import annotations

from urllib.parse import urlsplit

import click

from store import sources as source_store
from veille.commands.common import command, get_app, print_json
from veille.errors import UserError

ACTOR_TYPES = (
    "startup", "association", "public-institution", "local-authority",
    "company", "research", "media", "international-body",
)


@click.group("sources", help="The registry of watched actors and their channels.")
def sources_group() -> None:
    pass


@command(sources_group.command, "add", help="Watch a new source: URL is its feed (or a listing page with --kind listing).")
@click.argument("url")
@click.option("--name", help="The actor's name (default: the site's host name).")
@click.option("--kind", type=click.Choice(["feed", "listing", "page"]), default="feed", show_default=True,
              help="What URL is.")
@click.option("--type", "actor_type", type=click.Choice(ACTOR_TYPES), default="association", show_default=True,
              help="What kind of actor publishes it.")
@click.option("--language", default="fr", show_default=True, help="The source's main language.")
def sources_add(url: str, name: str | None, kind: str, actor_type: str, language: str) -> None:
    from crawlers.safety import UnsafeURL, check_url

    app = get_app()
    try:
        check_url(url, allow_private=app.settings.allow_private_networks)
    except UnsafeURL as exc:
        raise UserError(f"refused {url}: {exc}") from None
    parts = urlsplit(url)
    name = name or parts.hostname or url
    actor_id = source_store.upsert_actor(
        app.engine,
        name=name,
        channels=[{"kind": kind, "url": url}],
        type=actor_type,
        language=language,
        homepage=f"{parts.scheme}://{parts.netloc}/",
    )
    click.echo(f"source {actor_id}: {name} ({kind} {url})")


@command(sources_group.command, "list", help="List the sources with their channels and health.")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON list of sources with their channels.")
def sources_list(as_json: bool) -> None:
    views = source_store.list_sources(get_app().engine)
    if as_json:
        print_json([v.to_json() for v in views])
        return
    for s in views:
        state = "" if s.enabled else "  (paused)"
        click.echo(f"{s.id:>4}  {s.name}  [{s.type}]{state}")
        for c in s.channels:
            health = "never crawled" if not c.last_attempt else ("error: " + c.last_error if c.last_error else "ok")
            click.echo(f"        {c.kind:<8} {c.url}  — {health}")
    if not views:
        click.echo("no source yet: add one with `veille sources add URL`")
