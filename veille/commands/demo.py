"""demo."""

from __future__ import annotations

import socket

import click

from veille.commands.common import command, get_app
from veille.commands.serve import serve_app


def _free(host: str, port: int) -> bool:
    with socket.socket() as s:
        try:
            s.bind((host, port))
        except OSError:
            return False
    return True


@command(click.command, "demo",
         help="Run the whole job offline on a bundled fixture web: serve the demo sites on 127.0.0.1, "
              "crawl them, tag the items, build a newsletter, then serve the web app. Works in "
              "DATA_DIR/demo, emptied first; the real archive is never touched.")
@click.option("--no-serve", is_flag=True,
              help="Stop once the newsletter file is written; the last line printed is its path.")
@click.option("--port", type=click.IntRange(0, 65535), default=8000, show_default=True,
              help="Port of the web app (a free one is taken if it is busy).")
def demo_cmd(no_serve: bool, port: int) -> None:
    from veille.demo.run import run_demo

    app, web, path = run_demo(get_app().settings, click.echo)
    try:
        if no_serve:
            click.echo("newsletter file:")
            click.echo(str(path))
            return
        host = "127.0.0.1"
        if port and not _free(host, port):
            click.echo(f"port {port} is busy, taking a free one")
            port = 0
        if port == 0:
            with socket.socket() as s:
                s.bind((host, 0))
                port = s.getsockname()[1]
        click.echo(f"newsletter file: {path}")
        click.echo(f"web app: http://{host}:{port}/ (Ctrl-C to stop)")
        serve_app(app, host, port)
    finally:
        web.stop()
