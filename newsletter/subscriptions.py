"""Double opt-in: a subscription request and its confirmation email.

Asking twice sends the link again; asking for an address that is already
confirmed sends nothing and says the same thing on the page, so the form
does not tell a stranger who is subscribed.
"""

from __future__ import annotations

from email.utils import make_msgid

from sqlalchemy.engine import Engine

from newsletter import links
from newsletter.config import MailConfig
from newsletter.mime import Mail, to_bytes
from newsletter.render import render_confirmation
from newsletter.smtp import Outcome, Transport
from store import subscribers
from store.subscribers import NewSubscriber, SubscriberView

WEB_FORM = "double opt-in: formulaire web et lien de confirmation"
COMMAND_LINE = "double opt-in: ligne de commande et lien de confirmation"


def confirmation_mail(config: MailConfig, subscriber: SubscriberView) -> Mail:
    url = links.personal(config, "confirm", subscriber.id, subscriber.email)
    html, text = render_confirmation(name=subscriber.name, title=config.title, confirm_url=url)
    return Mail(
        sender=config.sender, sender_name=config.title, to=subscriber.email, to_name=subscriber.name,
        subject=f"Confirmez votre inscription à « {config.title} »", text=text, html=html,
        # A new id each time: a second request must not look like a copy of the first.
        message_id=make_msgid("confirm", domain=config.domain),
    )


def send_confirmation(config: MailConfig, subscriber: SubscriberView) -> Outcome:
    with Transport(config.smtp) as transport:
        return transport.deliver(config.sender, subscriber.email, to_bytes(confirmation_mail(config, subscriber)))


def request(engine: Engine, config: MailConfig, new: NewSubscriber) -> SubscriberView:
    """Record the request and email the confirmation link (unless already confirmed)."""
    subscriber = subscribers.request(engine, new)
    if subscriber.status == "pending":
        send_confirmation(config, subscriber)
    return subscriber
