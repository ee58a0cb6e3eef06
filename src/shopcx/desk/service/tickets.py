"""Tickets: create one from staff input, the thread (buyer messages, public replies, internal notes), the one
status transition, assignment (round-robin among agents) and the SLA clocks that follow them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ...core import clock, events
from ...core.errors import Conflict, InvalidInput, NotFound
from ...core.outgoing import check_outgoing
from ...staff.service import Actor, audit
from ..models import Ticket, TicketEvent, TicketMessage, TicketPause
from ..webhooks.service import emit as hook
from . import sla

STATUSES = ("new", "open", "waiting_buyer", "waiting_us", "resolved", "closed", "reopened")
WORKING = ("open", "waiting_us", "reopened")
# The allowed moves; a status not listed as a key is final (closed: a buyer writing again opens a new ticket).
TRANSITIONS: dict[str, tuple[str, ...]] = {
    "new": ("open", "waiting_buyer", "waiting_us", "resolved"),
    "open": ("waiting_buyer", "waiting_us", "resolved"),
    "waiting_buyer": ("open", "waiting_us", "resolved"),
    "waiting_us": ("open", "waiting_buyer", "resolved"),
    "reopened": ("open", "waiting_buyer", "waiting_us", "resolved"),
    "resolved": ("closed", "reopened"),
}
CATEGORIES = ("quality", "description", "service", "logistics", "packaging", "price", "privacy", "other")
MESSAGE_KINDS = ("buyer", "reply", "note")
MAX_BODY = 20_000


class InvalidTicketTransition(Conflict):
    pass


def _text(value: str | None, field: str, limit: int) -> str:
    text = (value or "").strip()
    if not text:
        raise InvalidInput("required", f"{field}: this field is required", field=field)
    if len(text) > limit:
        raise InvalidInput("too_long", f"{field}: at most {limit} characters ({len(text)} given)", field=field,
                           values={"limit": limit})
    return text


def _event(session: Session, ticket: Ticket, kind: str, before, after, actor: Actor, at: datetime) -> None:
    session.add(TicketEvent(ticket_id=ticket.id, kind=kind, before=None if before is None else str(before)[:120],
                            after=None if after is None else str(after)[:120], actor=actor.label, at=at))


def get_ticket(session: Session, ticket_id: int, *, shop_id: int | None = None) -> Ticket:
    ticket = session.get(Ticket, ticket_id)
    if ticket is None or (shop_id is not None and ticket.shop_id != shop_id):
        raise NotFound("ticket_not_found", f"ticket: no ticket with id {ticket_id}", field="ticket")
    return ticket


def _order_for(session: Session, shop, order_ref) -> object | None:
    """An order of this shop by id or by the platform's order number; errors name the field."""
    from ...orders import repository as orders_repo
    from ...orders import service as orders

    ref = str(order_ref or "").strip()
    if not ref:
        return None
    found = None
    for source in (shop.platform, "taobao", "tmall", "jd", "pdd", "douyin", "shopify", "generic", "other"):
        found = orders_repo.by_external_id(session, shop.id, source, ref, lean=True)
        if found is not None:
            break
    if found is None and ref.isdigit() and len(ref) < 12:
        try:
            found = orders.get_order(session, int(ref))
        except NotFound:
            found = None
    if found is None or found.shop_id != shop.id:
        raise NotFound("order_not_found", f"order: no order '{ref}' in shop {shop.code}", field="order")
    return found


def create_ticket(session: Session, shop, *, channel: str, subject: str, body: str, actor: Actor,
                  order: str | int | None = None, customer_id: int | None = None, priority: str = "normal",
                  category: str | None = None, tags: list[str] | None = None, team: str | None = None,
                  assign: bool = True, external_key: str | None = None, now: datetime | None = None) -> Ticket:
    """A ticket from staff input (a phone call written down, a pasted 旺旺/千牛 chat) or the API: the buyer's words
    are its first message; the order (by number or id) brings its customer and latest shipment.

    With an `external_key` (the sender's id for it) a replay returns the ticket already made, unchanged; see
    `existing_ticket`."""
    actor.require("desk:write")
    now = now or clock.now()
    external_key = (external_key or "").strip() or None
    if external_key is not None:
        if len(external_key) > 120:
            raise InvalidInput("too_long", "key: at most 120 characters", field="key", values={"limit": 120})
        found_ticket = existing_ticket(session, shop.id, external_key)
        if found_ticket is not None:
            return found_ticket
    channel = sla.check_choice(channel, sla.CHANNELS, "channel")
    priority = sla.check_choice(priority or "normal", sla.PRIORITIES, "priority")
    category = sla.check_choice(category, CATEGORIES, "category", optional=True)
    subject = _text(subject, "subject", 200)
    body = _text(body, "body", MAX_BODY)
    found = _order_for(session, shop, order)
    shipment = found.shipments[-1] if found is not None and found.shipments else None
    if found is not None and customer_id is not None and found.customer_id not in (None, customer_id):
        raise InvalidInput("customer_mismatch", "customer: the order belongs to another customer", field="customer")
    ticket = Ticket(shop_id=shop.id, channel=channel, subject=subject, priority=priority, category=category,
                    status="new", customer_id=customer_id or (found.customer_id if found is not None else None),
                    order_id=found.id if found is not None else None, shipment_id=shipment.id if shipment else None,
                    tags=sorted({t.strip() for t in tags or () if t and t.strip()}), team=(team or "").strip() or None,
                    external_key=external_key, created_by=actor.label, created_at=now, updated_at=now)
    try:
        with session.begin_nested():  # two senders racing with one key: the loser gets the winner's ticket
            session.add(ticket)
            session.flush()
    except IntegrityError:
        raced = existing_ticket(session, shop.id, external_key) if external_key else None
        if raced is None:
            raise
        return raced
    session.add(TicketMessage(ticket_id=ticket.id, kind="buyer", body=body, author_id=None,
                              author=f"{channel}:{actor.label}", created_at=now))
    _event(session, ticket, "status", None, "new", actor, now)
    hook(session, shop.id, "ticket.created", ticket_id=ticket.id)
    from .. import playbook
    from .members import membership  # read once: the tier's "priority service" benefit and its SLA targets

    member = membership(session, shop.id, ticket.customer_id)
    raised = playbook.raised_priority(ticket.priority, member.priority_service)
    if raised != ticket.priority:
        _event(session, ticket, "priority", ticket.priority, raised, actor, now)
        ticket.priority = raised
    sla.start_clocks(session, ticket, ("first_response", "resolution"), now, member=member, fresh=True)
    if category is None:  # suggested from the words by the text analysis; staff may change it (channels/suggest.py)
        from ..channels.suggest import suggest
        suggest(session, ticket, body)
    if assign:
        round_robin(session, ticket, actor=actor, now=now)
    audit(session, actor, "desk.ticket_created", "ticket", ticket.id, {"channel": channel, "priority": priority})
    return ticket


def existing_ticket(session: Session, shop_id: int, external_key: str) -> Ticket | None:
    """The shop's ticket made earlier under this key, if any."""
    return session.scalar(select(Ticket).where(Ticket.shop_id == shop_id, Ticket.external_key == external_key))


def transition(session: Session, ticket: Ticket, target: str, *, actor: Actor, root_cause: str | None = None,
               now: datetime | None = None) -> Ticket:
    """The one way a ticket's status changes: checks the move, keeps the SLA clocks and pauses in step, records it.

    waiting_buyer pauses the clocks until the ticket moves on; resolved needs a root cause and stops the resolution
    clock (paused until reopened, if it is); closed is final."""
    actor.require("desk:write")
    now = now or clock.now()
    target = sla.check_choice(target, STATUSES, "status")
    current = ticket.status
    if target not in TRANSITIONS.get(current, ()):
        raise InvalidTicketTransition("invalid_transition", f"status: a ticket that is {current} cannot become "
                                      f"{target}", field="status")
    if target == "resolved":
        ticket.root_cause = _text(root_cause or ticket.root_cause, "root_cause", 2000)
    open_pause = session.scalar(select(TicketPause).where(TicketPause.ticket_id == ticket.id,
                                                          TicketPause.ended_at.is_(None)))
    if open_pause is not None:
        open_pause.ended_at = now
    if target in ("waiting_buyer", "resolved"):
        session.add(TicketPause(ticket_id=ticket.id, reason=target, started_at=now))
    ticket.status, ticket.updated_at = target, now
    if target == "resolved":
        ticket.resolved_at = now
        sla.stop_clock(session, ticket, "resolution", now)
    elif target == "closed":
        ticket.closed_at = now
        # the complainant's CES/CSAT survey (surveys/sending) and anyone else who follows closed tickets
        events.emit(session, "ticket_closed", "ticket", ticket.id, shop_id=ticket.shop_id,
                    customer_id=ticket.customer_id, order_id=ticket.order_id, category=ticket.category)
    elif target == "reopened":
        ticket.resolved_at = None
        sla.resume_clock(session, ticket, "resolution")
    _event(session, ticket, "status", current, target, actor, now)
    hook(session, ticket.shop_id, "ticket.status_changed", ticket_id=ticket.id, **{"from": current, "to": target})
    session.flush()
    sla.refresh(session, ticket)
    audit(session, actor, "desk.ticket_status", "ticket", ticket.id, {"from": current, "to": target})
    return ticket


def add_message(session: Session, ticket: Ticket, kind: str, body: str, *, actor: Actor,
                now: datetime | None = None) -> TicketMessage:
    """Add to the thread. A public reply passes the outgoing-text guard, answers the buyer (first / next response
    clocks stop) and opens a new ticket; a buyer message starts the next-response clock and resumes a ticket
    waiting on the buyer, or reopens a resolved one; a note changes nothing else."""
    actor.require("desk:write")
    now = now or clock.now()
    kind = sla.check_choice(kind, MESSAGE_KINDS, "kind")
    body = _text(body, "body", MAX_BODY)
    if ticket.status == "closed":
        raise InvalidTicketTransition("ticket_closed", "ticket: a closed ticket takes no more messages; open a new "
                                      "ticket", field="ticket")
    if kind == "reply":
        check_outgoing(body, "body")
        if ticket.status == "new":
            transition(session, ticket, "open", actor=actor, now=now)
        if ticket.first_response_at is None:
            ticket.first_response_at = now
            sla.stop_clock(session, ticket, "first_response", now)
        sla.stop_clock(session, ticket, "next_response", now)
    elif kind == "buyer":
        if ticket.status == "waiting_buyer":
            transition(session, ticket, "open", actor=actor, now=now)
        elif ticket.status == "resolved":
            transition(session, ticket, "reopened", actor=actor, now=now)
        if ticket.first_response_at is not None:
            running = sla.clocks(session, ticket).get("next_response")
            if running is None or running.stopped_at is not None:
                sla.start_clock(session, ticket, "next_response", now)
    message = TicketMessage(ticket_id=ticket.id, kind=kind, body=body, author_id=actor.user_id,
                            author=actor.label, created_at=now)
    session.add(message)
    ticket.updated_at = now
    session.flush()
    if kind == "reply":
        hook(session, ticket.shop_id, "ticket.replied", ticket_id=ticket.id, message_id=message.id)
    return message


def assign(session: Session, ticket: Ticket, owner_id: int | None, *, actor: Actor, team: str | None = None,
           now: datetime | None = None, active_checked: bool = False) -> Ticket:
    """Give the ticket to a staff member (None: unassigned); the change stays in the history
    (`active_checked`: the caller chose the owner among the active staff it has just read)."""
    actor.require("desk:write")
    now = now or clock.now()
    if owner_id is not None and not active_checked and owner_id not in {user.id for user in _staff(session)}:
        raise InvalidInput("invalid_owner", f"owner: no active staff member with id {owner_id}", field="owner")
    if owner_id != ticket.owner_id:
        _event(session, ticket, "owner", ticket.owner_id, owner_id, actor, now)
        hook(session, ticket.shop_id, "ticket.assigned", ticket_id=ticket.id,
             **{"from": ticket.owner_id, "to": owner_id})
        ticket.owner_id = owner_id
    if team is not None and (team.strip() or None) != ticket.team:
        _event(session, ticket, "team", ticket.team, team.strip() or None, actor, now)
        ticket.team = team.strip() or None
    ticket.updated_at = now
    session.flush()
    return ticket


def _staff(session: Session):
    from ...staff import service as staff

    return [user for user in staff.list_users(session) if user.is_active]


def round_robin(session: Session, ticket: Ticket, *, actor: Actor, now: datetime | None = None) -> int | None:
    """Assign among agents on shift, skills by category first, by the shop's method (round-robin after the agent
    who got the previous ticket, or least-loaded); see `staffing.auto_assign`."""
    from .staffing import auto_assign

    return auto_assign(session, ticket, actor=actor, now=now)


def set_priority(session: Session, ticket: Ticket, priority: str, *, actor: Actor,
                 now: datetime | None = None) -> Ticket:
    """Change the priority; the running SLA clocks take the new policy's targets (whole-ticket rule)."""
    actor.require("desk:write")
    now = now or clock.now()
    priority = sla.check_choice(priority, sla.PRIORITIES, "priority")
    if priority != ticket.priority:
        _event(session, ticket, "priority", ticket.priority, priority, actor, now)
        ticket.priority, ticket.updated_at = priority, now
        sla.retarget(session, ticket, now=now)
    return ticket


def set_category(session: Session, ticket: Ticket, category: str | None, *, actor: Actor,
                 now: datetime | None = None) -> Ticket:
    actor.require("desk:write")
    now = now or clock.now()
    category = sla.check_choice(category, CATEGORIES, "category", optional=True)
    if category != ticket.category:
        _event(session, ticket, "category", ticket.category, category, actor, now)
        ticket.category, ticket.updated_at = category, now
    return ticket


def thread(session: Session, ticket: Ticket) -> list[TicketMessage]:
    return list(session.scalars(select(TicketMessage).where(TicketMessage.ticket_id == ticket.id)
                                .order_by(TicketMessage.created_at, TicketMessage.id)))


def history(session: Session, ticket: Ticket) -> list[TicketEvent]:
    return list(session.scalars(select(TicketEvent).where(TicketEvent.ticket_id == ticket.id)
                                .order_by(TicketEvent.at, TicketEvent.id)))
