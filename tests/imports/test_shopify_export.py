"""Shopify's CSV export: taxes added on top, money still owed, line discounts, and phone-only (COD) buyers."""

from __future__ import annotations

from sqlalchemy import select

from shopcx.customers.models import Customer

from ..factories import make_shop
from .helpers import SAMPLES, order, run_import


def test_taxes_outstanding_balance_line_discounts_and_cod_buyers(session):
    make_shop(session, code="us", platform="shopify", currency="USD", timezone="America/Los_Angeles")
    session.flush()
    job = run_import(session, SAMPLES / "shopify_us.csv", format="shopify", shop="us")
    assert (job.rejected_rows, job.orders_created) == (0, 4)
    taxed = order(session, "#2001")
    assert [(line.sku, line.total_amount) for line in taxed.lines] == [("MUG-BLUE", 3500), ("TOWEL-1", 2000)]
    assert (taxed.goods_amount, taxed.discount_amount, taxed.shipping_amount) == (5500, 0, 800)
    assert (taxed.tax_amount, taxed.taxes_included, taxed.paid_amount) == (416, False, 6716)
    owing = order(session, "#2004")
    assert (owing.status, owing.paid_amount) == ("paid", 3000)  # 40.00 total, 10.00 still owed
    first, second = order(session, "#2002"), order(session, "#2003")
    assert first.status == "pending" and first.customer_id and first.customer_id == second.customer_id
    buyer = session.get(Customer, first.customer_id)
    assert (buyer.phone, buyer.email, buyer.name) == ("+15415550199", None, "Emre Kaya")
    # Replaying the file changes nothing.
    again = run_import(session, SAMPLES / "shopify_us.csv", format="shopify", shop="us")
    assert (again.stored_rows, again.orders_created, again.customers_created) == (0, 0, 0)
    assert len(session.scalars(select(Customer).where(Customer.phone == "+15415550199")).all()) == 1


def test_customer_search_finds_a_mainland_number_however_it_is_written(session):
    from shopcx.customers import repository, service
    from shopcx.customers.schemas import CustomerIn

    service.upsert_customer(session, CustomerIn(name="王芳", phone="173-1067-3542"), actor=None)
    session.flush()
    for written in ("+86 173 1067 3542", "17310673542", "0086 17310673542", "8617310673542"):
        found, total = repository.search(session, repository.CustomerFilter(query=written), offset=0, limit=5)
        assert total == 1 and found[0].phone == "+8617310673542", written
