# ruff: noqa: F811  (the web suite's fixtures are imported below and used as test arguments)
"""The desk's reports page and the ticket list's Excel export through TestClient (both backends): figures from
stored tickets, coaching rows shown to the agent (own only) and the manager (all), the workbook's rows."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta

import pytest
from openpyxl import load_workbook

from shopcx.core import clock
from shopcx.desk import service as desk
from shopcx.desk.channels import hooks, intake
from shopcx.desk.reports import service as reports
from shopcx.desk.service import promises
from shopcx.reviews import service as reviews
from shopcx.reviews.schemas import ReviewIn, RevisionIn
from shopcx.staff.service import SYSTEM, Actor

from ..factories import make_order, make_shop
from ..web.conftest import client, login, make_user  # noqa: F401

T0 = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)
BOSS = Actor(label="店长", role="owner")


@pytest.fixture
def shop(session):
    shop = make_shop(session, code="rep", name="报表店")
    for n, (placed, carrier) in enumerate([(T0 - timedelta(days=5), "顺丰速运"), (T0 - timedelta(days=3), "中通快递")]):
        make_order(session, shop, external_id=f"RP{n}", placed_at=placed.isoformat(),
                   customer={"source": "taobao", "external_id": f"rb{n}", "name": f"买家{n}"},
                   shipments=[{"carrier": carrier, "tracking_no": f"X{n}", "shipped_at": placed.isoformat()}])
    # buyer 0 buys again after complaining
    make_order(session, shop, external_id="RP9", placed_at=(T0 + timedelta(days=4)).isoformat(),
               customer={"source": "taobao", "external_id": "rb0"})
    session.flush()
    return shop


def tickets(session, shop, agent_id):
    a = desk.create_ticket(session, shop, channel="phone", subject="漏水", body="质量问题，漏水", order="RP0",
                           actor=BOSS, assign=False, now=T0)
    b = desk.create_ticket(session, shop, channel="phone", subject="慢", body="快递太慢", order="RP1",
                           actor=BOSS, assign=False, now=T0)
    for t in (a, b):
        desk.assign(session, t, agent_id, actor=BOSS, now=T0)
    desk.add_message(session, a, "reply", "您好，马上处理", actor=BOSS, now=T0 + timedelta(minutes=20))
    desk.transition(session, a, "resolved", root_cause="批次不良", actor=BOSS, now=T0 + timedelta(hours=3))
    session.add(intake.TicketRating(ticket_id=a.id, score=5, rated_at=T0 + timedelta(hours=4)))
    session.flush()
    return a, b


def test_the_report_figures_from_stored_tickets(session, shop, login):
    agent = login("agent")
    tickets(session, shop, agent.user.id)
    rep = reports.report(session, shop, days=30, now=T0 + timedelta(days=6))
    assert rep.tickets == 2
    assert [(c, n) for c, n, _ in rep.by_category] == [("logistics", 1), ("quality", 1)]
    assert rep.recovery.buckets == {"le1d": (1, 1, 1.0), "unresolved": (1, 0, 0.0)}
    assert rep.recovery.shop_rate == 0.5
    assert sorted(v for v, _, _ in rep.pareto_carrier) == ["中通快递", "顺丰速运"]
    (fig,) = rep.agents
    assert fig.owner_id == agent.user.id and fig.first_response_median_min == 20.0 and fig.csat == 1.0
    assert rep.backlog["gt14d"] == 0 and sum(rep.backlog.values()) == 1


def test_the_page_shows_an_agent_their_own_coaching_row_only(session, shop, login, client):
    other = login("agent", username="agent_b")
    tickets(session, shop, other.user.id)
    client.cookies.clear()
    me = login("agent", username="agent_a", locale="en")
    with clock.frozen_at(T0 + timedelta(days=6)):
        page = me.get("/desk/reports?shop=rep&days=30")
    assert page.status_code == 200 and "Desk reports" in page.text and "dr-data" in page.text
    table = page.text.split('id="agent-table"')[1].split("</table>")[0]
    assert "<tr><td>" not in table and 'class="empty"' in table  # agent_b's figures are not shown to agent_a


def test_an_agent_sees_their_own_row(session, shop, login):
    me = login("agent", username="agent_d")
    tickets(session, shop, me.user.id)
    with clock.frozen_at(T0 + timedelta(days=6)):
        page = me.get("/desk/reports?shop=rep&days=30")
    table = page.text.split('id="agent-table"')[1].split("</table>")[0]
    assert table.count("<tr><td>") == 1 and ">20<" in table and "100.0% (1)" in table


def test_a_manager_sees_every_agent_and_exports_the_list(session, shop, login, client):
    agent = login("agent", username="agent_c")
    tickets(session, shop, agent.user.id)
    client.cookies.clear()
    boss = login("manager", username="boss1")
    with clock.frozen_at(T0 + timedelta(days=6)):
        page = boss.get("/desk/reports?shop=rep&days=30")
        assert "Agent 测试" in page.text and "客服辅导数据" in page.text
        assert "CSAT" not in page.text.split('id="agent-table"')[1].split("</thead>")[0]  # no English on a zh page
        got = boss.get("/desk/export.xlsx?status=")
    assert got.status_code == 200, got.text[:300]
    sheet = load_workbook(io.BytesIO(got.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "工单号" and len(rows) == 3
    assert sorted(r[5] for r in rows[1:]) == sorted(["物流", "质量"])


def test_promise_keeping_for_the_shop_and_in_each_agents_coaching_row(session, shop, login, client):
    agent = login("agent", username="agent_p")
    a, b = tickets(session, shop, agent.user.id)
    maker = Actor(label="Agent 测试", role="agent", user_id=agent.user.id)
    made = [promises.make_promise(session, a, what=f"三天内补发配件 {n}", due_at=T0 + timedelta(days=3),
                                  actor=maker, now=T0) for n in range(4)]
    for row, kept in zip(made[:3], (True, True, False), strict=True):
        promises.close_promise(session, row.id, kept=kept, evidence="单号 SF123", actor=maker,
                               now=T0 + timedelta(days=1))
    session.flush()
    rep = reports.report(session, shop, days=30, now=T0 + timedelta(days=6))
    assert rep.promises == {"kept": 2, "broken": 1, "open": 1, "rate": 2 / 3}
    assert rep.promise_agents == {agent.user.id: {"kept": 2, "broken": 1, "open": 1, "rate": 2 / 3}}
    client.cookies.clear()
    boss = login("manager", username="boss_p")
    with clock.frozen_at(T0 + timedelta(days=6)):
        page = boss.get("/desk/reports?shop=rep&days=30")
    card = page.text.split('id="promise-keeping"')[1].split("</section>")[0]
    assert "承诺兑现" in card and 'id="shop-keeping">66.7%' in card and "data-open>1<" in card
    row = page.text.split('id="agent-table"')[1].split("</table>")[0]
    assert "66.7% (2/3)" in row


def test_tickets_from_reviews_beside_what_the_buyer_did_with_the_review(session, shop, login):
    taken, review_ids = [], []
    for n, order in enumerate(("RP0", "RP1")):
        with clock.frozen_at(T0):
            stored = reviews.record_review(session, shop, ReviewIn(
                external_id=f"RV{n}", order_external_id=order, stars=1, text="杯子漏水，质量太差", reviewed_at=T0),
                actor=SYSTEM)
        taken.append(hooks.take_over_case(session, stored.case_id, actor=BOSS, now=T0 + timedelta(hours=1)))
        review_ids.append(reviews.get_case(session, stored.case_id).review_id)
    # the first buyer turns the 差评 into a 好评 two days later; the second never changes it
    reviews.revise(session, reviews.get_review(session, review_ids[0]),
                   RevisionIn(rating="good", stars=5, revised_at=T0 + timedelta(days=2)), actor=SYSTEM)
    session.flush()
    rep = reports.report(session, shop, days=30, now=T0 + timedelta(days=6))
    assert rep.review_tickets == 2
    assert [(v["ticket_id"], v["from"], v["to"], v["improved"]) for v in rep.review_revisions] == [
        (taken[0].id, "bad", "good", True)]
    manager = login("manager", username="boss_r")
    with clock.frozen_at(T0 + timedelta(days=6)):
        page = manager.get("/desk/reports?shop=rep&days=30")
    assert "其中 1 张在工单开启后买家修改了评价，1 张评价变好" in page.text
    table = page.text.split('id="review-revision-table"')[1].split("</table>")[0]
    assert f"#{taken[0].id}" in table and "差评 → 好评" in table and f"#{taken[1].id}" not in table
