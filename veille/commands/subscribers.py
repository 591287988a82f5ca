"""subscribers add | import | export | list | unsubscribe | erase."""

from __future__ import annotations

import csv
import io
import sys
from datetime import datetime, timezone
from pathlib import Path

import click

from veille.commands.common import command, get_app, print_json
from veille.errors import UserError

COLUMNS = ("email", "name", "status", "themes", "consent_at", "consent_method",
           "created_at", "confirmed_at", "unsubscribed_at")
IMPORTED = "import: consentement recueilli hors de veille"


@click.group("subscribers", help="The newsletter's subscribers: add, import, export, list, erase.")
def subscribers_group() -> None:
    pass


def _themes(value: str | None) -> tuple[str, ...]:
    return tuple(t for t in (value or "").replace(";", ",").replace("|", ",").split(",") if t.strip())


def _confirmations(views) -> int:
    """Email the confirmation link to new pending subscribers; returns how many were sent."""
    from newsletter.config import from_settings
    from newsletter.smtp import SmtpUnavailable
    from newsletter.subscriptions import send_confirmation

    config = from_settings(get_app().settings)
    sent = 0
    try:
        for view in views:
            sent += send_confirmation(config, view).status == "sent"
    except SmtpUnavailable as exc:
        raise UserError(f"{exc}; the subscribers are recorded, pending confirmation") from None
    return sent


@command(subscribers_group.command, "add",
         help="Subscribe an address. Without --confirmed it stays pending and receives the confirmation "
              "email (double opt-in); --confirmed records consent collected elsewhere.")
@click.argument("email")
@click.option("--name", default="", help="The person's name (shown in the To: header).")
@click.option("--confirmed", is_flag=True, help="Consent already collected: confirmed at once.")
@click.option("--themes", help="Comma-separated theme slugs; the subscriber receives only those.")
def subscribers_add(email: str, name: str, confirmed: bool, themes: str | None) -> None:
    from store import subscribers
    from store.subscribers import NewSubscriber, SubscriberError

    method = "ligne de commande: consentement recueilli hors de veille" if confirmed else None
    try:
        view = subscribers.add(get_app().engine, NewSubscriber(email, name, _themes(themes)),
                               confirmed=confirmed, method=method)
    except SubscriberError as exc:
        raise UserError(str(exc)) from None
    if not confirmed:
        _confirmations([view])
        click.echo(f"{view.email} is pending: a confirmation link was emailed")
    else:
        click.echo(f"{view.email} is subscribed")


def _read_rows(path: Path) -> tuple[list, dict[str, datetime]]:
    from store.subscribers import NewSubscriber

    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise UserError(f"cannot read {path}: {exc}") from None
    # Spreadsheets export with commas, semicolons (French locales) or tabs: the header tells.
    header = text.split("\n", 1)[0]
    delimiter = max(",;\t", key=header.count)
    reader = csv.DictReader(io.StringIO(text), delimiter=delimiter)
    fields = [f.strip().lower() for f in reader.fieldnames or []]
    if "email" not in fields:
        raise UserError(f"{path}: no 'email' column (found: {', '.join(fields) or 'nothing'})")
    rows, consent = [], {}
    for raw in reader:
        row = {(k or "").strip().lower(): (v or "").strip() for k, v in raw.items()}
        if not row.get("email"):
            continue
        rows.append(NewSubscriber(row["email"], row.get("name", ""), _themes(row.get("themes"))))
        if row.get("consent_at"):
            try:
                consent[row["email"].lower()] = datetime.fromisoformat(row["consent_at"])
            except ValueError:
                pass
    return rows, consent


@command(subscribers_group.command, "import",
         help="Add the subscribers of a CSV file (an 'email' column; optional 'name', 'themes', "
              "'consent_at'). Known addresses are left as they are. With --confirmed, consent was "
              "collected elsewhere and is recorded as such; otherwise each new address is emailed "
              "a confirmation link.")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--confirmed", is_flag=True, help="Consent collected elsewhere: confirmed at once.")
@click.option("--json", "as_json", is_flag=True, help="Print added, skipped and confirmations_sent.")
def subscribers_import(file: Path, confirmed: bool, as_json: bool) -> None:
    from store import subscribers
    from store.subscribers import SubscriberError

    rows, consent = _read_rows(file)
    try:
        added, skipped = subscribers.import_many(get_app().engine, rows, confirmed=confirmed,
                                                 method=IMPORTED, consent_dates=consent)
    except SubscriberError as exc:
        raise UserError(f"{file}: {exc}; nothing imported") from None
    sent = 0 if confirmed else _confirmations(added)
    if as_json:
        print_json({"added": len(added), "skipped": skipped, "confirmations_sent": sent})
        return
    click.echo(f"{len(added)} added, {skipped} already known" + ("" if confirmed else f", {sent} confirmation emails sent"))


@command(subscribers_group.command, "export",
         help="Write every subscriber as CSV (the columns `import` reads, plus status and dates).")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), help="File to write (default: stdout).")
def subscribers_export(out: Path | None) -> None:
    from store import subscribers

    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    for view in subscribers.list_all(get_app().engine):
        data = view.to_json()
        data["themes"] = ",".join(view.themes)
        writer.writerow({k: data[k] if data[k] is not None else "" for k in COLUMNS})
    if out is None:
        sys.stdout.write(buffer.getvalue())
        return
    try:
        out.write_text(buffer.getvalue(), encoding="utf-8")
    except OSError as exc:
        raise UserError(f"cannot write {out}: {exc.strerror}") from None
    click.echo(str(out))


@command(subscribers_group.command, "list", help="The subscribers with their status and themes.")
@click.option("--status", type=click.Choice(["pending", "confirmed", "unsubscribed"]), help="Only this status.")
@click.option("--json", "as_json", is_flag=True,
              help="Print a JSON list: id, email, name, status, themes, consent and dates.")
def subscribers_list(status: str | None, as_json: bool) -> None:
    from store import subscribers

    views = subscribers.list_all(get_app().engine, status)
    if as_json:
        print_json([v.to_json() for v in views])
        return
    for v in views:
        themes = ",".join(v.themes) or "tous les thèmes"
        bounce = f"  (refusé : {v.bounce_error})" if v.bounce_error else ""
        click.echo(f"{v.email}  {v.status}  {themes}{bounce}")
    click.echo(f"{len(views)} subscribers")


def _find(email: str):
    from store import subscribers

    view = subscribers.by_email(get_app().engine, email)
    if view is None:
        raise UserError(f"no subscriber {email}")
    return view


@command(subscribers_group.command, "unsubscribe", help="Stop sending to an address (kept, as unsubscribed).")
@click.argument("email")
def subscribers_unsubscribe(email: str) -> None:
    from store import subscribers

    subscribers.unsubscribe(get_app().engine, _find(email).id)
    click.echo(f"{email} is unsubscribed")


@command(subscribers_group.command, "erase", help="Delete an address and its delivery history (GDPR erasure).")
@click.argument("email")
def subscribers_erase(email: str) -> None:
    from store import subscribers

    subscribers.erase(get_app().engine, _find(email).id)
    click.echo(f"{email} is erased, with its delivery history "
               f"({datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC)")
