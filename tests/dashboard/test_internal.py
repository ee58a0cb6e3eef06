# ruff: noqa: F811  (the web suite's fixtures are imported below and used as test arguments)
"""Internal customers: eNPS by quarter only for groups of at least 5 answers; coaching figures where each agent
sees their own beside the team median and only managers see the team."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from shopcx.dashboard import internal
from shopcx.desk import service as desk
from shopcx.staff.service import Actor

from ..factories import make_shop
from ..web.conftest import client, login, make_user  # noqa: F401


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
                                          "csat": 0.75}


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
