"""The home page (issue 17, "Measured"): the home page and its API on a demo shop of N customers on PostgreSQL,
p50/p95 beside the domain pages it summarises; and the erasure of one customer with 1,000 orders and 5,000 ledger
lines (time, and the check that a search of every text column for the old phone, e-mail and name finds nothing).

    .venv/bin/python bench/home_bench.py [--customers 10000,50000] [--requests 40] [--backend postgresql]

Uses a throwaway database (bench/benchdb.py). Prints a table and, as its last line, one JSON object.
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "src"), str(ROOT)]

from bench.benchdb import Databases  # noqa: E402

from shopcx.core import clock, db  # noqa: E402

PASSWORD = "bench-password-123"
DISPATCH = "--dispatch" in sys.argv
PAGES = ("/", "/api/v1/home", "/reviews/dashboard", "/loyalty/liability", "/insights", "/desk")


def build(customers: int) -> None:
    """The demo shop of `customers`, its points replayed, events handled and a customer-value run."""
    from shopcx.core import jobs
    from shopcx.demo.cli import first_analysis
    from shopcx.demo.service import build_demo
    from shopcx.loyalty.jobs import sync_shop
    from shopcx.shops import service as shops
    from shopcx.staff import service as staff

    with db.session_scope() as session:
        build_demo(session, seed=7, customers=customers, years=2, shop_code="demo")
        staff.create_user(session, username="bench-owner", password=PASSWORD, role="owner", display_name="Bench")
        shop_id = shops.get_shop(session, "demo").id
    sync_shop(shop_id)
    if DISPATCH:  # the demo's remaining events (care moments …); slow on a shared machine, not needed for timings
        jobs.dispatch_outbox(limit=1_000_000)
    first_analysis("demo")


def timings(client, path: str, n: int, headers: dict | None = None) -> dict:
    client.get(path, headers=headers)  # warm
    took = []
    for _ in range(n):
        start = time.perf_counter()
        response = client.get(path, headers=headers)
        took.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, (path, response.status_code, response.text[:300])
    took.sort()
    return {"p50_ms": round(statistics.median(took), 1), "p95_ms": round(took[int(0.95 * (len(took) - 1))], 1)}


def measure_pages(n: int) -> dict:
    from fastapi.testclient import TestClient

    from shopcx.staff import service as staff
    from shopcx.staff.rules import SCOPES
    from shopcx.web.app import create_app

    with db.session_scope() as session:
        raw, _ = staff.create_token(session, name="bench", scopes=list(SCOPES), actor=staff.SYSTEM)
    out = {}
    with TestClient(create_app()) as client:
        page = client.get("/login")
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
        client.post("/login", data={"username": "bench-owner", "password": PASSWORD, "next": "/",
                                    "csrf_token": csrf}, follow_redirects=False)
        for path in PAGES:
            headers = {"Authorization": f"Bearer {raw}"} if path.startswith("/api") else None
            out[path] = timings(client, path, n, headers)
    return out


def erasure_case(orders: int = 1000, ledger: int = 5000) -> dict:
    """One buyer with `orders` orders and `ledger` points lines, erased; then every text column is searched."""
    from sqlalchemy import func, select
    from tests.privacy.helpers import leftovers

    from shopcx.customers.models import Customer
    from shopcx.demo.bulk import insert_ids, insert_rows
    from shopcx.loyalty.models import LoyaltyAccount, LoyaltyProgram, PointsEntry
    from shopcx.orders.models import Order
    from shopcx.privacy import erasure
    from shopcx.shops import service as shops
    from shopcx.staff.service import Actor

    phone, email, name = "+8613955501234", "erase.me@example.com", "赵敏测试"
    now = clock.now()
    with db.session_scope() as session:
        shop = shops.get_shop(session, "demo")
        customer = Customer(name=name, nickname="zm_bench", phone=phone, email=email, gender="female",
                            preferences={}, created_at=now, updated_at=now)
        session.add(customer)
        session.flush()
        ids = insert_ids(session, Order.__table__, [
            {"shop_id": shop.id, "customer_id": customer.id, "source": "bench", "external_id": f"ER-{i}",
             "kind": "sale", "status": "completed", "currency": shop.currency, "goods_amount": 9900,
             "shipping_amount": 0, "discount_amount": 0, "paid_amount": 9900, "refunded_amount": 0, "tax_amount": 0,
             "taxes_included": True, "item_count": 1, "buyer_name": name, "ship_country": "中国",
             "ship_province": "浙江", "ship_city": "杭州", "buyer_note": f"请联系 {phone[3:]}",
             "placed_at": now - timedelta(days=i), "created_at": now, "updated_at": now} for i in range(orders)])
        program = session.scalar(select(LoyaltyProgram).where(LoyaltyProgram.shop_id == shop.id))
        account = LoyaltyAccount(program_id=program.id, shop_id=shop.id, customer_id=customer.id, balance=0,
                                 pending_balance=0, shortfall=0, referral_code="BENCHERASE1",
                                 joined_at=now, updated_at=now)
        session.add(account)
        session.flush()
        insert_rows(session, PointsEntry.__table__, [
            {"account_id": account.id, "kind": "adjust", "points": 1, "pending_points": 0, "shortfall": 0,
             "reason": "manual", "idempotency_key": f"bench-erase-{account.id}-{i}", "detail": {},
             "note": f"{name} 电话 {phone[3:]}" if i % 10 == 0 else None, "actor": "system", "created_at": now,
             "order_id": ids[i % len(ids)]} for i in range(ledger)])
        account.balance = ledger
        customer_id = customer.id
    with db.session_scope() as session:
        paid = session.scalar(select(func.sum(Order.paid_amount)).where(Order.customer_id == customer_id))
        start = time.perf_counter()
        erasure.erase_customer(session, customer_id, actor=Actor(label="user:bench-owner", role="owner"),
                               confirmed=True)
    seconds = time.perf_counter() - start
    with db.session_scope() as session:
        scan_start = time.perf_counter()
        left = leftovers(session, [phone, phone[3:], email, name])
        scan = time.perf_counter() - scan_start
        kept = session.scalar(select(func.sum(Order.paid_amount)).where(Order.customer_id == customer_id))
        lines = session.scalar(select(func.count(PointsEntry.id)).where(PointsEntry.account_id == account.id))
    return {"orders": orders, "ledger_lines": ledger, "erase_s": round(seconds, 2), "leftovers": len(left),
            "leftover_examples": left[:3], "amounts_kept": kept == paid, "ledger_lines_kept": lines == ledger,
            "scan_s": round(scan, 1)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", default="10000")
    parser.add_argument("--requests", type=int, default=40)
    parser.add_argument("--backend", default="postgresql", choices=("postgresql", "sqlite"))
    parser.add_argument("--dispatch", action="store_true", help="also hand the demo's events to their handlers")
    args = parser.parse_args()
    results = []
    with tempfile.TemporaryDirectory() as work:
        dbs = Databases(Path(work))
        try:
            for n in (int(x) for x in args.customers.split(",")):
                db.configure(dbs.fresh(args.backend))
                start = time.perf_counter()
                build(n)
                built = time.perf_counter() - start
                pages = measure_pages(args.requests)
                print(f"\n{n:,} customers on {args.backend} (built in {built:.0f} s), {args.requests} requests each")
                print(f"{'page':<22}{'p50 ms':>10}{'p95 ms':>10}")
                for path, t in pages.items():
                    print(f"{path:<22}{t['p50_ms']:>10}{t['p95_ms']:>10}", flush=True)
                erased = erasure_case() if n == int(args.customers.split(",")[0]) else None
                results.append({"customers": n, "backend": args.backend, "build_s": round(built, 1),
                                "pages": pages, "erasure": erased})
                if erased:
                    print(f"erasure of 1 customer with {erased['orders']} orders and {erased['ledger_lines']} "
                          f"ledger lines: {erased['erase_s']} s; identifying strings left: {erased['leftovers']} "
                          f"(scan of every text column {erased['scan_s']} s); amounts kept {erased['amounts_kept']}, "
                          f"ledger lines kept {erased['ledger_lines_kept']}")
        finally:
            dbs.drop()
    print(json.dumps(results, ensure_ascii=False))


if __name__ == "__main__":
    main()
