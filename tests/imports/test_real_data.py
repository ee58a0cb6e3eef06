"""Whole real files (UCI Online Retail, CDNOW) and an import killed half-way. Marked slow; part of `make test`."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import text

from shopcx.core import db
from shopcx.imports import service

from .helpers import run_import, stats

pytestmark = pytest.mark.slow
SHOPCX = str(Path(sys.executable).parent / "shopcx")


def test_uci_online_retail_whole_file(session, shared_data):
    path = shared_data / "online_retail_uci" / "online_retail.csv.gz"
    job = run_import(session, path, format="online-retail")
    assert job.status == "done", job.error
    # The facts of the file (checked independently of this code).
    assert job.total_rows == 541_909 and job.stored_rows + job.rejected_rows == 541_909
    assert job.rejected_rows == 0
    figures = stats(session)
    assert figures["customers"] == 4372 and figures["orders"] == 25_900
    assert figures["orders_by_kind"] == {"sale": 22_061, "return": 3836, "adjustment": 3}
    assert figures["order_lines"] == 541_909 and figures["guest_order_lines"] == 135_080
    # Σ quantity × unit price = 9,747,747.934 GBP; each line rounds half-even to pence, which makes 974,774,793.
    assert figures["net_revenue_minor"] == 974_774_793 and figures["currency"] == "GBP"

    again = run_import(session, path, format="online-retail")
    assert (again.stored_rows, again.unchanged_rows, again.orders_created, again.customers_created) == \
        (0, 541_909, 0, 0)
    assert stats(session) == figures


def test_cdnow_master(session, shared_data):
    path = shared_data / "cdnow" / "CDNOW_master.txt"
    rows = [line.split() for line in path.read_text().splitlines()[1:] if line.strip()]
    cents = sum(int(Decimal(row[3]) * 100) for row in rows)
    job = run_import(session, path, format="cdnow")
    assert job.status == "done", job.error
    assert (job.total_rows, job.stored_rows, job.rejected_rows) == (69_659, 69_659, 0)
    figures = stats(session, "cdnow")
    assert len(rows) == 69_659 and figures["orders"] == 69_659 and figures["order_lines"] == 69_659
    assert figures["customers"] == len({row[0] for row in rows}) == 23_570
    assert figures["net_revenue_minor"] == cents and figures["currency"] == "USD"


def _big_generic_file(path: Path, orders: int) -> dict[str, tuple[int, int]]:
    """A generic orders file; returns external id -> (lines, goods in cents) as written."""
    rng = random.Random(20260322)
    expected = {}
    with open(path, "w", encoding="utf-8") as out:
        out.write("order_id,placed_at,customer_id,customer_name,sku,product_name,quantity,unit_price,status\n")
        for n in range(orders):
            order_id = f"K{n:07d}"
            customer = f"U{rng.randrange(orders // 4):06d}"
            day = f"2025-{rng.randrange(1, 13):02d}-{rng.randrange(1, 29):02d} {rng.randrange(24):02d}:15:00"
            lines = rng.randrange(1, 9)
            goods = 0
            for _ in range(lines):
                sku = rng.randrange(500)
                quantity, cents = rng.randrange(1, 5), rng.randrange(100, 20000)
                goods += quantity * cents
                out.write(f"{order_id},{day},{customer},买家{customer},SKU-{sku},商品{sku},{quantity},"
                          f"{cents // 100}.{cents % 100:02d},paid\n")
            expected[order_id] = (lines, goods)
    return expected


def test_killed_import_leaves_whole_orders_and_a_rerun_finishes(fresh_db_url, tmp_path):
    path = tmp_path / "big.csv"
    expected = _big_generic_file(path, 60_000)
    total_lines = sum(lines for lines, _ in expected.values())
    env = {**os.environ, "SHOPCX_DATA_DIR": str(tmp_path / "data"), "SHOPCX_IMPORT_BATCH_ORDERS": "300"}
    command = [SHOPCX, "--database-url", fresh_db_url, "import", "orders", str(path), "--format", "generic"]
    engine = db.make_engine(fresh_db_url)
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and process.poll() is None:
            with engine.connect() as conn:
                done = conn.execute(text("SELECT max(processed_rows) FROM import_job")).scalar()
            if done:
                break
            time.sleep(0.02)
        process.send_signal(signal.SIGKILL)
        process.wait(30)
        with engine.connect() as conn:
            stored = conn.execute(text("SELECT o.external_id, count(l.id), o.goods_amount FROM shop_order o "
                                       "JOIN order_line l ON l.order_id = o.id GROUP BY o.id, o.external_id, "
                                       "o.goods_amount")).all()
            bare = conn.execute(text("SELECT count(*) FROM shop_order o WHERE NOT EXISTS "
                                     "(SELECT 1 FROM order_line l WHERE l.order_id = o.id)")).scalar()
            status = conn.execute(text("SELECT status FROM import_job")).scalar()
        assert 0 < len(stored) < len(expected), "the import finished before it could be killed"
        assert status == "running" and bare == 0
        assert all(expected[ext] == (lines, goods) for ext, lines, goods in stored)  # no half-written order

        rerun = subprocess.run(command, env=env, capture_output=True, text=True, timeout=300)
        assert rerun.returncode == 0, rerun.stderr
        figures = json.loads(subprocess.run([SHOPCX, "--database-url", fresh_db_url, "stats", "--json"], env=env,
                                            capture_output=True, text=True, check=True).stdout)
        assert figures["orders"] == len(expected) and figures["order_lines"] == total_lines
        assert figures["net_revenue_minor"] == sum(goods for _, goods in expected.values())
        with engine.connect() as conn:
            last = conn.execute(text("SELECT stored_rows, unchanged_rows, rejected_rows FROM import_job "
                                     "ORDER BY id DESC LIMIT 1")).one()
        assert last == (total_lines - sum(lines for _, lines, _ in stored), sum(lines for _, lines, _ in stored), 0)
    finally:
        if process.poll() is None:
            process.kill()
        engine.dispose()


def test_run_job_can_resume_an_interrupted_job(session, tmp_path):
    from .helpers import SAMPLES

    job = service.create_job(session, kind="orders", format="generic", filename="generic.csv", shop_code=None,
                             actor_label="test")
    session.flush()
    job.status = "running"  # as a killed process leaves it
    session.flush()
    finished = service.run_job(job.id, SAMPLES / "generic.csv")
    assert (finished.status, finished.stored_rows, finished.total_rows) == ("done", 8, 8)


def test_two_imports_of_the_same_file_at_once_both_finish(fresh_db_url, tmp_path):
    # Buyers recur across batches, so each process meets buyers and orders the other is storing right then.
    path = tmp_path / "big.csv"
    expected = _big_generic_file(path, 20_000)
    env = {**os.environ, "SHOPCX_DATA_DIR": str(tmp_path / "data"), "SHOPCX_IMPORT_BATCH_ORDERS": "200"}
    command = [SHOPCX, "--database-url", fresh_db_url, "import", "orders", str(path), "--format", "generic"]
    processes = [subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
                 for _ in range(2)]
    errors = [process.communicate(timeout=300)[1] for process in processes]
    assert [process.returncode for process in processes] == [0, 0], errors
    figures = json.loads(subprocess.run([SHOPCX, "--database-url", fresh_db_url, "stats", "--json"], env=env,
                                        capture_output=True, text=True, check=True).stdout)
    total_lines = sum(lines for lines, _ in expected.values())
    assert figures["orders"] == len(expected) and figures["order_lines"] == total_lines
    assert figures["customers"] == len(_buyers(path))  # no buyer twice
    engine = db.make_engine(fresh_db_url)
    try:
        with engine.connect() as conn:
            jobs = conn.execute(text("SELECT status, stored_rows, unchanged_rows FROM import_job")).all()
    finally:
        engine.dispose()
    assert [status for status, _, _ in jobs] == ["done", "done"]
    assert sum(stored for _, stored, _ in jobs) == total_lines  # each line stored by exactly one of them
    assert sum(stored + unchanged for _, stored, unchanged in jobs) == 2 * total_lines


def _buyers(path: Path) -> set[str]:
    with open(path, encoding="utf-8") as lines:
        next(lines)
        return {line.split(",")[2] for line in lines}
