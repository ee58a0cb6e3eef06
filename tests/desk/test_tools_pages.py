# ruff: noqa: F811  (the web suite's fixtures are imported below and used as test arguments)
"""The agent's tools through TestClient: compensation on the ticket page (granted, requested, decided by another,
refused above every limit), promises (made, kept with evidence, shown on the customer page), the limits and
staffing settings, promise keeping and notices, in zh and en."""

from __future__ import annotations

import html
import io
from datetime import UTC, datetime

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from shopcx.core import clock
from shopcx.desk import service as desk
from shopcx.desk.records import Compensation, DeskAgent, Promise
from shopcx.desk.service import authority, promises
from shopcx.staff.service import SYSTEM

from ..factories import make_order
from ..loyalty.factories import make_program
from ..web.conftest import client, login, make_user  # noqa: F401

THU = datetime(2026, 3, 5, 2, 0, tzinfo=UTC)


@pytest.fixture
def ticket(session):
    shop, _ = make_program(session)
    make_order(session, shop, external_id="4012345678901",
               customer={"source": "taobao", "external_id": "tb_lily", "name": "王丽"})
    with clock.frozen_at(THU):
        made = desk.create_ticket(session, shop, channel="chat", subject="杯子漏水", body="杯盖漏水",
                                  order="4012345678901", actor=SYSTEM, assign=False)
    session.flush()
    return made


def test_compensation_on_the_ticket_page(session, ticket, login):
    agent = login("agent", locale="zh")
    url = f"/desk/tickets/{ticket.id}"
    page = agent.get(url)
    assert 'id="comp-card"' in page.text and 'id="promise-card"' in page.text and "≤ ¥50.00" in page.text
    granted = agent.htmx_post(f"{url}/compensation", {"kind": "refund", "amount": "30", "reason": "杯盖漏水致歉"})
    assert granted.status_code == 200 and 'data-status="granted"' in granted.text and "¥30.00" in granted.text
    asked = agent.htmx_post(f"{url}/compensation", {"kind": "refund", "amount": "40", "reason": "再退一部分"})
    assert 'data-status="pending"' in asked.text and "data-approve" not in asked.text  # not one's own
    refused = agent.htmx_post(f"{url}/compensation", {"kind": "refund", "amount": "99999", "reason": "全退"})
    assert refused.status_code == 422 and 'data-error-for="compensation"' in refused.text
    assert "超出所有角色的权限" in html.unescape(refused.text) and "99999" in refused.text
    pending = session.scalar(select(Compensation).where(Compensation.status == "pending"))
    manager = login("manager", locale="en")
    assert f'data-comp="{pending.id}"' in manager.get("/desk/approvals").text
    decided = manager.htmx_post(f"/desk/compensation/{pending.id}/decide", {"decision": "approve"})
    assert decided.status_code == 200 and "Granted" in decided.text
    session.refresh(pending)
    assert pending.status == "granted" and pending.issued_ref.startswith("refund:")


def test_promises_on_the_ticket_and_customer_pages(session, ticket, login):
    agent = login("agent", locale="en")
    url = f"/desk/tickets/{ticket.id}"
    with clock.frozen_at(THU):
        past = agent.htmx_post(f"{url}/promise", {"what": "Reship the lid", "due": "2026-03-01T18:00"})
        assert past.status_code == 422 and "future" in past.text
        made = agent.htmx_post(f"{url}/promise", {"what": "Reship the lid and send the tracking number",
                                                  "due": "2026-03-06T18:00"})
    assert made.status_code == 200 and 'data-status="open"' in made.text
    promise = session.scalar(select(Promise))
    assert promise.due_at == datetime(2026, 3, 6, 10, 0, tzinfo=UTC)  # 18:00 in Shanghai
    customer_page = agent.get(f"/customers/{ticket.customer_id}")
    assert 'id="customer-promises"' in customer_page.text and "Reship the lid" in customer_page.text
    kept = agent.htmx_post(f"/desk/promises/{promise.id}/close", {"outcome": "kept", "evidence": "SF1234567"})
    assert kept.status_code == 200 and 'data-status="kept"' in kept.text
    assert 'id="customer-promises"' not in agent.get(f"/customers/{ticket.customer_id}").text
    keeping = agent.get("/desk/promises")
    assert keeping.status_code == 200 and "100%" in keeping.text


def test_the_open_promises_listed_soonest_first_and_exported(session, ticket, login, client):
    maker = SYSTEM
    with clock.frozen_at(THU):
        late = promises.make_promise(session, ticket, what="明天前寄出新杯盖", actor=maker,
                                     due_at=datetime(2026, 3, 6, 10, 0, tzinfo=UTC))
        later = promises.make_promise(session, ticket, what="下周打 13812345678 回访使用情况", actor=maker,
                                      due_at=datetime(2026, 3, 12, 2, 0, tzinfo=UTC))
        done = promises.make_promise(session, ticket, what="今天退差价", actor=maker,
                                     due_at=datetime(2026, 3, 5, 9, 0, tzinfo=UTC))
        promises.close_promise(session, done.id, kept=True, evidence="退款单 R1", actor=maker)
    session.flush()
    agent = login("agent", locale="zh")
    with clock.frozen_at(datetime(2026, 3, 7, 2, 0, tzinfo=UTC)):  # the first one is past due
        page = agent.get("/desk/promises")
        got = agent.get("/desk/promises.xlsx")
    section = html.unescape(page.text).split('id="open-promises"')[1].split("</section>")[0]
    assert "(2)" in section and "今天退差价" not in section
    assert section.index("明天前寄出新杯盖") < section.index("回访使用情况")
    assert section.count("已超时") == 1 and f'href="/desk/tickets/{ticket.id}"' in section
    assert got.status_code == 200, got.text[:300]
    rows = list(load_workbook(io.BytesIO(got.content)).active.iter_rows(values_only=True))
    assert rows[0][:2] == ("工单号", "店铺") and [r[0] for r in rows[1:]] == [late.id, later.id]
    assert rows[1][6] == ticket.id and "13812345678" in rows[2][3]
    client.cookies.clear()
    analyst = login("analyst", username="analyst_p", locale="zh")  # no personal data: the phone is masked
    with clock.frozen_at(datetime(2026, 3, 7, 2, 0, tzinfo=UTC)):
        masked = list(load_workbook(io.BytesIO(analyst.get("/desk/promises.xlsx").content)).active
                      .iter_rows(values_only=True))
    assert "13812345678" not in str(masked) and "回访使用情况" in str(masked)


def test_limits_and_staffing_settings(session, ticket, login, make_user):
    owner = login("owner", locale="zh")
    page = owner.get("/desk/settings/limits")
    assert page.status_code == 200 and 'data-limit="agent-refund"' in page.text and "¥50.00 / ¥200.00" in page.text
    saved = owner.post("/desk/settings/limits", {"shop": "", "role": "agent", "kind": "refund", "per_ticket": "80",
                                                 "per_day": "300"})
    assert saved.status_code == 303
    assert authority.limits_of(session, ticket.shop_id)["agent"]["refund"].per_ticket == 8000
    bad = owner.post("/desk/settings/limits", {"role": "agent", "kind": "refund", "per_ticket": "lots",
                                               "per_day": "1"})
    assert bad.status_code == 422 and 'data-error-for="limit"' in bad.text
    agent = make_user("agent", "xiaowang")
    staffing = owner.get("/desk/settings/staffing")
    assert staffing.status_code == 200 and f'data-agent-form="{agent.id}"' in staffing.text
    form = {"shop": "", "user_id": str(agent.id), "team": "售后", "is_lead": "0", "skills": ["quality"],
            **{f"shift{i}": "09:00-18:00" for i in range(5)}, "shift5": "", "shift6": ""}
    assert owner.post("/desk/settings/staffing", form).status_code == 303
    profile = session.scalar(select(DeskAgent))
    assert profile.skills == ["quality"] and profile.shift[0] == "09:00-18:00" and profile.shift[6] == ""
    wrong = owner.post("/desk/settings/staffing", form | {"shift0": "9-18"})
    assert wrong.status_code == 422 and 'data-error-for="staffing"' in wrong.text
    assert owner.post("/desk/settings/staffing", {"shop": "", "method": "least_loaded"}).status_code == 303
    assert 'data-tab="staffing"' in owner.get("/desk/settings").text
    assert login("agent", username="xiaoli").get("/desk/settings/limits").status_code == 403
