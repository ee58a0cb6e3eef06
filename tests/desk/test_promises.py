"""The promise register and the periodic duties on the database: a reminder before the due time, a promise past due
broken and escalated to the team lead and managers, keeping rates per agent and for the shop; the SLA ladder
(warning at 75%, breach at 100%, lead at 125%, manager at 150%) taken once per step; assignment by shift and skill;
the loyalty tier's priority service."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from shopcx.core import clock
from shopcx.core.errors import Conflict, InvalidInput
from shopcx.desk import service as desk
from shopcx.desk.records import DeskNotice, SlaEscalation
from shopcx.desk.service import ladder, promises, staffing
from shopcx.staff import service as staff

from ..factories import make_order, make_shop
from .factories import person

THU = datetime(2026, 3, 5, 2, 0, tzinfo=UTC)  # Thu 5 Mar 2026 10:00 in Shanghai
NINE_TO_SIX = ["09:00-18:00"] * 5 + ["", ""]


@pytest.fixture
def world(session):
    shop = make_shop(session, code="cx")
    make_order(session, shop, external_id="4012345678901",
               customer={"source": "taobao", "external_id": "tb_lily", "name": "王丽"})
    w = {"shop": shop, "agent": person(session, "agent", "xiaowang"), "lead": person(session, "agent", "zuzhang"),
         "manager": person(session, "manager", "jingli")}
    staffing.save_agent(session, w["agent"].user_id, team="售后", is_lead=False, skills=[], shift=[""] * 7,
                        actor=w["manager"])
    staffing.save_agent(session, w["lead"].user_id, team="售后", is_lead=True, skills=[], shift=[""] * 7,
                        actor=w["manager"])
    with clock.frozen_at(THU):
        w["ticket"] = desk.create_ticket(session, shop, channel="phone", subject="补发杯盖", body="杯盖漏水",
                                         order="4012345678901", actor=w["agent"], assign=False)
    desk.assign(session, w["ticket"], w["agent"].user_id, actor=w["manager"], now=THU)
    return w


def notices_of(session, kind):
    return sorted(session.scalars(select(DeskNotice.user_id).where(DeskNotice.kind == kind)).all())


def test_a_promise_is_reminded_then_broken_and_escalated(session, world):
    due = THU + timedelta(days=1)
    with clock.frozen_at(THU):
        promise = promises.make_promise(session, world["ticket"], what="明天18点前补发杯盖并告知单号", due_at=due,
                                        actor=world["agent"])
    assert promise.customer_id == world["ticket"].customer_id and promise.order_id == world["ticket"].order_id
    assert promises.run_due(session, due - timedelta(hours=5)) == {"reminded": 0, "broken": 0}
    assert promises.run_due(session, due - timedelta(hours=3)) == {"reminded": 1, "broken": 0}
    assert promises.run_due(session, due - timedelta(hours=2)) == {"reminded": 0, "broken": 0}  # once
    assert notices_of(session, "promise_due") == [world["agent"].user_id]
    assert promises.run_due(session, due) == {"reminded": 0, "broken": 1}
    assert promise.status == "broken" and promise.closed_by == "system"
    assert notices_of(session, "promise_broken") == sorted([world["lead"].user_id, world["manager"].user_id])
    assert promises.open_for_customer(session, world["ticket"].customer_id) == []


def test_kept_with_evidence_and_the_keeping_rates(session, world):
    with clock.frozen_at(THU):
        made = [promises.make_promise(session, world["ticket"], what=f"承诺{i}", due_at=THU + timedelta(days=2),
                                      actor=world["agent" if i < 3 else "lead"]) for i in range(4)]
        with pytest.raises(InvalidInput) as no_evidence:
            promises.close_promise(session, made[0].id, kept=True, evidence=" ", actor=world["agent"])
        assert no_evidence.value.code == "evidence_required"
        promises.close_promise(session, made[0].id, kept=True, evidence="顺丰 SF123 已发出", actor=world["agent"])
        promises.close_promise(session, made[1].id, kept=True, evidence="已退款", actor=world["agent"])
        promises.close_promise(session, made[2].id, kept=False, evidence="仓库缺货", actor=world["agent"])
        with pytest.raises(Conflict):
            promises.close_promise(session, made[2].id, kept=True, evidence="x", actor=world["agent"])
        with pytest.raises(InvalidInput) as past:
            promises.make_promise(session, world["ticket"], what="x", due_at=THU, actor=world["agent"])
        assert past.value.code == "promise_due_past"
    figures = promises.keeping(session, world["shop"].id)
    assert figures["shop"] == {"kept": 2, "broken": 1, "open": 1, "rate": 2 / 3}
    assert figures["agents"]["user:xiaowang"]["rate"] == 2 / 3 and figures["agents"]["user:zuzhang"]["rate"] is None
    assert [p.what for p in promises.open_for_customer(session, world["ticket"].customer_id)] == ["承诺3"]


def test_the_sla_ladder_takes_each_step_once(session, world):
    ticket = world["ticket"]  # normal priority, default first response 240 working minutes from Thu 10:00
    first = desk.sla.clocks(session, ticket)["first_response"]
    assert first.due_at == datetime(2026, 3, 5, 6, 0, tzinfo=UTC)  # 10:00 + 4 working hours = 14:00 (09–18)
    assert ladder.run(session, THU + timedelta(hours=2)) == 0  # 50%
    assert ladder.run(session, THU + timedelta(hours=3)) == 1  # 75%: a warning to the owner
    assert ladder.run(session, THU + timedelta(hours=3, minutes=30)) == 0
    assert ladder.run(session, THU + timedelta(hours=6)) == 3  # 150%: breach, lead, manager at once
    steps = [(s.metric, s.step) for s in ladder.steps_taken(session, ticket.id)]
    assert steps == [("first_response", "warning"), ("first_response", "breach"), ("first_response", "lead"),
                     ("first_response", "manager")]
    assert first.breached is True
    assert notices_of(session, "sla_warning") == [world["agent"].user_id]
    assert notices_of(session, "sla_lead") == [world["lead"].user_id]
    assert notices_of(session, "sla_manager") == [world["manager"].user_id]
    assert ladder.run(session, THU + timedelta(hours=8)) == 0
    assert session.scalar(select(SlaEscalation).where(SlaEscalation.step == "breach")).at == THU + timedelta(hours=6)


def test_assignment_by_shift_skill_and_method(session, world):
    shop, manager = world["shop"], world["manager"]
    night = person(session, "agent", "yeban")
    staffing.save_agent(session, world["agent"].user_id, team="售后", is_lead=False, skills=["logistics"],
                        shift=NINE_TO_SIX, actor=manager)
    staffing.save_agent(session, world["lead"].user_id, team="售后", is_lead=True, skills=["quality"],
                        shift=NINE_TO_SIX, actor=manager)
    staffing.save_agent(session, night.user_id, team=None, is_lead=False, skills=["quality"],
                        shift=["18:00-23:00"] * 7, actor=manager)

    def new(category, at):
        return desk.create_ticket(session, shop, channel="phone", subject="x", body="y", category=category,
                                  actor=manager, now=at)
    assert new("quality", THU).owner_id == world["lead"].user_id  # the night agent is off at 10:00
    assert new("logistics", THU).owner_id == world["agent"].user_id
    assert new("quality", THU + timedelta(hours=11)).owner_id == night.user_id  # 21:00
    assert new("price", THU + timedelta(hours=15)).owner_id is None  # 01:00: nobody on shift
    staffing.set_method(session, shop, "least_loaded", actor=manager)
    # open tickets: lead 1 + the one assigned in the fixture's agent: agent has 2 (fixture + logistics), lead 1
    assert new("price", THU).owner_id == world["lead"].user_id
    with pytest.raises(InvalidInput):
        staffing.save_agent(session, night.user_id, team=None, is_lead=False, skills=["cooking"], shift=[""] * 7,
                            actor=manager)


def test_priority_service_raises_a_members_ticket(session):
    from shopcx.loyalty.config import ProgramConfig, Tier

    from ..loyalty.factories import make_program

    config = ProgramConfig(tiers=[Tier(code="vip", name_zh="VIP", name_en="VIP", priority_service=True)])
    shop, program = make_program(session, config=config)
    order = make_order(session, shop, customer={"source": "taobao", "external_id": "vip1", "name": "贵宾"})
    from shopcx.loyalty import service as loyalty

    loyalty.enrol(session, program, order.customer_id)
    ticket = desk.create_ticket(session, shop, channel="phone", subject="x", body="y", order=order.external_id,
                                actor=staff.SYSTEM, assign=False)
    assert ticket.priority == "high"
    assert [(e.kind, e.before, e.after) for e in desk.history(session, ticket) if e.kind == "priority"] == \
        [("priority", "normal", "high")]
