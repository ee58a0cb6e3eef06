"""The points ledger under load, on SQLite and PostgreSQL (issue 4, "Measured").

For each backend, on a fresh migrated throwaway database (a temp SQLite file; a PostgreSQL database created on
127.0.0.1 and dropped at the end):
(a) earn: `sync_order` on N fresh paid orders of 3 lines (500 members), committed per batch of 500, against two
    references in the same run: `orders.service.upsert_order` of the same orders (the work that precedes earning),
    and a raw `executemany` insert of N `points_entry` rows (the floor for "one ledger row per order");
(b) read: a member with 10,000 ledger entries (alternating credit and redeem through the ledger): the balance
    (account row + `ledger_sums`) and the first history page (50 newest entries), median of repeated runs, each in
    a new session;
(c) calendar: the shop's daily work (`run_daily`) over those orders at noon on 1 June 2026 (activations and the
    monthly tier review), then again (nothing left to do: what every 15-minute run costs for that shop);
(d) race: T threads each redeem 30 points at once from one account holding 1,000, each in its own
    `session_scope(write=True)`: wall time, p50/p95 latency per redemption, successes/refusals, and whether the
    final balance equals the ledger.

    .venv/bin/python bench/ledger_bench.py [--orders 5000] [--entries 10000] [--threads 50]
                                           [--backends sqlite,postgresql]

Prints a table and, as its last line, one JSON object.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import threading
import time
import uuid
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

from sqlalchemy import insert, select

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from benchdb import Databases  # noqa: E402

from shopcx.core import clock, db  # noqa: E402
from shopcx.loyalty.models import LoyaltyAccount, PointsEntry  # noqa: E402
from shopcx.loyalty.service.members.accounts import enrol  # noqa: E402
from shopcx.loyalty.service.points import ledger  # noqa: E402
from shopcx.loyalty.service.points.earning import sync_order  # noqa: E402
from shopcx.loyalty.service.program import versions as programs  # noqa: E402
from shopcx.orders import service as orders  # noqa: E402
from shopcx.orders.models import Order  # noqa: E402
from shopcx.orders.schemas import OrderIn  # noqa: E402
from shopcx.shops import service as shops  # noqa: E402
from shopcx.staff.service import SYSTEM  # noqa: E402

BATCH = 500
MEMBERS = 500
NOW = datetime(2026, 6, 1, 4, tzinfo=timezone.utc)


def setup_shop() -> int:
    """A shop with the default program (4 tiers, bonuses, 12-month expiry); returns its id."""
    with db.session_scope() as session:
        shop = shops.create_shop(session, code=f"b{uuid.uuid4().hex[:6]}", name="压测店铺")
        programs.create_program(session, shop, actor=SYSTEM)
        return shop.id


def order_in(n: int) -> OrderIn:
    """Order n: 3 lines (two categories), member n % 500, paid in March–May 2026."""
    paid = datetime(2026, 3, 1, 2, tzinfo=timezone.utc) + timedelta(minutes=37 * n)
    return OrderIn.model_validate({
        "source": "bench", "external_id": f"B{n:07d}", "status": "paid", "placed_at": paid,
        "customer": {"source": "bench", "external_id": f"m{n % MEMBERS}", "name": f"会员{n % MEMBERS}"},
        "shipping_amount": 800,
        "lines": [{"sku": "CUP-1", "name": "保温杯", "category": "厨具", "quantity": 2, "unit_price_amount": 4990},
                  {"sku": f"TEA-{n % 7}", "name": "茶叶", "category": "茶叶", "quantity": 1,
                   "unit_price_amount": 12_800 + n % 1000},
                  {"sku": "MUG-2", "name": "马克杯", "category": "厨具", "quantity": 1, "unit_price_amount": 1990}]})


def bench_earn(n_orders: int) -> dict:
    shop_id = setup_shop()
    data = [order_in(n) for n in range(n_orders)]
    with clock.frozen_at(NOW):
        started = time.perf_counter()
        for start in range(0, n_orders, BATCH):
            with db.session_scope() as session:
                shop = shops.get_shop_by_id(session, shop_id)
                for item in data[start:start + BATCH]:
                    orders.upsert_order(session, shop, item, actor=SYSTEM)
        upsert_s = time.perf_counter() - started
        with db.session_scope() as session:
            ids = list(session.scalars(select(Order.id).where(Order.shop_id == shop_id).order_by(Order.id)))
        earned = 0
        started = time.perf_counter()
        for start in range(0, len(ids), BATCH):
            with db.session_scope(write=True) as session:
                program = programs.active(session, shop_id)
                for order in session.scalars(select(Order).where(Order.id.in_(ids[start:start + BATCH]))
                                             .order_by(Order.id)):
                    earned += sync_order(session, order, program).earned
        sync_s = time.perf_counter() - started
    # Reference: the same number of ledger rows inserted by one executemany on one account.
    with db.session_scope() as session:
        account_id = session.scalar(select(LoyaltyAccount.id).limit(1))
    rows = [{"account_id": account_id, "kind": "earn", "points": 0, "pending_points": 100, "shortfall": 0,
             "reason": "order", "idempotency_key": f"raw:{uuid.uuid4().hex}", "created_at": NOW, "detail": {}}
            for _ in range(n_orders)]
    started = time.perf_counter()
    with db.session_scope() as session:
        session.execute(insert(PointsEntry), rows)
    raw_s = time.perf_counter() - started
    return shop_id, {"orders": n_orders, "points_earned": earned, "sync_s": round(sync_s, 3),
            "earn_per_s": round(n_orders / sync_s), "upsert_s": round(upsert_s, 3),
            "upsert_per_s": round(n_orders / upsert_s), "raw_insert_s": round(raw_s, 3),
            "raw_rows_per_s": round(n_orders / raw_s),
            "earn_vs_upsert": round(upsert_s / sync_s, 2), "earn_vs_raw": round(raw_s / sync_s, 3)}


def bench_calendar(shop_id: int) -> dict:
    from shopcx.loyalty.service.daily import run_daily

    figures = {}
    with clock.frozen_at(NOW):
        for label in ("first", "idle"):
            started = time.perf_counter()
            with db.session_scope(write=True) as session:
                program = programs.active(session, shop_id)
                result = run_daily(session, program, clock.today_in(program.shop.timezone))
            figures[f"{label}_run_s"] = round(time.perf_counter() - started, 3)
            if label == "first":
                figures |= {"activated": result.activated, "expired_lots": result.expired_lots,
                            "reviewed": result.reviewed, "tier_changes": result.tier_changes}
    return figures


def member_with_entries(shop_id: int, entries: int, external_id: str) -> tuple[int, float]:
    """A member whose ledger holds `entries` rows: credit 10, redeem 10, …; returns (account id, seconds)."""
    from shopcx.customers import service as customers
    from shopcx.customers.schemas import CustomerIn

    with db.session_scope() as session:
        program = programs.active(session, shop_id)
        person, _ = customers.upsert_customer(session, CustomerIn(source="bench", external_id=external_id,
                                                                  name="老会员"), shop_id=shop_id, actor=None)
        account_id = enrol(session, program, person.id).id
    started = time.perf_counter()
    n = 0
    with db.session_scope(write=True) as session:
        account = session.get(LoyaltyAccount, account_id)
        ledger.lock_account(session, account)
        n = len(session.scalars(select(PointsEntry.id).where(PointsEntry.account_id == account_id)).all())
        while n < entries:
            ledger.credit(session, account, 10, key=f"bench:c:{account_id}:{n}", kind="adjust", reason="manual",
                          expires_on=date(2027, 6, 1))
            n += 1
            if n < entries:
                ledger.debit(session, account, 10, key=f"bench:d:{account_id}:{n}", kind="redeem", reason="reward")
                n += 1
    return account_id, time.perf_counter() - started


def bench_reads(entries: int, repeat: int) -> dict:
    shop_id = setup_shop()
    account_id, build_s = member_with_entries(shop_id, entries, "heavy")

    def timed(work) -> float:
        samples = []
        for _ in range(repeat):
            started = time.perf_counter()
            with db.session_scope() as session:
                work(session)
            samples.append((time.perf_counter() - started) * 1000)
        return round(statistics.median(samples), 2)

    def balance(session):
        account = session.get(LoyaltyAccount, account_id)
        assert (account.balance, account.pending_balance, account.balance) == ledger.ledger_sums(session, account_id)

    def cached_balance(session):
        assert session.get(LoyaltyAccount, account_id).balance >= 0

    def history(session):
        page = session.scalars(select(PointsEntry).where(PointsEntry.account_id == account_id)
                               .order_by(PointsEntry.id.desc()).limit(50)).all()
        assert len(page) == 50

    with db.session_scope() as session:
        count = len(session.scalars(select(PointsEntry.id).where(PointsEntry.account_id == account_id)).all())
    return {"entries": count, "build_s": round(build_s, 2), "build_entries_per_s": round(count / build_s),
            "balance_cache_ms": timed(cached_balance), "balance_with_sums_ms": timed(balance),
            "history_page_ms": timed(history)}


def bench_race(threads: int, start_points: int = 1_000, each: int = 30) -> dict:
    shop_id = setup_shop()
    from shopcx.customers import service as customers
    from shopcx.customers.schemas import CustomerIn

    with db.session_scope() as session:
        program = programs.active(session, shop_id)
        person, _ = customers.upsert_customer(session, CustomerIn(source="bench", external_id="race", name="抢兑"),
                                              shop_id=shop_id, actor=None)
        account = enrol(session, program, person.id)
        ledger.lock_account(session, account)
        top_up = start_points - account.balance  # the default program's joining bonus is already there
        ledger.credit(session, account, top_up, key="bench:race:fund", kind="adjust", reason="manual",
                      expires_on=None)
        account_id = account.id
    barrier = threading.Barrier(threads)
    results: list[tuple[str, float]] = []
    guard = threading.Lock()

    def one(n: int) -> None:
        barrier.wait()
        began = time.perf_counter()
        try:
            with db.session_scope(write=True) as session:
                acc = ledger.lock_account(session, session.get(LoyaltyAccount, account_id))
                ledger.debit(session, acc, each, key=f"bench:race:{n}", kind="redeem", reason="reward")
            outcome = "ok"
        except ledger.LoyaltyError as exc:
            outcome = exc.code
        except Exception as exc:  # counted and shown: the guarantee says there must be none
            outcome = type(exc).__name__
        with guard:
            results.append((outcome, (time.perf_counter() - began) * 1000))

    workers = [threading.Thread(target=one, args=(n,)) for n in range(threads)]
    wall = time.perf_counter()
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    wall = time.perf_counter() - wall
    latencies = sorted(ms for _, ms in results)
    outcomes: dict[str, int] = {}
    for outcome, _ in results:
        outcomes[outcome] = outcomes.get(outcome, 0) + 1
    with db.session_scope() as session:
        balance = session.get(LoyaltyAccount, account_id).balance
        points, _pending, lots = ledger.ledger_sums(session, account_id)
    return {"threads": threads, "wall_ms": round(wall * 1000, 1),
            "p50_ms": round(latencies[len(latencies) // 2], 1),
            "p95_ms": round(latencies[min(len(latencies) - 1, int(len(latencies) * 0.95))], 1),
            "ok": outcomes.pop("ok", 0), "refused": outcomes.pop("insufficient_points", 0), "errors": outcomes,
            "final_balance": balance, "ledger_sum": points, "lots_sum": lots,
            "consistent": balance == points == lots == start_points - each * (start_points // each)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=5_000)
    parser.add_argument("--entries", type=int, default=10_000)
    parser.add_argument("--threads", type=int, default=50)
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--backends", default="sqlite,postgresql")
    args = parser.parse_args()
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        dbs = Databases(Path(tmp))
        try:
            for backend in args.backends.split(","):
                db.configure(dbs.fresh(backend))
                print(f"{backend}: earning …", file=sys.stderr)
                shop_id, earn = bench_earn(args.orders)
                print(f"{backend}: calendar work …", file=sys.stderr)
                calendar = bench_calendar(shop_id)
                print(f"{backend}: building a {args.entries:,}-entry member …", file=sys.stderr)
                reads = bench_reads(args.entries, args.repeat)
                print(f"{backend}: {args.threads} concurrent redemptions …", file=sys.stderr)
                race = bench_race(args.threads)
                results[backend] = {"earn": earn, "calendar": calendar, "reads": reads, "race": race}
        finally:
            dbs.drop()
    print(f"\n{'backend':<11}{'earn/s':>8}{'upsert/s':>10}{'raw rows/s':>12}{'earn÷upsert':>13}{'earn÷raw':>10}")
    for backend, r in results.items():
        e = r["earn"]
        print(f"{backend:<11}{e['earn_per_s']:>8,}{e['upsert_per_s']:>10,}{e['raw_rows_per_s']:>12,}"
              f"{e['earn_vs_upsert']:>13}{e['earn_vs_raw']:>10}")
    print(f"\n{'backend':<11}{'activated':>10}{'reviewed':>10}{'first run s':>13}{'idle run s':>12}")
    for backend, r in results.items():
        k = r["calendar"]
        print(f"{backend:<11}{k['activated']:>10,}{k['reviewed']:>10,}{k['first_run_s']:>13}{k['idle_run_s']:>12}")
    print(f"\n{'backend':<11}{'entries':>8}{'build/s':>9}{'balance ms':>12}{'+ sums ms':>11}{'history ms':>12}")
    for backend, r in results.items():
        d = r["reads"]
        print(f"{backend:<11}{d['entries']:>8,}{d['build_entries_per_s']:>9,}{d['balance_cache_ms']:>12}"
              f"{d['balance_with_sums_ms']:>11}{d['history_page_ms']:>12}")
    print(f"\n{'backend':<11}{'threads':>8}{'wall ms':>9}{'p50 ms':>8}{'p95 ms':>8}{'ok':>5}{'refused':>9}"
          f"{'errors':>8}{'balance':>9}{'= ledger':>10}")
    for backend, r in results.items():
        c = r["race"]
        print(f"{backend:<11}{c['threads']:>8}{c['wall_ms']:>9}{c['p50_ms']:>8}{c['p95_ms']:>8}{c['ok']:>5}"
              f"{c['refused']:>9}{sum(c['errors'].values()):>8}{c['final_balance']:>9}{str(c['consistent']):>10}")
    print(json.dumps(results, ensure_ascii=False))


if __name__ == "__main__":
    main()
