"""The business calendar: chinese-calendar's 2026 holidays and 调休 days, the manager's table, unknown years.

2026 Spring Festival as published by the State Council and carried by chinese-calendar 1.11.0:
off Sunday 15 February to Monday 23 February (nine days), make-up working days Saturday 14 and Saturday 28 February.
"""

from datetime import date, datetime, timedelta, timezone

import pytest

from shopcx.core.calendar import WorkCalendar, format_hours, parse_hours
from shopcx.core.errors import InvalidInput
from shopcx.desk.rules import working_minutes_between

NINE_SIX = ((540, 1080),)  # 09:00–18:00
LUNCH = ((540, 720), (810, 1080))  # 09:00–12:00, 13:30–18:00


def shop(**kw) -> WorkCalendar:
    return WorkCalendar.standard("09:00-18:00", **kw)


def test_spring_festival_2026_holidays_and_make_up_saturdays():
    cal = shop()
    eve = cal.describe(date(2026, 2, 14))  # Saturday, 调休: works like a weekday
    assert (eve.source, eve.hours, eve.name, eve.confirmed) == ("makeup", NINE_SIX, "Spring Festival", True)
    for offset in range(9):  # 15 (Sun) … 23 (Mon) February
        day = date(2026, 2, 15) + timedelta(days=offset)
        info = cal.describe(day)
        assert (info.source, info.hours, info.working) == ("holiday", (), False), day
    assert cal.describe(date(2026, 2, 24)).source == "weekly" and cal.hours_on(date(2026, 2, 24)) == NINE_SIX
    assert cal.describe(date(2026, 2, 28)).source == "makeup" and cal.is_working_day(date(2026, 2, 28))
    # An ordinary Saturday is not a make-up day: the weekly schedule has it off.
    assert cal.describe(date(2026, 3, 7)).source == "weekly" and not cal.is_working_day(date(2026, 3, 7))


def test_make_up_day_takes_the_weekday_hours_even_with_a_lunch_break():
    cal = WorkCalendar.standard("09:00-12:00,13:30-18:00")
    assert cal.hours_on(date(2026, 2, 14)) == LUNCH
    assert WorkCalendar(weekly=(LUNCH,) * 5 + ((), ()), makeup_hours=NINE_SIX).hours_on(date(2026, 2, 14)) == NINE_SIX


def test_the_managers_table_wins_over_the_library():
    cal = shop(overrides={date(2026, 2, 24): (), date(2026, 2, 16): ((600, 900),)})
    assert cal.describe(date(2026, 2, 24)).source == "override" and not cal.is_working_day(date(2026, 2, 24))
    assert cal.hours_on(date(2026, 2, 16)) == ((600, 900),)  # 除夕 on duty 10:00–15:00
    assert cal.with_overrides({date(2026, 2, 24): NINE_SIX}).hours_on(date(2026, 2, 24)) == NINE_SIX


def test_2027_is_unknown_to_the_library_so_computed_from_the_week_and_reported_unconfirmed():
    cal = shop(overrides={date(2027, 1, 1): ()})  # the manager entered 元旦 2027
    assert cal.describe(date(2027, 1, 1)).confirmed  # an entry in the table is confirmed by the manager
    monday = cal.describe(date(2027, 1, 4))
    assert (monday.source, monday.hours, monday.confirmed) == ("weekly", NINE_SIX, False)
    # 31 Dec 2026 is known (a normal Thursday), 1 Jan is entered, 2–4 Jan are the weekly schedule's guess
    # (a weekend of 2027 may yet turn out to be a 调休 working day).
    assert cal.unconfirmed_days(date(2026, 12, 30), date(2027, 1, 4)) == [date(2027, 1, 2), date(2027, 1, 3),
                                                                          date(2027, 1, 4)]
    assert cal.known_until() == date(2026, 12, 31)
    entered = shop(confirmed_years={2027})
    assert entered.unconfirmed_days(date(2027, 1, 1), date(2027, 12, 31)) == []
    assert entered.known_until() == date(2027, 12, 31)


def test_warning_when_this_or_next_years_calendar_is_unknown():
    cal = shop()
    assert cal.unconfirmed_years(date(2026, 3, 1)) == (2027,)  # next year already unknown in March
    assert cal.unconfirmed_years(date(2027, 3, 1)) == (2027, 2028)
    assert cal.unconfirmed_years(date(2025, 3, 1)) == () and cal.warning(date(2025, 3, 1)) is None
    assert "2027" in cal.warning(date(2026, 12, 1), "en") and "2027" in cal.warning(date(2026, 12, 1))
    assert shop(confirmed_years={2027}).warning(date(2026, 12, 1)) is None


def test_other_countries_use_only_the_weekly_schedule_and_nothing_is_unconfirmed():
    us = WorkCalendar.standard("09:00-17:00", timezone="America/New_York", country=None)
    assert us.hours_on(date(2026, 2, 16)) == ((540, 1020),)  # Monday; 春节 means nothing here
    assert not us.is_working_day(date(2026, 2, 14))  # and no 调休 Saturday
    assert us.unconfirmed_days(date(2027, 1, 1), date(2027, 1, 31)) == [] and us.known_until() is None
    assert us.warning(date(2026, 12, 1)) is None


@pytest.mark.parametrize(("text", "hours"), [
    ("09:00-18:00", NINE_SIX), ("09:00-12:00,13:30-18:00", LUNCH), (" 9:00-12:00 , 13:30-24:00 ", ((540, 720),
                                                                                                   (810, 1440))),
    ("off", ()), ("", ())])
def test_parse_hours(text, hours):
    assert parse_hours(text) == hours


@pytest.mark.parametrize("text", ["9-18", "09:00", "18:00-09:00", "09:00-12:00,11:00-13:00", "25:00-26:00",
                                  "09:60-10:00", "09:00-18:00-19:00", "ab:cd-10:00"])
def test_bad_hours_name_the_option(text):
    with pytest.raises(InvalidInput) as err:
        parse_hours(text)
    assert err.value.field == "--hours" and err.value.message.startswith("--hours:")


def test_format_hours_round_trips():
    assert format_hours(LUNCH) == "09:00-12:00,13:30-18:00" and format_hours(()) == "off"


def test_with_hours_changes_working_weekdays_and_make_up_days_not_days_off_or_dated_entries():
    cal = shop(overrides={date(2026, 3, 6): ((600, 720),)}).with_hours("10:00-16:00")
    assert cal.hours_on(date(2026, 3, 4)) == ((600, 960),)  # Wednesday
    assert cal.hours_on(date(2026, 2, 14)) == ((600, 960),)  # 调休 Saturday
    assert cal.hours_on(date(2026, 3, 7)) == ()  # Saturday stays off
    assert cal.hours_on(date(2026, 3, 6)) == ((600, 720),)  # the manager's entry for that Friday


def test_bad_calendar_input_is_refused_with_the_field():
    with pytest.raises(InvalidInput) as err:
        WorkCalendar(timezone="Asia/Peking")
    assert err.value.field == "timezone"
    with pytest.raises(InvalidInput):
        WorkCalendar(weekly=(NINE_SIX,) * 5)
    with pytest.raises(InvalidInput) as err:
        WorkCalendar(overrides={date(2027, 1, 1): ((600, 540),)})
    assert err.value.field == "overrides[2027-01-01]"


def test_calendar_is_immutable_and_hashable():
    cal = shop()
    with pytest.raises(AttributeError):
        cal.timezone = "UTC"
    assert cal == shop() and hash(cal) == hash(shop())


def test_the_index_keeps_its_numbers_when_it_grows_backwards_and_forwards():
    cal = shop()
    utc = timezone.utc
    # Built first around 2026 (Mon 2 – Mon 9 Mar 2026: five days of 540 min), then grown back to 2015 and on to
    # 2030 (Mon 4 – Mon 11 Mar 2030), the earlier answer is unchanged. Neither week has a holiday.
    week_2026 = (datetime(2026, 3, 2, tzinfo=utc), datetime(2026, 3, 9, tzinfo=utc))
    assert working_minutes_between(cal, *week_2026) == 2700
    assert working_minutes_between(cal, datetime(2015, 3, 2, tzinfo=utc), datetime(2015, 3, 9, tzinfo=utc)) == 2700
    assert working_minutes_between(cal, datetime(2030, 3, 4, tzinfo=utc), datetime(2030, 3, 11, tzinfo=utc)) == 2700
    assert working_minutes_between(cal, *week_2026) == 2700
