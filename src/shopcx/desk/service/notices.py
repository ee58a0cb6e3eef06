"""In-app notices to staff (the messaging domain is not there yet): a request to decide, a decision, an SLA warning
or escalation, a promise due or broken. Each is one row per person; the inbox shows the unread ones."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from ...core import clock
from ..models import Ticket
from ..records import DeskNotice


def active_staff(session: Session):
    from ...staff import service as staff

    return [user for user in staff.list_users(session) if user.is_active]


def to_user(session: Session, ticket: Ticket | None, user_id: int, kind: str, values: dict | None = None, *,
            shop_id: int | None = None, now: datetime | None = None) -> DeskNotice:
    row = DeskNotice(shop_id=ticket.shop_id if ticket is not None else shop_id, user_id=user_id,
                     ticket_id=ticket.id if ticket is not None else None, kind=kind, values=values or {},
                     created_at=now or clock.now())
    session.add(row)
    session.flush()
    return row


def to_roles(session: Session, ticket: Ticket, roles: Iterable[str], kind: str, values: dict | None = None, *,
             skip_user_id: int | None = None, now: datetime | None = None) -> list[int]:
    """A notice to every active staff member holding one of the roles (but the one who caused it)."""
    wanted = set(roles)
    users = [u.id for u in active_staff(session) if u.role in wanted and u.id != skip_user_id]
    for user_id in users:
        to_user(session, ticket, user_id, kind, values, now=now)
    return users


def for_user(session: Session, user_id: int, *, unread_only: bool = True, limit: int = 50) -> list[DeskNotice]:
    query = select(DeskNotice).where(DeskNotice.user_id == user_id)
    if unread_only:
        query = query.where(DeskNotice.read_at.is_(None))
    return list(session.scalars(query.order_by(DeskNotice.id.desc()).limit(limit)))


def for_ticket(session: Session, ticket: Ticket) -> list[DeskNotice]:
    return list(session.scalars(select(DeskNotice).where(DeskNotice.ticket_id == ticket.id)
                                .order_by(DeskNotice.id)))


def mark_read(session: Session, user_id: int, notice_id: int | None = None) -> int:
    """Mark one notice (or all) of this person as read; returns how many."""
    rows = [n for n in for_user(session, user_id, limit=10_000) if notice_id is None or n.id == notice_id]
    for row in rows:
        row.read_at = clock.now()
    session.flush()
    return len(rows)
