"""Surveys over JSON: the list and a survey's results need the surveys:read scope, like the pages."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from shopcx.core import clock
from shopcx.staff.service import SYSTEM
from shopcx.surveys import service

from ..api.conftest import client, token  # noqa: F401
from ..factories import make_order, make_shop

NOW = datetime(2026, 12, 6, 4, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _frozen():
    with clock.frozen_at(NOW):
        yield


def test_results_carry_the_measures_with_their_intervals(client, token, session):  # noqa: F811
    shop = make_shop(session, code="sva")
    buyers = [make_order(session, shop).customer_id for _ in range(4)]
    survey = service.create_from_preset(session, shop.id, "nps", actor=SYSTEM)
    service.publish(session, survey, actor=SYSTEM)
    links, _ = service.invite(session, survey, buyers, wave="w1", actor=SYSTEM)
    for link, score in zip(links, ("10", "9", "7", "3"), strict=True):
        service.answer(session, service.open_link(session, link.token), {"nps": score}, locale="zh", final=True)
    session.flush()

    assert client.get("/api/v1/surveys", headers=token("customers:read")).status_code == 403
    listed = client.get("/api/v1/surveys", headers=token("surveys:read")).json()
    assert [(s["code"], s["answered"], s["published_version"]) for s in listed] == [("nps", 4, 1)]
    results = client.get(f"/api/v1/surveys/{survey.id}/results", headers=token("surveys:read")).json()
    nps = results["measures"]["nps"]
    assert nps["value"] == pytest.approx(25.0) and nps["n"] == 4 and nps["low"] < 25 < nps["high"]
    assert results["wave_changes"] == {} and results["servqual"] is None
    assert client.get("/api/v1/surveys/999999/results", headers=token("surveys:read")).status_code == 404
