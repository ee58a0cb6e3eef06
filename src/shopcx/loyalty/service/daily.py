"""What happens by the calendar, at midnight in the shop's timezone: pending points become available when the
return window closes, lots expire, birthday points arrive, tiers are reviewed. Every step is keyed, so running
the daily work twice (or catching up after downtime) changes nothing the second time."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import date, timedelta
from zoneinfo import ZoneInfo

from lunardate import LunarDate
from sqlalchemy import and_, extract, func, or_, select
from sqlalchemy.orm import Session

from ...customers.models import Customer
from ...orders.models import Order, Shipment
from .. import rules
from ..models import LoyaltyAccount, PointsEntry, PointsLot
from .members import tiers
from .members.accounts import expiry_for
from .points import ledger
from .program.versions import ActiveProgram


@dataclass
class DailyResult:
    activated: int = 0
    activated_points: int = 0
    expired_lots: int = 0
    expired_points: int = 0
    birthdays: int = 0
    reviewed: int = 0
    tier_changes: int = 0
    referrals: int = 0
    errors: list[str] = field(default_factory=list)


def window_opens_on(order, delivered_at, config, tz_name: str) -> date:
    """Shop-local day the return window starts: completion, else delivery, else payment + automatic confirmation."""
    local = ZoneInfo(tz_name)
    if order.completed_at is not None:
        return order.completed_at.astimezone(local).date()
    if delivered_at is not None:
        return delivered_at.astimezone(local).date()
    return order.paid_at.astimezone(local).date() + timedelta(days=config.earning.auto_confirm_days)


def pending_earns(session: Session, program: ActiveProgram, account_id: int | None = None,
                  account_ids: Collection[int] | None = None) -> list[PointsEntry]:
    """Earn entries with pending points and no activation yet."""
    activated = select(PointsEntry.parent_id).where(PointsEntry.kind == "activate", PointsEntry.parent_id.is_not(None))
    stmt = (select(PointsEntry).join(LoyaltyAccount, LoyaltyAccount.id == PointsEntry.account_id)
            .where(LoyaltyAccount.program_id == program.program.id, PointsEntry.kind == "earn",
                   PointsEntry.pending_points > 0, PointsEntry.id.not_in(activated)).order_by(PointsEntry.id))
    if account_id is not None:
        stmt = stmt.where(PointsEntry.account_id == account_id)
    if account_ids is not None:
        stmt = stmt.where(PointsEntry.account_id.in_(account_ids))
    return list(session.scalars(stmt))


def activate_due(session: Session, program: ActiveProgram, today: date, result: DailyResult,
                 account_id: int | None = None, account_ids: Collection[int] | None = None) -> None:
    """Make available the points of orders whose return window has closed by today."""
    earns = pending_earns(session, program, account_id, account_ids)
    order_ids = sorted({e.order_id for e in earns if e.order_id})
    orders, delivered = {}, {}
    for start in range(0, len(order_ids), 500):
        chunk = order_ids[start:start + 500]
        orders.update({row.id: row for row in session.execute(
            select(Order.id, Order.paid_at, Order.completed_at).where(Order.id.in_(chunk)))})
        delivered.update(session.execute(select(Shipment.order_id, func.max(Shipment.delivered_at))
                                         .where(Shipment.order_id.in_(chunk)).group_by(Shipment.order_id)).all())
    reversed_pending = _pending_reversed(session, [earn.id for earn in earns])
    days = program.config.earning.return_window_days
    locked: set[int] = set()
    earns_of: dict[int, list[int]] = {}
    for earn in earns:
        earns_of.setdefault(earn.account_id, []).append(earn.id)
    for earn in earns:
        order = orders.get(earn.order_id)
        if order is None or order.paid_at is None:
            continue  # the order was erased: its pending points stay pending until staff decide
        opens = window_opens_on(order, delivered.get(order.id), program.config, program.shop.timezone)
        available = rules.available_on(opens, days)
        if available > today:
            continue
        account = session.get(LoyaltyAccount, earn.account_id)
        if account.id not in locked:
            ledger.lock_account(session, account)
            locked.add(account.id)
            # Read under the lock: a refund committed meanwhile has taken back some of these pending points.
            reversed_pending.update(_pending_reversed(session, earns_of[account.id]))
        amount = earn.pending_points - reversed_pending.get(earn.id, 0)
        entry = ledger.activate(session, account, earn, amount, expires_on=expiry_for(program, available),
                                earned_on=earn.earned_on, source_type=earn.source_type, source_id=earn.source_id,
                                detail={"available_on": available.isoformat()})
        if entry is None:
            continue
        result.activated += 1
        result.activated_points += amount
        if account.shortfall:
            ledger.settle_shortfall(session, account, key=f"settle:{entry.id}")
        if account.referred_by_id is not None:  # only a referee's orders can complete a referral
            from .members import referrals

            result.referrals += referrals.order_activated(session, program, account, session.get(Order, order.id))


def _pending_reversed(session: Session, earn_ids: list[int]) -> dict[int, int]:
    """Pending points already taken back from each earn entry, by its id."""
    totals: dict[int, int] = {}
    for start in range(0, len(earn_ids), 500):
        chunk = earn_ids[start:start + 500]
        rows = session.execute(select(PointsEntry.parent_id, func.sum(-PointsEntry.pending_points))
                               .where(PointsEntry.parent_id.in_(chunk), PointsEntry.kind == "reverse")
                               .group_by(PointsEntry.parent_id))
        totals.update({parent: int(total) for parent, total in rows})
    return totals


def expire_due(session: Session, program: ActiveProgram, today: date, result: DailyResult,
               account_id: int | None = None, account_ids: Collection[int] | None = None) -> None:
    """Expire every lot whose expiry day has begun in the shop's timezone."""
    stmt = (select(PointsLot).join(LoyaltyAccount, LoyaltyAccount.id == PointsLot.account_id)
            .where(LoyaltyAccount.program_id == program.program.id, PointsLot.remaining > 0,
                   PointsLot.expires_on.is_not(None), PointsLot.expires_on <= today)
            .order_by(PointsLot.account_id, PointsLot.id))
    if account_id is not None:
        stmt = stmt.where(PointsLot.account_id == account_id)
    if account_ids is not None:
        stmt = stmt.where(PointsLot.account_id.in_(account_ids))
    for lot in session.scalars(stmt).all():
        account = ledger.lock_account(session, session.get(LoyaltyAccount, lot.account_id))
        session.refresh(lot)
        entry = ledger.expire_lot(session, account, lot, key=f"expire:{lot.id}")
        if entry is not None:
            result.expired_lots += 1
            result.expired_points += -entry.points


def _lunar_today(today: date) -> list[tuple[int, int]]:
    """(lunar month, lunar day) pairs celebrated today; day 30 also on the 29th of a month that has no 30th."""
    lunar = LunarDate.from_solar_date(today.year, today.month, today.day)
    pairs = [(lunar.month, lunar.day)]
    tomorrow = today + timedelta(days=1)
    if lunar.day == 29 and LunarDate.from_solar_date(tomorrow.year, tomorrow.month, tomorrow.day).day == 1:
        pairs.append((lunar.month, 30))
    return pairs


def birthday_members(session: Session, program: ActiveProgram, today: date) -> list[LoyaltyAccount]:
    """Members whose birthday (solar, or lunar in the Chinese calendar) is today; 29 Feb counts on 28 Feb then."""
    solar = and_(extract("month", Customer.birthday_on) == today.month,
                 extract("day", Customer.birthday_on) == today.day)
    conditions = [solar]
    if today.month == 2 and today.day == 28 and rules.on_day_in_year(2, 29, today.year) == today:
        conditions.append(and_(extract("month", Customer.birthday_on) == 2, extract("day", Customer.birthday_on) == 29))
    for month, day in _lunar_today(today):
        conditions.append(and_(Customer.birthday_on.is_(None), Customer.birthday_lunar_month == month,
                               Customer.birthday_lunar_day == day))
    stmt = (select(LoyaltyAccount).join(Customer, Customer.id == LoyaltyAccount.customer_id)
            .where(LoyaltyAccount.program_id == program.program.id, Customer.erased_at.is_(None), or_(*conditions)))
    return list(session.scalars(stmt))


def birthday_points(session: Session, program: ActiveProgram, today: date, result: DailyResult) -> None:
    """The birthday gift in points (program + tier), once per member per year."""
    for account in birthday_members(session, program, today):
        tier = program.config.tier(account.tier_code)
        points = program.config.earning.birthday_points + (tier.birthday_points if tier else 0)
        if points <= 0:
            continue
        ledger.lock_account(session, account)
        year = today.year
        if session.scalar(select(Customer.birthday_on).where(Customer.id == account.customer_id)) is None:
            # A lunar birthday is once per lunar year: 腊月 dates fall twice in some solar years, in none of others.
            year = LunarDate.from_solar_date(today.year, today.month, today.day).year
        entry = ledger.credit(session, account, points, key=f"birthday:{account.id}:{year}", kind="earn",
                              reason="birthday", expires_on=expiry_for(program, today), rule_version=program.version,
                              earned_on=today, detail={"tier": account.tier_code})
        result.birthdays += entry is not None


def review_tiers(session: Session, program: ActiveProgram, today: date, result: DailyResult,
                 force: bool = False, account_ids: Collection[int] | None = None) -> None:
    """The periodic tier review on its day (or now, when forced from the CLI)."""
    stmt = select(LoyaltyAccount).where(LoyaltyAccount.program_id == program.program.id)
    if account_ids is not None:
        stmt = stmt.where(LoyaltyAccount.id.in_(account_ids))
    if not force:
        every = program.config.qualification.review_every_months
        if today.day != 1 or (today.month - 1) % every:
            return  # not a review day: the job runs every 15 minutes and must not load every member each time
        stmt = stmt.where(or_(LoyaltyAccount.reviewed_on.is_(None), LoyaltyAccount.reviewed_on < today))
    for account in session.scalars(stmt.order_by(LoyaltyAccount.id)):
        if force or tiers.review_due(program, account, today):
            result.reviewed += 1
            result.tier_changes += tiers.review(session, program, account, today)


def run_daily(session: Session, program: ActiveProgram, today: date, *, force_review: bool = False) -> DailyResult:
    """The day's calendar work for one program, in the order that keeps balances right."""
    result = DailyResult()
    activate_due(session, program, today, result)
    expire_due(session, program, today, result)
    birthday_points(session, program, today, result)
    from .members import referrals

    # Referrals whose first order earned nothing to activate are settled by date here.
    result.referrals += referrals.reward_due(session, program, today)
    review_tiers(session, program, today, result, force=force_review)
    return result


def refresh_account(session: Session, program: ActiveProgram, account: LoyaltyAccount, today: date) -> None:
    """Bring one member up to date before a balance is shown or spent (the nightly run may not have happened)."""
    result = DailyResult()
    activate_due(session, program, today, result, account_id=account.id)
    expire_due(session, program, today, result, account_id=account.id)
