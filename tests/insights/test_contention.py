"""Long jobs beside staff who keep writing (issue 12 item 3): a customer-value analysis on a real database file
completes while another thread tags customers, and a run that fails is always recorded as failed."""

from __future__ import annotations

import threading
from datetime import date, datetime, timedelta, timezone

import pytest
from sqlalchemy import select
from sqlalchemy.exc import OperationalError

from shopcx.core import db
from shopcx.customers import service as customers
from shopcx.customers.models import Customer, CustomerTag
from shopcx.insights import repository
from shopcx.insights.service.analysis import run_analysis
from shopcx.insights.tables import AnalysisRun
from shopcx.orders import service as orders
from shopcx.orders.schemas import OrderIn
from shopcx.shops import service as shops
from shopcx.staff.service import SYSTEM

from ..live import use_database


@pytest.fixture
def file_db(fresh_db_url):
    """The process's session_scope on a fresh committed database (not the test's rolled-back transaction)."""
    with use_database(fresh_db_url) as engine:
        yield engine


def _shop_with_history(buyers: int = 300) -> list[int]:
    """Shop 'busy' with 1–4 paid orders for each of `buyers` buyers over 2025; returns the customer ids."""
    start = datetime(2025, 1, 3, 2, tzinfo=timezone.utc)
    with db.session_scope(write=True) as session:
        shop = shops.create_shop(session, code="busy", name="繁忙店")
        for n in range(buyers):
            for k in range(1 + n % 4):
                orders.upsert_order(session, shop, OrderIn.model_validate({
                    "source": "taobao", "external_id": f"B{n}-{k}", "status": "completed",
                    "placed_at": start + timedelta(days=(n * 7 + k * 61) % 360),
                    "customer": {"source": "taobao", "external_id": f"buyer{n}", "name": f"买家{n}"},
                    "lines": [{"sku": f"SKU-{k}", "name": "商品", "quantity": 1,
                               "unit_price_amount": 1990 + 100 * (n % 13)}]}), actor=SYSTEM)
        return list(session.scalars(select(Customer.id).order_by(Customer.id)))


def test_an_analysis_completes_while_staff_tag_customers(file_db):
    ids = _shop_with_history()
    stop, errors, tagged = threading.Event(), [], [0]

    def tag_customers() -> None:
        n = 0
        while not stop.is_set():
            try:
                with db.session_scope(write=True) as session:
                    customers.add_tag(session, session.get(Customer, ids[n % len(ids)]), f"跟进{n}", actor=SYSTEM)
                tagged[0] += 1
            except Exception as exc:  # noqa: BLE001 - the test reports any failure of the staff's writes
                errors.append(repr(exc))
            n += 1
            # ~50 writes a second, far above a team's pace (one every 2 ms kept the run waiting minutes on a loaded CI)
            stop.wait(0.02)

    staff = threading.Thread(target=tag_customers)
    staff.start()
    try:
        runs = [run_analysis(shop_code="busy", as_of=date(2026, 1, 1)) for _ in range(2)]
    finally:
        stop.set()
        staff.join(30)
    assert [run.status for run in runs] == ["done"] * 2, [run.error for run in runs]
    assert all(run.customers == len(ids) for run in runs)
    assert errors == [] and tagged[0] >= 2  # staff writes ran beside the analyses (fewer on a loaded machine)
    with db.session_scope() as session:
        assert session.scalar(select(CustomerTag.id).limit(1)) is not None


def test_a_run_that_fails_is_recorded_failed_even_when_the_database_is_busy(file_db, monkeypatch):
    _shop_with_history(20)

    def broken(session, rows):
        raise RuntimeError("disk full")

    # Storing fails; the first attempt to record the failure meets a locked database, the next one succeeds.
    monkeypatch.setattr(repository, "insert_scores", broken)
    real_get_run, calls = repository.get_run, [0]

    def busy_once(session, run_id):
        calls[0] += 1
        if calls[0] == 1:
            raise OperationalError("UPDATE analysis_run", {}, Exception("database is locked"))
        return real_get_run(session, run_id)

    monkeypatch.setattr(repository, "get_run", busy_once)
    with pytest.raises(RuntimeError, match="disk full"):
        run_analysis(shop_code="busy", as_of=date(2026, 1, 1))
    with db.session_scope() as session:
        run = session.scalar(select(AnalysisRun))
        assert (run.status, run.error) == ("failed", "internal error: RuntimeError: disk full")


def test_a_run_whose_process_died_is_failed_by_a_later_run(session):
    from shopcx.core import clock
    from shopcx.insights.service import analysis

    shops.create_shop(session, code="calm", name="安静店")
    session.add(AnalysisRun(shop_id=None, as_of_on=date(2026, 1, 1), currency="CNY", status="running",
                            started_at=clock.now() - analysis.ABANDONED_AFTER - timedelta(minutes=1), customers=0,
                            params={}, figures={}))
    session.add(AnalysisRun(shop_id=None, as_of_on=date(2026, 1, 1), currency="CNY", status="running",
                            started_at=clock.now() - timedelta(minutes=5), customers=0, params={}, figures={}))
    session.flush()
    run_analysis(shop_code="calm", as_of=date(2026, 1, 1))
    session.expire_all()
    runs = list(session.scalars(select(AnalysisRun).order_by(AnalysisRun.id)))
    assert [(r.status, r.error) for r in runs[:2]] == [("failed", analysis.ABANDONED_MESSAGE), ("running", None)]
    assert runs[2].status == "done"
