"""Reviews: CSV import (first run and the idempotent replay) and every ratings metric, timed on generated data.

Builds a throwaway database (SQLite file by default, or a PostgreSQL database with --pg, dropped at the end)
with one shop, --orders completed orders over a year (each with a shipment, a fifth of them late) and writes a
review CSV for --reviews of them (10% 系统默认好评, 8% with a 追评). Then imports it twice and times the metrics
a ratings dashboard asks for.

    .venv/bin/python bench/reviews_bench.py                       # 50,000 reviews on SQLite
    .venv/bin/python bench/reviews_bench.py --pg --reviews 200000

Prints a table and, as its last line, one JSON object.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import sys
import tempfile
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlalchemy import create_engine, insert, text

ADMIN = os.environ.get("SHOPCX_BENCH_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
START = datetime(2025, 7, 1, 2, tzinfo=UTC)
TEXTS = ["杯子很好用，保温效果不错", "质量很差，用了两天就坏了", "物流太慢了，等了一个星期", "包装破损，盖子压坏了",
         "客服态度很好，解决得很快", "和描述不符，颜色差很多", "性价比高，推荐购买", "一般般吧", ""]


def _database(pg: bool, workdir: Path) -> tuple[str, str | None]:
    if not pg:
        return f"sqlite:///{workdir / 'bench.db'}", None
    name = f"shopcx_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(ADMIN, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return ADMIN.rsplit("/", 1)[0] + "/" + name, name


def _drop(name: str | None) -> None:
    if name:
        admin = create_engine(ADMIN, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _generate(session, orders: int, rng: random.Random):
    """One shop with `orders` completed orders, one line and one shipment each."""
    from shopcx.orders.models import Order, OrderLine, Product, Shipment
    from shopcx.shops import service as shops

    shop = shops.create_shop(session, code="bench", name="Bench", platform="taobao")
    now = datetime.now(UTC)
    products = [Product(shop_id=shop.id, sku=f"SKU{n}", name=f"商品{n}", category=f"类目{n % 8}", currency="CNY",
                        price_amount=4990, is_active=True, created_at=now, updated_at=now) for n in range(200)]
    session.add_all(products)
    session.flush()
    order_rows, line_rows, ship_rows = [], [], []
    for n in range(1, orders + 1):
        placed = START + timedelta(minutes=rng.randrange(0, 365 * 24 * 60))
        promised = placed + timedelta(days=3)
        delivered = placed + timedelta(days=rng.choice((1, 2, 2, 3, 3, 4, 6)))
        order_rows.append({"id": n, "shop_id": shop.id, "source": "taobao", "external_id": f"B{n:08d}",
                           "kind": "sale", "status": "completed", "currency": "CNY", "goods_amount": 4990,
                           "shipping_amount": 0, "discount_amount": 0, "paid_amount": 4990, "refunded_amount": 0,
                           "item_count": 1, "placed_at": placed, "paid_at": placed, "completed_at": delivered,
                           "created_at": now, "updated_at": now})
        product = products[rng.randrange(len(products))]
        line_rows.append({"order_id": n, "line_no": 1, "product_id": product.id, "sku": product.sku,
                          "name": product.name, "quantity": 1, "unit_price_amount": 4990, "total_amount": 4990})
        ship_rows.append({"order_id": n, "carrier": rng.choice(("顺丰速运", "中通快递", "圆通速递", "韵达快递")),
                          "tracking_no": f"TN{n}", "shipped_at": placed, "promised_at": promised,
                          "delivered_at": delivered, "damaged": False})
    for table, rows in ((Order.__table__, order_rows), (OrderLine.__table__, line_rows),
                        (Shipment.__table__, ship_rows)):
        for start in range(0, len(rows), 5000):
            session.execute(insert(table), rows[start:start + 5000])
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT setval(pg_get_serial_sequence('shop_order', 'id'), :n)"), {"n": orders})
    return shop, order_rows


def _write_csv(path: Path, order_rows: list[dict], reviews: int, rng: random.Random) -> None:
    header = ["评价ID", "订单编号", "评价结果", "星级", "描述相符", "服务态度", "物流服务", "评价内容", "评价时间",
              "追评", "追评时间"]
    chosen = rng.sample(order_rows, reviews)
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        for n, row in enumerate(chosen, start=1):
            at = row["completed_at"] + timedelta(hours=rng.randrange(1, 24 * 10)) + timedelta(hours=8)  # local time
            if rng.random() < 0.10:
                writer.writerow([f"RV{n}", row["external_id"], "系统默认好评", "", "", "", "", "",
                                 at.strftime("%Y-%m-%d %H:%M:%S"), "", ""])
                continue
            stars = rng.choices((1, 2, 3, 4, 5), weights=(4, 3, 5, 18, 70))[0]
            dsr = [min(5, max(1, stars + rng.choice((-1, 0, 0, 0, 1)))) for _ in range(3)]
            followup = rng.random() < 0.08
            writer.writerow([f"RV{n}", row["external_id"], "", stars, *dsr, rng.choice(TEXTS),
                             at.strftime("%Y-%m-%d %H:%M:%S"), "用了一个月，还可以" if followup else "",
                             (at + timedelta(days=20)).strftime("%Y-%m-%d %H:%M:%S") if followup else ""])


def _timed(label: str, results: list, work):
    started = time.perf_counter()
    value = work()
    results.append((label, time.perf_counter() - started))
    return value


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=80_000)
    parser.add_argument("--reviews", type=int, default=50_000)
    parser.add_argument("--pg", action="store_true", help="PostgreSQL instead of a SQLite file")
    parser.add_argument("--no-text", action="store_true", help="Store without text analysis (the job does it "
                        "later): the import's own cost")
    args = parser.parse_args()
    if args.reviews > args.orders:
        sys.exit("--reviews must not exceed --orders")
    rng = random.Random(5)
    workdir = Path(tempfile.mkdtemp(prefix="reviews_bench_"))
    os.environ["SHOPCX_DATA_DIR"] = str(workdir)
    url, pg_name = _database(args.pg, workdir)
    try:
        run(url, args, rng, workdir)
    finally:
        from shopcx.core import db

        if db._engine is not None:
            db._engine.dispose()
        _drop(pg_name)


def run(url: str, args, rng: random.Random, workdir: Path) -> None:
    from shopcx.core import clock, db
    from shopcx.core.migrate import upgrade
    from shopcx.reviews import service
    from shopcx.reviews.service.importer import import_reviews
    from shopcx.shops.models import Shop
    from shopcx.staff.service import Actor

    try:
        from shopcx.reviews.text import analyze  # noqa: F401

        analyser = "shopcx.reviews.text (default model)"
    except ImportError:
        analyser = "none installed (texts left for the job)"
    if args.no_text:
        from shopcx.reviews.service import analysis

        analysis._analyzer = lambda: None
        analyser = "off (--no-text; texts left for the job)"
    engine = db.configure(url)
    upgrade(engine)
    timings: list[tuple[str, float]] = []
    with db.session_scope() as session:
        shop, order_rows = _timed("generate orders", timings, lambda: _generate(session, args.orders, rng))
        shop_id = shop.id
    path = workdir / "reviews.csv"
    _write_csv(path, order_rows, args.reviews, rng)
    actor = Actor(label="bench")
    as_of = date(2026, 6, 30)
    with clock.frozen_at(datetime(2026, 7, 1, tzinfo=UTC)):
        with db.session_scope(write=True) as session:
            shop = session.get(Shop, shop_id)
            first = _timed("import (first run)", timings,
                           lambda: import_reviews(session, path, shop=shop, platform="taobao", actor=actor))
        with db.session_scope(write=True) as session:
            shop = session.get(Shop, shop_id)
            again = _timed("import (same file again)", timings,
                           lambda: import_reviews(session, path, shop=shop, platform="taobao", actor=actor))
        with db.session_scope() as session:
            shop = session.get(Shop, shop_id)
            year = {"start": as_of - timedelta(days=364), "end": as_of}
            half = {"start": as_of - timedelta(days=179), "end": as_of}
            summary = _timed("DSR summary (180 days)", timings,
                             lambda: service.dsr_summary(session, shop, as_of=as_of))
            _timed("DSR daily series (365 days)", timings, lambda: service.dsr_series(session, shop, **year))
            outlook = _timed("DSR forecast (30 days)", timings, lambda: service.dsr_forecast(session, shop,
                                                                                          as_of=as_of))
            _timed("好评率 weekly (1 year)", timings,
                   lambda: service.good_rate_trend(session, shop, period="week", **year))
            _timed("ranking by product (180 days)", timings,
                   lambda: service.bad_rate_ranking(session, shop, by="product", **half))
            _timed("ranking by carrier (180 days)", timings,
                   lambda: service.bad_rate_ranking(session, shop, by="carrier", **half))
            _timed("negatives by driver (180 days)", timings,
                   lambda: service.negatives_by_driver(session, shop, **half))
            _timed("late vs rating (180 days)", timings, lambda: service.late_vs_rating(session, shop, **half))
            _timed("revision rate (180 days)", timings, lambda: service.revision_stats(session, shop, **half))
            _timed("response time (180 days)", timings, lambda: service.response_times(session, shop, **half))
            _timed("inbox, first page", timings, lambda: service.inbox(session, shop_id=shop.id, limit=50))
    backend = "PostgreSQL" if args.pg else "SQLite"
    print(f"\nreviews bench on {backend}: {args.orders:,} orders, {args.reviews:,} reviews; text analysis: {analyser}")
    print(f"{'step':<34}{'seconds':>10}{'rows/s':>12}")
    for label, seconds in timings:
        rate = f"{args.reviews / seconds:,.0f}" if label.startswith("import") and seconds else ""
        print(f"{label:<34}{seconds:>10.3f}{rate:>12}")
    dims = {d["dimension"]: round(d["mean"], 4) for d in summary["dimensions"] if d["mean"] is not None}
    print(f"first import: created {first.created:,}, rejected {first.rejected:,}; replay: unchanged "
          f"{again.unchanged:,}, created {again.created:,}; DSR {dims}; "
          f"leaving in 30 days: {outlook['dimensions'][0]['leaving_count']:,}")
    print(json.dumps({"backend": backend, "orders": args.orders, "reviews": args.reviews, "analyser": analyser,
                      "seconds": {label: round(s, 4) for label, s in timings},
                      "created": first.created, "replay_unchanged": again.unchanged}, ensure_ascii=False))


if __name__ == "__main__":
    main()
