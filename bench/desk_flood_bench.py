"""A flood of webhook tickets (issue 15, "Measured"): N signed deliveries to `POST /api/v1/webhooks/{shop}/tickets`
from concurrent clients against a real uvicorn server on a fresh migrated database (PostgreSQL by default), then the
same N again (a full replay) mixed with a second concurrent copy of 10% of them (racing twins).

Checks: tickets stored == N (0 lost), every replay answered `duplicate` and no second ticket (0 duplicated).
Reports tickets/s for the first pass and deliveries/s for the replay. Each delivery carries a Chinese complaint
(the category is suggested from it), a link, and for a third of them a real order number.

    .venv/bin/python bench/desk_flood_bench.py [--tickets 10000] [--clients 8] [--backend postgresql|sqlite]

Prints a table and, as its last line, one JSON object.
"""

from __future__ import annotations

import argparse
import json
import random
import socket
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "bench"))

import httpx  # noqa: E402
from benchdb import Databases  # noqa: E402
from sqlalchemy import func, select  # noqa: E402

from shopcx.core import db, security  # noqa: E402

KEY = "flood-bench-key-2026"
TEXTS = ("收到的保温杯盖子漏水，要求换货", "快递一个星期还没到，物流太慢", "外箱压坏了，杯子有裂纹",
         "客服态度很差，半天不回",
         "和描述不符，颜色不对", "价格比活动时贵了", "my order arrived late and the box was crushed")


def seed(orders: int) -> None:
    from shopcx.orders import service as orders_service
    from shopcx.orders.schemas import OrderIn
    from shopcx.shops import service as shops
    from shopcx.staff.service import SYSTEM

    with db.session_scope(write=True) as session:
        shop = shops.create_shop(session, code="flood", name="Flood", platform="taobao")
        shop.webhook_secret = security.encrypt_text(KEY)
        for n in range(orders):
            orders_service.upsert_order(session, shop, OrderIn.model_validate({
                "source": "taobao", "external_id": f"FL{n:06d}", "status": "delivered",
                "placed_at": "2026-11-20T02:00:00Z",
                "customer": {"source": "taobao", "external_id": f"fb{n}", "name": f"买家{n}"},
                "lines": [{"sku": "CUP-1", "name": "保温杯", "quantity": 1, "unit_price_amount": 4990}],
                "shipments": [{"carrier": "顺丰速运", "tracking_no": f"SF{n}", "shipped_at": "2026-11-20T08:00:00Z"}],
            }), actor=SYSTEM)


def bodies(n: int, orders: int, seed_value: int) -> list[bytes]:
    rng = random.Random(seed_value)
    out = []
    for i in range(n):
        payload = {"id": f"ext-{i:07d}", "subject": f"投诉 {i}", "body": rng.choice(TEXTS),
                   "links": [f"https://img.example.com/{i}.jpg"]}
        if i % 3 == 0 and orders:
            payload["order"] = f"FL{rng.randrange(orders):06d}"
        out.append(json.dumps(payload, ensure_ascii=False).encode())
    return out


def serve() -> tuple[str, object, threading.Thread]:
    import uvicorn

    from shopcx.web.app import create_app

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(create_app(), host="127.0.0.1", port=port, log_level="warning",
                                           lifespan="off"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    return f"http://127.0.0.1:{port}", server, thread


def send_all(base: str, payloads: list[bytes], clients: int) -> tuple[float, dict[int, int], int]:
    local = threading.local()

    def one(body: bytes) -> tuple[int, bool]:
        client = getattr(local, "client", None)
        if client is None:
            client = local.client = httpx.Client(timeout=60)
        signature = "sha256=" + security.hmac_sha256_hex(KEY, body)
        for attempt in range(5):
            response = client.post(f"{base}/api/v1/webhooks/flood/tickets", content=body,
                                   headers={"X-ShopCX-Signature": signature, "Content-Type": "application/json"})
            if response.status_code < 500 and response.status_code != 409:
                break
            time.sleep(0.05 * (attempt + 1))
        return response.status_code, bool(response.status_code < 300 and response.json().get("duplicate"))

    started = time.perf_counter()
    with ThreadPoolExecutor(clients) as pool:
        results = list(pool.map(one, payloads))
    took = time.perf_counter() - started
    statuses: dict[int, int] = {}
    for status, _ in results:
        statuses[status] = statuses.get(status, 0) + 1
    return took, statuses, sum(dup for _, dup in results)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=10_000)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--orders", type=int, default=200)
    parser.add_argument("--backend", default="postgresql", choices=("postgresql", "sqlite"))
    parser.add_argument("--seed", type=int, default=20261206)
    args = parser.parse_args()
    from shopcx.core.settings import get_settings
    from shopcx.desk.models import Ticket

    with tempfile.TemporaryDirectory() as work:
        get_settings().data_dir = Path(work)
        get_settings().secret_key = get_settings().secret_key or "flood-bench-secret"
        dbs = Databases(Path(work))
        try:
            db.configure(dbs.fresh(args.backend))
            seed(args.orders)
            payloads = bodies(args.tickets, args.orders, args.seed)
            base, server, thread = serve()
            first_s, first_status, first_dups = send_all(base, payloads, args.clients)
            rng = random.Random(args.seed + 1)
            replay = payloads + rng.sample(payloads, len(payloads) // 10)
            rng.shuffle(replay)
            replay_s, replay_status, replay_dups = send_all(base, replay, args.clients)
            server.should_exit = True
            thread.join(timeout=15)
            with db.session_scope() as session:
                stored = session.scalar(select(func.count()).select_from(Ticket))
                distinct = session.scalar(select(func.count(func.distinct(Ticket.external_key))))
        finally:
            dbs.drop()
    row = {"backend": args.backend, "tickets": args.tickets, "clients": args.clients,
           "first_s": round(first_s, 2), "tickets_per_s": round(args.tickets / first_s, 1),
           "first_status": first_status, "first_duplicates": first_dups,
           "replayed": len(replay), "replay_s": round(replay_s, 2), "replay_per_s": round(len(replay) / replay_s, 1),
           "replay_status": replay_status, "replay_duplicates": replay_dups,
           "stored": stored, "distinct_keys": distinct, "lost": args.tickets - distinct,
           "duplicated": stored - distinct}
    print(f"{'backend':<11}{'tickets':>9}{'clients':>8}{'tickets/s':>11}{'replayed':>10}{'replay/s':>10}"
          f"{'stored':>8}{'lost':>6}{'dup':>5}")
    print(f"{row['backend']:<11}{row['tickets']:>9,}{row['clients']:>8}{row['tickets_per_s']:>11,.1f}"
          f"{row['replayed']:>10,}{row['replay_per_s']:>10,.1f}{row['stored']:>8,}{row['lost']:>6}"
          f"{row['duplicated']:>5}")
    print(f"first pass statuses {first_status}; replay statuses {replay_status} ({replay_dups} answered duplicate)")
    print(json.dumps({"bench": "desk_webhook_flood", **row}, separators=(",", ":"), ensure_ascii=False))
    assert row["lost"] == 0 and row["duplicated"] == 0 and replay_dups == len(replay), "lost or duplicated tickets"


if __name__ == "__main__":
    main()
