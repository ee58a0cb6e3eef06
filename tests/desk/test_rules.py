"""SLA clocks on hand-worked cases. Every expected instant is worked out in the comments, in local time, then
written in UTC (Shanghai is UTC+8 all year; New York is UTC−5 in winter, UTC−4 in summer).

2026 calendar facts used (chinese-calendar 1.11.0): 春节 off Sun 15 – Mon 23 Feb, 调休 working Sat 14 and Sat 28 Feb;
1 Mar 2026 is a Sunday, so 4 Mar is a Wednesday; US DST starts Sun 8 Mar 2026 and ends Sun 1 Nov 2026.
"""

from datetime import date, datetime, timezone

import pytest

from shopcx.core.calendar import WorkCalendar
from shopcx.core.errors import InvalidInput
from shopcx.desk.rules import (
    FROM_CHANGE,
    PolicyChange,
    deadline,
    deadline_answer,
    parse_instant,
    parse_pause,
    parse_pauses,
    sla_state,
    working_minutes_between,
)

UTC = timezone.utc
CN = WorkCalendar.standard("09:00-18:00")  # Shanghai, Mon–Fri 09:00–18:00 (540 min a day), CN holidays
LUNCH = WorkCalendar.standard("09:00-12:00,13:30-18:00")  # 180 + 270 = 450 min a day
NY = WorkCalendar.standard("09:00-17:00", timezone="America/New_York", country=None)


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


# ---- 春节 and 调休 -----------------------------------------------------------------------------------------------


def test_ticket_opened_on_the_evening_before_spring_festival_and_answered_after_it():
    # Opened Sat 14 Feb 2026 19:00 Shanghai (11:00 UTC): a 调休 working Saturday, but after 18:00.
    # 15–23 Feb are the holiday; the clock starts Tue 24 Feb 09:00; 480 min later is 17:00 = 09:00 UTC.
    opened = utc(2026, 2, 14, 11)
    assert deadline(CN, opened, 480) == utc(2026, 2, 24, 9)
    # A calendar without Chinese holidays would have put it on Mon 16 Feb 17:00 (09:00 UTC) — inside the holiday.
    assert deadline(WorkCalendar.standard("09:00-18:00", country=None), opened, 480) == utc(2026, 2, 16, 9)
    # Answered Tue 24 Feb 10:30 Shanghai (02:30 UTC): 09:00–10:30 = 90 working minutes, of 480 = 0.1875.
    answered = utc(2026, 2, 24, 2, 30)
    assert working_minutes_between(CN, opened, answered) == 90
    state = sla_state(CN, opened, 480, utc(2026, 3, 2), stopped_at=answered)
    assert (state.elapsed_minutes, state.fraction, state.status, state.stopped) == (90, 0.1875, "ok", True)
    assert state.due_at == utc(2026, 2, 24, 9)


def test_a_tiaoxiu_saturday_counts_as_a_working_day():
    # Fri 13 Feb 17:00 Shanghai (09:00 UTC), 120 min: Fri 17:00–18:00 = 60; Sat 14 Feb is 调休, 09:00 + 60 = 10:00
    # Shanghai = 02:00 UTC.
    assert deadline(CN, utc(2026, 2, 13, 9), 120) == utc(2026, 2, 14, 2)
    # Fri 13 Feb 09:00 → Mon 16 Feb 09:00: Fri 540 + Sat 540 (Sun off; Mon is the holiday, and ends at 09:00).
    assert working_minutes_between(CN, utc(2026, 2, 13, 1), utc(2026, 2, 16, 1)) == 1080
    # Fri 27 Feb 18:30 (10:30 UTC), 60 min: after hours; Sat 28 Feb is 调休, 09:00 + 60 = 10:00 = 02:00 UTC.
    assert deadline(CN, utc(2026, 2, 27, 10, 30), 60) == utc(2026, 2, 28, 2)
    # Three working days (1620 min) from Fri 13 Feb 17:00: Fri 60, Sat 14 540 (600), holiday, Tue 24 540 (1140),
    # Wed 25 needs 480: 09:00 + 480 = 17:00 Shanghai = 09:00 UTC.
    assert deadline(CN, utc(2026, 2, 13, 9), 1620) == utc(2026, 2, 25, 9)


# ---- pauses ------------------------------------------------------------------------------------------------------

OPENED = utc(2026, 3, 5, 8)  # Thu 5 Mar 16:00 Shanghai
WEEKEND_PAUSE = (utc(2026, 3, 6, 3), utc(2026, 3, 9, 6))  # Fri 6 Mar 11:00 → Mon 9 Mar 14:00 Shanghai


def test_a_pause_across_a_weekend():
    # 600 min: Thu 16–18 = 120; Fri 09–11 = 120 (240); paused; Mon 14–18 = 240 (480); Tue 10 Mar 09:00 + 120
    # = 11:00 Shanghai = 03:00 UTC.
    assert deadline(CN, OPENED, 600, [WEEKEND_PAUSE]) == utc(2026, 3, 10, 3)
    # Without the pause: Thu 120 + Fri 480 = 600 → Fri 17:00 Shanghai = 09:00 UTC.
    assert deadline(CN, OPENED, 600) == utc(2026, 3, 6, 9)
    # Thu 16:00 → Tue 11:00 is 120 + 540 + 540 + 120 = 1320, less the paused Fri 11–18 (420) and Mon 9–14 (300).
    assert working_minutes_between(CN, OPENED, utc(2026, 3, 10, 3), [WEEKEND_PAUSE]) == 600
    assert working_minutes_between(CN, OPENED, utc(2026, 3, 10, 3)) == 1320


def test_overlapping_and_early_pauses_are_merged_and_clipped():
    pieces = [(utc(2026, 3, 7, 2), utc(2026, 3, 9, 6)), (utc(2026, 3, 6, 3), utc(2026, 3, 7, 4)),
              (utc(2026, 3, 4, 0), utc(2026, 3, 5, 7))]  # the last ended before the ticket opened
    assert deadline(CN, OPENED, 600, pieces) == utc(2026, 3, 10, 3)
    # A pause already running when the clock starts: from Thu 16:00 to Fri 10:00 Shanghai, then Fri 10:00 + 600
    # = Fri 10–18 480, Mon 09:00 + 120 = 11:00 Shanghai = 03:00 UTC Mon 9 Mar.
    assert deadline(CN, OPENED, 600, [(utc(2026, 3, 5, 6), utc(2026, 3, 6, 2))]) == utc(2026, 3, 9, 3)


def test_an_open_pause_means_no_deadline_unless_the_target_was_reached_before_it():
    waiting = [(utc(2026, 3, 6, 3), None)]  # waiting on the buyer since Fri 11:00 Shanghai
    assert deadline(CN, OPENED, 600, waiting) is None
    # 180 min: Thu 120, Fri 09:00 + 60 = 10:00 Shanghai (02:00 UTC), before the pause began.
    assert deadline(CN, OPENED, 180, waiting) == utc(2026, 3, 6, 2)
    # Mon 9 Mar 12:00 Shanghai (04:00 UTC): Thu 120 + Fri 120 counted, held since.
    state = sla_state(CN, OPENED, 600, utc(2026, 3, 9, 4), pauses=waiting)
    assert (state.elapsed_minutes, state.remaining_minutes, state.paused, state.due_at) == (240, 360, True, None)
    known = sla_state(CN, OPENED, 600, utc(2026, 3, 9, 4), pauses=[WEEKEND_PAUSE])
    assert (known.paused, known.due_at, known.fraction, known.status) == (True, utc(2026, 3, 10, 3), 0.4, "ok")


# ---- America/New_York across DST ---------------------------------------------------------------------------------


def test_new_york_shop_across_the_march_change():
    # Fri 6 Mar 2026 16:00 EST (21:00 UTC), 120 min: Fri 16–17 = 60; clocks go forward Sun 8 Mar; Mon 9 Mar
    # 09:00 EDT (13:00 UTC) + 60 = 10:00 EDT = 14:00 UTC (a fixed −5 offset would say 15:00 UTC).
    assert deadline(NY, utc(2026, 3, 6, 21), 120) == utc(2026, 3, 9, 14)
    assert working_minutes_between(NY, utc(2026, 3, 6, 21), utc(2026, 3, 9, 14)) == 120


def test_new_york_shop_across_the_november_change():
    # Fri 30 Oct 2026 16:00 EDT (20:00 UTC), 120 min: Fri 60; clocks go back Sun 1 Nov; Mon 2 Nov 09:00 EST
    # (14:00 UTC) + 60 = 10:00 EST = 15:00 UTC.
    assert deadline(NY, utc(2026, 10, 30, 20), 120) == utc(2026, 11, 2, 15)
    assert working_minutes_between(NY, utc(2026, 10, 30, 20), utc(2026, 11, 2, 15)) == 120


def test_dst_days_have_their_real_length():
    always = WorkCalendar(timezone="America/New_York", weekly=(((0, 1440),),) * 7, country=None)
    # Sun 8 Mar 00:00 EST (05:00 UTC) to Mon 00:00 EDT (04:00 UTC): 23 hours. Sun 1 Nov 00:00 EDT (04:00 UTC)
    # to Mon 00:00 EST (05:00 UTC): 25 hours.
    assert working_minutes_between(always, utc(2026, 3, 8, 5), utc(2026, 3, 9, 4)) == 23 * 60
    assert working_minutes_between(always, utc(2026, 11, 1, 4), utc(2026, 11, 2, 5)) == 25 * 60
    # 1440 working minutes from Sat 7 Mar 12:00 EST (17:00 UTC) are 24 real hours: Sun 17:00 UTC = 13:00 EDT.
    assert deadline(always, utc(2026, 3, 7, 17), 1440) == utc(2026, 3, 8, 17)
    # Sunday hours 01:00–03:00: on 8 Mar 01:00 EST (06:00 UTC) → 03:00 EDT (07:00 UTC) is one hour;
    # on 1 Nov 01:00 EDT (05:00 UTC) → 03:00 EST (08:00 UTC) is three.
    night = WorkCalendar(timezone="America/New_York", weekly=((),) * 6 + (((60, 180),),), country=None)
    assert working_minutes_between(night, utc(2026, 3, 8), utc(2026, 3, 9)) == 60
    assert working_minutes_between(night, utc(2026, 11, 1), utc(2026, 11, 2)) == 180
    assert deadline(night, utc(2026, 11, 1), 120) == utc(2026, 11, 1, 7)  # 05:00 UTC + 120 min


# ---- lunch break and interval ends -------------------------------------------------------------------------------


def test_lunch_break():
    # Wed 4 Mar 11:00 Shanghai (03:00 UTC), 120 min: 11–12 = 60; 13:30 + 60 = 14:30 Shanghai = 06:30 UTC.
    assert deadline(LUNCH, utc(2026, 3, 4, 3), 120) == utc(2026, 3, 4, 6, 30)
    # 11:45 → 13:45: 15 before lunch + 15 after.
    assert working_minutes_between(LUNCH, utc(2026, 3, 4, 3, 45), utc(2026, 3, 4, 5, 45)) == 30
    # Opened during lunch, 12:30 Shanghai: clock starts 13:30, + 30 = 14:00 Shanghai = 06:00 UTC.
    assert deadline(LUNCH, utc(2026, 3, 4, 4, 30), 30) == utc(2026, 3, 4, 6)


def test_a_deadline_exactly_at_the_end_of_a_working_interval():
    # 10:00 + 120 = 12:00 exactly: due at 12:00 (04:00 UTC), not when work resumes at 13:30; one more minute is 13:31.
    assert deadline(LUNCH, utc(2026, 3, 4, 2), 120) == utc(2026, 3, 4, 4)
    assert deadline(LUNCH, utc(2026, 3, 4, 2), 121) == utc(2026, 3, 4, 5, 31)
    # Wed 17:00 + 60 = 18:00 Wednesday (10:00 UTC), not Thursday 09:00.
    assert deadline(CN, utc(2026, 3, 4, 9), 60) == utc(2026, 3, 4, 10)
    # At its deadline the clock is breached (100%), a second earlier it is a warning.
    assert sla_state(CN, utc(2026, 3, 4, 9), 60, utc(2026, 3, 4, 10)).status == "breached"
    assert sla_state(CN, utc(2026, 3, 4, 9), 60, utc(2026, 3, 4, 9, 59, 59)).status == "warning"


def test_seconds_are_kept():
    # Wed 09:00:30 + 1 min = 09:01:30 (01:01:30 UTC); from 17:59:30, 30 s to 18:00, then Thu 09:00:30 (01:00:30 UTC).
    assert deadline(CN, utc(2026, 3, 4, 1, 0, 30), 1) == utc(2026, 3, 4, 1, 1, 30)
    assert deadline(CN, utc(2026, 3, 4, 9, 59, 30), 1) == utc(2026, 3, 5, 1, 0, 30)


# ---- a policy changed while the ticket is open -------------------------------------------------------------------

CREATED = utc(2026, 3, 4, 2)  # Wed 4 Mar 10:00 Shanghai, target 180 min (due 13:00 Shanghai = 05:00 UTC)
RAISED = [PolicyChange(utc(2026, 3, 4, 3), 120)]  # 11:00 Shanghai: priority raised, target 120 min


def test_policy_change_whole_ticket_is_the_default():
    # The new 120 min apply from the ticket's start: 10:00 + 120 = 12:00 Shanghai = 04:00 UTC.
    # At 11:30 (03:30 UTC): 90 of 120 used = 0.75 → warning, 30 left.
    state = sla_state(CN, CREATED, 180, utc(2026, 3, 4, 3, 30), changes=RAISED)
    assert (state.due_at, state.elapsed_minutes, state.target_minutes) == (utc(2026, 3, 4, 4), 90, 120)
    assert (state.fraction, state.remaining_minutes, state.status) == (0.75, 30, "warning")
    # Before the change happened (10:30), the old target is the one in force.
    before = sla_state(CN, CREATED, 180, utc(2026, 3, 4, 2, 30), changes=RAISED)
    assert (before.due_at, before.target_minutes, before.remaining_minutes) == (utc(2026, 3, 4, 5), 180, 150)


def test_policy_change_from_the_change_on():
    # 10–11: 60 of 180 = 1/3 used; 2/3 of 120 = 80 min left from 11:00 → 12:20 Shanghai = 04:20 UTC.
    # At 11:30: 1/3 + 30/120 = 7/12 used → ok; 5/12 × 120 = 50 min left.
    state = sla_state(CN, CREATED, 180, utc(2026, 3, 4, 3, 30), changes=RAISED, mode=FROM_CHANGE)
    assert state.due_at == utc(2026, 3, 4, 4, 20)
    assert (state.fraction, state.remaining_minutes, state.status) == (pytest.approx(7 / 12), 50, "ok")


def test_a_stricter_policy_already_exceeded_when_it_arrives():
    # Target 60 from 10:00, cut to 30 at 10:45. Whole ticket: due 10:30 (02:30 UTC), already past; at 10:50
    # 50 of 30 used → breached, 20 over.
    cut = [PolicyChange(utc(2026, 3, 4, 2, 45), 30)]
    whole = sla_state(CN, CREATED, 60, utc(2026, 3, 4, 2, 50), changes=cut)
    assert (whole.due_at, whole.status, whole.remaining_minutes) == (utc(2026, 3, 4, 2, 30), "breached", -20)
    # From the change on: 45/60 = 3/4 used at 10:45; 1/4 of 30 = 7.5 min → 10:52:30 (02:52:30 UTC);
    # at 10:50, 3/4 + 5/30 = 11/12 → warning.
    part = sla_state(CN, CREATED, 60, utc(2026, 3, 4, 2, 50), changes=cut, mode=FROM_CHANGE)
    assert (part.due_at, part.status, part.fraction) == (utc(2026, 3, 4, 2, 52, 30), "warning",
                                                         pytest.approx(11 / 12))


# ---- 2027: unknown to chinese-calendar ---------------------------------------------------------------------------


def test_2027_uses_the_week_and_the_managers_table_and_says_which_days_are_unconfirmed():
    cal = WorkCalendar.standard("09:00-18:00", overrides={date(2027, 1, 1): (), date(2027, 2, 20): ((540, 1080),)})
    # Thu 31 Dec 2026 17:00 Shanghai (09:00 UTC), 120 min: Thu 17–18 = 60; Fri 1 Jan 2027 off by the manager;
    # Sat 2 / Sun 3 off by the weekly schedule; Mon 4 Jan 09:00 + 60 = 10:00 Shanghai = 02:00 UTC.
    start = utc(2026, 12, 31, 9)
    assert deadline(cal, start, 120) == utc(2027, 1, 4, 2)
    answer = deadline_answer(cal, start, 120)
    assert answer["due_at"] == "2027-01-04T10:00:00+08:00" and answer["due_at_utc"] == "2027-01-04T02:00:00+00:00"
    assert answer["unconfirmed_days"] == ["2027-01-02", "2027-01-03", "2027-01-04"]
    # The manager's 调休 Saturday 20 Feb 2027: Fri 19 Feb 17:00 (09:00 UTC) + 120 = Fri 60, Sat 09:00 + 60 = 10:00
    # Shanghai = 02:00 UTC Sat 20 Feb; without that entry it would be Mon 22 Feb 10:00 (02:00 UTC).
    assert deadline(cal, utc(2027, 2, 19, 9), 120) == utc(2027, 2, 20, 2)
    assert deadline(WorkCalendar.standard("09:00-18:00"), utc(2027, 2, 19, 9), 120) == utc(2027, 2, 22, 2)


# ---- the CLI's input ---------------------------------------------------------------------------------------------


def test_cli_hours_override_and_local_times():
    # --hours 10:00-16:00, --start 2026-03-04T15:00 (Shanghai), 120 min: Wed 15–16 = 60, Thu 10:00 + 60 = 11:00
    # Shanghai = 03:00 UTC Thu 5 Mar.
    start = parse_instant("2026-03-04T15:00", "Asia/Shanghai")
    assert start == utc(2026, 3, 4, 7)
    assert deadline(CN.with_hours("10:00-16:00"), start, 120) == utc(2026, 3, 5, 3)
    assert parse_instant("2026-03-04T07:00Z", "Asia/Shanghai") == utc(2026, 3, 4, 7)
    assert parse_pause("2026-03-06T11:00/2026-03-09T14:00", "Asia/Shanghai") == WEEKEND_PAUSE
    assert parse_pause("2026-03-06T11:00/", "Asia/Shanghai") == (utc(2026, 3, 6, 3), None)
    assert parse_pauses(["2026-03-06T03:00+00:00/2026-03-09T06:00+00:00"], "Asia/Shanghai") == (WEEKEND_PAUSE,)
    assert deadline_answer(CN, OPENED, 600, [(utc(2026, 3, 6, 3), None)])["waiting_on_open_pause"] is True


@pytest.mark.parametrize(("text", "option"), [("2026-03-06T11:00", "--pause"), ("/2026-03-09", "--pause"),
                                              ("2026-03-09T14:00/2026-03-06T11:00", "--pause"),
                                              ("yesterday/2026-03-09", "--pause")])
def test_bad_pauses_name_the_option(text, option):
    with pytest.raises(InvalidInput) as err:
        parse_pause(text, "Asia/Shanghai")
    assert err.value.field == option and err.value.message.startswith(option)


def test_bad_input_is_refused():
    with pytest.raises(InvalidInput) as err:
        parse_instant("14 Feb", "Asia/Shanghai")
    assert err.value.field == "--start"
    with pytest.raises(InvalidInput) as err:
        deadline(CN, datetime(2026, 3, 4, 10), 60)  # naive
    assert err.value.code == "naive_datetime"
    with pytest.raises(InvalidInput):
        deadline(CN, OPENED, -5)
    with pytest.raises(InvalidInput):
        deadline(CN, OPENED, 60, [(utc(2026, 3, 6), utc(2026, 3, 5))])
    with pytest.raises(InvalidInput):
        working_minutes_between(CN, utc(2026, 3, 6), utc(2026, 3, 5))
    with pytest.raises(InvalidInput):
        sla_state(CN, OPENED, 60, OPENED, mode="restart")
    with pytest.raises(InvalidInput) as err:
        deadline(WorkCalendar(weekly=((),) * 7, country=None), OPENED, 60)
    assert err.value.code == "no_working_time"


def test_zero_minutes_is_due_at_once():
    assert deadline(CN, OPENED, 0) == OPENED
