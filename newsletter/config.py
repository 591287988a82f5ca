"""What the newsletter needs to know to send, passed in by the caller.

The stage never reads the settings itself; `from_settings` takes the
settings object of the top layer (anything with the same attribute names).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from newsletter.tokens import load_secret

SECRET_FILE = "secret_key"  # in DATA_DIR, shared with the web app's sessions


@dataclass(frozen=True)
class SmtpConfig:
    host: str = "localhost"
    port: int = 25
    user: str = ""
    password: str = ""
    starttls: bool = False
    timeout: float = 30.0

    @property
    def implicit_tls(self) -> bool:
        return self.port == 465  # SMTPS: TLS from the first byte


@dataclass(frozen=True)
class MailConfig:
    smtp: SmtpConfig
    sender: str
    title: str  # the newsletter's name: the From: display name
    public_url: str
    secret: str
    rate: float = 10.0  # messages per second; 0 means as fast as the server takes them
    max_attempts: int = 5
    retry_delay: float = 2.0  # seconds before the first retry, doubled for each next one

    @property
    def domain(self) -> str:
        return self.sender.rpartition("@")[2] or "localhost"


def from_settings(settings, **overrides) -> MailConfig:
    secret = load_secret(settings.secret_key.get_secret_value(), Path(settings.data_dir) / SECRET_FILE)
    smtp = SmtpConfig(
        host=settings.smtp_host, port=settings.smtp_port, user=settings.smtp_user,
        password=settings.smtp_password.get_secret_value(), starttls=settings.smtp_tls,
    )
    values = dict(
        smtp=smtp, sender=settings.newsletter_sender, title=settings.newsletter_title,
        public_url=settings.public_url.rstrip("/"), secret=secret,
        rate=settings.newsletter_rate, max_attempts=settings.newsletter_max_attempts,
    )
    values.update(overrides)
    return MailConfig(**values)
