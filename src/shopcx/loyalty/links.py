"""Members by their customer's name with a link to the member page, for the audit log."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..core.links import Links, int_ids
from ..customers.models import Customer
from .models import LoyaltyAccount


def entity_links(session: Session, entity: str, ids: set[str]) -> Links:
    if entity != "loyalty_account":
        return {}
    rows = session.execute(select(LoyaltyAccount.id, Customer.name)
                           .join(Customer, Customer.id == LoyaltyAccount.customer_id)
                           .where(LoyaltyAccount.id.in_(int_ids(ids))))
    return {str(i): (name or f"#{i}", f"/loyalty/members/{i}") for i, name in rows}
