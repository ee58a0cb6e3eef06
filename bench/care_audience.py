"""Audience counts over many customers on PostgreSQL (issue 16, "Measured"), for bench/care_bench.py --audience N.

Writes N customers of one shop with COPY (identities, consents for ~70%, tags for ~10%, a finished analysis run with
one score each, loyalty accounts in three tiers), then times `care.service.count` for a set of typical audiences,
each repeated, and reports p50 / p95 / max seconds per audience. An audience over 100,000 is shown as an estimate
from a random sample of 5,000 customer ids with its 95% interval; the bench counts it exactly once as well and says
whether the exact count lies inside the interval.
"""

from __future__ import annotations

import io
import time
from datetime import UTC, datetime

import numpy as np
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


def _copy(conn, table: str, columns: list[str], rows: io.StringIO) -> None:
    rows.seek(0)
    with conn.connection.dbapi_connection.cursor() as cur, \
            cur.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        while chunk := rows.read(1 << 20):
            copy.write(chunk)


def populate(engine, n: int, *, seed: int = 16) -> None:
    """N customers, their identities, consents, tags, scores and loyalty accounts, written with COPY."""
    rng = np.random.default_rng(seed)
    now = datetime(2026, 12, 6, tzinfo=UTC).isoformat()
    with engine.begin() as conn:
        shop_id = conn.execute(text("INSERT INTO shop (code, name, platform, timezone, currency, is_active, "
                                    "created_at) VALUES ('bench', 'Bench', 'taobao', 'Asia/Shanghai', 'CNY', true, "
                                    ":now) RETURNING id"), {"now": now}).scalar()
        run_id = conn.execute(text("INSERT INTO analysis_run (shop_id, as_of_on, currency, status, started_at, "
                                   "finished_at, customers, params, figures) VALUES (:s, '2026-12-05', 'CNY', 'done', "
                                   ":now, :now, :n, '{}', '{}') RETURNING id"), {"s": shop_id, "now": now,
                                                                                 "n": n}).scalar()
        program_id = conn.execute(text("INSERT INTO loyalty_program (shop_id, name, currency, is_active, created_at, "
                                       "updated_at) VALUES (:s, 'p', 'CNY', false, :now, :now) RETURNING id"),
                                  {"s": shop_id, "now": now}).scalar()
        first = conn.execute(text("SELECT coalesce(max(id), 0) + 1 FROM customer")).scalar()
        ids = np.arange(first, first + n)
        for start in range(0, n, 200_000):
            part = ids[start:start + 200_000]
            m = len(part)
            buf = io.StringIO()
            for cid in part:
                buf.write(f"{cid}\t顾客{cid}\tunknown\tf\t{{}}\t{now}\t{now}\n")
            _copy(conn, "customer", ["id", "name", "gender", "birthday_is_leap_month", "preferences", "created_at",
                                     "updated_at"], buf)
            buf = io.StringIO()
            for cid in part:
                buf.write(f"{cid}\t{shop_id}\ttaobao\tb{cid}\t{now}\n")
            _copy(conn, "customer_identity", ["customer_id", "shop_id", "source", "external_id", "created_at"], buf)
            buf = io.StringIO()
            email, sms = rng.random(m) < 0.7, rng.random(m) < 0.4
            for cid, e, s in zip(part, email, sms, strict=True):
                buf.write(f"{cid}\temail\t{'t' if e else 'f'}\timport\t{now}\n")
                if s:
                    buf.write(f"{cid}\tsms\tt\timport\t{now}\n")
            _copy(conn, "customer_consent", ["customer_id", "channel", "granted", "source", "changed_at"], buf)
            buf = io.StringIO()
            for cid in part[rng.random(m) < 0.1]:
                buf.write(f"{cid}\tvip\n")
            _copy(conn, "customer_tag", ["customer_id", "tag"], buf)
            buf = io.StringIO()
            seg = rng.integers(0, len(SEGMENTS), m)
            stage = rng.integers(0, len(STAGES), m)
            recency = rng.integers(0, 720, m)
            p_alive = rng.random(m)
            clv = (rng.lognormal(9, 1.2, m)).astype(np.int64)
            for k, cid in enumerate(part):
                buf.write(f"{run_id}\t{cid}\t{STAGES[stage[k]]}\t{SEGMENTS[seg[k]]}\t3\t3\t3\t{recency[k]}\t2\t"
                          f"10000\t{p_alive[k]:.4f}\t0.5\t10000\t{clv[k]}\t{1 - p_alive[k]:.4f}\t"
                          f"{int(clv[k] * (1 - p_alive[k]))}\n")
            _copy(conn, "customer_score", ["run_id", "customer_id", "stage", "segment", "r_score", "f_score",
                                           "m_score", "recency_days", "orders", "monetary_amount", "p_alive",
                                           "expected_purchases", "expected_order_amount", "clv_amount",
                                           "churn_risk", "value_at_stake_amount"], buf)
            buf = io.StringIO()
            tiers = rng.choice(["member", "silver", "gold"], size=m, p=[0.8, 0.15, 0.05])
            for cid, tier in zip(part, tiers, strict=True):
                buf.write(f"{program_id}\t{shop_id}\t{cid}\t0\t0\t0\t0\t0\t0\t{tier}\tR{cid}\t{now}\t0\t{now}\n")
            _copy(conn, "loyalty_account", ["program_id", "shop_id", "customer_id", "balance", "pending_balance",
                                            "shortfall", "lifetime_earned", "lifetime_redeemed", "lifetime_expired",
                                            "tier_code", "referral_code", "joined_at", "version", "updated_at"], buf)
        conn.execute(text("SELECT setval(pg_get_serial_sequence('customer', 'id'), (SELECT max(id) FROM customer))"))
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
