"""The agent's playbook, pure and hand-worked: answer variables, graded authority (分级授权), promise keeping, the
SLA escalation ladder and the choice of agent on shift."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from shopcx.core.errors import InvalidInput
from shopcx.desk import playbook as pb

LIMITS = {"agent": pb.Limit(per_ticket=5000, per_day=20000), "manager": pb.Limit(per_ticket=30000, per_day=100000),
          "owner": pb.Limit(per_ticket=100000, per_day=500000)}


def test_fill_replaces_known_values_and_lists_the_ones_without_data():
    text, missing = pb.fill("{buyer_name}您好，订单{order_no}已由{carrier}发出，单号{tracking_no}。{buyer_name}",
                            {"buyer_name": "王丽", "order_no": "4012345678901", "carrier": "", "tracking_no": None})
    assert text == "王丽您好，订单4012345678901已由{carrier}发出，单号{tracking_no}。王丽"
    assert missing == ["carrier", "tracking_no"]


def test_variables_and_typos():
    assert pb.variables_in("{points} {tier} {points}") == ["points", "tier"]
    assert pb.unknown_variables("订单{oder_no}，积分{points}") == ["oder_no"]
    assert pb.fill("no braces", {}) == ("no braces", [])


def test_within_both_limits_the_agent_grants_at_once():
    # 30.00 on a ticket that already had 10.00, and 150.00 granted today: 40.00 ≤ 50.00 and 180.00 ≤ 200.00.
    verdict = pb.judge(3000, role="agent", limits=LIMITS, ticket_total=1000, day_total=15000)
    assert verdict.outcome == "grant"


def test_above_the_ticket_limit_a_request_goes_to_roles_whose_limit_covers_the_ticket():
    # 45.00 more on a ticket at 10.00 = 55.00 > the agent's 50.00: the manager (300.00) and owner may approve.
    verdict = pb.judge(4500, role="agent", limits=LIMITS, ticket_total=1000, day_total=0)
    assert verdict == pb.Verdict("request", ("manager", "owner"))


def test_the_day_limit_alone_sends_it_for_approval():
    # 30.00 is within the ticket limit but 190.00 already today + 30.00 = 220.00 > 200.00.
    assert pb.judge(3000, role="agent", limits=LIMITS, ticket_total=0, day_total=19000).outcome == "request"


def test_above_every_limit_is_refused_and_a_role_without_limits_must_ask():
    assert pb.judge(100001, role="agent", limits=LIMITS, ticket_total=0, day_total=0) == pb.Verdict("refuse")
    # 999.00 on a ticket that had 2.00 = 1,001.00 > the owner's 1,000.00
    assert pb.judge(99900, role="owner", limits=LIMITS, ticket_total=200, day_total=0).outcome == "refuse"
    assert pb.judge(100, role="analyst", limits=LIMITS, ticket_total=0, day_total=0).outcome == "request"
    with pytest.raises(ValueError):
        pb.judge(0, role="agent", limits=LIMITS, ticket_total=0, day_total=0)


def test_four_eyes_and_the_approvers_own_limit():
    common = {"requester_id": 7, "requester_label": "小王", "limits": LIMITS, "ticket_total": 0}
    assert pb.may_approve(approver_role="manager", approver_id=7, approver_label="小王", value=4500,
                          **common) == "four_eyes"
    assert pb.may_approve(approver_role="agent", approver_id=8, approver_label="小李", value=6000,
                          **common) == "over_approval_limit"
    assert pb.may_approve(approver_role="manager", approver_id=9, approver_label="经理", value=40000,
                          **common) == "over_approval_limit"
    assert pb.may_approve(approver_role="manager", approver_id=9, approver_label="经理", value=4500, **common) is None


def test_keeping_rate_counts_decided_promises_only():
    assert pb.keeping_rate(0, 0) is None
    assert pb.keeping_rate(3, 1) == 0.75


def test_promise_steps_remind_once_then_break_after_the_due_time():
    due = datetime(2026, 3, 5, 10, 0, tzinfo=UTC)
    assert pb.promise_step(due, due - timedelta(hours=5), reminded=False) is None
    assert pb.promise_step(due, due - timedelta(hours=4), reminded=False) == "remind"
    assert pb.promise_step(due, due - timedelta(hours=1), reminded=True) is None
    assert pb.promise_step(due, due, reminded=True) == "break"
    assert pb.promise_step(due, due + timedelta(days=1), reminded=False, status="kept") is None


def test_the_escalation_ladder():
    assert pb.steps_due(0.74, []) == []
    assert pb.steps_due(0.75, []) == [("warning", "owner")]
    assert pb.steps_due(1.3, ["warning"]) == [("breach", "owner"), ("lead", "lead")]
    assert pb.steps_due(2.0, ["warning", "breach", "lead"]) == [("manager", "manager")]


def test_priority_service_raises_one_step():
    assert pb.raised_priority("normal", True) == "high"
    assert pb.raised_priority("urgent", True) == "urgent"
    assert pb.raised_priority("low", False) == "low"


MON_10_SHANGHAI = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)  # Monday 2 Mar 2026 10:00 in Shanghai
DAY = ("09:00-18:00",) * 5 + ("", "")
EVENING = ("18:00-23:00",) * 7


def test_on_shift_in_the_shops_timezone():
    assert pb.on_shift(DAY, MON_10_SHANGHAI, "Asia/Shanghai")
    assert not pb.on_shift(EVENING, MON_10_SHANGHAI, "Asia/Shanghai")
    # The same instant is Sunday 21:00 in New York: the day shift is off, the evening one on.
    assert not pb.on_shift(DAY, MON_10_SHANGHAI, "America/New_York")
    assert pb.on_shift(EVENING, MON_10_SHANGHAI, "America/New_York")
    assert pb.on_shift((), MON_10_SHANGHAI, "Asia/Shanghai")
    with pytest.raises(InvalidInput):
        pb.on_shift(("9-18",) * 7, MON_10_SHANGHAI, "Asia/Shanghai")


def test_choose_prefers_skills_among_those_on_shift():
    agents = [pb.Candidate(3, DAY, ("logistics",), 5), pb.Candidate(5, DAY, (), 1),
              pb.Candidate(8, EVENING, ("quality",), 0), pb.Candidate(9, DAY, ("quality",), 4),
              pb.Candidate(11, DAY, ("quality",), 2)]
    at = {"at": MON_10_SHANGHAI, "tz_name": "Asia/Shanghai"}
    # quality: 8 is off shift; 9 and 11 have the skill. Round-robin after 9 → 11; after 11 → wraps to 9.
    assert pb.choose(agents, category="quality", method="round_robin", last_user_id=9, **at) == 11
    assert pb.choose(agents, category="quality", method="round_robin", last_user_id=11, **at) == 9
    assert pb.choose(agents, category="quality", method="least_loaded", last_user_id=None, **at) == 11
    # nobody has the price skill: anyone on shift (3, 5, 9, 11); least loaded is 5.
    assert pb.choose(agents, category="price", method="least_loaded", last_user_id=None, **at) == 5
    assert pb.choose(agents, category=None, method="round_robin", last_user_id=5, **at) == 9
    assert pb.choose([agents[2]], category="quality", method="round_robin", last_user_id=None, **at) is None
