# ruff: noqa: F811  (the web suite's fixtures are imported below and used as test arguments)
"""Staff survey pages: who may see and change what, a survey made from a template and published, links exported
as a CSV for agents, and the results with their intervals after buyers answered through the links."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

import pytest

from shopcx.core import clock
from shopcx.staff.service import SYSTEM
from shopcx.surveys import service
from shopcx.surveys.tables import Survey

from ..factories import make_order, make_shop
from ..web.conftest import client, login, make_user  # noqa: F401

NOW = datetime(2026, 12, 6, 4, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _frozen():
    with clock.frozen_at(NOW):
        yield


@pytest.fixture
def shop(session):
    return make_shop(session, code="svs", name="青竹茶庄")


@pytest.fixture
def buyers(session, shop):
    return [make_order(session, shop, customer={"source": "taobao", "external_id": f"sv{n}", "name": name})
            .customer_id for n, name in enumerate(("王芳", "李雷", "韩梅梅"))]


def links_of(response) -> list[dict]:
    assert response.headers["content-type"].startswith("text/csv")
    return list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))


@pytest.mark.parametrize("role", ["owner", "manager", "operations", "analyst"])
def test_roles_with_surveys_read_see_the_pages(login, session, shop, role):
    survey = service.create_from_preset(session, shop.id, "nps", actor=SYSTEM)
    staff = login(role)
    listed = staff.get("/surveys")
    assert listed.status_code == 200 and "推荐意愿（NPS）" in listed.text
    assert staff.get(f"/surveys/{survey.id}").status_code == 200
    assert 'href="/surveys"' in staff.get("/").text
    assert ('id="survey-create"' in listed.text) is (role != "analyst")


def test_an_agent_has_no_survey_pages_and_an_analyst_changes_nothing(login, session, shop):
    survey = service.create_from_preset(session, shop.id, "nps", actor=SYSTEM)
    agent = login("agent")
    assert agent.get("/surveys").status_code == 403
    analyst = login("analyst")
    assert analyst.post("/surveys", {"template": "nps", "code": "x"}).status_code == 403
    assert analyst.post(f"/surveys/{survey.id}/publish").status_code == 403
    assert service.published(session, survey) is None


def test_from_template_to_links_to_results(login, session, shop, buyers, client):
    owner = login("owner", locale="en")
    made = owner.post("/surveys", {"template": "csat_delivery", "code": "after_delivery", "shop": str(shop.id)})
    assert made.status_code == 303
    survey = session.query(Survey).filter_by(code="after_delivery").one()
    page = owner.get(made.headers["location"]).text
    assert "Draft, not published" in page and 'id="links-form"' not in page
    assert owner.post(f"/surveys/{survey.id}/publish").status_code == 303

    exported = owner.post(f"/surveys/{survey.id}/links",
                          {"customers": f"{buyers[0]}\n{buyers[1]}, {buyers[2]}\n", "wave": "2026-12", "days": "14"})
    rows = links_of(exported)
    assert [int(r["customer_id"]) for r in rows] == buyers and rows[0]["customer"] == "王芳"
    assert all("/s/" in r["link"] and r["expires_at"].startswith("2026-12-20") for r in rows)
    again = links_of(owner.post(f"/surveys/{survey.id}/links", {"customers": str(buyers[0]), "wave": "2026-12"}))
    assert again[0]["link"] == "" and again[0]["note"] == "already_invited"

    for row, score in zip(rows, ("5", "4", "2"), strict=True):
        path = row["link"].split("testserver", 1)[1]
        answered = client.post(path, data={"action": "submit", "csat": score, "delivery": "4", "packaging": "5"})
        assert answered.status_code == 200
    results = owner.get(f"/surveys/{survey.id}").text
    assert 'id="measure-csat"' in results and "66.7%" in results and "3 answers" in results
    assert "95% interval" in results and "Submitted" in results


def test_a_bad_customer_list_is_refused_naming_the_line(login, session, shop, buyers):
    survey = service.create_from_preset(session, shop.id, "nps", actor=SYSTEM)
    service.publish(session, survey, actor=SYSTEM)
    owner = login("owner")
    refused = owner.post(f"/surveys/{survey.id}/links", {"customers": f"{buyers[0]}\n王芳", "wave": "w1"})
    assert refused.status_code == 422 and "第 2 行" in refused.text
    assert service.invite(session, survey, buyers[:1], wave="w1", actor=SYSTEM)[0]  # nothing was stored before
