"""What happens to a message after it left: delivered, bounced (the address is suppressed), clicked through a signed
redirect, unsubscribed by its one-click link (consent withdrawn through the customers service, the customer's
queued messages on that channel stopped)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from ...core import clock
from ...customers import service as customers
from .. import links, repository
from ..models import Message, Suppression
from .log import announce_settled
from .queueing import CONSENT_OF

AFTER_SENT = ("sent", "delivered", "clicked")


def _message(session: Session, message_id: int) -> Message:
    message = session.get(Message, message_id)
    if message is None:
        raise links.LinkRefused("message_link_invalid", "this link is not valid")
    return message


def message_for_unsubscribe(session: Session, token: str) -> Message:
    """The message an unsubscribe link belongs to; LinkRefused for a forged one."""
    message_id, _ = links.verify(token, "u")
    return _message(session, message_id)


def unsubscribe(session: Session, token: str) -> Message:
    """One-click unsubscribe (RFC 8058): withdraw the consent of the message's channel; idempotent."""
    message = message_for_unsubscribe(session, token)
    now = clock.now()
    if message.unsubscribed_at is None:
        message.unsubscribed_at = now
        if message.status in AFTER_SENT:
            message.status = "unsubscribed"
    if message.customer_id is not None:
        person = customers.customers_by_ids(session, [message.customer_id]).get(message.customer_id)
        if person is not None and person.erased_at is None:
            customers.set_consent(session, person, CONSENT_OF[message.channel], False, source="unsubscribe_link")
        repository.skip_queued(session, message.customer_id, message.channel, "unsubscribed")
    session.flush()
    return message


def record_click(session: Session, message_id: int) -> None:
    """Record a click on a tracked link of a message (links.verify(token, "c") gave the id and the target)."""
    message = session.get(Message, message_id)
    if message is not None and message.clicked_at is None:
        message.clicked_at = clock.now()
        if message.status in ("sent", "delivered"):
            message.status = "clicked"
    session.flush()


def mark_delivered(session: Session, message_ids: list[int]) -> int:
    """Providers' delivery reports, or staff ticking the agents' list: sent → delivered."""
    now = clock.now()
    count = 0
    for message_id in message_ids:
        message = session.get(Message, message_id)
        if message is not None and message.status == "sent":
            message.status, message.delivered_at = "delivered", now
            count += 1
    session.flush()
    return count


def record_bounce(session: Session, channel: str, address: str, reason: str, *, message_id: int | None = None) -> None:
    """An address that bounced later (a DSN, a provider's report): suppress it; mark its message bounced."""
    if not repository.is_suppressed(session, channel, address):
        session.add(Suppression(channel=channel, address=address, reason=reason[:300], created_at=clock.now()))
    if message_id is not None:
        message = session.get(Message, message_id)
        if message is not None and message.address == address:
            message.status, message.reason, message.failed_at = "bounced", reason[:300], clock.now()
            announce_settled(session, [message.id])
    session.flush()
