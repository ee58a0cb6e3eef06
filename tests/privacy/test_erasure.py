"""Erasure: the buyer's identifying data is removed or replaced everywhere (a scan of every text column finds
neither the old phone, e-mail nor name), amounts and ledger lines stay, `customer_erased` is handled, the audit log
says that an erasure happened and not what, an open ticket asks first, and a later import never matches the
erased record."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from shopcx.core import clock
from shopcx.core.errors import Conflict
from shopcx.core.events import OutboxEvent
from shopcx.customers import service as customers
from shopcx.customers.models import Customer
from shopcx.desk import service as desk
from shopcx.loyalty.models import PointsEntry
from shopcx.messaging.models import Message, Suppression
from shopcx.orders.models import Order
from shopcx.privacy import erasure
from shopcx.reviews.models import Review
from shopcx.staff.models import AuditLog
from shopcx.staff.service import SYSTEM, Actor

from ..factories import make_order, make_shop
from ..loyalty.factories import make_program
from .helpers import leftovers

OWNER = Actor(label="user:owner1", role="owner")
PHONE, EMAIL, NAME, NICK = "13912345678", "zhang.wei@example.com", "张伟", "zw_taobao_88"


def _buyer(session):
    shop = make_shop(session, code="pv", name="隐私店")
    session.flush()
    make_program(session, shop)
    customer_data = {"source": "taobao", "external_id": NICK, "name": NAME, "nickname": NICK, "phone": PHONE,
                     "email": EMAIL, "province": "浙江", "city": "杭州", "tags": ["VIP"]}
    with clock.frozen_at(datetime(2026, 3, 1, 2, tzinfo=UTC)):
        order = make_order(session, shop, external_id="PV-1", status="completed", customer=customer_data,
                           buyer_note=f"请打电话 {PHONE}")
    customer = customers.get_customer(session, order.customer_id)
    from shopcx.reviews import service as reviews
    from shopcx.reviews.schemas import ReviewIn

    reviews.record_review(session, shop, ReviewIn.model_validate(
        {"external_id": "PV-R1", "order_external_id": "PV-1", "stars": 1, "text": f"{NAME}说杯子漏水",
         "reviewer_name": NICK, "reviewed_at": datetime(2026, 3, 5, 2, tzinfo=UTC)}), actor=SYSTEM, source="api")
    ticket = desk.create_ticket(session, shop, channel="phone", subject=f"{NAME} 换货",
                                body=f"我是{NAME}，电话 {PHONE}，邮箱 {EMAIL}", actor=OWNER, order="PV-1",
                                assign=False, now=datetime(2026, 3, 6, 2, tzinfo=UTC))
    desk.add_message(session, ticket, "note", f"已回电 {PHONE}", actor=OWNER)
    now = clock.now()
    session.add_all([
        Message(key=f"care:{customer.id}:birthday", shop_id=shop.id, customer_id=customer.id, purpose="care",
                occasion="birthday", channel="email", address=EMAIL, subject=f"{NAME}，生日快乐",
                body=f"亲爱的{NAME}：生日快乐！", status="sent", attempts=1, next_attempt_at=now, queued_at=now,
                sent_at=now),
        Suppression(channel="email", address=EMAIL, reason=f"{NAME} unsubscribed", created_at=now)])
    session.flush()
    return shop, customer, ticket


def test_erasure_leaves_nothing_identifying_and_keeps_amounts(session):
    _, customer, ticket = _buyer(session)
    assert leftovers(session, [PHONE, EMAIL, NAME])  # the scan does find them before
    paid = session.scalar(select(func.sum(Order.paid_amount)).where(Order.customer_id == customer.id))
    points = session.scalar(select(func.count(PointsEntry.id)))
    with pytest.raises(Conflict) as asked:
        erasure.erase_customer(session, customer.id, actor=OWNER)
    assert asked.value.code == "erase_needs_confirmation" and f"ticket #{ticket.id}" in asked.value.message
    result = erasure.erase_customer(session, customer.id, actor=OWNER, confirmed=True)
    assert result["open_items_confirmed"] == 1
    assert leftovers(session, [PHONE, EMAIL, NAME, NICK]) == []
    # Money and ledger lines are untouched.
    assert session.scalar(select(func.sum(Order.paid_amount)).where(Order.customer_id == customer.id)) == paid
    assert session.scalar(select(func.count(PointsEntry.id))) == points
    review = session.scalar(select(Review).where(Review.customer_id == customer.id))
    assert review.stars == 1 and review.text is None  # the reviews domain's customer_erased handler ran
    event = session.scalar(select(OutboxEvent).where(OutboxEvent.topic == "customer_erased"))
    assert event.aggregate_id == customer.id and event.processed_at is not None
    entry = session.scalar(select(AuditLog).where(AuditLog.action == "customer.erase"))
    assert entry.entity_id == str(customer.id) and entry.changes == {"request": None}
    assert session.get(Customer, customer.id).erased_at is not None


def test_a_later_import_never_matches_the_erased_record(session):
    shop, customer, _ = _buyer(session)
    erasure.erase_customer(session, customer.id, actor=OWNER, confirmed=True)
    again = make_order(session, shop, external_id="PV-2", customer={"source": "taobao", "external_id": NICK,
                                                                    "name": NAME, "phone": PHONE})
    assert again.customer_id != customer.id
    assert session.get(Customer, customer.id).phone is None


def test_export_holds_everything_about_the_buyer(session):
    import io
    import json
    import zipfile

    _, customer, _ = _buyer(session)
    data = erasure.export_zip(session, customer.id, actor=OWNER)
    archive = zipfile.ZipFile(io.BytesIO(data))
    names = set(archive.namelist())
    assert {"data.json", "customer.csv", "order.csv", "order_line.csv", "review.csv", "ticket.csv"} <= names
    tables = json.loads(archive.read("data.json"))
    assert tables["customer"][0]["phone"] == "+8613912345678" and tables["order"][0]["external_id"] == "PV-1"
    assert all(m["kind"] != "note" for m in tables["ticket_message"])  # staff notes are internal
    assert archive.read("customer.csv").decode("utf-8-sig").startswith("id,")


def test_what_the_desk_webhooks_keep_of_the_buyer_is_scrubbed_too(session):
    from shopcx.core import jobs
    from shopcx.desk.webhooks import service as hooks

    shop, customer, ticket = _buyer(session)
    hooks.save_subscription(session, shop, url="http://127.0.0.1:9/erp", events=["ticket.replied"], pii=True,
                            actor=OWNER)
    desk.add_message(session, ticket, "reply", "您好，已为您安排换货", actor=OWNER)
    session.flush()
    jobs.dispatch_outbox()  # the body is kept for its tries (the receiver is not listening)
    assert any(found.startswith("desk_webhook_delivery.body") for found in leftovers(session, [NAME]))
    erasure.erase_customer(session, customer.id, actor=OWNER, confirmed=True)
    assert leftovers(session, [PHONE, EMAIL, NAME, NICK]) == []
