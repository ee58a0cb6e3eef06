"""`shopcx care run|send|report` through Typer's runner, inside the test's transaction."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from typer.testing import CliRunner

from shopcx.care import service as care
from shopcx.care.service import moments
from shopcx.care.tables import CareRecipient
from shopcx.cli import app
from shopcx.core import clock
from shopcx.staff.service import SYSTEM

from ..factories import make_order
from ..loyalty.factories import make_program
from .factories import buyer, template

runner = CliRunner()
NOW = datetime(2026, 12, 6, 2, 0, tzinfo=UTC)


def test_run_queues_moments_send_hands_over_and_report_prints_the_uplift(session):
    shop, _ = make_program(session)
    with clock.frozen_at(NOW - timedelta(days=30)):
        for n in range(4):
            make_order(session, shop, customer=buyer(n, birthday="1990-12-09"), placed_at=NOW - timedelta(days=30))
    tpl = template(session, shop)
    moments.configure(session, shop, "birthday", actor=SYSTEM, enabled=True, template_id=tpl.id,
                      settings={"days_before": 3}, control_share=0.0)
    with clock.frozen_at(NOW):
        ran = runner.invoke(app, ["care", "run", "--json"])
        assert ran.exit_code == 0, ran.output
        assert json.loads(ran.stdout.strip().splitlines()[-1])[shop.code]["moments"] == {"birthday": 4}
        sent = runner.invoke(app, ["care", "send"])
        assert sent.exit_code == 0, sent.output
        assert json.loads(sent.stdout.strip().splitlines()[-1]) == {"sent": 4}
    assert {r.status for r in session.query(CareRecipient)} == {"sent"}
    campaign = care.save_campaign(session, shop, name="C", audience={"channel": "email"}, template_id=tpl.id,
                                  actor=SYSTEM)
    report = runner.invoke(app, ["care", "report", "--campaign", str(campaign.id)])
    assert report.exit_code == 0 and json.loads(report.stdout)["uplift"] is None  # nobody drawn yet
    missing = runner.invoke(app, ["care", "report", "--campaign", "999999"])
    assert missing.exit_code == 2 and "no campaign" in missing.output
