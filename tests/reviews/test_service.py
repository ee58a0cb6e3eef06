"""Recording reviews: idempotent replays, events, history of 追评 and revisions, replies, settings, templates."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from shopcx.core import clock
from shopcx.core.errors import Conflict, InvalidInput
from shopcx.core.events import OutboxEvent
from shopcx.reviews import service
from shopcx.reviews.models import Review, ReviewCase, ReviewFollowup, ReviewRevision
from shopcx.reviews.schemas import RevisionIn, SettingsIn, TemplateIn
from shopcx.staff.models import AuditLog
from shopcx.staff.service import SYSTEM

from ..factories import make_shop
from .helpers import at, order, record, review_data


def _events(session, topic):
    return list(session.scalars(select(OutboxEvent).where(OutboxEvent.topic == topic).order_by(OutboxEvent.id)))


def test_a_review_is_stored_once_and_its_replay_changes_nothing(session):
    shop = make_shop(session)
    o = order(session, shop, "T1001")
    data = review_data("T1001", external_id="RV-1", stars=4, text="杯子很好看，保温效果不错", reviewer_name="t**1",
                       dsr_description=5, dsr_service=4, dsr_logistics=5,
                       image_urls=["https://img.example.com/a.jpg"], reviewed_at=at("2026-03-10", 16, 30))
    first = service.record_review(session, shop, data, actor=SYSTEM)
    again = service.record_review(session, shop, data, actor=SYSTEM)
    assert first.created and not again.created and not again.changed and again.review_id == first.review_id
    review = service.get_review(session, first.review_id)
    assert review.order_id == o.id and review.customer_id == o.customer_id
    assert review.order_line_id == o.lines[0].id and review.product_id == o.lines[0].product_id  # one-line order
    assert (review.rating_class, review.first_class, review.stars) == ("good", "good", 4)
    # 16:30 UTC on 10 March is 00:30 on 11 March in Shanghai: the DSR windows count the shop's day
    assert review.reviewed_on.isoformat() == "2026-03-11"
    events = _events(session, "review_received")
    assert len(events) == 1
    assert events[0].payload == {"shop_id": shop.id, "customer_id": o.customer_id, "review_id": review.id,
                                 "order_id": o.id,
                                 "rating_class": "good", "has_text": True, "is_default": False}


def test_explicit_class_wins_and_default_reviews_are_good(session):
    shop = make_shop(session)
    order(session, shop, "T2001")
    order(session, shop, "T2002")
    explicit = record(session, shop, "T2001", stars=2, rating="好评")
    default = record(session, shop, "T2002", stars=None, is_default=True)
    assert explicit.rating_class == "good" and explicit.platform_class == "good"
    assert default.rating_class == "good" and default.is_default
    assert _events(session, "review_received")[-1].payload["is_default"] is True
    with pytest.raises(Exception, match="default review"):
        review_data("T2002", is_default=True, rating="差评")


def test_unknown_order_line_or_sku_is_refused_with_the_field(session):
    shop = make_shop(session)
    order(session, shop, "T3001", lines=[{"sku": "A", "name": "甲", "quantity": 1, "unit_price_amount": 100},
                                         {"sku": "B", "name": "乙", "quantity": 1, "unit_price_amount": 100}])
    with pytest.raises(InvalidInput) as missing:
        service.record_review(session, shop, review_data("NOPE"), actor=SYSTEM)
    assert missing.value.code == "unknown_order" and missing.value.field == "order_external_id"
    assert "no order 'NOPE'" in missing.value.message
    with pytest.raises(InvalidInput, match="has no line 3"):
        service.record_review(session, shop, review_data("T3001", line_no=3), actor=SYSTEM)
    with pytest.raises(InvalidInput, match="no line with SKU 'Z'"):
        service.record_review(session, shop, review_data("T3001", sku="Z"), actor=SYSTEM)
    by_sku = record(session, shop, "T3001", sku="B")
    assert by_sku.product_id is not None and by_sku.order_line_id is not None
    whole = record(session, shop, "T3001")
    assert whole.order_line_id is None  # a two-line order reviewed as a whole
    assert session.scalar(select(func.count(Review.id))) == 2


def test_a_replay_with_a_new_class_is_a_revision_with_history_and_an_event(session):
    shop = make_shop(session)
    order(session, shop, "T4001")
    data = review_data("T4001", external_id="RV-4", stars=1, text="质量很差")
    service.record_review(session, shop, data, actor=SYSTEM, source="import")
    revised = data.model_copy(update={"stars": 5, "text": "客服处理很好，已经解决", "revised_at": at("2026-03-15")})
    result = service.record_review(session, shop, revised, actor=SYSTEM, source="import")
    assert result.changed and result.revised and result.rating_class == "good"
    review = service.get_review(session, result.review_id)
    assert (review.first_class, review.rating_class, review.revision_count) == ("bad", "good", 1)
    [revision] = review.revisions
    assert (revision.from_class, revision.to_class, revision.from_stars, revision.to_stars) == ("bad", "good", 1, 5)
    assert revision.previous_text == "质量很差" and revision.revised_at == at("2026-03-15")
    assert [e.payload["to_class"] for e in _events(session, "review_revised")] == ["good"]
    # the same replay again is nothing new, and neither is the old export imported once more
    assert not service.record_review(session, shop, revised, actor=SYSTEM, source="import").changed
    assert not service.record_review(session, shop, data, actor=SYSTEM, source="import").changed
    assert (review.rating_class, review.text) == ("good", "客服处理很好，已经解决")
    assert len(_events(session, "review_revised")) == 1


def test_followups_are_kept_as_history(session):
    shop = make_shop(session)
    order(session, shop, "T5001")
    review = record(session, shop, "T5001", followup_text="用了一周还不错", followup_at=at("2026-03-17"))
    service.add_followup(session, review, "用了一个月，盖子坏了", at("2026-04-10"), actor=SYSTEM)
    service.add_followup(session, review, "用了一个月，盖子坏了", at("2026-04-10"), actor=SYSTEM)  # no-op
    texts = list(session.scalars(select(ReviewFollowup.text).where(ReviewFollowup.review_id == review.id)
                                 .order_by(ReviewFollowup.id)))
    assert texts == ["用了一周还不错", "用了一个月，盖子坏了"]
    assert review.followup_text == "用了一个月，盖子坏了" and review.followup_at == at("2026-04-10")
    with pytest.raises(InvalidInput, match="before the review"):
        service.add_followup(session, review, "早于评价", at("2026-03-01"), actor=SYSTEM)


def test_reply_is_guarded_and_audited(session):
    shop = make_shop(session)
    order(session, shop, "T6001")
    review = record(session, shop, "T6001", stars=2)
    with pytest.raises(InvalidInput) as refused:
        service.reply(session, review, "亲，改好评送您10元红包", actor=SYSTEM)
    assert refused.value.code == "incentive_for_revision" and "platform rules" in refused.value.message
    assert review.reply_text is None
    service.reply(session, review, "非常抱歉，已为您安排退款，客服会联系您。", actor=SYSTEM)
    assert review.reply_text.startswith("非常抱歉") and review.replied_at is not None
    actions = list(session.scalars(select(AuditLog.action).where(AuditLog.entity == "review")))
    assert "review.reply" in actions
    service.update_settings(session, shop, "taobao", SettingsIn(reply_allowed=False), actor=SYSTEM)
    with pytest.raises(Conflict, match="switched off"):
        service.reply(session, review, "再次感谢", actor=SYSTEM)


def test_revision_by_staff_respects_the_platform_window(session):
    shop = make_shop(session)
    order(session, shop, "T7001")
    review = record(session, shop, "T7001", stars=1, reviewed_at=at("2026-03-01"))
    with pytest.raises(Conflict, match="revision window of 30 days"):
        with clock.frozen_at(at("2026-04-15")):
            service.revise(session, review, RevisionIn(rating="good", revised_at=at("2026-04-01")), actor=SYSTEM)
    with clock.frozen_at(at("2026-03-20")):
        with pytest.raises(InvalidInput, match="already bad with 1 stars"):
            service.revise(session, review, RevisionIn(rating="bad", stars=1), actor=SYSTEM)
        revision = service.revise(session, review, RevisionIn(rating="good"), actor=SYSTEM)
        assert (revision.from_class, revision.to_class, revision.source) == ("bad", "good", "staff")
        assert review.stars is None  # 1 star no longer agrees with 好评, the explicit class wins
        with pytest.raises(Conflict, match="allows 1 revision"):
            service.revise(session, review, RevisionIn(rating="neutral"), actor=SYSTEM)


def test_settings_default_then_stored_and_audited(session):
    shop = make_shop(session)
    current = service.settings_for(session, shop.id, "taobao")
    assert not current.stored and current.windows.rating_days == 15 and current.windows.revision_days == 30
    assert current.benchmarks == {"description": 4.8, "service": 4.8, "logistics": 4.8}
    service.update_settings(session, shop, "taobao", SettingsIn(revision_days=45, benchmark_logistics=4.7),
                            actor=SYSTEM)
    stored = service.settings_for(session, shop.id, "taobao")
    assert stored.stored and stored.windows.revision_days == 45 and stored.windows.rating_days == 15
    assert stored.benchmarks["logistics"] == 4.7 and stored.benchmarks["service"] == 4.8
    with pytest.raises(InvalidInput, match="platform: 'ebay'"):
        service.update_settings(session, shop, "ebay", SettingsIn(revision_days=1), actor=SYSTEM)


def test_reply_suggestions_use_a_polite_address_product_and_shop_templates(session):
    shop = make_shop(session, name="杯子旗舰店")
    order(session, shop, "T8001", name="真空保温杯")
    review = record(session, shop, "T8001", stars=5, reviewer_name="小王")
    builtin = service.suggest_replies(session, review, shop)
    assert len(builtin) == 2 and all(s.template_id is None for s in builtin)
    assert any("真空保温杯" in s.text for s in builtin) and not any("小王" in s.text for s in builtin)
    template = service.add_template(session, shop, TemplateIn(rating_class="good", body="谢谢{name}！{product}"
                                                              "还有新色哦，{shop}等您再来"), actor=SYSTEM)
    [mine] = service.suggest_replies(session, review, shop)
    assert mine.template_id == template.id and mine.text == "谢谢亲爱的顾客！真空保温杯还有新色哦，杯子旗舰店等您再来"
    with pytest.raises(InvalidInput, match="unknown placeholder"):
        service.add_template(session, shop, TemplateIn(rating_class="good", body="订单{order}"), actor=SYSTEM)
    with pytest.raises(InvalidInput) as bribe:
        service.add_template(session, shop, TemplateIn(rating_class="bad", body="改好评返现5元"), actor=SYSTEM)
    assert bribe.value.code == "incentive_for_revision"


def test_customer_lookups_for_other_domains(session):
    shop = make_shop(session)
    a = order(session, shop, "T9001", buyer="a")
    b = order(session, shop, "T9002", buyer="b")
    c = order(session, shop, "T9003", buyer="c")
    d = order(session, shop, "T9004", buyer="d")
    record(session, shop, a, stars=5, text="很好用")
    record(session, shop, b, stars=5)  # no text
    record(session, shop, c, stars=None, is_default=True, text="系统默认好评")
    record(session, shop, d, stars=2, text="一般")
    assert service.customers_with_text_good_review(session) == {a.customer_id}
    assert service.customers_with_text_good_review(session, shop_id=shop.id + 999) == set()
    record(session, shop, a, stars=3, reviewed_at=at("2026-03-20"))
    latest = service.reviews_for_customer(session, a.customer_id, limit=5)
    assert [r.stars for r in latest] == [3, 5]


def test_review_care_case_opens_for_a_new_bad_review_only_inside_the_window(session):
    shop = make_shop(session)
    order(session, shop, "TA001")
    order(session, shop, "TA002")
    with clock.frozen_at(at("2026-03-10", 6)):
        fresh = record(session, shop, "TA001", stars=1, reviewed_at=at("2026-03-10"))
    with clock.frozen_at(at("2026-05-10")):
        old = record(session, shop, "TA002", stars=1, reviewed_at=at("2026-03-10"))
    cases = {c.review_id: c for c in session.scalars(select(ReviewCase))}
    assert fresh.id in cases and old.id not in cases
    case = cases[fresh.id]
    assert (case.kind, case.status, case.owner_id) == ("care", "open", None)
    assert case.due_at == at("2026-03-11") and case.revision_due_at == at("2026-04-09")
    assert session.scalar(select(func.count(ReviewRevision.id))) == 0
