"""`run_analysis` from stored orders to the stored snapshot on PostgreSQL, timed, with peak memory.

Generates a throwaway database (dropped at the end) with --customers customers and --orders paid orders
(binary COPY of NumPy-built rows), then runs the analysis in a fresh process so its peak RSS is its own.
Targets (issue 3): 1,000,000 customers / 10,000,000 orders in ≤ 60 s and ≤ 4 GB.

    .venv/bin/python bench/analyze_bench.py --customers 100000 --orders 1000000
    .venv/bin/python bench/analyze_bench.py            # the full size

Prints a table and, as its last line, one JSON object.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
import uuid
from datetime import date, datetime, timezone

import numpy as np

ADMIN = os.environ.get("SHOPCX_BENCH_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
START, END = date(2023, 1, 1), date(2025, 12, 31)
PG_EPOCH_US = int(datetime(2000, 1, 1, tzinfo=timezone.utc).timestamp()) * 1_000_000
HEADER = b"PGCOPY\n\xff\r\n\x00" + (0).to_bytes(4, "big") + (0).to_bytes(4, "big")
TRAILER = (-1).to_bytes(2, "big", signed=True)


def _binary_rows(columns: list[tuple[str, np.ndarray]]) -> bytes:
    """Binary COPY rows of fixed-width, non-null columns: int16 field count, then length + value per field."""
    n = len(columns[0][1])
    fields = [("count", ">i2")]
    for name, values in columns:
        kind = values.dtype.str[1:] if values.dtype.kind != "S" else f"S{values.dtype.itemsize}"
        fields += [(f"{name}_len", ">i4"), (name, (">" + kind) if values.dtype.kind in "iuf" else kind)]
    rows = np.empty(n, dtype=np.dtype(fields))
    rows["count"] = len(columns)
    for name, values in columns:
        rows[f"{name}_len"] = values.dtype.itemsize
        rows[name] = values
    return rows.tobytes()


def _copy(conn, table: str, columns: list[tuple[str, np.ndarray]]) -> None:
    with conn.cursor().copy(f"COPY {table} ({', '.join(c for c, _ in columns)}) FROM STDIN (FORMAT binary)") as cp:
        cp.write(HEADER + _binary_rows(columns) + TRAILER)


def _timestamps_us(days: np.ndarray, seconds: np.ndarray) -> np.ndarray:
    """PostgreSQL timestamptz (µs since 2000-01-01 UTC) from days since 1970 and seconds of the day."""
    return (days.astype(np.int64) * 86_400 + seconds) * 1_000_000 - PG_EPOCH_US


def generate(url: str, customers: int, orders: int, seed: int = 11) -> dict:
    """Fill a migrated database: one shop, `customers` customers, `orders` sale orders (≈96% paid)."""
    import psycopg

    rng = np.random.default_rng(seed)
    t0 = time.perf_counter()
    with psycopg.connect(url.replace("postgresql+psycopg", "postgresql"), autocommit=True) as conn:
        now = np.full(1, _timestamps_us(np.array([(END - date(1970, 1, 1)).days]), np.array([0]))[0])
        conn.execute("INSERT INTO shop (id, code, name, platform, timezone, currency, is_active, created_at) "
                     "VALUES (1, 'bench', 'Bench', 'other', 'Asia/Shanghai', 'CNY', true, now())")
        ids = np.arange(1, customers + 1, dtype=np.int64)
        _copy(conn, "customer", [
            ("id", ids), ("name", np.char.add(b"C", np.char.zfill(ids.astype("S9"), 9))),
            ("gender", np.full(customers, b"unknown")), ("birthday_is_leap_month", np.zeros(customers, "?")),
            ("preferences", np.full(customers, b"{}")), ("created_at", np.repeat(now, customers)),
            ("updated_at", np.repeat(now, customers))])
        conn.execute(f"SELECT setval(pg_get_serial_sequence('customer', 'id'), {customers})")
        # Heterogeneous buyers: order counts ∝ Gamma(0.6) weights, each customer born uniformly in the window and
        # buying until an exponential lifetime (mean 500 days) ends, so that some have dropped out by the end.
        weight = rng.gamma(0.6, 1.0, customers)
        birth = rng.integers(0, (END - START).days + 1, customers)
        life = np.minimum(rng.exponential(500.0, customers).astype(np.int64), (END - START).days - birth)
        spend = rng.lognormal(np.log(8000), 0.6, customers)  # mean order value per customer, 分
        defs = conn.execute("SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = "
                            "'shop_order'::regclass AND contype IN ('f', 'u')").fetchall()
        idx = conn.execute("SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'shop_order' AND "
                           "indexname NOT LIKE 'pk_%' AND indexname NOT LIKE 'uq_%'").fetchall()
        for name, _ in defs:
            conn.execute(f"ALTER TABLE shop_order DROP CONSTRAINT {name}")
        for name, _ in idx:
            conn.execute(f"DROP INDEX {name}")
        cdf = np.cumsum(weight / weight.sum())
        start_day = (START - date(1970, 1, 1)).days
        chunk = 2_000_000
        for lo in range(0, orders, chunk):
            n = min(chunk, orders - lo)
            cust = np.minimum(np.searchsorted(cdf, rng.random(n)), customers - 1)
            span = life[cust]
            day = start_day + birth[cust] + (rng.random(n) * (span + 1)).astype(np.int64)
            placed = _timestamps_us(day, rng.integers(0, 86_400, n))
            paid = np.maximum(np.rint(rng.gamma(4.0, spend[cust] / 4.0)), 100).astype(np.int64)
            refunded = np.where(rng.random(n) < 0.03, paid // 2, 0).astype(np.int64)
            status = np.where(rng.random(n) < 0.04, b"cancelled", b"completed")
            oid = np.arange(lo + 1, lo + n + 1, dtype=np.int64)
            zero = np.zeros(n, np.int64)
            _copy(conn, "shop_order", [
                ("id", oid), ("shop_id", np.ones(n, ">i4")), ("customer_id", ids[cust]),
                ("source", np.full(n, b"bench")), ("external_id", np.char.zfill(oid.astype("S10"), 10)),
                ("kind", np.full(n, b"sale")), ("status", status), ("currency", np.full(n, b"CNY")),
                ("goods_amount", paid), ("shipping_amount", zero), ("discount_amount", zero),
                ("paid_amount", paid), ("refunded_amount", refunded), ("item_count", np.ones(n, ">i4")),
                ("placed_at", placed), ("created_at", placed), ("updated_at", placed)])
        conn.execute(f"SELECT setval(pg_get_serial_sequence('shop_order', 'id'), {orders})")
        for name, definition in defs:
            conn.execute(f"ALTER TABLE shop_order ADD CONSTRAINT {name} {definition}")
        for _, definition in idx:
            conn.execute(definition)
        conn.execute("VACUUM ANALYZE shop_order")
        conn.execute("VACUUM ANALYZE customer")
    return {"generate_s": round(time.perf_counter() - t0, 1)}


def analyze_child(url: str) -> None:
    """In a fresh process: run the analysis, print step times, wall time and peak RSS as JSON."""
    from shopcx.core import db
    from shopcx.insights.service.analysis import run_analysis

    db.configure(url)
    marks = {}
    t0 = time.perf_counter()

    def tick(step, done, total):
        marks[step] = round(time.perf_counter() - t0, 2)

    run = run_analysis(as_of=END, progress=tick)
    wall = time.perf_counter() - t0
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    f = run.figures
    print(json.dumps({"status": run.status, "error": run.error, "wall_s": round(wall, 2), "peak_mb": round(peak_mb),
                      "steps_s": marks, "customers_scored": run.customers,
                      "top20_share": (f.get("pareto") or {}).get("top20_share"),
                      "repurchase_rate": (f.get("repurchase") or {}).get("rate"), "stages": f.get("stages")}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--orders", type=int, default=10_000_000)
    parser.add_argument("--keep", action="store_true", help="Keep the database (its URL is printed).")
    parser.add_argument("--analyze-only", metavar="URL", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.analyze_only:
        analyze_child(args.analyze_only)
        return
    from sqlalchemy import create_engine, text

    from shopcx.core import db
    from shopcx.core.migrate import upgrade

    name = f"shopcx_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(ADMIN, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = ADMIN.rsplit("/", 1)[0] + "/" + name
    try:
        engine = db.make_engine(url)
        upgrade(engine)
        engine.dispose()
        gen = generate(url, args.customers, args.orders)
        child = subprocess.run([sys.executable, __file__, "--analyze-only", url], capture_output=True, text=True,
                               check=False)
        if child.returncode != 0:
            sys.stderr.write(child.stderr)
            raise SystemExit(child.returncode)
        result = json.loads(child.stdout.strip().splitlines()[-1])
    finally:
        if not args.keep:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
    result = {"customers": args.customers, "orders": args.orders, **gen, **result,
              "target_wall_s": 60, "target_peak_mb": 4096,
              "database": url if args.keep else "dropped"}
    print(f"{'customers':>22}  {args.customers:,}\n{'orders':>22}  {args.orders:,}")
    print(f"{'generate (s)':>22}  {gen['generate_s']}")
    for step, at in result["steps_s"].items():
        print(f"{'  by ' + step + ' (s)':>22}  {at}")
    print(f"{'analyze wall (s)':>22}  {result['wall_s']}  (target ≤ 60)")
    print(f"{'analyze peak RSS (MB)':>22}  {result['peak_mb']}  (target ≤ 4096)")
    print(f"{'customers scored':>22}  {result['customers_scored']:,}")
    print(json.dumps(result))


if __name__ == "__main__":
    main()
