"""Pure care models, by hand: templates in the sandbox, bought-together lift, callback outcomes, parcel milestones,
due care moments, the audience filter."""

from datetime import date, datetime, timezone
from fractions import Fraction

import pytest

from shopcx.care.models import audience, callbacks, moments, parcels, templating, together
from shopcx.core.errors import InvalidInput

UTC = timezone.utc


def test_template_renders_and_names_unknown_variables_and_syntax_errors():
    assert templating.render_text("{{ name }}，您好", {"name": "王芳"}, "body") == "王芳，您好"
    with pytest.raises(InvalidInput) as err:
        templating.check_template("Hi {{ nick }}", "body_en")
    assert (err.value.code, err.value.field, err.value.values["name"]) == ("template_unknown_variable", "body_en",
                                                                          "nick")
    with pytest.raises(InvalidInput) as err:
        templating.render_text("Hi {{ tier }}", {"name": "x"}, "body")
    assert err.value.values["name"] == "tier"
    with pytest.raises(InvalidInput) as err:
        templating.check_template("line one\n{% if name %}no end", "body_zh")
    assert err.value.code == "template_syntax" and err.value.values["line"] == 2


def test_sandbox_refuses_python_internals():
    with pytest.raises(InvalidInput) as err:
        templating.render_text("{{ name.__class__.__mro__ }}", {"name": "x"}, "body")
    assert err.value.code in ("template_unsafe", "template_unknown_variable")
    with pytest.raises(InvalidInput):
        templating.render_text("{{ name.format.__globals__ }}", {"name": "x"}, "body")


def test_language_and_real_name():
    assert templating.choose_language(None, "CN") == "zh"
    assert templating.choose_language(None, "United Kingdom") == "en"
    assert templating.choose_language("en-GB", "中国") == "en"
    assert templating.greeting_name("王芳", "zh") == "王芳"
    assert templating.greeting_name("王*", "zh") == "亲爱的顾客"  # a masked name is not a name
    assert templating.greeting_name(None, "en") == "valued customer"


def test_bought_together_lift_by_hand():
    # 5 baskets: {1,2}, {1,2}, {1,3}, {2}, {3}. n=5, n1=3, n2=3, n3=2, n12=2, n13=1.
    # lift(1,2) = 5·2/(3·3) = 10/9; confidence(1→2) = 2/3; the pair (1,3) is seen once: below min_together 2.
    table = together.pairs([[1, 2], [2, 1], [1, 3], [2], [3]], min_together=2)
    assert [(p.product_id, p.other_id, p.together, p.confidence, p.lift) for p in table] == [
        (1, 2, 2, Fraction(2, 3), Fraction(10, 9)), (2, 1, 2, Fraction(2, 3), Fraction(10, 9))]
    assert together.recommend({1}, table).other_id == 2
    assert together.recommend({1, 2}, table) is None  # never what the customer has
    assert together.recommend({3}, table) is None


def test_callback_outcomes_and_keys():
    today = date(2026, 12, 6)
    assert callbacks.quarterly_key(7, today) == "quarterly:7:2026Q4"
    assert callbacks.next_review_day(today, 3) == date(2027, 1, 1)
    assert callbacks.next_review_day(date(2026, 1, 1), 12) == date(2027, 1, 1)
    assert callbacks.review_call_due(today, 3, 30) == date(2027, 1, 1)
    assert callbacks.review_call_due(today, 3, 20) is None
    assert callbacks.apply_outcome("reached", today, 0) == callbacks.Outcome("done", today, 1)
    assert callbacks.apply_outcome("no_answer", today, 0).status == "open"
    assert callbacks.apply_outcome("no_answer", today, 2).status == "done"  # the third try closes it
    later = callbacks.apply_outcome("call_back_later", today, 0, call_back_on=date(2026, 12, 9))
    assert (later.status, later.due_on) == ("open", date(2026, 12, 9))
    with pytest.raises(InvalidInput) as err:
        callbacks.apply_outcome("call_back_later", today, 0)
    assert err.value.field == "call_back_on"


def test_parcel_late_stalled_and_milestones():
    shipped = datetime(2026, 12, 1, 8, tzinfo=UTC)
    promised = datetime(2026, 12, 4, 16, tzinfo=UTC)
    scans = [parcels.Scan("in_transit", datetime(2026, 12, 2, 3, tzinfo=UTC), "杭州")]
    now = datetime(2026, 12, 4, 10, tzinfo=UTC)
    state = parcels.parcel_state(shipped_at=shipped, promised_at=promised, delivered_at=None, damaged=False,
                                 scans=scans, now=now, stall_hours=48)
    # Last scan 2 Dec 03:00, now 4 Dec 10:00: 55 hours without a scan ≥ 48 → stalled; 6 h before the promise and
    # not out for delivery → at risk; not late yet.
    assert [m[0] for m in state.milestones] == ["shipped", "in_transit"]
    assert (state.status, state.stalled, state.at_risk, state.late) == ("in_transit", True, True, False)
    assert state.hours_since_scan == 55
    delivered = parcels.parcel_state(shipped_at=shipped, promised_at=promised, damaged=True, scans=scans, now=now,
                                     delivered_at=datetime(2026, 12, 5, 4, tzinfo=UTC))
    assert (delivered.status, delivered.late, delivered.hours_late, delivered.stalled) == ("damaged", True, 12, False)


def test_birthday_and_anniversary_due_days_before():
    # Solar 1990-12-09, three days before: due on 6 Dec.
    assert moments.birthday_due(date(2026, 12, 6), 3, solar=date(1990, 12, 9), lunar_month=None,
                                lunar_day=None) == (date(2026, 12, 9), 2026)
    assert moments.birthday_due(date(2026, 12, 5), 3, solar=date(1990, 12, 9), lunar_month=None,
                                lunar_day=None) is None
    # Lunar 8-15 (中秋) is 25 Sep 2026; lunar year 2026.
    assert moments.birthday_due(date(2026, 9, 22), 3, solar=None, lunar_month=8,
                                lunar_day=15) == (date(2026, 9, 25), 2026)
    assert moments.anniversary_due(date(2026, 6, 1), 0, date(2020, 6, 1)) == (date(2026, 6, 1), 2026)
    assert moments.anniversary_due(date(2026, 6, 1), 0, date(2026, 6, 1)) is None  # the day itself is no anniversary
    assert moments.holidays_due(date(2027, 2, 3), 3, ["spring_festival", "mid_autumn"]) == ["spring_festival"]
    assert moments.occasion_key("birthday", 2026) == "birthday:2026"


def test_moment_settings_are_checked():
    assert moments.check_settings("birthday", {"days_before": "5"})["days_before"] == 5
    with pytest.raises(InvalidInput) as err:
        moments.check_settings("birthday", {"days_after": 1})
    assert err.value.field == "days_after"
    with pytest.raises(InvalidInput):
        moments.check_settings("holiday", {"holidays": ["labour_day"]})


def test_audience_parse():
    parsed = audience.parse_audience({"segments": "At risk", "tiers": ["gold", "gold"], "p_alive_max": "0.4",
                                      "consent": "off", "channel": "sms"})
    assert parsed.segments == ("At risk",) and parsed.tiers == ("gold",) and parsed.p_alive_max == 0.4
    assert parsed.consent is False and audience.needs_scores(parsed)
    assert not audience.needs_scores(audience.parse_audience({"tags": ["vip"]}))
    with pytest.raises(InvalidInput) as err:
        audience.parse_audience({"clv_min_amount": "lots"})
    assert err.value.field == "clv_min_amount"


def test_audience_estimate_from_a_sample_by_hand():
    # 10,000 of 1,000,000 ids drawn without replacement, the same for the same shop every time.
    sample = audience.plan_sample((1, 1_000_000), 7, 10_000)
    assert len(sample.ids) == len(set(sample.ids)) == 10_000 and sample.span == 1_000_000
    assert 1 <= min(sample.ids) and max(sample.ids) <= 1_000_000
    assert audience.plan_sample((1, 1_000_000), 7, 10_000) == sample
    assert audience.plan_sample((1, 1_000_000), 8, 10_000) != sample
    assert sample.first(1_000).ids == sample.ids[:1_000]
    # 7,000 of them in the audience: p = 0.7, Wilson 95% (z = 1.959964): centre 0.7 + z²/20,000 = 0.700192,
    # half-width z·√(0.21/10,000 + z²/(4·10⁸)) = 0.008984, denominator 1 + z²/10,000 = 1.000384
    # → 0.690943 … 0.708903 of 1,000,000.
    guess = audience.estimate(7_000, sample)
    assert (guess.count, guess.low, guess.high, guess.sampled) == (700_000, 690_942, 708_904, 10_000)
    # Ids 1,000,001–2,000,000 held by nobody: each sampled id is still a unit, so half the share, the same count.
    wide = audience.Sample(tuple(range(1, 20_001, 2)), 2_000_000)
    assert audience.estimate(3_500, wide).count == 700_000
    # Fewer ids than 100,000 (or than two samples' worth): counted exactly, no sample.
    assert audience.plan_sample((1, 99_999), 7, 10_000) is None
    assert audience.plan_sample((5, 150_004), 7, 100_000) is None
    assert audience.plan_sample(None, 7) is None
