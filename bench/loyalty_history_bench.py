"""Replaying an imported history into the loyalty ledger, on SQLite and PostgreSQL (issue 13, item 8).

For each backend, on a fresh migrated throwaway database holding the demo shop (`build_demo`, seed 7, as of
1 November 2026; its program runs the default rules):
(a) batched: `history.replay_batched` of every customer's history, in transactions of 2,000 customers as
    `shopcx loyalty sync` does — orders/s, SQL statements per order, and the CPU seconds it took in this process
    (replay and writer thread) and in the PostgreSQL backend (read from /proc when the server is local), with the
    load average before and after: the machine may be shared, and CPU seconds are what a busy machine leaves intact;
(b) per-order: `history.replay_per_order` (sync_order and the daily work with the clock at each moment) of the
    first K customers' histories, rolled back — orders/s and statements per order;
(c) reference: the pre-replay `sync_order` of the same K customers' orders dated today (what `loyalty sync` did).
(b) and (c) run first and are rolled back; on PostgreSQL the database is then vacuumed (untimed), so that (a) does
not pay for their dead rows, which an import's first sync never meets.
The ratio batched / per-order is the figure to keep; the target is ≥ 5,000 orders/s for (a) on both backends.

    .venv/bin/python bench/loyalty_history_bench.py [--customers 3000] [--per-order 300]
                                                    [--backends sqlite,postgresql]

Prints a table and, as its last line, one JSON object.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from datetime import date, datetime, timezone
from pathlib import Path

from sqlalchemy import event, select, text

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from benchdb import Databases  # noqa: E402

from shopcx import domains  # noqa: E402
from shopcx.core import clock, db  # noqa: E402
from shopcx.demo.service import build_demo  # noqa: E402
from shopcx.loyalty.service.points import history  # noqa: E402
from shopcx.loyalty.service.points.earning import sync_order  # noqa: E402
from shopcx.loyalty.service.program import versions as programs  # noqa: E402
from shopcx.orders.models import Order  # noqa: E402

UNTIL = date(2026, 11, 1)
NOW = datetime(2026, 11, 1, 4, tzinfo=timezone.utc)


class Statements:
    """Counts the SQL statements sent to the database."""

    def __init__(self, engine):
        self.count = 0
        event.listen(engine, "before_cursor_execute", self._one)

    def _one(self, *args) -> None:
        self.count += 1


def server_pid(session) -> int | None:
    """The process id of the session's PostgreSQL backend."""
    if session.get_bind().dialect.name != "postgresql":
        return None
    return session.connection().connection.driver_connection.info.backend_pid


def server_cpu(pid: int | None) -> float | None:
    """CPU seconds used so far by a PostgreSQL backend, when the server runs on this machine."""
    if pid is None:
        return None
    try:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def run(backend: str, dbs: Databases, customers: int, per_order: int) -> dict:
    engine = db.configure(dbs.fresh(backend))
    with clock.frozen_at(NOW), db.session_scope() as session:
        build_demo(session, seed=7, customers=customers, years=2, shop_code="bench", until=UNTIL.isoformat())
    with db.session_scope() as session:
        shop_id = session.scalar(select(Order.shop_id).limit(1))
        program = programs.active(session, shop_id)
        everyone = list(history.newcomers(session, program))
    statements = Statements(engine)
    result = {"backend": backend, "customers": len(everyone)}

    # (b) and (c) first, rolled back, so (a) replays the whole shop
    with clock.frozen_at(NOW):
        for name, work in (("per_order", "replay"), ("today", "sync")):
            session = db.session_factory()()
            try:
                program = programs.active(session, shop_id)
                statements.count = 0
                start = time.perf_counter()
                if work == "replay":
                    n = history.replay_per_order(session, program, everyone[:per_order], today=UNTIL)
                else:
                    orders = list(session.scalars(select(Order).where(*history.qualifying_orders(program),
                                                                      Order.customer_id.in_(everyone[:per_order]))
                                                  .order_by(Order.paid_at, Order.id)))
                    for order in orders:
                        sync_order(session, order, program)
                    session.flush()
                    n = len(orders)
                seconds = time.perf_counter() - start
                result[name] = {"orders": n, "seconds": round(seconds, 2), "orders_per_s": round(n / seconds),
                                "statements_per_order": round(statements.count / n, 1)}
            finally:
                session.rollback()
                session.close()

        if backend == "postgresql":
            # the rolled-back runs left dead ledger rows and index entries that an import's first sync never meets
            with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.execute(text("VACUUM (ANALYZE)"))
        statements.count = 0
        load_before = os.getloadavg()[0]
        start, client = time.perf_counter(), time.process_time()
        n, server, written = 0, 0.0, {}
        for first in range(0, len(everyone), 2000):
            with db.session_scope(write=True) as session:
                backend_pid = server_pid(session)
                began = server_cpu(backend_pid)
                program = programs.active(session, shop_id)
                n += history.replay_batched(session, program, everyone[first:first + 2000], today=UNTIL)
                db.carry_bulk_writes(session, written, last=first + 2000 >= len(everyone))  # as loyalty.jobs does
            if began is not None:  # read after the commit: the last one re-analyses the tables the replay grew
                server += server_cpu(backend_pid) - began
        seconds, client = time.perf_counter() - start, time.process_time() - client
    result["batched"] = {"orders": n, "seconds": round(seconds, 2), "orders_per_s": round(n / seconds),
                         "statements_per_order": round(statements.count / n, 3), "client_cpu_s": round(client, 2),
                         "server_cpu_s": round(server, 2) if backend == "postgresql" else 0.0,
                         "orders_per_cpu_s": round(n / (client + server)),
                         "load": [round(load_before, 2), round(os.getloadavg()[0], 2)]}
    result["ratio"] = round(result["batched"]["orders_per_s"] / result["per_order"]["orders_per_s"], 1)
    event.remove(engine, "before_cursor_execute", statements._one)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--customers", type=int, default=3000)
    parser.add_argument("--per-order", type=int, default=300, help="customers replayed by the per-order path")
    parser.add_argument("--backends", default="sqlite,postgresql")
    args = parser.parse_args()
    domains.install()
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        dbs = Databases(Path(tmp))
        try:
            for backend in args.backends.split(","):
                results.append(run(backend, dbs, args.customers, args.per_order))
        finally:
            dbs.drop()
    print(f"{'backend':<11}{'path':<11}{'orders':>8}{'seconds':>9}{'orders/s':>10}{'stmts/order':>13}")
    for r in results:
        for path in ("batched", "per_order", "today"):
            p = r[path]
            print(f"{r['backend']:<11}{path:<11}{p['orders']:>8,}{p['seconds']:>9}{p['orders_per_s']:>10,}"
                  f"{p['statements_per_order']:>13}")
    print()
    print("batched replay (target >= 5,000 orders/s); reference: the per-order path, same shop, same process")
    for r in results:
        b = r["batched"]
        server = f"{b['server_cpu_s']} s" if r["backend"] == "postgresql" else "none (in-process)"
        print(f"  {r['backend']:<11}{b['orders_per_s']:>7,} orders/s wall ({r['ratio']}x the per-order path), "
              f"CPU {b['client_cpu_s']} s client + {server} server = {b['orders_per_cpu_s']:,} "
              f"orders per CPU-second, load average {b['load'][0]} -> {b['load'][1]} on {os.cpu_count()} CPUs")
    print(json.dumps(results))


if __name__ == "__main__":
    main()
