# ruff: noqa: F811  (the suites' fixtures are imported below and used as test arguments)
"""The desk's reports and mystery-shopper audits over JSON (both backends): the reports page's figures on the
reports pages' fixture, hand-checked; the audits with scores and notes; the scopes; bad query values."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from shopcx.core import clock
from shopcx.desk.audits import service as audits

from ..api.conftest import client, token  # noqa: F401
from ..web.conftest import make_user  # noqa: F401
from .test_audits import MANAGER, SCORES, T0
from .test_reports_pages import shop, tickets  # noqa: F401


def test_the_report_over_json_gives_the_pages_figures(client, token, session, shop, make_user):
    agent = make_user("agent", "agent_r")
    tickets(session, shop, agent.id)
    with clock.frozen_at(T0 + timedelta(days=6)):
        got = client.get("/api/v1/desk/reports", params={"shop": "rep", "days": 30},
                         headers=token("desk:read", "desk:settings"))
    assert got.status_code == 200, got.text
    body = got.json()
    assert body["shop"] == "rep" and body["days"] == 30 and body["tickets"] == 2
    # one ticket of each category: half the tickets each, the cumulative share reaching 1
    assert [(p["value"], p["tickets"], p["cumulative"]) for p in body["pareto_category"]] == [
        ("logistics", 1, 0.5), ("quality", 1, 1.0)]
    assert sorted(p["value"] for p in body["pareto_carrier"]) == ["中通快递", "顺丰速运"]
    # buyer 0 (resolved within a day) bought again, buyer 1 (unresolved) did not: 1 of 2 customers repurchased
    assert {b["took"]: (b["complainants"], b["bought_again"], b["rate"]) for b in body["recovery"]["buckets"]} == {
        "le1d": (1, 1, 1.0), "unresolved": (1, 0, 0.0)}
    assert body["recovery"]["shop_rate"] == 0.5
    # the first response: ticket a answered after 20 minutes (met), ticket b never within its target (missed)
    first = body["sla"]["first_response"]
    assert (first["met"], first["missed"], first["rate"]) == (1, 1, 0.5)
    (row,) = body["agents"]
    assert row["owner_id"] == agent.id and row["tickets"] == 2 and row["first_response_median_min"] == 20.0
    assert row["csat"] == 1.0 and row["rated"] == 1
    assert sum(body["backlog"].values()) == 1
    assert body["promises"] == {"kept": 0, "broken": 0, "open": 0, "rate": None}


def test_coaching_rows_need_desk_settings_and_other_scopes_are_refused(client, token, session, shop, make_user):
    tickets(session, shop, make_user("agent", "agent_s").id)
    with clock.frozen_at(T0 + timedelta(days=6)):
        plain = client.get("/api/v1/desk/reports", params={"shop": "rep", "days": 30}, headers=token("desk:read"))
    assert plain.status_code == 200 and plain.json()["agents"] == [] and plain.json()["tickets"] == 2
    assert client.get("/api/v1/desk/reports", headers=token("customers:read")).status_code == 403


@pytest.mark.parametrize("params, field", [({"days": 0}, "days"), ({"days": "abc"}, "days"),
                                           ({"days": 366}, "days"), ({"shop": "x" * 41}, "shop")])
def test_bad_report_query_values_are_refused_naming_the_field(client, token, shop, params, field):
    got = client.get("/api/v1/desk/reports", params=params, headers=token("desk:read"))
    assert got.status_code == 422 and got.json()["field"] == field


def test_an_unknown_shop_is_404(client, token, shop):
    got = client.get("/api/v1/desk/reports", params={"shop": "nope"}, headers=token("desk:read"))
    assert got.status_code == 404 and got.json()["field"] == "shop"


def _audits(session, shop, agent_id):
    done = audits.plan_audit(session, shop, title="电话投诉", channel="phone", scenario="来电 13812345678 称漏水",
                             due_on=date(2026, 3, 10), agent_id=agent_id, auditor_name="外部检查员甲", actor=MANAGER)
    audits.score_audit(session, done, SCORES, contacted_at=T0, answered_at=T0 + timedelta(minutes=12),
                       comment="语气好，电话 13812345678", scored_by="外部检查员甲")
    planned = audits.plan_audit(session, shop, title="旺旺咨询", channel="chat", scenario="问发票",
                                due_on=date(2026, 3, 20), auditor_name="乙", actor=MANAGER)
    session.flush()
    return done, planned


def test_audits_over_json_with_scores_and_notes(client, token, session, shop, make_user):
    agent = make_user("agent", "agent_t")
    done, planned = _audits(session, shop, agent.id)
    listed = client.get("/api/v1/desk/audits", params={"shop": "rep"}, headers=token("desk:settings"))
    assert listed.status_code == 200, listed.text
    items = listed.json()["items"]
    assert [i["id"] for i in items] == [planned.id, done.id]  # latest due first, as on the page
    assert items[0]["score"] is None and items[0]["status"] == "planned"
    # (4 + 3 + 2 + 5 + 4) / 5 = 3.6; answered 12 minutes after the contact
    assert items[1]["score"] == SCORES | {"overall": 3.6, "response_minutes": 12}
    assert items[1]["agent_id"] == agent.id
    one = client.get(f"/api/v1/desk/audits/{done.id}", headers=token("desk:write", "pii")).json()
    assert one["comment"] == "语气好，电话 13812345678" and one["scored_by"] == "外部检查员甲"
    assert one["scenario"] == "来电 13812345678 称漏水" and one["score"]["overall"] == 3.6
    masked = client.get(f"/api/v1/desk/audits/{done.id}", headers=token("desk:write")).json()
    assert "13812345678" not in masked["comment"] and "13812345678" not in masked["scenario"]
    bare = client.get(f"/api/v1/desk/audits/{planned.id}", headers=token("desk:write")).json()
    assert bare["score"] is None and bare["comment"] is None


def test_audit_scopes_and_bad_values(client, token, session, shop):
    done, _ = _audits(session, shop, None)
    assert client.get("/api/v1/desk/audits", headers=token("desk:read", "desk:write")).status_code == 403
    assert client.get(f"/api/v1/desk/audits/{done.id}", headers=token("desk:read")).status_code == 403
    bad = client.get("/api/v1/desk/audits/abc", headers=token("desk:write"))
    assert bad.status_code == 422 and bad.json()["field"] == "audit_id"
    gone = client.get("/api/v1/desk/audits/999999", headers=token("desk:write"))
    assert gone.status_code == 404 and gone.json()["field"] == "audit"
    long = client.get("/api/v1/desk/audits", params={"shop": "x" * 41}, headers=token("desk:settings"))
    assert long.status_code == 422 and long.json()["field"] == "shop"
