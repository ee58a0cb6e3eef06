"""What the desk reads of the loyalty program: a member whose tier has the "priority service" benefit gets the next
priority up on a new ticket (and so the stricter SLA policy), and a shop may set SLA targets per tier and priority
(ahead of its channel and priority policies)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from ...core import clock
from ...core.errors import InvalidInput
from ...staff.service import audit
from .. import playbook
from ..records import SlaTierPolicy
from . import sla


@dataclass(frozen=True)
class Membership:
    """The buyer's tier code in the shop's loyalty program (None: not a member, or no program) and whether that
    tier carries priority service."""

    tier_code: str | None = None
    priority_service: bool = False


def membership(session: Session, shop_id: int, customer_id: int | None) -> Membership:
    """The buyer's membership, read once (a new ticket needs it for its priority and for its SLA targets)."""
    if customer_id is None:
        return Membership()
    from ...loyalty import service as loyalty

    program = loyalty.active(session, shop_id)
    account = loyalty.find_account(session, program.program.id, customer_id) if program else None
    if account is None:
        return Membership()
    tier = program.config.tier(account.tier_code)
    return Membership(account.tier_code, bool(tier and tier.priority_service))


def priority_service(session: Session, shop_id: int, customer_id: int | None) -> bool:
    """Does the customer's loyalty tier in this shop carry priority service?"""
    return membership(session, shop_id, customer_id).priority_service


def priority_for(session: Session, shop_id: int, customer_id: int | None, priority: str) -> str:
    """The ticket's priority once the tier's benefit is applied."""
    return playbook.raised_priority(priority, priority_service(session, shop_id, customer_id))


def tier_of(session: Session, shop_id: int, customer_id: int | None) -> str | None:
    """The customer's loyalty tier code in this shop (None: not a member, or no program)."""
    return membership(session, shop_id, customer_id).tier_code


def tier_targets(session: Session, ticket, member: Membership | None = None) -> tuple[int, int, int] | None:
    """(first response, next response, resolution) of the shop's policy for the buyer's tier and the ticket's
    priority, if there is one (`member`: the buyer's membership when the caller has read it already)."""
    tier = (member or membership(session, ticket.shop_id, ticket.customer_id)).tier_code
    if tier is None:
        return None
    row = session.scalar(select(SlaTierPolicy).where(SlaTierPolicy.shop_id == ticket.shop_id,
                                                     SlaTierPolicy.tier_code == tier,
                                                     SlaTierPolicy.priority == ticket.priority))
    return None if row is None else (row.first_response_minutes, row.next_response_minutes, row.resolution_minutes)


def tier_policies(session: Session, shop_id: int) -> list:
    return list(session.scalars(select(SlaTierPolicy).where(SlaTierPolicy.shop_id == shop_id)
                                .order_by(SlaTierPolicy.tier_code, SlaTierPolicy.priority)))


def save_tier_policy(session: Session, shop, *, tier_code: str, priority: str, first_response, next_response,
                     resolution, actor) -> object:
    """Set the targets of one tier and priority; open tickets of that priority get their due times recomputed."""
    actor.require("desk:settings")
    from ...loyalty import service as loyalty

    code = (tier_code or "").strip()
    program = loyalty.active(session, shop.id)
    if program is None or program.config.tier(code) is None:
        raise InvalidInput("unknown_tier", f"tier: '{code}' is not a tier of the shop's loyalty program", field="tier")
    priority = sla.check_choice(priority, sla.PRIORITIES, "priority")
    values = sla.policy_minutes(first_response, next_response, resolution)
    row = session.scalar(select(SlaTierPolicy).where(SlaTierPolicy.shop_id == shop.id,
                                                     SlaTierPolicy.tier_code == code,
                                                     SlaTierPolicy.priority == priority))
    row = row or SlaTierPolicy(shop_id=shop.id, tier_code=code, priority=priority)
    row.first_response_minutes, row.next_response_minutes, row.resolution_minutes = values
    row.updated_at = clock.now()
    session.add(row)
    session.flush()
    audit(session, actor, "desk.sla_tier_policy", "shop", shop.id,
          {"tier": code, "priority": priority, "minutes": list(values)})
    for ticket in sla.open_of_priority(session, shop.id, priority):
        if tier_of(session, shop.id, ticket.customer_id) == code:
            sla.retarget(session, ticket)
    return row
