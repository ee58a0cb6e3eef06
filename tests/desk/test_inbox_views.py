# ruff: noqa: F811  (the web suite's fixtures are imported below and used as test arguments)
"""The agent inbox's views (mine, unassigned, breaching soon, waiting on buyer, overdue): "breaching soon" is a
running clock past 75% of its target in working time, not in wall-clock time, held while the buyer is awaited;
the views are links with access keys, the list refreshes itself, and a Chinese inbox shows no English."""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime

import pytest

from shopcx.core import clock
from shopcx.desk import rules
from shopcx.desk import service as desk
from shopcx.desk.service import sla, views
from shopcx.staff.service import SYSTEM

from ..factories import make_shop
from ..web.conftest import client, login, make_user  # noqa: F401

# Shanghai, Mon–Fri 09:00–18:00 by default; a normal ticket's first response is due in 240 working minutes.
THU_10 = datetime(2026, 3, 5, 2, 0, tzinfo=UTC)  # Thu 5 Mar 2026 10:00 in Shanghai
FRI_17 = datetime(2026, 3, 6, 9, 0, tzinfo=UTC)  # Fri 6 Mar 2026 17:00 in Shanghai


@pytest.fixture
def shop(session):
    shop = make_shop(session, code="tm", name="天猫旗舰店")
    session.flush()
    return shop


def _ticket(session, shop, subject, at):
    return desk.create_ticket(session, shop, channel="phone", subject=subject, body="买家来电", actor=SYSTEM,
                              assign=False, now=at)


def _soon(session, at):
    rows, _ = views.search(session, views.TicketFilter(status="active", breaching_soon=True), now=at)
    return [t.subject for t in rows]


def test_the_warning_time_is_75_percent_of_the_target_in_working_minutes(session, shop):
    ticket = _ticket(session, shop, "周四来电", THU_10)
    first = sla.clocks(session, ticket)["first_response"]
    # 180 of 240 working minutes: Thu 13:00, due 14:00 in Shanghai
    assert first.warn_at == datetime(2026, 3, 5, 5, 0, tzinfo=UTC)
    assert first.due_at == datetime(2026, 3, 5, 6, 0, tzinfo=UTC)
    assert ticket.next_warn_at == first.warn_at and ticket.next_due_at == first.due_at
    calendar = desk.shop_calendar(session, shop)
    assert rules.working_minutes_between(calendar, first.started_at, first.warn_at) == 180


def test_breaching_soon_counts_working_time_across_a_weekend(session, shop):
    _ticket(session, shop, "周五傍晚来电", FRI_17)
    # one working hour on Friday, two more on Monday: the warning at Mon 11:00, due at Mon 12:00 (Shanghai)
    assert _soon(session, datetime(2026, 3, 7, 4, 0, tzinfo=UTC)) == []  # Saturday noon: no working time passed
    assert _soon(session, datetime(2026, 3, 9, 2, 59, tzinfo=UTC)) == []
    assert _soon(session, datetime(2026, 3, 9, 3, 30, tzinfo=UTC)) == ["周五傍晚来电"]
    late = datetime(2026, 3, 9, 4, 1, tzinfo=UTC)
    assert _soon(session, late) == []  # past due: overdue, no longer "soon"
    overdue, _ = views.search(session, views.TicketFilter(status="active", overdue=True), now=late)
    assert [t.subject for t in overdue] == ["周五傍晚来电"]


def test_waiting_on_the_buyer_is_not_breaching_and_their_reply_brings_the_clock_back(session, shop):
    ticket = _ticket(session, shop, "等买家照片", THU_10)
    at_warning = datetime(2026, 3, 5, 5, 30, tzinfo=UTC)
    assert _soon(session, at_warning) == ["等买家照片"]
    desk.transition(session, ticket, "open", actor=SYSTEM, now=THU_10)
    desk.transition(session, ticket, "waiting_buyer", actor=SYSTEM, now=at_warning)
    assert ticket.next_warn_at is None and _soon(session, datetime(2026, 3, 6, 2, 0, tzinfo=UTC)) == []
    # the buyer answers the next morning at 10:00: the 30 working minutes left run from there
    desk.add_message(session, ticket, "buyer", "照片发您了", actor=SYSTEM, now=datetime(2026, 3, 6, 2, 0, tzinfo=UTC))
    assert ticket.next_due_at == datetime(2026, 3, 6, 2, 30, tzinfo=UTC)
    assert _soon(session, datetime(2026, 3, 6, 2, 10, tzinfo=UTC)) == ["等买家照片"]


def test_tickets_opened_before_warning_times_were_kept_get_them_from_the_job(session, shop):
    ticket = _ticket(session, shop, "迁移前的工单", THU_10)
    for row in sla.clocks(session, ticket).values():
        row.warn_at = None
    ticket.next_warn_at = None  # as migration 0027 leaves the tickets already open
    session.flush()
    assert _soon(session, datetime(2026, 3, 5, 5, 30, tzinfo=UTC)) == []
    assert sla.fill_warn_times(session) == 1 and sla.fill_warn_times(session) == 0
    assert ticket.next_warn_at == datetime(2026, 3, 5, 5, 0, tzinfo=UTC)
    assert _soon(session, datetime(2026, 3, 5, 5, 30, tzinfo=UTC)) == ["迁移前的工单"]


def test_the_inbox_views_are_links_with_keys_and_the_list_refreshes_itself(session, shop, login):
    agent = login("agent", locale="zh")
    _ticket(session, shop, "快超时的工单", THU_10)
    _ticket(session, shop, "刚来的工单", datetime(2026, 3, 5, 5, 0, tzinfo=UTC))
    session.flush()
    with clock.frozen_at(datetime(2026, 3, 5, 5, 30, tzinfo=UTC)):
        page = agent.get("/desk?status=active&soon=1")
        part = agent.get("/desk?status=active&soon=1", headers={"HX-Request": "true"})
        export = agent.get("/desk/export.xlsx?status=active&soon=1")
    assert page.status_code == 200 and part.status_code == 200 and export.status_code == 200
    text = html.unescape(page.text)
    assert "快超时的工单" in text and "刚来的工单" not in text
    views_nav = re.search(r'<nav class="dk-tabs"[^>]*id="desk-views">(.*?)</nav>', text, re.S).group(1)
    for name, label in (("mine", "我的工单"), ("unassigned", "未分配"), ("breaching_soon", "即将超时"),
                        ("waiting_buyer", "等待买家"), ("overdue", "已超时")):
        assert f'data-view="{name}"' in views_nav and label in views_nav
    assert re.search(r'data-view="breaching_soon" accesskey="b"[^>]*aria-current="page"', views_nav)
    assert views_nav.count('aria-current="page"') == 1
    # the poller asks for the same filters again and comes back inside the results it replaces
    assert 'hx-get="/desk?status=active&soon=1" hx-trigger="every 30s"' in html.unescape(part.text)
    assert "每30秒自动刷新" in part.text
    visible = re.sub(r"<[^>]+>", " ", views_nav)
    assert not re.search(r"[A-Za-z]{3,}", visible), visible  # no English on the Chinese inbox's views

