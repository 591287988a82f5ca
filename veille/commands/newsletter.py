"""newsletter build."""

from __future__ import annotations

from datetime import datetime, time, timedelta, timezone
from pathlib import Path

import click

from veille import pipeline
from veille.commands.common import command, get_app, print_json


@click.group("newsletter", help="Compose the watch newsletter.")
def newsletter_group() -> None:
    pass


def _day(value: datetime | None) -> datetime | None:
    return datetime.combine(value.date(), time(), tzinfo=timezone.utc) if value else None


@command(newsletter_group.command, "build",
         help="Compose an issue from the items accepted in a period and write its HTML file. "
              "The period defaults to the last 7 days; --to is inclusive.")
@click.option("--from", "start", type=click.DateTime(["%Y-%m-%d"]), help="First day (YYYY-MM-DD).")
@click.option("--to", "end", type=click.DateTime(["%Y-%m-%d"]), help="Last day, included (YYYY-MM-DD).")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), help="Where to write the HTML file.")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON object with the issue's id and file.")
def newsletter_build(start: datetime | None, end: datetime | None, out: Path | None, as_json: bool) -> None:
    end_day = _day(end) or _day(datetime.now(timezone.utc))
    until = end_day + timedelta(days=1)
    since = _day(start) or until - timedelta(days=7)
    if since >= until:
        raise click.BadParameter("--from must not be after --to")
    issue_id, path = pipeline.build_newsletter(get_app(), since, until, out)
    if as_json:
        print_json({"id": issue_id, "file": str(path)})
    else:
        click.echo(f"issue {issue_id} written to")
        click.echo(str(path))
