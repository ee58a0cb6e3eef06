"""Pure loyalty arithmetic: points per line, reversals, caps, tiers, windows, expiry and birthdays.

No floats: amounts are integer minor units, multipliers integer per-mille, and every division says how it rounds.

Rounding of points (documented for members and tested):
- An order's base is what was paid (without shipping unless the program includes it). It is split over the lines
  in proportion to their totals by the largest-remainder method, so the line bases add up to the base exactly.
- A line earns floor(base × points_per_unit × m₁ × m₂ × … / (unit_amount × 1000ⁿ)) points: fractions of a point
  are never awarded, and the multipliers (product or category, tier, promotion) multiply before the one floor.
- A refund takes back, per line, round-half-up(earned × refunded / base) cumulatively over all refunds of that line,
  and everything the line earned once the line is refunded in full; so partial refunds add up to a full one.
"""

from __future__ import annotations

import calendar
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from .config import ProgramConfig, Tier

PER_MILLE = 1000


def allocate(total: int, weights: Sequence[int]) -> list[int]:
    """Split total into integers proportional to weights (largest remainder, ties to the earlier); sums to total."""
    if not weights:
        return []
    if total < 0:
        raise ValueError("total must not be negative")
    positive = [max(0, w) for w in weights]
    whole = sum(positive)
    if whole == 0:
        positive, whole = [1] * len(weights), len(weights)
    shares = [total * w // whole for w in positive]
    remainders = [(total * w % whole, -i) for i, w in enumerate(positive)]
    left = total - sum(shares)
    for _, neg_index in sorted(remainders, reverse=True)[:left]:
        shares[-neg_index] += 1
    return shares


def order_base(paid_amount: int, shipping_amount: int, include_shipping: bool) -> int:
    """The amount an order earns on: what was paid, less shipping unless the program includes it."""
    if include_shipping:
        return max(0, paid_amount)
    return max(0, paid_amount - max(0, min(shipping_amount, paid_amount)))


def line_points(base_amount: int, points_per_unit: int, unit_amount: int, multipliers: Sequence[int] = ()) -> int:
    """Points one line earns: floor(base × rate × Π multipliers), one floor at the end."""
    if base_amount <= 0 or points_per_unit <= 0:
        return 0
    numerator = base_amount * points_per_unit
    denominator = unit_amount
    for factor in multipliers:
        numerator *= factor
        denominator *= PER_MILLE
    return numerator // denominator


def reversal_due(earned: int, base_amount: int, refunded_amount: int) -> int:
    """Points to have taken back from a line once `refunded_amount` of its base was refunded (cumulative)."""
    if earned <= 0 or refunded_amount <= 0:
        return 0
    if base_amount <= 0 or refunded_amount >= base_amount:
        return earned
    return (2 * earned * refunded_amount + base_amount) // (2 * base_amount)


def item_multiplier(config: ProgramConfig, sku: str | None, category: str | None) -> int:
    """The product's multiplier if it has one, else its category's, else 1×."""
    if sku and sku in config.earning.product_multipliers:
        return config.earning.product_multipliers[sku]
    if category and category in config.earning.category_multipliers:
        return config.earning.category_multipliers[category]
    return PER_MILLE


def promotion_multiplier(config: ProgramConfig, local_day: date) -> tuple[int, str | None]:
    """The best promotion running on a shop-local day (multiplier, name), or (1×, None)."""
    best = (PER_MILLE, None)
    for promo in config.earning.promotions:
        if promo.start_on <= local_day <= promo.end_on and promo.multiplier > best[0]:
            best = (promo.multiplier, promo.name)
    return best


def capped(points: int, earned_today: int, daily_cap: int | None, earned_month: int, monthly_cap: int | None) -> int:
    """Points still allowed under the per-day and per-month caps (never negative)."""
    allowed = points
    if daily_cap is not None:
        allowed = min(allowed, daily_cap - earned_today)
    if monthly_cap is not None:
        allowed = min(allowed, monthly_cap - earned_month)
    return max(0, allowed)


# --- dates -------------------------------------------------------------------------------------------------------

def add_months(day: date, months: int) -> date:
    """The same day `months` later (or earlier), clamped to the month's end (31 Jan + 1 → 28/29 Feb)."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def on_day_in_year(month: int, day: int, year: int) -> date:
    """A yearly date in `year`; 29 February falls on 28 February in years without it."""
    if month == 2 and day == 29 and not calendar.isleap(year):
        return date(year, 2, 28)
    return date(year, month, day)


def available_on(window_start: date, return_window_days: int) -> date:
    """The shop-local date from whose midnight an order's points can be spent."""
    return window_start + timedelta(days=return_window_days)


def lot_expires_on(mode: str, months: int, became_available: date) -> date | None:
    """The shop-local date from whose midnight a lot is gone: rolling months, end of next year, or never."""
    if mode == "never":
        return None
    if mode == "annual":
        return date(became_available.year + 2, 1, 1)
    return add_months(became_available, months)


def window_start(window: str, as_of: date, joined_on: date) -> date:
    """First shop-local day (inclusive) of the qualification window that contains as_of."""
    if window == "calendar_year":
        return date(as_of.year, 1, 1)
    if window == "anniversary":
        this_year = on_day_in_year(joined_on.month, joined_on.day, as_of.year)
        if this_year <= as_of:
            return max(this_year, joined_on)
        return max(on_day_in_year(joined_on.month, joined_on.day, as_of.year - 1), joined_on)
    return add_months(as_of, -12) + timedelta(days=1)


# --- tiers -------------------------------------------------------------------------------------------------------

def qualifies(tier: Tier, spend: int, orders: int) -> bool:
    """Whether spend and order count in the window reach the tier."""
    by_spend, by_orders = spend >= tier.min_spend_amount, orders >= tier.min_orders
    if tier.qualify_by == "both":
        return by_spend and by_orders
    only_spend, only_orders = tier.min_orders == 0, tier.min_spend_amount == 0
    if only_spend:
        return by_spend
    if only_orders:
        return by_orders
    return by_spend or by_orders


def keeps(tier: Tier, spend: int, orders: int) -> bool:
    """Whether a member holding the tier keeps it at the review (the keep thresholds, or qualifying anyway)."""
    if qualifies(tier, spend, orders):
        return True
    by_spend, by_orders = spend >= tier.keep_spend, orders >= tier.keep_order_count
    if tier.qualify_by == "both":
        return by_spend and by_orders
    if tier.min_orders == 0:
        return by_spend
    if tier.min_spend_amount == 0:
        return by_orders
    return by_spend or by_orders


def qualifying_rank(config: ProgramConfig, spend: int, orders: int) -> int:
    """The highest tier reached by the window's activity (0 = entry tier)."""
    rank = 0
    for i, tier in enumerate(config.tiers):
        if qualifies(tier, spend, orders):
            rank = i
    return rank


def _floor_rank(config: ProgramConfig, floor: str | None) -> int:
    return max(0, config.rank(floor))


def tier_after_payment(config: ProgramConfig, current: str | None, floor: str | None, spend: int, orders: int) -> str:
    """Upgrade at once on a qualifying payment; never a downgrade outside the review."""
    rank = max(config.rank(current), qualifying_rank(config, spend, orders), _floor_rank(config, floor))
    return config.tiers[rank].code


def tier_after_refund(config: ProgramConfig, current: str | None, reviewed: str | None, floor: str | None,
                      spend: int, orders: int) -> str:
    """A refund can undo an upgrade it paid for, but never takes the member below the last review or the floor."""
    rank = max(config.rank(reviewed), qualifying_rank(config, spend, orders), _floor_rank(config, floor))
    rank = min(rank, max(0, config.rank(current)))
    return config.tiers[rank].code


def tier_at_review(config: ProgramConfig, current: str | None, floor: str | None, spend: int, orders: int) -> str:
    """The periodic review: keep the highest held-or-lower tier whose keep threshold is met, upgrade if qualified."""
    current_rank = max(0, config.rank(current))
    kept = 0
    for i in range(current_rank, -1, -1):
        if keeps(config.tiers[i], spend, orders):
            kept = i
            break
    rank = max(kept, qualifying_rank(config, spend, orders), _floor_rank(config, floor))
    return config.tiers[rank].code


@dataclass(frozen=True)
class Progress:
    """What a member needs: to reach the next tier, and to keep the current one at the next review."""

    tier: str
    next_tier: str | None
    spend_to_next: int | None
    orders_to_next: int | None
    spend_to_keep: int
    orders_to_keep: int


def progress(config: ProgramConfig, current: str | None, spend: int, orders: int) -> Progress:
    """Gaps to the next tier and to keep the current one (0 = already there)."""
    rank = max(0, config.rank(current))
    tier = config.tiers[rank]
    nxt = config.tiers[rank + 1] if rank + 1 < len(config.tiers) else None
    return Progress(
        tier=tier.code, next_tier=nxt.code if nxt else None,
        spend_to_next=max(0, nxt.min_spend_amount - spend) if nxt else None,
        orders_to_next=max(0, nxt.min_orders - orders) if nxt else None,
        spend_to_keep=max(0, tier.keep_spend - spend), orders_to_keep=max(0, tier.keep_order_count - orders))


def ladder_percent(config: ProgramConfig, order_number: int) -> int:
    """Percent off from the purchase-count ladder for a member's `order_number`-th paid order (this one included)."""
    percent = 0
    for step in config.ladder:
        if order_number >= step.min_orders:
            percent = step.percent_off
    return percent


def cap_lines(lines: list[dict], detail: dict, total: int, allowed: int) -> int:
    """Points of an order's lines after a cap allowed `allowed` of `total`: the lines keep their proportions (so a
    later refund of one line takes back its own share), each remembers its uncapped points and the detail the
    capped total; returns the points earned."""
    if allowed >= total:
        return total
    for line, points in zip(lines, allocate(allowed, [ln["points"] for ln in lines]), strict=True):
        line["uncapped"], line["points"] = line["points"], points
    detail["capped_from"] = total
    return allowed


def refunded_by_line(line_no_of: dict[int, int], refunds: Iterable[tuple[int, Iterable[tuple[int, int]]]],
                     bases: dict[int, int]) -> dict[int, int]:
    """Cumulative refunded amount per line number: refund lines (order line id, amount) where given, the rest of
    each refund (amount) spread over what of each line's base is left unrefunded (a line refunded in full takes no
    more)."""
    refunded: dict[int, int] = defaultdict(int)
    unassigned = 0
    for amount, items in refunds:
        assigned = 0
        for line_id, item_amount in items:
            line_no = line_no_of.get(line_id)
            if line_no is not None:
                refunded[line_no] += item_amount
                assigned += item_amount
        unassigned += max(0, amount - assigned)
    if unassigned:
        keys = list(bases)
        left = [max(0, bases[k] - refunded[k]) for k in keys]
        for line_no, share in zip(keys, allocate(unassigned, left), strict=True):
            refunded[line_no] += share
    return refunded
