# ruff: noqa: F811  (the web suite's fixtures are imported below and used as test arguments)
"""One timeline per customer: each domain's entries (orders, deliveries, reviews, tickets and notes, points, tier,
consent) with who and when, filters by kind, the same over the API, and only the kinds the viewer may open."""

from __future__ import annotations

from datetime import UTC, datetime

from shopcx.core import clock
from shopcx.customers import service as customers
from shopcx.dashboard import timeline as activity
from shopcx.desk import service as desk
from shopcx.staff.service import Actor

from ..api.conftest import token  # noqa: F401
from ..factories import make_shop
from ..loyalty.factories import make_program
from ..reviews.helpers import order, record
from ..web.conftest import client, login, make_user  # noqa: F401

AGENT = Actor(label="user:agent7", role="agent")


def _customer_with_history(session):
    shop = make_shop(session, code="tl", name="动态店")
    session.flush()
    make_program(session, shop)
    with clock.frozen_at(datetime(2026, 3, 1, 2, tzinfo=UTC)):
        placed = order(session, shop, "TL-1", buyer="tl-buyer", shipments=[
            {"carrier": "顺丰", "shipped_at": "2026-03-01T08:00:00Z",
             "promised_at": "2026-03-03T08:00:00Z", "delivered_at": "2026-03-04T08:00:00Z"}])
    with clock.frozen_at(datetime(2026, 3, 6, 2, tzinfo=UTC)):
        record(session, shop, placed, stars=2, text="杯子漏水了", reviewed_at=datetime(2026, 3, 6, 2, tzinfo=UTC))
    ticket = desk.create_ticket(session, shop, channel="phone", subject="换货", body="杯盖漏水要换", actor=AGENT,
                                order="TL-1", assign=False, now=datetime(2026, 3, 7, 2, tzinfo=UTC))
    with clock.frozen_at(datetime(2026, 3, 7, 3, tzinfo=UTC)):
        desk.add_message(session, ticket, "note", "已安排顺丰上门取件", actor=AGENT)
    customer = customers.get_customer(session, placed.customer_id)
    with clock.frozen_at(datetime(2026, 3, 8, 2, tzinfo=UTC)):
        customers.set_consent(session, customer, "sms", False, source="staff", actor=AGENT)
    session.flush()
    return customer, ticket


def test_every_domain_contributes_its_entries_latest_first(session):
    customer, ticket = _customer_with_history(session)
    entries = activity.timeline(session, customer.id, can=lambda p: True)
    kinds = [e.kind for e in entries]
    assert {"order", "delivery", "review", "ticket", "note", "consent"} <= set(kinds)
    assert [e.at for e in entries] == sorted((e.at for e in entries), reverse=True)
    assert entries[0].kind == "consent" and entries[0].vars["granted"] is False  # 8 Mar, the latest
    note = next(e for e in entries if e.kind == "note")
    assert note.who == "user:agent7" and note.href == f"/desk/tickets/{ticket.id}"
    review = next(e for e in entries if e.kind == "review")
    assert review.response == "杯子漏水了" and review.vars["class"] == "bad"
    delivery = next(e for e in entries if e.kind == "delivery")
    assert delivery.vars["late"] is True  # delivered 4 Mar, promised 3 Mar
    assert "晚于承诺" in activity.sentence(delivery, "zh")
    assert "later than promised" in activity.sentence(delivery, "en")


def test_filters_by_kind_and_by_what_the_viewer_may_open(session):
    customer, _ = _customer_with_history(session)
    only = activity.timeline(session, customer.id, can=lambda p: True, kinds={"review", "note"})
    assert {e.kind for e in only} == {"review", "note"}
    no_desk = activity.timeline(session, customer.id, can=lambda p: p != "desk:read")
    assert not {"ticket", "note"} & {e.kind for e in no_desk}
    assert activity.parse_kinds("order, bogus,review") == {"order", "review"}


def test_customer_page_and_timeline_page(login, session):
    customer, _ = _customer_with_history(session)
    agent = login("agent")
    page = agent.get(f"/customers/{customer.id}")
    assert 'id="activity"' in page.text and "杯子漏水了" in page.text and "已安排顺丰上门取件" in page.text
    rows = agent.htmx_get(f"/customers/{customer.id}/timeline?kind=review", target="timeline-rows")
    assert rows.status_code == 200 and "<html" not in rows.text
    assert 'data-kind="review"' in rows.text and 'class="activity-item kind-ticket"' not in rows.text
    full = agent.get(f"/customers/{customer.id}/timeline")
    assert full.status_code == 200 and "<html" in full.text and "Customer timeline" not in full.text
    assert login("analyst", locale="en").get(f"/customers/{customer.id}/timeline").text.count("Customer timeline")


def test_the_same_over_the_api(session, client, token):
    customer, _ = _customer_with_history(session)
    body = client.get(f"/api/v1/customers/{customer.id}/timeline?kind=note,review",
                      headers=token("customers:read", "desk:read")).json()
    assert [e["kind"] for e in body["entries"]] == ["note"]  # reviews need reviews:read
    assert body["entries"][0]["who"] == "user:agent7"
    refused = client.get(f"/api/v1/customers/{customer.id}/timeline", headers=token("orders:read"))
    assert refused.status_code == 403


def test_codes_are_named_in_the_page_language(session):
    """Statuses, channels, sources, ledger kinds and reasons and tiers read as words in each language (they were
    codes on the Chinese page: "sms 营销许可：撤回（来源 staff）", "— → member（join）"); the API keeps the codes."""
    from shopcx.loyalty.service import active, enrol

    customer, _ticket = _customer_with_history(session)
    program = active(session, _ticket.shop_id)
    with clock.frozen_at(datetime(2026, 3, 9, 2, tzinfo=UTC)):
        enrol(session, program, customer.id)
    session.flush()
    entries = activity.timeline(session, customer.id, can=lambda p: True)
    entry_tier = program.config.tiers[0]
    said = {lang: {e.label.removeprefix("timeline."): activity.sentence(e, lang) for e in entries}
            for lang in ("zh", "en")}
    assert said["zh"]["consent"] == "短信 营销许可：撤回（来源 员工修改）"
    assert said["en"]["consent"] == "SMS marketing consent: withdrawn (source: by staff)"
    assert said["zh"]["order"] == "下单 TL-1，实付 ¥49.90（交易成功）"
    assert said["en"]["order"].endswith("(Completed)")
    assert said["zh"]["ticket"] == "新建工单「换货」（电话）"
    assert said["zh"]["tier"] == f"— → {entry_tier.name_zh}（入会）"
    assert said["en"]["tier"] == f"— → {entry_tier.name_en} (joined)"
    tier = next(e for e in entries if e.kind == "tier")
    assert (tier.vars["to"], tier.vars["reason"]) == (entry_tier.code, "join")  # what the API gives
