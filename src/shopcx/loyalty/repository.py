"""Loyalty queries for lists and reports: members with filters, a member's ledger, expiring points, tier changes,
adjustment requests. Every list is paginated (`page` from 1) and returns (rows, total)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from ..core import clock
from ..core.search import contains
from ..core.security import mask_identity
from ..customers.models import Customer, CustomerIdentity
from ..shops.models import Shop
from .models import AdjustmentRequest, LoyaltyAccount, LoyaltyProgram, PointsEntry, PointsLot, TierChange

DEFAULT_EXPIRING_DAYS = 30
MEMBER_ORDERS = ("balance", "newest", "expiring")


@dataclass(frozen=True)
class MemberRow:
    """One line of the members list: who, tier, balances and what expires within the window asked for."""

    account_id: int
    customer_id: int
    name: str | None
    tier_code: str | None
    floor_tier_code: str | None
    balance: int
    pending_balance: int
    shortfall: int
    lifetime_earned: int
    expiring_points: int
    next_expiry_on: date | None
    joined_at: datetime


@dataclass(frozen=True)
class ExpiringPoints:
    """Points left in lots that are gone from the shop-local midnight starting `expires_on`."""

    expires_on: date
    points: int


@dataclass(frozen=True)
class RequestRow:
    """An adjustment request with the member it is for and their balance now (what the approver weighs)."""

    request: AdjustmentRequest
    customer_id: int
    name: str | None
    balance: int


def _offset(page: int, page_size: int) -> int:
    return (max(1, page) - 1) * page_size


def program_today(session: Session, program_id: int) -> date:
    """Today in the timezone of the program's shop."""
    tz = session.scalar(select(Shop.timezone).join(LoyaltyProgram, LoyaltyProgram.shop_id == Shop.id)
                        .where(LoyaltyProgram.id == program_id))
    return clock.today_in(tz or "Asia/Shanghai")


def _expiring_subquery(today: date, within_days: int):
    """Per account: points in lots expiring by today + within_days (already due ones included), earliest date."""
    until = today + timedelta(days=within_days)
    return (select(PointsLot.account_id.label("account_id"), func.sum(PointsLot.remaining).label("points"),
                   func.min(PointsLot.expires_on).label("first_on"))
            .where(PointsLot.remaining > 0, PointsLot.expires_on.is_not(None), PointsLot.expires_on <= until)
            .group_by(PointsLot.account_id).subquery())


def search_members(session: Session, program_id: int, *, tier: str | None = None, min_balance: int | None = None,
                   max_balance: int | None = None, expiring_within_days: int | None = None,
                   today: date | None = None, query: str | None = None, by_contacts: bool = True,
                   order: str = "balance", page: int = 1, page_size: int = 50) -> tuple[list[MemberRow], int]:
    """One page of a program's members and the total that match.

    expiring_within_days keeps members with points expiring by today + N days (shop-local, `today` defaults to
    the shop's today); without it the `expiring_points` column still shows the next 30 days. `query` matches the
    customer's name or nickname, the customer id, an external id or the referral code, and — only when
    by_contacts (callers allowed to see contacts, permission `pii`) — the phone number and email.
    order: balance (largest first), newest (joined last first) or expiring (soonest first).
    """
    day = today or program_today(session, program_id)
    expiring = _expiring_subquery(day, expiring_within_days if expiring_within_days is not None
                                  else DEFAULT_EXPIRING_DAYS)
    points = func.coalesce(expiring.c.points, 0)
    columns = (LoyaltyAccount.id, LoyaltyAccount.customer_id, func.coalesce(Customer.name, Customer.nickname),
               LoyaltyAccount.tier_code, LoyaltyAccount.floor_tier_code, LoyaltyAccount.balance,
               LoyaltyAccount.pending_balance, LoyaltyAccount.shortfall, LoyaltyAccount.lifetime_earned, points,
               expiring.c.first_on, LoyaltyAccount.joined_at)

    def filtered(stmt):
        stmt = (stmt.join(Customer, Customer.id == LoyaltyAccount.customer_id)
                .outerjoin(expiring, expiring.c.account_id == LoyaltyAccount.id)
                .where(LoyaltyAccount.program_id == program_id))
        if tier:
            stmt = stmt.where(LoyaltyAccount.tier_code == tier)
        if min_balance is not None:
            stmt = stmt.where(LoyaltyAccount.balance >= min_balance)
        if max_balance is not None:
            stmt = stmt.where(LoyaltyAccount.balance <= max_balance)
        if expiring_within_days is not None:
            stmt = stmt.where(points > 0)
        if query and query.strip():
            stmt = stmt.where(_matches(query.strip(), by_contacts))
        return stmt

    total = session.scalar(filtered(select(func.count(LoyaltyAccount.id)))) or 0
    sort = {"balance": (LoyaltyAccount.balance.desc(), LoyaltyAccount.id.desc()),
            "newest": (LoyaltyAccount.joined_at.desc(), LoyaltyAccount.id.desc()),
            "expiring": (expiring.c.first_on.is_(None), expiring.c.first_on, points.desc(), LoyaltyAccount.id)}
    stmt = filtered(select(*columns)).order_by(*sort.get(order, sort["balance"]))
    rows = session.execute(stmt.offset(_offset(page, page_size)).limit(page_size)).all()
    return [MemberRow(*row) for row in rows], total


def _matches(q: str, by_contacts: bool):
    conditions = [contains(Customer.name, q), contains(Customer.nickname, q),
                  LoyaltyAccount.referral_code == q.upper()]
    if by_contacts or mask_identity(q) == q:  # an e-mail or phone used as an identity is a contact too
        conditions.append(Customer.id.in_(select(CustomerIdentity.customer_id)
                                          .where(CustomerIdentity.external_id == q)))
    if q.isascii() and q.isdigit() and len(q) <= 18:
        conditions.append(Customer.id == int(q))
    digits = "".join(ch for ch in q if ch.isdigit())
    if by_contacts:
        conditions.append(contains(Customer.email, q))
        if len(digits) >= 3:
            conditions.append(Customer.phone.like(f"%{digits}%"))
    return or_(*conditions)


def member_history(session: Session, account_id: int, *, page: int = 1,
                   page_size: int = 50) -> tuple[list[PointsEntry], int]:
    """One page of a member's ledger entries, newest first, and their total."""
    total = session.scalar(select(func.count(PointsEntry.id)).where(PointsEntry.account_id == account_id)) or 0
    rows = session.scalars(select(PointsEntry).where(PointsEntry.account_id == account_id)
                           .order_by(PointsEntry.id.desc()).offset(_offset(page, page_size)).limit(page_size))
    return list(rows), total


def expiring_points(session: Session, account_id: int, *, within_days: int, today: date) -> list[ExpiringPoints]:
    """A member's points that expire by today + within_days (shop-local), per expiry day, soonest first."""
    until = today + timedelta(days=within_days)
    rows = session.execute(select(PointsLot.expires_on, func.sum(PointsLot.remaining))
                           .where(PointsLot.account_id == account_id, PointsLot.remaining > 0,
                                  PointsLot.expires_on.is_not(None), PointsLot.expires_on <= until)
                           .group_by(PointsLot.expires_on).order_by(PointsLot.expires_on)).all()
    return [ExpiringPoints(expires_on=day, points=int(points)) for day, points in rows]


def tier_changes(session: Session, account_id: int, *, page: int = 1,
                 page_size: int = 50) -> tuple[list[TierChange], int]:
    """One page of a member's tier changes, newest first, and their total."""
    total = session.scalar(select(func.count(TierChange.id)).where(TierChange.account_id == account_id)) or 0
    rows = session.scalars(select(TierChange).where(TierChange.account_id == account_id)
                           .order_by(TierChange.at.desc(), TierChange.id.desc())
                           .offset(_offset(page, page_size)).limit(page_size))
    return list(rows), total


def adjustment_requests(session: Session, program_id: int, *, status: str | None = "pending",
                        account_id: int | None = None, page: int = 1,
                        page_size: int = 50) -> tuple[list[RequestRow], int]:
    """One page of a program's adjustment requests (pending by default; None = all), oldest pending first."""

    def filtered(stmt):
        stmt = (stmt.join(LoyaltyAccount, LoyaltyAccount.id == AdjustmentRequest.account_id)
                .where(LoyaltyAccount.program_id == program_id))
        if status:
            stmt = stmt.where(AdjustmentRequest.status == status)
        if account_id is not None:
            stmt = stmt.where(AdjustmentRequest.account_id == account_id)
        return stmt

    total = session.scalar(filtered(select(func.count(AdjustmentRequest.id)))) or 0
    # Pending ones wait in the order they came; decided ones are read back newest first.
    sort = AdjustmentRequest.id if status == "pending" else AdjustmentRequest.id.desc()
    stmt = (filtered(select(AdjustmentRequest, LoyaltyAccount.customer_id,
                            func.coalesce(Customer.name, Customer.nickname), LoyaltyAccount.balance))
            .join(Customer, Customer.id == LoyaltyAccount.customer_id).order_by(sort)
            .offset(_offset(page, page_size)).limit(page_size))
    return [RequestRow(*row) for row in session.execute(stmt).all()], total


def pending_request_count(session: Session, program_id: int) -> int:
    """How many adjustment requests wait for a decision (the badge on the staff page)."""
    return adjustment_requests(session, program_id, page_size=1)[1]


def members_by_tier(session: Session, program_id: int) -> dict[str | None, int]:
    """tier code -> number of members (the tier mix)."""
    rows = session.execute(select(LoyaltyAccount.tier_code, func.count(LoyaltyAccount.id))
                           .where(LoyaltyAccount.program_id == program_id).group_by(LoyaltyAccount.tier_code)).all()
    return {code: int(n) for code, n in rows}


def expiring_by_month(session: Session, program_id: int, *, today: date, months: int = 12) -> list[dict]:
    """Points left in lots expiring in each shop-local month from today's month on: [{month: 'YYYY-MM', points}]."""
    index = today.year * 12 + today.month - 1
    keys = [f"{(index + n) // 12}-{(index + n) % 12 + 1:02d}" for n in range(months)]
    first, end_index = today.replace(day=1), index + months
    rows = session.execute(select(PointsLot.expires_on, func.sum(PointsLot.remaining))
                           .join(LoyaltyAccount, LoyaltyAccount.id == PointsLot.account_id)
                           .where(LoyaltyAccount.program_id == program_id, PointsLot.remaining > 0,
                                  PointsLot.expires_on >= first,
                                  PointsLot.expires_on < date(end_index // 12, end_index % 12 + 1, 1))
                           .group_by(PointsLot.expires_on)).all()
    points = dict.fromkeys(keys, 0)
    for day, remaining in rows:  # grouped by day in SQL, folded into months here: the same on both databases
        points[f"{day.year}-{day.month:02d}"] += int(remaining)
    return [{"month": key, "points": points[key]} for key in keys]
