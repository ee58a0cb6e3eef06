# ruff: noqa: F811  (the web suite's fixtures are imported below and used as test arguments)
"""The desk's staff pages through TestClient: a ticket from a pasted 旺旺 chat, the ticket page (thread, reply
guard, status, assignment, order and shipment beside it), the list's filters and SLA badges, the settings, and who
may do what."""

from __future__ import annotations

import html
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from shopcx.core import clock
from shopcx.desk import service as desk
from shopcx.desk.models import Ticket, TicketMessage
from shopcx.staff.service import SYSTEM

from ..factories import make_order, make_shop
from ..web.conftest import client, login, make_user  # noqa: F401

THU = datetime(2026, 3, 5, 2, 0, tzinfo=UTC)  # Thu 5 Mar 2026 10:00 in Shanghai
CHAT = "[旺旺] 买家 tb_lily: 收到的保温杯盖子漏水\n[旺旺] 客服小王: 亲，麻烦拍个视频给我们看看"


@pytest.fixture
def shop(session):
    shop = make_shop(session, code="tm", name="天猫旗舰店")
    make_order(session, shop, external_id="4012345678901", shipments=[
        {"carrier": "圆通速递", "tracking_no": "YT8800123456", "shipped_at": "2026-03-02T03:00:00Z"}])
    session.flush()
    return shop


def create(agent, **fields):
    data = {"shop": "tm", "channel": "chat", "subject": "保温杯漏水", "body": CHAT, "order": "4012345678901",
            "priority": "normal", "category": "quality", "tags": "漏水，换货"} | fields
    return agent.post("/desk/new", data)


def test_a_ticket_from_a_pasted_chat_opens_next_to_its_order_and_shipment(session, shop, login):
    agent = login("agent", locale="zh")
    with clock.frozen_at(THU):
        made = create(agent)
        assert made.status_code == 303, made.text
        page = agent.get(made.headers["location"])
    assert page.status_code == 200
    text = html.unescape(page.text)
    assert "收到的保温杯盖子漏水" in text and "4012345678901" in text and "YT8800123456" in text
    assert "圆通速递" in text and "首次响应" in text and "对话" in text
    ticket = session.scalar(select(Ticket))
    assert ticket.owner_id == agent.user.id  # the only agent on the desk: round-robin gives it to them
    assert ticket.tags == ["换货", "漏水"] and ticket.category == "quality" and ticket.channel == "chat"


def test_an_unknown_order_is_refused_on_the_form_with_what_was_typed_kept(session, shop, login):
    agent = login("agent")
    refused = create(agent, order="999999")
    assert refused.status_code == 404
    assert "999999" in refused.text and "保温杯漏水" in refused.text and 'role="alert"' in refused.text
    assert session.scalar(select(func.count(Ticket.id))) == 0


def test_reply_guard_status_and_assignment_on_the_ticket_page(session, shop, login):
    agent = login("agent")
    with clock.frozen_at(THU):
        ticket_url = create(agent).headers["location"]
    ticket = session.scalar(select(Ticket))
    url = f"/desk/tickets/{ticket.id}"
    refused = agent.htmx_post(f"{url}/message", {"kind": "reply", "body": "亲，改好评送您5元红包"})
    assert refused.status_code == 422 and 'data-error-for="message"' in refused.text
    assert "改好评送您5元红包" in html.unescape(refused.text)  # kept in the form
    assert session.scalar(select(func.count(TicketMessage.id))) == 1
    ok = agent.htmx_post(f"{url}/message", {"kind": "reply", "body": "亲，非常抱歉，我们马上为您换一个新的。"})
    assert ok.status_code == 200 and "处理中" in ok.text
    no_cause = agent.htmx_post(f"{url}/status", {"status": "resolved", "root_cause": ""})
    assert no_cause.status_code == 422 and 'data-error-for="status"' in no_cause.text
    done = agent.htmx_post(f"{url}/status", {"status": "resolved", "root_cause": "密封圈批次不良"})
    assert done.status_code == 200 and "已解决" in done.text
    bad = agent.htmx_post(f"{url}/status", {"status": "waiting_us"})
    assert bad.status_code == 409
    moved = agent.post(f"{url}/assign", {"owner_id": "", "priority": "high", "category": "packaging"})
    assert moved.status_code == 303 and moved.headers["location"] == f"{url}?done=assign"
    session.refresh(ticket)
    assert ticket.owner_id is None and ticket.priority == "high" and ticket.category == "packaging"
    assert ticket_url == url


def test_the_list_filters_by_status_and_overdue_with_sla_badges(session, shop, login):
    agent = login("agent", locale="en")
    with clock.frozen_at(THU):
        create(agent, subject="Late ticket", order="")
    with clock.frozen_at(datetime(2026, 3, 9, 2, 0, tzinfo=UTC)):
        create(agent, subject="Fresh ticket", order="")
        page = agent.get("/desk?status=active")
        overdue = agent.get("/desk?status=active&overdue=1")
        resolved = agent.get("/desk?status=resolved")
    assert "Late ticket" in page.text and "Fresh ticket" in page.text
    assert page.text.count("dk-sla-breached") == 1 and page.text.count("dk-sla-ok") == 1
    assert "Late ticket" in overdue.text and "Fresh ticket" not in overdue.text
    assert "No tickets match." in resolved.text
    assert agent.get("/desk?priority=nope").status_code == 422


def test_who_may_do_what(session, shop, login):
    ticket = desk.create_ticket(session, shop, channel="phone", subject="来电投诉", body="买家来电", actor=SYSTEM,
                                assign=False)
    session.flush()
    analyst = login("analyst")
    assert analyst.get("/desk").status_code == 200
    assert analyst.get(f"/desk/tickets/{ticket.id}").status_code == 200
    assert analyst.post(f"/desk/tickets/{ticket.id}/message", {"kind": "note", "body": "x"}).status_code == 403
    assert analyst.get("/desk/settings").status_code == 403
    assert login("operations", username="ops").get("/desk").status_code == 403


def test_settings_policy_hours_and_holiday_table(session, shop, login):
    manager = login("manager")
    page = manager.get("/desk/settings?shop=tm")
    assert page.status_code == 200 and "SLA 策略" in page.text
    saved = manager.post("/desk/settings/policy", {"shop": "tm", "priority": "urgent", "channel": "",
                                                    "first_response": "20", "next_response": "60",
                                                    "resolution": "240"})
    assert saved.status_code == 303
    assert desk.targets_for(session, shop.id, "urgent", "phone") == (20, 60, 240)
    bad = manager.post("/desk/settings/policy", {"shop": "tm", "priority": "urgent", "first_response": "soon",
                                                  "next_response": "60", "resolution": "240"})
    assert bad.status_code == 422 and 'data-error-for="policy"' in bad.text and "soon" in bad.text
    holiday = manager.post("/desk/settings/holiday", {"shop": "tm", "day": "2027-02-06", "hours": "off",
                                                       "note": "2027 春节（预估）"})
    assert holiday.status_code == 303
    assert "2027-02-06" in manager.get("/desk/settings?shop=tm").text
    wrong = manager.post("/desk/settings/holiday", {"shop": "tm", "day": "2027-02-07", "hours": "9-18"})
    assert wrong.status_code == 422 and 'data-error-for="holiday"' in wrong.text
    hours = manager.post("/desk/settings/hours", {"shop": "tm", **{f"day{i}": "09:00-21:00" for i in range(6)},
                                                  "day6": ""})
    assert hours.status_code == 303
    assert desk.shop_calendar(session, shop).hours_on(datetime(2026, 3, 7).date()) == ((540, 1260),)
    assert login("agent").get("/desk/settings").status_code == 403


def test_an_unknown_next_year_is_warned_about_until_the_manager_confirms_it(session, shop, login):
    manager = login("manager", locale="en")
    # 6 Dec 2026: chinese-calendar 1.11.0 does not know 2027, so the desk says so on the list and the settings.
    with clock.frozen_at(datetime(2026, 12, 6, 4, 0, tzinfo=UTC)):
        listed = manager.get("/desk")
        assert "data-calendar-warning" in listed.text and "2027" in listed.text
        assert 'data-confirm-year="2027"' in manager.get("/desk/settings?shop=tm").text
        confirmed = manager.post("/desk/settings/confirm-year", {"shop": "tm", "year": "2027"})
        assert confirmed.status_code == 303
        assert "data-calendar-warning" not in manager.get("/desk").text
        assert manager.post("/desk/settings/confirm-year", {"shop": "tm", "year": "soon"}).status_code == 422
    assert desk.settings_of(session, shop.id).confirmed_years == [2027]
