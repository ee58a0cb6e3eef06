"""The checkout arithmetic on hand-worked baskets (no database)."""

from shopcx.loyalty import pricing
from shopcx.loyalty.config import Offer, Tier
from shopcx.loyalty.pricing import CouponTerms, Item

MEMBER = Tier(code="member", name_zh="普通会员", name_en="Member")
SILVER = Tier(code="silver", name_zh="银卡", name_en="Silver", min_spend_amount=1, discount_percent=5)
GOLD = Tier(code="gold", name_zh="金卡", name_en="Gold", min_spend_amount=2, discount_percent=10, free_shipping=True)
OLD20 = Offer(code="old20", name_zh="老客8折", name_en="Old 20% off", audience="old", kind="percent_off",
              percent_off=20, min_spend_amount=20_000)
MINUS30 = Offer(code="minus30", name_zh="满200减30", name_en="30 off 200", audience="all", kind="amount_off",
                amount_off=3_000, min_spend_amount=20_000)
MINUS10 = Offer(code="minus10", name_zh="满100减10", name_en="10 off 100", audience="all", kind="amount_off",
                amount_off=1_000, min_spend_amount=10_000)
GIFT3 = Offer(code="gift3", name_zh="买3送1", name_en="Gift with 3", audience="all", kind="gift_for_items",
              min_items=3, gift="帆布袋")


def _by(priced, source, code):
    return next(d for d in priced.discounts if d.source == source and d.code == code)


def test_percent_rounds_half_to_even():
    assert pricing.percent_of(9_999, 20) == 2_000  # 1999.8 → 2000
    assert pricing.percent_of(12_345, 5) == 617  # 617.25 → 617
    assert pricing.percent_of(10, 5) == 0  # 0.5 → 0 (even)
    assert pricing.percent_of(30, 5) == 2  # 1.5 → 2 (even)
    assert pricing.percent_of(50, 5) == 2  # 2.5 → 2 (even)
    assert pricing.div_half_even(7, 2) == 4 and pricing.div_half_even(5, 2) == 2


def test_points_value_floors_and_takes_only_the_points_needed():
    assert pricing.points_value(150, 100) == 150  # 100 points = ¥1: one point per fen
    assert pricing.points_value(5, 30) == 1  # 5 × 30 / 100 = 1.5 → 1 fen
    assert pricing.points_for_value(1, 30) == 4  # ceil(100 / 30): 4 points are enough for 1 fen
    assert pricing.points_payment_cap(10_001, 50) == 5_000  # floor(5000.5)
    assert pricing.points_payment_limit(10_000, 100_000, 100, 50) == (5_000, 5_000)
    assert pricing.points_payment_limit(10_000, 1_234, 100, 50) == (1_234, 1_234)
    assert pricing.points_payment_limit(10_000, 10_000, 30, 50) == (10_000, 3_000)


def test_old_customer_gets_the_best_single_percent_and_amount_offer_on_top():
    items = [Item("A", "cup", 2, 15_000)]  # goods 30000
    priced = pricing.price(items, 1_000, tier=SILVER, ladder_percent=3, is_old=True, offers=[OLD20, MINUS30, GIFT3])
    assert priced.goods_amount == 30_000 and priced.item_count == 2
    assert priced.percent_discount_amount == 6_000  # 20% beats the tier's 5% and the ladder's 3%
    assert _by(priced, "tier", "silver").reason == "better_percent_applies"
    assert _by(priced, "ladder", "ladder").reason == "better_percent_applies"
    assert _by(priced, "offer", "minus30").amount == 3_000  # 24000 after the percent still reaches 20000
    assert _by(priced, "offer", "gift3").reason == "not_enough_items"
    assert priced.total_amount == 30_000 - 6_000 - 3_000 + 1_000 == 22_000
    assert sum(priced.line_discounts) == 9_000


def test_amount_offer_threshold_is_checked_after_the_percent_discount():
    items = [Item("A", None, 1, 24_000)]
    priced = pricing.price(items, 0, tier=MEMBER, ladder_percent=0, is_old=True, offers=[OLD20, MINUS30, MINUS10])
    # 20% of 24000 = 4800 → 19200 left: below 200 yuan, so only the 10-yuan offer qualifies.
    assert _by(priced, "offer", "minus30").reason == "min_spend_not_reached"
    assert _by(priced, "offer", "minus10").applied and _by(priced, "offer", "minus10").amount == 1_000
    assert priced.total_amount == 24_000 - 4_800 - 1_000


def test_only_the_largest_amount_offer_applies():
    priced = pricing.price([Item("A", None, 1, 30_000)], 0, tier=MEMBER, ladder_percent=0, is_old=False,
                           offers=[MINUS10, MINUS30])
    assert _by(priced, "offer", "minus30").amount == 3_000
    assert _by(priced, "offer", "minus10").reason == "better_offer_applies"
    assert priced.amount_discount_amount == 3_000


def test_new_customer_is_refused_old_customer_offers():
    priced = pricing.price([Item("A", None, 1, 30_000)], 0, tier=MEMBER, ladder_percent=0, is_old=False,
                           offers=[OLD20])
    assert _by(priced, "offer", "old20").reason == "for_old_customers"
    assert priced.total_amount == 30_000


def test_amount_coupon_stacks_once_on_top_and_never_below_zero():
    coupon = CouponTerms(code="C", kind="coupon_amount", amount_off=5_000, min_spend_amount=10_000)
    priced = pricing.price([Item("A", None, 1, 25_000)], 800, tier=MEMBER, ladder_percent=0, is_old=False,
                           offers=[MINUS30], coupon=coupon)
    assert priced.total_amount == 25_000 - 3_000 - 5_000 + 800 == 17_800
    small = pricing.price([Item("A", None, 1, 3_000)], 800, tier=MEMBER, ladder_percent=0, is_old=False,
                          coupon=CouponTerms(code="C", kind="coupon_amount", amount_off=5_000))
    assert _by(small, "coupon", "C").amount == 3_000  # takes at most what is left of the goods
    assert small.total_amount == 800  # shipping is still paid


def test_coupon_minimum_spend_not_reached_is_listed_not_applied():
    coupon = CouponTerms(code="C", kind="coupon_amount", amount_off=5_000, min_spend_amount=10_000)
    priced = pricing.price([Item("A", None, 1, 9_999)], 0, tier=MEMBER, ladder_percent=0, is_old=False,
                           coupon=coupon)
    assert _by(priced, "coupon", "C").reason == "min_spend_not_reached"
    assert priced.total_amount == 9_999


def test_percent_coupon_competes_for_the_one_percent_and_loses_ties():
    better = pricing.price([Item("A", None, 1, 10_000)], 0, tier=SILVER, ladder_percent=0, is_old=False,
                           coupon=CouponTerms(code="P10", kind="coupon_percent", percent_off=10))
    assert _by(better, "coupon", "P10").applied and better.percent_discount_amount == 1_000
    assert _by(better, "tier", "silver").reason == "better_percent_applies"
    tie = pricing.price([Item("A", None, 1, 10_000)], 0, tier=GOLD, ladder_percent=0, is_old=False,
                        coupon=CouponTerms(code="P10", kind="coupon_percent", percent_off=10))
    assert _by(tie, "tier", "gold").applied  # on a tie the coupon is not used up for nothing
    assert _by(tie, "coupon", "P10").reason == "better_percent_applies"


def test_free_shipping_from_coupon_or_tier_but_not_both():
    coupon = CouponTerms(code="SHIP", kind="free_shipping")
    priced = pricing.price([Item("A", None, 1, 5_000)], 1_200, tier=MEMBER, ladder_percent=0, is_old=False,
                           coupon=coupon)
    assert priced.shipping_discount_amount == 1_200 and priced.total_amount == 5_000 and priced.free_shipping
    gold = pricing.price([Item("A", None, 1, 5_000)], 1_200, tier=GOLD, ladder_percent=0, is_old=False,
                         coupon=coupon)
    assert gold.total_amount == 5_000 - 500
    assert _by(gold, "coupon", "SHIP").reason == "tier_ships_free"  # the buyer keeps the coupon


def test_gifts_for_items_always_apply_and_follow_the_audience():
    items = [Item("A", None, 2, 1_000), Item("B", None, 1, 500)]
    priced = pricing.price(items, 0, tier=GOLD, ladder_percent=0, is_old=False, offers=[GIFT3],
                           coupon=CouponTerms(code="G", kind="gift", gift="保温杯"))
    assert priced.gifts == ["帆布袋", "保温杯"]
    assert priced.percent_discount_amount == 250  # the gifts do not stop the tier discount
    old_only = GIFT3.model_copy(update={"audience": "old"})
    assert pricing.price(items, 0, tier=MEMBER, ladder_percent=0, is_old=False, offers=[old_only]).gifts == []


def test_line_discounts_add_up_to_the_order_discount():
    items = [Item("A", None, 1, 3_333), Item("B", None, 1, 3_333), Item("C", None, 1, 3_334)]
    priced = pricing.price(items, 0, tier=SILVER, ladder_percent=0, is_old=False,
                           coupon=CouponTerms(code="C", kind="coupon_amount", amount_off=100))
    assert priced.discount_amount == 500 + 100
    assert priced.line_discounts == [200, 200, 200]
