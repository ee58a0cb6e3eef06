"""Pure sending rules, worked by hand."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import pytest

from shopcx.messaging import rules


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


@pytest.mark.parametrize(("local", "quiet"), [(time(20, 59), False), (time(21, 0), True), (time(23, 30), True),
                                              (time(0, 0), True), (time(8, 59), True), (time(9, 0), False),
                                              (time(12, 0), False)])
def test_quiet_window_runs_over_midnight(local, quiet):
    assert rules.in_quiet_hours(local, time(21, 0), time(9, 0)) is quiet


def test_a_daytime_window_and_an_empty_one():
    assert rules.in_quiet_hours(time(13, 0), time(12, 0), time(14, 0))
    assert not rules.in_quiet_hours(time(14, 0), time(12, 0), time(14, 0))
    assert not rules.in_quiet_hours(time(3, 0), time(0, 0), time(0, 0))


def test_quiet_release_is_the_next_local_morning():
    # 14:30 UTC = 22:30 in Shanghai: held until 09:00 local next day = 01:00 UTC.
    assert rules.quiet_release(at("2026-12-06T14:30"), "Asia/Shanghai", time(21), time(9)) == at("2026-12-07T01:00")
    # 18:00 UTC = 02:00 local the next day: released at 09:00 that same local day = 01:00 UTC.
    assert rules.quiet_release(at("2026-12-06T18:00"), "Asia/Shanghai", time(21), time(9)) == at("2026-12-07T01:00")
    # 04:00 UTC = 12:00 local: not quiet.
    assert rules.quiet_release(at("2026-12-06T04:00"), "Asia/Shanghai", time(21), time(9)) is None
    # New York (UTC-5 in December): 02:30 UTC = 21:30 local -> 09:00 local = 14:00 UTC.
    assert rules.quiet_release(at("2026-12-07T02:30"), "America/New_York", time(21), time(9)) == \
        at("2026-12-07T14:00")


def test_caps_rolling_windows():
    caps = rules.Caps(day=2, week=3, month=0)
    now = at("2026-12-06T12:00")
    assert rules.cap_release(now, [at("2026-12-06T08:00")], caps) is None
    # two today: the next may go 24 h after the older of the two
    assert rules.cap_release(now, [at("2026-12-06T08:00"), at("2026-12-06T10:00")], caps) == at("2026-12-07T08:00")
    # three this week (one a few days ago): the week cap holds until the oldest leaves the 7 days
    sent = [at("2026-12-02T09:00"), at("2026-12-05T09:00"), at("2026-12-06T09:00")]
    assert rules.cap_release(now, sent, caps) == at("2026-12-09T09:00")
    # a message older than the window does not count; 0 means no limit
    assert rules.cap_release(now, [at("2026-11-01T09:00")] * 50, rules.Caps(1, 1, 0)) is None


def test_backoff_grows_then_gives_up():
    assert rules.backoff(1) == timedelta(minutes=1)
    assert rules.backoff(2) == timedelta(minutes=5)
    assert rules.backoff(6) == timedelta(hours=12)
    assert rules.backoff(7) == timedelta(hours=12)
    assert rules.backoff(rules.MAX_ATTEMPTS) is None


def test_consent_and_key():
    assert rules.consent_allows(True, require_opt_in=True)
    assert not rules.consent_allows(False, require_opt_in=False)
    assert not rules.consent_allows(None, require_opt_in=True)
    assert rules.consent_allows(None, require_opt_in=False)
    assert rules.message_key("survey", 42, "inv-7") == "survey:42:inv-7"
    with pytest.raises(ValueError, match="quiet_start"):
        rules.parse_clock("25h", "quiet_start")
