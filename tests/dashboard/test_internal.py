# ruff: noqa: F811  (the web suite's fixtures are imported below and used as test arguments)
"""Internal customers: eNPS by quarter only for groups of at least 5 answers; coaching figures where each agent
sees their own beside the team median and only managers see the team."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from shopcx.core import clock
from shopcx.dashboard import internal
from shopcx.desk import service as desk
from shopcx.desk.service import promises
from shopcx.staff import service as staff
from shopcx.staff.service import SYSTEM, Actor

from ..factories import make_shop
from ..web.conftest import client, login, make_user  # noqa: F401

MANAGER = Actor(label="user:m", role="manager")


def test_enps_by_quarter_hides_groups_under_five():
    scores = [("2026-Q1", s) for s in (10, 9, 9, 8, 5, 3)] + [("2026-Q2", s) for s in (10, 10, 0, 9)]
    q1, q2 = internal.enps_groups(scores)
    # Q1: 3 promoters (10, 9, 9), 1 passive (8), 2 detractors (5, 3) of 6 -> (3 − 2) / 6 = +16.7.
    assert q1 == {"quarter": "2026-Q1", "answers": 6, "enps": 16.7, "low": q1["low"], "high": q1["high"]}
    assert q1["low"] < 16.7 < q1["high"]
    assert q2["answers"] == 4 and q2["enps"] is None and q2["low"] is None
    assert internal.quarter_of(datetime(2026, 11, 3)) == "2026-Q4"


def test_team_median_of_each_figure():
    team = [internal.Coaching(1, "A", 4, 10.0, 2.0, None), internal.Coaching(2, "B", 2, 30.0, None, 1.0),
            internal.Coaching(3, "C", 9, 20.0, 6.0, 0.5)]
    assert internal.team_median(team) == {"tickets": 4, "first_response_min": 20.0, "resolution_h": 4.0,
                                          "csat": 0.75, "revision_rate": None, "promise_keeping": None,
                                          "audit_score": None, "callbacks_done": None}


def test_agent_sees_own_and_median_manager_sees_team(login, session):
    shop = make_shop(session, code="co")
    session.flush()
    agent = login("agent", username="agent-co")
    mates = [agent.user]
    start = datetime.now(UTC) - timedelta(days=3)
    for user in mates:
        ticket = desk.create_ticket(session, shop, channel="phone", subject="退款", body="退款进度", assign=False,
                                    actor=Actor(label=f"user:{user.username}", role="agent", user_id=user.id),
                                    now=start)
        desk.assign(session, ticket, user.id, actor=Actor(label="user:m", role="manager"))
    session.flush()
    page = agent.get("/coaching")
    assert page.status_code == 200 and 'id="mine"' in page.text and "团队中位数" in page.text
    assert 'id="team"' not in page.text
    boss = login("manager", username="boss-co")
    team = boss.get("/coaching").text
    assert 'id="team"' in team and agent.user.display_name in team
    assert login("analyst", username="an-co").get("/internal/enps").status_code == 200


T = datetime(2026, 3, 20, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai; the coaching window is the 90 days before


def _review_cared_by(session, shop, owner, stars: int, revised: bool):
    from shopcx.reviews import service as reviews
    from shopcx.reviews.schemas import RevisionIn

    from ..reviews.helpers import order, record

    with clock.frozen_at(T - timedelta(days=10)):
        review = record(session, shop, order(session, shop), stars=stars, text="盖子漏水",
                        reviewed_at=T - timedelta(days=10))
        reviews.assign(session, reviews.case_for_review(session, review), owner.id, actor=SYSTEM)
    if revised:
        with clock.frozen_at(T - timedelta(days=8)):
            reviews.revise(session, review, RevisionIn(rating="good", revised_at=T - timedelta(days=8)),
                           actor=staff.actor_for_user(owner))


def _promises_of(session, ticket, user, kept: list[bool], *, days_ago: int = 5):
    made = T - timedelta(days=days_ago)
    actor = staff.actor_for_user(user)
    for n, outcome in enumerate(kept):
        row = promises.make_promise(session, ticket, what=f"补发 {n}", due_at=made + timedelta(days=1), actor=actor,
                                    now=made)
        promises.close_promise(session, row.id, kept=outcome, evidence="单号" if outcome else "没赶上", actor=actor,
                               now=made + timedelta(hours=1))


def _audit(session, shop, agent, dims: tuple[int, ...], *, days_ago: int = 3):
    from shopcx.desk.audits import service as audits
    from shopcx.desk.audits.rules import DIMENSIONS

    plan = audits.plan_audit(session, shop, title="神秘顾客", channel="chat", scenario="问退货", due_on=T.date(),
                             agent_id=agent.id if agent else None, auditor_name="外部审核", actor=MANAGER)
    contacted = T - timedelta(days=days_ago)
    audits.score_audit(session, plan, dict(zip(DIMENSIONS, dims, strict=True)), contacted_at=contacted,
                       answered_at=contacted + timedelta(minutes=4), scored_by="外部审核")


def test_coaching_adds_review_care_promises_audits_and_callbacks(login, session):
    """Hand-worked: three agents over the last 90 days.

    review care (中/差评 whose case they own, revised up by the buyer): A 1 of 2, B 1 of 1, C none;
    promises (kept ÷ kept + broken, made in the window): A 2 of 3 (a broken one 100 days ago is outside), B 1 of 1,
    C 0 of 1; audits (mean of the five dimensions): A (4,4,4,4,4)=4.0 and (3,3,3,3,3)=3.0 → 3.5 (one of 120 days
    ago scored 1 is outside), C (5,5,5,4,4)=4.6, a whole-desk audit belongs to no one; callbacks closed: A 2, C 1,
    B's call went unanswered (open, not done).
    Team medians: revision median(0.5, 1.0)=0.75; keeping median(2/3, 1, 0)=2/3; audits median(3.5, 4.6)=4.05;
    callbacks median(2, 1)=1.5.
    """
    from shopcx.care.service import callbacks

    from ..care.factories import buyer
    from ..factories import make_order

    shop = make_shop(session, code="coach", name="辅导店")
    session.flush()
    a_client = login("agent", username="agent-a")
    a = a_client.user
    b = staff.create_user(session, username="agent-b", password="correct-horse-battery", role="agent",
                          display_name="贝")
    c = staff.create_user(session, username="agent-c", password="correct-horse-battery", role="agent",
                          display_name="陈")
    session.flush()
    _review_cared_by(session, shop, a, 1, revised=True)
    _review_cared_by(session, shop, a, 2, revised=False)
    _review_cared_by(session, shop, b, 3, revised=True)
    ticket = desk.create_ticket(session, shop, channel="phone", subject="补发", body="买家来电", assign=False,
                                actor=MANAGER, now=T - timedelta(days=120))
    _promises_of(session, ticket, a, [True, True, False])
    _promises_of(session, ticket, a, [False], days_ago=100)
    _promises_of(session, ticket, b, [True])
    _promises_of(session, ticket, c, [False])
    _audit(session, shop, a, (4, 4, 4, 4, 4))
    _audit(session, shop, a, (3, 3, 3, 3, 3))
    _audit(session, shop, a, (1, 1, 1, 1, 1), days_ago=120)
    _audit(session, shop, c, (5, 5, 5, 4, 4))
    _audit(session, shop, None, (1, 2, 1, 2, 1))
    today = T.date()
    with clock.frozen_at(T - timedelta(hours=3)):
        for n in range(4):
            make_order(session, shop, customer=buyer(n), placed_at=T - timedelta(hours=3),
                       lines=[{"sku": "TV", "name": "电视", "quantity": 1, "unit_price_amount": 250_000}])
    with clock.frozen_at(T):
        callbacks.plan_calls(session, shop, today=today, large_order_amount=200_000)
        tasks = [task for task, _ in callbacks.due_list(session, shop_id=shop.id, today=today, user_id=None)[0]]
        for task, who, outcome in zip(tasks, (a, a, c, b), ("reached", "reached", "reached", "no_answer"),
                                      strict=True):
            callbacks.record_outcome(session, task, outcome, actor=staff.actor_for_user(who), today=today)
        session.flush()
        found = internal.coaching(session, a.id, manager=True)
    rows = {row.name: row for row in found["team"]}
    assert list(rows) == sorted(rows) == ["Agent 测试", "贝", "陈"]
    got = {name: (r.revision_rate, r.reviews_cared, r.promise_keeping, r.promises_decided, r.audit_score, r.audits,
                  r.callbacks_done) for name, r in rows.items()}
    assert got == {"Agent 测试": (0.5, 2, pytest.approx(2 / 3), 3, pytest.approx(3.5), 2, 2),
                   "贝": (1.0, 1, 1.0, 1, None, 0, None),
                   "陈": (None, 0, 0.0, 1, pytest.approx(4.6), 1, 1)}
    median = found["median"]
    assert (median["revision_rate"], median["promise_keeping"], median["audit_score"], median["callbacks_done"]) \
        == (0.75, pytest.approx(2 / 3), pytest.approx(4.05), 1.5)
    assert found["mine"].user_id == a.id

    # The agent sees their own row and the median, not the others; the manager sees everyone, by name.
    with clock.frozen_at(T):
        mine = a_client.get("/coaching").text
    own = mine[mine.index('id="mine"'):]
    assert "50%" in own and "共 2" in own and "67%" in own and "3.50" in own and "75%" in own and "4.05" in own
    assert "贝" not in mine and "陈" not in mine and 'id="team"' not in mine
    with clock.frozen_at(T):
        team = login("manager", username="boss-coach", locale="en").get("/coaching").text
    assert 'id="team"' in team and "贝" in team and "陈" in team and "4.60" in team
    assert team.index("Agent 测试") < team.index("贝") < team.index("陈")  # by name, never ranked
