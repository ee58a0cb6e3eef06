"""Graded authorisation (分级授权) for compensation on a ticket: refund, coupon, points, reship, gift.

Each role has a limit per ticket and per day for each kind (`compensation_limit`, else DEFAULT_LIMITS). Within it
the agent grants at once; above it a request goes to everyone whose role's per-ticket limit covers the ticket's
total (four eyes: nobody decides their own request); above every role's limit it is refused. Points and coupons
are issued through the loyalty service and refunds recorded against the order, each under a key derived from the
compensation's id, so a replay never issues twice. Every step is audited and recorded in the ticket's history.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ...core import clock
from ...core.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from ...core.money import format_minor
from ...core.outgoing import check_outgoing
from ...staff.service import Actor, audit
from .. import playbook
from ..models import Ticket
from ..records import Compensation, CompensationLimit
from . import notices
from .sla import check_choice, ticket_shop
from .tickets import _event

KINDS = playbook.KINDS
ROLES = ("owner", "manager", "agent")
# Until the shop sets its own: (per ticket, per day) in minor units (¥), points for "points".
DEFAULT_LIMITS = {
    "agent": {"refund": (5_000, 20_000), "coupon": (2_000, 10_000), "points": (500, 2_000),
              "reship": (10_000, 30_000), "gift": (3_000, 10_000)},
    "manager": {"refund": (50_000, 200_000), "coupon": (20_000, 100_000), "points": (5_000, 20_000),
                "reship": (100_000, 300_000), "gift": (30_000, 100_000)},
    "owner": {"refund": (500_000, 2_000_000), "coupon": (100_000, 500_000), "points": (50_000, 200_000),
              "reship": (500_000, 2_000_000), "gift": (100_000, 500_000)},
}
MAX_LIMIT = 10**12


def limits_of(session: Session, shop_id: int) -> dict[str, dict[str, playbook.Limit]]:
    """{role: {kind: Limit}}: the shop's rows over the defaults."""
    out = {role: {kind: playbook.Limit(*pair) for kind, pair in kinds.items()}
           for role, kinds in DEFAULT_LIMITS.items()}
    for row in session.scalars(select(CompensationLimit).where(CompensationLimit.shop_id == shop_id)):
        out.setdefault(row.role, {})[row.kind] = playbook.Limit(row.per_ticket, row.per_day)
    return out


def _by_kind(limits: dict[str, dict[str, playbook.Limit]], kind: str) -> dict[str, playbook.Limit]:
    return {role: kinds[kind] for role, kinds in limits.items() if kind in kinds}


def whole_amount(value, field: str) -> int:
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        number = -1
    if number < 0 or number > MAX_LIMIT:
        raise InvalidInput("invalid_amount", f"{field}: '{value}' is not a whole amount of 0 or more", field=field)
    return number


def save_limit(session: Session, shop, *, role: str, kind: str, per_ticket, per_day, actor: Actor,
               ) -> CompensationLimit:
    """Set one role's limits for one kind; only the owner changes the owner's and managers' limits."""
    actor.require("desk:settings")
    role = check_choice(role, ROLES, "role")
    kind = check_choice(kind, KINDS, "kind")
    if role in ("owner", "manager") and actor.role != "owner":
        raise PermissionDenied("limits_owner_only", "role: only the owner sets the limits of owners and managers")
    values = whole_amount(per_ticket, "per_ticket"), whole_amount(per_day, "per_day")
    row = session.scalar(select(CompensationLimit).where(
        CompensationLimit.shop_id == shop.id, CompensationLimit.role == role, CompensationLimit.kind == kind))
    if row is None:
        row = CompensationLimit(shop_id=shop.id, role=role, kind=kind)
        session.add(row)
    before = (row.per_ticket, row.per_day)
    row.per_ticket, row.per_day = values
    row.updated_by, row.updated_at = actor.label, clock.now()
    session.flush()
    audit(session, actor, "desk.compensation_limit", "shop", shop.id,
          {"role": role, "kind": kind, "before": list(before), "after": list(values)})
    return row


def for_ticket(session: Session, ticket: Ticket) -> list[Compensation]:
    return list(session.scalars(select(Compensation).where(Compensation.ticket_id == ticket.id)
                                .order_by(Compensation.id)))


def pending(session: Session, shop_id: int | None = None) -> list[Compensation]:
    """Requests waiting for a decision, oldest first."""
    query = select(Compensation).where(Compensation.status == "pending")
    if shop_id is not None:
        query = query.where(Compensation.shop_id == shop_id)
    return list(session.scalars(query.order_by(Compensation.id)))


def get_compensation(session: Session, compensation_id: int, *, lock: bool = False) -> Compensation:
    query = select(Compensation).where(Compensation.id == compensation_id)
    row = session.scalar(query.with_for_update() if lock else query)
    if row is None:
        raise NotFound("compensation_not_found", f"compensation: there is no compensation {compensation_id}",
                       field="compensation")
    return row


def _ticket_total(session: Session, ticket_id: int, kind: str) -> int:
    """What this ticket has of this kind, granted or waiting for a decision."""
    return session.scalar(select(func.coalesce(func.sum(Compensation.value), 0)).where(
        Compensation.ticket_id == ticket_id, Compensation.kind == kind,
        Compensation.status.in_(("granted", "pending")))) or 0


def _day_total(session: Session, actor: Actor, kind: str, tz_name: str, now: datetime) -> int:
    """What this person granted of this kind on the shop-local day of `now`."""
    local = now.astimezone(ZoneInfo(tz_name))
    start = local.replace(hour=0, minute=0, second=0, microsecond=0)
    who = (Compensation.requested_by_id == actor.user_id) if actor.user_id is not None \
        else (Compensation.requested_by == actor.label)
    return session.scalar(select(func.coalesce(func.sum(Compensation.value), 0)).where(
        who, Compensation.kind == kind, Compensation.status == "granted",
        Compensation.created_at >= start, Compensation.created_at < start + timedelta(days=1))) or 0


def _shown(kind: str, value: int, currency: str) -> str:
    return f"{value}" if kind in playbook.POINTS_KINDS else format_minor(value, currency)


def request_compensation(session: Session, ticket: Ticket, *, kind: str, value, reason: str, actor: Actor,
                         now: datetime | None = None) -> Compensation:
    """Grant at once within the actor's limits, else ask someone with a high enough limit; refused above every
    limit. The reason must not tie the compensation to a review (the platforms' rule)."""
    actor.require("desk:write")
    now = now or clock.now()
    kind = check_choice(kind, KINDS, "kind")
    amount = whole_amount(value, "value")
    if amount == 0:
        raise InvalidInput("invalid_amount", "value: give an amount above 0", field="value")
    text = (reason or "").strip()
    if not text:
        raise InvalidInput("reason_required", "reason: say why the buyer is compensated", field="reason")
    if len(text) > 255:
        raise InvalidInput("too_long", "reason: at most 255 characters", field="reason", values={"limit": 255})
    check_outgoing(text, "reason")
    if kind == "refund" and ticket.order_id is None:
        raise InvalidInput("compensation_needs_order", "kind: a refund needs the ticket's order", field="kind")
    if kind in ("points", "coupon") and ticket.customer_id is None:
        raise InvalidInput("compensation_needs_customer", "kind: points and coupons need the ticket's customer",
                           field="kind")
    session.scalar(select(Ticket.id).where(Ticket.id == ticket.id).with_for_update())  # one decision at a time
    shop = ticket_shop(session, ticket)
    limits = _by_kind(limits_of(session, ticket.shop_id), kind)
    verdict = playbook.judge(amount, role=actor.role, limits=limits,
                             ticket_total=_ticket_total(session, ticket.id, kind),
                             day_total=_day_total(session, actor, kind, shop.timezone, now))
    if verdict.outcome == "refuse":
        top = max((limit.per_ticket for limit in limits.values()), default=0)
        raise InvalidInput("compensation_above_every_limit", f"value: {_shown(kind, amount, shop.currency)} is above "
                           f"every role's limit for this ticket ({_shown(kind, top, shop.currency)})", field="value",
                           values={"limit": _shown(kind, top, shop.currency)})
    row = Compensation(shop_id=ticket.shop_id, ticket_id=ticket.id, customer_id=ticket.customer_id,
                       order_id=ticket.order_id, kind=kind, value=amount, currency=shop.currency, reason=text,
                       status="pending", requested_by=actor.label, requested_by_id=actor.user_id,
                       requested_role=actor.role, created_at=now)
    session.add(row)
    session.flush()
    if verdict.outcome == "grant":
        _grant(session, row, actor, now)
    else:
        _event(session, ticket, "compensation", None, f"{kind} {_shown(kind, amount, shop.currency)} ?", actor, now)
        audit(session, actor, "desk.compensation_requested", "ticket", ticket.id,
              {"compensation_id": row.id, "kind": kind, "value": amount, "approvers": list(verdict.approvers)})
        notices.to_roles(session, ticket, verdict.approvers, "approval_needed", {"compensation_id": row.id},
                         skip_user_id=actor.user_id, now=now)
    return row


def decide(session: Session, compensation_id: int, *, approve: bool, note: str | None = None, actor: Actor,
           now: datetime | None = None) -> Compensation:
    """Approve (and issue) or reject a pending request: never one's own, and only within one's own limit."""
    actor.require("desk:write")
    now = now or clock.now()
    row = get_compensation(session, compensation_id, lock=True)
    if row.status != "pending":
        raise Conflict("compensation_decided", f"compensation: request {row.id} was already {row.status}",
                       field="compensation")
    others = _ticket_total(session, row.ticket_id, row.kind) - row.value
    why = playbook.may_approve(approver_role=actor.role, approver_id=actor.user_id, approver_label=actor.label,
                               requester_id=row.requested_by_id, requester_label=row.requested_by,
                               limits=_by_kind(limits_of(session, row.shop_id), row.kind), ticket_total=others,
                               value=row.value)
    if why == "four_eyes":
        raise PermissionDenied("four_eyes", "compensation: a request is decided by someone other than its requester")
    if why:
        raise PermissionDenied("compensation_over_limit", "compensation: this is above your role's limit; someone "
                               "with a higher limit must decide it")
    row.decided_by, row.decided_by_id, row.decided_at = actor.label, actor.user_id, now
    row.decision_note = (note or "").strip()[:255] or None
    ticket = session.get(Ticket, row.ticket_id)
    if approve:
        _grant(session, row, actor, now)
    else:
        row.status = "rejected"
        _event(session, ticket, "compensation", None, f"{row.kind} ✗", actor, now)
        audit(session, actor, "desk.compensation_rejected", "ticket", row.ticket_id,
              {"compensation_id": row.id, "note": row.decision_note})
    if row.requested_by_id is not None:
        notices.to_user(session, ticket, row.requested_by_id, f"compensation_{row.status}",
                        {"compensation_id": row.id}, now=now)
    return row


def _grant(session: Session, row: Compensation, actor: Actor, now: datetime) -> None:
    """Issue what was granted, once: points and coupons through loyalty, a refund against the order."""
    row.status = "granted"
    if row.decided_by is None:
        row.decided_by, row.decided_by_id, row.decided_at = actor.label, actor.user_id, now
    if row.issued_ref is None:
        row.issued_ref = _issue(session, row, actor)
        row.issued_at = now
    session.flush()
    ticket = session.get(Ticket, row.ticket_id)
    _event(session, ticket, "compensation", None, f"{row.kind} {_shown(row.kind, row.value, row.currency)}", actor,
           now)
    audit(session, actor, "desk.compensation_granted", "ticket", row.ticket_id,
          {"compensation_id": row.id, "kind": row.kind, "value": row.value, "issued": row.issued_ref,
           "requested_by": row.requested_by})


def _issue(session: Session, row: Compensation, actor: Actor) -> str:
    key = f"desk-{row.id}"
    if row.kind == "points":
        from ...loyalty import service as loyalty

        entry = loyalty.grant_goodwill_points(session, row.shop_id, row.customer_id, row.value, key=key,
                                              note=row.reason, actor_label=actor.label[:80])
        return f"points_entry:{entry.id}"
    if row.kind == "coupon":
        from ...loyalty import service as loyalty

        coupon = loyalty.issue_goodwill_coupon(session, row.shop_id, row.customer_id, row.value, key=key,
                                               name=row.reason, actor_label=actor.label)
        return f"coupon:{coupon.code}"
    if row.kind == "refund":
        from ...orders import service as orders
        from ...orders.schemas import RefundIn

        order = orders.get_order(session, row.order_id)
        refund = orders.record_refund(session, order, RefundIn(external_id=key, amount=row.value,
                                                               reason=row.reason[:255]), actor=actor)
        found = refund or next(r for r in order.refunds if r.external_id == key)
        return f"refund:{found.id}"
    return f"{row.kind}:recorded"  # a reship or a gift is sent by the warehouse; the desk records the decision
