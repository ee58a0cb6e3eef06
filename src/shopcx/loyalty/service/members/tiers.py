"""Tier qualification over the stored activity: upgrades at once, a refund's undoing, the periodic review, and
the manual floor staff can set with a reason."""

from __future__ import annotations

from contextlib import contextmanager
from contextvars import ContextVar
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ....core import clock, events
from ....core.errors import InvalidInput
from ....staff.service import Actor, audit
from ... import rules
from ...config import ProgramConfig
from ...models import LoyaltyAccount, TierActivity, TierChange
from ..program.versions import ActiveProgram


def local_midnight(day: date, tz_name: str) -> datetime:
    """The UTC instant a shop-local day begins."""
    return clock.to_utc(datetime.combine(day, time()), tz_name)


def joined_on(account: LoyaltyAccount, tz_name: str) -> date:
    return account.joined_at.astimezone(ZoneInfo(tz_name)).date()


def window_totals(session: Session, account: LoyaltyAccount, config: ProgramConfig, tz_name: str,
                  as_of: date) -> tuple[int, int]:
    """(spend, orders) counted for tiers in the window that contains the shop-local day as_of."""
    start = rules.window_start(config.qualification.window, as_of, joined_on(account, tz_name))
    spend, orders = session.execute(
        select(func.coalesce(func.sum(TierActivity.spend_amount), 0), func.coalesce(func.sum(TierActivity.orders), 0))
        .where(TierActivity.account_id == account.id, TierActivity.at >= local_midnight(start, tz_name),
               TierActivity.at < local_midnight(as_of + timedelta(days=1), tz_name))).one()
    return max(0, int(spend)), max(0, int(orders))


def record_activity(session: Session, account: LoyaltyAccount, *, key: str, spend: int, orders: int, at: datetime,
                    order_id: int | None) -> bool:
    """Add qualifying spend/orders once per key; False when the key was already recorded."""
    with session.no_autoflush:  # activity rows are flushed when written
        if session.scalar(select(TierActivity.id).where(TierActivity.idempotency_key == key)) is not None:
            return False
    session.add(TierActivity(account_id=account.id, order_id=order_id, spend_amount=spend, orders=orders, at=at,
                             idempotency_key=key, created_at=clock.now()))
    session.flush()
    return True


_quiet = ContextVar("quiet_tier_changes", default=False)


@contextmanager
def quiet():
    """Inside the block tier changes emit no event: a history replay must not announce upgrades of years ago."""
    token = _quiet.set(True)
    try:
        yield
    finally:
        _quiet.reset(token)


def set_tier(session: Session, account: LoyaltyAccount, target: str, *, reason: str, version: int | None,
             actor: str = "system", note: str | None = None) -> bool:
    """Move the member to target (recording the change and emitting its event); False when already there."""
    if account.tier_code == target:
        return False
    now = clock.now()
    session.add(TierChange(account_id=account.id, from_tier=account.tier_code, to_tier=target, reason=reason,
                           note=note, rule_version=version, actor=actor, at=now))
    if not _quiet.get():
        events.emit(session, "member_tier_changed", "loyalty_account", account.id, shop_id=account.shop_id,
                    customer_id=account.customer_id, from_tier=account.tier_code, to_tier=target, reason=reason)
    account.tier_code, account.tier_since = target, now
    session.flush()
    return True


def _today(program: ActiveProgram) -> date:
    return clock.today_in(program.shop.timezone)


def _floor(account: LoyaltyAccount, today: date) -> str | None:
    if account.floor_tier_code and (account.floor_until is None or account.floor_until >= today):
        return account.floor_tier_code
    return None


def after_payment(session: Session, program: ActiveProgram, account: LoyaltyAccount) -> bool:
    """Re-tier after a payment: an upgrade happens at once."""
    today = _today(program)
    spend, orders = window_totals(session, account, program.config, program.shop.timezone, today)
    target = rules.tier_after_payment(program.config, account.tier_code, _floor(account, today), spend, orders)
    return set_tier(session, account, target, reason="qualify", version=program.version)


def after_refund(session: Session, program: ActiveProgram, account: LoyaltyAccount) -> bool:
    """Re-tier after a refund: an upgrade the refunded spend paid for is undone, never below the last review."""
    today = _today(program)
    spend, orders = window_totals(session, account, program.config, program.shop.timezone, today)
    target = rules.tier_after_refund(program.config, account.tier_code, account.reviewed_tier_code,
                                     _floor(account, today), spend, orders)
    return set_tier(session, account, target, reason="refund", version=program.version)


def review(session: Session, program: ActiveProgram, account: LoyaltyAccount, as_of: date | None = None) -> bool:
    """The periodic review: downgrade when the keep threshold is missed, upgrade when qualified."""
    day = as_of or _today(program)
    spend, orders = window_totals(session, account, program.config, program.shop.timezone, day)
    floor = _floor(account, day)
    target = rules.tier_at_review(program.config, account.tier_code, floor, spend, orders)
    window = program.config.qualification.window
    if window != "rolling_12m":
        # A tier earned in a calendar or membership year holds through the next one: the review also judges the
        # last complete window, else everyone would drop when a new (still empty) year begins.
        tz = program.shop.timezone
        start = rules.window_start(window, day, joined_on(account, tz))
        last = window_totals(session, account, program.config, tz, start - timedelta(days=1))
        target = max(target, rules.tier_at_review(program.config, account.tier_code, floor, *last),
                     key=program.config.rank)
    reason = "review"
    if account.floor_tier_code and floor is None:
        account.floor_tier_code, account.floor_until = None, None
        reason = "floor_ended" if target != account.tier_code else reason
    changed = set_tier(session, account, target, reason=reason, version=program.version)
    account.reviewed_tier_code, account.reviewed_on = target, day
    return changed


def review_due(program: ActiveProgram, account: LoyaltyAccount, today: date) -> bool:
    """Reviews happen on the 1st of every `review_every_months`-th month (counted from January)."""
    every = program.config.qualification.review_every_months
    if today.day != 1 or (today.month - 1) % every:
        return False
    return account.reviewed_on is None or account.reviewed_on < today


def set_floor(session: Session, program: ActiveProgram, account: LoyaltyAccount, tier_code: str | None, *,
              reason: str, until: date | None, actor: Actor) -> None:
    """A manual tier set by staff: the member never falls below it (until the given day); a reason is required."""
    if tier_code is not None and program.config.tier(tier_code) is None:
        raise InvalidInput("unknown_tier", f"tier: the program has no tier '{tier_code}'", field="tier")
    if not (reason or "").strip():
        raise InvalidInput("reason_required", "reason: say why the tier is set by hand", field="reason")
    old = (account.floor_tier_code, account.floor_until)
    account.floor_tier_code, account.floor_reason, account.floor_until = tier_code, reason.strip()[:255], until
    today = _today(program)
    spend, orders = window_totals(session, account, program.config, program.shop.timezone, today)
    if tier_code is None:  # removing the floor takes effect at the next review, like any downgrade
        target = account.tier_code or program.config.tiers[0].code
    else:
        target = rules.tier_after_payment(program.config, account.tier_code, tier_code, spend, orders)
    set_tier(session, account, target, reason="manual", version=program.version, actor=actor.label,
             note=reason.strip()[:255])
    audit(session, actor, "loyalty.tier_floor", "loyalty_account", account.id,
          {"floor": [old[0], tier_code], "until": [str(old[1]) if old[1] else None, str(until) if until else None],
           "reason": reason.strip()[:255]})
