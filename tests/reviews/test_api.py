"""Reviews over the API: scopes, idempotent upserts, 404/422 answers, paging, one review in full, care, metrics."""

from __future__ import annotations

import warnings

import pytest
from sqlalchemy import func, select

from shopcx.core import clock
from shopcx.core.events import OutboxEvent
from shopcx.staff import service as staff

from ..factories import make_shop
from .helpers import at, order

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient


@pytest.fixture
def client(session):
    from shopcx.web.app import create_app

    return TestClient(create_app())


@pytest.fixture
def token(session):
    def make(*scopes: str) -> dict[str, str]:
        raw, _ = staff.create_token(session, name="reviews", scopes=list(scopes), actor=staff.SYSTEM)
        session.flush()
        return {"Authorization": f"Bearer {raw}"}

    return make


@pytest.fixture
def shop(session):
    shop = make_shop(session, code="tb", platform="taobao")
    late = [{"carrier": "顺丰速运", "tracking_no": "SF1", "promised_at": at("2026-03-03").isoformat(),
             "delivered_at": at("2026-03-06", 14).isoformat()}]
    order(session, shop, "T1", shipments=late, completed_at=at("2026-03-07"))
    order(session, shop, "T2")
    order(session, shop, "T3")
    session.flush()
    return shop


def _review(external_id: str, order_id: str, stars: int, **extra) -> dict:
    return {"external_id": external_id, "order_external_id": order_id, "stars": stars,
            "reviewed_at": at("2026-03-10").isoformat(), **extra}


def test_scopes_and_tokens(client, token, shop):
    assert client.get("/api/v1/reviews").status_code == 401
    orders_only = token("orders:read")
    denied = client.get("/api/v1/reviews", headers=orders_only)
    assert denied.status_code == 403 and "reviews:read" in denied.json()["message"]
    read = token("reviews:read")
    assert client.get("/api/v1/reviews", headers=read).status_code == 200
    assert client.post("/api/v1/shops/tb/reviews", json=_review("R1", "T1", 5), headers=read).status_code == 403
    assert client.get("/api/v1/customers/1/reviews", headers=read).status_code == 403  # also customers:read


def test_upsert_is_idempotent_and_bad_input_names_the_field(client, token, shop, session):
    write = token("reviews:write")
    body = _review("R1", "T1", 2, text="物流太慢了", dsr_logistics=1)
    first = client.post("/api/v1/shops/tb/reviews", json=body, headers=write)
    assert first.status_code == 201 and first.json()["rating_class"] == "bad"
    again = client.post("/api/v1/shops/tb/reviews", json=body, headers=write)
    assert again.status_code == 200 and again.json()["changed"] is False
    assert session.scalar(select(func.count(OutboxEvent.id)).where(OutboxEvent.topic == "review_received")) == 1
    unknown = client.post("/api/v1/shops/tb/reviews", json=_review("R2", "NOPE", 5), headers=write)
    assert unknown.status_code == 422
    assert unknown.json() == {"error": "unknown_order", "field": "order_external_id",
                              "message": "order_external_id: no order 'NOPE' in shop 'tb'; import the order first"}
    stars = client.post("/api/v1/shops/tb/reviews", json=_review("R3", "T2", 6), headers=write)
    assert stars.status_code == 422 and stars.json()["field"] == "stars"
    nothing = client.post("/api/v1/shops/tb/reviews", json={**_review("R4", "T2", 5), "stars": None},
                          headers=write)
    assert nothing.status_code == 422 and "needs stars" in nothing.json()["message"]
    chinese = client.post("/api/v1/shops/tb/reviews", json={**_review("R5", "T2", 1), "rating": "好评"},
                          headers=write)
    assert chinese.status_code == 201 and chinese.json()["rating_class"] == "good"
    assert client.post("/api/v1/shops/nope/reviews", json=body, headers=write).json()["error"] == "shop_not_found"


def test_batch_stores_each_review_on_its_own(client, token, shop):
    write = token("reviews:write")
    batch = {"reviews": [_review("B1", "T1", 5), _review("B2", "NOPE", 5), _review("B3", "T2", 3)]}
    out = client.post("/api/v1/shops/tb/reviews/batch", json=batch, headers=write).json()
    assert (out["created"], out["rejected"]) == (2, 1)
    assert [(i["index"], i["ok"], i["error"]) for i in out["items"]] == [(0, True, None), (1, False, "unknown_order"),
                                                                         (2, True, None)]


def test_list_pages_and_filters(client, token, shop):
    write, read = token("reviews:write"), token("reviews:read")
    for n, (order_id, stars) in enumerate([("T1", 1), ("T2", 5), ("T3", 5)], start=1):
        client.post("/api/v1/shops/tb/reviews", headers=write,
                    json={**_review(f"L{n}", order_id, stars), "reviewed_at": at(f"2026-03-1{n}").isoformat()})
    first = client.get("/api/v1/reviews", params={"page_size": 2}, headers=read).json()
    assert first["total"] == 3 and [r["external_id"] for r in first["items"]] == ["L3", "L2"]
    second = client.get("/api/v1/reviews", params={"page_size": 2, "page": 2}, headers=read).json()
    assert [r["external_id"] for r in second["items"]] == ["L1"]
    bad = client.get("/api/v1/reviews", params={"rating": "bad", "shop": "tb"}, headers=read).json()
    assert bad["total"] == 1 and bad["items"][0]["external_id"] == "L1"
    wrong = client.get("/api/v1/reviews", params={"rating": "terrible"}, headers=read)
    assert wrong.status_code == 422 and wrong.json()["field"] == "rating"
    assert client.get("/api/v1/reviews", params={"page_size": 500}, headers=read).status_code == 422


def test_one_review_in_full_with_delivery_and_masked_text(client, token, shop):
    write = token("reviews:write")
    created = client.post("/api/v1/shops/tb/reviews", headers=write,
                          json=_review("D1", "T1", 1, text="到货晚了三天，打13800138000也没人接")).json()
    detail = client.get(f"/api/v1/reviews/{created['review_id']}", headers=token("reviews:read")).json()
    assert "13800138000" not in detail["text"] and "138" in detail["text"]
    [shipment] = detail["order"]["shipments"]
    assert shipment["late"] is True and shipment["days_late"] == pytest.approx(3.5)
    assert detail["order"]["rating_deadline"].startswith("2026-03-22")  # completed 03-07 + 15 days
    assert detail["revision_deadline"].startswith("2026-04-09")
    full = client.get(f"/api/v1/reviews/{created['review_id']}", headers=token("reviews:read", "pii")).json()
    assert "13800138000" in full["text"]
    missing = client.get("/api/v1/reviews/999999", headers=token("reviews:read"))
    assert missing.status_code == 404 and missing.json()["error"] == "review_not_found"
    assert client.get("/api/v1/reviews/0", headers=token("reviews:read")).status_code == 422


def test_care_over_the_api(client, token, shop, session):
    write = token("reviews:write", "reviews:read")
    with clock.frozen_at(at("2026-03-10", 3)):
        created = client.post("/api/v1/shops/tb/reviews", json=_review("C1", "T1", 1), headers=write).json()
        review_id, case_id = created["review_id"], created["case_id"]
        assert case_id is not None
        inbox = client.get("/api/v1/review-inbox", params={"shop": "tb"}, headers=write).json()
        assert inbox["total"] == 1 and inbox["items"][0]["action"] == "care"
        assert inbox["counts"] == {"good": 0, "neutral": 0, "bad": 1, "overdue": 0}
        again = client.post(f"/api/v1/reviews/{review_id}/case", json={}, headers=write)
        assert again.status_code == 409 and again.json()["error"] == "case_exists"
        bribe = client.post(f"/api/v1/reviews/{review_id}/reply", json={"text": "好评返现5元哦"}, headers=write)
        assert bribe.status_code == 422 and bribe.json()["error"] == "incentive_for_revision"
        contact = client.post(f"/api/v1/review-cases/{case_id}/contacts", headers=write,
                              json={"channel": "phone", "result": "reached", "note": "买家同意换货"})
        assert contact.status_code == 201
        bad_channel = client.post(f"/api/v1/review-cases/{case_id}/contacts", headers=write,
                                  json={"channel": "pigeon", "result": "reached"})
        assert bad_channel.status_code == 422 and bad_channel.json()["field"] == "channel"
        resolved = client.post(f"/api/v1/review-cases/{case_id}/resolve", headers=write,
                               json={"resolution": "换新并退运费", "compensation_amount": 1000}).json()
        assert resolved["status"] == "resolved" and resolved["compensation_amount"] == 1000
    with clock.frozen_at(at("2026-03-12")):
        revision = client.post(f"/api/v1/reviews/{review_id}/revisions", json={"rating": "good"}, headers=write)
        assert revision.status_code == 201 and revision.json()["contact_id"] == contact.json()["id"]
        twice = client.post(f"/api/v1/reviews/{review_id}/revisions", json={"rating": "neutral"}, headers=write)
        assert twice.status_code == 409 and twice.json()["error"] == "revision_not_allowed"
    case = client.get(f"/api/v1/review-cases/{case_id}", headers=write).json()
    assert (case["status"], case["outcome"], len(case["contacts"])) == ("closed", "revised", 1)
    stats = client.get("/api/v1/shops/tb/ratings/revisions", headers=write,
                       params={"start": "2026-03-01", "end": "2026-03-31"}).json()
    assert stats["revision_rate"] == 1.0


def test_ratings_endpoints_state_their_dates(client, token, shop):
    write, read = token("reviews:write"), token("reviews:read")
    client.post("/api/v1/shops/tb/reviews", headers=write,
                json=_review("M1", "T1", 5, dsr_description=5, dsr_service=4, dsr_logistics=3))
    client.post("/api/v1/shops/tb/reviews", headers=write,
                json=_review("M2", "T2", 1, dsr_description=3, dsr_service=4, dsr_logistics=5))
    dsr = client.get("/api/v1/shops/tb/ratings/dsr", params={"as_of": "2026-03-31"}, headers=read).json()
    assert dsr["as_of"] == "2026-03-31" and dsr["window_start"] == "2025-10-03"
    assert [d["mean"] for d in dsr["dimensions"]] == [4.0, 4.0, 4.0]
    assert dsr["dimensions"][0]["gap_pct"] == pytest.approx((4.0 - 4.8) / 4.8 * 100)
    forecast = client.get("/api/v1/shops/tb/ratings/forecast", params={"as_of": "2026-03-31"}, headers=read).json()
    assert forecast["dimensions"][0]["fives_to_gain"] == 1  # (8 + 5n) / (2 + n) ≥ 4.1 ⇔ n ≥ 0.22
    series = client.get("/api/v1/shops/tb/ratings/dsr-series", headers=read,
                        params={"start": "2026-03-09", "end": "2026-03-10"}).json()
    assert [p["description"] for p in series["points"]] == [None, 4.0]
    by_product = client.get("/api/v1/shops/tb/ratings/counts", params={"by": "product", "start": "2026-03-01",
                                                                       "end": "2026-03-31"}, headers=read).json()
    assert by_product["groups"][0]["total"] == 2 and by_product["groups"][0]["bad_rate"] == 0.5
    for path in ("good-rate", "drivers", "ranking", "late-vs-rating", "response-times"):
        answer = client.get(f"/api/v1/shops/tb/ratings/{path}", headers=read,
                            params={"start": "2026-03-01", "end": "2026-03-31"})
        assert answer.status_code == 200 and answer.json()["start"] == "2026-03-01", path
    backwards = client.get("/api/v1/shops/tb/ratings/counts", params={"start": "2026-03-31", "end": "2026-03-01"},
                           headers=read)
    assert backwards.status_code == 422 and backwards.json()["error"] == "invalid_window"


def test_settings_templates_and_suggestions(client, token, shop):
    write, read = token("reviews:write", "reviews:settings"), token("reviews:read")
    # Issue 12: settings and templates are the settings page's, so reviews:write alone cannot change them.
    assert client.put("/api/v1/shops/tb/review-settings", json={"revision_days": 45},
                      headers=token("reviews:write")).status_code == 403
    defaults = client.get("/api/v1/shops/tb/review-settings", headers=write).json()
    assert (defaults["stored"], defaults["rating_days"], defaults["revision_days"]) == (False, 15, 30)
    changed = client.put("/api/v1/shops/tb/review-settings", json={"revision_days": 45}, headers=write).json()
    assert (changed["stored"], changed["revision_days"], changed["rating_days"]) == (True, 45, 15)
    assert client.put("/api/v1/shops/tb/review-settings", json={"revision_days": 999},
                      headers=write).status_code == 422
    template = client.post("/api/v1/shops/tb/reply-templates", headers=write,
                           json={"rating_class": "good", "body": "谢谢{name}喜欢{product}！"})
    assert template.status_code == 201
    bribe = client.post("/api/v1/shops/tb/reply-templates", headers=write,
                        json={"rating_class": "good", "body": "好评返现3元"})
    assert bribe.status_code == 422 and bribe.json()["error"] == "incentive_for_revision"
    created = client.post("/api/v1/shops/tb/reviews", json=_review("S1", "T1", 5, reviewer_name="小李"),
                          headers=write).json()
    suggestions = client.get(f"/api/v1/reviews/{created['review_id']}/reply-suggestions", headers=read).json()
    assert suggestions == [{"template_id": template.json()["id"], "text": "谢谢亲爱的顾客喜欢保温杯！"}]
    assert client.delete(f"/api/v1/shops/tb/reply-templates/{template.json()['id']}",
                         headers=write).status_code == 204
    builtin = client.get(f"/api/v1/reviews/{created['review_id']}/reply-suggestions", headers=read).json()
    assert all(s["template_id"] is None for s in builtin)
    assert client.delete("/api/v1/shops/tb/reply-templates/424242", headers=write).status_code == 404


def test_customer_reviews_need_both_scopes(client, token, shop, session):
    from shopcx.orders.models import Order

    write = token("reviews:write")
    client.post("/api/v1/shops/tb/reviews", json=_review("P1", "T1", 4), headers=write)
    customer_id = session.scalar(select(Order.customer_id).where(Order.external_id == "T1"))
    both = token("reviews:read", "customers:read")
    page = client.get(f"/api/v1/customers/{customer_id}/reviews", headers=both).json()
    assert page["total"] == 1 and page["items"][0]["external_id"] == "P1"
    assert client.get("/api/v1/customers/999999/reviews", headers=both).status_code == 404


def test_carrier_filter_counts_only_that_carriers_orders(client, token, shop, session):
    """Issue 12 item 5: the carrier filter used to answer 500 on every ratings endpoint that joins shipments."""
    zto = [{"carrier": "中通快递", "tracking_no": "ZT1", "promised_at": at("2026-03-03").isoformat(),
            "delivered_at": at("2026-03-02").isoformat()}]
    split = [{"carrier": "中通快递", "tracking_no": "ZT2", "promised_at": at("2026-03-03").isoformat(),
              "delivered_at": at("2026-03-02").isoformat()},
             {"carrier": "顺丰速运", "tracking_no": "SF2", "promised_at": at("2026-03-03").isoformat(),
              "delivered_at": at("2026-03-02").isoformat()}]
    order(session, shop, "T4", shipments=zto)
    order(session, shop, "T5", shipments=split)
    session.flush()
    write, read = token("reviews:write"), token("reviews:read")
    for external_id, order_id, stars in (("C1", "T1", 1), ("C2", "T2", 5), ("C3", "T4", 5), ("C4", "T5", 4)):
        assert client.post("/api/v1/shops/tb/reviews", json=_review(external_id, order_id, stars),
                           headers=write).status_code == 201
    window = {"start": "2026-03-01", "end": "2026-03-31"}
    by_carrier = client.get("/api/v1/shops/tb/ratings/counts", headers=read,
                            params={**window, "by": "carrier", "carrier": "顺丰速运"})
    assert by_carrier.status_code == 200, by_carrier.text
    groups = {g["label"]: g["total"] for g in by_carrier.json()["groups"]}
    assert groups == {"顺丰速运": 2}  # T1 and the split T5; T5's 中通 parcel is not a 顺丰 row
    overall = client.get("/api/v1/shops/tb/ratings/counts", headers=read, params={**window, "carrier": "中通快递"})
    assert overall.status_code == 200 and overall.json()["total"] == 2  # T4 and T5
    late = client.get("/api/v1/shops/tb/ratings/late-vs-rating", headers=read,
                      params={**window, "carrier": "顺丰速运"})
    assert late.status_code == 200, late.text
    rows = {g["group"]: (g["reviews"], g["mean_stars"]) for g in late.json()["groups"]}
    assert rows["late"] == (1, 1.0) and rows["on_time"] == (1, 4.0) and rows["no_shipment"] == (0, None)
