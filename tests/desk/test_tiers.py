# ruff: noqa: F811  (the web suite's fixtures are imported below and used as test arguments)
"""SLA policies per loyalty tier: a tier's targets come before the channel and priority policies, on a new ticket
and on open ones when the policy changes; set from the SLA tab."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from shopcx.core import clock
from shopcx.core.errors import InvalidInput
from shopcx.desk import service as desk
from shopcx.desk.service import members
from shopcx.loyalty import service as loyalty
from shopcx.loyalty.config import ProgramConfig, Tier
from shopcx.staff.service import Actor

from ..factories import make_order
from ..loyalty.factories import make_program
from ..web.conftest import client, login, make_user  # noqa: F401

THU = datetime(2026, 3, 5, 2, 0, tzinfo=UTC)  # Thu 10:00 in Shanghai; the day's hours 09:00–18:00
MANAGER = Actor(label="经理", role="manager")


@pytest.fixture
def shop(session):
    config = ProgramConfig(tiers=[Tier(code="member", name_zh="普通会员", name_en="Member"),
                                  Tier(code="gold", name_zh="金卡会员", name_en="Gold")])
    shop, program = make_program(session, config=config)
    for n, tier in ((1, "member"), (2, "gold")):
        order = make_order(session, shop, external_id=f"T{n}", customer={"source": "taobao", "external_id": f"b{n}"})
        account = loyalty.enrol(session, program, order.customer_id)
        account.tier_code = tier
    session.flush()
    return shop


def ticket(session, shop, order):
    with clock.frozen_at(THU):
        return desk.create_ticket(session, shop, channel="phone", subject="x", body="y", order=order,
                                  actor=MANAGER, assign=False)


def test_a_tier_policy_comes_first_and_moves_open_tickets(session, shop):
    desk.save_policy(session, shop, priority="normal", channel="phone", first_response=120, next_response=240,
                     resolution=720, actor=MANAGER)
    gold = ticket(session, shop, "T2")
    # no tier policy yet: the phone policy, 120 min from 10:00 → 12:00 (04:00Z)
    assert desk.sla.clocks(session, gold)["first_response"].due_at == datetime(2026, 3, 5, 4, 0, tzinfo=UTC)
    with clock.frozen_at(THU):
        members.save_tier_policy(session, shop, tier_code="gold", priority="normal", first_response=30,
                                 next_response=60, resolution=240, actor=MANAGER)
    # the open gold ticket now has 30 min → 10:30 (02:30Z); a member's keeps the phone policy
    assert desk.sla.clocks(session, gold)["first_response"].due_at == datetime(2026, 3, 5, 2, 30, tzinfo=UTC)
    plain = ticket(session, shop, "T1")
    assert desk.sla.clocks(session, plain)["first_response"].due_at == datetime(2026, 3, 5, 4, 0, tzinfo=UTC)
    # resolution 240 for gold: 10:00 + 4 h = 14:00 (06:00Z)
    assert desk.sla.clocks(session, ticket(session, shop, "T2"))["resolution"].due_at == \
        datetime(2026, 3, 5, 6, 0, tzinfo=UTC)
    with pytest.raises(InvalidInput) as unknown:
        members.save_tier_policy(session, shop, tier_code="diamond", priority="normal", first_response=1,
                                 next_response=1, resolution=1, actor=MANAGER)
    assert unknown.value.code == "unknown_tier"


def test_the_sla_tab_sets_a_tier_policy(session, shop, login):
    manager = login("manager", locale="en")
    page = manager.get(f"/desk/settings?shop={shop.code}")
    assert 'id="tier-policy-form"' in page.text and "Gold" in page.text
    saved = manager.post("/desk/settings/tier-policy", {"shop": shop.code, "tier": "gold", "priority": "high",
                                                         "first_response": "15", "next_response": "30",
                                                         "resolution": "120"})
    assert saved.status_code == 303
    assert 'data-tier-policy="gold-high"' in manager.get(f"/desk/settings?shop={shop.code}").text
    bad = manager.post("/desk/settings/tier-policy", {"shop": shop.code, "tier": "gold", "priority": "high",
                                                       "first_response": "soon", "next_response": "30",
                                                       "resolution": "120"})
    assert bad.status_code == 422 and 'data-error-for="tier_policy"' in bad.text and 'value="soon"' in bad.text
