"""What the desk reads of the loyalty program: a member whose tier has the "priority service" benefit gets the next
priority up on a new ticket (and so the stricter SLA policy)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from .. import playbook


def priority_service(session: Session, shop_id: int, customer_id: int | None) -> bool:
    """Does the customer's loyalty tier in this shop carry priority service?"""
    if customer_id is None:
        return False
    from ...loyalty import service as loyalty

    program = loyalty.active(session, shop_id)
    account = loyalty.find_account(session, program.program.id, customer_id) if program else None
    tier = program.config.tier(account.tier_code) if account is not None else None
    return bool(tier and tier.priority_service)


def priority_for(session: Session, shop_id: int, customer_id: int | None, priority: str) -> str:
    """The ticket's priority once the tier's benefit is applied."""
    return playbook.raised_priority(priority, priority_service(session, shop_id, customer_id))
