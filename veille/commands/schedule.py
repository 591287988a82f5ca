"""schedule, run."""

from __future__ import annotations

import click

from veille.commands.common import command, get_app, print_json


@command(click.command, "run", help="Do one full cycle now: crawl every source, then classify what is new.")
@click.option("--json", "as_json", is_flag=True, help="Print the cycle's counts as one JSON object.")
def run_cmd(as_json: bool) -> None:
    from scheduler import run_cycle

    result = run_cycle(get_app())
    if as_json:
        print_json(result)
    else:
        crawl, tagged = result["crawl"], result["classify"]
        click.echo(f"crawl: {crawl['new']} new items, {crawl['errors']} errors; "
                   f"classify: {tagged['classified']} tagged, {tagged['relevant']} relevant")


@command(click.command, "schedule", help="Run the jobs on their schedule, in the foreground (Ctrl-C stops).")
def schedule_cmd() -> None:
    from scheduler import build_scheduler

    app = get_app()
    scheduler = build_scheduler(app)
    click.echo(f"veille schedule: crawl and classify at '{app.settings.schedule_crawl}' (UTC); Ctrl-C stops")
    try:
        scheduler.start()
    except (KeyboardInterrupt, SystemExit):
        scheduler.shutdown(wait=True)
