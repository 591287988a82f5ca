"""Talking SMTP, with a hook at the one moment that matters for exactly-once.

`Transport.deliver` sends MAIL, RCPT, DATA and the whole message *except the
final dot*, then calls `claim()` (which commits the delivery's claim), and
only then sends the dot. A crash before the dot leaves the server with an
unfinished transaction, which it discards: the message was not delivered
and the delivery is not claimed. The one window where the outcome is
unknown is the dot's round trip: from the claim's commit to the caller's
record of the reply.
"""

from __future__ import annotations

import re
import smtplib
import socket
import ssl
from dataclasses import dataclass
from typing import Callable

from newsletter.config import SmtpConfig


class SmtpUnavailable(Exception):
    """The server cannot be reached or refuses us as a sender: nobody can be sent to now."""


@dataclass(frozen=True)
class Outcome:
    status: str  # sent | temporary | permanent | ambiguous | withdrawn
    detail: str = ""
    claimed: bool = False  # the claim was committed before the outcome


def _reply(code: int, message: bytes | str) -> str:
    text = message.decode("utf-8", "replace") if isinstance(message, bytes) else str(message)
    return f"{code} {' '.join(text.split())}"


def _dot_stuffed(data: bytes) -> bytes:
    data = re.sub(rb"(?m)^\.", b"..", data)
    return data if data.endswith(b"\r\n") else data + b"\r\n"


class Transport:
    """One SMTP connection, opened on first use and reopened after a failure."""

    def __init__(self, config: SmtpConfig):
        self.config = config
        self._conn: smtplib.SMTP | None = None

    def __enter__(self) -> Transport:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        if self._conn is not None:
            try:
                self._conn.quit()
            except (smtplib.SMTPException, OSError):
                pass
            self._drop()

    def _drop(self) -> None:
        # Closing the socket in the middle of DATA makes the server discard the message.
        if self._conn is not None:
            try:
                self._conn.close()
            finally:
                self._conn = None

    def _connect(self) -> smtplib.SMTP:
        c = self.config
        try:
            if c.implicit_tls:
                conn = smtplib.SMTP_SSL(c.host, c.port, timeout=c.timeout, context=ssl.create_default_context())
            else:
                conn = smtplib.SMTP(c.host, c.port, timeout=c.timeout)
                if c.starttls:
                    conn.starttls(context=ssl.create_default_context())
            # The final dot is a write of its own: without NODELAY, Nagle's algorithm
            # holds it until the server's delayed ACK, some 40 ms per message.
            conn.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            conn.ehlo_or_helo_if_needed()
            if c.user:
                conn.login(c.user, c.password)
        except smtplib.SMTPAuthenticationError as exc:
            raise SmtpUnavailable(f"the SMTP server {c.host}:{c.port} refused the login: {_reply(exc.smtp_code, exc.smtp_error)}") from None
        except (smtplib.SMTPException, OSError) as exc:
            raise SmtpUnavailable(f"cannot reach the SMTP server {c.host}:{c.port}: {exc}") from None
        return conn

    def connection(self) -> smtplib.SMTP:
        if self._conn is None:
            self._conn = self._connect()
        return self._conn

    def deliver(self, sender: str, recipient: str, data: bytes, claim: Callable[[], bool] = lambda: True) -> Outcome:
        """One message to one recipient; `claim()` runs just before the final dot."""
        fresh = self._conn is None
        outcome = self._transaction(self.connection(), sender, recipient, data, claim)
        if outcome.status == "temporary" and outcome.detail.startswith("connection lost") and not fresh:
            # An idle connection the server had closed: once more on a new one.
            outcome = self._transaction(self.connection(), sender, recipient, data, claim)
        return outcome

    def _transaction(self, conn: smtplib.SMTP, sender: str, recipient: str, data: bytes,
                     claim: Callable[[], bool]) -> Outcome:
        claimed = dot_sent = False
        try:
            code, message = conn.mail(sender)
            if code != 250:
                self._reset()
                if 500 <= code < 600:
                    raise SmtpUnavailable(f"the SMTP server refuses the sender {sender}: {_reply(code, message)}")
                return Outcome("temporary", _reply(code, message))
            for code, message, ok in self._steps(conn, recipient):
                if code not in ok:
                    self._reset()
                    return Outcome("permanent" if 500 <= code < 600 else "temporary", _reply(code, message))
            conn.send(_dot_stuffed(data))
            claimed = claim()
            if not claimed:
                self._drop()  # withdraw: the server forgets the unfinished message
                return Outcome("withdrawn")
            dot_sent = True
            conn.send(b".\r\n")
            code, message = conn.getreply()
        except (smtplib.SMTPServerDisconnected, OSError) as exc:
            self._drop()
            return Outcome("ambiguous" if dot_sent else "temporary", f"connection lost: {exc}", claimed)
        if code == 250:
            return Outcome("sent", _reply(code, message), claimed)
        return Outcome("permanent" if 500 <= code < 600 else "temporary", _reply(code, message), claimed)

    @staticmethod
    def _steps(conn: smtplib.SMTP, recipient: str):
        code, message = conn.rcpt(recipient)
        yield code, message, (250, 251)
        code, message = conn.docmd("DATA")
        yield code, message, (354,)

    def _reset(self) -> None:
        """Abandon the transaction; a server that is closing (421) gets a new connection next time."""
        try:
            self._conn.rset()
        except (smtplib.SMTPException, OSError):
            self._drop()
