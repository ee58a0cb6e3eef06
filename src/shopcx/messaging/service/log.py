"""The message log for staff and the test send."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from ...core import clock, events
from ...core.errors import InvalidInput
from ...core.outgoing import check_outgoing
from ...staff.service import Actor, audit
from .. import repository
from ..channels import Outgoing, provider_for
from ..config import get_messaging_settings
from ..models import CHANNELS, STATUS_GROUPS, STATUSES, Message


def announce_settled(session: Session, message_ids: list[int]) -> None:
    """`messages_settled` for each shop whose messages just got an outcome (sent, failed, bounced): one event per
    shop and batch, not per message, so the home page's failed sends are current (dashboard/snapshots.py)."""
    for shop_id in repository.shops_of(session, message_ids):
        events.emit(session, "messages_settled", "message", None, shop_id=shop_id, messages=len(message_ids))


def list_messages(session: Session, *, shop_ids: list[int] | None, status: str = "", channel: str = "",
                  purpose: str = "", customer_id: int | None = None, failed_since: datetime | None = None,
                  offset: int = 0, limit: int = 50) -> tuple[list[Message], int]:
    """The log newest first, filtered by status (or a group of them, models.STATUS_GROUPS), channel, purpose,
    customer or the time sending failed."""
    if status and status not in STATUSES and status not in STATUS_GROUPS:
        raise InvalidInput("invalid_message_status",
                           f"status: '{status}' is not one of {', '.join((*STATUSES, *STATUS_GROUPS))}",
                           field="status")
    if channel and channel not in CHANNELS:
        raise InvalidInput("invalid_message_channel", f"channel: '{channel}' is not one of {', '.join(CHANNELS)}",
                           field="channel")
    statuses = STATUS_GROUPS.get(status, (status,) if status else ())
    return repository.search(session, shop_ids=shop_ids, statuses=statuses, channel=channel or None,
                             purpose=purpose or None, customer_id=customer_id, failed_since=failed_since,
                             offset=offset, limit=limit)


def status_counts(session: Session, shop_ids: list[int] | None) -> dict[str, int]:
    return repository.status_counts(session, shop_ids)


def send_test(session: Session, *, shop_id: int | None, channel: str, address: str, subject: str, body: str,
              sandbox: bool = False, actor: Actor) -> Message:
    """Send one message now to a staff address (checks the channel's settings); the outcome is logged."""
    if channel not in CHANNELS or channel == "agent":
        raise InvalidInput("invalid_message_channel", f"channel: '{channel}' cannot take a test send",
                           field="channel")
    address = (address or "").strip()
    if not address or len(address) > 254:
        raise InvalidInput("invalid_test_address", "to: give the address to send the test to", field="to")
    check_outgoing(subject, "subject")
    check_outgoing(body, "body")
    now = clock.now()
    message = Message(key=f"test:{address}:{now.isoformat()}"[:200], shop_id=shop_id, customer_id=None,
                      purpose="test", occasion=now.isoformat(), channel=channel, address=address, subject=subject,
                      body=body, status="sending", attempts=1, next_attempt_at=now, queued_at=now, claimed_at=now)
    session.add(message)
    session.flush()
    provider = provider_for(channel, get_messaging_settings(), sandbox=sandbox)
    try:
        outcome = provider.send(Outgoing(message.id, channel, address, subject, body))
    finally:
        provider.close()
    message.provider, message.reason = provider.name, outcome.reason
    if outcome.status == "sent":
        message.status, message.sent_at = "sent", now
    else:
        message.status, message.failed_at = ("bounced" if outcome.status == "bounced" else "failed"), now
    audit(session, actor, "messaging.test_send", "message", message.id, {"channel": channel,
                                                                         "status": message.status})
    session.flush()
    announce_settled(session, [message.id])
    return message


def messages_for(session: Session, ref_type: str, ref_ids: list[int]) -> list[Message]:
    """The messages queued about the caller's records (e.g. survey invitations), for its own pages."""
    return repository.by_ref(session, ref_type, ref_ids)
