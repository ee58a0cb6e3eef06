"""Graded compensation authority (分级授权) on the database: granted at once within the agent's limits (per ticket
and per day), a request above them decided by someone else with a high enough limit (four eyes), refused above
every limit; points and coupons issued through loyalty once, a refund recorded against the order once; audited."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from shopcx.core import clock
from shopcx.core.errors import InvalidInput, PermissionDenied
from shopcx.desk import service as desk
from shopcx.desk.records import Compensation, DeskNotice
from shopcx.desk.service import authority
from shopcx.loyalty.models import Coupon, PointsEntry
from shopcx.staff.models import AuditLog

from ..factories import make_order
from ..loyalty.factories import make_program
from .factories import person

THU = datetime(2026, 3, 5, 2, 0, tzinfo=UTC)  # Thu 10:00 in Shanghai


@pytest.fixture
def world(session):
    shop, _ = make_program(session)
    order = make_order(session, shop, external_id="4012345678901",
                       customer={"source": "taobao", "external_id": "tb_lily", "name": "王丽"})
    agent, agent2 = person(session, "agent", "xiaowang"), person(session, "agent", "xiaoli")
    manager, owner = person(session, "manager", "jingli"), person(session, "owner", "laoban")
    with clock.frozen_at(THU):
        ticket = desk.create_ticket(session, shop, channel="chat", subject="杯子漏水", body="杯盖漏水",
                                    order="4012345678901", actor=agent, assign=False)
    return {"shop": shop, "order": order, "ticket": ticket, "agent": agent, "agent2": agent2, "manager": manager,
            "owner": owner}


def ask(session, w, kind, value, who="agent", reason="杯盖漏水，向买家致歉"):
    with clock.frozen_at(THU):
        return authority.request_compensation(session, w["ticket"], kind=kind, value=value, reason=reason,
                                              actor=w[who])


def test_within_the_limit_points_are_issued_at_once_and_only_once(session, world):
    row = ask(session, world, "points", 300)  # the agent's default: 500 per ticket
    assert row.status == "granted" and row.decided_by == "user:xiaowang"
    entry = session.scalars(select(PointsEntry).where(PointsEntry.reason == "goodwill")).one()
    assert entry.points == 300 and row.issued_ref == f"points_entry:{entry.id}"
    authority._issue(session, row, world["agent"])  # a replay of the issue finds the same entry
    assert session.scalar(select(func.count(PointsEntry.id)).where(PointsEntry.reason == "goodwill")) == 1
    actions = session.scalars(select(AuditLog.action).where(AuditLog.action.like("desk.compensation%"))).all()
    assert actions == ["desk.compensation_granted"]


def test_the_tickets_total_counts_so_a_second_grant_above_it_becomes_a_request(session, world):
    ask(session, world, "refund", 3000)  # ¥30 of the agent's ¥50 per ticket
    second = ask(session, world, "refund", 3000)  # ¥60 in all > ¥50: a request
    assert second.status == "pending"
    assert world["order"].refunded_amount == 3000
    told = session.scalars(select(DeskNotice.user_id).where(DeskNotice.kind == "approval_needed")).all()
    assert sorted(told) == sorted([world["manager"].user_id, world["owner"].user_id])


def test_four_eyes_and_the_approvers_own_limit(session, world):
    big = ask(session, world, "coupon", 15_000)  # ¥150 > agent ¥20: manager (¥200) and owner may approve
    assert big.status == "pending"
    with pytest.raises(PermissionDenied) as own:
        authority.decide(session, big.id, approve=True, actor=world["agent"])
    assert own.value.code == "four_eyes"
    with pytest.raises(PermissionDenied) as low:
        authority.decide(session, big.id, approve=True, actor=world["agent2"])
    assert low.value.code == "compensation_over_limit"
    with clock.frozen_at(THU):
        authority.decide(session, big.id, approve=True, actor=world["manager"], note="买家是老客")
    assert big.status == "granted" and big.decided_by == "user:jingli"
    coupon = session.scalars(select(Coupon)).one()
    assert coupon.amount_off == 15_000 and coupon.max_uses == 1 and big.issued_ref == f"coupon:{coupon.code}"
    with pytest.raises(Exception) as again:
        authority.decide(session, big.id, approve=True, actor=world["owner"])
    assert getattr(again.value, "code", None) == "compensation_decided"
    assert session.scalar(select(func.count(Coupon.id))) == 1


def test_a_managers_own_request_needs_someone_else_and_rejection_issues_nothing(session, world):
    row = ask(session, world, "reship", 200_000, who="manager")  # ¥2,000 > manager ¥1,000: the owner decides
    assert row.status == "pending"
    with clock.frozen_at(THU):
        authority.decide(session, row.id, approve=False, actor=world["owner"], note="先补发配件")
    assert row.status == "rejected" and row.issued_ref is None


def test_above_every_limit_is_refused_with_the_highest_limit_named(session, world):
    with pytest.raises(InvalidInput) as refused:
        ask(session, world, "refund", 600_000)
    assert refused.value.code == "compensation_above_every_limit" and refused.value.values == {"limit": "¥5,000.00"}
    assert session.scalar(select(func.count(Compensation.id))) == 0


def test_the_day_limit_counts_what_the_person_granted_today(session, world):
    authority.save_limit(session, world["shop"], role="agent", kind="gift", per_ticket=5_000, per_day=6_000,
                         actor=world["owner"])
    assert ask(session, world, "gift", 4_000).status == "granted"
    assert ask(session, world, "gift", 1_000).status == "granted"  # ¥50 on the ticket, ¥50 today
    with clock.frozen_at(THU):
        other = desk.create_ticket(session, world["shop"], channel="phone", subject="另一单", body="x",
                                   order="4012345678901", actor=world["agent"], assign=False)
        third = authority.request_compensation(session, other, kind="gift", value=2_000, reason="补个小礼物",
                                               actor=world["agent"])
    assert third.status == "pending"  # ¥20 on a fresh ticket, but ¥70 today > ¥60


def test_bad_input_and_the_review_guard(session, world):
    with pytest.raises(InvalidInput) as guard:
        ask(session, world, "coupon", 500, reason="改好评送您5元券")
    assert guard.value.field == "reason"
    with pytest.raises(InvalidInput):
        ask(session, world, "points", 0)
    with pytest.raises(InvalidInput):
        ask(session, world, "cash", 100)
    with pytest.raises(PermissionDenied) as limits:
        authority.save_limit(session, world["shop"], role="manager", kind="refund", per_ticket=1, per_day=1,
                             actor=world["manager"])
    assert limits.value.code == "limits_owner_only"
