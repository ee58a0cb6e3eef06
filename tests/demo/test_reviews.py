"""The demo's reviews: generated from the operations (no database), then stored and read by the review pages'
metrics, cases and --reset (on SQLite and PostgreSQL, rolled back after each test)."""

from collections import Counter
from datetime import date, timedelta
from statistics import mean
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from shopcx.core import events
from shopcx.core.outgoing import outgoing_problem
from shopcx.demo import feedback
from shopcx.demo import review_words as words
from shopcx.demo.catalog import CATEGORIES
from shopcx.demo.generator import generate
from shopcx.demo.service import build_demo
from shopcx.demo.writer import delete_demo
from shopcx.orders.models import Order, OrderLine
from shopcx.reviews import rules
from shopcx.reviews.models import Review, ReviewCase, ReviewContact, ReviewFollowup, ReviewRevision
from shopcx.reviews.service import metrics
from shopcx.shops import service as shops

UNTIL = date(2026, 6, 30)
LAST_DAY = UNTIL - timedelta(days=1)


@pytest.fixture(scope="module")
def demo():
    return generate(seed=11, customers=1500, until=UNTIL)


def test_class_mix_is_taobao_like(demo):
    reviews = demo.reviews
    completed = sum(1 for o in demo.orders if o.completed_at is not None)
    assert 0.7 < len(reviews) / completed < 0.95
    first = Counter(r.first_class for r in reviews)
    assert 0.93 < first["good"] / len(reviews) < 0.99
    assert first["neutral"] >= 10 and first["bad"] >= 10
    default = [r for r in reviews if r.is_default]
    assert 0.05 < len(default) / len(reviews) < 0.15
    assert all(r.text is None and r.dsr is None and r.stars is None for r in default)
    rated = [r for r in reviews if not r.is_default]
    assert Counter(r.stars for r in rated).most_common(1)[0][0] == 5
    assert all(r.dsr is not None and all(1 <= v <= 5 for v in r.dsr) for r in rated)


def test_reviews_come_within_the_rating_window_and_before_the_cutoff(demo):
    for r in demo.reviews:
        completed = demo.orders[r.order].completed_at
        assert completed <= r.reviewed_at <= completed + timedelta(days=feedback.RATING_DAYS)
        assert r.reviewed_at < demo.window.cutoff
        for later in (r.replied_at, r.followup_at):
            assert later is None or r.reviewed_at < later < demo.window.cutoff
        if r.revision is not None:
            assert r.first_class in ("neutral", "bad") and r.rating_class == "good"
            assert r.reviewed_at < r.revision.contact_at < r.revision.revised_at < demo.window.cutoff
            assert r.revision.revised_at <= r.reviewed_at + timedelta(days=feedback.REVISION_DAYS)
    assert [(r.reviewed_at, r.external_id) for r in demo.reviews] == \
        sorted((r.reviewed_at, r.external_id) for r in demo.reviews)
    assert len({r.external_id for r in demo.reviews}) == len(demo.reviews)


def test_late_parcels_lower_the_logistics_rating_and_refunds_lean_negative(demo):
    rated = [r for r in demo.reviews if r.dsr is not None]
    late = [r for r in rated if demo.orders[r.order].shipment.late]
    on_time = [r for r in rated if not demo.orders[r.order].shipment.late]
    assert len(late) > 30
    assert mean(r.dsr[2] for r in late) < mean(r.dsr[2] for r in on_time) - 0.5
    unhappy = [r for r in rated if r.first_class != "good" or r.hidden]
    assert Counter(r.about for r in unhappy).most_common(1)[0][0] == "logistics"
    damaged = [r for r in rated if demo.orders[r.order].shipment.damaged]
    assert any(r.about == "packaging" for r in damaged)
    refunded = [r for r in rated if demo.orders[r.order].refunds]
    plain = [r for r in rated if not demo.orders[r.order].refunds and not demo.orders[r.order].shipment.late
             and not demo.orders[r.order].shipment.damaged]
    assert mean(r.stars for r in refunded) < mean(r.stars for r in plain) - 0.5


def test_hidden_complaints_followups_replies_and_revisions_exist(demo):
    reviews = demo.reviews
    hidden = [r for r in reviews if r.hidden]
    assert hidden and all(r.stars >= 4 and r.about and r.text for r in hidden)
    assert any(r.followup for r in reviews) and any(r.revision for r in reviews)
    negatives = [r for r in reviews if r.first_class != "good"]
    assert sum(1 for r in negatives if r.reply) / len(negatives) > 0.6


def test_the_same_seed_gives_the_same_reviews():
    a = generate(seed=3, customers=300, until=UNTIL)
    b = generate(seed=3, customers=300, until=UNTIL)
    assert a.reviews == b.reviews and len(a.reviews) > 100
    assert generate(seed=4, customers=300, until=UNTIL).reviews != a.reviews


def test_word_lists_cover_every_category_and_replies_keep_the_platform_rules():
    assert set(words.NOUNS) == set(words.QUALITY_PRAISE) == set(words.FOLLOWUP_BAD) == set(CATEGORIES)
    assert set(words.COMPLAINTS["quality"]) == set(CATEGORIES)
    texts = [*(t for replies in words.REPLIES.values() for t in replies), *words.CONTACT_NOTES]
    assert [t for t in texts if outgoing_problem(t)] == []


# --- stored -------------------------------------------------------------------------------------------------


@pytest.fixture
def built(session):
    result = build_demo(session, seed=5, customers=300, years=2, shop_code="demorev", until=UNTIL.isoformat())
    return result, shops.get_shop(session, "demorev")


def _reviews(session, shop):
    return session.scalars(select(Review).where(Review.shop_id == shop.id).order_by(Review.id)).all()


def test_stored_reviews_are_filled_as_record_review_fills_them(session, built):
    result, shop = built
    stored = _reviews(session, shop)
    assert len(stored) == result.summary["reviews"] > 100
    zone = ZoneInfo(shop.timezone)
    orders = {o.id: o for o in session.scalars(select(Order).where(Order.shop_id == shop.id))}
    lines = {line.id: line for line in session.scalars(select(OrderLine).where(OrderLine.order_id.in_(orders)))}
    for review in stored:
        order = orders[review.order_id]
        line = lines[review.order_line_id]
        assert line.order_id == order.id and review.product_id == line.product_id
        assert review.customer_id == order.customer_id and review.platform == shop.platform
        assert review.reviewed_on == review.reviewed_at.astimezone(zone).date()
        assert review.analyzed_at is not None
        if review.is_default:
            assert review.rating_class == "good" and review.text is None and review.dsr_logistics is None
        elif review.revision_count == 0:
            assert review.rating_class == review.first_class == rules.class_of_stars(review.stars)
    classes = Counter(r.rating_class for r in stored)
    assert classes["good"] / len(stored) * 100 == pytest.approx(result.summary["good_rate_pct"], abs=0.05)
    followups = session.scalar(select(func.count(ReviewFollowup.id)).where(
        ReviewFollowup.review_id.in_([r.id for r in stored if r.followup_text])))
    assert followups == sum(1 for r in stored if r.followup_text) > 0


def test_text_analysis_finds_hidden_dissatisfaction(session, built):
    _, shop = built
    stored = _reviews(session, shop)
    hidden = [r for r in stored if r.hidden_negative]
    assert hidden and all(r.rating_class == "good" and not r.is_default and r.polarity == "negative"
                          for r in hidden)
    assert any(r.aspects for r in stored if r.rating_class == "bad")


def test_revisions_went_through_the_care_case(session, built):
    _, shop = built
    revised = [r for r in _reviews(session, shop) if r.revision_count]
    assert revised
    for review in revised:
        assert review.first_class in ("neutral", "bad") and review.rating_class == "good"
        (revision,) = review.revisions
        case = session.scalars(select(ReviewCase).where(ReviewCase.review_id == review.id)).one()
        contact = session.get(ReviewContact, revision.contact_id)
        assert contact.case_id == case.id and review.reviewed_at < contact.at < revision.revised_at
        assert (case.status, case.outcome, case.closed_at) == ("closed", "revised", revision.revised_at)
        assert case.owner_id is not None and contact.staff_id == case.owner_id


def test_dashboard_metrics_have_data_for_the_demo_shop(session, built):
    _, shop = built
    dsr = metrics.dsr_summary(session, shop, as_of=LAST_DAY)
    assert all(d["count"] > 0 and 1 <= d["mean"] <= 5 for d in dsr["dimensions"])
    trend = metrics.good_rate_trend(session, shop, end=LAST_DAY, period="month")
    assert sum(p["total"] for p in trend["points"]) > 0
    assert metrics.negatives_by_driver(session, shop, end=LAST_DAY)["drivers"]
    assert metrics.class_counts_by(session, shop, by="product", end=LAST_DAY)["groups"]
    assert metrics.dsr_series(session, shop, end=LAST_DAY)["points"][-1]["logistics"] is not None
    groups = {g["group"]: g for g in metrics.late_vs_rating(session, shop, start=LAST_DAY - timedelta(days=700),
                                                             end=LAST_DAY)["groups"]}
    assert groups["late"]["logistics_count"] > 10
    assert groups["late"]["mean_logistics"] < groups["on_time"]["mean_logistics"] - 0.5
    assert metrics.revision_stats(session, shop, start=LAST_DAY - timedelta(days=700), end=LAST_DAY)["revised"] > 0


def test_reset_removes_the_reviews_and_their_cases(session, built):
    result, shop = built
    ids = [r.id for r in _reviews(session, shop)]
    counts = delete_demo(session, shop)
    assert counts["reviews"] == result.summary["reviews"]
    for model in (ReviewRevision, ReviewContact, ReviewFollowup, ReviewCase):
        assert session.scalar(select(func.count(model.id)).where(model.review_id.in_(ids))) == 0
    assert session.scalar(select(func.count(Review.id)).where(Review.shop_id == shop.id)) == 0
    left = select(func.count(events.OutboxEvent.id)).where(events.OutboxEvent.aggregate == "review",
                                                           events.OutboxEvent.aggregate_id.in_(ids))
    assert session.scalar(left) == 0
    again = build_demo(session, seed=5, customers=300, years=2, shop_code="demorev", until=UNTIL.isoformat())
    assert len(_reviews(session, shop)) == again.summary["reviews"] == result.summary["reviews"]
