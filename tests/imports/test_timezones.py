"""A shop an import creates takes the timezone its file's timestamps show."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from shopcx.imports.timezones import zone_for
from shopcx.shops import service as shops

from .helpers import SAMPLES, order, run_import

HEADER = ("Name,Email,Financial Status,Paid at,Currency,Total,Created at,Lineitem quantity,Lineitem name,"
          "Lineitem price\n")


def _at(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC)


def test_one_offset_throughout_is_that_fixed_offset():
    assert zone_for({timedelta(hours=2): [_at("2026-01-10T09:00:00+02:00")]}) == "Etc/GMT-2"
    assert zone_for({timedelta(hours=-7): [_at("2026-01-10T09:00:00-07:00")]}) == "Etc/GMT+7"
    assert zone_for({timedelta(0): [_at("2026-01-10T09:00:00+00:00")]}) == "UTC"
    assert zone_for({}) is None


def test_summer_and_winter_offsets_give_the_zone_that_has_both():
    pacific = {timedelta(hours=-8): [_at("2026-01-10T09:00:00-08:00")],
               timedelta(hours=-7): [_at("2026-07-10T09:00:00-07:00")]}
    assert zone_for(pacific) == "America/Los_Angeles"
    # India has one offset in half hours: no Etc zone, the zone that has it.
    assert zone_for({timedelta(hours=5, minutes=30): [_at("2026-01-10T09:00:00+05:30")]}) == "Asia/Kolkata"
    # Offsets no zone ever had together.
    assert zone_for({timedelta(hours=3): [_at("2026-01-10T09:00:00+03:00")],
                     timedelta(hours=-5): [_at("2026-01-11T09:00:00-05:00")]}) is None


def test_a_shopify_file_in_plus_two_creates_its_shop_in_plus_two(session, tmp_path):
    path = tmp_path / "orders_export.csv"
    path.write_text(HEADER + "#2001,deniz@example.com,paid,2026-03-01 23:30:00 +0200,EUR,20.00,"
                    "2026-03-01 23:30:00 +0200,1,Olive soap,20.00\n"
                    "#2002,deniz@example.com,paid,2026-08-01 09:00:00 +0200,EUR,10.00,"
                    "2026-08-01 09:00:00 +0200,1,Olive soap,10.00\n", encoding="utf-8")
    job = run_import(session, path, format="shopify")
    assert job.status == "done"
    shop = shops.get_shop(session, "shopify")
    assert (shop.timezone, shop.currency) == ("Etc/GMT-2", "EUR")
    assert order(session, "#2001").placed_at == datetime(2026, 3, 1, 21, 30, tzinfo=UTC)


def test_a_file_in_pacific_time_creates_a_los_angeles_shop(session, tmp_path):
    path = tmp_path / "orders_export.csv"
    path.write_text(HEADER + "#3001,sam@example.com,paid,2026-01-05 10:00:00 -0800,USD,20.00,"
                    "2026-01-05 10:00:00 -0800,1,Mug,20.00\n"
                    "#3002,sam@example.com,paid,2026-07-05 10:00:00 -0700,USD,20.00,"
                    "2026-07-05 10:00:00 -0700,1,Mug,20.00\n", encoding="utf-8")
    run_import(session, path, format="shopify")
    assert shops.get_shop(session, "shopify").timezone == "America/Los_Angeles"


def test_chinese_platforms_and_existing_shops_keep_their_zone(session, tmp_path):
    run_import(session, SAMPLES / "jd_orders.csv", format="jd")
    assert shops.get_shop(session, "jd").timezone == "Asia/Shanghai"
    shops.create_shop(session, code="eu", name="EU", platform="shopify", timezone="Europe/Berlin", currency="EUR")
    path = tmp_path / "orders_export.csv"
    path.write_text(HEADER + "#4001,a@example.com,paid,,EUR,5.00,2026-01-05 10:00:00 -0800,1,Mug,5.00\n",
                    encoding="utf-8")
    run_import(session, path, format="shopify", shop="eu")
    assert shops.get_shop(session, "eu").timezone == "Europe/Berlin"
