"""Care through the messaging domain: each treated person's message is queued once in messaging's log (its key), a
person without consent is skipped with messaging's reason, and sending again queues nothing twice."""

from datetime import datetime, timedelta, timezone

from shopcx.care import service as care
from shopcx.care.service.delivery import messaging_deliverer
from shopcx.care.tables import CareRecipient
from shopcx.core import clock
from shopcx.messaging import service as messaging
from shopcx.staff.service import SYSTEM

from ..factories import make_order
from ..loyalty.factories import make_program
from .factories import buyer, template

T0 = datetime(2026, 5, 4, 2, 0, tzinfo=timezone.utc)


def test_campaign_messages_are_queued_in_messaging_once(session):
    shop, _ = make_program(session)
    with clock.frozen_at(T0 - timedelta(days=3)):
        for n in range(5):
            make_order(session, shop, customer=buyer(n), placed_at=T0 - timedelta(days=3))
    tpl = template(session, shop)
    campaign = care.save_campaign(session, shop, name="M", audience={"channel": "email"}, template_id=tpl.id,
                                  actor=SYSTEM, control_share=0.0)
    care.launch(session, shop, campaign, actor=SYSTEM, now=T0)
    # One buyer withdraws consent while the campaign is sending: messaging skips them, naming why.
    from shopcx.customers import service as customers

    withdrawn = session.query(CareRecipient).filter_by(source_id=campaign.id).order_by(CareRecipient.id).first()
    customers.set_consent(session, customers.get_customer(session, withdrawn.customer_id), "email", False,
                          source="buyer")
    deliver = messaging_deliverer()
    with clock.frozen_at(T0 + timedelta(minutes=1)):
        counts = care.send_due(session, deliver)
        again = care.send_due(session, deliver)
    assert counts == {"sent": 4, "skipped": 1} and again == {}
    assert withdrawn.reason == "no_consent"
    rows, total = messaging.list_messages(session, shop_ids=[shop.id], purpose="care_campaign")
    assert total == 5 and {m.ref_type for m in rows} == {"care_recipient"}
    assert sorted(m.status for m in rows) == ["queued"] * 4 + ["skipped"]
    assert all("顾客" in m.subject and "t***1" not in m.body for m in rows)
