"""The checkout quote: a basket priced with the member's tier, the purchase-count ladder, the program's offers for
new and old customers and a coupon, each discount listed with why it applied or not (rules in pricing.py).

Who is "old" is decided from stored paid sales in this shop that still stand (coupons.paid_sales); a guest or an
unknown customer is new. The ladder step is for the order about to be placed: order number = standing paid sales
+ 1. A customer who is not yet a member is quoted with the entry tier, which they join on their first payment.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from ....core.errors import InvalidInput, NotFound
from ... import pricing, rules
from ..members.accounts import find_account
from ..points.ledger import LoyaltyError
from ..program.versions import ActiveProgram
from .coupons import normalize_code, paid_sales, validate_coupon


@dataclass
class Quote:
    """A priced basket: amounts in minor units, every discount considered, and what points could still pay."""

    currency: str
    customer_id: int | None
    is_new_customer: bool
    order_number: int
    tier_code: str | None
    priced: pricing.Priced
    coupon_code: str | None = None
    coupon_error: str | None = None
    points_balance: int = 0
    points_max: int = 0
    points_max_value_amount: int = 0
    notes: list[str] = field(default_factory=list)

    @property
    def total_amount(self) -> int:
        return self.priced.total_amount

    def as_dict(self) -> dict:
        """The quote as JSON-ready data (what the API returns)."""
        p = self.priced
        return {
            "currency": self.currency, "customer_id": self.customer_id, "is_new_customer": self.is_new_customer,
            "order_number": self.order_number, "tier": self.tier_code, "goods_amount": p.goods_amount,
            "item_count": p.item_count, "percent_discount_amount": p.percent_discount_amount,
            "amount_discount_amount": p.amount_discount_amount, "shipping_amount": p.shipping_amount,
            "shipping_discount_amount": p.shipping_discount_amount, "total_amount": p.total_amount,
            "free_shipping": p.free_shipping, "gifts": list(p.gifts), "line_discounts": list(p.line_discounts),
            "coupon_code": self.coupon_code, "coupon_error": self.coupon_error,
            "points_balance": self.points_balance, "points_max": self.points_max,
            "points_max_value_amount": self.points_max_value_amount,
            "discounts": [{"source": d.source, "code": d.code, "kind": d.kind, "percent": d.percent,
                           "amount": d.amount, "applied": d.applied, "reason": d.reason, "gift": d.gift,
                           "message": d.message} for d in p.discounts],
        }


def _whole(value, field: str, *, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise InvalidInput("quote_invalid_item", f"{field}: a whole number ≥ {minimum} is required", field=field)
    return value


def parse_items(items: Sequence) -> list[pricing.Item]:
    """Basket lines from (sku, category, quantity, unit_price_amount) tuples or dicts; errors name the line."""
    if not items:
        raise InvalidInput("quote_empty_basket", "items: the basket is empty", field="items")
    parsed = []
    for i, raw in enumerate(items):
        if isinstance(raw, pricing.Item):
            values = (raw.sku, raw.category, raw.quantity, raw.unit_price_amount)
        elif isinstance(raw, dict):
            values = (raw.get("sku"), raw.get("category"), raw.get("quantity"), raw.get("unit_price_amount"))
        else:
            try:
                values = tuple(raw)
            except TypeError:
                values = ()
            if len(values) != 4:
                raise InvalidInput("quote_invalid_item", f"items.{i}: give sku, category, quantity, unit_price_amount",
                                   field=f"items.{i}")
        sku, category, quantity, unit_price = values
        parsed.append(pricing.Item(sku=sku or None, category=category or None,
                                   quantity=_whole(quantity, f"items.{i}.quantity", minimum=1),
                                   unit_price_amount=_whole(unit_price, f"items.{i}.unit_price_amount", minimum=0)))
    return parsed


def quote(session: Session, program: ActiveProgram, *, customer_id: int | None, items: Sequence,
          shipping_amount: int = 0, coupon_code: str | None = None) -> Quote:
    """Price a basket for a customer (or a guest) with every discount considered; nothing is written."""
    basket = parse_items(items)
    shipping = _whole(shipping_amount, "shipping_amount", minimum=0)
    cfg = program.config
    standing = paid_sales(session, program.shop.id, customer_id)
    account = find_account(session, program.program.id, customer_id) if customer_id is not None else None
    tier = (cfg.tier(account.tier_code) if account is not None else None) or cfg.tiers[0]
    order_number = standing + 1
    coupon_terms, coupon_error, code, error_message = None, None, None, None
    if coupon_code and coupon_code.strip():
        try:
            # The minimum spend is checked by pricing (it depends on the percent discount), not here.
            coupon = validate_coupon(session, program.shop.id, coupon_code, customer_id=customer_id)
        except (LoyaltyError, NotFound) as exc:
            coupon_error, code = exc.code, normalize_code(coupon_code)
            error_message = exc.message
        else:
            code = coupon.code
            if coupon.currency != program.program.currency:
                coupon_error = "coupon_currency_mismatch"
                error_message = f"coupon_code: coupon {code} is in {coupon.currency}"
            else:
                coupon_terms = pricing.CouponTerms(code=coupon.code, kind=coupon.kind, amount_off=coupon.amount_off,
                                                   percent_off=coupon.percent_off,
                                                   min_spend_amount=coupon.min_spend_amount, gift=coupon.name)
    priced = pricing.price(basket, shipping, tier=tier, ladder_percent=rules.ladder_percent(cfg, order_number),
                           is_old=standing > 0, offers=cfg.offers, coupon=coupon_terms)
    if coupon_error is not None:
        priced.discounts.append(pricing.Discount("coupon", code or "", "coupon", reason=coupon_error,
                                                 message=error_message))
    result = Quote(currency=program.program.currency, customer_id=customer_id, is_new_customer=standing == 0,
                   order_number=order_number, tier_code=tier.code, priced=priced, coupon_code=code,
                   coupon_error=coupon_error)
    if account is not None:
        result.points_balance = account.balance
        result.points_max, result.points_max_value_amount = pricing.points_payment_limit(
            priced.total_amount, account.balance, cfg.points_value_per_100, cfg.max_points_payment_percent)
    return result
