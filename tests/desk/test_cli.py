"""`shopcx desk deadline` on hand-worked cases, through Typer's runner inside the test's transaction.

Calendar facts (chinese-calendar 1.11.0): 春节 2026 off Sun 15 – Mon 23 Feb, 调休 working Sat 14 and Sat 28 Feb;
1 Mar 2026 is a Sunday; US DST starts Sun 8 Mar 2026 (New York goes from UTC−5 to UTC−4).
"""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from shopcx.cli import app

from ..factories import make_shop

runner = CliRunner()


def desk(*args: str):
    return runner.invoke(app, ["desk", "deadline", *args])


def last_json(result) -> dict:
    return json.loads(result.stdout.strip().splitlines()[-1])


@pytest.fixture
def shops(session):
    make_shop(session, code="cn")  # Shanghai, CN holidays, Mon–Fri 09:00–18:00
    make_shop(session, code="ny", timezone="America/New_York", country="US")
    session.flush()


def test_opened_the_evening_before_spring_festival_is_due_after_it(shops):
    # Sat 14 Feb 19:00 is a 调休 working day but after hours; 15–23 Feb are off; Tue 24 Feb 09:00 + 120 min.
    result = desk("--shop", "cn", "--start", "2026-02-14T19:00", "--minutes", "120")
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == "2026-02-24T11:00:00+08:00"


def test_a_makeup_saturday_counts_as_a_working_day(shops):
    # Fri 27 Feb 17:00–18:00 = 60 min; Sat 28 Feb is 调休 (works 09:00–18:00): 09:00 + 60 min.
    answer = last_json(desk("--shop", "cn", "--start", "2026-02-27T17:00+08:00", "--minutes", "120", "--json"))
    assert answer["due_at"] == "2026-02-28T10:00:00+08:00"
    assert answer["due_at_utc"] == "2026-02-28T02:00:00+00:00" and answer["unconfirmed_days"] == []


def test_a_pause_across_the_weekend_moves_the_due_time_to_monday(shops):
    # Thu 5 Mar 10:00–18:00 = 480, Fri 09:00–12:00 = 180 (660); paused Fri 12:00 → Mon 9 Mar 10:00; 60 more → 11:00.
    # Without the pause: Fri 12:00 + 60 = 13:00.
    args = ("--shop", "cn", "--start", "2026-03-05T10:00", "--minutes", "720")
    assert desk(*args).stdout.strip() == "2026-03-06T13:00:00+08:00"
    paused = desk(*args, "--pause", "2026-03-06T12:00/2026-03-09T10:00", "--json")
    assert paused.exit_code == 0, paused.output
    assert last_json(paused)["due_at"] == "2026-03-09T11:00:00+08:00"
    # Two pauses, given out of order and overlapping, count once.
    twice = desk(*args, "--pause", "2026-03-07T00:00/2026-03-09T10:00", "--pause", "2026-03-06T12:00/2026-03-08T00:00")
    assert twice.stdout.strip() == "2026-03-09T11:00:00+08:00"


def test_an_open_pause_has_no_due_time_yet(shops):
    result = desk("--shop", "cn", "--start", "2026-03-05T10:00", "--minutes", "720", "--pause",
                  "2026-03-05T12:00/", "--json")
    answer = last_json(result)
    assert answer["due_at"] is None and answer["waiting_on_open_pause"] is True


def test_new_york_shop_across_the_dst_change_with_its_own_hours(shops):
    # Fri 6 Mar 16:00 EST (21:00Z), hours 09:00–17:00: 60 min on Friday; Mon 9 Mar is EDT: 09:00 + 60 = 10:00−04:00.
    result = desk("--shop", "ny", "--start", "2026-03-06T16:00", "--minutes", "120", "--hours", "09:00-17:00",
                  "--json")
    answer = last_json(result)
    assert answer["due_at"] == "2026-03-09T10:00:00-04:00" and answer["due_at_utc"] == "2026-03-09T14:00:00+00:00"
    # The shop's default 09:00–18:00 would have finished it on Friday at 18:00 EST.
    assert desk("--shop", "ny", "--start", "2026-03-06T16:00", "--minutes", "120").stdout.strip() == \
        "2026-03-06T18:00:00-05:00"


def test_days_the_library_does_not_know_are_reported_as_unconfirmed(shops):
    # Fri 29 Jan 2027 17:00 + 120: 2027 is not in chinese-calendar 1.11.0, so Mon 1 Feb comes from the weekly hours.
    result = desk("--shop", "cn", "--start", "2027-01-29T17:00", "--minutes", "120", "--json")
    answer = last_json(result)
    assert answer["due_at"] == "2027-02-01T10:00:00+08:00"
    assert answer["unconfirmed_days"][0] == "2027-01-29" and "2027-02-01" in answer["unconfirmed_days"]
    assert "not in the official holiday calendar" in result.stderr


@pytest.mark.parametrize(("args", "option"), [
    (("--start", "yesterday", "--minutes", "60"), "--start"),
    (("--start", "2026-03-05T10:00", "--minutes", "sixty"), "--minutes"),
    (("--start", "2026-03-05T10:00", "--minutes", "-5"), "--minutes"),
    (("--start", "2026-03-05T10:00", "--minutes", "60", "--pause", "2026-03-06T12:00"), "--pause"),
    (("--start", "2026-03-05T10:00", "--minutes", "60", "--pause", "2026-03-06T12:00/2026-03-06T11:00"), "--pause"),
    (("--start", "2026-03-05T10:00", "--minutes", "60", "--hours", "9-18"), "--hours"),
    (("--start", "2026-03-05T10:00", "--minutes", "60", "--hours", "18:00-09:00"), "--hours"),
])
def test_bad_input_is_one_line_naming_the_option(shops, args, option):
    result = desk("--shop", "cn", *args)
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error:") and option in lines[0], result.stderr
    assert result.stdout == ""


def test_an_unknown_shop_is_named(shops):
    result = desk("--shop", "nope", "--start", "2026-03-05T10:00", "--minutes", "60")
    assert result.exit_code == 2 and "--shop" in result.stderr and "nope" in result.stderr


def test_the_managers_holiday_table_feeds_the_command(session, shops):
    from datetime import date

    from shopcx.desk import service as desk_service
    from shopcx.shops import service as shops_service
    from shopcx.staff.service import Actor

    manager = Actor(label="经理", role="manager")
    shop = shops_service.get_shop(session, "cn")
    # 2027 is unknown to the library: the manager enters 春节 eve (Fri 5 Feb 2027) as a day off.
    desk_service.set_holiday(session, shop, date(2027, 2, 5), "off", actor=manager)
    session.flush()
    # Thu 4 Feb 2027 17:00 + 120: Thu 60, Fri off by the table, Mon 8 Feb 09:00 + 60 = 10:00.
    answer = last_json(desk("--shop", "cn", "--start", "2027-02-04T17:00", "--minutes", "120", "--json"))
    assert answer["due_at"] == "2027-02-08T10:00:00+08:00"
    assert "2027-02-05" not in answer["unconfirmed_days"] and "2027-02-08" in answer["unconfirmed_days"]


def test_the_holiday_table_from_the_command_line(shops):
    made = runner.invoke(app, ["desk", "holiday", "--shop", "cn", "--day", "2027-02-05", "--note", "春节（预估）"])
    assert made.exit_code == 0, made.output
    worked = runner.invoke(app, ["desk", "holiday", "--shop", "cn", "--day", "2027-02-07", "--hours", "09:00-18:00"])
    assert worked.exit_code == 0, worked.output
    listed = last_json(runner.invoke(app, ["desk", "holidays", "--shop", "cn", "--json"]))
    assert listed["days"] == [{"day": "2027-02-05", "hours": "off", "note": "春节（预估）"},
                              {"day": "2027-02-07", "hours": "09:00-18:00", "note": None}]
    # Sun 7 Feb 2027 is worked by the table: Fri 5 off, so Thu 4 Feb 17:00 + 120 → Thu 60, Sun 09:00 + 60 = 10:00.
    answer = last_json(desk("--shop", "cn", "--start", "2027-02-04T17:00", "--minutes", "120", "--json"))
    assert answer["due_at"] == "2027-02-07T10:00:00+08:00"
    gone = runner.invoke(app, ["desk", "holiday", "--shop", "cn", "--day", "2027-02-07", "--remove"])
    assert gone.exit_code == 0 and len(last_json(runner.invoke(app, ["desk", "holidays", "--shop", "cn",
                                                                    "--json"]))["days"]) == 1
    bad = runner.invoke(app, ["desk", "holiday", "--shop", "cn", "--day", "7 Feb", "--hours", "off"])
    assert bad.exit_code == 2 and "--day" in bad.stderr
    wrong = runner.invoke(app, ["desk", "holiday", "--shop", "cn", "--day", "2027-02-08", "--hours", "9-18"])
    assert wrong.exit_code == 2 and "hours" in wrong.stderr
