"""The audit log's part of an erasure: the log keeps that each change happened (who, when, what kind), but every
mention of the erased buyer in the recorded values is replaced."""

from __future__ import annotations

import json

from sqlalchemy import Text, cast, or_, select
from sqlalchemy.orm import Session

from ..core.privacy import Erasure
from ..core.search import contains
from .models import AuditLog


def erase(session: Session, erasure: Erasure) -> None:
    if not erasure.needles:
        return
    # JSON is stored with non-ASCII escaped (\\u738b): look for both spellings.
    forms = {f for n in erasure.needles for f in (n, json.dumps(n)[1:-1])}
    text = cast(AuditLog.changes, Text)
    where = or_(*(contains(text, f) for f in forms),
                (AuditLog.entity == "customer") & (AuditLog.entity_id == str(erasure.customer_id)))
    for row in session.scalars(select(AuditLog).where(where)):
        row.changes = erasure.scrub_json(row.changes)
    session.flush()


def export(session: Session, customer_id: int) -> dict[str, list[dict]]:
    return {}
