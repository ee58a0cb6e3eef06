"""Hidden dissatisfaction and text analysis on stored reviews; the jobs that analyse late and erase buyers."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pytest
from sqlalchemy import select

from shopcx.core.events import OutboxEvent, emit
from shopcx.reviews import jobs, service
from shopcx.reviews.models import Review, ReviewFollowup
from shopcx.reviews.service import analysis
from shopcx.staff.service import SYSTEM

from ..factories import make_shop
from .helpers import at, order, record


@dataclass(frozen=True)
class FakeResult:
    polarity: str
    score: float
    aspects: tuple[str, ...]


def _fake(texts, model=None):
    """A stand-in analyser with fixed answers, so these tests check how results are stored and combined."""
    out = []
    for text in texts:
        negative = any(word in text for word in ("坏", "差", "慢", "破"))
        aspects = tuple(a for a, w in (("quality", "坏"), ("logistics", "慢"), ("packaging", "破")) if w in text)
        out.append(FakeResult("negative" if negative else "positive", 0.1 if negative else 0.9, aspects))
    return out


@pytest.fixture
def fake_analyzer(monkeypatch):
    monkeypatch.setattr(analysis, "_analyzer", lambda: _fake)


def test_a_good_review_with_negative_text_is_flagged_and_counted_apart(session, fake_analyzer):
    shop = make_shop(session)
    hidden = record(session, shop, order(session, shop), stars=5, text="五星是手滑，杯子用两天就坏了")
    happy = record(session, shop, order(session, shop), stars=5, text="很好看")
    bad = record(session, shop, order(session, shop), stars=1, text="物流太慢")
    assert (hidden.polarity, hidden.hidden_negative, hidden.aspects) == ("negative", True, ["quality"])
    assert (happy.hidden_negative, bad.hidden_negative) == (False, False)  # a 差评 is no *hidden* negative
    counts = service.class_counts(session, shop, start=date(2026, 3, 1), end=date(2026, 3, 31))
    assert (counts["good"], counts["hidden_negative"], counts["bad"]) == (2, 1, 1)


def test_a_negative_followup_turns_a_happy_review_into_hidden_dissatisfaction(session, fake_analyzer):
    shop = make_shop(session)
    review = record(session, shop, order(session, shop), stars=5, text="很好看，包装也好")
    assert not review.hidden_negative and review.polarity_score == pytest.approx(0.9)
    service.add_followup(session, review, "用了一周盖子坏了，包装也破了", at("2026-03-20"), actor=SYSTEM)
    assert review.hidden_negative and review.polarity == "negative"
    assert review.polarity_score == pytest.approx(0.1) and review.aspects == ["quality", "packaging"]


def test_reviews_stored_without_an_analyser_are_analysed_later(session, monkeypatch):
    monkeypatch.setattr(analysis, "_analyzer", lambda: None)
    shop = make_shop(session)
    review = record(session, shop, order(session, shop), stars=4, text="用了两天就坏了")
    empty = record(session, shop, order(session, shop), stars=4)
    assert review.analyzed_at is None and review.polarity is None
    assert empty.analyzed_at is not None  # nothing to analyse
    assert jobs.analyze_pending() == 0  # still no analyser: nothing done, nothing lost
    monkeypatch.setattr(analysis, "_analyzer", lambda: _fake)
    assert jobs.analyze_pending() == 1
    session.expire_all()
    stored = session.get(Review, review.id)
    assert stored.hidden_negative and stored.analyzed_at is not None
    assert jobs.analyze_pending() == 0


def test_erasing_a_buyer_removes_their_words_and_keeps_the_ratings(session):
    shop = make_shop(session)
    o = order(session, shop)
    review = record(session, shop, o, stars=2, text="打我电话13800138000", reviewer_name="王小明",
                    followup_text="还是不行", followup_at=at("2026-03-12"), dsr_service=2)
    event = emit(session, "customer_erased", "customer", o.customer_id, customer_id=o.customer_id)
    session.flush()
    jobs.erase_customer_reviews(session, event)
    assert (review.text, review.reviewer_name, review.followup_text) == (None, None, None)
    assert session.scalar(select(ReviewFollowup.text).where(ReviewFollowup.review_id == review.id)) == ""
    assert (review.stars, review.dsr_service, review.rating_class) == (2, 2, "bad")
    assert isinstance(event, OutboxEvent)


def test_hidden_dissatisfaction_with_the_real_text_analyser(session):
    """The text package's untrained default on clearly negative and clearly positive five-star reviews."""
    shop = make_shop(session)
    hidden = record(session, shop, order(session, shop), stars=5, text="质量很差，用了两天就坏了")
    happy = record(session, shop, order(session, shop), stars=5, text="非常好用，很满意，下次还来")
    honest = record(session, shop, order(session, shop), stars=1, text="质量很差，用了两天就坏了")
    assert (hidden.polarity, hidden.hidden_negative) == ("negative", True) and "quality" in hidden.aspects
    assert (happy.polarity, happy.hidden_negative) == ("positive", False)
    assert honest.polarity == "negative" and not honest.hidden_negative
    counts = service.class_counts(session, shop, start=date(2026, 3, 1), end=date(2026, 3, 31))
    assert (counts["good"], counts["hidden_negative"]) == (2, 1)


def test_hidden_dissatisfaction_is_handled_like_a_complaint(session):
    """A 5-star review whose text complains gets a follow-up task, the 'apologise' action and apology templates;
    a 5-star praise keeps 致谢 (no task) even with 客服 and negated faults in its words."""
    from shopcx.core import clock

    shop = make_shop(session)
    with clock.frozen_at(at("2026-03-10", 3)):
        hidden = record(session, shop, order(session, shop), stars=5, reviewed_at=at("2026-03-10"),
                        text="东西还行，但是盖子漏水，联系客服也没人理，有点失望")
        praise = record(session, shop, order(session, shop), stars=5, reviewed_at=at("2026-03-10"),
                        text="细节处理得很好，没有毛刺，客服很耐心，问什么都认真解答")
        assert hidden.hidden_negative and not praise.hidden_negative
        task = service.case_for_review(session, hidden)
        assert task is not None and task.kind == "followup" and task.status == "open"
        assert service.case_for_review(session, praise) is None
        entries, _, counts = service.inbox(session, shop_id=shop.id)
        actions = {e.review.id: e.action for e in entries}
        assert actions[hidden.id] == "apologise" and actions[praise.id] == "thank"
        [suggestion] = service.suggest_replies(session, hidden, shop)
        assert "抱歉" in suggestion.text and "很高兴" not in suggestion.text
        assert all("很高兴" in s.text or "感谢" in s.text for s in service.suggest_replies(session, praise, shop))


def test_a_complaining_followup_opens_the_task_too(session, fake_analyzer):
    from shopcx.core import clock

    shop = make_shop(session)
    with clock.frozen_at(at("2026-03-15", 3)):
        review = record(session, shop, order(session, shop), stars=5, text="很好看", reviewed_at=at("2026-03-10"))
        assert service.case_for_review(session, review) is None
        service.add_followup(session, review, "用了一周盖子坏了", at("2026-03-15"), actor=SYSTEM)
        assert review.hidden_negative and service.case_for_review(session, review).kind == "followup"
