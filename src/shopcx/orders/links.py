"""Orders by their platform number with a link, for the audit log."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..core.links import Links, int_ids
from .models import Order


def entity_links(session: Session, entity: str, ids: set[str]) -> Links:
    if entity != "order":
        return {}
    rows = session.execute(select(Order.id, Order.external_id).where(Order.id.in_(int_ids(ids))))
    return {str(i): (external, f"/orders/{i}") for i, external in rows}
