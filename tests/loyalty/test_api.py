"""Loyalty over the JSON API: scopes, the program's versions, members, adjustments (tokens never approve),
reports, and spending points with an idempotency key."""

from __future__ import annotations

import warnings
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from shopcx.core import clock
from shopcx.loyalty.config import default_config
from shopcx.loyalty.models import AdjustmentRequest, PointsEntry
from shopcx.loyalty.service.points.adjustments import adjust_points
from shopcx.staff import service as staff
from shopcx.staff.service import SYSTEM

from ..factories import make_shop
from .factories import make_program
from .test_adjustments import member

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

NOW = datetime(2026, 5, 10, 4, 0, tzinfo=UTC)


@pytest.fixture
def client(session):
    from shopcx.web.app import create_app

    return TestClient(create_app())


@pytest.fixture
def token(session):
    def make(*scopes: str) -> dict[str, str]:
        raw, _ = staff.create_token(session, name="crm", scopes=list(scopes), actor=SYSTEM)
        session.flush()
        return {"Authorization": f"Bearer {raw}"}

    return make


@pytest.fixture
def frozen():
    with clock.frozen_at(NOW):
        yield


@pytest.fixture
def shop_with_members(session, frozen):
    shop, program = make_program(session, make_shop(session, code="api"))
    anna = member(session, program, "安娜", phone="13800000001")
    bo = member(session, program, "博文", phone="13900000002")
    adjust_points(session, program, anna, 1000, "开业赠送", actor=SYSTEM)
    session.flush()
    return shop, program, anna, bo


def test_scopes_and_missing_program(client, token, session, frozen):
    make_shop(session, code="bare")
    session.flush()
    url = "/api/v1/shops/bare/loyalty/members"
    assert client.get(url).status_code == 401
    wrong = client.get(url, headers=token("customers:read"))
    assert wrong.status_code == 403 and "loyalty:read" in wrong.json()["message"]
    missing = client.get(url, headers=token("loyalty:read"))
    assert missing.status_code == 404 and missing.json()["error"] == "no_program"
    assert client.get("/api/v1/shops/nowhere/loyalty/liability", headers=token("loyalty:read")).json()[
        "error"] == "shop_not_found"
    read_only = client.post("/api/v1/shops/bare/loyalty/program", json={}, headers=token("loyalty:read"))
    assert read_only.status_code == 403


def test_program_versions_backtest_and_publish(client, token, session, frozen):
    make_shop(session, code="rules")
    session.flush()
    write, base = token("loyalty:read", "loyalty:settings"), "/api/v1/shops/rules/loyalty/program"
    # Issue 12: the rules are settings, as on the program page; loyalty:write alone does not publish them.
    coarse = client.post(base, json={"name": "测试会员"}, headers=token("loyalty:read", "loyalty:write"))
    assert coarse.status_code == 403 and "loyalty:settings" in coarse.json()["message"]
    created = client.post(base, json={"name": "测试会员"}, headers=write)
    assert created.status_code == 201 and created.json()["published_version"] == 1
    assert [t["code"] for t in created.json()["config"]["tiers"]] == ["member", "silver", "gold", "diamond"]
    assert client.post(base, json={}, headers=write).status_code == 409

    rules = default_config().model_dump(mode="json")
    rules["tiers"][1]["min_orders"] = -1
    bad = client.put(base + "/draft", json={"config": rules}, headers=write)
    assert bad.status_code == 422 and bad.json()["field"] == "tiers.1.min_orders"
    assert bad.json()["message"].startswith("tiers.1.min_orders:")
    rules["tiers"][1]["min_orders"] = 5
    draft = client.put(base + "/draft", json={"config": rules, "note": "银卡 5 单"}, headers=write)
    assert draft.status_code == 200 and (draft.json()["version"], draft.json()["status"]) == (2, "draft")
    tested = client.post(base + "/backtest", json={}, headers=token("loyalty:read"))
    assert tested.status_code == 200 and tested.json()["candidate_version"] == 2 and tested.json()["members"] == 0
    published = client.post(base + "/publish", json={"version": 2}, headers=write)
    assert published.status_code == 200 and published.json()["status"] == "published"
    again = client.post(base + "/publish", json={"version": 2}, headers=write)
    assert again.status_code == 409 and again.json()["error"] == "not_a_draft" and again.json()["field"] == "version"
    shown = client.get(base, headers=write).json()
    assert shown["published_version"] == 2 and [v["status"] for v in shown["versions"]] == ["retired", "published"]
    assert client.post(base + "/backtest", json={}, headers=write).json()["error"] == "no_draft"
    assert client.get(base + "/versions/1", headers=write).json()["config"]["tiers"][1]["min_orders"] == 3


def test_members_card_ledger_floor(client, token, session, shop_with_members):
    shop, program, anna, bo = shop_with_members
    read, base = token("loyalty:read"), "/api/v1/shops/api/loyalty/members"
    page = client.get(base, headers=read, params={"page_size": 1}).json()
    assert page["total"] == 2 and page["as_of"] == "2026-05-10"
    assert [(m["name"], m["balance"]) for m in page["items"]] == [("安娜", 1000)]
    assert client.get(base, headers=read, params={"min_balance": 1}).json()["total"] == 1
    # A phone number finds a member only for a token that may see contacts.
    assert client.get(base, headers=read, params={"q": "13900000002"}).json()["total"] == 0
    assert client.get(base, headers=token("loyalty:read", "pii"), params={"q": "13900000002"}).json()["total"] == 1
    card = client.get(f"{base}/{anna.customer_id}", headers=read).json()
    assert card["balance"] == 1000 and card["tier"]["code"] == "member"
    assert card["progress"]["next_tier"]["spend_to_next_amount"] == 100_000
    missing = client.get(f"{base}/987654", headers=read)
    assert missing.status_code == 404 and missing.json()["field"] == "customer_id"
    ledger = client.get(f"{base}/{anna.customer_id}/ledger", headers=read).json()
    assert ledger["total"] == 1 and ledger["items"][0]["kind"] == "adjust" and ledger["items"][0]["points"] == 1000

    refused = client.put(f"{base}/{bo.customer_id}/tier-floor", headers=token("loyalty:read", "loyalty:write"),
                         json={"tier": "silver", "reason": "合作伙伴"})
    assert refused.status_code == 403 and "loyalty:approve" in refused.json()["message"]  # as on the member page
    write = token("loyalty:read", "loyalty:approve")
    floor = client.put(f"{base}/{bo.customer_id}/tier-floor", headers=write,
                       json={"tier": "silver", "reason": "合作伙伴", "until_on": "2026-12-31"})
    assert floor.status_code == 200 and floor.json()["tier"]["code"] == "silver"
    assert floor.json()["floor"] == {"tier": "silver", "reason": "合作伙伴", "until_on": "2026-12-31", "active": True}
    unknown = client.put(f"{base}/{bo.customer_id}/tier-floor", headers=write, json={"tier": "jade", "reason": "x"})
    assert unknown.status_code == 422 and unknown.json()["field"] == "tier"
    changes = client.get(f"{base}/{bo.customer_id}/tier-changes", headers=read).json()
    assert [(c["from_tier"], c["to_tier"], c["reason"]) for c in changes["items"]] == [
        ("member", "silver", "manual"), (None, "member", "join")]


def test_adjustments_over_the_api_wait_for_a_person(client, token, session, shop_with_members):
    shop, program, anna, bo = shop_with_members
    write, base = token("loyalty:read", "loyalty:write"), "/api/v1/shops/api/loyalty"
    made = client.post(f"{base}/members/{bo.customer_id}/adjustments", headers=write,
                       json={"points": 5, "reason": "CRM 补录"})
    assert made.status_code == 202 and made.json()["status"] == "pending_approval"
    assert made.json()["entry"] is None and made.json()["balance"] == 0
    request_id = made.json()["request"]["id"]
    listed = client.get(f"{base}/adjustment-requests", headers=write).json()
    assert listed["total"] == 1 and listed["items"][0]["name"] == "博文" and listed["items"][0]["points"] == 5
    assert client.post(f"{base}/adjustment-requests/{request_id}/approve", headers=write,
                       json={}).status_code == 403  # loyalty:write is not loyalty:approve
    refused = client.post(f"{base}/adjustment-requests/{request_id}/approve", headers=token("loyalty:approve"),
                          json={})
    assert refused.status_code == 403 and refused.json()["error"] == "approval_needs_staff"
    assert "API token" in refused.json()["message"]
    assert session.get(AdjustmentRequest, request_id).status == "pending"
    no_reason = client.post(f"{base}/members/{bo.customer_id}/adjustments", headers=write,
                            json={"points": 5, "reason": " "})
    assert no_reason.status_code == 422 and no_reason.json()["field"] == "reason"
    too_much = client.post(f"{base}/members/{bo.customer_id}/adjustments", headers=write,
                           json={"points": -5, "reason": "扣回"})
    assert too_much.status_code == 409 and too_much.json()["error"] == "insufficient_points"


def test_liability_and_daily(client, token, session, shop_with_members):
    base = "/api/v1/shops/api/loyalty"
    report = client.get(f"{base}/liability", headers=token("loyalty:read")).json()
    assert report["outstanding"] == {"points": 1000, "value_amount": 1000} and report["members"] == 2
    assert report["expiring_next_month"]["points"] == 0
    assert client.post(f"{base}/daily", headers=token("loyalty:read")).status_code == 403
    ran = client.post(f"{base}/daily", headers=token("loyalty:write"), params={"force_review": True})
    assert ran.status_code == 200 and ran.json()["as_of"] == "2026-05-10" and ran.json()["reviewed"] == 2


def test_spending_points_needs_an_idempotency_key(client, token, session, shop_with_members):
    shop, program, anna, bo = shop_with_members
    write, base = token("loyalty:read", "loyalty:write"), "/api/v1/shops/api/loyalty"
    reward = client.post(f"{base}/rewards", headers=token("loyalty:settings"), json={
        "code": "c10", "name_zh": "10元券", "name_en": "¥10 off", "kind": "coupon_amount", "points_cost": 500,
        "amount_off": 1000, "min_spend_amount": 5000})
    assert reward.status_code == 201, reward.text
    options = client.get(f"{base}/members/{bo.customer_id}/rewards", headers=write).json()
    assert options[0]["affordable"] is False and options[0]["points_short"] == 500

    url = f"{base}/members/{anna.customer_id}/redemptions"
    keyless = client.post(url, headers=write, json={"reward_code": "c10"})
    assert keyless.status_code == 422 and keyless.json()["error"] == "idempotency_key_required"
    first = client.post(url, headers={**write, "Idempotency-Key": "r-1"}, json={"reward_code": "c10"})
    assert first.status_code == 201, first.text
    replay = client.post(url, headers=write, json={"reward_code": "c10", "idempotency_key": "r-1"})
    assert replay.status_code == 200 and replay.json()["code"] == first.json()["code"]
    assert first.json()["amount_off"] == 1000 and first.json()["max_uses"] == 1

    pay_url = f"{base}/members/{anna.customer_id}/points-payments"
    body = {"order_ref": "T-900", "order_total_amount": 10_000, "points": 200}
    assert client.post(pay_url, headers=write, json=body).status_code == 422
    paid = client.post(pay_url, headers={**write, "Idempotency-Key": "p-1"}, json=body)
    assert paid.status_code == 201 and paid.json() == {"entry_id": paid.json()["entry_id"], "points": 200,
                                                       "value_amount": 200, "replayed": False, "balance": 300}
    again = client.post(pay_url, headers={**write, "Idempotency-Key": "p-1"}, json=body)
    assert again.status_code == 200 and again.json()["replayed"] is True and again.json()["balance"] == 300
    over = client.post(pay_url, headers={**write, "Idempotency-Key": "p-2"},
                       json={"order_ref": "T-901", "order_total_amount": 100, "points": 200})
    assert over.status_code == 409 and over.json()["error"] == "points_over_limit"
    cancelled = client.post(f"{pay_url}/p-1/cancel", headers=write)
    assert cancelled.status_code == 200 and cancelled.json() == {"restored": 200, "balance": 500}
    spent = session.scalar(select(func.count(PointsEntry.id)).where(PointsEntry.account_id == anna.id,
                                                                    PointsEntry.kind == "redeem"))
    assert spent == 2  # one reward, one payment: the replays spent nothing


def test_coupons_quote_and_referrals(client, token, session, shop_with_members):
    shop, program, anna, bo = shop_with_members
    write, base = token("loyalty:read", "loyalty:write", "loyalty:settings"), "/api/v1/shops/api/loyalty"
    assert client.post(f"{base}/coupons", headers=token("loyalty:write"), json={
        "kind": "coupon_amount", "code": "X-1", "amount_off": 100}).status_code == 403  # the rewards page's rule
    coupon = client.post(f"{base}/coupons", headers=write, json={
        "kind": "coupon_amount", "code": "SPRING-20", "amount_off": 2000, "min_spend_amount": 10_000,
        "max_uses": 100})
    assert coupon.status_code == 201 and coupon.json()["code"] == "SPRING-20"
    assert client.get(f"{base}/coupons", headers=write).json()["total"] == 1
    short = client.get(f"{base}/coupons/spring-20/check", headers=write,
                       params={"customer_id": anna.customer_id, "spend_amount": 5000})
    assert short.status_code == 409 and short.json()["error"] == "coupon_min_spend"
    quoted = client.post(f"{base}/quote", headers=write, json={
        "customer_id": anna.customer_id, "coupon_code": "SPRING-20",
        "items": [{"sku": "A", "quantity": 2, "unit_price_amount": 6000}]})
    assert quoted.status_code == 200 and quoted.json()["total_amount"] == 12_000 - 2000
    bad_item = client.post(f"{base}/quote", headers=write, json={"items": [{"quantity": 1}]})
    assert bad_item.status_code == 422
    changed = client.patch(f"{base}/coupons/SPRING-20", headers=write, json={"max_uses": 10})
    assert changed.status_code == 200 and changed.json()["max_uses"] == 10
    assert client.post(f"{base}/coupons/SPRING-20/void", headers=write, json={}).json()["status"] == "void"

    newcomer = member(session, program, "陈新", phone="13700000003")
    session.flush()
    same = client.post(f"{base}/referrals", headers=write, json={"customer_id": anna.customer_id,
                                                                  "code": anna.referral_code})
    assert same.status_code == 409 and same.json()["error"] == "referral_self"
    made = client.post(f"{base}/referrals", headers=write, json={"customer_id": newcomer.customer_id,
                                                                  "code": anna.referral_code.lower()})
    assert made.status_code == 201 and made.json()["status"] == "pending"
    assert client.get(f"{base}/referrals", headers=write).json()["total"] == 1
