"""Goodwill from the complaint desk: points or a personal coupon given to a buyer as compensation, once per key.

The desk decides who may give how much (its graded authority); loyalty only issues, idempotently: the points
entry's key and the coupon's code both derive from the desk's key, so a replay returns what was issued before and
the database's unique keys stop a second issue even when two requests race.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from ....core import clock
from ...models import Coupon, PointsEntry
from ..members.accounts import enrol, expiry_for
from ..program.versions import active
from . import ledger
from .ledger import LoyaltyError

COUPON_DAYS = 90


def _program(session: Session, shop_id: int):
    program = active(session, shop_id)
    if program is None:
        raise LoyaltyError("no_loyalty_program", "loyalty: the shop has no active loyalty program to issue points "
                           "or coupons", field="kind")
    return program


def grant_goodwill_points(session: Session, shop_id: int, customer_id: int, points: int, *, key: str, note: str,
                          actor_label: str) -> PointsEntry:
    """Credit `points` to the buyer's account (enrolled on first need) under `goodwill:<key>`; once per key."""
    program = _program(session, shop_id)
    account = ledger.lock_account(session, enrol(session, program, customer_id, actor=actor_label))
    entry_key = f"goodwill:{key}"[:160]
    today = clock.today_in(program.shop.timezone)
    entry = ledger.credit(session, account, points, key=entry_key, kind="adjust", reason="goodwill",
                          expires_on=expiry_for(program, today), note=note[:255], actor=actor_label,
                          rule_version=program.version, earned_on=today, source_type="goodwill")
    return entry or ledger.entry_by_key(session, entry_key)


def issue_goodwill_coupon(session: Session, shop_id: int, customer_id: int, amount_off: int, *, key: str,
                          name: str, actor_label: str) -> Coupon:
    """A single-use amount-off coupon for the buyer, code `GW<key>`, valid COUPON_DAYS days; once per key."""
    from ..spending.coupons import issue_personal

    program = _program(session, shop_id)
    account = enrol(session, program, customer_id, actor=actor_label)
    code = f"GW{key}".upper()[:40]
    found = session.scalar(select(Coupon).where(Coupon.shop_id == shop_id, Coupon.code == code))
    if found is not None:
        return found
    coupon = issue_personal(session, shop_id=shop_id, currency=program.shop.currency, account_id=account.id,
                            kind="coupon_amount", amount_off=amount_off, percent_off=None, min_spend_amount=0,
                            valid_until=clock.now() + timedelta(days=COUPON_DAYS), name=name[:120],
                            created_by=actor_label[:80])
    coupon.code = code
    session.flush()
    return coupon
