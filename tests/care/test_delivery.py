"""Care through the messaging domain: each treated person's message is queued once in messaging's log (its key), a
person without consent is skipped with messaging's reason before anything is made for them, sending again queues
nothing twice, and a campaign's coupon goes only to people the message reaches (consent, topic, caps)."""

from datetime import datetime, timedelta, timezone

from shopcx.care import service as care
from shopcx.care.service.delivery import messaging_deliverer
from shopcx.care.tables import CareRecipient
from shopcx.core import clock
from shopcx.messaging import service as messaging
from shopcx.staff.service import SYSTEM

from ..factories import make_order
from ..loyalty.factories import make_program
from ..messaging.conftest import configured, smtp_server  # noqa: F401 (fixtures used as test arguments)
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
    assert total == 4 and {m.ref_type for m in rows} == {"care_recipient"}  # nothing rendered for the 5th
    assert sorted(m.status for m in rows) == ["queued"] * 4
    assert all("顾客" in m.subject and "t***1" not in m.body for m in rows)


def test_a_campaign_coupon_is_issued_only_to_people_the_message_reaches(session):
    from shopcx.customers import service as customers
    from shopcx.loyalty.service.spending import coupons

    shop, _ = make_program(session)
    with clock.frozen_at(T0 - timedelta(days=3)):
        for n in range(4):
            make_order(session, shop, customer=buyer(n), placed_at=T0 - timedelta(days=3))
    messaging.update_settings(session, shop.id, {"cap_day": 1, "quiet_start": "00:00", "quiet_end": "00:00"},
                              actor=SYSTEM)
    campaign = care.save_campaign(session, shop, name="Coupon", audience={"channel": "email"},
                                  template_id=template(session, shop).id, actor=SYSTEM, control_share=0.0,
                                  offer={"kind": "coupon", "amount_off": 1000})
    care.launch(session, shop, campaign, actor=SYSTEM, now=T0)
    rows = session.query(CareRecipient).filter_by(source_id=campaign.id).order_by(CareRecipient.id).all()
    withdrawn, muted, capped, reached = rows
    customers.set_consent(session, customers.get_customer(session, withdrawn.customer_id), "email", False,
                          source="buyer")
    customers.set_preferences(session, customers.get_customer(session, muted.customer_id),
                              {"muted_topics": ["offers"]})
    earlier = messaging.queue_message(session, shop_id=shop.id, customer_id=capped.customer_id, purpose="survey",
                                      occasion="x", channel="email", body="请评价").message
    earlier.status, earlier.sent_at = "sent", T0 - timedelta(hours=2)  # today's one message under cap_day=1
    session.flush()
    deliver = messaging_deliverer()
    with clock.frozen_at(T0 + timedelta(minutes=1)):
        counts = care.send_due(session, deliver)
    assert counts == {"skipped": 2, "queued": 1, "sent": 1}
    assert (withdrawn.reason, muted.reason) == ("no_consent", "topic_muted")
    assert (capped.status, capped.reason, capped.send_after) == ("queued", "frequency_cap", T0 + timedelta(hours=22))
    assert [r.coupon_code is not None for r in rows] == [False, False, False, True]
    issued, _ = coupons.list_coupons(session, shop.id, limit=50)
    assert [c.code for c in issued] == [reached.coupon_code]
    with clock.frozen_at(T0 + timedelta(hours=22, minutes=1)):  # the cap lets one more go: now the coupon
        assert care.send_due(session, deliver) == {"sent": 1}
    assert capped.coupon_code is not None and capped.reason is None


def test_two_messages_for_one_person_in_one_batch_pass_a_cap_of_one_once(session):
    """The caps' pre-check counts each recipient let through in the batch against the next for the same person:
    with cap_day=1 one coupon is issued, the other message waits for the cap and makes nothing yet."""
    from shopcx.loyalty.service.spending import coupons

    shop, _ = make_program(session)
    with clock.frozen_at(T0 - timedelta(days=3)):
        make_order(session, shop, customer=buyer(1), placed_at=T0 - timedelta(days=3))
    messaging.update_settings(session, shop.id, {"cap_day": 1, "quiet_start": "00:00", "quiet_end": "00:00"},
                              actor=SYSTEM)
    tpl = template(session, shop)
    for name in ("A", "B"):
        campaign = care.save_campaign(session, shop, name=name, audience={"channel": "email"}, template_id=tpl.id,
                                      actor=SYSTEM, control_share=0.0, offer={"kind": "coupon", "amount_off": 1000})
        care.launch(session, shop, campaign, actor=SYSTEM, now=T0)
    rows = session.query(CareRecipient).order_by(CareRecipient.id).all()
    assert len(rows) == 2 and rows[0].customer_id == rows[1].customer_id
    with clock.frozen_at(T0 + timedelta(minutes=1)):
        counts = care.send_due(session, messaging_deliverer())
    assert counts == {"sent": 1, "queued": 1}
    first, second = rows
    assert first.coupon_code is not None and second.coupon_code is None
    assert (second.reason, second.send_after) == ("frequency_cap", T0 + timedelta(days=1, minutes=1))
    issued, _ = coupons.list_coupons(session, shop.id, limit=50)
    assert [c.code for c in issued] == [first.coupon_code]


def test_a_campaign_email_is_text_and_html_each_with_the_unsubscribe_and_preference_links(
        session, configured, smtp_server):  # noqa: F811 (the fixtures imported above)
    import re

    from shopcx.messaging.sender import send_due
    from shopcx.messaging.service import preferences

    shop, _ = make_program(session)
    with clock.frozen_at(T0 - timedelta(days=3)):
        make_order(session, shop, customer=buyer(1), placed_at=T0 - timedelta(days=3))
    messaging.update_settings(session, shop.id, {"quiet_start": "00:00", "quiet_end": "00:00"}, actor=SYSTEM)
    campaign = care.save_campaign(session, shop, name="HTML", audience={"channel": "email"},
                                  template_id=template(session, shop).id, actor=SYSTEM, control_share=0.0)
    care.launch(session, shop, campaign, actor=SYSTEM, now=T0)
    with clock.frozen_at(T0 + timedelta(minutes=1)):
        assert care.send_due(session, messaging_deliverer()) == {"sent": 1}
        session.commit()
        assert send_due().sent == 1
    (mail,) = smtp_server.inbox.to("b1@example.com")
    assert mail.get_content_type() == "multipart/alternative"
    text = mail.get_body(("plain",)).get_content()
    page = mail.get_body(("html",)).get_content()
    assert "顾客1，" in text and "顾客1，" in page  # the same words in both
    for part in (text, page):
        assert "https://cx.example.com/msg/u/" in part
    assert re.search(r'<a href="https://cx\.example\.com/msg/u/[^"]+" style="color:#666;">退订</a>', page)
    token = re.search(r'<a href="https://cx\.example\.com/msg/p/([^"]+)" style="color:#666;">选择您想收到的消息</a>',
                      page).group(1)
    with clock.frozen_at(T0 + timedelta(minutes=2)):  # a preference link is valid for 180 days
        assert preferences.customer_for(session, token).name == "顾客1"
    assert re.search(r"选择您想收到的消息：https://cx\.example\.com/msg/p/\S+", text)
