"""The review-care workflow: 差评 → case with owner and deadline, contact, resolution, revision; the inbox."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from shopcx.core import clock
from shopcx.core.errors import Conflict, InvalidInput
from shopcx.reviews import service
from shopcx.reviews.models import ReviewContact
from shopcx.reviews.schemas import ContactIn, ResolveIn, RevisionIn
from shopcx.staff import service as staff
from shopcx.staff.models import AuditLog
from shopcx.staff.service import SYSTEM

from ..factories import make_shop
from .helpers import at, order, record


@pytest.fixture
def agents(session):
    def make(username, role):
        user = staff.create_user(session, username=username, password="correct-horse-battery", role=role)
        return user, staff.actor_for_user(user)

    return {"agent": make("kefu1", "agent"), "analyst": make("fenxi1", "analyst")}


def test_bad_review_case_from_opening_to_revision(session, agents):
    shop = make_shop(session)
    order(session, shop, "TC001")
    agent, agent_actor = agents["agent"]
    analyst, _ = agents["analyst"]
    with clock.frozen_at(at("2026-03-10", 3)):
        review = record(session, shop, "TC001", stars=1, text="质量很差，用了两天就坏了", reviewed_at=at("2026-03-10"))
        case = service.case_for_review(session, review)
        assert (case.kind, case.status, case.due_at) == ("care", "open", at("2026-03-11"))
        with pytest.raises(InvalidInput) as wrong_owner:
            service.assign(session, case, analyst.id, actor=SYSTEM)
        assert wrong_owner.value.code == "owner_cannot_answer"
        service.assign(session, case, agent.id, actor=SYSTEM)
        assert case.owner_id == agent.id
    with clock.frozen_at(at("2026-03-10", 6)):
        with pytest.raises(InvalidInput) as bribe:
            service.log_contact(session, case, ContactIn(channel="phone", result="reached",
                                                         note="跟买家说改好评就返现20元"), actor=agent_actor)
        assert bribe.value.code == "incentive_for_revision" and bribe.value.field == "note"
        assert session.scalar(select(func.count(ReviewContact.id))) == 0 and case.status == "open"
        contact = service.log_contact(session, case, ContactIn(channel="phone", result="reached",
                                                               note="买家说杯盖漏水，同意补发"), actor=agent_actor)
        assert contact.staff_id == agent.id and contact.at == at("2026-03-10", 6)
        assert case.status == "contacted" and case.first_contact_at == at("2026-03-10", 6)
        assert not service.is_overdue(case, at("2026-03-12"))  # the first contact stopped the due clock
        with pytest.raises(InvalidInput, match="platform rules"):
            service.resolve(session, case, ResolveIn(resolution="退款10元，条件是修改评价"), actor=agent_actor)
        service.resolve(session, case, ResolveIn(resolution="补发新杯盖并退款5元作为补偿", compensation_amount=500),
                        actor=agent_actor)
        assert (case.status, case.compensation_amount, case.currency) == ("resolved", 500, "CNY")
    with clock.frozen_at(at("2026-03-12")):
        revision = service.revise(session, review, RevisionIn(rating="good", revised_at=at("2026-03-11", 20)),
                                  actor=agent_actor)
        assert revision.contact_id == contact.id  # the contact that preceded the revision
        assert (case.status, case.outcome) == ("closed", "revised")
        with pytest.raises(Conflict, match="closed"):
            service.log_contact(session, case, ContactIn(channel="chat", result="reached"), actor=agent_actor)
        stats = service.revision_stats(session, shop, start=at("2026-03-01").date(), end=at("2026-03-31").date(),
                                       by_agent=True)
    assert (stats["negatives"], stats["revised"], stats["revision_rate"]) == (1, 1, 1.0)
    assert stats["revised_after_contact"] == 1
    assert stats["median_days_to_revision"] == pytest.approx(42 / 24)  # 03-10 02:00 → 03-11 20:00
    assert stats["agents"] == [{"staff_id": agent.id, "name": agent.display_name, "reviews": 1, "revised": 1,
                                "revision_rate": 1.0}]
    actions = [a for a in session.scalars(select(AuditLog.action).order_by(AuditLog.id)) if a.startswith("review")]
    assert actions == ["review.create", "review_case.assign", "review_case.contact", "review_case.resolve",
                       "review.revise"]


def test_closing_without_revision_and_reopening_rules(session, agents):
    shop = make_shop(session)
    order(session, shop, "TC101")
    order(session, shop, "TC102")
    _, agent_actor = agents["agent"]
    with clock.frozen_at(at("2026-03-10", 3)):
        neutral = record(session, shop, "TC101", stars=3, reviewed_at=at("2026-03-10"))
        good = record(session, shop, "TC102", stars=5, reviewed_at=at("2026-03-10"))
        task = service.case_for_review(session, neutral)
        assert task.kind == "followup" and task.due_at == at("2026-03-12")
        assert service.case_for_review(session, good) is None
        with pytest.raises(InvalidInput) as not_needed:
            service.open_case(session, good, actor=agent_actor)
        assert not_needed.value.code == "case_not_needed"
        with pytest.raises(Conflict) as exists:
            service.open_case(session, neutral, actor=agent_actor)
        assert exists.value.code == "case_exists"
        with pytest.raises(InvalidInput, match="has not revised"):
            service.close(session, task, "revised", actor=agent_actor)
        service.close(session, task, None, actor=agent_actor)
        assert (task.status, task.outcome) == ("closed", "not_revised")


def test_inbox_lists_what_needs_action_bad_first_with_deadlines(session):
    shop = make_shop(session)
    for n in range(1, 8):
        order(session, shop, f"TI00{n}")
    with clock.frozen_at(at("2026-03-12", 4)):
        thank = record(session, shop, "TI001", stars=5, reviewed_at=at("2026-03-11"))
        replied = record(session, shop, "TI002", stars=5, reviewed_at=at("2026-03-11"))
        service.reply(session, replied, "谢谢亲的好评！", actor=SYSTEM)
        record(session, shop, "TI003", stars=None, is_default=True, reviewed_at=at("2026-03-11"))
        apologise = record(session, shop, "TI004", stars=3, reviewed_at=at("2026-03-10"))  # task due 03-12 02:00
        care = record(session, shop, "TI005", stars=1, reviewed_at=at("2026-03-12", 1))  # case due 03-13 01:00
        record(session, shop, "TI006", stars=1, reviewed_at=at("2026-01-05"))  # past the revision window
        entries, total, counts = service.inbox(session, shop_id=shop.id)
        assert total == 3 and [e.review.id for e in entries] == [care.id, apologise.id, thank.id]
        assert [e.action for e in entries] == ["care", "apologise", "thank"]
        assert [e.overdue for e in entries] == [False, True, False]
        assert entries[0].case.due_at == at("2026-03-13", 1) and entries[0].revision_due_at == at("2026-04-11", 1)
        assert entries[2].revision_due_at is None
        assert counts == {"good": 1, "neutral": 1, "bad": 1, "overdue": 1}
        overdue, total_overdue, _ = service.inbox(session, shop_id=shop.id, overdue=True)
        assert total_overdue == 1 and overdue[0].review.id == apologise.id
        page, total, _ = service.inbox(session, shop_id=shop.id, offset=2, limit=2)
        assert total == 3 and [e.review.id for e in page] == [thank.id]
        service.reply(session, thank, "谢谢！", actor=SYSTEM)
        assert service.inbox(session, shop_id=shop.id, rating_class="good")[1] == 0


def test_orders_awaiting_a_rating_until_the_window_closes(session):
    shop = make_shop(session)
    order(session, shop, "TW001", completed_at=at("2026-03-01"))
    order(session, shop, "TW002", completed_at=at("2026-03-10"))
    reviewed = order(session, shop, "TW003", completed_at=at("2026-03-10"))
    record(session, shop, reviewed, stars=5)
    with clock.frozen_at(at("2026-03-17")):
        rows, total = service.awaiting_rating(session, shop.id)
    assert total == 1 and rows[0][0].external_id == "TW002" and rows[0][1] == at("2026-03-25")
