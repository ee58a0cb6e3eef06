"""Customers by name with a link, for pages that list records of several domains (the audit log)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..core.links import Links, int_ids
from .models import Customer


def entity_links(session: Session, entity: str, ids: set[str]) -> Links:
    if entity != "customer":
        return {}
    rows = session.execute(select(Customer.id, Customer.name).where(Customer.id.in_(int_ids(ids))))
    return {str(i): (name or f"#{i}", f"/customers/{i}") for i, name in rows}
