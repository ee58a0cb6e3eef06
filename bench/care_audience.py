"""Audience counts over many customers on PostgreSQL (issue 16, "Measured"), for bench/care_bench.py --audience N.

Writes N customers of one shop with COPY (bench/bigshop.py: identities, consents for ~70%, tags for ~10%; here a
finished analysis run with one score each, loyalty accounts in three tiers), then times `care.service.count` for a
set of typical audiences, each repeated, and reports p50 / p95 / max seconds per audience. An audience over 100,000
is shown as an estimate from a random sample of 5,000 customer ids with its 95% interval; the bench counts it
exactly once as well and says whether the exact count lies inside the interval.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime

import numpy as np
from bench import bigshop
from sqlalchemy import text

SEGMENTS = ("Champions", "Loyal", "Potential", "New", "At risk", "Can't lose", "Hibernating", "Lost")
STAGES = ("first_time", "repeat", "advocate", "at_risk", "lost")
AUDIENCES = {
    "everyone with e-mail consent": {"channel": "email"},
    "at risk, P(alive) < 0.3": {"segments": ["At risk", "Can't lose"], "p_alive_max": 0.3},
    "gold tier, bought within 90 days": {"tiers": ["gold"], "last_order_max_days": 90},
    "CLV ≥ ¥500, repeat or advocate": {"stages": ["repeat", "advocate"], "clv_min_amount": 50_000},
    "tag vip, SMS": {"tags": ["vip"], "channel": "sms"},
    "no consent needed, lost": {"stages": ["lost"], "consent": False, "channel": "agent"},
}


def populate(engine, n: int, *, seed: int = 16) -> None:
    """N customers (bench/bigshop.py: identities, consents, tags), a finished analysis run with one score each and
    loyalty accounts in three tiers, written with COPY."""
    rng = np.random.default_rng(seed)
    now = datetime(2026, 12, 6, tzinfo=UTC)
    with engine.begin() as conn:
        shop_id = bigshop.add_shop(conn, "bench", now)
        run_id = conn.execute(text("INSERT INTO analysis_run (shop_id, as_of_on, currency, status, started_at, "
                                   "finished_at, customers, params, figures) VALUES (:s, '2026-12-05', 'CNY', 'done', "
                                   ":now, :now, :n, '{}', '{}') RETURNING id"), {"s": shop_id, "now": now,
                                                                                 "n": n}).scalar()
        program_id = conn.execute(text("INSERT INTO loyalty_program (shop_id, name, currency, is_active, created_at, "
                                       "updated_at) VALUES (:s, 'p', 'CNY', false, :now, :now) RETURNING id"),
                                  {"s": shop_id, "now": now}).scalar()
        ids = bigshop.add_customers(conn, rng, shop_id, n, now)
        p_alive = rng.random(n)
        clv = (rng.lognormal(9, 1.2, n)).astype(np.int64)
        bigshop.copy_columns(conn, "customer_score", {
            "run_id": run_id, "customer_id": ids, "stage": np.array(STAGES)[rng.integers(0, len(STAGES), n)],
            "segment": np.array(SEGMENTS)[rng.integers(0, len(SEGMENTS), n)], "r_score": 3, "f_score": 3,
            "m_score": 3, "recency_days": rng.integers(0, 720, n), "orders": 2, "monetary_amount": 10000,
            "p_alive": np.round(p_alive, 4), "expected_purchases": 0.5, "expected_order_amount": 10000,
            "clv_amount": clv, "churn_risk": np.round(1 - p_alive, 4),
            "value_at_stake_amount": (clv * (1 - p_alive)).astype(np.int64)})
        bigshop.copy_columns(conn, "loyalty_account", {
            "program_id": program_id, "shop_id": shop_id, "customer_id": ids, "balance": 0, "pending_balance": 0,
            "shortfall": 0, "lifetime_earned": 0, "lifetime_redeemed": 0, "lifetime_expired": 0,
            "tier_code": rng.choice(["member", "silver", "gold"], size=n, p=[0.8, 0.15, 0.05]),
            "referral_code": np.char.add("R", ids.astype(str)), "joined_at": now, "version": 0, "updated_at": now})
    with engine.connect() as conn:
        conn.execution_options(isolation_level="AUTOCOMMIT").execute(text("ANALYZE"))


def time_counts(repeats: int) -> list[dict]:
    """p50 / p95 / max seconds of each audience's live count (the page's, the same service call). A count shown as
    an estimate (a random sample, over 100,000) is checked against the exact count, timed once beside it."""
    from shopcx.care import service
    from shopcx.core import db

    out = []
    with db.session_scope() as session:
        shop = service.shop_of(session, "bench")
        for label, audience in AUDIENCES.items():
            times, counted = [], {}
            for _ in range(repeats):
                start = time.perf_counter()
                counted = service.count(session, shop, audience)
                times.append(time.perf_counter() - start)
            times.sort()
            row = {"audience": label, "count": counted["count"], "estimate": counted["estimate"],
                   "p50_s": round(float(np.percentile(times, 50)), 4),
                   "p95_s": round(float(np.percentile(times, 95)), 4), "max_s": round(times[-1], 4)}
            if counted["estimate"]:
                start = time.perf_counter()
                exact = service.count(session, shop, audience, exact=True)["count"]
                row |= {"low": counted["low"], "high": counted["high"], "sampled": counted["sampled"],
                        "exact": exact, "exact_s": round(time.perf_counter() - start, 4),
                        "inside": counted["low"] <= exact <= counted["high"]}
            out.append(row)
    return out
