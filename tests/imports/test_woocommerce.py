"""WooCommerce order exports, under the headers of the common export plugins."""

from __future__ import annotations

from shopcx.customers.models import Customer
from shopcx.imports import repository

from ..factories import make_shop
from .helpers import SAMPLES, order, run_import


def test_an_export_plugins_file_imports_with_statuses_refunds_and_phone_buyers(session):
    make_shop(session, code="woo", platform="woocommerce", currency="EUR", timezone="Europe/Berlin")
    session.flush()
    job = run_import(session, SAMPLES / "woocommerce.csv", format="woocommerce", shop="woo")
    assert (job.orders_created, job.rejected_rows) == (4, 2)
    done = order(session, "1207")
    assert (done.status, done.goods_amount, done.shipping_amount, done.discount_amount, done.paid_amount) == \
        ("completed", 3750, 490, 250, 3990)
    assert str(done.placed_at).startswith("2026-03-01 09:15:30")  # Berlin time in the file, UTC stored
    assert session.get(Customer, done.customer_id).email == "anna.becker@example.com"
    # Jonas wrote his number once nationally, once with +49: one customer, not two guests.
    processing, pending = order(session, "1208"), order(session, "1209")
    assert (processing.status, pending.status) == ("paid", "pending")
    assert processing.customer_id == pending.customer_id
    assert session.get(Customer, processing.customer_id).phone == "+49301234567"
    refunded = order(session, "1210")
    assert (refunded.status, refunded.refunded_amount) == ("refunded", 1740)
    rejects = {line_no: (field, reason) for line_no, field, reason, _ in repository.iter_rejects(session, job.id)}
    assert rejects[7] == ("Quantity", "line 7: Quantity 'one' is not a whole number")
    assert rejects[8][0] == "Status" and "'Shipped somewhere' is not a WooCommerce order status" in rejects[8][1]
    again = run_import(session, SAMPLES / "woocommerce.csv", format="woocommerce", shop="woo")
    assert (again.stored_rows, again.orders_created) == (0, 0)


def test_lower_case_headers_and_a_tax_added_on_top(session):
    make_shop(session, code="woous", platform="woocommerce", currency="USD", timezone="America/New_York")
    session.flush()
    job = run_import(session, SAMPLES / "woocommerce_us_tax.csv", format="woocommerce", shop="woous")
    assert (job.orders_created, job.rejected_rows) == (1, 0)
    taxed = order(session, "3001")
    assert (taxed.goods_amount, taxed.tax_amount, taxed.taxes_included, taxed.paid_amount) == \
        (4000, 338, False, 4838)
    assert session.get(Customer, taxed.customer_id).phone == "+15415550123"
