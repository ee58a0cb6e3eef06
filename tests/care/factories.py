"""A simulated campaign with a known effect, for the uplift coverage test and bench/care_bench.py (issue 16)."""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

import numpy as np

from shopcx.care import rules

# Basket values (分) and their probabilities: a long tail, as a shop's order values have.
BASKETS_MINOR = np.array([4_900, 9_900, 19_900, 39_900, 99_900])
BASKET_SHARES = np.array([0.35, 0.30, 0.20, 0.10, 0.05])
# Σ value × share = 1,715 + 2,970 + 3,980 + 3,990 + 4,995 = 17,650 分 per converting person.
BASKET_MEAN_MINOR = 17_650
CONTROL_RATE = Fraction(5, 100)
TREATED_RATE = Fraction(6, 100)
# Both groups buy the same baskets; the message lifts conversion by 1 point, so revenue per person by
# 0.01 × 17,650 = 176.5 分.
TRUE_CONVERSION_UPLIFT = TREATED_RATE - CONTROL_RATE
TRUE_REVENUE_UPLIFT_MINOR = TRUE_CONVERSION_UPLIFT * BASKET_MEAN_MINOR


@dataclass(frozen=True)
class Coverage:
    """How many of `runs` campaigns had the true uplift inside their interval."""

    runs: int
    conversion: int
    revenue: int


def simulated_revenue(seed: int, *, treated: int = 18_000, control: int = 2_000) -> tuple[np.ndarray, np.ndarray]:
    """Each person's revenue in minor units (0 for non-buyers) in a campaign with a 10% random control group."""
    rng = np.random.default_rng(seed)

    def group(n: int, rate: Fraction) -> np.ndarray:
        bought = rng.random(n) < float(rate)
        return np.where(bought, rng.choice(BASKETS_MINOR, size=n, p=BASKET_SHARES), 0)

    return group(treated, TREATED_RATE), group(control, CONTROL_RATE)


def coverage(runs: int, *, first_seed: int = 20_240_601, resamples: int = 2000, bootstrap: str = "percentile",
             **sizes: int) -> Coverage:
    """Simulate `runs` seeded campaigns and count the 95% intervals that contain the true uplift."""
    conversion = revenue = 0
    for seed in range(first_seed, first_seed + runs):
        treated, control = simulated_revenue(seed, **sizes)
        report = rules.campaign_uplift(treated, control, resamples=resamples, seed=seed, bootstrap=bootstrap)
        conversion += report.conversion.uplift.contains(float(TRUE_CONVERSION_UPLIFT))
        revenue += report.revenue.uplift_low_minor <= TRUE_REVENUE_UPLIFT_MINOR <= report.revenue.uplift_high_minor
    return Coverage(runs, conversion, revenue)


# --- database builders for the care service tests ------------------------------------------------------------------

def buyer(n: int, **overrides) -> dict:
    """A buyer with e-mail consent (a real name, a masked nickname the messages must never use)."""
    return {"source": "taobao", "external_id": f"care-buyer-{n}", "name": f"顾客{n}", "nickname": "t***1",
            "email": f"b{n}@example.com", "consents": {"email": True}} | overrides


def template(session, shop, **overrides):
    """A template using the name, the coupon code and the shop."""
    from shopcx.care.service import save_template
    from shopcx.staff.service import SYSTEM

    values = {"code": "hello", "name": "Hello", "subject_zh": "{{ name }}，您好", "body_zh":
              "{{ name }}，{{ shop }}想念您。{% if coupon_code %}券码 {{ coupon_code }}{% endif %}",
              "subject_en": "Hello {{ name }}", "body_en": "Dear {{ name }}, {{ shop }} misses you."} | overrides
    return save_template(session, shop.id, actor=SYSTEM, **values)


def collect():
    """A deliverer that records what it was given (the messaging domain in production)."""
    sent = []

    def deliver(session, items):
        out = []
        for recipient, _customer, subject, body in items:
            sent.append((recipient.customer_id, subject, body))
            out.append((f"test-{len(sent)}", None))
        return out

    return sent, deliver
