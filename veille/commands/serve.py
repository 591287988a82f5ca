"""serve."""

from __future__ import annotations

import click

from veille.commands.common import command, get_app


def serve_app(app, host: str, port: int) -> None:
    """Run the web app in the foreground until interrupted."""
    import uvicorn

    from web.app import create_app

    uvicorn.run(create_app(app), host=host, port=port, log_level="warning")


@command(click.command, "serve", help="Run the web app (staff review and public archive).")
@click.option("--host", help="Address to listen on (default: setting web_host, 127.0.0.1).")
@click.option("--port", type=click.IntRange(0, 65535), help="Port to listen on (default: setting web_port, 8000).")
def serve_cmd(host: str | None, port: int | None) -> None:
    app = get_app()
    host = host or app.settings.web_host
    port = app.settings.web_port if port is None else port
    app.engine  # open the store now: a wrong URL fails here, with one line
    click.echo(f"veille is serving on http://{host}:{port}/ (Ctrl-C to stop)")
    serve_app(app, host, port)
