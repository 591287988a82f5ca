"""A real SMTP server on loopback (aiosmtpd) that keeps what it accepted."""

from __future__ import annotations

import email
import email.policy
import threading
from contextlib import contextmanager
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Callable

from aiosmtpd.controller import Controller

from tests.servers import free_port


@dataclass
class Received:
    sender: str
    recipients: list[str]
    data: bytes

    @property
    def message(self) -> EmailMessage:
        return email.message_from_bytes(self.data, policy=email.policy.default)

    def part(self, subtype: str) -> str:
        return self.message.get_body((subtype,)).get_content().replace("\r\n", "\n")


class Inbox:
    """The handler: accepts everything, except the addresses told to refuse.

    `on_mail`, `on_rcpt` and `on_data(inbox, envelope)` run at each step of
    a transaction (`on_data` once the whole message arrived, before it is
    kept): the kill tests use them to stop the sender at a chosen moment.
    """

    def __init__(self):
        self.messages: list[Received] = []
        self.refuse: dict[str, str] = {}  # address -> SMTP reply to RCPT
        self.on_mail: Callable | None = None
        self.on_rcpt: Callable | None = None
        self.on_data: Callable | None = None
        self.transactions = 0  # MAIL commands seen
        self.lock = threading.Lock()

    async def handle_MAIL(self, server, session, envelope, address, mail_options):
        self.transactions += 1
        if self.on_mail is not None:
            self.on_mail(self, envelope)
        envelope.mail_from = address
        return "250 OK"

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.on_rcpt is not None:
            self.on_rcpt(self, envelope)
        if address in self.refuse:
            return self.refuse[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.on_data is not None:
            self.on_data(self, envelope)
        with self.lock:
            self.messages.append(Received(envelope.mail_from, list(envelope.rcpt_tos), envelope.original_content))
        return "250 Message accepted for delivery"

    def to(self, address: str) -> list[Received]:
        with self.lock:
            return [m for m in self.messages if address in m.recipients]


@contextmanager
def smtp_server():
    """Yields (port, inbox) of an SMTP server on 127.0.0.1."""
    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield port, inbox
    finally:
        controller.stop()
