"""db, config, crawl, classify, search, extract, runs."""

from __future__ import annotations

import json
from pathlib import Path

import click

from veille.commands.common import command, get_app, print_json
from veille.errors import UserError
from veille.settings import SECRETS, describe


@click.group("db", help="Manage the store's schema.")
def db_group() -> None:
    pass


@command(db_group.command, "upgrade", help="Create or upgrade the store's tables to the latest schema.")
def db_upgrade() -> None:
    from store import migrate
    from store.db import StoreError, open_engine

    app = get_app()

    try:
        engine = open_engine(app.settings.store_url)
    except StoreError as exc:
        raise UserError(str(exc)) from None
    before = migrate.current_revision(engine)
    migrate.upgrade(engine)
    after = migrate.current_revision(engine)
    click.echo(f"schema {before or 'empty'} → {after}" if before != after else f"schema up to date ({after})")


@click.group("config", help="Inspect the settings.")
def config_group() -> None:
    pass


@command(config_group.command, "show", help="Print the effective settings (secrets masked) and where each comes from.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
def config_show(as_json: bool) -> None:
    settings = get_app().settings
    values = {}
    for name, _help in describe():
        value = getattr(settings, name)
        if name in SECRETS:
            value = "********" if value.get_secret_value() else ""
        values[name] = str(value) if isinstance(value, Path) else value
    if as_json:
        print_json(values)
        return
    for name, help_text in describe():
        click.echo(f"{name} = {json.dumps(values[name], ensure_ascii=False, default=str)}")
        click.echo(f"    {help_text}  [env VEILLE_{name.upper()}]")


@command(click.command, "crawl", help="Collect new items from the watched sources, then print what happened.")
@click.option("--source", "source_id", type=int, help="Only this source (an id from `veille sources list`).")
@click.option("--group", help="Only the sources of this crawl group (tag group:NAME); workers of different "
              "groups crawl side by side.")
@click.option("--json", "as_json", is_flag=True, help="Print the run as one JSON object: counts and one entry per channel.")
def crawl_cmd(source_id: int | None, group: str | None, as_json: bool) -> None:
    from store import items as item_store
    from veille import pipeline
    from veille.ops.progress import watching

    app = get_app()
    with watching("crawl", lambda: item_store.count_items(app.engine), unit="new items"):
        report = pipeline.crawl(app, source_id, group=group)
    if as_json:
        print_json(report.to_json())
        return
    click.echo(
        f"fetched {report.fetched}, new {report.new}, duplicates {report.duplicates}, "
        f"errors {report.errors} in {report.duration:.1f}s"
    )
    for channel in report.channels:
        if channel.error:
            click.echo(f"  error  {channel.url}: {channel.error}")


@command(click.command, "classify", help="Tag the items that have no classification yet.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object with the counts.")
def classify_cmd(as_json: bool) -> None:
    from veille import pipeline
    from veille.ops.progress import Progress

    progress = Progress("classify", unit="items")

    def on_progress(done: int, total: int, relevant: int) -> None:
        progress.total = total
        progress.update(done, relevant=relevant)

    report = pipeline.classify(get_app(), on_progress=on_progress)
    progress.close()
    if as_json:
        print_json(report.to_json())
    else:
        click.echo(f"classified {report.classified} items ({report.relevant} relevant) with {report.model_version}")


@command(click.command, "search", help="Search the archive; with no QUERY, list the latest items.")
@click.argument("query", required=False)
@click.option("--limit", default=20, show_default=True, type=click.IntRange(1, 10_000), help="Most items shown.")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON list of items with their tags.")
def search_cmd(query: str | None, limit: int, as_json: bool) -> None:
    from store import items as item_store

    views = item_store.search(get_app().engine, query, limit=limit)
    if as_json:
        print_json([v.to_json() for v in views])
        return
    for v in views:
        date = (v.published or v.collected).date().isoformat()
        tags = ", ".join(filter(None, [v.purpose, v.kind, *v.themes]))
        flag = {True: "+", False: "-", None: "?"}[v.relevant]
        click.echo(f"{v.id:>6} {flag} {date}  {v.title[:80]}  [{v.source}]{'  ' + tags if tags else ''}")
    if not views:
        click.echo("no item found")


@command(click.command, "extract", help="Show what veille extracts from pages (title, text, date, author, language, "
         "lead image). An input is an HTML file (gzipped or not), a directory (the HTML files below it) or a URL.")
@click.argument("inputs", nargs=-1, required=True, metavar="FILE_DIR_OR_URL...")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per input and per line, with the input under `input`.")
def extract_cmd(inputs: tuple[str, ...], as_json: bool) -> None:
    from veille.extracting import extract_inputs

    failed = 0
    for result in extract_inputs(get_app(), inputs):
        failed += "error" in result
        if as_json:
            click.echo(json.dumps(result, ensure_ascii=False, default=str))
            continue
        click.echo(f"== {result['input']}")
        if "error" in result:
            click.echo(f"error: {result['error']}")
            continue
        for key in ("title", "author", "published", "language", "image"):
            click.echo(f"{key}: {result.get(key) or ''}")
        click.echo(f"\n{result.get('text', '')}\n")
    if failed:
        raise click.exceptions.Exit(1)


@command(click.command, "runs", help="List the last runs (crawl, classify, newsletter…) with counts and errors.")
@click.option("--limit", default=20, show_default=True, type=click.IntRange(1, 1000))
@click.option("--json", "as_json", is_flag=True, help="Print a JSON list.")
def runs_cmd(limit: int, as_json: bool) -> None:
    from store import runs as run_store

    views = run_store.list_runs(get_app().engine, limit)
    if as_json:
        print_json([v.__dict__ for v in views])
        return
    for r in views:
        counts = " ".join(f"{k}={v}" for k, v in r.counts.items())
        click.echo(f"{r.id:>5} {r.kind:<10} {r.status:<8} {r.started_at:%Y-%m-%d %H:%M}  {counts}")
        for err in r.errors[:5]:
            click.echo(f"        ! {err}")
