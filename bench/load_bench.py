"""A busy shop on a running server (issue 12, "Measured"): concurrent clients on loopback, both databases.

For each backend (SQLite file, PostgreSQL on 127.0.0.1) and each worker count (1 and 4), on a fresh migrated
throwaway database with one shop, its loyalty program, a reward and `--members` members holding points:
`shopcx serve --workers W` is started on a free loopback port and `--clients` clients (one asyncio task each, all
in this process) send requests back to back for `--seconds` seconds:

    60%  reads      customer list, one customer, order list, one member's balance
    25%  webhooks   a signed new order (repeat buyers, 50 SKUs); 10% of deliveries replay an earlier body
    15%  redeem     a member takes a 100-point reward (a fresh idempotency key; 409 once out of points)

Reported per run: requests/s, p50/p99 latency, answers by status (5xx other than 503: goal 0; 503 = the admission
queue said "retry later", with Retry-After), and afterwards whether every member's balance equals the sum of the
ledger and the sum of the lots. The reference is the same clients against a bare FastAPI endpoint (a plain `def`
returning a small JSON, so it runs on the thread pool like ShopCX's routes) served the same way (same uvicorn
options and worker count): ShopCX's requests/s as a share of it.

    .venv/bin/python bench/load_bench.py [--clients 200] [--seconds 60] [--workers 1,4]
                                         [--backends sqlite,postgresql] [--members 200]

Loopback only; bounded by --seconds per run (plus start-up). Prints a table and, as its last line, one JSON object.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import hmac
import json
import random
import statistics
import sys
import tempfile
import time
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402
from benchdb import Databases  # noqa: E402
from sqlalchemy import select  # noqa: E402
from tests.live import LiveServer, committed_session  # noqa: E402

from shopcx import domains  # noqa: E402
from shopcx.core import db  # noqa: E402

SECRET = "whsec-load-bench"
REWARD = "cup100"
BUYERS = 2_000


def bare_app():
    """The reference: one endpoint and nothing else, a sync function like ShopCX's routes."""
    from fastapi import FastAPI

    app = FastAPI()

    @app.get("/healthz")
    def healthz():
        return {"ok": True}

    @app.get("/ping")
    def ping():
        return {"ok": True, "items": [{"id": n, "name": f"顾客{n}"} for n in range(5)]}

    return app


def serve_bare(port: int, workers: int) -> None:
    import uvicorn

    from shopcx.web.capacity import serve_options

    uvicorn.run("load_bench:bare_app", factory=True, app_dir=str(Path(__file__).parent), host="127.0.0.1",
                port=port, log_level="warning", **serve_options(workers))


def seed(url: str, members: int) -> dict:
    """Shop 'load' with a webhook secret, the default program, a 100-point reward and members with 5,000 points."""
    from shopcx.customers import service as customers
    from shopcx.customers.schemas import CustomerIn
    from shopcx.loyalty.service.members.accounts import enrol
    from shopcx.loyalty.service.points import ledger
    from shopcx.loyalty.service.program import versions as programs
    from shopcx.loyalty.service.spending import rewards
    from shopcx.shops import service as shops
    from shopcx.staff import service as staff
    from shopcx.staff.rules import SCOPES

    with committed_session(url) as session:
        shop = shops.create_shop(session, code="load", name="压测店")
        shop.webhook_secret = SECRET
        programs.create_program(session, shop, actor=staff.SYSTEM)
        session.flush()
        program = programs.active(session, shop.id)
        rewards.create_reward(session, program, actor=staff.SYSTEM, code=REWARD, name_zh="保温杯券",
                              name_en="Cup coupon", kind="coupon_amount", points_cost=100, amount_off=1000)
        raw, _ = staff.create_token(session, name="load", scopes=list(SCOPES), actor=staff.SYSTEM)
        ids = []
        for n in range(members):
            person, _ = customers.upsert_customer(session, CustomerIn(source="load", external_id=f"buyer{n}",
                                                                      name=f"会员{n}"), shop_id=shop.id, actor=None)
            account = enrol(session, program, person.id)
            ledger.lock_account(session, account)
            ledger.credit(session, account, 5_000 - account.balance, key=f"load:fund:{n}", kind="adjust",
                          reason="manual", expires_on=None)
            ids.append(person.id)
    return {"token": raw, "members": ids}


def ledger_check(url: str) -> dict:
    """Every member's balance = Σ ledger points = Σ lot remaining (what the guarantee says after any burst)."""
    from shopcx.loyalty.models import LoyaltyAccount
    from shopcx.loyalty.service.points import ledger

    with committed_session(url) as session:
        accounts = list(session.scalars(select(LoyaltyAccount)))
        wrong = 0
        for account in accounts:
            points, _pending, lots = ledger.ledger_sums(session, account.id)
            wrong += not (account.balance == points == lots)
        return {"accounts": len(accounts), "ledger_equals_lots": wrong == 0, "mismatched": wrong}


class Mix:
    """What one client sends next."""

    def __init__(self, seeded: dict, client: int):
        self.auth = {"Authorization": f"Bearer {seeded['token']}"}
        self.members = seeded["members"]
        self.rng = random.Random(client)
        self.client = client
        self.sent: list[bytes] = []
        self.n = 0

    def next(self) -> tuple[str, str, str, dict, bytes | None]:
        """(kind, method, path, headers, body)."""
        roll = self.rng.random()
        if roll < 0.60:
            member = self.rng.choice(self.members)
            path = self.rng.choice(["/api/v1/customers?page_size=20", f"/api/v1/customers/{member}",
                                    "/api/v1/orders?page_size=20", f"/api/v1/shops/load/loyalty/members/{member}"])
            return "read", "GET", path, self.auth, None
        if roll < 0.85:
            if self.sent and self.rng.random() < 0.10:
                body = self.rng.choice(self.sent)
                kind = "replay"
            else:
                body = self._order()
                self.sent.append(body)
                kind = "webhook"
            digest = hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
            return kind, "POST", "/api/v1/webhooks/load/orders", {
                "X-ShopCX-Signature": f"sha256={digest}", "Content-Type": "application/json"}, body
        member = self.rng.choice(self.members)
        body = json.dumps({"reward_code": REWARD, "idempotency_key": uuid.uuid4().hex}).encode()
        return "redeem", "POST", f"/api/v1/shops/load/loyalty/members/{member}/redemptions", {
            **self.auth, "Content-Type": "application/json"}, body

    def _order(self) -> bytes:
        self.n += 1
        buyer = self.rng.randrange(BUYERS)
        placed = datetime(2026, 11, 1, tzinfo=timezone.utc) + timedelta(minutes=self.rng.randrange(40_000))
        lines = [{"sku": f"SKU-{self.rng.randrange(50)}", "name": "商品", "quantity": self.rng.randrange(1, 4),
                  "unit_price_amount": self.rng.randrange(500, 30_000)} for _ in range(self.rng.randrange(1, 3))]
        return json.dumps({"source": "taobao", "external_id": f"L{self.client}-{self.n}", "status": "paid",
                           "placed_at": placed.isoformat(),
                           "customer": {"source": "load", "external_id": f"buyer{buyer}", "name": f"会员{buyer}"},
                           "lines": lines}, ensure_ascii=False).encode()


async def drive(base_url: str, clients: int, seconds: float, make_mix) -> dict:
    """`clients` tasks sending back to back until the deadline; per-answer (kind, status, seconds)."""
    answers: list[tuple[str, int, float]] = []
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(base_url=base_url, timeout=60, limits=limits) as http:
        deadline = time.perf_counter() + seconds

        async def client(index: int) -> None:
            mix = make_mix(index)
            while time.perf_counter() < deadline:
                kind, method, path, headers, body = mix.next()
                began = time.perf_counter()
                try:
                    response = await http.request(method, path, headers=headers, content=body)
                    status = response.status_code
                    if status == 503:
                        await asyncio.sleep(float(response.headers.get("retry-after", "1")))
                except httpx.HTTPError:
                    status = 0
                answers.append((kind, status, time.perf_counter() - began))

        began = time.perf_counter()
        await asyncio.gather(*(client(i) for i in range(clients)))
        wall = time.perf_counter() - began
    return summarize(answers, wall)


def summarize(answers: list[tuple[str, int, float]], wall: float) -> dict:
    latencies = sorted(seconds for _, _, seconds in answers)
    by_status: dict[str, int] = {}
    for _, status, _ in answers:
        by_status[str(status)] = by_status.get(str(status), 0) + 1
    kinds: dict[str, int] = {}
    for kind, _, _ in answers:
        kinds[kind] = kinds.get(kind, 0) + 1
    return {"requests": len(answers), "seconds": round(wall, 1), "rps": round(len(answers) / wall, 1),
            "p50_ms": round(1000 * statistics.median(latencies), 1) if latencies else None,
            "p99_ms": round(1000 * latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))], 1)
            if latencies else None,
            "server_errors": sum(n for s, n in by_status.items() if s.startswith("5") and s != "503"),
            "busy_503": by_status.get("503", 0), "no_answer": by_status.get("0", 0),
            "by_status": dict(sorted(by_status.items())), "by_kind": kinds}


class _Ping:
    def __init__(self, _client: int):
        pass

    def next(self):
        return "ping", "GET", "/ping", {}, None


def run(args, backend: str, workers: int, dbs: Databases, tmp: Path) -> dict:
    url = dbs.fresh(backend)
    seeded = seed(url, args.members)
    data_dir = tmp / f"{backend}-{workers}"
    with LiveServer(url, data_dir, workers=workers) as server:
        result = asyncio.run(drive(server.base_url, args.clients, args.seconds, lambda i: Mix(seeded, i)))
        result["server_tracebacks"] = len(server.server_errors())
    result |= ledger_check(url)
    return result


def run_bare(args, workers: int, tmp: Path) -> dict:
    data_dir = tmp / f"bare-{workers}"
    server = LiveServer("sqlite://", data_dir, workers=workers)
    server.command = [sys.executable, __file__, "--serve-bare", str(server.port), "--workers", str(workers)]
    with server:
        return asyncio.run(drive(server.base_url, args.clients, args.seconds, _Ping))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=200)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--workers", default="1,4")
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--members", type=int, default=200)
    parser.add_argument("--serve-bare", type=int, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    worker_counts = [int(w) for w in str(args.workers).split(",")]
    if args.serve_bare is not None:
        serve_bare(args.serve_bare, worker_counts[0])
        return
    domains.install()
    results: dict = {"clients": args.clients, "seconds": args.seconds, "runs": {}}
    with tempfile.TemporaryDirectory() as tmp:
        dbs = Databases(Path(tmp))
        try:
            for workers in worker_counts:
                bare = run_bare(args, workers, Path(tmp))
                results["runs"][f"bare-fastapi/{workers}w"] = bare
                for backend in args.backends.split(","):
                    shopcx = run(args, backend, workers, dbs, Path(tmp))
                    shopcx["share_of_bare"] = round(shopcx["rps"] / bare["rps"], 3) if bare["rps"] else None
                    results["runs"][f"{backend}/{workers}w"] = shopcx
        finally:
            db.configure("sqlite://")
            dbs.drop()
    print(f"{'run':<22}{'req/s':>8}{'p50 ms':>9}{'p99 ms':>9}{'5xx':>6}{'503':>6}{'share':>7}  ledger=lots")
    for name, r in results["runs"].items():
        ledger = "" if "ledger_equals_lots" not in r else f"  {r['ledger_equals_lots']} ({r['accounts']})"
        share = f"{r['share_of_bare']:.3f}" if r.get("share_of_bare") else "  -  "
        print(f"{name:<22}{r['rps']:>8}{r['p50_ms']:>9}{r['p99_ms']:>9}{r['server_errors']:>6}{r['busy_503']:>6}"
              f"{share:>7}{ledger}")
    print(json.dumps(results, ensure_ascii=False))


if __name__ == "__main__":
    main()
