# ruff: noqa: F811  (fixtures from other suites are imported below and used as test arguments)
"""An erased customer is never matched again: when their phone, e-mail or platform id arrives again, by an import
or a platform's webhook, a new customer is made (the erased record stays erased and empty), and when they come back
giving consent anew, the new record carries that consent. Erasing the one who came back works too."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from shopcx.customers.models import Customer
from shopcx.orders.models import Order
from shopcx.privacy import erasure
from shopcx.staff.service import Actor

from ..api.conftest import client, token  # noqa: F401
from ..api.platform_samples import shopify_customer, shopify_order
from ..api.test_platform_webhooks import deliver, shop  # noqa: F401
from ..factories import make_shop
from ..imports.helpers import run_import

OWNER = Actor(label="user:owner1", role="owner")
SUBSCRIBED = {"state": "subscribed", "opt_in_level": "single_opt_in",
              "consent_updated_at": "2026-03-08T12:00:00-05:00"}


def _customer(session, customer_id: int) -> Customer:
    session.expire_all()
    return session.get(Customer, customer_id)


def _consents(customer: Customer) -> dict[str, bool]:
    return {c.channel: c.granted for c in customer.consents}


def test_a_webhook_for_an_erased_platform_customer_makes_a_new_one_with_the_new_consent(client, shop, session):
    first = deliver(client, "customers/create", shopify_customer(updated_at="2026-03-06T11:00:00-05:00"),
                    delivery="c-1").json()["customer_id"]
    erasure.erase_customer(session, first, actor=OWNER, confirmed=True)
    session.flush()
    # The same Shopify customer (id, e-mail, phone) signs up again and subscribes to e-mail this time.
    again = deliver(client, "customers/update", shopify_customer(updated_at="2026-03-08T12:00:00-05:00",
                                                                 email_marketing_consent=SUBSCRIBED),
                    delivery="c-2")
    assert again.status_code == 200, again.text
    assert again.json()["created"] is True and again.json()["customer_id"] != first
    back = _customer(session, again.json()["customer_id"])
    assert (back.email, back.phone, back.erased_at) == ("mei.lin@example.com", "+15415550142", None)
    assert _consents(back) == {"email": True}
    gone = _customer(session, first)
    assert gone.erased_at is not None and (gone.email, gone.phone, gone.name) == (None, None, None)
    # Their next order goes to the new record, never to the erased one.
    deliver(client, "orders/create", shopify_order(), delivery="o-1")
    order = session.scalar(select(Order).where(Order.shop_id == shop.id))
    assert order.customer_id == back.id
    # Erased again (the same platform id, a second time): nothing of theirs is left and nothing collides.
    erasure.erase_customer(session, back.id, actor=OWNER, confirmed=True)
    session.flush()
    assert _customer(session, back.id).erased_at is not None
    third = deliver(client, "customers/update", shopify_customer(updated_at="2026-03-09T12:00:00-05:00"),
                    delivery="c-3").json()["customer_id"]
    assert third not in (first, back.id)


CUSTOMERS = """external_id,source,name,phone,email,consent_email
C001,,王芳,13800138000,wang.fang@example.com,{consent}
"""
ORDERS = ("order_id,placed_at,customer_id,customer_name,phone,email,sku,product_name,quantity,unit_price,status,"
          "currency\n{order},2026-03-0{day} 10:15:00,C001,王芳,13800138000,wang.fang@example.com,CUP-1,保温杯,1,"
          "49.90,completed,CNY\n")


def test_an_import_never_matches_the_erased_record_and_a_new_consent_makes_a_new_customer(session, tmp_path: Path):
    make_shop(session, code="cn", name="中国店")
    session.flush()
    path = tmp_path / "orders.csv"
    path.write_text(ORDERS.format(order="G1", day=1), encoding="utf-8")
    run_import(session, path, shop="cn")
    first = session.scalar(select(Order).where(Order.external_id == "G1")).customer_id
    erasure.erase_customer(session, first, actor=OWNER, confirmed=True)
    session.flush()
    # A later order export with the same buyer id, phone and e-mail: a new customer, not the erased one.
    path.write_text(ORDERS.format(order="G2", day=5), encoding="utf-8")
    job = run_import(session, path, shop="cn")
    assert job.customers_created == 1
    second = session.scalar(select(Order).where(Order.external_id == "G2")).customer_id
    assert second != first and _consents(_customer(session, second)) == {}
    # The buyer signs up again with e-mail consent (a customers file with the consent column): the record they
    # came back as gets it; the erased one stays empty.
    people = tmp_path / "customers.csv"
    people.write_text(CUSTOMERS.format(consent="yes"), encoding="utf-8")
    job = run_import(session, people, kind="customers", format="customers")
    assert (job.status, job.rejected_rows) == ("done", 0)
    matched = list(session.scalars(select(Customer).where(Customer.phone == "+8613800138000")))
    assert [c.id for c in matched] == [second] and _consents(matched[0]) == {"email": True}
    gone = _customer(session, first)
    assert gone.erased_at is not None and (gone.phone, gone.email, gone.name) == (None, None, None)
    assert _consents(gone) == {}


def test_a_customers_file_with_consent_for_an_erased_buyer_makes_a_new_customer(session, tmp_path: Path):
    people = tmp_path / "customers.csv"
    people.write_text(CUSTOMERS.format(consent="no"), encoding="utf-8")
    run_import(session, people, kind="customers", format="customers")
    first = session.scalar(select(Customer.id).where(Customer.phone == "+8613800138000"))
    erasure.erase_customer(session, first, actor=OWNER, confirmed=True)
    session.flush()
    people.write_text(CUSTOMERS.format(consent="yes"), encoding="utf-8")
    job = run_import(session, people, kind="customers", format="customers")
    assert job.customers_created == 1
    back = session.scalar(select(Customer).where(Customer.phone == "+8613800138000"))
    assert back.id != first and back.name == "王芳" and _consents(back) == {"email": True}
    # And erasing them again leaves two erased records, their platform ids hashed apart.
    erasure.erase_customer(session, back.id, actor=OWNER, confirmed=True)
    session.flush()
    assert _customer(session, back.id).erased_at is not None
