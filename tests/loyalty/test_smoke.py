from datetime import date, datetime, timezone

from shopcx.core import clock
from shopcx.loyalty import ledger
from shopcx.loyalty.earning import sync_order
from shopcx.loyalty.lifecycle import DailyResult, activate_due
from shopcx.orders import service as orders
from shopcx.orders.schemas import RefundIn
from shopcx.staff.service import SYSTEM

from ..factories import make_order
from .factories import make_program


def test_order_earns_pending_then_activates_and_refund_reverses(session):
    shop, program = make_program(session)
    paid = datetime(2026, 3, 1, 2, 0, tzinfo=timezone.utc)
    with clock.frozen_at(paid):
        order = make_order(session, shop, status="completed", lines=[
            {"sku": "A", "name": "a", "quantity": 1, "unit_price_amount": 10_050},
            {"sku": "B", "name": "b", "quantity": 2, "unit_price_amount": 2_000}])
        result = sync_order(session, order)
    assert result.earned == 140  # floor(100.50) + floor(40.00)
    assert sync_order(session, order).earned == 0  # replay
    from shopcx.loyalty.accounts import find_account
    account = find_account(session, program.program.id, order.customer_id)
    assert (account.balance, account.pending_balance) == (0, 140)
    r = DailyResult()
    activate_due(session, program, date(2026, 3, 15), r)
    assert r.activated_points == 0
    activate_due(session, program, date(2026, 3, 16), r)
    assert r.activated_points == 140 and account.balance == 140
    with clock.frozen_at(datetime(2026, 3, 20, tzinfo=timezone.utc)):
        ledger.lock_account(session, account)
        ledger.debit(session, account, 120, key="spend-1", kind="redeem", reason="coupon")
        orders.record_refund(session, order, RefundIn(external_id="R1", amount=10_050,
                                                      lines=[{"line_no": 1, "quantity": 1, "amount": 10_050}]),
                             actor=SYSTEM)
        sync_order(session, order)
    assert account.balance == 0 and account.shortfall == 80
    assert ledger.ledger_sums(session, account.id) == (0, 0, 0)
