"""Options every command accepts, and the App they lead to."""

from __future__ import annotations

import functools
import json
from pathlib import Path

import click

from veille.app import App
from veille.settings import load_settings


def _remember(ctx: click.Context, param: click.Parameter, value):
    if value is not None:
        ctx.find_root().meta[f"veille.{param.name}"] = value
    return value


def options(func):
    """Add --data-dir and --config, valid before or after the subcommand name."""
    func = click.option(
        "--data-dir",
        type=click.Path(file_okay=False, path_type=Path),
        envvar="VEILLE_DATA_DIR",
        expose_value=False,
        callback=_remember,
        help="Where the store, models and outputs live (env VEILLE_DATA_DIR).",
    )(func)
    func = click.option(
        "--config",
        type=click.Path(dir_okay=False, path_type=Path),
        expose_value=False,
        callback=_remember,
        help="Settings file (default ./veille.toml; env VEILLE_CONFIG).",
    )(func)
    return func


def command(group_or_cli, *args, **kwargs):
    """A click command with the common options."""

    def wrap(func):
        return group_or_cli(*args, **kwargs)(options(func))

    return wrap


def get_app(**overrides) -> App:
    """The App for this invocation, built once from settings and flags."""
    root = click.get_current_context().find_root()
    if "veille.app" not in root.meta:
        settings = load_settings(
            root.meta.get("veille.config"), data_dir=root.meta.get("veille.data_dir"), **overrides
        )
        root.meta["veille.app"] = App(settings)
    return root.meta["veille.app"]


def print_json(value) -> None:
    click.echo(json.dumps(value, ensure_ascii=False, indent=2, default=str))


def user_errors(*exceptions):
    """Turn library exceptions a user can fix into one clear line."""

    def decorate(func):
        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            from veille.errors import UserError

            try:
                return func(*args, **kwargs)
            except exceptions as exc:
                raise UserError(str(exc)) from None

        return wrapper

    return decorate
