"""Tickets on the database: the one status transition, the SLA clocks on the shop's calendar (holiday table,
调休, pauses while waiting on the buyer, a priority raised while open), round-robin assignment, the outgoing guard.

Shanghai is UTC+8; 1 Mar 2026 is a Sunday; 春节 2026 off 15–23 Feb, 调休 working Sat 14 and Sat 28 Feb.
"""

from __future__ import annotations

from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from shopcx.core.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from shopcx.desk import service as desk
from shopcx.desk.models import Ticket, TicketMessage
from shopcx.staff import service as staff
from shopcx.staff.service import Actor

from ..factories import make_order, make_shop

UTC = timezone.utc
SHANGHAI = ZoneInfo("Asia/Shanghai")
MANAGER = Actor(label="经理", role="manager")
ANALYST = Actor(label="分析", role="analyst")


def cst(*args) -> datetime:
    """A Shanghai wall-clock time as UTC."""
    return datetime(*args, tzinfo=SHANGHAI).astimezone(UTC)


@pytest.fixture
def shop(session):
    shop = make_shop(session, code="cx")
    session.flush()
    desk.save_policy(session, shop, priority="normal", channel=None, first_response=120, next_response=240,
                     resolution=720, actor=MANAGER)
    return shop


def new_ticket(session, shop, at, **kw):
    values = {"channel": "phone", "subject": "保温杯漏水", "body": "买家来电：杯盖漏水，要求换货。"} | kw
    return desk.create_ticket(session, shop, actor=MANAGER, assign=False, now=at, **values)


def due(session, ticket, metric):
    return desk.sla.clocks(session, ticket)[metric].due_at


def test_first_response_due_runs_onto_a_makeup_saturday(session, shop):
    # Fri 13 Feb 17:00: 60 min on Friday, then Sat 14 Feb is 调休: 09:00 + 60 = 10:00 (02:00Z).
    ticket = new_ticket(session, shop, cst(2026, 2, 13, 17, 0))
    assert due(session, ticket, "first_response") == cst(2026, 2, 14, 10, 0)
    # Resolution 720 min: Fri 60, Sat 540 (600), then 春节 until Mon 23; Tue 24 Feb 09:00 + 120 = 11:00.
    assert due(session, ticket, "resolution") == cst(2026, 2, 24, 11, 0)


def test_the_managers_holiday_table_moves_due_times(session, shop):
    desk.set_holiday(session, shop, date(2026, 3, 6), "off", actor=MANAGER, note="店庆休息")
    # Thu 5 Mar 17:00 + 120: Thu 60, Fri 6 Mar off by the table, Mon 9 Mar 09:00 + 60 = 10:00.
    ticket = new_ticket(session, shop, cst(2026, 3, 5, 17, 0))
    assert due(session, ticket, "first_response") == cst(2026, 3, 9, 10, 0)
    # A worked Sunday in the table (hours of its own) counts too.
    desk.set_holiday(session, shop, date(2026, 3, 8), "10:00-12:00", actor=MANAGER)
    other = new_ticket(session, shop, cst(2026, 3, 5, 17, 0))
    assert due(session, other, "first_response") == cst(2026, 3, 8, 11, 0)
    with pytest.raises(InvalidInput) as bad:
        desk.set_holiday(session, shop, date(2026, 3, 9), "9-18", actor=MANAGER)
    assert bad.value.field == "hours"
    with pytest.raises(PermissionDenied):
        desk.set_holiday(session, shop, date(2026, 3, 9), "off", actor=Actor(label="a", role="agent"))


def test_unknown_years_are_unconfirmed_until_the_manager_confirms_them(session, shop):
    calendar = desk.shop_calendar(session, shop)
    assert calendar.unconfirmed_days(date(2027, 1, 1), date(2027, 1, 1)) == [date(2027, 1, 1)]
    desk.confirm_year(session, shop, 2027, actor=MANAGER)
    assert desk.shop_calendar(session, shop).unconfirmed_days(date(2027, 1, 1), date(2027, 1, 3)) == []


def test_waiting_on_the_buyer_pauses_the_clocks_and_their_reply_resumes_them(session, shop):
    at = cst(2026, 3, 5, 10, 0)  # Thursday
    ticket = new_ticket(session, shop, at)
    desk.add_message(session, ticket, "reply", "您好，麻烦拍一下漏水的位置。", actor=MANAGER,
                     now=cst(2026, 3, 5, 10, 30))
    assert ticket.status == "open" and ticket.first_response_at == cst(2026, 3, 5, 10, 30)
    assert desk.sla.clocks(session, ticket)["first_response"].breached is False
    # Resolution 720 min without pauses: Thu 480 + Fri 240 → Fri 13:00.
    assert due(session, ticket, "resolution") == cst(2026, 3, 6, 13, 0)
    desk.transition(session, ticket, "waiting_buyer", actor=MANAGER, now=cst(2026, 3, 6, 12, 0))
    assert due(session, ticket, "resolution") is None  # held: not known until the buyer answers
    state = desk.states(session, ticket, now=cst(2026, 3, 8, 12, 0))["resolution"]
    assert state.paused and state.elapsed_minutes == 660 and state.status == "warning"
    # The buyer answers Mon 9 Mar 10:00: open again, 60 min left → 11:00; the next response clock starts.
    desk.add_message(session, ticket, "buyer", "照片发您了", actor=MANAGER, now=cst(2026, 3, 9, 10, 0))
    assert ticket.status == "open"
    assert due(session, ticket, "resolution") == cst(2026, 3, 9, 11, 0)
    assert due(session, ticket, "next_response") == cst(2026, 3, 9, 14, 0)


def test_a_priority_raised_while_open_tightens_the_running_clocks(session, shop):
    desk.save_policy(session, shop, priority="urgent", channel=None, first_response=30, next_response=60,
                     resolution=240, actor=MANAGER)
    ticket = new_ticket(session, shop, cst(2026, 3, 5, 10, 0))
    assert due(session, ticket, "first_response") == cst(2026, 3, 5, 12, 0)
    desk.set_priority(session, ticket, "urgent", actor=MANAGER, now=cst(2026, 3, 5, 10, 10))
    assert due(session, ticket, "first_response") == cst(2026, 3, 5, 10, 30)
    # A policy changed for the channel reaches the open ticket too.
    desk.save_policy(session, shop, priority="urgent", channel="phone", first_response=15, next_response=60,
                     resolution=240, actor=MANAGER)
    assert due(session, ticket, "first_response") == cst(2026, 3, 5, 10, 15)
    with pytest.raises(InvalidInput) as bad:
        desk.save_policy(session, shop, priority="urgent", channel=None, first_response="0", next_response=60,
                         resolution=240, actor=MANAGER)
    assert bad.value.field == "first_response_minutes"


def test_the_allowed_moves_and_a_refused_one_that_changes_nothing(session, shop):
    ticket = new_ticket(session, shop, cst(2026, 3, 5, 10, 0))
    with pytest.raises(Conflict) as refused:
        desk.transition(session, ticket, "closed", actor=MANAGER)
    assert refused.value.field == "status" and ticket.status == "new"
    for step in ("open", "waiting_us", "waiting_buyer", "open"):
        desk.transition(session, ticket, step, actor=MANAGER, now=cst(2026, 3, 5, 11, 0))
    with pytest.raises(InvalidInput) as cause:
        desk.transition(session, ticket, "resolved", actor=MANAGER)
    assert cause.value.field == "root_cause" and ticket.status == "open"
    desk.transition(session, ticket, "resolved", actor=MANAGER, root_cause="杯盖密封圈批次不良",
                    now=cst(2026, 3, 5, 15, 0))
    resolution = desk.sla.clocks(session, ticket)["resolution"]
    assert resolution.stopped_at == cst(2026, 3, 5, 15, 0) and resolution.breached is False
    # The buyer writes again: reopened, the resolution clock runs on without counting the resolved stretch.
    desk.add_message(session, ticket, "buyer", "换的新杯子还是漏", actor=MANAGER, now=cst(2026, 3, 6, 9, 0))
    assert ticket.status == "reopened" and ticket.resolved_at is None
    # Used Thu 10:00–15:00 = 300 of 720; from Fri 09:00, 420 more → 16:00.
    assert due(session, ticket, "resolution") == cst(2026, 3, 6, 16, 0)
    desk.transition(session, ticket, "resolved", actor=MANAGER, now=cst(2026, 3, 6, 10, 0))  # cause kept
    desk.transition(session, ticket, "closed", actor=MANAGER, now=cst(2026, 3, 7, 10, 0))
    with pytest.raises(Conflict):
        desk.transition(session, ticket, "reopened", actor=MANAGER)
    with pytest.raises(Conflict):
        desk.add_message(session, ticket, "buyer", "还在吗", actor=MANAGER)
    steps = [(e.before, e.after) for e in desk.history(session, ticket) if e.kind == "status"]
    assert steps[0] == (None, "new") and steps[-3:] == [("resolved", "reopened"), ("reopened", "resolved"),
                                                         ("resolved", "closed")]
    with pytest.raises(PermissionDenied):
        desk.transition(session, new_ticket(session, shop, cst(2026, 3, 5, 10, 0)), "open", actor=ANALYST)


def test_a_reply_that_breaks_the_platform_rules_is_refused_and_nothing_is_stored(session, shop):
    ticket = new_ticket(session, shop, cst(2026, 3, 5, 10, 0))
    before = session.scalar(select(func.count(TicketMessage.id)))
    with pytest.raises(InvalidInput) as refused:
        desk.add_message(session, ticket, "reply", "亲，改好评送您5元红包", actor=MANAGER)
    assert refused.value.field == "body"
    assert session.scalar(select(func.count(TicketMessage.id))) == before and ticket.status == "new"
    assert ticket.first_response_at is None
    # An internal note is not sent to the buyer: the guard does not apply.
    desk.add_message(session, ticket, "note", "买家要求改好评送红包，已拒绝", actor=MANAGER)


def test_a_ticket_for_an_order_brings_its_customer_and_shipment(session, shop):
    order = make_order(session, shop, external_id="3891245567120", shipments=[
        {"carrier": "中通快递", "tracking_no": "ZT7712345678", "shipped_at": "2026-03-02T02:00:00Z"}])
    ticket = new_ticket(session, shop, cst(2026, 3, 5, 10, 0), order="3891245567120", channel="chat",
                        body="[旺旺] 买家: 杯子漏水了\n[旺旺] 客服: 亲，稍等帮您查一下")
    assert ticket.order_id == order.id and ticket.customer_id == order.customer_id
    assert ticket.shipment_id == order.shipments[0].id
    count = session.scalar(select(func.count(Ticket.id)))
    with pytest.raises(NotFound) as unknown:
        new_ticket(session, shop, cst(2026, 3, 5, 10, 0), order="999")
    assert unknown.value.field == "order" and session.scalar(select(func.count(Ticket.id))) == count
    with pytest.raises(InvalidInput) as channel:
        new_ticket(session, shop, cst(2026, 3, 5, 10, 0), channel="fax")
    assert channel.value.field == "channel"


def test_round_robin_among_active_agents_and_reassignment_keeps_history(session, shop):
    agents = [staff.create_user(session, username=f"agent{i}", password="correct horse 9", role="agent").id
              for i in range(3)]
    staff.create_user(session, username="boss", password="correct horse 9", role="manager")
    owners = [desk.create_ticket(session, shop, channel="phone", subject=f"问题{i}", body="来电", actor=MANAGER,
                                 now=cst(2026, 3, 5, 10, i)).owner_id for i in range(4)]
    assert owners == [agents[0], agents[1], agents[2], agents[0]]
    ticket = session.scalar(select(Ticket).order_by(Ticket.id.desc()))
    desk.assign(session, ticket, agents[2], actor=MANAGER)
    owner_changes = [(e.before, e.after) for e in desk.history(session, ticket) if e.kind == "owner"]
    assert owner_changes == [(None, str(agents[0])), (str(agents[0]), str(agents[2]))]
    with pytest.raises(InvalidInput) as bad:
        desk.assign(session, ticket, 999_999, actor=MANAGER)
    assert bad.value.field == "owner" and ticket.owner_id == agents[2]


def test_a_sender_racing_with_the_same_key_gets_the_first_ticket(session, shop, monkeypatch):
    from shopcx.desk.service import tickets

    first = new_ticket(session, shop, cst(2026, 3, 5, 10, 0), external_key="wh-881")
    real, calls = tickets.existing_ticket, []

    def late(*args):  # the other request's row lands between the check and the insert
        calls.append(args)
        return None if len(calls) == 1 else real(*args)

    monkeypatch.setattr(tickets, "existing_ticket", late)
    again = new_ticket(session, shop, cst(2026, 3, 5, 10, 1), external_key="wh-881")
    assert again.id == first.id and len(calls) == 2
    assert session.scalar(select(func.count(Ticket.id))) == 1
