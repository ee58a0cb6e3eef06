"""Customer value over the API: runs, reports of the latest run, paginated lists, a customer's value, scopes."""

from __future__ import annotations

import warnings

import pytest
from sqlalchemy import select

from shopcx.insights import service
from shopcx.insights.tables import CustomerScore
from shopcx.staff import service as staff

from .test_service import AS_OF, hand_shop  # noqa: F401

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient


@pytest.fixture
def client(session):
    from shopcx.insights import api
    from shopcx.web.app import create_app

    app = create_app()
    if not any(getattr(route, "path", "").startswith("/api/v1/insights") for route in app.routes):
        app.include_router(api.router)  # until web/app.py lists shopcx.insights.api
    return TestClient(app)


@pytest.fixture
def headers(session):
    def make(*scopes: str) -> dict[str, str]:
        raw, _ = staff.create_token(session, name="insights", scopes=list(scopes), actor=staff.SYSTEM)
        session.flush()
        return {"Authorization": f"Bearer {raw}"}

    return make


def test_reports_of_the_latest_run(client, headers, session, hand_shop):  # noqa: F811
    read = headers("customers:read")
    assert client.get("/api/v1/insights/runs/latest/overview", headers=read).status_code == 404
    first = service.run_analysis(as_of=AS_OF, shop_code="hand")
    service.run_analysis(as_of=AS_OF, shop_code=None)
    runs = client.get("/api/v1/insights/runs", headers=read, params={"page_size": 1}).json()
    assert runs["total"] == 2 and len(runs["items"]) == 1 and runs["items"][0]["status"] == "done"
    latest = client.get("/api/v1/insights/runs/latest", params={"shop": "hand"}, headers=read).json()
    assert latest["id"] == first.id and latest["as_of_on"] == "2026-03-31" and latest["params"]["horizon_days"] == 90
    overview = client.get("/api/v1/insights/runs/latest/overview", params={"shop": "hand"}, headers=read).json()
    assert overview["as_of"] == "2026-03-31" and overview["pareto"]["top20_share"] == pytest.approx(3000 / 6320)
    assert overview["totals"]["customers"] == 10
    by_id = client.get(f"/api/v1/insights/runs/{first.id}/rfm", headers=read).json()
    assert len(by_id["cells"]) == 25 and len(by_id["segments"]) == 8
    life = client.get(f"/api/v1/insights/runs/{first.id}/lifecycle", headers=read).json()
    assert life["stages"][0] == {"stage": "suspect", "customers": 4}
    cohorts = client.get(f"/api/v1/insights/runs/{first.id}/cohorts", headers=read).json()
    assert sum(cohorts["sizes"]) == 10
    pages = [client.get(f"/api/v1/insights/runs/{first.id}/at-risk", headers=read,
                        params={"page": n, "page_size": 1}).json() for n in (1, 2)]
    total = pages[0]["total"]
    assert total == sum(1 for s in session.scalars(select(CustomerScore.stage).where(
        CustomerScore.run_id == first.id)) if s == "at_risk") >= 1
    assert pages[0]["as_of"] == "2026-03-31" and len(pages[0]["items"]) == 1
    assert len(pages[1]["items"]) == min(1, total - 1)
    keys = client.get(f"/api/v1/insights/runs/{first.id}/key-customers", headers=read).json()
    assert keys["total"] == len(keys["items"]) >= 1
    stakes = [k["clv_amount"] for k in keys["items"]]
    assert stakes == sorted(stakes, reverse=True)


def test_customer_value_scopes_and_bad_keys(client, headers, session, hand_shop):  # noqa: F811
    run = service.run_analysis(as_of=AS_OF, shop_code="hand")
    customer_id = session.scalar(select(CustomerScore.customer_id).where(CustomerScore.run_id == run.id,
                                                                         CustomerScore.recency_days == 600))
    read = headers("customers:read")
    value = client.get(f"/api/v1/customers/{customer_id}/value", headers=read).json()
    assert value["latest"]["stage"] == "at_risk" and value["latest"]["as_of"] == "2026-03-31"
    assert value["explain"]["key"] == "insights.explain.at_risk" and len(value["trend"]) == 1
    assert client.get("/api/v1/customers/999999999/value", headers=read).status_code == 404
    assert client.get("/api/v1/insights/runs", headers=headers("orders:read")).status_code == 403
    assert client.get("/api/v1/insights/runs").status_code == 401
    assert client.get("/api/v1/insights/runs/abc/overview", headers=read).status_code == 422
    assert client.get("/api/v1/insights/runs/999999999/overview", headers=read).status_code == 404
