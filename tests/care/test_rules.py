"""Care rules: campaign uplift (worked examples and the issue 16 coverage check), quiet hours, caps, birthdays."""

from datetime import date, datetime, time, timedelta, timezone
from fractions import Fraction

import pytest

from shopcx.care import rules
from shopcx.core.errors import InvalidInput

from .factories import TRUE_REVENUE_UPLIFT_MINOR, coverage

UTC = timezone.utc


def test_conversion_uplift_uses_newcombe():
    # Newcombe (1998), table II, example (a): 56/70 − 48/80 = 0.2, 0.0524 to 0.3339.
    result = rules.conversion_uplift(56, 70, 48, 80)
    assert (result.treated_rate, result.control_rate) == (0.8, 0.6)
    assert (result.uplift.low, result.uplift.high) == (pytest.approx(0.0524, abs=5e-5),
                                                       pytest.approx(0.3339, abs=5e-5))
    assert result.verdict == ("conversion: significant at 95%: the interval excludes 0 "
                              "(the treated group more than control)")
    # Example (e): 0/10 − 0/20, −0.1611 to 0.2775.
    nothing = rules.conversion_uplift(0, 10, 0, 20)
    assert nothing.verdict == "conversion: not significant at 95%: the interval includes 0"


def test_revenue_uplift_exact_fractions():
    # Treated 0, 0, 1000, 2000 → 750 per person; control 0, 500, 0 → 500/3; uplift 1750/3 分 per person;
    # incremental = 4 × 1750/3 = 7000/3 分.
    result = rules.revenue_uplift([0, 0, 1000, 2000], [0, 500, 0], seed=5)
    assert (result.treated_mean_minor, result.control_mean_minor) == (750, Fraction(500, 3))
    assert result.uplift_minor == Fraction(1750, 3)
    assert result.incremental_minor == Fraction(7000, 3)
    assert result.uplift_low_minor <= float(result.uplift_minor) <= result.uplift_high_minor
    assert result.incremental_low_minor == pytest.approx(4 * result.uplift_low_minor)


def test_campaign_with_constant_groups_and_roi():
    # Everyone treated spends 1000, everyone in control 400: uplift exactly 600 per person, 10 treated → 6000;
    # cost 2000 → ROI = (6000 − 2000)/2000 = 2, and the interval collapses on it.
    report = rules.campaign_uplift([1000] * 10, [400] * 5, cost_minor=2000, seed=1)
    assert report.revenue.uplift_minor == 600 and report.revenue.incremental_minor == 6000
    assert (report.revenue.uplift_low_minor, report.revenue.uplift_high_minor) == (600, 600)
    assert report.roi == 2 and report.roi_low == report.roi_high == 2
    assert report.conversion.treated_converted == 10 and report.conversion.control_converted == 5
    assert rules.campaign_uplift([1000] * 10, [400] * 5, seed=1).roi is None


def test_conversions_can_be_given_apart_from_revenue():
    report = rules.campaign_uplift([0, 0, 0, 500], [0, 0], treated_converted=2, control_converted=0, seed=1)
    assert report.conversion.treated_converted == 2 and report.conversion.control == 2


@pytest.mark.parametrize(("treated", "control", "field"), [
    ([12.5, 0], [0], "treated_revenue_minor"), ([0], [], "control_revenue_minor"),
    ([0], [True], "control_revenue_minor")])
def test_revenue_must_be_whole_minor_units(treated, control, field):
    with pytest.raises(InvalidInput) as err:
        rules.revenue_uplift(treated, control)
    assert err.value.field == field


def test_negative_cost_is_refused():
    with pytest.raises(InvalidInput) as err:
        rules.campaign_uplift([0], [0], cost_minor=-1)
    assert err.value.field == "cost_minor"


def test_true_uplift_inside_the_95_interval_in_at_least_93_of_100_campaigns():
    # Issue 16: 100 seeded campaigns of 18,000 treated and 2,000 control, conversion 6% vs 5%, a long-tailed basket
    # (true uplift: 1 point of conversion and 176.5 分 per person). Runs in about 3 s.
    assert TRUE_REVENUE_UPLIFT_MINOR == Fraction(353, 2)
    result = coverage(100)
    assert result.conversion >= 93
    assert result.revenue >= 93


SHANGHAI = "Asia/Shanghai"


@pytest.mark.parametrize(("moment", "expected"), [
    (datetime(2025, 1, 1, 14, 0, tzinfo=UTC), datetime(2025, 1, 2, 1, 0, tzinfo=UTC)),  # 22:00 local → 09:00
    (datetime(2025, 1, 1, 0, 30, tzinfo=UTC), datetime(2025, 1, 1, 1, 0, tzinfo=UTC)),  # 08:30 local → 09:00
    (datetime(2025, 1, 1, 13, 0, tzinfo=UTC), datetime(2025, 1, 2, 1, 0, tzinfo=UTC)),  # 21:00 local: quiet
    (datetime(2025, 1, 1, 1, 0, tzinfo=UTC), datetime(2025, 1, 1, 1, 0, tzinfo=UTC)),  # 09:00 local: allowed
    (datetime(2025, 1, 1, 12, 59, tzinfo=UTC), datetime(2025, 1, 1, 12, 59, tzinfo=UTC))])  # 20:59 local
def test_quiet_hours_wrap_around_midnight(moment, expected):
    assert rules.next_allowed_send(moment, SHANGHAI) == expected
    assert rules.is_quiet(moment, SHANGHAI) == (moment != expected)


def test_quiet_hours_within_a_day_and_none():
    lunch = rules.QuietHours(time(12, 0), time(14, 0))
    # 12:30 Shanghai = 04:30 UTC → 14:00 Shanghai = 06:00 UTC.
    assert rules.next_allowed_send(datetime(2025, 5, 1, 4, 30, tzinfo=UTC), SHANGHAI, lunch) == datetime(
        2025, 5, 1, 6, 0, tzinfo=UTC)
    assert not rules.is_quiet(datetime(2025, 5, 1, 15, 0, tzinfo=UTC), SHANGHAI, lunch)  # 23:00 local
    never = rules.QuietHours(time(0, 0), time(0, 0))
    assert not rules.is_quiet(datetime(2025, 5, 1, 18, 0, tzinfo=UTC), SHANGHAI, never)


def test_quiet_hours_follow_the_wall_clock_across_daylight_saving():
    # New York springs forward on 9 March 2025 at 02:00. Midnight EST (05:00 UTC) is quiet; 09:00 that morning is
    # EDT (UTC−4), so 13:00 UTC, not 14:00.
    assert rules.next_allowed_send(datetime(2025, 3, 9, 5, 0, tzinfo=UTC), "America/New_York") == datetime(
        2025, 3, 9, 13, 0, tzinfo=UTC)
    # A quiet window ending at 02:30, which does not exist that day: the send moves past the gap (02:30 read with
    # the pre-transition offset −5 = 07:30 UTC = 03:30 EDT), never into the night.
    early = rules.QuietHours(time(21, 0), time(2, 30))
    released = rules.next_allowed_send(datetime(2025, 3, 9, 6, 0, tzinfo=UTC), "America/New_York", early)
    assert released == datetime(2025, 3, 9, 7, 30, tzinfo=UTC)


def test_quiet_hours_refuse_naive_times_and_unknown_zones():
    with pytest.raises(InvalidInput) as err:
        rules.next_allowed_send(datetime(2025, 1, 1, 12), SHANGHAI)
    assert err.value.field == "moment"
    with pytest.raises(InvalidInput) as err:
        rules.next_allowed_send(datetime(2025, 1, 1, 12, tzinfo=UTC), "Mars/Olympus")
    assert err.value.field == "timezone"


NOW = datetime(2025, 6, 10, 12, 0, tzinfo=UTC)
CAPS = rules.FrequencyCaps(per_day=1, per_week=3, per_month=8)


def test_daily_cap_over_a_rolling_24_hours():
    assert not rules.allowed(NOW, [NOW - timedelta(hours=23)], CAPS)
    assert rules.next_allowed(NOW, [NOW - timedelta(hours=23)], CAPS) == NOW + timedelta(hours=1)
    assert rules.allowed(NOW, [NOW - timedelta(hours=25)], CAPS)
    assert rules.allowed(NOW, [NOW - timedelta(hours=24)], CAPS)  # the window is (now − 24 h, now]


def test_weekly_and_monthly_caps():
    week = [NOW - timedelta(days=d) for d in (2, 4, 6)]
    assert not rules.allowed(NOW, week, CAPS)
    # The oldest of the three (6 days ago) leaves the 7-day window 1 day from now.
    assert rules.next_allowed(NOW, week, CAPS) == NOW + timedelta(days=1)
    month = [NOW - timedelta(days=d) for d in (8, 11, 14, 17, 20, 23, 26, 29)]
    assert not rules.allowed(NOW, month, CAPS)
    assert rules.next_allowed(NOW, month, CAPS) == NOW + timedelta(days=1)  # 29 days ago + 30 days
    assert rules.allowed(NOW, month[:-1], CAPS)
    assert rules.allowed(NOW, month, rules.FrequencyCaps(per_day=1, per_week=3, per_month=None))


def test_a_zero_cap_blocks_and_a_bad_cap_is_refused():
    closed = rules.FrequencyCaps(per_day=0)
    assert rules.next_allowed(NOW, [], closed) is None and not rules.allowed(NOW, [], closed)
    with pytest.raises(InvalidInput) as err:
        rules.allowed(NOW, [], rules.FrequencyCaps(per_week=-1))
    assert err.value.field == "per_week"


def test_solar_birthdays_and_29_february():
    assert rules.next_solar_birthday(date(1990, 5, 20), date(2025, 5, 20)) == date(2025, 5, 20)
    assert rules.next_solar_birthday(date(1990, 5, 20), date(2025, 5, 21)) == date(2026, 5, 20)
    assert rules.next_solar_birthday(date(2000, 2, 29), date(2025, 2, 1)) == date(2025, 2, 28)
    assert rules.next_solar_birthday(date(2000, 2, 29), date(2025, 3, 1)) == date(2026, 2, 28)
    assert rules.next_solar_birthday(date(2000, 2, 29), date(2027, 3, 1)) == date(2028, 2, 29)


def test_lunar_birthdays_on_published_dates():
    # 正月初一 (Spring Festival): 29 January 2025, 17 February 2026. 八月十五 (Mid-Autumn): 6 October 2025.
    assert rules.next_lunar_birthday(1, 1, date(2025, 1, 1)) == date(2025, 1, 29)
    assert rules.next_lunar_birthday(1, 1, date(2025, 1, 30)) == date(2026, 2, 17)
    assert rules.next_lunar_birthday(8, 15, date(2025, 6, 1)) == date(2025, 10, 6)


def test_lunar_day_30_in_a_29_day_month():
    # 除夕 2024 fell on 腊月三十 (9 February 2024); in lunar year 2024 腊月 has 29 days, so 除夕 and a "腊月三十"
    # birthday fall on 腊月廿九, 28 January 2025.
    assert rules.next_lunar_birthday(12, 30, date(2024, 1, 1)) == date(2024, 2, 9)
    assert rules.next_lunar_birthday(12, 30, date(2024, 3, 1)) == date(2025, 1, 28)


def test_lunar_leap_month_birthday():
    # 2023 has a leap second month: 二月初一 = 20 February 2023, 闰二月初一 = 22 March 2023. 2024 has no leap month:
    # 二月初一 = 10 March 2024.
    assert rules.next_lunar_birthday(2, 1, date(2023, 1, 1)) == date(2023, 2, 20)
    assert rules.next_lunar_birthday(2, 1, date(2023, 1, 1), leap=True) == date(2023, 3, 22)
    assert rules.next_lunar_birthday(2, 1, date(2023, 3, 1), leap=True) == date(2023, 3, 22)
    assert rules.next_lunar_birthday(2, 1, date(2023, 3, 1)) == date(2024, 3, 10)
    assert rules.next_lunar_birthday(2, 1, date(2023, 4, 1), leap=True) == date(2024, 3, 10)


def test_lunar_birthday_bad_input():
    with pytest.raises(InvalidInput) as err:
        rules.next_lunar_birthday(13, 1, date(2025, 1, 1))
    assert err.value.field == "birthday_lunar_month"
    with pytest.raises(InvalidInput) as err:
        rules.next_lunar_birthday(1, 31, date(2025, 1, 1))
    assert err.value.field == "birthday_lunar_day"
    with pytest.raises(InvalidInput) as err:
        rules.next_lunar_birthday(1, 1, date(2100, 6, 1))
    assert err.value.field == "today"
