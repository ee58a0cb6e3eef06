"""Pure loyalty arithmetic against hand-worked numbers: splitting, points per line, reversals, caps, dates, tiers.

Also the "no floats" guarantee (issue 4, point 5): an AST scan of every loyalty module.
"""

from __future__ import annotations

import ast
from datetime import date
from pathlib import Path

import pytest

from shopcx.core.errors import InvalidInput
from shopcx.loyalty import rules
from shopcx.loyalty.config import Earning, Promotion, default_config, parse_config

from .factories import simple_config

LOYALTY_SRC = Path(__file__).resolve().parents[2] / "src" / "shopcx" / "loyalty"


# --- allocate: largest remainder, ties to the earlier line, always sums to the total -------------------------------

@pytest.mark.parametrize(("total", "weights", "expected"), [
    (100, [1, 1, 1], [34, 33, 33]),    # 33⅓ each: the one left-over unit goes to the first (tie → earlier)
    (100, [1, 2], [33, 67]),            # 33.33 / 66.67: remainders 1/3 and 2/3 → the unit goes to the second
    (1, [1, 1], [1, 0]),                # one fen over two equal lines
    (9000, [6000, 4000], [5400, 3600]),  # exact proportions stay exact
    (7, [0, 0], [4, 3]),                # no weight at all: split evenly
    (0, [5, 5], [0, 0]),
    (101, [100, 50, 50], [51, 25, 25]),  # 50.5 / 25.25 / 25.25 → floors 50+25+25 = 100, the 1 left to the .5
])
def test_allocate_splits_exactly(total, weights, expected):
    assert rules.allocate(total, weights) == expected
    assert sum(expected) == total


def test_allocate_edge_cases():
    assert rules.allocate(5, []) == []
    with pytest.raises(ValueError):
        rules.allocate(-1, [1])
    # A negative weight counts as zero: 10 over [-5, 1, 1] → 0, 5, 5.
    assert rules.allocate(10, [-5, 1, 1]) == [0, 5, 5]


def test_allocate_always_sums_over_awkward_weights():
    weights = [1, 3, 7, 11, 13, 17, 19, 23]  # Σ = 94, a prime-ish mix that leaves remainders everywhere
    for total in (0, 1, 93, 94, 95, 1_000_003):
        shares = rules.allocate(total, weights)
        assert sum(shares) == total
        assert all(share >= 0 for share in shares)


# --- points per line: one floor at the end -------------------------------------------------------------------------

def test_line_points_floor_once_after_all_multipliers():
    assert rules.line_points(10_050, 1, 100) == 100        # ¥100.50 at 1 point per yuan → 100.5 → 100
    assert rules.line_points(150, 1, 100) == 1             # 1.5 → 1: a half point is never rounded up
    assert rules.line_points(999, 1, 100, [1500, 2000]) == 29  # 9.99 × 1.5 × 2 = 29.97 → 29
    # 1.5 × 1.5 × 1.5 = 3.375 → 3; flooring after each multiplier would give floor(floor(1.5)×1.5)=1 → 1.
    assert rules.line_points(150, 1, 100, [1500, 1500]) == 3
    assert rules.line_points(1, 1, 100) == 0               # a 1 fen line earns nothing
    assert rules.line_points(1, 1, 100, [100_000]) == 1    # ... unless a 100× multiplier lifts it to one point
    assert rules.line_points(-500, 1, 100) == 0            # a negative line (a discount line) earns nothing
    assert rules.line_points(10_000, 0, 100) == 0
    assert rules.line_points(10_000, 1, 100, [0]) == 0     # a 0× category earns nothing
    # 3 points per ¥2 (unit_amount 200): ¥3.99 → 399 × 3 / 200 = 5.985 → 5.
    assert rules.line_points(399, 3, 200) == 5


def test_many_lines_each_floor_their_own_fraction():
    # Documented: each line is floored, so a member can lose up to just under one point per line.
    # Three lines of ¥1.99: 1.99 → 1 each = 3 points, whereas ¥5.97 as one line would have earned 5.
    assert sum(rules.line_points(199, 1, 100) for _ in range(3)) == 3
    assert rules.line_points(597, 1, 100) == 5


def test_order_base_excludes_shipping_unless_included():
    assert rules.order_base(11_000, 1_000, False) == 10_000
    assert rules.order_base(11_000, 1_000, True) == 11_000
    assert rules.order_base(500, 1_000, False) == 0        # shipping larger than what was paid → nothing to earn on
    assert rules.order_base(-5, 0, False) == 0


# --- reversals: half up per line, cumulative, so partial refunds add up to the whole -------------------------------

def test_reversal_due_rounds_half_up_on_the_cumulative_refund():
    assert rules.reversal_due(15, 1000, 500) == 8   # 7.5 → 8
    assert rules.reversal_due(15, 1000, 100) == 2   # 1.5 → 2
    assert rules.reversal_due(15, 1000, 300) == 5   # 4.5 → 5
    assert rules.reversal_due(15, 1000, 299) == 4   # 4.485 → 4
    assert rules.reversal_due(0, 1000, 500) == 0
    assert rules.reversal_due(15, 1000, 0) == 0
    assert rules.reversal_due(15, 1000, 1500) == 15  # more than the line's base (shipping refunded too): all of it
    assert rules.reversal_due(15, 0, 1) == 15        # a line without base gives back everything on any refund


def test_partial_refunds_add_up_to_the_full_reversal():
    # 100 points on a ¥100.00 line refunded as 33.33 + 33.33 + 33.34:
    # cumulative dues 33.33 → 33, 66.66 → 67, 100 → 100; the deltas 33 + 34 + 33 = 100.
    dues = [rules.reversal_due(100, 10_000, refunded) for refunded in (3_333, 6_666, 10_000)]
    assert dues == [33, 67, 100]
    # Ten refunds of ¥1.50 on a 15-point ¥15.00 line: each alone would be 1.5 → 2 (20 in all), cumulatively 15.
    cumulative = [rules.reversal_due(15, 1_500, 150 * k) for k in range(1, 11)]
    assert cumulative[-1] == 15 and all(b >= a for a, b in zip(cumulative, cumulative[1:], strict=False))


# --- caps -----------------------------------------------------------------------------------------------------------

def test_caps_take_the_tighter_of_day_and_month():
    assert rules.capped(300, 800, 1000, 0, None) == 200      # 1,000 a day, 800 already today
    assert rules.capped(300, 0, None, 900, 950) == 50        # 950 a month, 900 already this month
    assert rules.capped(300, 800, 1000, 900, 950) == 50      # both: the tighter wins
    assert rules.capped(300, 1200, 1000, 0, None) == 0       # already over (a cap lowered later): never negative
    assert rules.capped(300, 0, None, 0, None) == 300


def test_a_capped_order_keeps_its_lines_proportions():
    # Lines earned 100 / 50 / 50 but only 101 are allowed today: 50.5 / 25.25 / 25.25 → 51 / 25 / 25.
    assert rules.allocate(101, [100, 50, 50]) == [51, 25, 25]


# --- multipliers ----------------------------------------------------------------------------------------------------

def test_product_multiplier_wins_over_category():
    cfg = simple_config(category_multipliers={"茶叶": 2000}, product_multipliers={"TEA-GIFT": 500})
    assert rules.item_multiplier(cfg, "TEA-GIFT", "茶叶") == 500
    assert rules.item_multiplier(cfg, "TEA-7", "茶叶") == 2000
    assert rules.item_multiplier(cfg, "CUP-1", "厨具") == 1000
    assert rules.item_multiplier(cfg, None, None) == 1000


def test_best_running_promotion_applies_on_shop_local_days():
    cfg = simple_config(promotions=[
        Promotion(name="双11", start_on=date(2026, 11, 11), end_on=date(2026, 11, 11), multiplier=2000),
        Promotion(name="十一月", start_on=date(2026, 11, 1), end_on=date(2026, 11, 30), multiplier=1500)])
    assert rules.promotion_multiplier(cfg, date(2026, 11, 11)) == (2000, "双11")
    assert rules.promotion_multiplier(cfg, date(2026, 11, 12)) == (1500, "十一月")
    assert rules.promotion_multiplier(cfg, date(2026, 12, 1)) == (1000, None)


# --- dates ----------------------------------------------------------------------------------------------------------

def test_add_months_clamps_to_the_month_end():
    assert rules.add_months(date(2026, 1, 31), 1) == date(2026, 2, 28)
    assert rules.add_months(date(2028, 1, 31), 1) == date(2028, 2, 29)
    assert rules.add_months(date(2026, 3, 31), -1) == date(2026, 2, 28)
    assert rules.add_months(date(2028, 2, 29), -12) == date(2027, 2, 28)
    assert rules.add_months(date(2026, 12, 15), 1) == date(2027, 1, 15)


def test_29_february_falls_on_28_february_without_a_leap_day():
    assert rules.on_day_in_year(2, 29, 2027) == date(2027, 2, 28)
    assert rules.on_day_in_year(2, 29, 2028) == date(2028, 2, 29)
    assert rules.on_day_in_year(3, 10, 2027) == date(2027, 3, 10)


def test_lot_expiry_dates():
    assert rules.lot_expires_on("rolling", 12, date(2025, 4, 1)) == date(2026, 4, 1)
    assert rules.lot_expires_on("rolling", 12, date(2024, 2, 29)) == date(2025, 2, 28)
    # annual: points that became available in 2026 last through 2027 and are gone from 1 January 2028.
    assert rules.lot_expires_on("annual", 12, date(2026, 5, 10)) == date(2028, 1, 1)
    assert rules.lot_expires_on("never", 12, date(2026, 5, 10)) is None
    assert rules.available_on(date(2026, 3, 1), 15) == date(2026, 3, 16)


def test_qualification_windows():
    as_of = date(2026, 3, 15)
    assert rules.window_start("rolling_12m", as_of, date(2020, 1, 1)) == date(2025, 3, 16)
    assert rules.window_start("calendar_year", as_of, date(2020, 1, 1)) == date(2026, 1, 1)
    # Anniversary: joined 10 June; in March 2026 the membership year began on 10 June 2025.
    assert rules.window_start("anniversary", as_of, date(2024, 6, 10)) == date(2025, 6, 10)
    assert rules.window_start("anniversary", date(2026, 6, 10), date(2024, 6, 10)) == date(2026, 6, 10)
    # Joined this year: the window never starts before joining.
    assert rules.window_start("anniversary", as_of, date(2026, 1, 20)) == date(2026, 1, 20)
    # Joined on 29 February: the anniversary is 28 February in other years.
    assert rules.window_start("anniversary", date(2025, 3, 1), date(2024, 2, 29)) == date(2025, 2, 28)


# --- tiers (simple_config: member; silver ¥1,000 or 3 orders, keep ¥500 or 2; gold ¥5,000 or 10) ---------------

def test_qualifies_and_keeps():
    cfg = simple_config()
    silver = cfg.tier("silver")
    assert not rules.qualifies(silver, 99_999, 2)
    assert rules.qualifies(silver, 100_000, 0) and rules.qualifies(silver, 0, 3)
    assert rules.keeps(silver, 50_000, 0) and rules.keeps(silver, 0, 2)
    assert not rules.keeps(silver, 49_999, 1)
    both = silver.model_copy(update={"qualify_by": "both"})
    assert not rules.qualifies(both, 100_000, 2) and rules.qualifies(both, 100_000, 3)


def test_upgrade_refund_and_review_targets():
    cfg = simple_config()
    assert rules.tier_after_payment(cfg, "member", None, 100_000, 1) == "silver"
    assert rules.tier_after_payment(cfg, "gold", None, 0, 0) == "gold"          # never a downgrade on payment
    assert rules.tier_after_payment(cfg, "member", "gold", 0, 0) == "gold"      # the floor lifts
    # A refund undoes the upgrade it paid for, but not below the last review.
    assert rules.tier_after_refund(cfg, "silver", "member", None, 60_000, 1) == "member"
    assert rules.tier_after_refund(cfg, "silver", "silver", None, 0, 0) == "silver"
    assert rules.tier_after_refund(cfg, "gold", "member", None, 120_000, 1) == "silver"
    assert rules.tier_after_refund(cfg, "member", "member", None, 500_000, 0) == "member"  # a refund never upgrades
    # Review: gold's keep = its thresholds (¥5,000 / 10); ¥1,200 keeps silver (qualifies for it).
    assert rules.tier_at_review(cfg, "gold", None, 120_000, 2) == "silver"
    assert rules.tier_at_review(cfg, "silver", None, 60_000, 1) == "silver"     # ≥ ¥500 keep threshold
    assert rules.tier_at_review(cfg, "silver", None, 40_000, 1) == "member"
    assert rules.tier_at_review(cfg, "silver", "silver", 0, 0) == "silver"      # the floor holds
    assert rules.tier_at_review(cfg, "member", None, 500_000, 0) == "gold"      # a review may also upgrade


def test_progress_shows_both_gaps():
    cfg = simple_config()
    gaps = rules.progress(cfg, "member", 30_000, 1)
    assert (gaps.next_tier, gaps.spend_to_next, gaps.orders_to_next) == ("silver", 70_000, 2)
    assert (gaps.spend_to_keep, gaps.orders_to_keep) == (0, 0)
    gaps = rules.progress(cfg, "silver", 45_000, 1)
    assert (gaps.next_tier, gaps.spend_to_next, gaps.orders_to_next) == ("gold", 455_000, 9)
    assert (gaps.spend_to_keep, gaps.orders_to_keep) == (5_000, 1)
    top = rules.progress(cfg, "gold", 0, 0)
    assert (top.next_tier, top.spend_to_next, top.orders_to_next) == (None, None, None)


def test_purchase_count_ladder():
    cfg = default_config()  # 3rd order 3%, 6th 5%, 10th 8%
    assert [rules.ladder_percent(cfg, n) for n in (1, 2, 3, 5, 6, 9, 10, 40)] == [0, 0, 3, 3, 5, 5, 8, 8]


# --- the rule set is validated with field names -----------------------------------------------------------------

def test_parse_config_names_the_field():
    document = simple_config().model_dump(mode="json")
    document["tiers"][1]["min_orders"] = -1
    with pytest.raises(InvalidInput) as caught:
        parse_config(document)
    assert caught.value.field == "tiers.1.min_orders"
    document = simple_config().model_dump(mode="json")
    document["tiers"][0]["min_spend_amount"] = 100
    with pytest.raises(InvalidInput, match="entry tier"):
        parse_config(document)
    document = simple_config().model_dump(mode="json")
    document["earning"]["category_multipliers"] = {"茶叶": 1.5}
    with pytest.raises(InvalidInput) as caught:
        parse_config(document)  # a float multiplier is refused, not truncated
    assert caught.value.field.startswith("earning.category_multipliers")
    with pytest.raises(ValueError):
        Earning(unit_amount=0)


# --- no floats (issue 4, point 5) -------------------------------------------------------------------------------

MONEY_WORDS = ("point", "amount", "balance", "spend", "earned", "base", "value", "cost", "percent", "multiplier",
               "shortfall", "remaining", "price", "total")
# (module, line text fragment) → why a float-looking construct is fine there. Never in ledger, earning or rules.
ALLOWED: dict[tuple[str, str], str] = {
    ("cli.py", "points_multiplier / 1000:g"): "prints a per-mille multiplier as 1.5 in a table; nothing is computed",
}


def _names(node: ast.AST) -> set[str]:
    found = set()
    for sub in ast.walk(node):
        if isinstance(sub, ast.Name):
            found.add(sub.id.lower())
        elif isinstance(sub, ast.Attribute):
            found.add(sub.attr.lower())
        elif isinstance(sub, ast.arg):
            found.add(sub.arg.lower())
    return found


def float_findings(path: Path) -> list[str]:
    """Float literals, float()/round()/Decimal-free true division on money or points names in one module."""
    source = path.read_text(encoding="utf-8")
    lines = source.splitlines()
    findings = []
    for node in ast.walk(ast.parse(source)):
        problem = None
        if isinstance(node, ast.Constant) and isinstance(node.value, float):
            problem = f"float literal {node.value!r}"
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in ("float", "round"):
            problem = f"{node.func.id}()"
        elif isinstance(node, ast.BinOp | ast.AugAssign) and isinstance(node.op, ast.Div):
            names = _names(node)
            if any(word in name for name in names for word in MONEY_WORDS):
                problem = "true division on " + ", ".join(sorted(names))
        if problem:
            text = lines[node.lineno - 1].strip()
            if not any(module == path.name and fragment in text for module, fragment in ALLOWED):
                findings.append(f"{path.name}:{node.lineno}: {problem}: {text}")
    return findings


def test_the_scan_finds_what_it_looks_for(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text("a = 0.5\nb = float(x)\nc = round(y)\nd = points / 2\ne = Path('x') / 'templates'\n"
                      "f = points // 2\n", encoding="utf-8")
    found = float_findings(sample)
    assert [line.split(":")[1] for line in found] == ["1", "2", "3", "4"]


def test_no_floats_in_the_loyalty_package():
    modules = sorted(LOYALTY_SRC.rglob("*.py"))
    assert {"ledger.py", "earning.py", "rules.py"} <= {m.name for m in modules}
    findings = [finding for module in modules for finding in float_findings(module)]
    assert findings == []
    assert not any(module in ("ledger.py", "earning.py", "rules.py") for module, _ in ALLOWED)
