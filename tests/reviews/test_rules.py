"""Pure review rules against hand-worked examples: classes, 好评率, DSR and its gap, the forecaster, revision rate,
response time, windows, templates and the platform-rule guard."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from fractions import Fraction

import pytest

from shopcx.core.outgoing import outgoing_problem
from shopcx.reviews import rules


def test_class_from_stars_and_explicit_class_wins():
    assert [rules.class_of_stars(s) for s in (1, 2, 3, 4, 5)] == ["bad", "bad", "neutral", "good", "good"]
    assert rules.classify(2, "good") == "good"  # the platform's 好评 wins over 2 stars
    assert rules.classify(5, None) == "good"
    assert rules.parse_class("差评") == "bad" and rules.parse_class(" 中 ") == "neutral"
    assert rules.parse_class("系统默认好评") == "good" and rules.parse_class("") is None
    with pytest.raises(ValueError):
        rules.parse_class("超级好评")
    with pytest.raises(ValueError):
        rules.classify(None, None)
    with pytest.raises(ValueError):
        rules.class_of_stars(6)


def test_good_rate_counts_default_good_reviews_as_good():
    counts = rules.ClassCounts(good=4, neutral=1, bad=1, default_good=1)
    assert counts.total == 6
    assert counts.good_rate == pytest.approx(4 / 6)
    assert rules.good_rate(0, 0) is None


def test_dsr_mean_and_benchmark_gap():
    # 描述相符 ratings 5, 4, 3 → 4.0; against 4.8: (4.0 − 4.8) / 4.8 × 100 = −16.67 %
    assert rules.mean(12, 3) == 4.0
    assert rules.benchmark_gap_pct(4.0, 4.8) == pytest.approx(-16.6666667)
    assert rules.benchmark_gap_pct(4.9, 4.8) == pytest.approx(2.0833333)
    assert rules.benchmark_gap_pct(None, 4.8) is None and rules.mean(0, 0) is None


def test_window_is_180_days_including_as_of():
    first, last = rules.dsr_window(date(2026, 6, 30))
    assert (first, last) == (date(2026, 1, 2), date(2026, 6, 30))
    daily = {date(2026, 1, 1): (1, 1), date(2026, 1, 2): (5, 1), date(2026, 6, 30): (3, 1), date(2026, 7, 1): (1, 1)}
    assert rules.window_totals(daily, date(2026, 6, 30)) == (8, 2)


def test_rolling_series_drops_each_day_after_180_days():
    daily = {date(2026, 1, 2): (5, 1), date(2026, 3, 1): (3, 1)}
    series = rules.rolling_series(daily, date(2026, 6, 30), date(2026, 7, 2))
    assert series == [(date(2026, 6, 30), 4.0, 2), (date(2026, 7, 1), 3.0, 1), (date(2026, 7, 2), 3.0, 1)]


# Ten ratings on 2026-06-30: three (all 5) leave the window in the next 30 days, seven stay.
AS_OF = date(2026, 6, 30)
TEN = {date(2026, 1, 2): (5, 1), date(2026, 1, 15): (5, 1), date(2026, 1, 31): (5, 1),
       date(2026, 2, 1): (1, 1), date(2026, 3, 1): (2, 1), date(2026, 4, 1): (3, 1), date(2026, 5, 1): (4, 1),
       date(2026, 5, 2): (4, 1), date(2026, 6, 1): (4, 1), date(2026, 6, 30): (5, 1)}


def test_forecast_of_ten_ratings_with_three_leaving():
    f = rules.forecast("description", TEN, AS_OF)
    # S = 38, N = 10 → 3.8; leaving: 2026-01-02, -15, -31 (r ≤ as_of − 150), Σ 15; after: 23 / 7
    assert (f.total, f.count, f.mean) == (38, 10, pytest.approx(3.8))
    assert (f.leaving_count, f.leaving_total) == (3, 15)
    assert [x["rated_on"] for x in f.leaving] == ["2026-01-02", "2026-01-15", "2026-01-31"]
    assert [x["leaves_on"] for x in f.leaving] == ["2026-07-01", "2026-07-14", "2026-07-30"]
    assert f.mean_after == pytest.approx(23 / 7) and f.count_after == 7
    # 2026-02-01 leaves on 2026-07-31, one day after the horizon: still in on the last day
    path = {day: (value, count) for day, value, count in f.path}
    assert len(f.path) == 30 and f.path[-1][0] == date(2026, 7, 30)
    assert path[date(2026, 7, 1)] == (pytest.approx(33 / 9), 9)
    assert path[date(2026, 7, 14)] == (pytest.approx(28 / 8), 8)
    assert path[date(2026, 7, 29)] == (pytest.approx(28 / 8), 8)
    assert path[date(2026, 7, 30)] == (pytest.approx(23 / 7), 7)
    # gain 0.1 now: (38 + 5n) / (10 + n) ≥ 3.9 ⇔ 1.1 n ≥ 1 ⇔ n ≥ 0.909 → 1
    assert f.target == pytest.approx(3.9) and f.fives_to_gain == 1
    # hold 3.8 after the three leave: (23 + 5n) / (7 + n) ≥ 3.8 ⇔ 1.2 n ≥ 3.6 ⇔ n ≥ 3 exactly (floats would say 4)
    assert f.fives_to_hold == 3
    # 3.9 after they leave: 1.1 n ≥ 27.3 − 23 = 4.3 ⇔ n ≥ 3.909 → 4
    assert f.fives_to_gain_after == 4


def test_fives_needed_is_exact_and_handles_edges():
    assert rules.fives_needed(23, 7, Fraction(19, 5)) == 3
    assert (23 + 5 * 3) / (7 + 3) >= 3.8 > (23 + 5 * 2) / (7 + 2)
    assert rules.fives_needed(48, 10, Fraction(49, 10)) == 10  # 4.8 → 4.9: (48 + 5n)/(10 + n) ≥ 4.9 ⇔ n ≥ 10
    assert rules.fives_needed(49, 10, Fraction(5)) is None  # one 4 keeps it below 5 for ever
    assert rules.fives_needed(0, 0, Fraction(4)) == 1
    assert rules.fives_needed(45, 10, Fraction(4)) == 0
    assert rules.fives_needed(10, 2, Fraction(51, 10)) is None


def test_revision_rate_and_response_time_summary():
    assert rules.revision_rate(4, 2) == 0.5 and rules.revision_rate(0, 0) is None
    at = datetime(2026, 3, 1, 10, tzinfo=UTC)
    assert rules.response_hours(at, at + timedelta(hours=3, minutes=30)) == 3.5
    assert rules.response_hours(at, at - timedelta(hours=1)) == 0.0
    s = rules.duration_summary([0.5, 3.0, 1.0, 10.0], unanswered=2)
    assert s == {"responded": 4, "unanswered": 2, "mean_hours": pytest.approx(3.625), "median_hours": 2.0,
                 "p90_hours": 10.0}


def test_platform_windows_and_revision_refusal():
    w = rules.PlatformWindows(rating_days=15, revision_days=30, max_revisions=1)
    done = datetime(2026, 3, 1, 12, tzinfo=UTC)
    assert rules.rating_deadline(done, w) == datetime(2026, 3, 16, 12, tzinfo=UTC)
    assert rules.revision_deadline(done, w) == datetime(2026, 3, 31, 12, tzinfo=UTC)
    assert rules.case_due(done, "care", w) == done + timedelta(hours=24)
    assert rules.case_due(done, "followup", w) == done + timedelta(hours=48)
    assert rules.revision_refusal(done, done + timedelta(days=30), 0, w) is None
    assert "30 days" in rules.revision_refusal(done, done + timedelta(days=30, seconds=1), 0, w)
    assert "1 revision" in rules.revision_refusal(done, done + timedelta(days=1), 1, w)
    assert rules.can_transition_case("open", "contacted") and not rules.can_transition_case("closed", "open")


def test_reply_templates_fill_only_known_placeholders():
    body = "感谢{name}对{product}的好评！{shop}"
    filled = rules.render_template(body, name="王小明", product="保温杯", shop="旗舰店")
    assert filled == "感谢王小明对保温杯的好评！旗舰店"
    assert "unknown placeholder {order}" in rules.template_problem("亲，订单{order}已发货")
    assert "braces" in rules.template_problem("{name")
    assert rules.template_problem("{{不是占位符}} {name}") is None
    with pytest.raises(ValueError):
        rules.render_template("{name.__class__}", name="x", product="y", shop="z")
    for (cls, locale), bodies in rules.DEFAULT_TEMPLATES.items():
        assert cls in rules.CLASSES and locale in ("zh", "en")
        assert all(rules.template_problem(b) is None and outgoing_problem(b) is None for b in bodies)


def test_hidden_negative_is_a_good_review_with_negative_text():
    assert rules.is_hidden_negative("good", False, 0.05)
    assert not rules.is_hidden_negative("good", True, 0.05)  # a default review has no buyer text
    assert not rules.is_hidden_negative("bad", False, 0.05)
    assert not rules.is_hidden_negative("good", False, 0.9)
    assert not rules.is_hidden_negative("good", False, 0.3)  # less warm is not a complaint
    assert not rules.is_hidden_negative("good", False, None)  # not analysed


def test_locale_files_match_and_label_every_error_code():
    import json
    import re
    from pathlib import Path

    root = Path(__file__).resolve().parents[2] / "src" / "shopcx"
    zh = json.loads((root / "reviews" / "locales" / "zh.json").read_text(encoding="utf-8"))
    en = json.loads((root / "reviews" / "locales" / "en.json").read_text(encoding="utf-8"))
    assert list(zh) == sorted(zh) and list(en) == sorted(en) and zh.keys() == en.keys()
    shared = json.loads((root / "core" / "locales" / "zh.json").read_text(encoding="utf-8"))
    raised = set()
    mine = [p for p in (root / "reviews").glob("*.py") if not p.name.startswith("pages")]
    for path in [*mine, *(root / "reviews" / "service").glob("*.py")]:
        raised |= set(re.findall(r'(?:InvalidInput|Conflict|NotFound|RevisionNotAllowed|CaseClosed)\("([a-z_]+)"',
                                 path.read_text(encoding="utf-8")))
    assert {"unknown_order", "revision_not_allowed"} <= raised
    missing = sorted(code for code in raised if f"error.{code}" not in zh and f"error.{code}" not in shared
                     and code not in ("invalid_input", "invalid_platform"))
    assert missing == []


@pytest.mark.parametrize(("platform", "texts", "expected"), [
    ("taobao", ("杯子很好用",), "zh"),
    ("shopify", ("杯子很好用",), "zh"),           # a Chinese buyer on Shopify is answered in Chinese
    ("taobao", ("Great cup, keeps tea hot",), "en"),  # and an English one on Taobao in English
    ("shopify", (None,), "en"),                    # no text: the platform's language
    ("woocommerce", ("", "👍"), "en"),
    ("jd", (None, None), "zh"),
    ("other", ("ok",), "zh"),                      # two letters say nothing; an unlisted platform: Chinese
    ("shopify", ("Nice", "追评：用了一周盖子坏了"), "zh"),
])
def test_replies_follow_the_buyers_language_then_the_platforms(platform, texts, expected):
    assert rules.reply_locale(platform, *texts) == expected


def test_the_buyer_is_addressed_politely_never_by_nickname():
    for (_cls, locale), bodies in rules.DEFAULT_TEMPLATES.items():
        for body in bodies:
            text = rules.render_template(body, name=rules.buyer_address(body, locale), product="保温杯", shop="店")
            assert "*" not in text and ("您" in text if locale == "zh" else "ustomer" in text or "you" in text)
    assert rules.buyer_address("{name}, thank you", "en") == "Dear customer"
    assert rules.buyer_address("Thanks, {name}!", "en") == "dear customer"
    assert rules.buyer_address("{name}您好", "zh") == "亲爱的顾客"
