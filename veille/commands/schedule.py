"""run, schedule, backup."""

from __future__ import annotations

import logging
import multiprocessing
import os
import signal
import threading
from pathlib import Path

import click

from veille.commands.common import command, get_app, print_json

log = logging.getLogger("veille.scheduler")


def _setup_logs() -> None:
    from veille.ops import logs

    logs.setup(get_app().settings.log_level)


@command(click.command, "run",
         help="Do one full cycle now: crawl every source, classify what is new, alert the admins of problems.")
@click.option("--json", "as_json", is_flag=True, help="Print the cycle's counts as one JSON object.")
def run_cmd(as_json: bool) -> None:
    from scheduler import run_cycle

    _setup_logs()
    result = run_cycle(get_app())  # a full disk or a database busy past every retry: one line (veille.cli)
    if as_json:
        print_json(result)
        return
    crawl, tagged = result["crawl"], result["classify"]
    click.echo(f"crawl: {crawl['new']} new items, {crawl['errors']} errors; "
               f"classify: {tagged['classified']} tagged, {tagged['relevant']} relevant"
               + (f"; alerts sent: {', '.join(result['alerts'])}" if result["alerts"] else ""))


def _on_signals(stop: threading.Event) -> None:
    """First SIGTERM/SIGINT: finish the job in progress, then exit. Second: abandon it now."""

    def handler(signum, _frame) -> None:
        if stop.is_set():
            log.error("second signal: abandoning the job in progress (its run is closed at the next start)")
            for child in multiprocessing.active_children():
                child.kill()
            os._exit(1)
        stop.set()
        log.warning("stopping: the job in progress ends first (signal again to abandon it)",
                    extra={"fields": {"signal": signal.Signals(signum).name}})

    signal.signal(signal.SIGTERM, handler)
    signal.signal(signal.SIGINT, handler)


def _serve_in_thread(app, host: str, port: int):
    import uvicorn

    from web.app import create_app

    server = uvicorn.Server(uvicorn.Config(create_app(app), host=host, port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, name="web", daemon=True)
    thread.start()
    return server, thread


@command(click.command, "schedule",
         help="Run the jobs on their schedule (settings schedule_*), in the foreground. Any number may run on "
              "one store: one runs the jobs, the others stand by. SIGTERM or Ctrl-C lets the job in progress "
              "end, then exits; a second one abandons it.")
@click.option("--serve", is_flag=True, help="Also serve the web app from this process.")
@click.option("--host", help="With --serve: address to listen on (default: setting web_host).")
@click.option("--port", type=click.IntRange(0, 65535), help="With --serve: port (default: setting web_port).")
def schedule_cmd(serve: bool, host: str | None, port: int | None) -> None:
    from scheduler import Scheduler

    _setup_logs()
    app = get_app()
    stop = threading.Event()
    scheduler = Scheduler(app, stop)  # a wrong cron expression fails here, in one line
    _on_signals(stop)
    web = None
    if serve:
        host, port = host or app.settings.web_host, app.settings.web_port if port is None else port
        web = _serve_in_thread(app, host, port)
        click.echo(f"veille is serving on http://{host}:{port}/", err=True)
    click.echo("veille schedule: " + "; ".join(scheduler.describe()) + " (UTC); Ctrl-C stops", err=True)
    try:
        scheduler.run()
    finally:
        if web is not None:
            web[0].should_exit = True
            web[1].join(timeout=10)


@command(click.command, "backup",
         help="Copy the SQLite store consistently, even while veille runs (SQLite's backup API). "
              "On PostgreSQL, use pg_dump: see the README.")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path),
              help="The copy's file (default: DATA_DIR/backups/veille-DATE.sqlite).")
@click.option("--json", "as_json", is_flag=True, help="Print file, bytes, pages and duration as one JSON object.")
def backup_cmd(out: Path | None, as_json: bool) -> None:
    from veille.ops.backup import backup, default_destination, sqlite_path

    settings = get_app().settings
    report = backup(sqlite_path(settings.store_url), out or default_destination(settings.data_dir))
    if as_json:
        print_json(report.to_json())
        return
    click.echo(f"backed up {report.bytes / 1e6:.1f} MB in {report.duration:.1f}s to")
    click.echo(str(report.path))
