"""The promise register (承诺登记, 少承诺多做事): every promise made to a buyer — what, to whom, by whom, due when,
linked to the ticket and order — kept or broken with evidence. The periodic job reminds the maker before the due
time and marks a promise not kept by then as broken, which escalates to the maker's team lead and the managers.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ...core import clock, events
from ...core.errors import Conflict, InvalidInput, NotFound
from ...staff.service import SYSTEM, Actor, audit
from .. import playbook
from ..models import Ticket
from ..records import Promise
from . import notices
from .tickets import _event, hook

MAX_WHAT = 500


def _checked(what: str, due_at: datetime, now: datetime) -> str:
    text = (what or "").strip()
    if not text:
        raise InvalidInput("required", "what: say what was promised", field="what")
    if len(text) > MAX_WHAT:
        raise InvalidInput("too_long", f"what: at most {MAX_WHAT} characters", field="what",
                           values={"limit": MAX_WHAT})
    if due_at.tzinfo is None:
        raise InvalidInput("invalid_date", "due_at: a time with its timezone", field="due_at")
    if due_at <= now:
        raise InvalidInput("promise_due_past", "due_at: a promise is due in the future", field="due_at")
    return text


def _changed(session: Session, row: Promise) -> None:
    """`promise_changed`: a promise was registered, restated, kept or broken (the home page's promises due and
    overdue, dashboard/snapshots.py)."""
    events.emit(session, "promise_changed", "promise", row.id, shop_id=row.shop_id, status=row.status)


def make_promise(session: Session, ticket: Ticket, *, what: str, due_at: datetime, actor: Actor,
                 now: datetime | None = None) -> Promise:
    """Register a promise made on this ticket (to its buyer, about its order)."""
    actor.require("desk:write")
    now = now or clock.now()
    text = _checked(what, due_at, now)
    row = Promise(shop_id=ticket.shop_id, ticket_id=ticket.id, customer_id=ticket.customer_id,
                  order_id=ticket.order_id, what=text, due_at=due_at, made_by=actor.label, made_by_id=actor.user_id,
                  made_at=now, status="open")
    session.add(row)
    session.flush()
    _changed(session, row)
    _event(session, ticket, "promise", None, text[:100], actor, now)
    hook(session, ticket.shop_id, "promise.registered", ticket_id=ticket.id, promise_id=row.id)
    audit(session, actor, "desk.promise_made", "ticket", ticket.id,
          {"promise_id": row.id, "what": text, "due_at": due_at.isoformat()})
    return row


def register_promise(session: Session, *, shop_id: int, customer_id: int, what: str, due_at: datetime,
                     origin: str, origin_id: int, actor: Actor, order_id: int | None = None,
                     now: datetime | None = None) -> Promise:
    """Register a promise made outside a ticket (a VIP callback: origin "care_call_task" and its id), so it is
    reminded, kept or broken and escalated like any other. The caller checked the actor may make it."""
    now = now or clock.now()
    text = _checked(what, due_at, now)
    row = Promise(shop_id=shop_id, ticket_id=None, customer_id=customer_id, order_id=order_id, what=text,
                  due_at=due_at, made_by=actor.label, made_by_id=actor.user_id, made_at=now, status="open",
                  origin=origin[:40], origin_id=origin_id)
    session.add(row)
    session.flush()
    hook(session, shop_id, "promise.registered", promise_id=row.id)
    _changed(session, row)
    audit(session, actor, "desk.promise_made", origin, origin_id,
          {"promise_id": row.id, "what": text, "due_at": due_at.isoformat()})
    return row


def revise_promise(session: Session, promise_id: int, *, what: str, due_at: datetime, actor: Actor,
                   now: datetime | None = None) -> Promise:
    """Restate an open promise (a later call on the same callback says it again, perhaps with a new date): the
    register keeps one promise, not a forgotten first one that would later break and escalate. The caller checked
    the actor may make it."""
    now = now or clock.now()
    text = _checked(what, due_at, now)
    row = get_promise(session, promise_id, lock=True)
    if row.status != "open":
        raise Conflict("promise_closed", f"promise: {row.id} is already {row.status}", field="promise")
    if clock.as_utc(row.due_at) != due_at:
        row.reminded_at = None  # a new due time earns a new reminder before it
    row.what, row.due_at = text, due_at
    session.flush()
    _changed(session, row)
    audit(session, actor, "desk.promise_revised", row.origin or "ticket", row.origin_id or row.ticket_id,
          {"promise_id": row.id, "what": text, "due_at": due_at.isoformat()})
    return row


def get_promise(session: Session, promise_id: int, *, lock: bool = False) -> Promise:
    query = select(Promise).where(Promise.id == promise_id)
    row = session.scalar(query.with_for_update() if lock else query)
    if row is None:
        raise NotFound("promise_not_found", f"promise: there is no promise {promise_id}", field="promise")
    return row


def close_promise(session: Session, promise_id: int, *, kept: bool, evidence: str, actor: Actor,
                  now: datetime | None = None) -> Promise:
    """Mark a promise kept or broken, with the evidence (a tracking number, a refund id, what happened)."""
    actor.require("desk:write")
    now = now or clock.now()
    text = (evidence or "").strip()
    if not text:
        raise InvalidInput("evidence_required", "evidence: say how it was kept (or why not)", field="evidence")
    row = get_promise(session, promise_id, lock=True)
    if row.status != "open":
        raise Conflict("promise_closed", f"promise: {row.id} is already {row.status}", field="promise")
    _close(session, row, "kept" if kept else "broken", text[:2000], actor, now)
    return row


def _close(session: Session, row: Promise, status: str, evidence: str, actor: Actor, now: datetime) -> None:
    row.status, row.evidence, row.closed_by, row.closed_at = status, evidence, actor.label, now
    _changed(session, row)
    ticket = session.get(Ticket, row.ticket_id) if row.ticket_id else None
    if ticket is not None:
        _event(session, ticket, "promise", "open", status, actor, now)
    hook(session, row.shop_id, f"promise.{status}", ticket_id=row.ticket_id, promise_id=row.id)
    audit(session, actor, f"desk.promise_{status}", "ticket", row.ticket_id,
          {"promise_id": row.id, "evidence": evidence})
    if status == "broken":
        _escalate(session, row, ticket, now)
    session.flush()


def _escalate(session: Session, row: Promise, ticket: Ticket | None, now: datetime) -> None:
    """A broken promise goes to the maker's team lead and to the managers (never blame: find the cause)."""
    from .staffing import leads_of

    values = {"promise_id": row.id, "what": row.what[:200]}
    told = set()
    for user_id in leads_of(session, row.made_by_id):
        if user_id != row.made_by_id:
            notices.to_user(session, ticket, user_id, "promise_broken", values, shop_id=row.shop_id, now=now)
            told.add(user_id)
    for user in notices.active_staff(session):
        if user.role == "manager" and user.id not in told:
            notices.to_user(session, ticket, user.id, "promise_broken", values, shop_id=row.shop_id, now=now)


def for_ticket(session: Session, ticket: Ticket) -> list[Promise]:
    return list(session.scalars(select(Promise).where(Promise.ticket_id == ticket.id).order_by(Promise.due_at)))


def open_for_customer(session: Session, customer_id: int) -> list[Promise]:
    return list(session.scalars(select(Promise).where(Promise.customer_id == customer_id, Promise.status == "open")
                                .order_by(Promise.due_at)))


def open_due(session: Session, shop_id: int | None, until: datetime | None, *, offset: int = 0,
             limit: int = 50) -> tuple[list[Promise], int]:
    """Open promises due by `until` (None: all of them), past due ones first: one page of them and how many
    there are."""
    where = [Promise.status == "open"] + ([Promise.due_at <= until] if until is not None else [])
    if shop_id is not None:
        where.append(Promise.shop_id == shop_id)
    total = session.scalar(select(func.count(Promise.id)).where(*where)) or 0
    return list(session.scalars(select(Promise).where(*where).order_by(Promise.due_at, Promise.id)
                                .offset(offset).limit(limit))), total


def keeping(session: Session, shop_id: int | None = None) -> dict:
    """Promise keeping for the shop (or all shops) and per maker: kept, broken, open and the rate (kept ÷ decided)."""
    query = select(Promise.made_by, Promise.status, func.count(Promise.id)).group_by(Promise.made_by, Promise.status)
    if shop_id is not None:
        query = query.where(Promise.shop_id == shop_id)
    per: dict[str, dict[str, int]] = {}
    for maker, status, count in session.execute(query):
        per.setdefault(maker, {"kept": 0, "broken": 0, "open": 0})[status] = count
    total = {s: sum(c[s] for c in per.values()) for s in ("kept", "broken", "open")}
    return {"shop": total | {"rate": playbook.keeping_rate(total["kept"], total["broken"])},
            "agents": {maker: c | {"rate": playbook.keeping_rate(c["kept"], c["broken"])}
                       for maker, c in sorted(per.items())}}


def run_due(session: Session, now: datetime | None = None) -> dict[str, int]:
    """The periodic job: remind makers of promises due within REMIND_BEFORE; break the ones past due."""
    now = now or clock.now()
    done = {"reminded": 0, "broken": 0}
    horizon = now + playbook.REMIND_BEFORE
    rows = session.scalars(select(Promise).where(Promise.status == "open", Promise.due_at <= horizon)
                           .order_by(Promise.id).with_for_update(skip_locked=True))
    for row in rows:
        step = playbook.promise_step(clock.as_utc(row.due_at), now, reminded=row.reminded_at is not None)
        ticket = session.get(Ticket, row.ticket_id) if row.ticket_id else None
        if step == "remind" and row.made_by_id is not None:
            notices.to_user(session, ticket, row.made_by_id, "promise_due", {"promise_id": row.id,
                            "what": row.what[:200]}, shop_id=row.shop_id, now=now)
            row.reminded_at = now
            done["reminded"] += 1
        elif step == "break":
            _close(session, row, "broken", "past due without being marked kept", SYSTEM, now)
            done["broken"] += 1
    session.flush()
    return done
