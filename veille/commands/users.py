"""users add / list: the staff accounts of the web app."""

from __future__ import annotations

import sys

import click

from store.records import ROLES
from veille.commands.common import command, get_app, print_json
from veille.errors import UserError


@click.group("users", help="Staff accounts of the web app (roles: admin, editor, reader).")
def users_group() -> None:
    pass


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        # One line: what a script or a secrets manager pipes in.
        return sys.stdin.readline().rstrip("\r\n")
    return click.prompt("Password", hide_input=True, confirmation_prompt=True)


@command(users_group.command, "add", help="Create a staff account; the password is asked twice (or read from stdin).")
@click.argument("email")
@click.option("--role", type=click.Choice(ROLES), default="editor", show_default=True,
              help="admin: users and sources; editor: review and newsletter; reader: read only.")
@click.option("--name", default="", help="The person's name, as the app shows it.")
@click.option("--password-stdin", is_flag=True, help="Read the password from the first line of standard input.")
def users_add(email: str, role: str, name: str, password_stdin: bool) -> None:
    from store import users as user_store

    app = get_app()
    password = _read_password(password_stdin)
    try:
        user = user_store.add_user(app.engine, email, password, role, name)
    except user_store.AccountError as exc:
        raise UserError(str(exc)) from None
    click.echo(f"user {user.id}: {user.email} ({user.role})")


@command(users_group.command, "list", help="List the staff accounts with their roles.")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON list of accounts.")
def users_list(as_json: bool) -> None:
    from store import users as user_store

    views = user_store.list_users(get_app().engine)
    if as_json:
        print_json([{"id": u.id, "email": u.email, "name": u.name, "role": u.role, "active": u.active,
                     "created_at": u.created_at.isoformat()} for u in views])
        return
    for u in views:
        click.echo(f"{u.id:>4}  {u.email:<40} {u.role:<7}{'' if u.active else '  (inactive)'}  {u.name}")
    if not views:
        click.echo("no account yet: create one with `veille users add EMAIL --role admin`")
