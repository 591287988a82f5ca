"""Emails to the staff (alerts, the digest) through the SMTP server of the settings.

Plain smtplib: a message to a few admins needs none of the newsletter's
machinery (rates, resumable deliveries, personal links).
"""

from __future__ import annotations

import smtplib
import ssl
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from veille.settings import Settings


class MailError(Exception):
    """The SMTP server could not be reached or refused the message."""


def send_mail(settings: Settings, to: list[str], subject: str, body: str) -> None:
    message = EmailMessage()
    message["From"] = f"veille <{settings.newsletter_sender}>"
    message["To"] = ", ".join(to)
    message["Subject"] = subject
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain=settings.newsletter_sender.rpartition("@")[2] or "localhost")
    message["Auto-Submitted"] = "auto-generated"  # RFC 3834: no vacation replies to a robot
    message.set_content(body)
    try:
        with _connect(settings) as smtp:
            smtp.send_message(message)
    except (OSError, smtplib.SMTPException) as exc:
        raise MailError(f"cannot send to {', '.join(to)} via {settings.smtp_host}:{settings.smtp_port}: {exc}") from None


def _connect(settings: Settings) -> smtplib.SMTP:
    if settings.smtp_port == 465:
        smtp = smtplib.SMTP_SSL(settings.smtp_host, settings.smtp_port, timeout=30,
                                context=ssl.create_default_context())
    else:
        smtp = smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=30)
        if settings.smtp_tls:
            smtp.starttls(context=ssl.create_default_context())
    if settings.smtp_user:
        smtp.login(settings.smtp_user, settings.smtp_password.get_secret_value())
    return smtp
