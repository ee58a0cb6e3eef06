# ruff: noqa: F811  (the web suite's fixtures are imported below and used as test arguments)
"""PII views by export: a file that shows customers' contacts (or their words) unmasked is one row in the PII log,
naming the export and how many customers it carried, not one row per line; a file with them masked is none; the
privacy log page lists them beside the views of single customers."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from shopcx.core import clock
from shopcx.desk import service as desk
from shopcx.desk.service import promises
from shopcx.privacy.models import PiiView
from shopcx.staff.service import Actor

from ..factories import make_order, make_shop
from ..web.conftest import client, login, make_user  # noqa: F401

MANAGER = Actor(label="user:m", role="manager")


def _three_buyers(session):
    shop = make_shop(session, code="px", name="导出店")
    session.flush()
    orders = [make_order(session, shop, external_id=f"PX-{n}", customer={
        "source": "taobao", "external_id": f"px{n}", "name": f"买家{n}", "phone": f"1391234567{n}",
        "email": f"px{n}@example.com"}) for n in range(3)]
    return shop, orders


def _views(session):
    session.expire_all()
    return list(session.scalars(select(PiiView).order_by(PiiView.id)))


def test_an_export_with_contacts_is_one_pii_view_naming_it_and_its_customers(session, login):
    shop, orders = _three_buyers(session)
    # Two open promises to the first buyer, one to the second: 3 rows, 2 customers.
    ticket_a = desk.create_ticket(session, shop, channel="phone", subject="补发 13912345670", body="来电",
                                  assign=False, actor=MANAGER, order="PX-0")
    ticket_b = desk.create_ticket(session, shop, channel="phone", subject="退款", body="来电", assign=False,
                                  actor=MANAGER, order="PX-1")
    due = clock.now() + timedelta(days=2)
    for ticket, what in ((ticket_a, "明天补发"), (ticket_a, "后天回电 13912345670"), (ticket_b, "退款")):
        promises.make_promise(session, ticket, what=what, due_at=due, actor=MANAGER)
    session.flush()
    owner = login("owner", username="px-owner")
    at = datetime(2026, 3, 20, 2, 0, tzinfo=UTC)
    with clock.frozen_at(at):
        assert owner.get("/customers/export.xlsx").status_code == 200
        assert owner.get("/desk/promises.xlsx").status_code == 200
    views = _views(session)
    assert [(v.actor, v.customer_id, v.customers, v.fields, v.place) for v in views] == [
        ("user:px-owner", None, 3, "email,phone", "customers /customers/export.xlsx"),
        ("user:px-owner", None, 2, "text", "desk_promises /desk/promises.xlsx")]
    assert all(v.at == at for v in views)

    # Masked for a role without `pii`: nothing personal left the system, nothing is logged.
    ops = login("operations", username="px-ops")
    assert ops.get("/customers/export.xlsx").status_code == 200
    assert len(_views(session)) == 2

    # The privacy log page lists the exports (and a customer page view) newest first.
    owner = login("owner", username="px-owner2")
    assert owner.get(f"/customers/{orders[2].customer_id}").status_code == 200
    page = owner.get("/privacy/views").text
    assert "导出 · 3 位顾客" in page and "导出 · 2 位顾客" in page
    assert "邮箱、电话" in page and "email,phone" not in page  # what was shown, in the page's words
    assert "desk_promises /desk/promises.xlsx" in page and f'href="/customers/{orders[2].customer_id}"' in page
    assert page.index(f"/customers/{orders[2].customer_id}\"") < page.index("导出 · 2 位顾客")
    english = login("owner", username="px-owner3", locale="en").get("/privacy/views").text
    assert "Export · 3 customers" in english and "e-mail, phone" in english
    assert login("agent", username="px-agent").get("/privacy/views").status_code == 403
