"""Closing the loop: a detractor's answer opens a follow-up with an owner and a deadline and a survey_detractor
event; promoters count as advocates in the insights lifecycle stages; the customer page shows the answers."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from shopcx.core import clock
from shopcx.core.events import OutboxEvent
from shopcx.staff import service as staff
from shopcx.staff.service import SYSTEM
from shopcx.surveys import rules, service
from shopcx.surveys.tables import Followup

from ..factories import make_order, make_shop

NOW = datetime(2026, 12, 6, 4, 0, tzinfo=UTC)
DIMS = {"t1": "tangibles", "r1": "reliability"}


def test_who_is_a_detractor_worked_by_hand():
    assert rules.detractor({"nps": 6}, {}, {}) == ("nps", 6.0)
    assert rules.detractor({"nps": 7}, {}, {}) is None
    assert rules.detractor({"csat": 2}, {}, {}) == ("csat", 2.0) and rules.detractor({"csat": 3}, {}, {}) is None
    # gaps: t1 3 − 6 = −3 (tangibles), r1 5 − 5 = 0 (reliability): overall = mean of dimensions = −1.5 < −1
    assert rules.detractor({}, {"t1": (6, 3), "r1": (5, 5)}, DIMS) == ("servqual", -1.5)
    # t1 −1, r1 0 → −0.5: not below −1; with the threshold at −0.25 it is
    assert rules.detractor({}, {"t1": (6, 5), "r1": (5, 5)}, DIMS) is None
    assert rules.detractor({}, {"t1": (6, 5), "r1": (5, 5)}, DIMS, threshold=-0.25) == ("servqual", -0.5)


@pytest.fixture
def shop(session):
    return make_shop(session, code="svloop")


def _link(session, shop, preset, wave="2026-12"):
    survey = service.create_from_preset(session, shop.id, preset, actor=SYSTEM)
    service.publish(session, survey, actor=SYSTEM)
    buyer = make_order(session, shop).customer_id
    (issued,), _ = service.invite(session, survey, [buyer], wave=wave, actor=SYSTEM)
    return survey, buyer, service.open_link(session, issued.token)


def test_a_low_csat_opens_a_followup_with_owner_deadline_and_event(session, shop):
    manager = staff.create_user(session, username="mgr1", password="x" * 12, role="manager", display_name="王经理")
    with clock.frozen_at(NOW):
        survey, buyer, inv = _link(session, shop, "csat_delivery")
        response = service.answer(session, inv, {"csat": "2", "delivery": "1", "packaging": "3"}, locale="zh",
                                  final=True)
    case = session.scalar(select(Followup))
    assert (case.response_id, case.customer_id, case.reason, case.score) == (response.id, buyer, "csat", 2.0)
    assert case.owner_id == manager.id and case.status == "open"
    assert clock.as_utc(case.due_at) == NOW + timedelta(hours=service.FOLLOWUP_HOURS)
    event = session.scalar(select(OutboxEvent).where(OutboxEvent.topic == "survey_detractor"))
    assert event.aggregate_id == case.id and event.payload["reason"] == "csat" and event.payload["customer_id"] == buyer
    assert [c.id for c in service.followups(session, [shop.id], survey_id=survey.id)] == [case.id]
    with pytest.raises(service.InvalidInput):
        service.close_followup(session, [shop.id], case.id, "  ", actor=SYSTEM)
    service.close_followup(session, [shop.id], case.id, "已电话致歉并补发", actor=SYSTEM)
    assert case.status == "closed" and service.followups(session, [shop.id]) == []


def test_a_partial_or_satisfied_answer_opens_nothing(session, shop):
    survey, _, inv = _link(session, shop, "nps")
    service.answer(session, inv, {"nps": "3"}, locale="zh", final=False)
    assert session.scalar(select(Followup)) is None
    service.answer(session, inv, {"nps": "8"}, locale="zh", final=True)
    assert session.scalar(select(Followup)) is None


def test_an_nps_detractor_opens_one_and_promoters_are_advocates(session, shop):
    survey = service.create_from_preset(session, shop.id, "nps", actor=SYSTEM)
    service.publish(session, survey, actor=SYSTEM)
    buyers = [make_order(session, shop).customer_id for _ in range(3)]
    issued, _ = service.invite(session, survey, buyers, wave="2026-12", actor=SYSTEM)
    for link, score in zip(issued, ("10", "4", "9"), strict=True):
        service.answer(session, service.open_link(session, link.token), {"nps": score}, locale="en", final=True)
    assert [(c.customer_id, c.reason, c.score) for c in session.scalars(select(Followup))] == [(buyers[1], "nps", 4.0)]
    assert service.promoters(session, shop.id) == {buyers[0], buyers[2]}
    # a later answer of 6 takes the first buyer out
    with clock.frozen_at(clock.now() + timedelta(days=1)):
        issued, _ = service.invite(session, survey, [buyers[0]], wave="2027-01", actor=SYSTEM)
        service.answer(session, service.open_link(session, issued[0].token), {"nps": "6"}, locale="en", final=True)
    assert service.promoters(session, shop.id) == {buyers[2]}
    from shopcx.insights.service.analysis import advocacy_signals

    assert advocacy_signals(session, shop.id)["promoted"] == {buyers[2]}


def test_the_insights_stages_make_a_repeat_promoter_an_advocate():
    import numpy as np

    from shopcx.insights import rules as insights

    nps = np.where(np.array([True, False]), 9.0, np.nan)
    stages = insights.lifecycle_stage(np.array([2, 2]), nps=nps)
    assert list(stages) == ["advocate", "repeat"]


def test_anonymous_answers_are_never_followed_up(session, shop):
    survey = service.create_from_preset(session, shop.id, "enps", actor=SYSTEM)
    service.publish(session, survey, actor=SYSTEM)
    token = service.open_public_link(session, survey, actor=SYSTEM)
    version = service.published(session, survey)
    form = {q["key"]: "0" for q in version.questions["questions"] if q["type"] == "rating"}
    service.answer_public(session, token, form, locale="zh", address="10.0.0.1")
    assert session.scalar(select(Followup)) is None


def test_the_desk_takes_a_detractor_over_as_one_ticket_with_the_followups_owner(session, shop):
    """survey_detractor → one ticket (channel survey) owned by the follow-up's owner; the follow-up closes pointing
    at it; handling the event again makes no second ticket."""
    from shopcx.core import jobs
    from shopcx.desk.models import Ticket

    manager = staff.create_user(session, username="mgr2", password="x" * 12, role="manager", display_name="李经理")
    with clock.frozen_at(NOW):
        _survey, buyer, inv = _link(session, shop, "csat_delivery")
        service.answer(session, inv, {"csat": "1", "delivery": "1", "packaging": "2"}, locale="zh", final=True)
        session.flush()
        jobs.dispatch_outbox()
    [ticket] = session.scalars(select(Ticket)).all()
    assert (ticket.channel, ticket.customer_id, ticket.owner_id) == ("survey", buyer, manager.id)
    case = session.scalar(select(Followup))
    assert case.status == "closed" and case.note == f"已转为工单 #{ticket.id}"  # the shop's language
    from shopcx.desk.channels.sources import sources_of

    origin = sources_of(session, ticket).origin  # the ticket page links back to the answer's survey
    assert (origin.kind, origin.href) == ("survey", f"/surveys/{_survey.id}/responses")
    event = session.scalar(select(OutboxEvent).where(OutboxEvent.topic == "survey_detractor"))
    from shopcx.desk.jobs import take_over_detractor

    take_over_detractor(session, event)
    assert session.scalar(select(func.count(Ticket.id))) == 1
