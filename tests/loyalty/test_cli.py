"""`shopcx loyalty …` through Typer's runner (inside the test's transaction), and once as a real process."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from shopcx.cli import app
from shopcx.core import clock
from shopcx.loyalty.config import default_config
from shopcx.loyalty.models import LoyaltyAccount, PointsEntry
from shopcx.loyalty.service.members import tiers
from shopcx.loyalty.service.members.accounts import enrol
from shopcx.loyalty.service.program.versions import active

from ..factories import make_order, make_shop

runner = CliRunner()
PAID = datetime(2026, 3, 1, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai


def loyalty(*args: str):
    return runner.invoke(app, ["loyalty", *args])


def last_json(result) -> dict:
    return json.loads(result.stdout.strip().splitlines()[-1])


def entries(session) -> int:
    session.expire_all()
    return session.scalar(select(func.count(PointsEntry.id)))


@pytest.fixture
def shop(session):
    shop = make_shop(session, code="cx")
    session.flush()
    return shop


def test_program_lifecycle_from_the_command_line(session, shop, tmp_path):
    made = loyalty("init", "--shop", "cx")
    assert made.exit_code == 0, made.output
    again = loyalty("init", "--shop", "cx")
    assert again.exit_code == 2 and "already has a loyalty program" in again.output
    shown = last_json(loyalty("show", "--shop", "cx", "--json"))
    assert shown["published_version"] == 1 and [t["code"] for t in shown["config"]["tiers"]] == [
        "member", "silver", "gold", "diamond"]
    assert "钻石会员" in loyalty("show", "--shop", "cx").stdout

    candidate = default_config().model_dump(mode="json")
    candidate["earning"]["points_per_unit"] = 2
    path = tmp_path / "rules.json"
    path.write_text(json.dumps(candidate, ensure_ascii=False), encoding="utf-8")
    drafted = loyalty("draft", "--shop", "cx", "--config", str(path), "--note", "双倍积分")
    assert drafted.exit_code == 0 and "draft version 2 saved" in drafted.output

    with clock.frozen_at(PAID):
        make_order(session, shop, status="completed", placed_at=PAID, lines=[
            {"sku": "A", "name": "a", "quantity": 1, "unit_price_amount": 19_900}])
        session.flush()
        synced = loyalty("sync", "--shop", "cx", "--json")
        assert synced.exit_code == 0, synced.output
        assert last_json(synced) == {"shop": "cx", "orders": 1}
        written = entries(session)
        assert written == 3  # joining bonus 50, order 199 pending, first-order bonus 100 pending
        assert last_json(loyalty("sync", "--shop", "cx", "--json"))["orders"] == 1 and entries(session) == written

        tested = loyalty("backtest", "--shop", "cx", "--json")
        assert tested.exit_code == 0, tested.output
        result = last_json(tested)
        assert result["candidate_version"] == 2 and result["members"] == 1
        assert result["points"]["order"] == {"published": 199, "candidate": 398, "delta": 199}
        assert entries(session) == written
        assert "tier at a review today" in loyalty("backtest", "--shop", "cx", "--version", "2").stdout

    published = loyalty("publish", "--shop", "cx", "--version", "2")
    assert published.exit_code == 0, published.output
    assert loyalty("publish", "--shop", "cx", "--version", "2").exit_code == 2  # no longer a draft
    session.expire_all()
    assert active(session, shop.id).version == 2


def test_points_work_liability_and_member(session, shop):
    assert loyalty("init", "--shop", "cx").exit_code == 0
    with clock.frozen_at(PAID):
        order = make_order(session, shop, status="completed", placed_at=PAID, lines=[
            {"sku": "A", "name": "a", "quantity": 1, "unit_price_amount": 19_900}])
        session.flush()
        assert loyalty("sync", "--shop", "cx").exit_code == 0
        other = make_order(session, shop, status="cancelled", placed_at=PAID)  # never paid: no member from it
        session.flush()
        program = active(session, shop.id)
        vip = enrol(session, program, other.customer_id)
        tiers.set_tier(session, vip, "silver", reason="manual", version=program.version)
        session.flush()
        report = last_json(loyalty("liability", "--shop", "cx", "--json"))
    assert report["outstanding"] == {"points": 100, "value_amount": 100}  # two joining bonuses
    assert report["pending"] == {"points": 299, "value_amount": 299}
    assert [(t["code"], t["members"]) for t in report["tiers"]][:2] == [("member", 1), ("silver", 1)]

    with clock.frozen_at(datetime(2026, 3, 16, 1, tzinfo=UTC)):  # 09:00 on the day the return window closes
        ran = loyalty("daily", "--shop", "cx", "--json")
        assert ran.exit_code == 0, ran.output
        day = last_json(ran)["cx"]
        assert (day["activated"], day["activated_points"], day["expired_lots"]) == (2, 299, 0)
        card = last_json(loyalty("member", "--shop", "cx", "--customer", str(order.customer_id), "--json"))
        assert card["balance"] == 349 and card["pending"] == 0 and card["tier"]["code"] == "member"
        assert card["progress"]["next_tier"]["spend_to_next_amount"] == 100_000 - 19_900
        assert [e["kind"] for e in card["entries"]] == ["activate", "activate", "earn", "earn", "earn"]
        plain = loyalty("member", "--shop", "cx", "--customer", str(order.customer_id))
        assert "普通会员" in plain.stdout and "balance 349" in plain.stdout

        reviewed = loyalty("recompute-tiers", "--shop", "cx")
        assert reviewed.exit_code == 0 and "2 members reviewed, 1 changed tier" in reviewed.output
        session.expire_all()
        assert session.get(LoyaltyAccount, vip.id).tier_code == "member"  # silver kept with ¥800 or 3 orders

    with clock.frozen_at(datetime(2027, 3, 1, 1, tzinfo=UTC)):  # the joining bonus of 1 Mar 2026 is gone today
        gone = last_json(loyalty("expire", "--shop", "cx", "--json"))
        assert gone == {"as_of": "2027-03-01", "expired_lots": 2, "expired_points": 100}
        assert last_json(loyalty("expire", "--shop", "cx", "--json"))["expired_lots"] == 0


def test_bad_input_exits_with_2(session, shop, tmp_path):
    assert loyalty("liability", "--shop", "nope").exit_code == 2
    missing = loyalty("liability", "--shop", "cx")
    assert missing.exit_code == 2 and "no published loyalty program" in missing.output
    broken = tmp_path / "broken.json"
    broken.write_text('{"tiers": [\n  {"code": "a"\n]}', encoding="utf-8")
    result = loyalty("init", "--shop", "cx", "--config", str(broken))
    assert result.exit_code == 2 and "line 3" in result.output
    wrong = tmp_path / "wrong.json"
    wrong.write_text(json.dumps({"tiers": [{"code": "base", "name_zh": "基础", "name_en": "Base",
                                            "min_orders": 2}]}), encoding="utf-8")
    result = loyalty("init", "--shop", "cx", "--config", str(wrong))
    assert result.exit_code == 2 and "entry tier" in result.output
    assert loyalty("init", "--shop", "cx", "--config", str(tmp_path / "none.json")).exit_code == 2
    assert loyalty("init", "--shop", "cx").exit_code == 0
    unknown = loyalty("member", "--shop", "cx", "--customer", "999999")
    assert unknown.exit_code == 2 and "not a member" in unknown.output
    no_draft = loyalty("backtest", "--shop", "cx")
    assert no_draft.exit_code == 2 and "no draft" in no_draft.output


def test_a_real_process_against_a_committed_database(fresh_db_url):
    env = {**os.environ, "SHOPCX_DATABASE_URL": fresh_db_url}

    def shopcx(*args):
        return subprocess.run([sys.executable, "-m", "shopcx", *args], capture_output=True, text=True, env=env,
                              timeout=120, check=False)

    assert shopcx("init").returncode == 0
    made = shopcx("loyalty", "init", "--shop", "main")
    assert made.returncode == 0, made.stderr
    report = shopcx("loyalty", "liability", "--shop", "main", "--json")
    assert report.returncode == 0, report.stderr
    data = json.loads(report.stdout)
    assert data["members"] == 0 and data["outstanding"] == {"points": 0, "value_amount": 0}
    assert shopcx("loyalty", "daily", "--json").returncode == 0
