"""Referrals: a code per member; the referrer is rewarded when the referee's first order is past its return window.

When a code is attached, what makes it plainly invalid is refused with an error and nothing is stored: an unknown
code, one's own code, a code of a member with the same phone, email or shipping address, a referee who has
already bought here or was already referred. What can only be seen later (the first order ships to the
referrer's address, or the contacts were changed to match) marks the stored referral `refused` with its reason
at reward time, so staff see it and nobody is paid.

Same address: shop orders keep province, city and the receiver's name (no street line), so two addresses match
when all three are present and equal after normalising (spaces, case, a trailing 省/市). A phone match is the
strong signal; the address check catches the same receiver ordering under two accounts.

Timing: both sides are rewarded once the referee's first paid sale is past its return window (when its points
become available), or `referral_reward_after_days` after that window opened when the program sets it. A first
order cancelled or refunded in full makes the referral void. Points are keyed by the referral, so paying twice
is impossible.
"""

from __future__ import annotations

import re
from datetime import date, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ....core import clock, events
from ....core.errors import Conflict, InvalidInput, NotFound
from ....customers.models import Customer
from ....orders.models import Order, Shipment
from ....staff.service import Actor, audit
from ... import rules
from ...models import LoyaltyAccount, Referral
from ..points import ledger
from ..points.ledger import LoyaltyError
from ..program.versions import ActiveProgram
from .accounts import account_by_referral_code, enrol, expiry_for, find_account


def _norm(text: str | None) -> str:
    value = re.sub(r"\s+", "", text or "").lower()
    return value[:-1] if len(value) > 1 and value[-1] in "省市" else value


def address_key(province: str | None, city: str | None, name: str | None) -> tuple[str, str, str] | None:
    """A comparable shipping address (province, city, receiver), or None when a part is missing."""
    key = (_norm(province), _norm(city), _norm(name))
    return key if all(key) else None


def _addresses(session: Session, shop_id: int, customer_id: int) -> set[tuple[str, str, str]]:
    rows = session.execute(select(Order.ship_province, Order.ship_city, Order.buyer_name).distinct()
                           .where(Order.shop_id == shop_id, Order.customer_id == customer_id)).all()
    keys = {address_key(*row) for row in rows}
    customer = session.get(Customer, customer_id)
    if customer is not None:
        keys.add(address_key(customer.province, customer.city, customer.name))
    keys.discard(None)
    return keys  # type: ignore[return-value]


def _contact_clash(referrer: Customer, referee: Customer) -> str | None:
    if referrer.phone and referee.phone and referrer.phone == referee.phone:
        return "referral_same_phone"
    if referrer.email and referee.email and referrer.email.lower() == referee.email.lower():
        return "referral_same_email"
    return None


_MESSAGES = {
    "referral_same_phone": "code: the code belongs to a member with the same phone number",
    "referral_same_email": "code: the code belongs to a member with the same email address",
    "referral_same_address": "code: the code belongs to a member who ships to the same address",
}


def attach_referral(session: Session, program: ActiveProgram, referee_customer_id: int, code: str, *,
                    actor: Actor | None = None) -> Referral:
    """Record that a new customer came with a member's code (they join the program); refused with a reason."""
    referrer = account_by_referral_code(session, check_code(code))
    if referrer is None or referrer.program_id != program.program.id:
        raise NotFound("referral_code_unknown", f"code: '{code}' is not a member's referral code here", field="code")
    referee = session.get(Customer, referee_customer_id)
    if referee is None or referee.erased_at is not None:
        raise NotFound("customer_not_found", f"customer: there is no customer {referee_customer_id}",
                       field="customer")
    if referrer.customer_id == referee_customer_id:
        raise LoyaltyError("referral_self", "code: a member cannot refer themselves", field="code")
    if session.scalar(select(Referral.id).where(Referral.program_id == program.program.id,
                                                Referral.referee_customer_id == referee_customer_id)) is not None:
        raise Conflict("referral_exists", "customer: this customer was already referred", field="customer")
    if _ever_paid(session, program, referee.id):
        raise LoyaltyError("referral_not_new", "customer: referrals are for new customers; this one has bought here "
                           "before", field="customer")
    reason = _contact_clash(session.get(Customer, referrer.customer_id), referee)
    if reason is None and _addresses(session, program.shop.id, referrer.customer_id) & \
            _addresses(session, program.shop.id, referee.id):
        reason = "referral_same_address"
    if reason is not None:
        raise LoyaltyError(reason, _MESSAGES[reason], field="code")
    account = enrol(session, program, referee.id, actor=actor.label if actor else "system")
    referral = Referral(program_id=program.program.id, referrer_account_id=referrer.id,
                        referee_customer_id=referee.id, status="pending", created_at=clock.now())
    session.add(referral)
    account.referred_by_id = referrer.id
    session.flush()
    if actor is not None:
        audit(session, actor, "loyalty.referral", "referral", referral.id,
              {"referrer_account": referrer.id, "referee_customer": referee.id})
    return referral


def _ever_paid(session: Session, program: ActiveProgram, customer_id: int) -> bool:
    # A sale that was paid and later cancelled or refunded still means the customer is not new.
    return session.scalar(select(Order.id).where(Order.shop_id == program.shop.id, Order.customer_id == customer_id,
                                                 Order.kind == "sale", Order.paid_at.is_not(None)).limit(1)) is not None


def first_paid_sale(session: Session, shop_id: int, customer_id: int) -> Order | None:
    """The customer's first paid sale in the shop (by payment time), whatever became of it."""
    return session.scalar(select(Order).where(Order.shop_id == shop_id, Order.customer_id == customer_id,
                                              Order.kind == "sale", Order.paid_at.is_not(None))
                          .order_by(Order.paid_at, Order.id).limit(1))


def _reward_day(session: Session, program: ActiveProgram, order: Order) -> date | None:
    """When a referral may be paid under `referral_reward_after_days` (None: when the order's points activate)."""
    days = program.config.referral_reward_after_days
    if days is None:
        return None
    from ..daily import window_opens_on

    delivered = session.scalar(select(func.max(Shipment.delivered_at)).where(Shipment.order_id == order.id))
    return window_opens_on(order, delivered, program.config, program.shop.timezone) + timedelta(days=days)


def _settle(session: Session, program: ActiveProgram, referral: Referral, first: Order) -> int:
    """Reward, refuse or void a pending referral whose referee's first order is settled. Returns 1 if rewarded."""
    from ..points.refunds import is_void

    referral.first_order_id = first.id
    if is_void(first):
        referral.status, referral.reason = "void", "first_order_void"
        session.flush()
        return 0
    referrer = session.get(LoyaltyAccount, referral.referrer_account_id)
    referrer_customer = session.get(Customer, referrer.customer_id)
    referee_customer = session.get(Customer, referral.referee_customer_id)
    reason = _contact_clash(referrer_customer, referee_customer)
    first_address = address_key(first.ship_province, first.ship_city, first.buyer_name)
    if reason is None and first_address is not None and \
            first_address in _addresses(session, program.shop.id, referrer.customer_id):
        reason = "referral_same_address"
    if reason is not None:
        referral.status, referral.reason = "refused", reason
        session.flush()
        return 0
    earning = program.config.earning
    today = clock.today_in(program.shop.timezone)
    referee = find_account(session, program.program.id, referral.referee_customer_id)
    paid = {}
    # Lock in id order so two referrals settling at once cannot deadlock on the same pair of accounts.
    pairs = [(referrer, earning.referrer_points, "referrer"), (referee, earning.referee_points, "referee")]
    for account, points, side in sorted(pairs, key=lambda p: p[0].id if p[0] is not None else 0):
        if account is None or points <= 0:
            continue
        ledger.lock_account(session, account)
        entry = ledger.credit(session, account, points, key=f"referral:{referral.id}:{side}", kind="earn",
                              reason="referral", expires_on=expiry_for(program, today), source_type="referral",
                              source_id=str(referral.id), rule_version=program.version, earned_on=today,
                              detail={"referral": referral.id, "side": side, "first_order": first.external_id})
        if entry is not None:
            paid[side] = points
            if account.shortfall:
                ledger.settle_shortfall(session, account, key=f"settle:{entry.id}")
    referral.status, referral.rewarded_at, referral.reason = "rewarded", clock.now(), None
    events.emit(session, "referral_rewarded", "referral", referral.id, shop_id=program.shop.id,
                referrer_customer_id=referrer.customer_id, referee_customer_id=referral.referee_customer_id,
                referrer_points=paid.get("referrer", 0), referee_points=paid.get("referee", 0))
    session.flush()
    return 1


def order_activated(session: Session, program: ActiveProgram, account: LoyaltyAccount, order: Order) -> int:
    """Called when an order's points become available; rewards a pending referral. Returns rewards given."""
    referral = session.scalar(select(Referral).where(Referral.program_id == program.program.id,
                                                     Referral.referee_customer_id == account.customer_id,
                                                     Referral.status == "pending"))
    if referral is None:
        return 0
    first = first_paid_sale(session, program.shop.id, account.customer_id)
    if first is None or first.id != order.id:
        return 0
    due = _reward_day(session, program, first)
    if due is not None and clock.today_in(program.shop.timezone) < due:
        return 0  # rewarded later by reward_due
    return _settle(session, program, referral, first)


def reward_due(session: Session, program: ActiveProgram, today: date | None = None) -> int:
    """Settle pending referrals whose first order has passed `referral_reward_after_days` (for the daily run)."""
    today = today or clock.today_in(program.shop.timezone)
    done = 0
    for referral in session.scalars(select(Referral).where(Referral.program_id == program.program.id,
                                                           Referral.status == "pending").order_by(Referral.id)).all():
        first = first_paid_sale(session, program.shop.id, referral.referee_customer_id)
        if first is None:
            continue
        due = _reward_day(session, program, first)
        if due is None:
            days = program.config.earning.return_window_days
            from ..daily import window_opens_on

            delivered = session.scalar(select(func.max(Shipment.delivered_at)).where(Shipment.order_id == first.id))
            due = rules.available_on(window_opens_on(first, delivered, program.config, program.shop.timezone), days)
        if today >= due:
            done += _settle(session, program, referral, first)
    return done


def list_referrals(session: Session, program: ActiveProgram, *, account_id: int | None = None,
                   status: str | None = None, limit: int = 50, offset: int = 0) -> tuple[list[Referral], int]:
    """A page of the program's referrals (newest first) with the total count."""
    stmt = select(Referral).where(Referral.program_id == program.program.id)
    if account_id is not None:
        stmt = stmt.where(Referral.referrer_account_id == account_id)
    if status:
        stmt = stmt.where(Referral.status == status)
    total = session.scalar(select(func.count()).select_from(stmt.subquery()))
    rows = session.scalars(stmt.order_by(Referral.id.desc()).limit(limit).offset(offset))
    return list(rows), int(total or 0)


def check_code(code: str | None) -> str:
    """A referral code as typed (spaces and case do not matter), or an error naming the field."""
    value = re.sub(r"\s+", "", code or "").upper()
    if not value:
        raise InvalidInput("referral_code_required", "code: enter a referral code", field="code")
    return value
