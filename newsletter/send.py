"""Sending an issue to every confirmed subscriber, exactly once, resumable.

The recipients are frozen when the send starts (one delivery row each).
Each delivery is claimed in its own committed transaction just before the
SMTP server is asked to accept it (see smtp.py), and marked sent right
after. A send killed at any moment and started again sends every delivery
not yet sent, and marks the issue sent only when none is left pending.

The one unknowable case is a kill during the final dot's round trip: the
server may have accepted the message without veille recording it. Such a
delivery is sent again on resume, with the same Message-ID, so at most one
recipient per interruption may see a copy twice, and mail clients that
deduplicate by Message-ID show it once.
"""

from __future__ import annotations

import os
import secrets
import socket
import time
from dataclasses import asdict, dataclass, replace
from datetime import timedelta
from typing import Callable

from markupsafe import escape
from sqlalchemy.engine import Engine

from newsletter import links
from newsletter.compose import Issue, issue_from_record
from newsletter.config import MailConfig
from newsletter.mime import Mail, to_bytes
from newsletter.render import Links, render_html, render_text, render_web, render_web_text
from newsletter.smtp import Outcome, SmtpUnavailable, Transport
from newsletter.tokens import message_id
from store import deliveries
from store import newsletters as issue_store
from store.deliveries import PendingDelivery
from store.taxonomy import label

LEASE_TTL = timedelta(minutes=2)
BATCH = 500
# Placeholders for the personal links: a copy is rendered once per choice of
# themes, then each recipient's links replace these.
_UNSUBSCRIBE = "https://veille.invalid/__unsubscribe__"
_MANAGE = "https://veille.invalid/__manage__"
_THEMES = "__veille_subscriber_themes__"


class SendError(Exception):
    """The send cannot start or go on; the message says why and what to do, in one line."""


@dataclass
class SendReport:
    issue_id: int
    status: str = ""  # the issue's status at the end: sent, or sending if some are left
    sent: int = 0
    failed: int = 0
    skipped: int = 0  # left after the send started
    resent: int = 0  # interrupted by a previous run, sent again
    pending: int = 0
    duration: float = 0.0

    def to_json(self) -> dict:
        data = asdict(self)
        data["duration"] = round(self.duration, 3)
        return data


class PersonalCopies:
    """Each subscriber's copy: rendered once per set of kept items, then personalised.

    Subscribers whose themes keep the same items share one rendering; their
    links and the list of their themes are swapped in afterwards.
    """

    def __init__(self, issue: Issue, config: MailConfig):
        self.issue, self.config = issue, config
        self._variants: dict[tuple, tuple[str, str]] = {}
        self._web = links.issue_url(config, issue.id) if issue.id else None

    def _variant(self, themes: tuple[str, ...]) -> tuple[str, str]:
        copy = self.issue.for_themes(themes)
        key = (bool(copy.themes), tuple(e.item_id for e in copy.items))
        if key not in self._variants:
            if len(self._variants) >= 256:  # many distinct selections: keep memory flat
                self._variants.clear()
            placeholders = Links(web=self._web, unsubscribe=_UNSUBSCRIBE, manage=_MANAGE)
            shared = replace(copy, themes=(_THEMES,) if copy.themes else ())
            self._variants[key] = (render_html(shared, placeholders), render_text(shared, placeholders))
        return self._variants[key]

    def mail(self, subscriber_id: int, email: str, name: str, themes: tuple[str, ...]) -> Mail:
        html, text = self._variant(themes)
        unsubscribe = links.personal(self.config, "unsubscribe", subscriber_id, email)
        manage = links.personal(self.config, "manage", subscriber_id, email)
        chosen = ", ".join(label("themes", t) for t in self.issue.for_themes(themes).themes)
        html = html.replace(_UNSUBSCRIBE, unsubscribe).replace(_MANAGE, manage).replace(_THEMES, str(escape(chosen)))
        text = text.replace(_UNSUBSCRIBE, unsubscribe).replace(_MANAGE, manage).replace(_THEMES, chosen)
        return Mail(
            sender=self.config.sender, sender_name=self.config.title, to=email, to_name=name,
            subject=self.issue.email_subject, text=text, html=html,
            message_id=message_id(self.config.secret, self.issue.id or 0, subscriber_id, self.config.domain),
            unsubscribe_url=unsubscribe, list_id=f"<lettre.{self.config.domain}>",
        )


class _Pace:
    """At most `rate` messages per second, without drift."""

    def __init__(self, rate: float, sleep: Callable[[float], None]):
        self.interval = 1.0 / rate if rate > 0 else 0.0
        self.sleep, self.next = sleep, time.monotonic()

    def wait(self) -> None:
        if self.interval:
            delay = self.next - time.monotonic()
            if delay > 0:
                self.sleep(delay)
            self.next = max(self.next, time.monotonic()) + self.interval


def _is_stale(owner: str) -> bool:
    """A lease held by a process of this machine that no longer runs."""
    host, _, rest = owner.partition(":")
    pid = rest.partition(":")[0]
    if host != socket.gethostname() or not pid.isdigit():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


class _Sender:
    """One run of a send: holds the lease, walks the pending deliveries."""

    def __init__(self, engine: Engine, issue: Issue, config: MailConfig, sleep: Callable[[float], None]):
        self.engine, self.issue, self.config, self.sleep = engine, issue, config, sleep
        self.copies = PersonalCopies(issue, config)
        self.report = SendReport(issue.id)
        self.pace = _Pace(config.rate, sleep)
        self.lease = f"send-issue-{issue.id}"
        self.owner = f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(4)}"
        self.renewed = time.monotonic()

    def run(self) -> SendReport:
        if not deliveries.take_lease(self.engine, self.lease, self.owner, LEASE_TTL, _is_stale):
            raise SendError(f"issue {self.issue.id} is being sent by another process; try again when it ends")
        try:
            with Transport(self.config.smtp) as transport:
                for attempt in range(self.config.max_attempts + 1):
                    if attempt:
                        self.sleep(self.config.retry_delay * 2 ** (attempt - 1))
                    if not self._pass(transport):
                        break
        finally:
            deliveries.drop_lease(self.engine, self.lease, self.owner)
        return self.report

    def _pass(self, transport: Transport) -> bool:
        """Every pending delivery once; True if some are left to retry."""
        after, left = 0, False
        while batch := deliveries.pending(self.engine, self.issue.id, after, BATCH):
            for delivery in batch:
                after = delivery.id
                left |= self._deliver(transport, delivery)
        return left

    def _keep_lease(self) -> None:
        if time.monotonic() - self.renewed > LEASE_TTL.total_seconds() / 4:
            if not deliveries.renew_lease(self.engine, self.lease, self.owner, LEASE_TTL):
                raise SendError(f"lost the lease on issue {self.issue.id}: another process took over")
            self.renewed = time.monotonic()

    def _deliver(self, transport: Transport, d: PendingDelivery) -> bool:
        """Send one delivery and record what happened; True if it stays pending for a retry."""
        if d.attempts >= self.config.max_attempts:
            deliveries.fail(self.engine, d.id, f"gave up after {d.attempts} attempts")
            self.report.failed += 1
            return False
        self._keep_lease()
        mail = self.copies.mail(d.subscriber_id, d.email, d.name, d.themes)
        self.pace.wait()
        outcome = transport.deliver(
            self.config.sender, d.email, to_bytes(mail),
            claim=lambda: deliveries.claim(self.engine, d.id, mail.message_id),
        )
        return self._record(d, outcome)

    def _record(self, d: PendingDelivery, outcome: Outcome) -> bool:
        if outcome.status == "sent":
            deliveries.mark_sent(self.engine, d.id)
            self.report.sent += 1
            self.report.resent += d.interrupted
        elif outcome.status == "withdrawn":
            deliveries.skip(self.engine, d.id, "no longer subscribed when its turn came")
            self.report.skipped += 1
        elif outcome.status == "permanent":
            deliveries.fail(self.engine, d.id, outcome.detail, bounce_subscriber=d.subscriber_id)
            self.report.failed += 1
        elif outcome.status == "ambiguous":
            return True  # claimed, outcome unknown: sent again, same Message-ID
        else:  # temporary: the server did not take it
            deliveries.release(self.engine, d.id, outcome.detail, count_attempt=not outcome.claimed)
            return True
        return False


def freeze_web_version(engine: Engine, issue: Issue, config: MailConfig) -> None:
    """The archive's copy: the issue as it was sent, without anyone's links."""
    web_links = links.web_links(config)
    issue_store.save_rendering(engine, issue.id, render_web(issue, web_links), render_web_text(issue, web_links))


def send_issue(
    engine: Engine, issue_id: int, config: MailConfig, sleep: Callable[[float], None] = time.sleep
) -> SendReport:
    """Send (or resume sending) an issue; returns what this run did."""
    started = time.perf_counter()
    record = issue_store.get_issue(engine, issue_id)
    if record is None:
        raise SendError(f"no issue with id {issue_id}")
    issue = issue_from_record(record)
    if record.status in issue_store.EDITABLE:
        freeze_web_version(engine, issue, config)
    if deliveries.start(engine, issue_id) == "sent":
        return SendReport(issue_id, "sent", duration=time.perf_counter() - started)
    try:
        report = _Sender(engine, issue, config, sleep).run()
    except SmtpUnavailable as exc:
        raise SendError(f"{exc}; issue {issue_id} stays unsent: run the send again to resume") from None
    report.status = "sent" if deliveries.finish(engine, issue_id) else "sending"
    report.pending = deliveries.progress(engine, issue_id)["pending"]
    report.duration = time.perf_counter() - started
    return report


def send_due(engine: Engine, config: MailConfig, now, sleep: Callable[[float], None] = time.sleep) -> list[SendReport]:
    """Send the scheduled issues whose time has come, and resume interrupted ones."""
    return [send_issue(engine, issue_id, config, sleep) for issue_id in issue_store.due(engine, now)]


def send_test(issue: Issue, config: MailConfig, to: str) -> Outcome:
    """The issue as a subscriber with every theme sees it, to the editor; the links are for show."""
    copies = PersonalCopies(issue, config)
    mail = copies.mail(0, to, "", ())
    mail = Mail(**{**asdict(mail), "subject": f"[Test] {mail.subject}", "unsubscribe_url": None})
    with Transport(config.smtp) as transport:
        return transport.deliver(config.sender, to, to_bytes(mail))
