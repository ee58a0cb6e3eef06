"""Loyalty reports: the points liability in money, and one member's card (tier, progress, balances, expiring).

Points are valued at the program's `points_value_per_100` (what 100 points pay for, in minor units), the way a
points payment values them (pricing.points_value: floor to the minor unit), computed once on the total; a negative
difference (backtest) is valued as the negative of its size, so the sign never changes the rounding.
"""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from ...customers.models import Customer
from .. import pricing, repository, rules
from ..config import ProgramConfig, Tier
from ..models import LoyaltyAccount, PointsEntry, PointsLot
from .members import tiers
from .program.versions import ActiveProgram

BREAKAGE_SCALE = 1000  # breakage is reported in per mille, an integer (rounded half up)


def points_value(points: int, value_per_100: int) -> int:
    """Money (minor units) that `points` are worth: floor(|points| × value_per_100 / 100), with the sign of points."""
    magnitude = pricing.points_value(abs(points), value_per_100)
    return magnitude if points >= 0 else -magnitude


def month_bounds(today: date, months_ahead: int = 1) -> tuple[date, date]:
    """First day of the month `months_ahead` after today's, and the first day of the month after that."""
    start = rules.add_months(today.replace(day=1), months_ahead)
    return start, rules.add_months(start, 1)


def _ratio(part: int, whole: int) -> int | None:
    return None if whole <= 0 else (2 * part * BREAKAGE_SCALE + whole) // (2 * whole)


def ledger_totals(session: Session, program_id: int) -> dict[str, int]:
    """Lifetime points by movement for a program, straight from the ledger rows (not the account caches).

    issued (earned or bonus points that became available) − redeemed + restored (points paid on a refunded order,
    given back) − expired − reversed (refunds, shortfall settlements) + adjusted (manual, net) + other (any other
    kind, net) = outstanding available points.
    """
    positive = func.coalesce(func.sum(case((PointsEntry.points > 0, PointsEntry.points), else_=0)), 0)
    net = func.coalesce(func.sum(PointsEntry.points), 0)
    pending = func.coalesce(func.sum(PointsEntry.pending_points), 0)
    shortfall = func.coalesce(func.sum(PointsEntry.shortfall), 0)
    restore = case((PointsEntry.reason == "restore", "restore"), else_="")
    rows = session.execute(select(PointsEntry.kind, restore, positive, net, pending, shortfall)
                           .join(LoyaltyAccount, LoyaltyAccount.id == PointsEntry.account_id)
                           .where(LoyaltyAccount.program_id == program_id)
                           .group_by(PointsEntry.kind, restore)).all()
    totals = {"issued": 0, "redeemed": 0, "restored": 0, "expired": 0, "reversed": 0, "adjusted": 0, "other": 0,
              "pending": 0, "shortfall_recorded": 0}
    for kind, restoring, pos, total, pend, short in rows:
        pos, total, pend, short = int(pos), int(total), int(pend), int(short)
        totals["pending"] += pend
        totals["shortfall_recorded"] += short
        if kind in ("earn", "activate"):
            totals["issued"] += pos
            totals["other"] += total - pos  # earn/activate entries never take points; kept so the sum holds
        elif kind == "redeem":
            totals["redeemed"] -= total
        elif kind == "reverse" and restoring:  # points paid on a refunded order, given back (spending/redemption.py)
            totals["restored"] += total
        elif kind == "expire":
            totals["expired"] -= total
        elif kind == "reverse":
            totals["reversed"] -= total
        elif kind == "adjust":
            totals["adjusted"] += total
        else:
            totals["other"] += total
    return totals


def expired_before(session: Session, program_id: int, moment) -> int:
    """Points that expired before `moment` (the program's start): a replayed history's, never redeemable."""
    value = session.scalar(select(func.coalesce(func.sum(-PointsEntry.points), 0))
                           .join(LoyaltyAccount, LoyaltyAccount.id == PointsEntry.account_id)
                           .where(LoyaltyAccount.program_id == program_id, PointsEntry.kind == "expire",
                                  PointsEntry.created_at < moment))
    return int(value)


def liability(session: Session, program: ActiveProgram, *, today: date) -> dict:
    """Outstanding points and their money value, what expires next calendar month (shop-local), breakage so far,
    lifetime issued/redeemed/expired, and the members per tier, as of the shop-local day `today`."""
    cfg, program_id = program.config, program.program.id
    per_100 = cfg.points_value_per_100
    available, pending, owed, members = session.execute(
        select(func.coalesce(func.sum(LoyaltyAccount.balance), 0),
               func.coalesce(func.sum(LoyaltyAccount.pending_balance), 0),
               func.coalesce(func.sum(LoyaltyAccount.shortfall), 0), func.count(LoyaltyAccount.id))
        .where(LoyaltyAccount.program_id == program_id)).one()
    available, pending, owed, members = int(available), int(pending), int(owed), int(members)
    start, end = month_bounds(today)
    expiring, expiring_members = session.execute(
        select(func.coalesce(func.sum(PointsLot.remaining), 0), func.count(func.distinct(PointsLot.account_id)))
        .join(LoyaltyAccount, LoyaltyAccount.id == PointsLot.account_id)
        .where(LoyaltyAccount.program_id == program_id, PointsLot.remaining > 0, PointsLot.expires_on >= start,
               PointsLot.expires_on < end)).one()
    expiring = int(expiring)
    totals = ledger_totals(session, program_id)
    redeemed = totals["redeemed"] - totals["restored"]  # what members really spent
    # Breakage is over what members could really redeem: points that expired in a replayed history, before the
    # program started, never could, so they are reported apart and left out of the rate.
    backfill = expired_before(session, program_id, program.program.created_at)
    expired = totals["expired"] - backfill
    spent_or_lost = expired + redeemed
    return {
        "as_of": today.isoformat(), "currency": program.program.currency, "rule_version": program.version,
        "points_value_per_100": per_100, "members": members,
        "outstanding": {"points": available, "value_amount": points_value(available, per_100)},
        "pending": {"points": pending, "value_amount": points_value(pending, per_100)},
        "total": {"points": available + pending, "value_amount": points_value(available + pending, per_100)},
        "expiring_next_month": {"from_on": start.isoformat(), "until_on": (end - timedelta(days=1)).isoformat(),
                                "points": expiring, "value_amount": points_value(expiring, per_100),
                                "members": int(expiring_members)},
        "breakage": {"expired_points": expired, "redeemed_points": redeemed,
                     "per_mille": _ratio(expired, spent_or_lost), "expired_before_start_points": backfill,
                     "program_started_at": program.program.created_at.isoformat()},
        "lifetime": {key: totals[key] for key in ("issued", "redeemed", "restored", "expired", "reversed", "adjusted",
                                                  "other")},
        "shortfall_outstanding": owed,
        "tiers": tier_mix(cfg, repository.members_by_tier(session, program_id)),
    }


def tier_mix(config: ProgramConfig, counts: dict[str | None, int]) -> list[dict]:
    """Members per tier in the program's order; codes no longer in the rules follow, then members without one."""
    rows = [{"code": tier.code, "name_zh": tier.name_zh, "name_en": tier.name_en, "members": counts.get(tier.code, 0)}
            for tier in config.tiers]
    known = {tier.code for tier in config.tiers}
    for code in sorted(code for code in counts if code is not None and code not in known):
        rows.append({"code": code, "name_zh": code, "name_en": code, "members": counts[code]})
    if counts.get(None):
        rows.append({"code": None, "name_zh": "无", "name_en": "none", "members": counts[None]})
    return rows


def benefits(tier: Tier) -> dict:
    """A tier's benefits as the member card and the API show them."""
    return {"discount_percent": tier.discount_percent, "points_multiplier": tier.points_multiplier,
            "free_shipping": tier.free_shipping, "priority_service": tier.priority_service,
            "birthday_points": tier.birthday_points}


def next_review_on(config: ProgramConfig, today: date) -> date:
    """The next periodic review day after today: the 1st of every `review_every_months`-th month from January."""
    every = config.qualification.review_every_months
    day = rules.add_months(today.replace(day=1), 1)
    while (day.month - 1) % every:
        day = rules.add_months(day, 1)
    return day


def member_card(session: Session, program: ActiveProgram, account: LoyaltyAccount, *, today: date,
                expiring_days: int = 30) -> dict:
    """One member as staff and the member page show them: tier with benefits, gaps to the next tier and to keep
    this one (over the qualification window that contains `today`), balances valued in money, expiring points."""
    cfg, tz = program.config, program.shop.timezone
    spend, orders = tiers.window_totals(session, account, cfg, tz, today)
    gaps = rules.progress(cfg, account.tier_code, spend, orders)
    tier = cfg.tier(gaps.tier)
    upcoming = cfg.tier(gaps.next_tier) if gaps.next_tier else None
    soon = repository.expiring_points(session, account.id, within_days=expiring_days, today=today)
    customer = session.get(Customer, account.customer_id)
    floor_active = account.floor_tier_code and (account.floor_until is None or account.floor_until >= today)
    return {
        "as_of": today.isoformat(), "account_id": account.id, "customer_id": account.customer_id,
        "name": (customer.name or customer.nickname) if customer else None, "referral_code": account.referral_code,
        "joined_at": account.joined_at.isoformat(), "currency": program.program.currency,
        "tier": {"code": tier.code, "name_zh": tier.name_zh, "name_en": tier.name_en, "since": account.tier_since
                 .isoformat() if account.tier_since else None, "benefits": benefits(tier)},
        "floor": {"tier": account.floor_tier_code, "reason": account.floor_reason,
                  "until_on": account.floor_until.isoformat() if account.floor_until else None,
                  "active": bool(floor_active)} if account.floor_tier_code else None,
        "progress": {"window": cfg.qualification.window,
                     "window_start_on": rules.window_start(cfg.qualification.window, today,
                                                           tiers.joined_on(account, tz)).isoformat(),
                     "spend_amount": spend, "orders": orders,
                     "next_tier": {"code": upcoming.code, "name_zh": upcoming.name_zh, "name_en": upcoming.name_en,
                                   "spend_to_next_amount": gaps.spend_to_next, "orders_to_next": gaps.orders_to_next,
                                   "qualify_by": upcoming.qualify_by} if upcoming else None,
                     "spend_to_keep_amount": gaps.spend_to_keep, "orders_to_keep": gaps.orders_to_keep,
                     "next_review_on": next_review_on(cfg, today).isoformat()},
        "balance": account.balance, "pending": account.pending_balance, "shortfall": account.shortfall,
        "balance_value_amount": points_value(account.balance, cfg.points_value_per_100),
        "lifetime": {"earned": account.lifetime_earned, "redeemed": account.lifetime_redeemed,
                     "expired": account.lifetime_expired},
        "expiring": [{"expires_on": row.expires_on.isoformat(), "points": row.points} for row in soon],
        "expiring_points": sum(row.points for row in soon), "expiring_within_days": expiring_days,
    }
