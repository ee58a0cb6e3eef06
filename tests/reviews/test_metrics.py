"""Ratings metrics over stored reviews, each against a hand-worked example."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from shopcx.core import clock
from shopcx.reviews import service
from shopcx.reviews.models import Review
from shopcx.reviews.schemas import ContactIn, ReviewIn, SettingsIn
from shopcx.staff import service as staff
from shopcx.staff.service import SYSTEM

from ..factories import make_shop
from .helpers import at, order, record


def _dsr_review(session, shop, day, d, s, lg, **extra):
    return record(session, shop, order(session, shop), reviewed_at=at(day), dsr_description=d, dsr_service=s,
                  dsr_logistics=lg, **extra)


@pytest.fixture
def dsr_shop(session):
    shop = make_shop(session)
    _dsr_review(session, shop, "2026-01-01", 1, 1, 1)  # one day before the window of 2026-06-30
    _dsr_review(session, shop, "2026-01-02", 5, 4, 3)
    _dsr_review(session, shop, "2026-03-15", 4, 4, 4)
    _dsr_review(session, shop, "2026-06-30", 3, 5, 5)
    _dsr_review(session, shop, "2026-05-01", 5, 5, 5, stars=None, is_default=True)  # 系统默认好评: never in DSR
    return shop


def test_dsr_summary_over_180_days_against_the_benchmark(session, dsr_shop):
    summary = service.dsr_summary(session, dsr_shop, as_of=date(2026, 6, 30))
    assert (summary["window_start"], summary["window_end"]) == ("2026-01-02", "2026-06-30")
    dims = {d["dimension"]: d for d in summary["dimensions"]}
    # 描述相符 5, 4, 3 → 4.0, (4.0 − 4.8) / 4.8 = −16.67 %; 服务态度 4, 4, 5 → 13/3; 物流服务 3, 4, 5 → 4.0
    assert dims["description"]["count"] == 3 and dims["description"]["mean"] == pytest.approx(4.0)
    assert dims["description"]["gap_pct"] == pytest.approx(-16.6666667)
    assert dims["service"]["mean"] == pytest.approx(13 / 3)
    assert dims["logistics"]["mean"] == pytest.approx(4.0)
    service.update_settings(session, dsr_shop, "taobao", SettingsIn(benchmark_service=4.0), actor=SYSTEM)
    again = service.dsr_summary(session, dsr_shop, as_of=date(2026, 6, 30))
    assert again["dimensions"][1]["gap_pct"] == pytest.approx((13 / 3 - 4.0) / 4.0 * 100)


def test_dsr_series_is_a_rolling_180_day_mean(session, dsr_shop):
    series = service.dsr_series(session, dsr_shop, start=date(2026, 6, 29), end=date(2026, 7, 2))
    got = [(p["date"], p["description"], p["description_count"]) for p in series["points"]]
    assert got == [("2026-06-29", pytest.approx(10 / 3), 3),  # 1, 5, 4 (window from 01-01)
                   ("2026-06-30", pytest.approx(4.0), 3),  # 5, 4, 3 (01-01 left)
                   ("2026-07-01", pytest.approx(3.5), 2),  # 4, 3 (01-02 left)
                   ("2026-07-02", pytest.approx(3.5), 2)]


def test_forecast_from_stored_ratings(session):
    shop = make_shop(session)
    days = ["2026-01-02", "2026-01-15", "2026-01-31", "2026-02-01", "2026-03-01", "2026-04-01", "2026-05-01",
            "2026-05-02", "2026-06-01", "2026-06-30"]
    for day, value in zip(days, [5, 5, 5, 1, 2, 3, 4, 4, 4, 5], strict=True):
        _dsr_review(session, shop, day, value, 5, None)
    out = service.dsr_forecast(session, shop, as_of=date(2026, 6, 30))
    description, service_dim, logistics = out["dimensions"]
    assert (description["count"], description["leaving_count"], description["fives_to_gain"],
            description["fives_to_hold"], description["fives_to_gain_after"]) == (10, 3, 1, 3, 4)
    assert description["mean_after"] == pytest.approx(23 / 7)
    assert service_dim["mean"] == 5.0 and service_dim["fives_to_gain"] is None  # 5.1 cannot be reached
    assert logistics["count"] == 0 and logistics["mean"] is None


def test_counts_and_weekly_good_rate(session):
    shop = make_shop(session)
    for day, extra in [("2026-03-02", {"stars": 5}), ("2026-03-02", {"stars": 3}),  # Monday
                       ("2026-03-08", {"stars": 1}), ("2026-03-08", {"stars": 2, "rating": "好评"}),  # Sunday
                       ("2026-03-09", {"stars": None, "is_default": True}), ("2026-03-09", {"stars": 4})]:
        record(session, shop, order(session, shop), reviewed_at=at(day), **extra)
    counts = service.class_counts(session, shop, start=date(2026, 3, 2), end=date(2026, 3, 9))
    assert (counts["good"], counts["neutral"], counts["bad"], counts["total"]) == (4, 1, 1, 6)
    assert counts["good_rate"] == pytest.approx(4 / 6) and counts["default_good"] == 1
    trend = service.good_rate_trend(session, shop, start=date(2026, 3, 2), end=date(2026, 3, 9), period="week")
    weeks = [(p["period"], p["good"], p["total"], p["good_rate"], p["partial"]) for p in trend["points"]]
    assert weeks == [("2026-03-02", 2, 4, 0.5, False), ("2026-03-09", 2, 2, 1.0, True)]
    months = service.good_rate_trend(session, shop, start=date(2026, 2, 15), end=date(2026, 3, 9), period="month")
    assert [(p["period"], p["total"], p["good_rate"]) for p in months["points"]] == [
        ("2026-02-01", 0, None), ("2026-03-01", 6, pytest.approx(4 / 6))]


def test_products_and_carriers_ranked_by_bad_rate(session):
    shop = make_shop(session)

    def reviews(sku, stars_list, carrier=None, shipments=1):
        for stars in stars_list:
            ships = [{"carrier": carrier, "tracking_no": f"{carrier}{n}-{stars}-{id(stars_list)}"}
                     for n in range(shipments)] if carrier else []
            record(session, shop, order(session, shop, sku=sku, name=f"商品{sku}", shipments=ships), stars=stars)

    reviews("A", [1, 2, 5, 5], carrier="顺丰速运", shipments=2)  # two parcels, one carrier: counted once
    reviews("B", [1, 1], carrier="中通快递")
    reviews("C", [5, 4, 4])
    ranked = service.bad_rate_ranking(session, shop, by="product", start=date(2026, 3, 1), end=date(2026, 3, 31),
                                      min_count=3)
    assert [(r["label"], r["bad_rate"], r["total"]) for r in ranked["items"]] == [("商品A", 0.5, 4), ("商品C", 0.0, 3)]
    assert ranked["left_out"] == 1
    loose = service.bad_rate_ranking(session, shop, by="product", start=date(2026, 3, 1), end=date(2026, 3, 31),
                                     min_count=2)
    assert [r["label"] for r in loose["items"]] == ["商品B", "商品A", "商品C"]
    carriers = service.bad_rate_ranking(session, shop, by="carrier", start=date(2026, 3, 1), end=date(2026, 3, 31),
                                        min_count=1)
    assert [(r["label"], r["bad"], r["total"]) for r in carriers["items"]] == [("中通快递", 2, 2), ("顺丰速运", 2, 4)]
    one = service.class_counts(session, shop, start=date(2026, 3, 1), end=date(2026, 3, 31),
                               sc=service.metrics.scope(shop, carrier="顺丰速运"))
    assert (one["total"], one["bad"]) == (4, 2)


def test_late_delivery_against_rating(session):
    shop = make_shop(session)
    late = [{"carrier": "顺丰", "tracking_no": "L1", "promised_at": at("2026-03-03").isoformat(),
             "delivered_at": at("2026-03-06").isoformat()}]
    on_time = [{"carrier": "顺丰", "tracking_no": "L2", "promised_at": at("2026-03-05").isoformat(),
                "delivered_at": at("2026-03-04").isoformat()}]
    not_yet = [{"carrier": "顺丰", "tracking_no": "L3", "promised_at": at("2026-03-05").isoformat()}]
    no_promise = [{"carrier": "顺丰", "tracking_no": "L4", "delivered_at": at("2026-03-04").isoformat()}]
    record(session, shop, order(session, shop, shipments=late), stars=2, dsr_logistics=1)
    record(session, shop, order(session, shop, shipments=late), stars=3, dsr_logistics=2)
    record(session, shop, order(session, shop, shipments=on_time), stars=5, dsr_logistics=5)
    record(session, shop, order(session, shop, shipments=not_yet), stars=1)  # undelivered at review time: late
    record(session, shop, order(session, shop), stars=4)
    record(session, shop, order(session, shop, shipments=no_promise), stars=3)
    record(session, shop, order(session, shop, shipments=on_time), stars=None, is_default=True)  # no real rating
    groups = {g["group"]: g for g in service.late_vs_rating(session, shop, start=date(2026, 3, 1),
                                                            end=date(2026, 3, 31))["groups"]}
    assert (groups["late"]["reviews"], groups["late"]["mean_stars"]) == (3, pytest.approx(2.0))  # 2, 3, 1
    assert groups["late"]["mean_logistics"] == pytest.approx(1.5) and groups["late"]["bad"] == 2
    assert (groups["on_time"]["reviews"], groups["on_time"]["mean_stars"]) == (1, 5.0)
    assert (groups["no_shipment"]["reviews"], groups["no_shipment"]["mean_stars"]) == (1, 4.0)
    assert (groups["no_promise"]["reviews"], groups["no_promise"]["mean_stars"]) == (1, 3.0)


def test_negative_reviews_by_driver(session):
    shop = make_shop(session)
    rows = [(1, ["quality", "packaging"], False), (2, ["logistics"], False), (3, [], False), (5, ["quality"], True)]
    for stars, aspects, hidden in rows:
        review = record(session, shop, order(session, shop), stars=stars)
        review.aspects, review.hidden_negative = aspects, hidden  # as the text analysis would have stored them
    record(session, shop, order(session, shop), stars=5)
    session.flush()
    out = service.negatives_by_driver(session, shop, start=date(2026, 3, 1), end=date(2026, 3, 31))
    assert out["reviews"] == 4
    assert [(d["driver"], d["bad"], d["neutral"], d["hidden_negative"]) for d in out["drivers"]] == [
        ("quality", 1, 0, 1), ("logistics", 1, 0, 0), ("packaging", 1, 0, 0), ("unknown", 0, 1, 0)]


def test_revision_rate_and_response_time_per_agent(session):
    shop = make_shop(session)
    a = staff.create_user(session, username="agent_a", password="correct-horse-battery", role="agent",
                          display_name="小A")
    b = staff.create_user(session, username="agent_b", password="correct-horse-battery", role="agent",
                          display_name="小B")
    actor_a, actor_b = staff.actor_for_user(a), staff.actor_for_user(b)
    with clock.frozen_at(at("2026-03-10", 1)):
        bad = record(session, shop, order(session, shop), stars=1, reviewed_at=at("2026-03-10", 1))
        neutral = record(session, shop, order(session, shop), stars=3, reviewed_at=at("2026-03-10", 1))
        record(session, shop, order(session, shop), stars=1, reviewed_at=at("2026-03-10", 1))  # never answered
        good_then_bad = record(session, shop, order(session, shop), stars=5, reviewed_at=at("2026-03-10", 1))
    with clock.frozen_at(at("2026-03-10", 4)):  # 3 hours after the 差评
        bad_case = service.case_for_review(session, bad)
        service.assign(session, bad_case, a.id, actor=SYSTEM)
        contact = service.log_contact(session, bad_case, ContactIn(channel="phone", result="reached"), actor=actor_a)
    with clock.frozen_at(at("2026-03-10", 1, 30)):  # the 中评 gets a public reply after 30 minutes …
        service.reply(session, neutral, "抱歉没让您满意，客服马上联系您", actor=actor_b)
    with clock.frozen_at(at("2026-03-10", 3)):  # … and a contact later: the reply came first
        service.log_contact(session, service.case_for_review(session, neutral),
                            ContactIn(channel="chat", result="reached"), actor=actor_a)
    for review, stars, revised_at in ((bad, 5, at("2026-03-11")), (neutral, 4, at("2026-03-12")),
                                      (good_then_bad, 1, at("2026-03-12"))):
        data = {"external_id": review.external_id, "order_external_id": _order_external(session, review),
                "stars": stars, "reviewed_at": review.reviewed_at, "revised_at": revised_at}
        with clock.frozen_at(at("2026-03-13")):
            service.record_review(session, shop, ReviewIn.model_validate(data), actor=SYSTEM, source="import")
    window = {"start": date(2026, 3, 1), "end": date(2026, 3, 31)}
    stats = service.revision_stats(session, shop, by_agent=True, **window)
    # 中/差评 as they arrived: 差评 → 好评 (after a contact), 中评 → 好评, one 差评 untouched; the 好评 turned 差评
    # is not a 中/差评 that could be revised
    assert (stats["negatives"], stats["revised"], stats["revision_rate"]) == (3, 2, pytest.approx(2 / 3))
    assert stats["by_class"]["bad"] == {"reviews": 2, "revised": 1, "revision_rate": 0.5}
    assert stats["by_class"]["neutral"] == {"reviews": 1, "revised": 1, "revision_rate": 1.0}
    assert stats["revised_after_contact"] == 2  # both revisions came after a logged contact
    assert {a_["name"]: (a_["reviews"], a_["revised"]) for a_ in stats["agents"]} == {
        "小A": (1, 1), "unassigned": (2, 1)}
    times = service.response_times(session, shop, by_agent=True, **window)
    # 差评: contact by A after 3 h; 中评: reply by B after 0.5 h; one 差评 unanswered; the revised 好评→差评 has
    # no response either, but it arrived as a 好评
    assert (times["responded"], times["unanswered"]) == (2, 1)
    assert times["mean_hours"] == pytest.approx(1.75) and times["median_hours"] == pytest.approx(1.75)
    assert {x["name"]: x["mean_hours"] for x in times["agents"]} == {"小A": pytest.approx(3.0),
                                                                     "小B": pytest.approx(0.5)}
    assert contact.staff_id == a.id


def _order_external(session, review):
    from shopcx.orders.models import Order

    return session.scalar(select(Order.external_id).where(Order.id == review.order_id))


def test_windows_are_checked(session):
    shop = make_shop(session)
    with pytest.raises(Exception, match="start: comes after end"):
        service.class_counts(session, shop, start=date(2026, 3, 2), end=date(2026, 3, 1))
    with pytest.raises(Exception, match="period: one of"):
        service.good_rate_trend(session, shop, period="year")
    assert session.scalar(select(Review.id)) is None
