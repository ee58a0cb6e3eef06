# ruff: noqa: F811  (the web suite's fixtures are imported below and used as test arguments)
"""Mystery-shopper audits: the rubric on hand-worked numbers (pure), planning and scoring on the database (both
backends), the staff page, and the outside auditor's signed link."""

from __future__ import annotations

import html
from datetime import UTC, date, datetime, timedelta

import pytest

from shopcx.core.errors import Conflict, InvalidInput
from shopcx.desk.audits import rules, service
from shopcx.staff.service import Actor

from ..factories import make_shop
from ..web.conftest import client, login, make_user  # noqa: F401

T0 = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)
MANAGER = Actor(label="经理", role="manager")
SCORES = {"tangibles": 4, "reliability": 3, "responsiveness": 2, "assurance": 5, "empathy": 4}


def test_the_rubric_on_hand_worked_numbers():
    assert rules.overall(SCORES) == 3.6  # (4 + 3 + 2 + 5 + 4) / 5
    assert rules.response_minutes(T0, T0 + timedelta(minutes=47, seconds=59)) == 47
    assert rules.response_minutes(T0, None) is None
    got = rules.by_agent_month([(7, "2026-03", SCORES, 30), (7, "2026-03", {d: 5 for d in rules.DIMENSIONS}, None),
                                (7, "2026-04", {d: 1 for d in rules.DIMENSIONS}, 10)])
    march = got[7]["2026-03"]
    assert march["responsiveness"] == 3.5 and march["overall"] == 4.3 and march["audits"] == 2
    assert march["response_minutes"] == 30 and got[7]["2026-04"]["overall"] == 1.0


@pytest.fixture
def shop(session):
    shop = make_shop(session, code="aud", name="检查店")
    session.flush()
    return shop


def test_plan_and_score_once_with_the_measured_response_time(session, shop, make_user):
    agent = make_user("agent", "agent_x")
    planned = service.plan_audit(session, shop, title="电话投诉：漏水", channel="phone", scenario="称杯子漏水要换货",
                                 due_on=date(2026, 3, 10), agent_id=agent.id, auditor_name="外部检查员甲",
                                 actor=MANAGER)
    with pytest.raises(InvalidInput) as bad:
        service.score_audit(session, planned, SCORES | {"empathy": 6}, contacted_at=T0, answered_at=None,
                            scored_by="x")
    assert bad.value.field == "empathy"
    row = service.score_audit(session, planned, SCORES, contacted_at=T0, answered_at=T0 + timedelta(minutes=12),
                              scored_by="外部检查员甲")
    assert row.response_minutes == 12 and planned.status == "done"
    with pytest.raises(Conflict):
        service.score_audit(session, planned, SCORES, contacted_at=T0, answered_at=None, scored_by="x")
    assert service.results(session, shop.id, "Asia/Shanghai")[agent.id]["2026-03"]["overall"] == 3.6


def test_an_auditor_is_staff_or_an_outside_person_not_both_nor_none(session, shop, make_user):
    staffer = make_user("agent", "agent_y")
    for kwargs in ({}, {"auditor_user_id": staffer.id, "auditor_name": "外人"}):
        with pytest.raises(InvalidInput) as refused:
            service.plan_audit(session, shop, title="t", channel="chat", scenario="s", due_on=date(2026, 3, 1),
                               actor=MANAGER, **kwargs)
        assert refused.value.code == "auditor_needed"


def test_pages_plan_an_audit_and_the_outside_auditor_scores_it_by_link(session, shop, login, client):
    boss = login("manager", username="boss_a")
    made = boss.post("/desk/audits", {"shop": "aud", "title": "旺旺咨询", "channel": "chat", "scenario": "问发票",
                                      "due_on": "2026-03-20", "auditor_name": "王检查"})
    assert made.status_code == 303, made.text
    page = boss.get(made.headers["location"])
    assert "旺旺咨询" in page.text and "/audit/" in page.text
    link = html.unescape(page.text).split('id="audit-link">')[1].split("<")[0]
    client.cookies.clear()
    outside = client.get(link + "?lang=en")
    assert outside.status_code == 200 and "Mystery-shopper audit" in outside.text and "问发票" in outside.text
    token = link.rsplit("/", 1)[1]
    form = {f"{d}": "4" for d in rules.DIMENSIONS} | {"contacted_at": "2026-03-05T10:00",
                                                       "answered_at": "2026-03-05T10:25", "lang": "en"}
    forged = client.post(link, data=form | {"form_token": "nope"})
    assert forged.status_code == 403
    from shopcx.desk.channels.links import form_token

    done = client.post(link, data=form | {"form_token": form_token(token)})
    assert done.status_code == 200 and "Your score was sent" in done.text
    (audit, score), = service.audits(session, shop.id)
    assert score.response_minutes == 25 and score.scored_by == "auditor:王检查"
    assert client.get(link[:-3] + "abc").status_code == 404


def test_the_trend_by_month_on_hand_worked_numbers():
    fives, ones = {d: 5 for d in rules.DIMENSIONS}, {d: 1 for d in rules.DIMENSIONS}
    got = rules.trend([(7, "2026-04", ones, None), (7, "2026-03", SCORES, 30), (8, "2026-03", fives, None),
                       (None, "2026-05", SCORES, 5)])
    assert got["months"] == ["2026-03", "2026-04", "2026-05"]
    assert got["all"] == [4.3, 1.0, 3.6]  # March: (3.6 + 5) / 2
    assert got["agents"] == {7: [3.6, 1.0, None], 8: [5.0, None, None], None: [None, None, 3.6]}
    assert rules.trend([]) == {"months": [], "all": [], "agents": {}}


def test_the_audits_page_draws_the_score_per_month(session, shop, login):
    import json

    boss = login("manager", username="boss_t")
    assert 'id="audit-trend"' not in boss.get("/desk/audits?shop=aud").text  # nothing scored: no chart
    for day, scores in ((date(2026, 3, 10), SCORES), (date(2026, 4, 10), {d: 5 for d in rules.DIMENSIONS})):
        planned = service.plan_audit(session, shop, title="暗访", channel="phone", scenario="问发货", due_on=day,
                                     agent_id=boss.user.id, auditor_name="检查员", actor=MANAGER)
        at = datetime(day.year, day.month, day.day, 2, 0, tzinfo=UTC)
        service.score_audit(session, planned, scores, contacted_at=at, answered_at=None, scored_by="检查员")
    page = boss.get("/desk/audits?shop=aud")
    assert 'id="audit-trend"' in page.text and "/static/desk_audits.js" in page.text
    data = json.loads(html.unescape(page.text.split('id="audit-data">')[1].split("</script>")[0]))
    assert data["months"] == ["2026-03", "2026-04"]
    assert data["series"][0] == {"name": "全部暗访", "data": [3.6, 5.0]}
    assert data["series"][1]["name"] == boss.user.display_name and data["axis"] == "总分"
