"""newsletter build | list | test | schedule | send | send-due | export."""

from __future__ import annotations

from datetime import datetime, time, timedelta, timezone
from pathlib import Path

import click

from veille.commands.common import command, get_app, print_json
from veille.errors import UserError


@click.group("newsletter", help="Compose, schedule and send the watch newsletter.")
def newsletter_group() -> None:
    pass


def _day(value: datetime | None) -> datetime | None:
    return datetime.combine(value.date(), time(), tzinfo=timezone.utc) if value else None


def _period(kind: str | None, start: datetime | None, end: datetime | None) -> tuple[datetime, datetime]:
    """[since, until) for a week, a month, or the days given (default: the last 7 days)."""
    today = _day(datetime.now(timezone.utc))
    if kind == "week":
        anchor = _day(start) or today - timedelta(days=7)
        since = anchor - timedelta(days=anchor.weekday())
        return since, since + timedelta(days=7)
    if kind == "month":
        anchor = _day(start) or today.replace(day=1) - timedelta(days=1)
        since = anchor.replace(day=1)
        return since, (since + timedelta(days=32)).replace(day=1)
    until = (_day(end) or today) + timedelta(days=1)
    since = _day(start) or until - timedelta(days=7)
    if since >= until:
        raise click.BadParameter("--from must not be after --to")
    return since, until


def _mail_config():
    from newsletter.config import from_settings

    return from_settings(get_app().settings)


@command(newsletter_group.command, "build",
         help="Propose a draft issue from the items accepted in a period and write its HTML export. "
              "The period defaults to the last 7 days (--to is inclusive); --period week or month "
              "takes the calendar week or month of --from (default: the last complete one).")
@click.option("--from", "start", type=click.DateTime(["%Y-%m-%d"]), help="First day (YYYY-MM-DD).")
@click.option("--to", "end", type=click.DateTime(["%Y-%m-%d"]), help="Last day, included (YYYY-MM-DD).")
@click.option("--period", type=click.Choice(["week", "month"]), help="A calendar week or month.")
@click.option("--by", "group_by", type=click.Choice(["kind", "theme"]), default="kind", show_default=True,
              help="Sections by kind (actualités, agenda, publications, appels) or by theme.")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), help="Where to write the HTML file.")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON object with the issue's id and file.")
def newsletter_build(start, end, period, group_by, out, as_json) -> None:
    from veille import pipeline

    since, until = _period(period, start, end)
    issue_id, path = pipeline.build_newsletter(get_app(), since, until, out, group_by=group_by)
    if as_json:
        print_json({"id": issue_id, "file": str(path)})
    else:
        click.echo(f"issue {issue_id} written to")
        click.echo(str(path))


@command(newsletter_group.command, "list", help="The issues, newest first, with their status.")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON list of issues.")
def newsletter_list(as_json: bool) -> None:
    from store import newsletters

    issues = newsletters.list_issues(get_app().engine)
    rows = [
        {"id": i.id, "status": i.status, "title": i.title, "subject": i.subject,
         "period_start": i.period_start.isoformat(), "period_end": i.period_end.isoformat(),
         "send_at": i.send_at.isoformat() if i.send_at else None,
         "sent_at": i.sent_at.isoformat() if i.sent_at else None}
        for i in issues
    ]
    if as_json:
        print_json(rows)
        return
    for r in rows:
        when = r["sent_at"] or (f"scheduled {r['send_at']}" if r["send_at"] else "")
        click.echo(f"{r['id']:>5}  {r['status']:<9}  {r['title']}  {when}")


def _report(report, as_json: bool) -> None:
    if as_json:
        print_json(report.to_json())
        return
    click.echo(f"issue {report.issue_id}: {report.sent} sent, {report.failed} failed, "
               f"{report.skipped} skipped, {report.pending} pending — {report.status}")
    if report.resent:
        click.echo(f"{report.resent} interrupted by an earlier run were sent again (same Message-ID)")
    if report.pending:
        click.echo(f"run `veille newsletter send {report.issue_id}` again to retry the pending ones")


def _send(issue_id: int, as_json: bool) -> None:
    from newsletter.send import SendError, send_issue

    try:
        report = send_issue(get_app().engine, issue_id, _mail_config())
    except SendError as exc:
        raise UserError(str(exc)) from None
    _report(report, as_json)


@command(newsletter_group.command, "send",
         help="Send an issue to every confirmed subscriber through the SMTP server of the settings. "
              "Run again after an interruption: it resumes where the previous send stopped.")
@click.argument("issue_id", type=int)
@click.option("--json", "as_json", is_flag=True,
              help="Print sent, failed, skipped, resent, pending, status and duration.")
def newsletter_send(issue_id: int, as_json: bool) -> None:
    _send(issue_id, as_json)


@command(newsletter_group.command, "send-due",
         help="Send the scheduled issues whose time has come and resume interrupted sends (for cron).")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON list, one report per issue.")
def newsletter_send_due(as_json: bool) -> None:
    from newsletter.send import SendError, send_due

    try:
        reports = send_due(get_app().engine, _mail_config(), datetime.now(timezone.utc))
    except SendError as exc:
        raise UserError(str(exc)) from None
    if as_json:
        print_json([r.to_json() for r in reports])
    elif not reports:
        click.echo("nothing to send")
    for r in reports if not as_json else ():
        _report(r, False)


def _when(value: str) -> datetime:
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"not a date and time: {value!r} (e.g. 2026-12-01T08:00)") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


@command(newsletter_group.command, "schedule",
         help="Plan the send of a draft for a date and time (ISO 8601; UTC unless an offset is given); "
              "`veille newsletter send-due` or the scheduler sends it then.")
@click.argument("issue_id", type=int)
@click.option("--at", "at", help="When, e.g. 2026-12-01T08:00+01:00.")
@click.option("--cancel", is_flag=True, help="Back to a plain draft.")
def newsletter_schedule(issue_id: int, at: str | None, cancel: bool) -> None:
    from store import newsletters

    if not cancel and not at:
        raise click.UsageError("give --at DATETIME or --cancel")
    when = None if cancel else _when(at)
    try:
        newsletters.schedule(get_app().engine, issue_id, when)
    except newsletters.IssueError as exc:
        raise UserError(str(exc)) from None
    click.echo(f"issue {issue_id} " + (f"scheduled for {when.isoformat()}" if when else "is a draft again"))


@command(newsletter_group.command, "test", help="Send the issue once to an address (yours), subject marked [Test].")
@click.argument("issue_id", type=int)
@click.option("--to", "to", required=True, help="Where to send the test.")
def newsletter_test(issue_id: int, to: str) -> None:
    from newsletter.compose import issue_from_record
    from newsletter.send import send_test
    from newsletter.smtp import SmtpUnavailable
    from store import newsletters

    record = newsletters.get_issue(get_app().engine, issue_id)
    if record is None:
        raise UserError(f"no issue with id {issue_id}")
    try:
        outcome = send_test(issue_from_record(record), _mail_config(), to)
    except SmtpUnavailable as exc:
        raise UserError(str(exc)) from None
    if outcome.status != "sent":
        raise UserError(f"the SMTP server did not take the test: {outcome.detail}")
    click.echo(f"test of issue {issue_id} sent to {to}")


@command(newsletter_group.command, "export",
         help="Write an issue as HTML to paste into another mailing service (unsubscribe merge tag *|UNSUB|*).")
@click.argument("issue_id", type=int)
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), help="File to write (default: stdout).")
def newsletter_export(issue_id: int, out: Path | None) -> None:
    from newsletter.compose import issue_from_record
    from newsletter.render import render_export
    from store import newsletters

    record = newsletters.get_issue(get_app().engine, issue_id)
    if record is None:
        raise UserError(f"no issue with id {issue_id}")
    html = render_export(issue_from_record(record))
    if out is None:
        click.echo(html)
        return
    try:
        out.write_text(html, encoding="utf-8")
    except OSError as exc:
        raise UserError(f"cannot write {out}: {exc.strerror}") from None
    click.echo(str(out))
