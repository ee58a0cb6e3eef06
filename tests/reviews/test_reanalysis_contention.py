"""Re-analysing stored reviews while staff keep writing (issue 12 item 3): on a real database file every batch is
stored and the staff's writes never fail (the batch's read transaction used to upgrade to a write and fail)."""

from __future__ import annotations

import threading
import time

from sqlalchemy import func, select

from shopcx.core import db
from shopcx.customers import service as customers
from shopcx.customers.models import Customer
from shopcx.reviews import jobs
from shopcx.reviews.models import Review
from shopcx.reviews.service import analysis
from shopcx.staff.service import SYSTEM

from ..factories import make_shop
from ..live import use_database
from .helpers import order, record
from .test_hidden import _fake


def test_reanalysis_completes_while_staff_tag_customers(fresh_db_url, monkeypatch):
    def slow_analyser(texts, model=None):
        time.sleep(0.05)  # a real model takes a while per batch; staff commit meanwhile
        return _fake(texts, model)

    monkeypatch.setattr(analysis, "_analyzer", lambda: slow_analyser)
    with use_database(fresh_db_url):
        with db.session_scope(write=True) as session:
            shop = make_shop(session)
            for n in range(120):
                record(session, shop, order(session, shop), text="质量很好" if n % 3 else "物流太慢，包装破了")
            ids = list(session.scalars(select(Customer.id)))
        stop, errors, tagged = threading.Event(), [], [0]

        def tag_customers() -> None:
            n = 0
            while not stop.is_set():
                try:
                    with db.session_scope(write=True) as session:
                        customers.add_tag(session, session.get(Customer, ids[n % len(ids)]), f"回访{n}", actor=SYSTEM)
                    tagged[0] += 1
                except Exception as exc:  # noqa: BLE001 - any failure of the staff's writes is the finding
                    errors.append(repr(exc))
                n += 1
                stop.wait(0.002)

        staff = threading.Thread(target=tag_customers)
        staff.start()
        try:
            done = jobs.reanalyze(batch=20)
        finally:
            stop.set()
            staff.join(30)
        assert done == 120 and errors == [] and tagged[0] > 10
        with db.session_scope() as session:
            negative = session.scalar(select(func.count()).select_from(Review).where(Review.polarity == "negative"))
            assert negative == 40
