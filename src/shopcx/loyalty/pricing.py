"""Pure checkout arithmetic: which discounts an order gets, in what order, and how points pay for part of it.

No database and no floats. The stacking rule (what a buyer is told on the member page and the quote):

1. One percent discount per order: the best of the tier discount, the purchase-count ladder step, the percent
   offers for the customer's audience (new/old) whose minimum spend the goods reach, and a percent coupon. On a
   tie the earlier source in that list wins, so a coupon is not used up for nothing.
2. Then one amount-off offer (the largest that qualifies) and one coupon (amount off, free shipping or gift)
   stack on top, each once. Their minimum spend is checked against the goods after the percent discount.
3. Gift offers (买满N件送赠品) always apply when the item count and the minimum spend (on the goods) are reached.
4. Shipping is free when the tier or the coupon says so.
5. Nothing goes below zero: an amount off takes at most what is left of the goods.

Rounding: a percent discount is amount × percent / 100 rounded half to even to the minor unit (the rounding
core.money uses); amounts off are exact. Points pay floor(points × value_per_100 / 100) minor units, and only the
points that value needs are taken (ceil(value × 100 / value_per_100)), so no point is spent for less than a fen.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from .config import Offer, Tier
from .rules import allocate


def div_half_even(numerator: int, denominator: int) -> int:
    """numerator / denominator rounded half to even (both non-negative, denominator > 0)."""
    quotient, remainder = divmod(numerator, denominator)
    twice = 2 * remainder
    if twice > denominator or (twice == denominator and quotient % 2 == 1):
        quotient += 1
    return quotient


def percent_of(amount: int, percent: int) -> int:
    """percent % of amount in minor units, rounded half to even."""
    if amount <= 0 or percent <= 0:
        return 0
    return div_half_even(amount * percent, 100)


def points_value(points: int, value_per_100: int) -> int:
    """What points pay, in minor units: floor(points × value_per_100 / 100)."""
    if points <= 0 or value_per_100 <= 0:
        return 0
    return points * value_per_100 // 100


def points_for_value(value: int, value_per_100: int) -> int:
    """The fewest points that pay `value` minor units: ceil(value × 100 / value_per_100)."""
    if value <= 0 or value_per_100 <= 0:
        return 0
    return -(-value * 100 // value_per_100)


def points_payment_cap(order_total: int, max_percent: int) -> int:
    """The most of an order points may pay: floor(order_total × max_percent / 100)."""
    if order_total <= 0 or max_percent <= 0:
        return 0
    return order_total * max_percent // 100


def points_payment_limit(order_total: int, balance: int, value_per_100: int, max_percent: int) -> tuple[int, int]:
    """(points, value) a member can pay at most on an order: capped by the percent and by the balance."""
    value = min(points_payment_cap(order_total, max_percent), points_value(balance, value_per_100))
    return points_for_value(value, value_per_100), value


@dataclass(frozen=True)
class Item:
    """One line of a basket: quantity × unit price in minor units."""

    sku: str | None
    category: str | None
    quantity: int
    unit_price_amount: int

    @property
    def total(self) -> int:
        return self.quantity * self.unit_price_amount


@dataclass(frozen=True)
class CouponTerms:
    """What a (valid) coupon gives; its validity for the customer was checked before."""

    code: str
    kind: str  # coupon_amount | coupon_percent | free_shipping | gift
    amount_off: int | None = None
    percent_off: int | None = None
    min_spend_amount: int = 0
    gift: str | None = None


@dataclass
class Discount:
    """One discount considered for the order: applied with its amount, or not and why (a reason code)."""

    source: str  # tier | ladder | offer | coupon
    code: str
    kind: str  # percent_off | amount_off | free_shipping | gift
    percent: int | None = None
    amount: int = 0
    applied: bool = False
    reason: str | None = None
    gift: str | None = None
    message: str | None = None


@dataclass
class Priced:
    """The outcome of pricing one basket."""

    goods_amount: int
    item_count: int
    shipping_amount: int
    percent_discount_amount: int = 0
    amount_discount_amount: int = 0
    shipping_discount_amount: int = 0
    discounts: list[Discount] = field(default_factory=list)
    gifts: list[str] = field(default_factory=list)
    line_discounts: list[int] = field(default_factory=list)

    @property
    def discount_amount(self) -> int:
        """Everything taken off the goods (percent + amounts), not counting shipping."""
        return self.percent_discount_amount + self.amount_discount_amount

    @property
    def total_amount(self) -> int:
        """What the buyer pays before any points: goods − discounts + shipping − free shipping."""
        return (self.goods_amount - self.discount_amount + self.shipping_amount
                - self.shipping_discount_amount)

    @property
    def free_shipping(self) -> bool:
        return any(d.applied and d.kind == "free_shipping" for d in self.discounts)


def _audience_ok(audience: str, is_old: bool) -> str | None:
    if audience == "new" and is_old:
        return "for_new_customers"
    if audience == "old" and not is_old:
        return "for_old_customers"
    return None


def price(items: Sequence[Item], shipping_amount: int, *, tier: Tier | None, ladder_percent: int, is_old: bool,
          offers: Sequence[Offer] = (), coupon: CouponTerms | None = None) -> Priced:
    """Price a basket under the stacking rule of this module (every candidate recorded with why)."""
    goods = sum(item.total for item in items)
    count = sum(item.quantity for item in items)
    out = Priced(goods_amount=goods, item_count=count, shipping_amount=shipping_amount)
    coupon_entry = _coupon_entry(coupon)

    # 1. the one percent discount (thresholds on the goods)
    percents: list[Discount] = []
    if tier is not None and tier.discount_percent:
        percents.append(Discount("tier", tier.code, "percent_off", percent=tier.discount_percent))
    if ladder_percent:
        percents.append(Discount("ladder", "ladder", "percent_off", percent=ladder_percent))
    amount_offers: list[tuple[Discount, int, int]] = []
    for offer in offers:
        refused = _audience_ok(offer.audience, is_old)
        if offer.kind == "percent_off":
            if refused is None and goods < offer.min_spend_amount:
                refused = "min_spend_not_reached"
            percents.append(Discount("offer", offer.code, "percent_off", percent=offer.percent_off, reason=refused))
        elif offer.kind == "amount_off":
            amount_offers.append((Discount("offer", offer.code, "amount_off", reason=refused),
                                  offer.amount_off or 0, offer.min_spend_amount))
        else:  # 3. gifts for N items always apply when reached
            if refused is None and count < offer.min_items:
                refused = "not_enough_items"
            if refused is None and goods < offer.min_spend_amount:
                refused = "min_spend_not_reached"
            gift = offer.gift or offer.name_zh
            out.discounts.append(Discount("offer", offer.code, "gift", applied=refused is None, reason=refused,
                                          gift=gift))
            if refused is None:
                out.gifts.append(gift)
    if coupon is not None and coupon.kind == "coupon_percent":
        if goods < coupon.min_spend_amount:
            coupon_entry.reason = "min_spend_not_reached"
        percents.append(coupon_entry)
    eligible = [d for d in percents if d.reason is None]
    best = max(eligible, key=lambda d: d.percent or 0, default=None)  # max() keeps the first of equals
    for entry in percents:
        if entry is best:
            entry.applied, entry.amount = True, percent_of(goods, entry.percent or 0)
            out.percent_discount_amount = entry.amount
        elif entry.reason is None:
            entry.reason = "better_percent_applies"
        if entry is not coupon_entry:
            out.discounts.append(entry)

    # 2. one amount-off offer, then the coupon; thresholds on the goods after the percent discount
    after_percent = left = goods - out.percent_discount_amount
    best_offer, best_amount = None, 0
    for entry, amount_off, min_spend in amount_offers:
        if entry.reason is None and after_percent < min_spend:
            entry.reason = "min_spend_not_reached"
        if entry.reason is None and amount_off > best_amount:
            best_offer, best_amount = entry, amount_off
    for entry, _amount_off, _min_spend in amount_offers:
        if entry is best_offer:
            entry.applied, entry.amount = True, min(best_amount, left)
            left -= entry.amount
            out.amount_discount_amount += entry.amount
        elif entry.reason is None:
            entry.reason = "better_offer_applies"
        out.discounts.append(entry)
    if coupon is not None and coupon.kind != "coupon_percent":
        if after_percent < coupon.min_spend_amount:
            coupon_entry.reason = "min_spend_not_reached"
        elif coupon.kind == "coupon_amount":
            coupon_entry.applied, coupon_entry.amount = True, min(coupon.amount_off or 0, left)
            left -= coupon_entry.amount
            out.amount_discount_amount += coupon_entry.amount
        elif coupon.kind == "gift":
            coupon_entry.applied = True
            out.gifts.append(coupon.gift or coupon.code)
        elif coupon.kind == "free_shipping":
            coupon_entry.applied = True

    # 4. free shipping from the tier or the coupon
    tier_free = tier is not None and tier.free_shipping
    if tier_free:
        out.shipping_discount_amount = max(0, shipping_amount)
        out.discounts.append(Discount("tier", tier.code, "free_shipping", applied=True,
                                      amount=out.shipping_discount_amount))
    if coupon is not None and coupon.kind == "free_shipping" and coupon_entry.applied:
        if tier_free:  # the tier already ships free: the coupon is not needed, so it is not used up
            coupon_entry.applied, coupon_entry.reason = False, "tier_ships_free"
        else:
            coupon_entry.amount = out.shipping_discount_amount = max(0, shipping_amount)
    if coupon is not None:
        out.discounts.append(coupon_entry)
    out.line_discounts = allocate(out.discount_amount, [item.total for item in items]) if items else []
    return out


def _coupon_entry(coupon: CouponTerms | None) -> Discount:
    if coupon is None:
        return Discount("coupon", "", "none")
    kind = {"coupon_amount": "amount_off", "coupon_percent": "percent_off"}.get(coupon.kind, coupon.kind)
    return Discount("coupon", coupon.code, kind, percent=coupon.percent_off, gift=coupon.gift)
