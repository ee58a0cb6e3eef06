"""The home page (issue 17, "Measured"): the home page and its API on a demo shop of N customers on PostgreSQL,
p50/p95 beside the domain pages it summarises; and the erasure of one customer with 1,000 orders and 5,000 ledger
lines (time, and the check that a search of every text column for the old phone, e-mail and name finds nothing).

    .venv/bin/python bench/home_bench.py [--customers 10000,50000] [--requests 40] [--backend postgresql]

Uses a throwaway database (bench/benchdb.py). Prints a table and, as its last line, one JSON object.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
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

from bench import bigshop  # noqa: E402
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


def build_copy(url: str, customers: int, *, shops: int = 1, seed: int = 17) -> dict:
    """`shops` shops of `customers` buyers each written with COPY (bench/bigshop.py), two years up to
    bigshop.END, then an analysis run a week before END and one at END for all shops (and one at END per shop
    when there are several, as a shop's weekly report reads its own run). Returns the rows written and seconds."""
    import numpy as np
    from sqlalchemy import text

    from shopcx.insights.service.analysis import run_analysis
    from shopcx.loyalty.service.program import versions as program
    from shopcx.shops import service as shop_service
    from shopcx.staff import service as staff

    rng = np.random.default_rng(seed)
    engine = db.make_engine(url)
    rows: dict[str, int] = {}
    start = time.perf_counter()
    with clock.frozen_at(bigshop.END):
        with db.session_scope() as session:
            staff.create_user(session, username="bench-owner", password=PASSWORD, role="owner", display_name="Bench")
        for k in range(shops):
            code = "bench" if shops == 1 else f"bench{k:03d}"
            with engine.begin() as conn:
                shop_id = bigshop.add_shop(conn, code, bigshop.END)
            with db.session_scope() as session:
                program_id = program.create_program(session, shop_service.get_shop(session, code),
                                                    actor=staff.SYSTEM).id
            with engine.begin() as conn:
                ids = bigshop.add_customers(conn, rng, shop_id, customers, bigshop.END)
                for key, n in bigshop.add_history(conn, rng, shop_id, ids, end=bigshop.END,
                                                  program_id=program_id).items():
                    rows[key] = rows.get(key, 0) + n
        with engine.connect() as conn:
            conn.execution_options(isolation_level="AUTOCOMMIT").execute(text("VACUUM ANALYZE"))
        written = time.perf_counter() - start
        for as_of in (bigshop.END.date() - timedelta(days=7), bigshop.END.date()):
            run_analysis(as_of=as_of)
        for k in range(shops if shops > 1 else 0):
            run_analysis(as_of=bigshop.END.date(), shop_code=f"bench{k:03d}")
    engine.dispose()
    return {**rows, "customers": customers * shops, "write_s": round(written, 1),
            "analysis_s": round(time.perf_counter() - start - written, 1)}


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


def fresh_figures(repeats: int) -> dict:
    """What the worker does when a kept snapshot is stale: compute every figure of the all-shops scope, timed
    `repeats` times; then each service call alone once (the figures' collectors, the order totals, the months,
    and each source of today's list, which every view reads live; its customers newly at risk are kept per pair
    of analysis runs, so `at_risk.compute` is what the first view or the worker does once per pair, and
    `today.at_risk` what every view does)."""
    from shopcx.core.settings import get_settings
    from shopcx.dashboard import at_risk, attention, snapshots
    from shopcx.dashboard import figures as loop
    from shopcx.insights import service as insights
    from shopcx.orders import service as orders
    from shopcx.shops import service as shops
    from shopcx.web.pages import monthly_figures

    took = []
    with db.session_scope() as session:
        listed = shops.list_shops(session)
        for _ in range(repeats):
            took.append(snapshots.compute(session, listed, None)[1])
        today = clock.today_in(listed[0].timezone)
        calls = {f"figures.{c.__name__.lstrip('_')}": (lambda c=c: c(session, listed, None, today))
                 for c in loop.COLLECTORS}
        calls["orders.stats"] = lambda: orders.stats(session)
        calls["monthly_figures"] = lambda: monthly_figures(session, get_settings().default_timezone)
        run = insights.latest_run(session)
        previous = insights.previous_run(session, run) if run is not None else None
        if previous is not None:
            calls["at_risk.compute"] = lambda: at_risk.compute(session, run, previous)
        calls |= {f"today.{s.__name__[1:]}": (lambda s=s: s(session, listed, None)) for s in attention.SOURCES}
        parts = {}
        for name, call in calls.items():
            start = time.perf_counter()
            call()
            parts[name] = round((time.perf_counter() - start) * 1000)
    took.sort()
    return {"compute_ms": took, "p50_ms": statistics.median(took), "parts_ms": parts}


def weekly_case(shop_codes: list[str], pdf: bool) -> dict:
    """Last week's report built for each shop (its own unit of work, as the Monday job), and its PDF in Chinese;
    seconds per shop."""
    from shopcx.dashboard import delivery, weekly
    from shopcx.shops import service as shops
    from shopcx.staff import service as staff

    built, pdfs = [], []
    for code in shop_codes:
        with db.session_scope() as session:
            shop = shops.get_shop(session, code)
            start = time.perf_counter()
            report, _ = weekly.build_report(session, shop, weekly.last_complete_week(shop), actor=staff.SYSTEM)
            built.append(time.perf_counter() - start)
            if pdf:
                start = time.perf_counter()
                delivery.pdf_of(session, report, "zh")
                pdfs.append(time.perf_counter() - start)
            session.rollback()  # a kept database builds the same reports again on the next run
    out = {"shops": len(built), "build_total_s": round(sum(built), 1),
           "build_s_per_shop": round(statistics.mean(built), 3), "build_p95_s": round(sorted(built)[
               int(0.95 * (len(built) - 1))], 3)}
    if pdfs:
        out |= {"pdf_s_per_shop": round(statistics.mean(pdfs), 3)}
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


def print_pages(title: str, pages: dict) -> None:
    print(f"\n{title}")
    print(f"{'page':<22}{'p50 ms':>10}{'p95 ms':>10}")
    for path, t in pages.items():
        print(f"{path:<22}{t['p50_ms']:>10}{t['p95_ms']:>10}", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", default="10000")
    parser.add_argument("--requests", type=int, default=40)
    parser.add_argument("--backend", default="postgresql", choices=("postgresql", "sqlite"))
    parser.add_argument("--dispatch", action="store_true", help="also hand the demo's events to their handlers")
    parser.add_argument("--generator", choices=("auto", "demo", "copy"), default="auto",
                        help="the demo shop (up to 200,000 customers) or COPY-written histories (auto: copy above "
                             "200,000)")
    parser.add_argument("--keep", action="store_true", help="build into a named database kept between runs "
                        "(shopcx_bench_home_<customers>), or reuse it when it exists")
    parser.add_argument("--fresh", type=int, default=3, help="times the figures are computed fresh (0 = skip)")
    parser.add_argument("--no-erasure", action="store_true")
    parser.add_argument("--weekly-shops", type=int, default=0, help="shops for the weekly-report case (0 = skip)")
    parser.add_argument("--weekly-customers", type=int, default=2000, help="customers per shop in that case")
    parser.add_argument("--weekly-pdf", action="store_true", help="also time each report's PDF")
    parser.add_argument("--weekly-on-large", action="store_true", help="also build the report of each large shop")
    args = parser.parse_args()
    results = []
    with tempfile.TemporaryDirectory() as work:
        dbs = Databases(Path(work))

        def database(name: str) -> tuple[str, bool]:
            return dbs.named(name, args.backend) if args.keep else (dbs.fresh(args.backend), False)

        def built_once(name: str, existed: bool, make):
            if existed:
                return None
            try:
                return make()
            except BaseException:
                if args.keep:
                    dbs.discard(name, args.backend)
                raise

        try:
            for n in (int(x) for x in args.customers.split(",") if x):
                copy = args.generator == "copy" or (args.generator == "auto" and n > 200_000)
                name = f"shopcx_bench_home_{n}" + ("_copy" if copy else "")
                url, existed = database(name)
                db.configure(url)
                start = time.perf_counter()
                built = built_once(name, existed, functools.partial(build_copy, url, n) if copy
                                   else functools.partial(build, n))
                build_s = round(time.perf_counter() - start, 1)
                frozen = clock.frozen_at(bigshop.END) if copy else contextlib.nullcontext()
                with frozen:
                    fresh = fresh_figures(args.fresh) if args.fresh else None
                    pages = measure_pages(args.requests)
                    weekly = weekly_case(["bench" if copy else "demo"], args.weekly_pdf) \
                        if args.weekly_on_large else None
                print_pages(f"{n:,} customers on {args.backend} ({'COPY' if copy else 'demo'}; "
                            + (f"built in {build_s:.0f} s" if not existed else "kept database reused")
                            + f"), {args.requests} requests each", pages)
                if fresh:
                    print(f"figures computed fresh (the worker's work when stale): {fresh['compute_ms']} ms; "
                          f"by call: {fresh['parts_ms']}")
                if weekly:
                    print(f"weekly report of this shop: {weekly}")
                erased = erasure_case() if n == int(args.customers.split(",")[0]) and not args.no_erasure \
                    and not copy else None
                results.append({"customers": n, "backend": args.backend, "generator": "copy" if copy else "demo",
                                "build_s": build_s if not existed else None, "built": built, "pages": pages,
                                "fresh": fresh, "weekly_large": weekly, "erasure": erased})
                if erased:
                    print(f"erasure of 1 customer with {erased['orders']} orders and {erased['ledger_lines']} "
                          f"ledger lines: {erased['erase_s']} s; identifying strings left: {erased['leftovers']} "
                          f"(scan of every text column {erased['scan_s']} s); amounts kept {erased['amounts_kept']}, "
                          f"ledger lines kept {erased['ledger_lines_kept']}")
            if args.weekly_shops:
                k, n = args.weekly_shops, args.weekly_customers
                name = f"shopcx_bench_weekly_{k}x{n}"
                url, existed = database(name)
                db.configure(url)
                built = built_once(name, existed, functools.partial(build_copy, url, n, shops=k))
                with clock.frozen_at(bigshop.END):
                    weekly = weekly_case([f"bench{i:03d}" for i in range(k)], args.weekly_pdf)
                print(f"\nweekly report, {k} shops of {n:,} customers ({'built' if built else 'kept database'}): "
                      f"{weekly}")
                results.append({"weekly_shops": k, "customers_per_shop": n, "built": built, "weekly": weekly})
        finally:
            dbs.drop()
    print(json.dumps(results, ensure_ascii=False))


if __name__ == "__main__":
    main()
