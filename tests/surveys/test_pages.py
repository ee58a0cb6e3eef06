# ruff: noqa: F811  (the web suite's fixtures are imported below and used as test arguments)
"""Staff survey pages: who may see and change what, a survey made from a template and published, links exported
as a CSV for agents, and the results with their intervals after buyers answered through the links."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, datetime

import pytest

from shopcx.core import clock
from shopcx.staff.service import SYSTEM
from shopcx.surveys import service
from shopcx.surveys.tables import Survey

from ..factories import make_order, make_shop
from ..web.conftest import client, login, make_user  # noqa: F401
from .factories import ecsi_by_hand, ecsi_rows, store_answers

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
    """The links file's rows by column (its headers are in the reader's language: English here)."""
    assert response.headers["content-type"].startswith("text/csv")
    head, *rows = csv.reader(io.StringIO(response.content.decode("utf-8-sig")))
    assert head == ["Customer no.", "Customer", "Survey link", "Valid until", "Note"]
    return [dict(zip(("customer_id", "customer", "link", "expires_at", "note"), row, strict=True)) for row in rows]


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
    assert again[0]["link"] == "" and again[0]["note"] == "No link: already has one in this wave"

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


def _servqual_form(**pairs) -> dict:
    """All 22 pairs at 4/4 (no gap) except the ones given as sqNN=(expectation, perception)."""
    form = {}
    for n in range(1, 23):
        e, p = pairs.get(f"sq{n:02d}", (4, 4))
        form |= {f"sq{n:02d}.e": str(e), f"sq{n:02d}.p": str(p)}
    return form | {"importance.tangibles": "7", "importance.reliability": "1", "importance.responsiveness": "4",
                   "importance.assurance": "4", "importance.empathy": "4"}


def test_servqual_results_show_the_gaps_by_dimension(login, session, shop, buyers):
    survey = service.create_from_preset(session, shop.id, "servqual", actor=SYSTEM)
    service.publish(session, survey, actor=SYSTEM)
    links, _ = service.invite(session, survey, buyers[:2], wave="2026Q4", actor=SYSTEM)
    for link, sq01 in zip(links, ((7, 5), (6, 6)), strict=True):
        service.answer(session, service.open_link(session, link.token),
                       _servqual_form(sq01=sq01, sq05=(5, 6)), locale="zh", final=True)
    page = login("analyst", locale="en").get(f"/surveys/{survey.id}").text
    # tangibles: sq01 gaps −2 and 0 → −1, three items at 0 → −0.25; reliability: sq05 +1, four at 0 → +0.2
    assert re.search(r'id="gap-tangibles"><td>Tangibles</td><td class="num">-0.25<', page)
    assert re.search(r'id="gap-reliability"><td>Reliability</td><td class="num">\+0.20<', page)
    # overall: mean of the five dimensions = (−0.25 + 0.2) / 5; weighted 7:1:4:4:4 = (−1.75 + 0.2) / 20
    assert re.search(r'id="gap-overall">.*?-0.01<', page, re.S)
    assert re.search(r'id="gap-weighted">.*?-0.08<', page, re.S)


def test_staff_preview_the_draft_as_the_buyer_sees_it(login, session, shop):
    survey = service.create_from_preset(session, shop.id, "ces_ticket", actor=SYSTEM)
    staff = login("analyst")
    zh = staff.get(f"/surveys/{survey.id}/preview").text
    assert "这次问题处理起来容易吗？" in zh and "预览第 1 版" in zh
    assert 'action="/s/' not in zh and re.search(r'id="survey-submit"\s*disabled', zh)
    en = staff.get(f"/surveys/{survey.id}/preview?lang=en").text
    assert "How easy was it to get your issue resolved?" in en and "Very easy" in en
    assert staff.get(f"/surveys/{survey.id}/preview?version=9").status_code == 404


def test_every_answer_shows_on_the_customer_page(login, session, shop, buyers):
    csat = service.create_from_preset(session, shop.id, "csat_delivery", actor=SYSTEM)
    enps = service.create_from_preset(session, shop.id, "enps", actor=SYSTEM)
    for survey in (csat, enps):
        service.publish(session, survey, actor=SYSTEM)
    (link,), _ = service.invite(session, csat, buyers[:1], wave="w1", actor=SYSTEM)
    service.answer(session, service.open_link(session, link.token),
                   {"csat": "2", "delivery": "3", "packaging": "5"}, locale="zh", final=True)
    (staff_link,), _ = service.invite(session, enps, buyers[:1], wave="w1", actor=SYSTEM)
    service.answer(session, service.open_link(session, staff_link.token), {"enps": "3"}, locale="zh", final=True)
    page = login("operations").get(f"/customers/{buyers[0]}").text
    panel = page[page.index('id="customer-surveys"'):]
    assert "收货满意度" in panel and "满意度 CSAT 2" in panel and "已提交" in panel
    assert "员工推荐意愿" not in panel  # the anonymous eNPS is never tied to a person
    assert 'id="customer-surveys"' not in login("agent").get(f"/customers/{buyers[0]}").text
    assert 'id="customer-surveys"' not in login("owner", username="boss2").get(f"/customers/{buyers[1]}").text


def test_an_ecsi_survey_shows_its_pls_model_and_index(login, session, shop, shared_data):
    survey = service.create_from_preset(session, shop.id, "ecsi", actor=SYSTEM)
    version = service.publish(session, survey, actor=SYSTEM)
    owner = login("owner", locale="en")
    assert "at least 30" in owner.get(f"/surveys/{survey.id}").text  # no answers yet: says why, no model

    rows = ecsi_rows(shared_data)
    store_answers(session, shop.id, survey, version, rows, at=NOW)
    page = owner.get(f"/surveys/{survey.id}").text

    expected, per_person = ecsi_by_hand(rows)
    assert f'id="ecsi-index">{expected.index.mean:.1f}<' in page
    assert f"{expected.path('VAL', 'SAT'):.4f}" in page and 'id="path-SAT-COMP"' not in page
    assert f'id="ecsi-gof">{expected.gof:.3f}<' in page and "250 complete answers" in page
    assert expected.index.mean == pytest.approx(per_person.mean(), rel=1e-9)


def test_a_change_between_waves_says_whether_it_is_noise(login, session, shop):
    buyers = [make_order(session, shop, customer={"source": "taobao", "external_id": f"w{n}", "name": f"买家{n}"})
              .customer_id for n in range(24)]
    survey = service.create_from_preset(session, shop.id, "csat_delivery", actor=SYSTEM)
    service.publish(session, survey, actor=SYSTEM)

    def wave(name: str, people: list[int], scores: list[int]) -> None:
        links, _ = service.invite(session, survey, people, wave=name, actor=SYSTEM)
        for link, score in zip(links, scores, strict=True):
            service.answer(session, service.open_link(session, link.token),
                           {"csat": str(score), "delivery": "4", "packaging": "4"}, locale="zh", final=True)

    wave("2026-10", buyers[:12], [2] * 10 + [5] * 2)  # CSAT 2/12
    wave("2026-11", buyers[12:], [5] * 10 + [2] * 2)  # CSAT 10/12
    page = login("owner", locale="en").get(f"/surveys/{survey.id}").text
    assert re.search(r'id="change-csat">CSAT: 2026-10 → 2026-11 changed \+66\.7', page)
    assert "Significant: the interval excludes 0." in page
    wave("2026-12", buyers[:3], [5, 5, 2])  # 2/3 after 10/12: a small wave, no real change
    page = login("analyst", locale="en").get(f"/surveys/{survey.id}").text
    assert "2026-11 → 2026-12" in page and "Not significant" in page


def test_a_detractor_followup_shows_on_the_survey_and_customer_pages_and_closes(login, session, shop, buyers):
    survey = service.create_from_preset(session, shop.id, "csat_delivery", actor=SYSTEM)
    service.publish(session, survey, actor=SYSTEM)
    (issued,), _ = service.invite(session, survey, [buyers[0]], wave="2026-12", actor=SYSTEM)
    service.answer(session, service.open_link(session, issued.token), {"csat": "1", "delivery": "1",
                                                                       "packaging": "2"}, locale="zh", final=True)
    owner = login("owner")
    page = owner.get(f"/surveys/{survey.id}").text
    assert 'id="followup-table"' in page and "王芳" in page and "CSAT 1 分" in page
    customer = owner.get(f"/customers/{buyers[0]}").text
    assert "回访中" in customer and "专属链接" in customer
    case = service.followups(session, [shop.id])[0]
    assert owner.post(f"/surveys/followups/{case.id}/close", {"note": ""}).status_code == 422
    assert owner.post(f"/surveys/followups/{case.id}/close", {"note": "已致电道歉"}).status_code == 303
    assert "已回访" in owner.get(f"/customers/{buyers[0]}").text
    assert "没有待处理的回访" in owner.get(f"/surveys/{survey.id}").text
