"""All messaging queries."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import Session

from .models import Message, MessageSetting, Suppression


def by_key(session: Session, key: str) -> Message | None:
    return session.scalar(select(Message).where(Message.key == key))


def setting(session: Session, shop_id: int) -> MessageSetting | None:
    return session.get(MessageSetting, shop_id)


def due(session: Session, now: datetime, limit: int) -> list[Message]:
    """Queued messages whose time has come, oldest first, locked (others' locked rows skipped on PostgreSQL)."""
    stmt = (select(Message).where(Message.status == "queued", Message.next_attempt_at <= now)
            .order_by(Message.next_attempt_at, Message.id).limit(limit)
            .with_for_update(skip_locked=True))
    return list(session.scalars(stmt))


def count_due(session: Session, now: datetime) -> int:
    return session.scalar(select(func.count(Message.id)).where(Message.status == "queued",
                                                               Message.next_attempt_at <= now)) or 0


def stale_sending(session: Session, before: datetime) -> list[Message]:
    return list(session.scalars(select(Message).where(Message.status == "sending", Message.claimed_at < before)))


def sent_times(session: Session, customer_ids: Iterable[int], since: datetime) -> dict[int, list[datetime]]:
    """When each of these customers was sent anything since `since` (for the frequency caps)."""
    ids = list(set(customer_ids))
    found: dict[int, list[datetime]] = defaultdict(list)
    if not ids:
        return found
    rows = session.execute(select(Message.customer_id, Message.sent_at)
                           .where(Message.customer_id.in_(ids), Message.sent_at >= since))
    for cid, at in rows:
        found[cid].append(at)
    return found


def suppressed(session: Session, pairs: Iterable[tuple[str, str]]) -> set[tuple[str, str]]:
    """The (channel, address) pairs among these that are suppressed."""
    pairs = set(pairs)
    if not pairs:
        return set()
    addresses = {a for _, a in pairs}
    rows = session.execute(select(Suppression.channel, Suppression.address)
                           .where(Suppression.address.in_(addresses)))
    return {(c, a) for c, a in rows} & pairs


def is_suppressed(session: Session, channel: str, address: str) -> bool:
    return bool(session.scalar(select(Suppression.id).where(Suppression.channel == channel,
                                                            Suppression.address == address)))


def write_outcomes(session: Session, rows: list[dict]) -> None:
    """Bulk update of messages by primary key (each dict has `id` and the columns to set)."""
    if rows:
        session.execute(update(Message), rows)


def shops_of(session: Session, message_ids: list[int]) -> set[int | None]:
    """The shops of these messages (None: a message of no shop, such as a staff test)."""
    return set(session.scalars(select(Message.shop_id).where(Message.id.in_(message_ids)).distinct())) \
        if message_ids else set()


def skip_queued(session: Session, customer_id: int, channel: str, reason: str) -> int:
    """Stop the queued messages of one customer on one channel (they unsubscribed)."""
    result = session.execute(update(Message).where(Message.customer_id == customer_id, Message.channel == channel,
                                                   Message.status == "queued")
                             .values(status="skipped", reason=reason))
    return result.rowcount or 0


def search(session: Session, *, shop_ids: list[int] | None, statuses: tuple[str, ...] = (), channel: str | None = None,
           purpose: str | None = None, customer_id: int | None = None, failed_since: datetime | None = None,
           offset: int = 0, limit: int = 50) -> tuple[list[Message], int]:
    """Messages newest first, filtered; with the total."""
    stmt = select(Message)
    if failed_since is not None:
        stmt = stmt.where(Message.failed_at >= failed_since)
    if shop_ids is not None:
        stmt = stmt.where(or_(Message.shop_id.in_(shop_ids), Message.shop_id.is_(None)))
    if statuses:
        stmt = stmt.where(Message.status.in_(statuses))
    if channel:
        stmt = stmt.where(Message.channel == channel)
    if purpose:
        stmt = stmt.where(Message.purpose == purpose)
    if customer_id:
        stmt = stmt.where(Message.customer_id == customer_id)
    total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    rows = session.scalars(stmt.order_by(Message.id.desc()).offset(offset).limit(limit))
    return list(rows), total


def status_counts(session: Session, shop_ids: list[int] | None) -> dict[str, int]:
    stmt = select(Message.status, func.count(Message.id)).group_by(Message.status)
    if shop_ids is not None:
        stmt = stmt.where(or_(Message.shop_id.in_(shop_ids), Message.shop_id.is_(None)))
    return dict(session.execute(stmt).all())


def by_ref(session: Session, ref_type: str, ref_ids: Iterable[int]) -> list[Message]:
    ids = list(ref_ids)
    if not ids:
        return []
    return list(session.scalars(select(Message).where(Message.ref_type == ref_type, Message.ref_id.in_(ids))))


def by_keys(session: Session, keys: list[str]) -> dict[str, Message]:
    """Stored messages by idempotency key (in chunks)."""
    found: dict[str, Message] = {}
    for start in range(0, len(keys), 500):
        chunk = keys[start:start + 500]
        found |= {m.key: m for m in session.scalars(select(Message).where(Message.key.in_(chunk)))}
    return found
