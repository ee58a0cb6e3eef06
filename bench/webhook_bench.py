"""A flood of Shopify webhook deliveries against `shopcx serve`: deliveries/s, latency, nothing lost or doubled.

For each backend (PostgreSQL with 4 web workers, SQLite with 1) a fresh migrated database gets one Shopify shop
whose signing key is entered as an owner would; `python -m shopcx serve` runs on a loopback port; 20 sender
threads post the deliveries (Shopify's own order bodies, signed, with X-Shopify-Topic and X-Shopify-Webhook-Id):

- 70 % orders/create of distinct orders (one buyer in three known only by phone, buyers ordering again),
- 20 % orders/paid or orders/fulfilled of those orders (a later `updated_at`; it may overtake its create),
- 10 % replays of a delivery already sent (same id, same body).

Then the database is checked: every delivery answered 2xx, one order per order name, one customer per buyer,
one stored delivery per delivery id (0 lost, 0 doubled). The reference is the same stack refusing a delivery
with a wrong signature (one shop lookup, no write): store rate ÷ refuse rate.

    .venv/bin/python bench/webhook_bench.py [--deliveries 10000] [--senders 20] [--backends postgresql,sqlite]
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import hmac
import json
import os
import queue
import random
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "bench"))

from benchdb import Databases  # noqa: E402
from sqlalchemy import create_engine, func, select  # noqa: E402

KEY = "shpss_bench_0123456789abcdef"
SECRET_KEY = "webhook-bench-secret-key"
os.environ["SHOPCX_SECRET_KEY"] = SECRET_KEY  # the key is encrypted here and read by the server: one app secret


def _order(n: int, buyer: int, *, state: str) -> dict:
    """A Shopify Order body for order n of buyer `buyer` in state created, paid or fulfilled."""
    minute = n % 50
    updated = {"created": f"2026-03-01T10:{minute:02d}:00-05:00", "paid": f"2026-03-01T11:{minute:02d}:00-05:00",
               "fulfilled": f"2026-03-02T09:{minute:02d}:00-05:00"}[state]
    phone_only = buyer % 3 == 0
    email = None if phone_only else f"buyer{buyer}@example.com"
    phone = f"+1541555{buyer % 10000:04d}" if phone_only else None
    quantity = 1 + n % 3
    body = {
        "id": 5800000000000 + n, "name": f"#{10000 + n}", "email": email, "contact_email": email, "phone": phone,
        "created_at": f"2026-03-01T10:{minute:02d}:00-05:00", "updated_at": updated,
        "processed_at": f"2026-03-01T10:{minute:02d}:00-05:00", "cancelled_at": None, "currency": "USD",
        "financial_status": "pending" if state == "created" and phone_only else "paid",
        "fulfillment_status": "fulfilled" if state == "fulfilled" else None, "taxes_included": False,
        "total_tax": "1.50", "total_discounts": "0.00", "subtotal_price": f"{20 * quantity}.00",
        "total_price": f"{20 * quantity + 5}.50", "total_outstanding": "0.00",
        "customer": {"id": 7200000000000 + buyer, "email": email, "phone": phone, "first_name": "Bench",
                     "last_name": f"Buyer {buyer}"},
        "billing_address": {"name": f"Bench Buyer {buyer}", "city": "Eugene", "province": "Oregon",
                            "country": "United States", "phone": phone},
        "line_items": [{"id": 14700000000000 + n, "title": "Tea Towel", "name": "Tea Towel", "sku": "TOWEL-1",
                        "quantity": quantity, "price": "20.00", "total_discount": "0.00",
                        "discount_allocations": []}],
        "shipping_lines": [{"id": 1, "title": "Standard", "price": "4.00"}],
        "fulfillments": [{"id": 5100000000000 + n, "status": "success", "created_at": updated,
                          "tracking_company": "UPS", "tracking_number": f"1Z{n:016d}"}] if state == "fulfilled"
        else [], "refunds": [],
    }
    return body


def plan(total: int, seed: int = 7) -> tuple[list[tuple[str, str, bytes]], int, int]:
    """(delivery id, topic, body) in sending order; the number of orders and of buyers behind them."""
    rng = random.Random(seed)
    creates = int(total * 0.7)
    updates = int(total * 0.2)
    replays = total - creates - updates
    buyers = max(1, creates * 3 // 7)
    buyer_of = [rng.randrange(buyers) for _ in range(creates)]
    fresh = [(f"c-{n}", "orders/create", _order(n, buyer_of[n], state="created")) for n in range(creates)]
    for k in range(updates):
        n = rng.randrange(creates)
        state = "paid" if k % 2 else "fulfilled"
        fresh.insert(min(len(fresh), (n + rng.randrange(1, 200))),
                     (f"u-{k}", f"orders/{state}", _order(n, buyer_of[n], state=state)))
    out = [(key, topic, json.dumps(body).encode()) for key, topic, body in fresh]
    for _ in range(replays):
        position = rng.randrange(len(out))
        out.insert(min(len(out), position + rng.randrange(1, 100)), out[position])
    used = {buyer_of[n] for n in range(creates)}
    return out, creates, len(used)


def _sign(body: bytes, key: str) -> str:
    return base64.b64encode(hmac.new(key.encode(), body, hashlib.sha256).digest()).decode()


def flood(url: str, deliveries: list[tuple[str, str, bytes]], senders: int, key: str = KEY) -> dict:
    """Post every delivery from `senders` threads; latencies and answers."""
    work: queue.Queue = queue.Queue()
    for item in deliveries:
        work.put(item)
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    errors: list[str] = []
    lock = threading.Lock()

    def sender():
        with httpx.Client(timeout=60) as client:
            while True:
                try:
                    delivery_id, topic, body = work.get_nowait()
                except queue.Empty:
                    return
                headers = {"X-Shopify-Topic": topic, "X-Shopify-Hmac-Sha256": _sign(body, key),
                           "X-Shopify-Webhook-Id": delivery_id, "Content-Type": "application/json"}
                started = time.perf_counter()
                try:
                    answer = client.post(url, content=body, headers=headers)
                    status = answer.status_code
                    if status >= 300 and status != 401 and len(errors) < 5:
                        errors.append(f"{status} {topic} {delivery_id}: {answer.text[:200]}")
                except httpx.HTTPError as exc:
                    status = 0
                    errors.append(f"no answer: {exc}")
                elapsed = time.perf_counter() - started
                with lock:
                    latencies.append(elapsed)
                    statuses[status] = statuses.get(status, 0) + 1

    threads = [threading.Thread(target=sender) for _ in range(senders)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - started
    latencies.sort()
    return {"n": len(latencies), "wall_s": wall, "per_s": len(latencies) / wall,
            "p50_ms": latencies[len(latencies) // 2] * 1000,
            "p99_ms": latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))] * 1000, "statuses": statuses,
            "errors": errors}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _prepare(url: str) -> None:
    from shopcx.core import db
    from shopcx.core.db import session_scope
    from shopcx.shops import service as shops
    from shopcx.shops import webhooks
    from shopcx.staff.service import SYSTEM

    db.configure(url)
    with session_scope() as session:
        shop = shops.create_shop(session, code="bench", name="Bench store", platform="shopify", currency="USD",
                                 timezone="America/Los_Angeles")
        webhooks.set_secret(session, shop, KEY, actor=SYSTEM)


def _check(url: str) -> dict:
    from shopcx.customers.models import Customer
    from shopcx.orders.models import Order
    from shopcx.shops.models import WebhookDelivery

    engine = create_engine(url)
    with engine.connect() as conn:
        orders = conn.scalar(select(func.count(Order.id)))
        names = conn.scalar(select(func.count(func.distinct(Order.external_id))))
        customers = conn.scalar(select(func.count(Customer.id)))
        deliveries = conn.scalar(select(func.count(WebhookDelivery.id)))
        keys = conn.scalar(select(func.count(func.distinct(WebhookDelivery.delivery_key))))
    engine.dispose()
    return {"orders": orders, "order_names": names, "customers": customers, "deliveries": deliveries,
            "delivery_keys": keys}


def run_backend(backend: str, workers: int, total: int, senders: int, workdir: Path, dbs: Databases) -> dict:
    url = dbs.fresh(backend)
    _prepare(url)
    port = _free_port()
    env = {**os.environ, "SHOPCX_DATABASE_URL": url, "SHOPCX_SECRET_KEY": SECRET_KEY,
           "SHOPCX_DATA_DIR": str(workdir), "PYTHONPATH": str(ROOT / "src")}
    log = open(Path(tempfile.gettempdir()) / f"shopcx-webhook-bench-{backend}.log", "w")  # kept for a look
    server = subprocess.Popen([sys.executable, "-m", "shopcx", "serve", "--port", str(port), "--workers",
                               str(workers)], env=env, stdout=log, stderr=subprocess.STDOUT)
    endpoint = f"http://127.0.0.1:{port}/api/v1/webhooks/bench/orders"
    try:
        for _ in range(120):
            try:
                httpx.get(f"http://127.0.0.1:{port}/login", timeout=2)
                break
            except httpx.HTTPError:
                time.sleep(0.5)
        deliveries, orders, buyers = plan(total)
        refused = flood(endpoint, deliveries[: max(200, total // 10)], senders, key="wrong-key-for-reference")
        stored = flood(endpoint, deliveries, senders)
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()
    unique = len({d[0] for d in deliveries})
    found = _check(url)
    ok = sum(count for status, count in stored["statuses"].items() if 200 <= status < 300)
    return {"backend": backend, "workers": workers, "sent": len(deliveries), "unique": unique, "orders": orders,
            "buyers": buyers, "stored": stored, "refused": refused, "found": found,
            "lost": (len(deliveries) - ok) + (unique - found["delivery_keys"]) + (orders - found["order_names"]),
            "doubled": (found["orders"] - found["order_names"]) + (found["deliveries"] - found["delivery_keys"])
            + max(0, found["customers"] - buyers)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--deliveries", type=int, default=10_000)
    parser.add_argument("--senders", type=int, default=20)
    parser.add_argument("--backends", default="postgresql,sqlite")
    parser.add_argument("--pg-workers", type=int, default=4)
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory(prefix="shopcx-webhook-bench-") as tmp:
        dbs = Databases(Path(tmp))
        try:
            for backend in args.backends.split(","):
                workers = args.pg_workers if backend == "postgresql" else 1
                rows.append(run_backend(backend, workers, args.deliveries, args.senders, Path(tmp), dbs))
        finally:
            dbs.drop()
    print(f"{'backend':<11}{'workers':>8}{'sent':>7}{'deliv/s':>9}{'p50 ms':>8}{'p99 ms':>8}{'refuse/s':>9}"
          f"{'ratio':>7}{'lost':>6}{'doubled':>8}  answers")
    for row in rows:
        stored, refused = row["stored"], row["refused"]
        print(f"{row['backend']:<11}{row['workers']:>8}{row['sent']:>7}{stored['per_s']:>9.0f}"
              f"{stored['p50_ms']:>8.0f}{stored['p99_ms']:>8.0f}{refused['per_s']:>9.0f}"
              f"{stored['per_s'] / refused['per_s']:>7.2f}{row['lost']:>6}{row['doubled']:>8}  {stored['statuses']}")
        for error in stored["errors"]:
            print(f"{'':<11}{error}")
        print(f"{'':<11}orders {row['found']['orders']} of {row['orders']}, customers {row['found']['customers']} "
              f"of {row['buyers']} buyers, deliveries kept {row['found']['deliveries']} of {row['unique']} unique")
    print(json.dumps(rows, default=str), file=sys.stderr)


if __name__ == "__main__":
    main()
