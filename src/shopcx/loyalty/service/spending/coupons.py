"""Coupons: campaign codes staff create and personal coupons issued for points, checked and used at checkout.

Rules a buyer and a seller can rely on:
- Codes are case-insensitive (stored upper-case) and unique within their shop. Generated codes use an alphabet
  without 0/O and 1/I/L-lookalikes; a code staff choose (SPRING-SALE) may use any letter or digit, but no two codes
  of a shop may differ only by O/0 or I/L/1, and a code typed with one of those mixed up is still found.
- A coupon is valid from `valid_from` (inclusive) to `valid_until` (exclusive), checked at the time the order was
  placed; it counts once per order, against a limit per code and per customer.
- Audience: "new" = no earlier paid sale in this shop, "old" = at least one. An earlier sale that was refunded in
  full or cancelled does not count, so buying and returning does not make a customer "old".
- A use is given back only when its order becomes void (cancelled, or refunded in full). A partial refund keeps
  the use: the buyer still bought something with the coupon's discount.
- Limits hold under concurrency: the coupon row is locked while a use is counted, and CHECK (used_count <=
  max_uses) is the backstop.
"""

from __future__ import annotations

import re
import secrets
from datetime import datetime

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from ....core import clock
from ....core.errors import InvalidInput, NotFound
from ....orders.models import Order
from ....orders.rules import PAID_STATUSES
from ....shops.models import Shop
from ....staff.service import Actor, audit
from ...models import Coupon, CouponUse
from ...pricing import percent_of
from ..points.ledger import LoyaltyError

ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # no 0/O, no 1/I/L
_CODE = re.compile(r"^[A-Z0-9][A-Z0-9-]{3,39}$")
_FOLD = str.maketrans("OIL", "011")
KINDS = ("coupon_amount", "coupon_percent", "free_shipping", "gift")
AUDIENCES = ("all", "new", "old")
# Paid sales that make a customer "old": still standing (not cancelled, not refunded in full).
_STANDING = tuple(sorted(PAID_STATUSES - {"refunded"}))


def normalize_code(code: str | None) -> str:
    """A code as stored: spaces removed, upper-case."""
    return re.sub(r"\s+", "", code or "").upper()


def check_code(code: str | None, field: str = "code") -> str:
    """A staff-chosen code, normalized, or an error naming the field."""
    value = normalize_code(code)
    if not _CODE.match(value):
        raise InvalidInput("invalid_coupon_code", f"{field}: '{code}' is not a usable code: 4–40 letters, digits or "
                           f"'-', starting with a letter or digit", field=field)
    return value


def _folded_column():
    return func.replace(func.replace(func.replace(Coupon.code, "O", "0"), "I", "1"), "L", "1")


def new_code(session: Session, shop_id: int, length: int = 10) -> str:
    """A random unused code for the shop."""
    while True:
        code = "".join(secrets.choice(ALPHABET) for _ in range(length))
        # The alphabet has no O/0/I/L/1, so only an exact match can clash with it.
        if session.scalar(select(Coupon.id).where(Coupon.shop_id == shop_id, Coupon.code == code)) is None:
            return code


def paid_sales(session: Session, shop_id: int, customer_id: int | None, *, before: datetime | None = None,
               exclude_order_id: int | None = None) -> int:
    """The customer's standing paid sales in the shop (paid before `before`, if given): 0 = a new customer."""
    if customer_id is None:
        return 0
    stmt = select(func.count(Order.id)).where(
        Order.shop_id == shop_id, Order.customer_id == customer_id, Order.kind == "sale",
        Order.paid_at.is_not(None), Order.status.in_(_STANDING),
        or_(Order.paid_amount <= 0, Order.refunded_amount < Order.paid_amount))
    if before is not None:
        stmt = stmt.where(Order.paid_at < before)
    if exclude_order_id is not None:
        stmt = stmt.where(Order.id != exclude_order_id)
    return int(session.scalar(stmt) or 0)


def find_coupon(session: Session, shop_id: int, code: str) -> Coupon | None:
    """The shop's coupon with this code: exact (any case), else the one code that matches with O/0 and I/L/1 folded."""
    value = normalize_code(code)
    exact = session.scalar(select(Coupon).where(Coupon.shop_id == shop_id, Coupon.code == value))
    if exact is not None or not value:
        return exact
    similar = _similar(session, shop_id, value)
    return similar[0] if len(similar) == 1 else None


def _similar(session: Session, shop_id: int, value: str) -> list[Coupon]:
    return list(session.scalars(select(Coupon).where(Coupon.shop_id == shop_id,
                                                     _folded_column() == value.translate(_FOLD)).limit(2)))


def get_coupon(session: Session, coupon_id: int) -> Coupon:
    coupon = session.get(Coupon, coupon_id)
    if coupon is None:
        raise NotFound("coupon_not_found", f"coupon: there is no coupon {coupon_id}", field="coupon")
    return coupon


def _check_terms(kind: str, amount_off: int | None, percent_off: int | None, min_spend_amount: int,
                 name: str | None) -> None:
    if kind not in KINDS:
        raise InvalidInput("invalid_coupon_kind", f"kind: '{kind}' is not one of {', '.join(KINDS)}", field="kind")
    if kind == "coupon_amount" and (not isinstance(amount_off, int) or amount_off < 1):
        raise InvalidInput("coupon_invalid_terms", "amount_off: an amount-off coupon needs a positive amount in "
                           "minor units", field="amount_off")
    if kind == "coupon_percent" and (not isinstance(percent_off, int) or not 1 <= percent_off <= 90):
        raise InvalidInput("coupon_invalid_terms", "percent_off: a percent coupon takes 1 to 90 percent off",
                           field="percent_off")
    if kind == "gift" and not (name or "").strip():
        raise InvalidInput("coupon_gift_name_required", "name: say which gift the coupon gives", field="name")
    if not isinstance(min_spend_amount, int) or min_spend_amount < 0:
        raise InvalidInput("coupon_invalid_terms", "min_spend_amount: a minimum spend is 0 or more minor units",
                           field="min_spend_amount")


def _check_limits(max_uses: int | None, max_uses_per_customer: int | None, audience: str) -> None:
    for field, value in (("max_uses", max_uses), ("max_uses_per_customer", max_uses_per_customer)):
        if value is not None and (not isinstance(value, int) or value < 1):
            raise InvalidInput("coupon_invalid_limit", f"{field}: a limit is 1 or more (empty = no limit)", field=field)
    if audience not in AUDIENCES:
        raise InvalidInput("coupon_invalid_audience", f"audience: '{audience}' is not one of {', '.join(AUDIENCES)}",
                           field="audience")


def create_coupon(session: Session, shop: Shop, *, kind: str, actor: Actor, code: str | None = None,
                  amount_off: int | None = None, percent_off: int | None = None, min_spend_amount: int = 0,
                  valid_from: datetime | None = None, valid_until: datetime | None = None,
                  max_uses: int | None = None, max_uses_per_customer: int | None = 1, audience: str = "all",
                  name: str | None = None) -> Coupon:
    """A campaign code created by staff (a code is generated when none is given)."""
    _check_terms(kind, amount_off, percent_off, min_spend_amount, name)
    _check_limits(max_uses, max_uses_per_customer, audience)
    start = valid_from or clock.now()
    if valid_until is not None and valid_until <= start:
        raise InvalidInput("coupon_invalid_validity", "valid_until: must be after valid_from", field="valid_until")
    value = check_code(code) if code else new_code(session, shop.id)
    clash = _similar(session, shop.id, value)
    if clash:
        raise InvalidInput("coupon_code_taken", f"code: '{value}' is already a coupon of this shop (or too like "
                           f"'{clash[0].code}')", field="code")
    coupon = Coupon(shop_id=shop.id, code=value, kind=kind,
                    amount_off=amount_off if kind == "coupon_amount" else None,
                    percent_off=percent_off if kind == "coupon_percent" else None,
                    min_spend_amount=min_spend_amount, currency=shop.currency, valid_from=start,
                    valid_until=valid_until, max_uses=max_uses, max_uses_per_customer=max_uses_per_customer,
                    used_count=0, audience=audience, status="active", name=(name or "").strip()[:120] or None,
                    created_at=clock.now(), created_by=actor.label)
    session.add(coupon)
    session.flush()
    audit(session, actor, "loyalty.coupon_create", "coupon", coupon.id,
          {"code": value, "kind": kind, "max_uses": max_uses, "audience": audience})
    return coupon


def update_coupon(session: Session, coupon: Coupon, *, actor: Actor, **changes) -> Coupon:
    """Change a campaign's name, end, limits or audience (its terms stay: buyers may have seen them)."""
    allowed = {"name", "valid_until", "max_uses", "max_uses_per_customer", "audience"}
    unknown = set(changes) - allowed
    if unknown:
        field = sorted(unknown)[0]
        raise InvalidInput("coupon_field_not_editable", f"{field}: cannot be changed on a coupon", field=field)
    merged = {key: getattr(coupon, key) for key in allowed} | changes
    _check_limits(merged["max_uses"], merged["max_uses_per_customer"], merged["audience"])
    if merged["max_uses"] is not None and merged["max_uses"] < coupon.used_count:
        raise InvalidInput("coupon_invalid_limit", f"max_uses: the coupon was already used {coupon.used_count} times",
                           field="max_uses")
    if merged["valid_until"] is not None and merged["valid_until"] <= coupon.valid_from:
        raise InvalidInput("coupon_invalid_validity", "valid_until: must be after valid_from", field="valid_until")
    before = {key: getattr(coupon, key) for key in changes}
    for key, value in changes.items():
        setattr(coupon, key, value)
    if coupon.status == "used" and (coupon.max_uses is None or coupon.used_count < coupon.max_uses):
        coupon.status = "active"
    session.flush()
    audit(session, actor, "loyalty.coupon_update", "coupon", coupon.id,
          {key: [str(before[key]), str(changes[key])] for key in changes})
    return coupon


def void_coupon(session: Session, coupon: Coupon, *, actor: Actor, reason: str | None = None) -> Coupon:
    """Withdraw a coupon: it can no longer be used (uses already made stay)."""
    if coupon.status != "void":
        coupon.status = "void"
        session.flush()
        audit(session, actor, "loyalty.coupon_void", "coupon", coupon.id, {"reason": reason})
    return coupon


def list_coupons(session: Session, shop_id: int, *, status: str | None = None, personal: bool | None = None,
                 account_id: int | None = None, limit: int = 50, offset: int = 0) -> tuple[list[Coupon], int]:
    """A page of the shop's coupons, newest first, with the total count."""
    stmt = select(Coupon).where(Coupon.shop_id == shop_id)
    if status:
        stmt = stmt.where(Coupon.status == status)
    if personal is not None:
        stmt = stmt.where(Coupon.account_id.is_not(None) if personal else Coupon.account_id.is_(None))
    if account_id is not None:
        stmt = stmt.where(Coupon.account_id == account_id)
    total = session.scalar(select(func.count()).select_from(stmt.subquery()))
    rows = session.scalars(stmt.order_by(Coupon.id.desc()).limit(limit).offset(offset))
    return list(rows), int(total or 0)


def uses_by(session: Session, coupon_id: int, customer_id: int, *, exclude_order_id: int | None = None) -> int:
    """How many live (not given back) uses a customer made of a coupon."""
    stmt = select(func.count(CouponUse.id)).where(CouponUse.coupon_id == coupon_id,
                                                  CouponUse.customer_id == customer_id,
                                                  CouponUse.released_at.is_(None))
    if exclude_order_id is not None:
        stmt = stmt.where(CouponUse.order_id != exclude_order_id)
    return int(session.scalar(stmt) or 0)


def validate_coupon(session: Session, shop_id: int, code: str, *, customer_id: int | None,
                    spend_amount: int | None = None, at: datetime | None = None,
                    order_id: int | None = None) -> Coupon:
    """The coupon if this customer may use it now (or at `at`), else an error saying why, naming coupon_code."""
    field = "coupon_code"
    coupon = find_coupon(session, shop_id, code)
    if coupon is None:
        raise NotFound("coupon_not_found", f"{field}: there is no coupon '{normalize_code(code)}'", field=field)
    moment = at or clock.now()
    if coupon.status == "void":
        raise LoyaltyError("coupon_void", f"{field}: coupon {coupon.code} was withdrawn", field=field)
    if coupon.account_id is not None:
        from ...models import LoyaltyAccount

        owner = session.get(LoyaltyAccount, coupon.account_id)
        if owner is None or owner.customer_id != customer_id:
            raise LoyaltyError("coupon_other_member", f"{field}: coupon {coupon.code} belongs to another member",
                               field=field)
    if moment < coupon.valid_from:
        raise LoyaltyError("coupon_not_yet_valid", f"{field}: coupon {coupon.code} is valid from "
                           f"{coupon.valid_from:%Y-%m-%d %H:%M} UTC", field=field)
    if coupon.valid_until is not None and moment >= coupon.valid_until:
        raise LoyaltyError("coupon_expired", f"{field}: coupon {coupon.code} expired at "
                           f"{coupon.valid_until:%Y-%m-%d %H:%M} UTC", field=field)
    if coupon.max_uses is not None and coupon.used_count >= coupon.max_uses:
        raise LoyaltyError("coupon_used_up", f"{field}: coupon {coupon.code} has been used "
                           f"{coupon.used_count} of {coupon.max_uses} times", field=field)
    if customer_id is None and (coupon.max_uses_per_customer is not None or coupon.audience != "all"):
        raise LoyaltyError("coupon_needs_customer", f"{field}: coupon {coupon.code} is for known customers only",
                           field=field)
    if customer_id is not None and coupon.max_uses_per_customer is not None and \
            uses_by(session, coupon.id, customer_id, exclude_order_id=order_id) >= coupon.max_uses_per_customer:
        raise LoyaltyError("coupon_customer_limit", f"{field}: this customer already used coupon {coupon.code} "
                           f"{coupon.max_uses_per_customer} time(s), the most allowed", field=field)
    if coupon.audience != "all":
        old = paid_sales(session, shop_id, customer_id, before=moment, exclude_order_id=order_id) > 0
        if coupon.audience == "new" and old:
            raise LoyaltyError("coupon_new_customers_only", f"{field}: coupon {coupon.code} is for new customers "
                               f"(a first order)", field=field)
        if coupon.audience == "old" and not old:
            raise LoyaltyError("coupon_old_customers_only", f"{field}: coupon {coupon.code} is for returning "
                               f"customers (after a first order)", field=field)
    if spend_amount is not None and spend_amount < coupon.min_spend_amount:
        raise LoyaltyError("coupon_min_spend", f"{field}: coupon {coupon.code} needs a spend of at least "
                           f"{coupon.min_spend_amount} (minor units), the order has {spend_amount}", field=field)
    return coupon


def discount_on(coupon: Coupon, goods_amount: int, shipping_amount: int) -> int:
    """What a coupon takes off an order by itself: amount (at most the goods), percent (half-even), shipping."""
    if coupon.kind == "coupon_amount":
        return min(coupon.amount_off or 0, max(0, goods_amount))
    if coupon.kind == "coupon_percent":
        return percent_of(goods_amount, coupon.percent_off or 0)
    if coupon.kind == "free_shipping":
        return max(0, shipping_amount)
    return 0


def _lock(session: Session, coupon: Coupon) -> Coupon:
    # PostgreSQL: SELECT ... FOR UPDATE queues concurrent uses of one code; SQLite: the IMMEDIATE write transaction.
    session.flush()
    session.refresh(coupon, with_for_update=True)
    return coupon


def apply_coupon(session: Session, shop: Shop, code: str, *, order: Order, customer_id: int | None = None,
                 discount_amount: int | None = None, actor: Actor | None = None) -> CouponUse:
    """Count a coupon as used by an order, once per order (a replay returns the same use)."""
    if order.shop_id != shop.id:
        raise InvalidInput("coupon_order_not_in_shop", f"order: {order.external_id} is not an order of {shop.code}",
                           field="order")
    if customer_id is not None and order.customer_id is not None and customer_id != order.customer_id:
        raise InvalidInput("coupon_customer_mismatch", "customer_id: the order belongs to another customer",
                           field="customer_id")
    customer_id = customer_id if customer_id is not None else order.customer_id
    found = find_coupon(session, shop.id, code)
    if found is not None:
        _lock(session, found)
        existing = session.scalar(select(CouponUse).where(CouponUse.coupon_id == found.id,
                                                          CouponUse.order_id == order.id))
        if existing is not None:
            if existing.released_at is not None:
                raise LoyaltyError("coupon_released", f"coupon_code: the use of {found.code} on this order was "
                                   f"given back when the order was voided", field="coupon_code")
            return existing
    from ..points.refunds import is_void

    if order.kind != "sale" or is_void(order):
        raise LoyaltyError("coupon_order_void", f"order: {order.external_id} is cancelled or refunded", field="order")
    other = session.scalar(select(CouponUse.id).where(CouponUse.order_id == order.id,
                                                      CouponUse.released_at.is_(None)))
    if other is not None:
        raise LoyaltyError("coupon_one_per_order", "coupon_code: this order already used a coupon",
                           field="coupon_code")
    coupon = validate_coupon(session, shop.id, code, customer_id=customer_id, spend_amount=order.goods_amount,
                             at=order.placed_at, order_id=order.id)
    if coupon.currency != order.currency:
        raise LoyaltyError("coupon_currency_mismatch", f"coupon_code: coupon {coupon.code} is in {coupon.currency}",
                           field="coupon_code")
    amount = discount_on(coupon, order.goods_amount, order.shipping_amount) if discount_amount is None \
        else discount_amount
    if amount < 0:
        raise InvalidInput("coupon_invalid_terms", "discount_amount: cannot be negative", field="discount_amount")
    use = CouponUse(coupon_id=coupon.id, customer_id=customer_id, order_id=order.id, discount_amount=amount,
                    used_at=clock.now())
    session.add(use)
    coupon.used_count += 1
    if coupon.max_uses is not None and coupon.used_count >= coupon.max_uses:
        coupon.status = "used"
    session.flush()
    if actor is not None:
        audit(session, actor, "loyalty.coupon_apply", "coupon", coupon.id, {"order": order.external_id})
    return use


def release_for_order(session: Session, order: Order) -> int:
    """Give back the coupon uses of an order that became void; returns how many (0 on a replay)."""
    from ..points.refunds import is_void

    if not is_void(order):
        return 0
    uses = list(session.scalars(select(CouponUse).where(CouponUse.order_id == order.id,
                                                        CouponUse.released_at.is_(None))))
    for use in uses:
        coupon = _lock(session, session.get(Coupon, use.coupon_id))
        use.released_at = clock.now()
        coupon.used_count -= 1
        if coupon.status == "used":
            coupon.status = "active"
    session.flush()
    return len(uses)


def issue_personal(session: Session, *, shop_id: int, currency: str, account_id: int, kind: str,
                   amount_off: int | None, percent_off: int | None, min_spend_amount: int, valid_until: datetime,
                   name: str | None, reward_id: int | None = None, redeem_entry_id: int | None = None,
                   created_by: str | None = None) -> Coupon:
    """A single-use coupon for one member (a reward taken for points, or a gift voucher the shop honours)."""
    coupon = Coupon(shop_id=shop_id, code=new_code(session, shop_id), kind=kind, amount_off=amount_off,
                    percent_off=percent_off, min_spend_amount=min_spend_amount, currency=currency,
                    valid_from=clock.now(), valid_until=valid_until, max_uses=1, max_uses_per_customer=1,
                    used_count=0, audience="all", account_id=account_id, reward_id=reward_id,
                    redeem_entry_id=redeem_entry_id, status="active", name=name, created_at=clock.now(),
                    created_by=created_by)
    session.add(coupon)
    session.flush()
    return coupon
