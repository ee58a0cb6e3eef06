"""The desk's agent inbox with many open tickets (issue 15, "Measured"): p50/p95 time of one page (50 rows) of the
ticket list with its SLA badges — `desk.service.views.search` + `badges`, what /desk renders — under four filters,
beside a plain newest-first page of the same table without SLA ordering or badges as the reference.

Seeds a fresh migrated database (PostgreSQL by default, SHOPCX_BENCH_PG) with N open tickets in one shop, each with a
first-response and a resolution clock (due times spread over ±3 weeks around now, so some are overdue), 10% waiting on
the buyer with an open pause, owners round-robin among 5 agents, priorities mixed.

    .venv/bin/python bench/desk_inbox_bench.py [--tickets 100000] [--repeat 20] [--backend postgresql|sqlite]

Prints a table and, as its last line, one JSON object.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "bench"))

from benchdb import Databases  # noqa: E402
from sqlalchemy import insert, select  # noqa: E402

from shopcx.core import clock, db  # noqa: E402

NOW = datetime(2026, 12, 2, 3, 0, tzinfo=timezone.utc)  # a Wednesday, 11:00 in Shanghai
PRIORITIES = ("low", "normal", "normal", "high", "urgent")
STATUSES = ("new", "open", "open", "waiting_us", "waiting_buyer", "reopened")


def seed(n: int) -> dict:
    from shopcx.desk.models import Ticket, TicketPause, TicketSla
    from shopcx.shops import service as shops
    from shopcx.staff import service as staff

    with db.session_scope(write=True) as session:
        shop = shops.create_shop(session, code="bench", name="压测店", platform="taobao")
        agents = [staff.create_user(session, username=f"agent{i}", password="bench-password-1", role="agent").id
                  for i in range(5)]
        shop_id = shop.id
    step = 5000
    for first in range(0, n, step):
        with db.session_scope(write=True) as session:
            count = min(step, n - first)
            start_id = first + 1
            rows, clocks, pauses = [], [], []
            for k in range(count):
                i = first + k
                created = NOW - timedelta(minutes=(i * 37) % (21 * 24 * 60))
                status = STATUSES[i % len(STATUSES)]
                rows.append({"id": start_id + k, "shop_id": shop_id, "channel": "chat", "subject": f"工单 {i}",
                             "priority": PRIORITIES[i % 5], "status": status, "owner_id": agents[i % 5],
                             "tags": [], "created_by": "bench", "created_at": created, "updated_at": created})
                paused = status == "waiting_buyer"
                for metric, offset in (("first_response", 240), ("resolution", 2160)):
                    due = None if paused else created + timedelta(minutes=offset + (i * 13) % (14 * 24 * 60)
                                                                  - 7 * 24 * 60)
                    clocks.append({"ticket_id": start_id + k, "metric": metric, "started_at": created,
                                   "target_minutes": offset, "due_at": due, "stopped_at": None, "breached": False})
                if paused:
                    pauses.append({"ticket_id": start_id + k, "reason": "waiting_buyer",
                                   "started_at": created + timedelta(minutes=30), "ended_at": None})
            earliest: dict[int, datetime] = {}
            for c in clocks:  # what service.sla keeps: the earliest running due time
                if c["due_at"] and (c["ticket_id"] not in earliest or c["due_at"] < earliest[c["ticket_id"]]):
                    earliest[c["ticket_id"]] = c["due_at"]
            for row in rows:
                row["next_due_at"] = earliest.get(row["id"])
            session.execute(insert(Ticket), rows)
            session.execute(insert(TicketSla), clocks)
            if pauses:
                session.execute(insert(TicketPause), pauses)
    return {"shop_id": shop_id, "agent": agents[0]}


def timed(work, repeat: int) -> dict:
    times = []
    for _ in range(repeat):
        began = time.perf_counter()
        work()
        times.append((time.perf_counter() - began) * 1000)
    times.sort()
    return {"p50_ms": round(statistics.median(times), 1),
            "p95_ms": round(times[min(len(times) - 1, int(round(0.95 * (len(times) - 1))))], 1)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tickets", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--backend", choices=("postgresql", "sqlite"), default="postgresql")
    args = parser.parse_args()

    from shopcx.desk.models import Ticket
    from shopcx.desk.service import views

    with tempfile.TemporaryDirectory() as work:
        databases = Databases(Path(work))
        try:
            db.configure(databases.fresh(args.backend))
            began = time.perf_counter()
            ids = seed(args.tickets)
            seeded_s = time.perf_counter() - began
            filters = {
                "active": views.TicketFilter(status="active"),
                "overdue": views.TicketFilter(status="active", overdue=True),
                "mine": views.TicketFilter(status="active", owner_id=ids["agent"]),
                "urgent": views.TicketFilter(status="active", priority="urgent"),
            }
            results = {}
            with clock.frozen_at(NOW):
                with db.session_scope() as session:
                    def plain():
                        list(session.scalars(select(Ticket).order_by(Ticket.id.desc()).limit(50)))
                    results["reference: newest 50, no SLA"] = timed(plain, args.repeat)
                    for name, where in filters.items():
                        def page(where=where):
                            rows, _ = views.search(session, where, limit=50)
                            views.badges(session, rows)
                        results[f"inbox page: {name}"] = timed(page, args.repeat)
        finally:
            db.get_engine().dispose()
            databases.drop()
    reference = results["reference: newest 50, no SLA"]["p95_ms"]
    print(f"{args.tickets:,} open tickets on {args.backend}, seeded in {seeded_s:.1f} s; {args.repeat} runs each")
    print(f"{'page':<34}{'p50 ms':>10}{'p95 ms':>10}{'× ref p95':>11}")
    for name, figures in results.items():
        print(f"{name:<34}{figures['p50_ms']:>10}{figures['p95_ms']:>10}{figures['p95_ms'] / reference:>11.1f}")
    print(json.dumps({"tickets": args.tickets, "backend": args.backend, "repeat": args.repeat,
                      "seed_seconds": round(seeded_s, 1), "pages": results}, ensure_ascii=False))


if __name__ == "__main__":
    main()
