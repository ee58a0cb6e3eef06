# ruff: noqa: F811  (the web suite's fixtures are imported below and used as test arguments)
"""The audits list and the compensation approvals as Excel workbooks (both backends): the link on each page, the
headers from the catalogs in the reader's language, the rows, and free text and phones masked without `pii`."""

from __future__ import annotations

import io
from datetime import date, timedelta

from openpyxl import load_workbook

from shopcx.customers.models import Customer
from shopcx.desk.audits import service as audits
from shopcx.staff import rules as roles

from ..web.conftest import client, login, make_user  # noqa: F401
from .test_audits import MANAGER, SCORES, T0, shop  # noqa: F401
from .test_tools_pages import ticket  # noqa: F401


def _rows(response) -> list[tuple]:
    assert response.status_code == 200, response.text[:300]
    return list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))


def _without_pii(monkeypatch, role: str) -> None:
    # every role that opens these pages sees personal data today; the masking is checked on a role without it
    monkeypatch.setitem(roles.PERMISSIONS, role, roles.PERMISSIONS[role] - {"pii"})


def test_the_audits_list_as_a_workbook(session, shop, login, client, make_user, monkeypatch):
    agent = make_user("agent", "agent_w")
    done = audits.plan_audit(session, shop, title="电话投诉", channel="phone", scenario="来电 13812345678 称漏水",
                             due_on=date(2026, 3, 10), agent_id=agent.id, auditor_name="外部检查员甲", actor=MANAGER)
    audits.score_audit(session, done, SCORES, contacted_at=T0, answered_at=T0 + timedelta(minutes=12),
                       comment="回电 13812345678", scored_by="外部检查员甲")
    planned = audits.plan_audit(session, shop, title="旺旺咨询", channel="chat", scenario="问发票",
                                due_on=date(2026, 3, 20), auditor_user_id=agent.id, actor=MANAGER)
    session.flush()
    boss = login("manager", username="boss_x", locale="zh")
    assert 'href="/desk/audits.xlsx?shop=aud"' in boss.get("/desk/audits?shop=aud").text
    rows = _rows(boss.get("/desk/audits.xlsx?shop=aud"))
    assert rows[0][:7] == ("检查编号", "名称", "渠道", "截止日期", "客服", "检查员", "状态")
    assert [r[0] for r in rows[1:]] == [planned.id, done.id]  # latest due first, as on the page
    first, second = rows[1], rows[2]
    assert first[4] == "整个客服组"  # planned for the whole desk
    assert first[5] == agent.display_name and first[7] is None  # planned: no scores yet
    # (4 + 3 + 2 + 5 + 4) / 5 = 3.6, answered 12 minutes after the contact
    assert second[4] == agent.display_name and second[7:14] == (4, 3, 2, 5, 4, 3.6, 12)
    assert second[15] == "来电 13812345678 称漏水" and second[16] == "回电 13812345678"
    _without_pii(monkeypatch, "manager")
    masked = _rows(boss.get("/desk/audits.xlsx?shop=aud"))
    assert "13812345678" not in str(masked) and "称漏水" in str(masked)


def test_the_audits_workbook_in_english_and_only_for_managers(session, shop, login, client):
    audits.plan_audit(session, shop, title="Chat check", channel="chat", scenario="asks for an invoice",
                      due_on=date(2026, 3, 20), auditor_name="Outside A", actor=MANAGER)
    session.flush()
    agent = login("agent", username="agent_v", locale="en")
    assert agent.get("/desk/audits.xlsx?shop=aud").status_code == 403
    client.cookies.clear()
    boss = login("manager", username="boss_y", locale="en")
    rows = _rows(boss.get("/desk/audits.xlsx"))
    assert rows[0][:3] == ("Audit", "Name", "Channel") and rows[1][4] == "Whole desk" and rows[1][5] == "Outside A"
    assert rows[1][6] == "Planned"


def test_the_approvals_list_as_a_workbook(session, ticket, login, client, monkeypatch):
    session.get(Customer, ticket.customer_id).phone = "13812345678"
    session.flush()
    agent = login("agent", locale="zh")
    url = f"/desk/tickets/{ticket.id}"
    agent.htmx_post(f"{url}/compensation", {"kind": "refund", "amount": "30", "reason": "杯盖漏水致歉"})  # granted
    agent.htmx_post(f"{url}/compensation", {"kind": "refund", "amount": "40", "reason": "再退一部分 13812345678"})
    client.cookies.clear()
    manager = login("manager", username="boss_z", locale="zh")
    assert 'href="/desk/approvals.xlsx"' in manager.get("/desk/approvals").text
    rows = _rows(manager.get("/desk/approvals.xlsx"))
    assert rows[0] == ("申请编号", "工单", "店铺", "申请时间", "补偿方式", "金额", "原因", "申请人", "买家",
                       "买家手机号")
    (row,) = rows[1:]  # only the request waiting for a decision, not the granted one
    assert row[1] == ticket.id and row[5] == "¥40.00" and row[6] == "再退一部分 13812345678"
    assert row[8] == "王丽" and row[9] == "13812345678"
    _without_pii(monkeypatch, "manager")
    masked = _rows(manager.get("/desk/approvals.xlsx"))[1]
    assert masked[9] != "13812345678" and masked[9].startswith("138") and "13812345678" not in masked[6]
    client.cookies.clear()
    english = login("manager", username="boss_e", locale="en")
    assert _rows(english.get("/desk/approvals.xlsx"))[0][:3] == ("Request", "Ticket", "Shop")
