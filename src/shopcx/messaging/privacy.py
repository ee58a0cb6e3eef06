"""Messaging's part of a buyer's data rights: export the messages sent to them; erase the address, subject and
body of each (status and times stay, so campaign counts and uplift do not move) and turn a suppression of their
address into a one-way hash; retention empties message bodies older than N days."""

from __future__ import annotations

import hashlib

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from ..core.privacy import ERASED, Erasure
from ..core.rows import row_dict
from .models import Message, Suppression


def erase(session: Session, erasure: Erasure) -> None:
    for m in session.scalars(select(Message).where(Message.customer_id == erasure.customer_id)):
        m.address, m.subject, m.body, m.html = None, "", ERASED, None
        m.reason = erasure.scrub(m.reason)
    if erasure.needles:
        lowered = [n.lower() for n in erasure.needles]
        for s in session.scalars(select(Suppression).where(or_(*(Suppression.address == n for n in lowered),
                                                                *(Suppression.address == n for n in erasure.needles)))):
            s.address = "sha256:" + hashlib.sha256(s.address.encode()).hexdigest()[:40]
            s.reason = erasure.scrub(s.reason)
    session.flush()


def export(session: Session, customer_id: int) -> dict[str, list[dict]]:
    rows = session.scalars(select(Message).where(Message.customer_id == customer_id).order_by(Message.id))
    return {"message": [row_dict(m) for m in rows]}


def expire(session: Session, *, raw_before, messages_before) -> int:
    """Empty the bodies of messages sent (or given up) before messages_before; queued ones keep theirs."""
    rows = list(session.scalars(select(Message).where(Message.queued_at < messages_before,
                                                      Message.status != "queued", Message.body != "")))
    for m in rows:
        m.body, m.html = "", None
    session.flush()
    return len(rows)
