# ruff: noqa: F811  (fixtures from other suites are imported below and used as test arguments)
"""The home page's work figures and today's list: promises due and overdue (desk register), callbacks due (care),
sends that failed in the last 7 days (messaging), the latest campaign's uplift with its interval (care) and the
ECSI satisfaction index (surveys), each with hand-worked values, and left out when their source has no data."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from shopcx.care import service as care
from shopcx.care.service import callbacks
from shopcx.care.service.sending import finish_campaigns
from shopcx.core import clock
from shopcx.dashboard import attention
from shopcx.dashboard import figures as loop
from shopcx.desk.models import Ticket
from shopcx.desk.service import promises
from shopcx.messaging import service as messaging
from shopcx.staff.service import SYSTEM, Actor

from ..care.factories import buyer, collect, template
from ..factories import make_order, make_shop
from ..loyalty.factories import make_program
from ..messaging.conftest import configured, smtp_server  # noqa: F401
from ..surveys.factories import ecsi_by_hand, ecsi_rows, store_answers
from ..web.conftest import client, login, make_user  # noqa: F401
from .test_home import NOW, cst, loop_shop  # noqa: F401

MANAGER = Actor(label="user:manager1", role="manager")
EVERYTHING = {"can": lambda _p: True}


def _figures(session, shop):
    with clock.frozen_at(NOW):
        return {f.key: f for f in loop.figures(session, [shop], shop, **EVERYTHING)}


def _items(session, shop):
    with clock.frozen_at(NOW):
        return attention.attention(session, [shop], shop, **EVERYTHING)


def test_no_promises_callbacks_sends_campaigns_or_index_no_cards(session, loop_shop):
    found = _figures(session, loop_shop)
    assert not {"promises_due", "promises_overdue", "callbacks_due", "failed_sends", "campaign_uplift",
                "satisfaction_index"} & found.keys()
    assert not {"promise_due", "callback_due", "send_failed"} & {i.kind for i in _items(session, loop_shop)}


def test_promises_due_today_and_overdue(session, loop_shop):
    ticket = session.query(Ticket).filter_by(subject="杯盖漏水").one()
    # NOW is Fri 20 Mar 10:00 in Shanghai. Made on Thursday: one due 09:00 today (overdue, the job has not broken
    # it yet), one due 18:00 today, one due Sunday; one kept earlier.
    made = cst(2026, 3, 19, 9, 0)
    late = promises.make_promise(session, ticket, what="今早九点前回电", due_at=cst(2026, 3, 20, 9, 0), actor=MANAGER,
                                 now=made)
    promises.make_promise(session, ticket, what="今天补发杯盖", due_at=cst(2026, 3, 20, 18, 0), actor=MANAGER, now=made)
    promises.make_promise(session, ticket, what="周日前退款", due_at=cst(2026, 3, 22, 12, 0), actor=MANAGER, now=made)
    kept = promises.make_promise(session, ticket, what="发送单号", due_at=cst(2026, 3, 19, 12, 0), actor=MANAGER,
                                 now=made)
    promises.close_promise(session, kept.id, kept=True, evidence="单号 SF123", actor=MANAGER, now=made)
    found = _figures(session, loop_shop)
    assert found["promises_due"].value == 2 and found["promises_overdue"].value == 1
    assert found["promises_due"].href == "/desk/promises?shop=loop"
    items = [i for i in _items(session, loop_shop) if i.kind == "promise_due"]
    assert [(i.title, i.urgent) for i in items] == [("今早九点前回电", True), ("今天补发杯盖", False)]
    assert items[0].href == f"/desk/tickets/{ticket.id}" and items[0].due_at == clock.as_utc(late.due_at)


def test_callbacks_due_today(session, loop_shop):
    today = datetime(2026, 3, 20).date()  # NOW's day in Shanghai
    with clock.frozen_at(NOW - timedelta(hours=3)):
        for n in (1, 2):
            make_order(session, loop_shop, customer=buyer(n), placed_at=NOW - timedelta(hours=3),
                       lines=[{"sku": "TV", "name": "电视", "quantity": 1, "unit_price_amount": 250_000}])
    with clock.frozen_at(NOW):
        made = callbacks.plan_calls(session, loop_shop, today=today, large_order_amount=200_000)
        assert made["large_order"] == 2 and sum(made.values()) == 2
        tasks, _ = callbacks.due_list(session, shop_id=loop_shop.id, today=today, user_id=None)
        # The second buyer did not answer: their call moves to tomorrow; one call is due today out of two open.
        callbacks.record_outcome(session, tasks[1][0], "no_answer", actor=SYSTEM, today=today)
    found = _figures(session, loop_shop)
    assert (found["callbacks_due"].value, found["callbacks_due"].n) == (1, 2)
    items = [i for i in _items(session, loop_shop) if i.kind == "callback_due"]
    assert [(i.title, i.href) for i in items] == [("顾客1", f"/care/callbacks/{tasks[0][0].id}")]


def test_failed_sends_in_the_last_seven_days(session, loop_shop, configured, smtp_server, login):
    other = make_shop(session, code="other", name="别家店")
    session.flush()

    def send(at, answer=None, shop=loop_shop):
        if answer:
            smtp_server.inbox.answers.append(answer)
        with clock.frozen_at(at):
            return messaging.send_test(session, shop_id=shop.id, channel="email", address="me@example.com",
                                       subject="测试", body="测试", actor=MANAGER)

    assert send(NOW - timedelta(days=8), "554 5.0.0 rejected").status == "failed"  # before the 7 days
    assert send(NOW - timedelta(days=2), "554 5.0.0 rejected").status == "failed"
    assert send(NOW - timedelta(hours=1), "554 5.0.0 rejected").status == "failed"
    assert send(NOW - timedelta(minutes=30)).status == "sent"
    bounced = send(NOW - timedelta(minutes=20))
    with clock.frozen_at(NOW - timedelta(minutes=10)):  # accepted, then the receiving server's report: it bounced
        messaging.record_bounce(session, "email", bounced.address, "550 5.1.1 mailbox gone", message_id=bounced.id)
    assert send(NOW - timedelta(hours=2), "554 5.0.0 rejected", shop=other).status == "failed"  # another shop's
    found = _figures(session, loop_shop)
    assert found["failed_sends"].value == 3 and found["failed_sends"].higher_is_better is False
    assert found["failed_sends"].href == f"/messages?status=undelivered&days=7&shop={loop_shop.id}"
    items = [i for i in _items(session, loop_shop) if i.kind == "send_failed"]
    assert [(i.vars, i.href) for i in items] == [({"n": 3, "days": 7}, found["failed_sends"].href)]
    # All shops: the other shop's failure counts too, and the card links to the log of every shop.
    with clock.frozen_at(NOW):
        every = {f.key: f for f in loop.figures(session, [loop_shop, other], None, **EVERYTHING)}
        every_items = [i for i in attention.attention(session, [loop_shop, other], None, **EVERYTHING)
                       if i.kind == "send_failed"]
    assert (every["failed_sends"].value, every["failed_sends"].href) == (4, "/messages?status=undelivered&days=7")
    assert [(i.vars["n"], i.href) for i in every_items] == [(4, every["failed_sends"].href)]
    # The message log each card links to lists the same messages as the card counts: the shop's three, all four.
    owner = login("owner")
    with clock.frozen_at(NOW):
        one_log = owner.get(found["failed_sends"].href).text
        all_log = owner.get(every["failed_sends"].href).text
    assert one_log.count('<td data-label="消息编号">') == 3
    assert all_log.count('<td data-label="消息编号">') == 4
    assert '<option value="undelivered" selected>未送达（失败或退回）' in one_log


def test_campaign_uplift_of_the_latest_finished_campaign_with_its_interval(session, login):
    shop, _ = make_program(session)
    t0 = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)
    with clock.frozen_at(t0 - timedelta(days=30)):
        for i in range(20):
            make_order(session, shop, customer=buyer(i), placed_at=t0 - timedelta(days=30))
    campaign = care.save_campaign(session, shop, name="春季回购", audience={"channel": "email"},
                                  template_id=template(session, shop).id, actor=SYSTEM, control_share=0.3,
                                  window_days=7)
    care.launch(session, shop, campaign, actor=SYSTEM, now=t0)
    with clock.frozen_at(t0 + timedelta(minutes=1)):
        care.send_due(session, collect()[1])
        finish_campaigns(session)
    from shopcx.care.tables import CareRecipient
    from shopcx.customers.models import CustomerIdentity

    rows = session.query(CareRecipient).filter_by(source_id=campaign.id).all()
    treated = [r for r in rows if r.grp == "treatment"]
    for r in treated:  # every treated buyer spends ¥100 in the window, nobody in control buys
        ext = session.query(CustomerIdentity.external_id).filter_by(customer_id=r.customer_id).scalar()
        make_order(session, shop, customer=buyer(int(ext.rsplit("-", 1)[1])), placed_at=t0 + timedelta(days=2),
                   lines=[{"sku": "A", "name": "A", "quantity": 1, "unit_price_amount": 10_000}])
    with clock.frozen_at(t0 + timedelta(days=10)):
        found = {f.key: f for f in loop.figures(session, [shop], shop, **EVERYTHING)}
    # Incremental revenue = (¥100 − ¥0 revenue per person) × the treated; every bootstrap resample has the same
    # difference (all treated spent ¥100, no one in control bought), so the 95% interval is that single point.
    uplift = found["campaign_uplift"]
    assert uplift.value == {"CNY": 10_000 * len(treated)} and uplift.n == len(rows)
    assert uplift.interval == [10_000 * len(treated)] * 2
    assert uplift.href == f"/care/campaigns/{campaign.id}"
    owner = login("owner")
    with clock.frozen_at(t0 + timedelta(days=10)):
        card = owner.get(f"/?shop={shop.id}").text
    card = card[card.index('id="figure-campaign_uplift"'):]
    assert "最近活动增量收入" in card and "95% 区间" in card


def test_satisfaction_index_of_an_estimated_ecsi_survey(session, shared_data):
    from shopcx.surveys import service as surveys

    shop = make_shop(session, code="ecsi", name="满意店")
    survey = surveys.create_from_preset(session, shop.id, "ecsi", actor=SYSTEM)
    version = surveys.publish(session, survey, actor=SYSTEM)
    rows = ecsi_rows(shared_data)  # two waves: the first 125 respondents a month ago, the rest now
    store_answers(session, shop.id, survey, version, rows[:125], at=NOW - timedelta(days=30), wave="2026-02")
    store_answers(session, shop.id, survey, version, rows[125:], at=NOW, wave="2026-03")
    found = _figures(session, shop)
    # by hand: a wave's index is the mean of its respondents' Σ(w/Σw)·x over the SAT items (0–100), with the
    # weights of the model over all answers
    _, per_person = ecsi_by_hand(rows)
    index = found["satisfaction_index"]
    assert index.value == pytest.approx(per_person[125:].mean(), abs=0.05)
    assert index.previous == pytest.approx(per_person[:125].mean(), abs=0.05)
    assert index.n == 125 and index.unit == "index" and index.href == f"/surveys/{survey.id}"
