"""The public addresses of the newsletter pages, shared by the emails and the web app."""

from __future__ import annotations

from newsletter.config import MailConfig
from newsletter.render import Links
from newsletter.tokens import make_token

ARCHIVE = "/newsletter"
FEED = "/newsletter/atom.xml"
SUBSCRIBE = "/newsletter/subscribe"
ISSUE = "/newsletter/{issue_id}"
CONFIRM = "/newsletter/confirm/{token}"
UNSUBSCRIBE = "/newsletter/unsubscribe/{token}"
MANAGE = "/newsletter/me/{token}"


def absolute(config: MailConfig, path: str) -> str:
    return config.public_url.rstrip("/") + path


def issue_url(config: MailConfig, issue_id: int) -> str:
    return absolute(config, ISSUE.format(issue_id=issue_id))


def personal(config: MailConfig, purpose: str, subscriber_id: int, email: str) -> str:
    token = make_token(config.secret, purpose, subscriber_id, email)
    path = {"confirm": CONFIRM, "unsubscribe": UNSUBSCRIBE, "manage": MANAGE}[purpose]
    return absolute(config, path.format(token=token))


def web_links(config: MailConfig) -> Links:
    """The web version's links: subscribe, and every issue."""
    return Links(subscribe=absolute(config, SUBSCRIBE), archive=absolute(config, ARCHIVE))
