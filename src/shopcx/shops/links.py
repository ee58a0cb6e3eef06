"""Shops by name, for the audit log."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..core.links import Links, int_ids
from .models import Shop


def entity_links(session: Session, entity: str, ids: set[str]) -> Links:
    if entity != "shop":
        return {}
    rows = session.execute(select(Shop.id, Shop.name).where(Shop.id.in_(int_ids(ids))))
    return {str(i): (name, None) for i, name in rows}
