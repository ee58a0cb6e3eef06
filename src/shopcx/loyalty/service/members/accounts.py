"""Members: enrolment (with the joining bonus), lookup, and the birthday a member may change only so often."""

from __future__ import annotations

import secrets
from datetime import date, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from ....core import clock
from ....core.errors import InvalidInput, NotFound
from ....customers.models import Customer
from ....staff.service import Actor, audit
from ... import rules
from ...models import LoyaltyAccount, TierChange
from ..points import ledger
from ..points.ledger import LoyaltyError
from ..program.versions import ActiveProgram

_CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O or 1/I: codes are read aloud and typed on phones


def new_referral_code(session: Session) -> str:
    while True:
        code = "".join(secrets.choice(_CODE_ALPHABET) for _ in range(8))
        if session.scalar(select(LoyaltyAccount.id).where(LoyaltyAccount.referral_code == code)) is None:
            return code


def find_account(session: Session, program_id: int, customer_id: int) -> LoyaltyAccount | None:
    return session.scalar(select(LoyaltyAccount).where(LoyaltyAccount.program_id == program_id,
                                                       LoyaltyAccount.customer_id == customer_id))


def get_account(session: Session, account_id: int) -> LoyaltyAccount:
    account = session.get(LoyaltyAccount, account_id)
    if account is None:
        raise NotFound("member_not_found", f"there is no member {account_id}")
    return account


def account_by_referral_code(session: Session, code: str) -> LoyaltyAccount | None:
    return session.scalar(select(LoyaltyAccount).where(LoyaltyAccount.referral_code == code.strip().upper()))


def enrol(session: Session, program: ActiveProgram, customer_id: int, *, actor: str = "system") -> LoyaltyAccount:
    """The customer's membership, created on first need (first paid order, sign-up, staff) with the joining bonus."""
    account = find_account(session, program.program.id, customer_id)
    if account is not None:
        return account
    # Only whether the customer exists: loading one would also load its identities, tags, consents, anniversaries.
    if session.scalar(select(Customer.id).where(Customer.id == customer_id)) is None:
        raise NotFound("customer_not_found", f"there is no customer {customer_id}")
    now = clock.now()
    entry_tier = program.config.tiers[0].code
    account = LoyaltyAccount(program_id=program.program.id, shop_id=program.shop.id, customer_id=customer_id,
                             balance=0, pending_balance=0, shortfall=0, lifetime_earned=0, lifetime_redeemed=0,
                             lifetime_expired=0, tier_code=entry_tier, tier_since=now, reviewed_tier_code=entry_tier,
                             referral_code=new_referral_code(session), joined_at=now, version=0, updated_at=now)
    session.add(account)
    session.flush()
    session.add(TierChange(account_id=account.id, from_tier=None, to_tier=entry_tier, reason="join",
                           rule_version=program.version, actor=actor, at=now))
    bonus = program.config.earning.join_points
    if bonus:
        today = clock.today_in(program.shop.timezone)
        ledger.credit(session, account, bonus, key=f"join:{account.id}", kind="earn", reason="join",
                      expires_on=expiry_for(program, today), rule_version=program.version, earned_on=today,
                      actor=actor)
    return account


def expiry_for(program: ActiveProgram, available: date) -> date | None:
    """When points that became available on a shop-local day expire under the published rules."""
    return rules.lot_expires_on(program.config.expiry.mode, program.config.expiry.months, available)


def customers_who_referred(session: Session, shop_id: int | None = None) -> set[int]:
    """Customers whose referral brought a customer who bought and kept the order (the lifecycle's advocates)."""
    from ...models import Referral

    stmt = (select(LoyaltyAccount.customer_id).join(Referral, Referral.referrer_account_id == LoyaltyAccount.id)
            .where(Referral.status == "rewarded").distinct())
    if shop_id is not None:
        stmt = stmt.where(LoyaltyAccount.shop_id == shop_id)
    return set(session.scalars(stmt))


def change_birthday(session: Session, program: ActiveProgram, account: LoyaltyAccount, birthday: date, *,
                    actor: Actor | None = None) -> None:
    """Set the member's (solar) birthday; once set, it may change again only after `birthday_change_days`.

    The birthday bonus is keyed by year, so even an allowed change never pays a second bonus in the same year.
    """
    customer = session.get(Customer, account.customer_id)
    today = clock.today_in(program.shop.timezone)
    if birthday > today or birthday.year < 1900:
        raise InvalidInput("invalid_birthday", "birthday: not a possible date of birth", field="birthday")
    if customer.birthday_on == birthday:
        return
    limit = program.config.birthday_change_days
    staff = actor is not None and actor.role in ("owner", "manager")
    if customer.birthday_on is not None and account.birthday_changed_at is not None and not staff:
        changed_on = account.birthday_changed_at.astimezone(ZoneInfo(program.shop.timezone)).date()
        allowed_from = changed_on + timedelta(days=limit)  # counted in shop-local days, like `today`
        if today < allowed_from:
            raise LoyaltyError("birthday_change_limited",
                               f"birthday: it was changed recently; it can be changed again from {allowed_from}",
                               field="birthday", values={"allowed_from": allowed_from})
    old = customer.birthday_on
    customer.birthday_on, customer.birthday_lunar_month, customer.birthday_lunar_day = birthday, None, None
    customer.updated_at = account.birthday_changed_at = clock.now()
    if actor is not None:
        audit(session, actor, "loyalty.birthday", "customer", customer.id,
              {"birthday_on": [str(old) if old else None, str(birthday)]})
