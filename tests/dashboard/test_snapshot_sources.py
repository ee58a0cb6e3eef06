# ruff: noqa: F811  (fixtures from other suites are imported below and used as test arguments)
"""The home page's work figures on a slow shop: registering, restating, keeping and breaking a promise (desk),
planning callbacks and recording a call (care), and a message that failed, was sent or bounced (messaging) each
send an event that marks the kept figures stale, so the worker recomputes them within its minute instead of
after MAX_AGE. Without the event the kept figures would stay as they were (the snapshot is not old yet)."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from shopcx.care.service import callbacks
from shopcx.core import clock, jobs
from shopcx.core.settings import get_settings
from shopcx.dashboard import snapshots
from shopcx.desk.models import Ticket
from shopcx.desk.service import promises
from shopcx.messaging import service as messaging
from shopcx.messaging.sender import send_due
from shopcx.staff.service import SYSTEM, Actor

from ..care.factories import buyer
from ..factories import make_order
from ..messaging.conftest import configured, smtp_server  # noqa: F401
from .test_home import NOW, cst, loop_shop  # noqa: F401

MANAGER = Actor(label="user:manager1", role="manager")
TODAY = datetime(2026, 3, 20).date()  # NOW's day in Shanghai


@pytest.fixture
def slow(session, loop_shop, monkeypatch):
    """The shop's figures count as slow (kept, recomputed by the worker); the fixture's own events handled."""
    monkeypatch.setattr(get_settings(), "home_quick_ms", 0)
    with clock.frozen_at(NOW):
        settle()
    return loop_shop


def settle() -> None:
    """Handle every pending event, and the events their handlers emit."""
    while jobs.dispatch_outbox():
        pass


def _values(home, *keys):
    found = {f.key: f.value for f in home.figures}
    return tuple(found.get(key) for key in keys)


def current_after(session, shop, change, *keys, minutes: int = 0):
    """The figures `keys` as kept before `change`, and as the page shows them after the outbox ran and the worker
    recomputed; asserts the change marked the kept figures stale (and nothing else did)."""
    at = NOW + timedelta(minutes=minutes)
    with clock.frozen_at(at):
        snapshots.refresh_stale()
        before = snapshots.home(session, [shop], shop)
        assert not before.refreshing
        change()
        session.flush()
        jobs.dispatch_outbox()
        stale = snapshots.home(session, [shop], shop)
        assert stale.refreshing and _values(stale, *keys) == _values(before, *keys)
    with clock.frozen_at(at + timedelta(seconds=30)):
        assert snapshots.refresh_stale() == 1
        after = snapshots.home(session, [shop], shop)
    assert not after.refreshing
    return _values(before, *keys), _values(after, *keys)


def test_promises_registered_restated_kept_and_broken_make_the_page_current(session, slow):
    ticket = session.query(Ticket).filter_by(subject="杯盖漏水").one()
    made = cst(2026, 3, 19, 9, 0)
    with clock.frozen_at(made):
        promises.make_promise(session, ticket, what="周日前退款", due_at=cst(2026, 3, 22, 12, 0), actor=MANAGER,
                              now=made)
        late = promises.make_promise(session, ticket, what="今早九点前回电", due_at=cst(2026, 3, 20, 9, 0),
                                     actor=MANAGER, now=made)
    keys = ("promises_due", "promises_overdue")
    # Kept figures: one due today (09:00, already past) of the two open ones.
    state = {}

    def register():
        state["today"] = promises.make_promise(session, ticket, what="今天补发杯盖", due_at=cst(2026, 3, 20, 18, 0),
                                               actor=MANAGER)

    assert current_after(session, slow, register, *keys, minutes=0) == ((1, 1), (2, 1))

    def restate():  # the Sunday refund is moved to 17:00 today
        sunday = promises.open_due(session, slow.id, None)[0][-1]
        promises.revise_promise(session, sunday.id, what="今天退款", due_at=cst(2026, 3, 20, 17, 0), actor=MANAGER)

    assert current_after(session, slow, restate, *keys, minutes=2) == ((2, 1), (3, 1))

    def keep():
        promises.close_promise(session, state["today"].id, kept=True, evidence="单号 SF123", actor=MANAGER)

    assert current_after(session, slow, keep, *keys, minutes=4) == ((3, 1), (2, 1))

    def job_breaks_the_late_one():  # the periodic job: past due and not kept
        assert promises.run_due(session)["broken"] == 1

    assert current_after(session, slow, job_breaks_the_late_one, *keys, minutes=6) == ((2, 1), (1, 0))
    assert promises.get_promise(session, late.id).status == "broken"


def test_callbacks_planned_and_called_make_the_page_current(session, slow):
    with clock.frozen_at(NOW - timedelta(hours=3)):
        for n in (1, 2):
            make_order(session, slow, customer=buyer(n), placed_at=NOW - timedelta(hours=3),
                       lines=[{"sku": "TV", "name": "电视", "quantity": 1, "unit_price_amount": 250_000}])
        settle()

    def plan():
        assert callbacks.plan_calls(session, slow, today=TODAY, large_order_amount=200_000)["large_order"] == 2

    # No task before: no card; two large orders make two calls due today.
    assert current_after(session, slow, plan, "callbacks_due") == ((None,), (2,))

    def reached():
        task = callbacks.due_list(session, shop_id=slow.id, today=TODAY, user_id=None)[0][0][0]
        callbacks.record_outcome(session, task, "reached", actor=SYSTEM, today=TODAY)

    assert current_after(session, slow, reached, "callbacks_due", minutes=2) == ((2,), (1,))


def test_sends_failed_sent_and_bounced_make_the_page_current(session, slow, configured, smtp_server):
    def test_send(answer=None):
        if answer:
            smtp_server.inbox.answers.append(answer)
        return messaging.send_test(session, shop_id=slow.id, channel="email", address="me@example.com",
                                   subject="测试", body="测试", actor=MANAGER)

    with clock.frozen_at(NOW - timedelta(hours=1)):
        assert test_send().status == "sent"  # the log has a message: the card shows 0 failed

    def failed_test_send():
        assert test_send("554 5.0.0 rejected").status == "failed"

    assert current_after(session, slow, failed_test_send, "failed_sends") == ((0,), (1,))

    from shopcx.customers import service as customers
    from shopcx.customers.schemas import CustomerIn

    person, _ = customers.upsert_customer(session, CustomerIn(**buyer(7)), shop_id=slow.id, actor=None)
    with clock.frozen_at(NOW):
        for n in (1, 2):
            messaging.queue_message(session, shop_id=slow.id, customer_id=person.id, purpose="survey",
                                    occasion=f"wave-{n}", channel="email", subject=f"问卷 {n}", body="请评价")
    session.flush()

    def sender_fails_one():  # the worker's sender: the first is refused for good, the second goes out
        smtp_server.inbox.answers.append("554 5.7.1 refused")
        report = send_due()
        assert (report.failed, report.sent) == (1, 1)

    assert current_after(session, slow, sender_fails_one, "failed_sends", minutes=2) == ((1,), (2,))

    def a_bounce_arrives_for_the_sent_one():  # it did not arrive after all: the card counts it at once
        sent = next(m for m in messaging.list_messages(session, shop_ids=[slow.id], status="sent")[0]
                    if m.customer_id == person.id)
        messaging.record_bounce(session, "email", sent.address, "550 mailbox gone", message_id=sent.id)

    assert current_after(session, slow, a_bounce_arrives_for_the_sent_one, "failed_sends", minutes=4) == ((2,), (3,))
