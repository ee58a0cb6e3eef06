# ruff: noqa: F811  (the web suite's fixtures are imported below and used as test arguments)
"""The weekly report: idempotent per shop and week, figures against last week, the biggest movements in a
sentence, due on Monday 09:00 shop time, the archive page and the Excel workbook."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime

from openpyxl import load_workbook

from shopcx.core import clock
from shopcx.dashboard import weekly
from shopcx.dashboard.models import WeeklyReport
from shopcx.staff.service import Actor

from ..web.conftest import client, login, make_user  # noqa: F401
from .test_home import NOW, loop_shop  # noqa: F401

OWNER = Actor(label="user:owner1", role="owner")


def test_movements_rank_by_relative_change_and_read_as_a_sentence():
    rows = [{"key": "good_rate", "unit": "share", "value": 0.75, "last_week": 0.80, "higher_is_better": True},
            {"key": "backlog", "unit": "count", "value": 12, "last_week": 4, "higher_is_better": False},
            {"key": "tier_mix", "unit": "count", "value": 101, "last_week": 100, "higher_is_better": None},
            {"key": "nps", "unit": "nps", "value": 30, "last_week": None, "higher_is_better": True}]
    # backlog +200 %, good_rate −6.25 %, tier_mix +1 %; NPS has no week before.
    assert [r["key"] for r in weekly.movements(rows)] == ["backlog", "good_rate", "tier_mix"]
    assert weekly.sentence(rows[1], "zh") == "未结工单由 4 升至 12，需要关注。"
    assert weekly.sentence(rows[0], "en") == "Positive rate fell from 80.0% to 75.0%, worth a look."


def test_one_report_per_shop_and_week_compared_with_the_week_before(session, loop_shop):
    with clock.frozen_at(NOW):
        first, built = weekly.build_report(session, loop_shop, date(2026, 3, 9), actor=OWNER)
        again, built_again = weekly.build_report(session, loop_shop, date(2026, 3, 12), actor=OWNER)  # same week
        assert built and not built_again and again.id == first.id
        nxt, _ = weekly.build_report(session, loop_shop, date(2026, 3, 16), actor=OWNER)
    rows = {r["key"]: r for r in nxt.content["figures"]}
    assert rows["good_rate"]["value"] == 0.75 and rows["good_rate"]["last_week"] == 0.75
    assert session.query(WeeklyReport).count() == 2


def test_due_on_monday_nine_shop_time(session, loop_shop):
    # Mon 23 Mar 2026 00:30 UTC = 08:30 in Shanghai: not yet; 01:00 UTC = 09:00: last week's report is due.
    assert weekly.due_shops(session, datetime(2026, 3, 23, 0, 30, tzinfo=UTC)) == []
    assert weekly.due_shops(session, datetime(2026, 3, 23, 1, 0, tzinfo=UTC)) == [(loop_shop, date(2026, 3, 16))]


def test_archive_page_and_workbook(login, session, loop_shop):
    owner = login("owner")
    with clock.frozen_at(NOW):
        made = owner.post("/reports/weekly", {"shop": str(loop_shop.id), "week": "2026-03-09"})
        assert made.status_code == 303
        page = owner.get(made.headers["location"])
    assert page.status_code == 200 and "2026-03-09 这一周的周报" in page.text and "好评率" in page.text
    assert "2026-03-09" in owner.get("/reports/weekly").text
    book = load_workbook(io.BytesIO(owner.get(made.headers["location"] + ".xlsx").content))
    assert book.sheetnames[0] == "指标" and book["指标"]["A1"].value == "指标"
