"""Manual adjustments with graded authorisation (分级授权): limits per role, requests, four eyes, audit."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import func, select

from shopcx.core import clock
from shopcx.core.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from shopcx.customers import service as customers
from shopcx.customers.schemas import CustomerIn
from shopcx.loyalty.models import PointsEntry, PointsLot
from shopcx.loyalty.service.members.accounts import enrol
from shopcx.loyalty.service.points import ledger
from shopcx.loyalty.service.points.adjustments import adjust_points, decide
from shopcx.loyalty.service.points.ledger import LoyaltyError
from shopcx.staff import service as staff
from shopcx.staff.models import AuditLog
from shopcx.staff.service import Actor

from .factories import make_program

NOW = datetime(2026, 5, 10, 4, 0, tzinfo=UTC)  # 12:00 in Shanghai on 10 May 2026


def member(session, program, name="张三", **fields):
    """A customer enrolled in the program (no joining bonus in simple_config)."""
    customer, _ = customers.upsert_customer(session, CustomerIn(name=name, **fields), actor=None)
    session.flush()
    return enrol(session, program, customer.id)


def person(session, role, username=None):
    user = staff.create_user(session, username=username or f"{role}-adj", password="correct-horse-battery",
                             role=role)
    return staff.actor_for_user(user)


@pytest.fixture
def frozen():
    with clock.frozen_at(NOW):
        yield


def audit_trail(session):
    return [(row.action, row.actor) for row in session.scalars(
        select(AuditLog).where(AuditLog.action.like("loyalty.adjust%")).order_by(AuditLog.id))]


def test_within_the_limit_posts_at_once_above_it_waits_for_a_manager(session, frozen):
    shop, program = make_program(session)
    account = member(session, program)
    agent, manager = person(session, "agent"), person(session, "manager")

    done = adjust_points(session, program, account, 200, "物流延误补偿", actor=agent)  # agent limit is 200
    assert done.posted and done.request is None
    entry = done.entry
    assert (entry.kind, entry.reason, entry.points, entry.note, entry.actor) == ("adjust", "manual", 200,
                                                                                 "物流延误补偿", "user:agent-adj")
    lot = session.scalar(select(PointsLot).where(PointsLot.entry_id == entry.id))
    assert lot.expires_on == date(2027, 5, 10)  # 12-month rolling expiry from the shop-local day

    waiting = adjust_points(session, program, account, 201, "大客户补偿", actor=agent)
    assert waiting.entry is None and waiting.request.status == "pending"
    assert account.balance == 200  # nothing posted for the request

    approved = decide(session, program, waiting.request.id, True, "同意", actor=manager)
    assert approved.status == "approved" and approved.decided_by == "user:manager-adj"
    posted = session.get(PointsEntry, approved.entry_id)
    assert posted.idempotency_key == f"adjust-request:{approved.id}" and posted.points == 201
    assert posted.detail["requested_by"] == "user:agent-adj" and posted.detail["approved_by"] == "user:manager-adj"
    assert account.balance == 401
    assert ledger.ledger_sums(session, account.id) == (401, 0, 401)
    with pytest.raises(Conflict) as twice:
        decide(session, program, approved.id, True, actor=person(session, "owner"))
    assert twice.value.code == "request_decided"
    assert audit_trail(session) == [("loyalty.adjust", "user:agent-adj"), ("loyalty.adjust_request", "user:agent-adj"),
                                    ("loyalty.adjust_approved", "user:manager-adj")]


def test_four_eyes_roles_and_tokens(session, frozen):
    shop, program = make_program(session)
    account = member(session, program)
    manager, other_manager, agent = person(session, "manager"), person(session, "manager", "m2"), person(session,
                                                                                                       "agent")
    request = adjust_points(session, program, account, 25_000, "年度大客户回馈", actor=manager).request  # > 20,000
    assert request is not None
    with pytest.raises(PermissionDenied) as own:
        decide(session, program, request.id, True, actor=manager)
    assert own.value.code == "four_eyes"
    with pytest.raises(PermissionDenied) as weak:
        decide(session, program, request.id, True, actor=agent)
    assert weak.value.code == "forbidden"
    with pytest.raises(PermissionDenied) as small:
        decide(session, program, request.id, True, actor=other_manager)
    assert small.value.code == "over_approval_limit" and "20000" in small.value.message
    token = Actor(label="token:erp", scopes=frozenset({"loyalty:read", "loyalty:write"}))
    with pytest.raises(PermissionDenied) as by_token:
        decide(session, program, request.id, True, actor=token)
    assert by_token.value.code == "approval_needs_staff" and "API token" in by_token.value.message
    assert request.status == "pending" and account.balance == 0
    decide(session, program, request.id, True, actor=person(session, "owner"))
    assert account.balance == 25_000

    # A token has no limit of its own: even one point waits for a person.
    tiny = adjust_points(session, program, account, 1, "API 补录", actor=token)
    assert tiny.request is not None and tiny.request.requested_by == "token:erp" and account.balance == 25_000
    rejected = decide(session, program, tiny.request.id, False, "重复补录", actor=other_manager)
    assert (rejected.status, rejected.decision_note, rejected.entry_id) == ("rejected", "重复补录", None)
    assert account.balance == 25_000
    analyst = person(session, "analyst")
    with pytest.raises(PermissionDenied):
        adjust_points(session, program, account, 5, "试试", actor=analyst)


def test_a_debit_above_the_balance_is_refused_and_the_request_stays_pending(session, frozen):
    shop, program = make_program(session)
    account = member(session, program)
    agent, manager = person(session, "agent"), person(session, "manager")
    adjust_points(session, program, account, 150, "补偿", actor=manager)
    with pytest.raises(LoyaltyError) as short:
        adjust_points(session, program, account, -151, "扣回", actor=agent)
    assert short.value.code == "insufficient_points" and short.value.field == "points"
    assert "150 available" in short.value.message

    request = adjust_points(session, program, account, -120, "误发积分扣回", actor=Actor(
        label="token:crm", scopes=frozenset({"loyalty:write"}))).request
    adjust_points(session, program, account, -100, "兑换礼品线下扣减", actor=agent)  # balance now 50
    entries = session.scalar(select(func.count(PointsEntry.id)).where(PointsEntry.account_id == account.id))
    with pytest.raises(LoyaltyError) as later:
        decide(session, program, request.id, True, actor=manager)
    assert later.value.code == "insufficient_points" and "50 available" in later.value.message
    assert request.status == "pending" and request.entry_id is None and account.balance == 50
    assert session.scalar(select(func.count(PointsEntry.id)).where(PointsEntry.account_id == account.id)) == entries
    assert ledger.ledger_sums(session, account.id) == (50, 0, 50)


def test_bad_input_and_replays(session, frozen):
    shop, program = make_program(session)
    account = member(session, program)
    agent = person(session, "agent")
    with pytest.raises(InvalidInput) as no_reason:
        adjust_points(session, program, account, 10, "   ", actor=agent)
    assert no_reason.value.code == "reason_required" and no_reason.value.field == "reason"
    with pytest.raises(InvalidInput) as zero:
        adjust_points(session, program, account, 0, "无", actor=agent)
    assert zero.value.field == "points"
    first = adjust_points(session, program, account, 30, "补偿", actor=agent, idempotency_key="crm-77")
    again = adjust_points(session, program, account, 30, "补偿", actor=agent, idempotency_key="crm-77")
    assert again.entry.id == first.entry.id and account.balance == 30
    other_shop, other_program = make_program(session)
    with pytest.raises(NotFound):
        adjust_points(session, other_program, account, 10, "跨店", actor=agent)
    with pytest.raises(NotFound):
        decide(session, program, 987_654, True, actor=person(session, "owner"))


def test_a_downward_adjustment_takes_the_nearest_expiring_points_first(session):
    shop, program = make_program(session)
    owner = person(session, "owner")
    with clock.frozen_at(datetime(2026, 1, 5, 4, tzinfo=UTC)):
        account = member(session, program)
        old = adjust_points(session, program, account, 100, "一月补偿", actor=owner).entry
    with clock.frozen_at(NOW):
        new = adjust_points(session, program, account, 100, "五月补偿", actor=owner).entry
        taken = adjust_points(session, program, account, -130, "扣回", actor=owner).entry
    lots = {lot.entry_id: lot for lot in session.scalars(select(PointsLot).where(PointsLot.account_id == account.id))}
    assert lots[old.id].expires_on == date(2027, 1, 5) and lots[old.id].remaining == 0
    assert lots[new.id].remaining == 70 and taken.points == -130 and account.balance == 70
