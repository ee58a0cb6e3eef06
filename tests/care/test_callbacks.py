# ruff: noqa: F811  (the web suite's fixtures are imported below and used as test arguments)
"""VIP callbacks with the desk and staff: a promise made on a call lands in the desk's promise register (linked both
ways, reminded and broken there), a named VIP manager owns a top-tier customer's calls, and the list's "mine",
"unassigned" and "all" filters; on the pages in Chinese and English."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from shopcx.care.service import callbacks
from shopcx.care.tables import CallTask
from shopcx.core import clock, i18n
from shopcx.core.errors import Conflict, InvalidInput
from shopcx.desk.records import Promise
from shopcx.desk.service import promises
from shopcx.loyalty.models import LoyaltyAccount
from shopcx.loyalty.service import active, enrol
from shopcx.staff.service import actor_for_user

from ..factories import make_order
from ..loyalty.factories import make_program
from ..web.conftest import client, login, make_user  # noqa: F401
from .factories import buyer

NOW = datetime(2026, 12, 6, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai
TODAY = date(2026, 12, 6)


@pytest.fixture(autouse=True)
def _now():
    with clock.frozen_at(NOW):
        yield


@pytest.fixture
def shop(session):
    shop, _ = make_program(session)
    return shop


def _task(session, shop, n: int, *, top: bool = False) -> CallTask:
    order = make_order(session, shop, customer=buyer(n), placed_at=NOW - timedelta(days=30))
    if top:  # in the program's highest tier
        program = active(session, shop.id)
        account = session.query(LoyaltyAccount).filter_by(customer_id=order.customer_id).one_or_none() \
            or enrol(session, program, order.customer_id)
        account.tier_code = program.config.tiers[-1].code
    now = clock.now()
    task = CallTask(shop_id=shop.id, customer_id=order.customer_id, kind="large_order", key=f"k{n}",
                    ref=f"o{order.id}", due_on=TODAY, status="open", attempts=0, created_at=now, updated_at=now)
    session.add(task)
    session.flush()
    return task


def test_a_promise_on_a_call_goes_to_the_register_linked_both_ways(session, shop, make_user):
    agent = make_user("agent", "callagent")
    task = _task(session, shop, 1)
    callbacks.record_outcome(session, task, "reached", actor=actor_for_user(agent), promise="下周补发赠品",
                             promise_due=TODAY + timedelta(days=3), today=TODAY)
    row = session.get(Promise, task.promise_id)
    assert (row.origin, row.origin_id, row.customer_id, row.what) == ("care_call_task", task.id, task.customer_id,
                                                                      "下周补发赠品")
    # The end of 9 December in Shanghai (UTC+8) is 15:59 UTC; the maker is the agent, so reminders reach them.
    assert row.due_at == datetime(2026, 12, 9, 15, 59, tzinfo=UTC) and row.made_by_id == agent.id
    assert row.order_id == int(task.ref[1:]) and row.ticket_id is None and row.status == "open"
    assert promises.open_for_customer(session, task.customer_id) == [row]
    callbacks.close_promise(session, task, kept=True, evidence="顺丰 SF123", actor=actor_for_user(agent))
    assert (row.status, row.evidence) == ("kept", "顺丰 SF123")


def test_a_promise_without_a_date_is_due_in_a_week_and_breaks_there_when_not_kept(session, shop):
    from shopcx.staff.service import SYSTEM

    task = _task(session, shop, 2)
    callbacks.record_outcome(session, task, "reached", actor=SYSTEM, promise="回电说明退款", today=TODAY)
    row = session.get(Promise, task.promise_id)
    assert row.due_at.date() == TODAY + timedelta(days=7)
    assert promises.run_due(session, now=row.due_at + timedelta(minutes=1))["broken"] == 1
    assert row.status == "broken"
    with pytest.raises(InvalidInput) as err:
        callbacks.record_outcome(session, _task(session, shop, 3), "reached", actor=SYSTEM, promise="x",
                                 promise_due=TODAY - timedelta(days=1), today=TODAY)
    assert err.value.field == "promise_due"


def test_a_promise_said_again_on_a_later_call_is_one_promise(session, shop):
    from shopcx.staff.service import SYSTEM

    task = _task(session, shop, 12)
    callbacks.record_outcome(session, task, "call_back_later", actor=SYSTEM, promise="补发赠品",
                             call_back_on=TODAY + timedelta(days=1), today=TODAY)
    first = task.promise_id
    callbacks.record_outcome(session, task, "reached", actor=SYSTEM, promise="补发赠品和优惠券",
                             promise_due=TODAY + timedelta(days=4), today=TODAY + timedelta(days=1))
    rows = session.query(Promise).filter_by(origin="care_call_task", origin_id=task.id).all()
    assert [(r.id, r.what, r.status) for r in rows] == [(first, "补发赠品和优惠券", "open")]
    assert task.promise_id == first and rows[0].due_at == datetime(2026, 12, 10, 15, 59, tzinfo=UTC)


def test_a_closed_task_takes_no_outcome_and_no_second_promise(session, shop):
    from shopcx.staff.service import SYSTEM

    task = _task(session, shop, 15)
    callbacks.record_outcome(session, task, "reached", actor=SYSTEM, promise="补发赠品", today=TODAY)
    with pytest.raises(Conflict) as err:
        callbacks.record_outcome(session, task, "reached", actor=SYSTEM, promise="再送一张券", today=TODAY)
    assert (err.value.code, err.value.field) == ("call_task_closed", "task")
    assert session.query(Promise).filter_by(origin="care_call_task", origin_id=task.id).count() == 1
    assert "回访任务已经结束" in i18n.t("error.call_task_closed", "zh")
    assert "already closed" in i18n.t("error.call_task_closed", "en")


def test_dates_of_a_call_are_the_shops_day_not_the_utc_one(session, shop):
    from shopcx.staff.service import SYSTEM

    task, other = _task(session, shop, 13), _task(session, shop, 14)
    with clock.frozen_at(datetime(2026, 12, 6, 17, 0, tzinfo=UTC)):  # 01:00 on 7 December in Shanghai
        callbacks.record_outcome(session, task, "reached", actor=SYSTEM, promise="回电说明退款")
        callbacks.record_outcome(session, other, "no_answer", actor=SYSTEM)
    # A week from the shop's 7 December: the end of the 14th in Shanghai, 15:59 UTC.
    assert session.get(Promise, task.promise_id).due_at == datetime(2026, 12, 14, 15, 59, tzinfo=UTC)
    assert other.due_on == date(2026, 12, 8)  # tried again the shop's tomorrow


def test_a_vip_manager_owns_the_calls_and_mine_lists_only_them(session, shop, make_user):
    agent, other, analyst = make_user("agent", "vipa"), make_user("agent", "vipb"), make_user("analyst", "an1")
    mine, theirs, loose = _task(session, shop, 4, top=True), _task(session, shop, 5), _task(session, shop, 6)
    theirs.assignee_id = other.id
    callbacks.assign_manager(session, shop, mine.customer_id, agent.id, actor=actor_for_user(agent))
    assert mine.assignee_id == agent.id
    listed = {w: [t.id for t, _ in callbacks.due_list(session, shop_id=shop.id, today=TODAY, user_id=agent.id,
                                                         whose=w)[0]] for w in callbacks.WHOSE}
    assert listed == {"mine": [mine.id], "unassigned": [loose.id], "all": [mine.id, theirs.id, loose.id]}
    with pytest.raises(InvalidInput) as err:
        callbacks.assign_manager(session, shop, mine.customer_id, analyst.id, actor=actor_for_user(agent))
    assert err.value.field == "user_id"
    # The next planned call of a managed customer is the manager's from the start.
    made = callbacks.plan_calls(session, shop, today=TODAY)
    assert made["quarterly"] == 1
    quarterly = session.query(CallTask).filter_by(customer_id=mine.customer_id, kind="quarterly").one()
    assert quarterly.assignee_id == agent.id
    assert [row["shop"].id for row in callbacks.vip_standing(session, mine.customer_id)] == [shop.id]
    assert callbacks.vip_standing(session, loose.customer_id) == []


@pytest.mark.parametrize("locale", ["zh", "en"])
def test_the_pages_assign_a_manager_filter_mine_and_show_the_promise(session, shop, login, locale):
    words = {"zh": ("VIP 专属客服", "我的", "见承诺登记", "回访 #"),
             "en": ("VIP manager", "Mine", "in the promise register", "callback #")}[locale]
    staff = login("agent", username=f"p{locale}", locale=locale)
    task = _task(session, shop, 7, top=True)
    customer = staff.get(f"/customers/{task.customer_id}")
    assert customer.status_code == 200 and 'id="vip-manager"' in customer.text and words[0] in customer.text
    assigned = staff.post("/care/managers?shop=" + shop.code, {"customer_id": task.customer_id,
                                                               "user_id": staff.user.id, "back": "customer"})
    assert assigned.status_code == 303 and assigned.headers["location"].startswith(f"/customers/{task.customer_id}")
    listing = staff.get(f"/care/callbacks?shop={shop.code}&whose=mine")
    assert listing.status_code == 200 and f"/care/callbacks/{task.id}" in listing.text and words[1] in listing.text
    assert f"/care/callbacks/{task.id}\"" not in staff.get(f"/care/callbacks?shop={shop.code}&whose=unassigned").text
    assert staff.get(f"/care/callbacks?shop={shop.code}&whose=nobody").status_code == 422
    due = (TODAY + timedelta(days=2)).isoformat()
    recorded = staff.post(f"/care/callbacks/{task.id}", {"outcome": "reached", "promise": "补发赠品",
                                                         "promise_due": due})
    assert recorded.status_code == 303
    page = staff.get(f"/care/callbacks/{task.id}")
    assert "补发赠品" in page.text and words[2] in page.text and 'id="promise-form"' in page.text
    assert words[3] in staff.get(f"/customers/{task.customer_id}").text  # the register links back to the call
    closed = staff.post(f"/care/callbacks/{task.id}/promise", {"outcome": "kept", "evidence": "已寄出"})
    assert closed.status_code == 303
    session.expire_all()
    assert session.get(Promise, session.get(CallTask, task.id).promise_id).status == "kept"


@pytest.mark.parametrize("locale", ["zh", "en"])
def test_a_list_longer_than_a_page_links_to_the_next_page(session, shop, login, locale):
    """26 calls due (the list shows 25 a page): the pager's link is drawn from the page's own address (an error
    page before the pager was imported with the page's context) and the second page holds the 26th call."""
    staff = login("manager", username=f"pager{locale}", locale=locale)
    tasks = [_task(session, shop, 100 + n) for n in range(26)]
    for whose in ("unassigned", "all"):
        first = staff.get(f"/care/callbacks?shop={shop.code}&whose={whose}")
        assert first.status_code == 200, whose
        assert {"zh": "下一页", "en": "Next"}[locale] in first.text
        assert f"whose={whose}&amp;page=2" in first.text or f"page=2&amp;shop={shop.code}" in first.text
        second = staff.get(f"/care/callbacks?shop={shop.code}&whose={whose}&page=2")
        shown = [t for t in tasks if f"/care/callbacks/{t.id}\"" in second.text]
        assert second.status_code == 200 and len(shown) == 1

def test_the_desk_closes_a_callback_promise_that_has_no_ticket(session, shop, login):
    from shopcx.staff.service import SYSTEM

    task = _task(session, shop, 8)
    callbacks.record_outcome(session, task, "reached", actor=SYSTEM, promise="退差价", today=TODAY)
    manager = login("manager", username="m1")
    closed = manager.post(f"/desk/promises/{task.promise_id}/close", {"outcome": "broken", "evidence": "忘了"})
    assert closed.status_code == 303 and closed.headers["location"] == "/desk/promises"
    session.expire_all()
    assert session.get(Promise, task.promise_id).status == "broken"
