"""Who works the desk: each agent's team, team lead flag, skills (categories) and weekly shift in the shop's
timezone; the shop's assignment method (round-robin or least-loaded among agents on shift, skills first).
Reassignment goes through `tickets.assign`, so the history keeps every owner."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ...core import clock
from ...core.calendar import format_hours, parse_hours
from ...core.errors import InvalidInput
from ...staff.service import Actor, audit
from .. import playbook
from ..models import Ticket
from ..records import DeskAgent, DeskRouting
from .calendar import settings_of
from .notices import active_staff
from .sla import check_choice, ticket_shop
from .tickets import CATEGORIES, assign

DESK_ROLES = ("agent", "manager", "owner")


def agents(session: Session) -> dict[int, DeskAgent]:
    """{user id: profile} of everyone with a desk profile."""
    return {row.user_id: row for row in session.scalars(select(DeskAgent))}


def save_agent(session: Session, user_id: int, *, team: str | None, is_lead: bool, skills: list[str],
               shift: list[str], actor: Actor) -> DeskAgent:
    """Set a staff member's team, lead flag, skills and shift (seven days, Monday first; all empty = no shift)."""
    actor.require("desk:settings")
    if user_id not in {u.id for u in active_staff(session)}:
        raise InvalidInput("invalid_owner", f"user: no active staff member with id {user_id}", field="owner")
    cleaned_skills = sorted({check_choice(s, CATEGORIES, "skills") for s in skills if s and s.strip()})
    if len(shift) != 7:
        raise InvalidInput("invalid_hours", "shift: seven days, Monday first", field="shift")
    parsed = [parse_hours(day, option=f"shift[{i}]") for i, day in enumerate(shift)]
    cleaned_shift = [format_hours(h) if h else "" for h in parsed]
    if not any(cleaned_shift):
        cleaned_shift = []  # no shift set: available at any hour
    row = session.scalar(select(DeskAgent).where(DeskAgent.user_id == user_id))
    if row is None:
        row = DeskAgent(user_id=user_id)
        session.add(row)
    row.team, row.is_lead = (team or "").strip()[:60] or None, bool(is_lead)
    row.skills, row.shift, row.updated_at = cleaned_skills, cleaned_shift, clock.now()
    session.flush()
    audit(session, actor, "desk.agent_saved", "staff_user", user_id,
          {"team": row.team, "lead": row.is_lead, "skills": cleaned_skills, "shift": cleaned_shift})
    return row


def method_of(session: Session, shop_id: int) -> str:
    row = session.scalar(select(DeskRouting).where(DeskRouting.shop_id == shop_id))
    return row.method if row is not None else "round_robin"


def set_method(session: Session, shop, method: str, *, actor: Actor) -> None:
    actor.require("desk:settings")
    method = check_choice(method, playbook.METHODS, "method")
    row = session.scalar(select(DeskRouting).where(DeskRouting.shop_id == shop.id))
    if row is None:
        row = DeskRouting(shop_id=shop.id)
        session.add(row)
    row.method, row.updated_at = method, clock.now()
    session.flush()
    audit(session, actor, "desk.routing", "shop", shop.id, {"method": method})


def leads_of(session: Session, user_id: int | None) -> list[int]:
    """The team leads of this person's team (none when they have no team)."""
    profiles = agents(session)
    mine = profiles.get(user_id) if user_id is not None else None
    if mine is None or not mine.team:
        return []
    return sorted(uid for uid, p in profiles.items() if p.team == mine.team and p.is_lead)


def loads(session: Session) -> dict[int, int]:
    """Open tickets per owner."""
    rows = session.execute(select(Ticket.owner_id, func.count(Ticket.id)).where(
        Ticket.owner_id.is_not(None), Ticket.status.notin_(("resolved", "closed"))).group_by(Ticket.owner_id))
    return dict(rows.all())


def auto_assign(session: Session, ticket: Ticket, *, actor: Actor, now: datetime | None = None) -> int | None:
    """Give the ticket to an agent on shift (skills by category first) by the shop's method; None when nobody is
    on shift (the ticket waits unassigned in the inbox)."""
    now = now or clock.now()
    profiles = agents(session)
    load = loads(session)
    candidates = [playbook.Candidate(u.id, tuple(profiles[u.id].shift) if u.id in profiles else (),
                                     tuple(profiles[u.id].skills) if u.id in profiles else (), load.get(u.id, 0))
                  for u in active_staff(session) if u.role == "agent"]
    if not candidates:
        return None
    settings = settings_of(session, ticket.shop_id, lock=True)
    tz_name = ticket_shop(session, ticket).timezone
    chosen = playbook.choose(candidates, category=ticket.category, at=now, tz_name=tz_name,
                             method=method_of(session, ticket.shop_id), last_user_id=settings.last_assigned_user_id)
    if chosen is not None:
        settings.last_assigned_user_id = chosen
        assign(session, ticket, chosen, actor=actor, now=now, active_checked=True)
    return chosen
