"""Replays award points once (issue 4, point 3): the same order upserted again and again, the same webhook
delivered twice (also out of order), the same CSV imported twice, the outbox dispatched again, a shop's history
reconciled again. Each time the ledger, the tier activity and the tier changes stay exactly as they were.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import warnings
from datetime import datetime, timezone

import pytest
from sqlalchemy import func, select, update

from shopcx.core import clock, jobs
from shopcx.core.events import OutboxEvent
from shopcx.loyalty import jobs as loyalty_jobs
from shopcx.loyalty.config import Earning, ProgramConfig, Tier
from shopcx.loyalty.models import LoyaltyAccount, PointsEntry, TierActivity, TierChange
from shopcx.orders import service as orders
from shopcx.orders.schemas import OrderIn
from shopcx.shops.webhooks import secret_of
from shopcx.staff.service import SYSTEM

from ..factories import make_shop
from ..imports.helpers import SAMPLES, run_import
from .factories import BUYER, make_program

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

PAID_AT = datetime(2026, 3, 1, 2, tzinfo=timezone.utc)


def flat_config(**earning) -> ProgramConfig:
    return ProgramConfig(tiers=[Tier(code="member", name_zh="会员", name_en="Member"),
                                Tier(code="silver", name_zh="银卡", name_en="Silver", min_spend_amount=20_000,
                                     points_multiplier=2000)],
                         earning=Earning(**({"join_points": 50, "first_order_points": 100} | earning)))


def ledger_state(session) -> dict:
    """Everything a replay must leave alone: row counts and every account's balances and tier."""
    session.flush()
    session.expire_all()
    count = {model.__tablename__: session.scalar(select(func.count()).select_from(model))
             for model in (PointsEntry, TierActivity, TierChange)}
    accounts = session.execute(select(LoyaltyAccount.customer_id, LoyaltyAccount.balance,
                                      LoyaltyAccount.pending_balance, LoyaltyAccount.tier_code)
                               .order_by(LoyaltyAccount.customer_id)).all()
    return count | {"accounts": [tuple(row) for row in accounts]}


def order_in(**overrides) -> OrderIn:
    # ¥150 + ¥80, shipping ¥10: base 23,000 → 150 + 80 = 230 points at 1×, + 100 first-order; ¥230 → silver.
    return OrderIn.model_validate({
        "source": "taobao", "external_id": "T9001", "status": "paid", "placed_at": PAID_AT, "customer": BUYER,
        "shipping_amount": 1_000,
        "lines": [{"sku": "A", "name": "A", "quantity": 1, "unit_price_amount": 15_000},
                  {"sku": "B", "name": "B", "quantity": 2, "unit_price_amount": 4_000}]} | overrides)


def test_the_same_order_upserted_many_times_earns_once(session):
    shop, program = make_program(session, config=flat_config())
    with clock.frozen_at(PAID_AT):
        for _ in range(5):
            orders.upsert_order(session, shop, order_in(), actor=SYSTEM)
            session.flush()
            jobs.dispatch_outbox()
        state = ledger_state(session)
        loyalty_jobs.sync_shop(shop.id)
        loyalty_jobs.sync_shop(shop.id)
    assert ledger_state(session) == state
    (balance, pending) = state["accounts"][0][1:3]
    assert (balance, pending) == (50, 330)          # join 50 available; 230 + 100 first-order pending
    assert state["points_entry"] == 3 and state["tier_activity"] == 1
    assert state["accounts"][0][3] == "silver"


def test_every_status_update_replayed_and_out_of_order_changes_nothing_twice(session):
    shop, program = make_program(session, config=flat_config())
    updates = [order_in(),
               order_in(status="shipped", shipments=[{"tracking_no": "SF1"}]),
               order_in(status="shipped", shipments=[{"tracking_no": "SF1"}],
                        refunds=[{"external_id": "R1", "amount": 8_000,
                                  "lines": [{"line_no": 2, "quantity": 2, "amount": 8_000}]}])]
    states = []
    with clock.frozen_at(PAID_AT):
        for data in updates:
            for _ in range(2):
                orders.upsert_order(session, shop, data, actor=SYSTEM)
                session.flush()
                jobs.dispatch_outbox()
            states.append(ledger_state(session))
        # A stale delivery of the first state arrives last: nothing moves back, nothing is earned again.
        orders.upsert_order(session, shop, updates[0], actor=SYSTEM)
        session.flush()
        jobs.dispatch_outbox()
    assert ledger_state(session) == states[-1]
    # Line B (¥80, 80 points) refunded: 330 − 80 pending; spend ¥230 − ¥80 = ¥150.
    assert states[-1]["accounts"][0][1:3] == (50, 250)
    reversals = session.scalars(select(PointsEntry).where(PointsEntry.kind == "reverse")).all()
    assert [e.pending_points for e in reversals] == [-80]


def test_replaying_handled_events_changes_nothing(session):
    shop, program = make_program(session, config=flat_config())
    with clock.frozen_at(PAID_AT):
        orders.upsert_order(session, shop, order_in(refunds=[{"external_id": "R1", "amount": 3_000}]), actor=SYSTEM)
        session.flush()
        jobs.dispatch_outbox()
        state = ledger_state(session)
        # As if the worker crashed after handling but before marking: every event is handed over again, twice.
        for _ in range(2):
            session.execute(update(OutboxEvent).values(processed_at=None, attempts=0))
            session.flush()
            assert jobs.dispatch_outbox() > 0
    assert ledger_state(session) == state


@pytest.fixture
def client(session):
    from shopcx.web.app import create_app

    return TestClient(create_app())


def deliver(client, shop, payload: dict):
    body = json.dumps(payload, ensure_ascii=False).encode()
    signature = "sha256=" + hmac.new(secret_of(shop).encode(), body, hashlib.sha256).hexdigest()
    answer = client.post(f"/api/v1/webhooks/{shop.code}/orders", content=body,
                         headers={"X-ShopCX-Signature": signature, "Content-Type": "application/json"})
    assert answer.status_code == 200, answer.text
    return answer.json()


def test_the_same_webhook_delivered_twice_earns_once(session, client):
    shop, program = make_program(session, shop=make_shop(session, code="lw", platform="shopify"),
                                 config=flat_config())
    session.flush()
    payload = order_in().model_dump(mode="json", exclude_unset=True)
    refunded = payload | {"refunds": [{"external_id": "R1", "amount": 15_000,
                                       "lines": [{"line_no": 1, "quantity": 1, "amount": 15_000}]}]}
    with clock.frozen_at(PAID_AT):
        assert deliver(client, shop, payload)["created"] is True
        assert deliver(client, shop, payload)["changed"] is False
        jobs.dispatch_outbox()
        earned = ledger_state(session)
        jobs.dispatch_outbox()
        assert ledger_state(session) == earned
        assert earned["accounts"][0][1:3] == (50, 330)
        deliver(client, shop, refunded)
        deliver(client, shop, refunded)
        jobs.dispatch_outbox()
        jobs.dispatch_outbox()
    after = ledger_state(session)
    # Line A's 150 points reversed once (330 → 180 pending); spend falls to ¥80 < ¥200, and since this order paid
    # for the upgrade to silver, the refund undoes it.
    assert after["accounts"][0][1:4] == (50, 180, "member")
    assert after["points_entry"] == earned["points_entry"] + 1


def test_the_same_csv_imported_twice_earns_once(session):
    shop, program = make_program(session, shop=make_shop(session, code="imp"), config=flat_config(
        join_points=0, first_order_points=0))
    session.flush()
    with clock.frozen_at(datetime(2026, 3, 10, tzinfo=timezone.utc)):
        first = run_import(session, SAMPLES / "generic.csv", shop="imp")
        assert first.orders_created == 5
        jobs.dispatch_outbox()
        state = ledger_state(session)
        again = run_import(session, SAMPLES / "generic.csv", shop="imp")
        assert (again.orders_created, again.unchanged_rows) == (0, 8)
        jobs.dispatch_outbox()
        loyalty_jobs.sync_shop(shop.id)
    assert ledger_state(session) == state
    # C001: G1001 base 23,080 − 800 shipping = 22,280 over lines 9,980 / 12,800 → 9,761 / 12,519 → 97 + 125 = 222;
    #       ¥222.80 ≥ ¥200 makes C001 silver (2×) at once, so G1004, base 33,580 over 25,600 / 4,990 / 4,990 →
    #       24,162 / 4,709 / 4,709, earns 483.24 → 483 + 94.18 → 94 + 94 = 671.
    # C002: G1002 ¥49.90 → 49. G1003 is a guest's and pending, G1005 was never paid.
    pending = sorted(row[2] for row in state["accounts"])
    assert pending == [49, 222 + 671]
    assert state["tier_activity"] == 3
