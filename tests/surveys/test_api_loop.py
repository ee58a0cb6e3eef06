# ruff: noqa: F811  (fixtures imported below are used as test arguments)
"""Surveys over JSON, the making and sending half: a survey from a template, its draft (a published version never
changes), publishing; sending rules (reminders, fatigue cap, quota); waves to listed customers, an RFM segment or a
lifecycle stage of the latest analysis, and their list; detractors' follow-ups listed and closed. Each refused to a
token with only the scopes of a role that may not do it."""

from __future__ import annotations

import copy
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from shopcx.core import clock
from shopcx.customers.models import CustomerIdentity
from shopcx.staff.service import SYSTEM
from shopcx.surveys import service
from shopcx.surveys.tables import Invitation

from ..api.conftest import client, token  # noqa: F401
from ..factories import make_shop
from ..messaging.conftest import make_buyer, shop  # noqa: F401
from ..web.conftest import make_user  # noqa: F401
from .factories import scored_run
from .test_api_results import role  # noqa: F401

NOW = datetime(2026, 12, 6, 4, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _frozen():
    with clock.frozen_at(NOW):
        yield


def test_a_survey_from_a_template_its_draft_and_publishing(client, role, session, shop):
    owner, analyst = role("owner"), role("analyst")
    body = {"shop": shop.code, "template": "csat_delivery", "code": "after-delivery"}
    assert client.post("/api/v1/surveys", json=body, headers=analyst).status_code == 403
    made = client.post("/api/v1/surveys", json=body, headers=owner)
    assert made.status_code == 201 and made.json()["published_version"] is None
    sid = made.json()["id"]
    [v1] = client.get(f"/api/v1/surveys/{sid}/versions", headers=analyst).json()
    assert v1["status"] == "draft" and v1["questions"][0]["key"] == "csat"
    twice = client.post("/api/v1/surveys", json=body, headers=owner)
    assert twice.status_code == 409 and twice.json()["field"] == "code"

    questions = copy.deepcopy(v1["questions"])
    questions.append({"key": "why", "type": "text", "text": {"zh": "哪里不满意？", "en": "What went wrong?"},
                      "show_if": {"question": "csat", "in": [1, 2]}})
    bad = copy.deepcopy(questions)
    bad[-1]["show_if"] = {"question": "later", "in": [1]}
    refused = client.put(f"/api/v1/surveys/{sid}/draft", json={"questions": bad}, headers=owner)
    assert refused.status_code == 422 and refused.json()["field"] == "questions.why.show_if"
    saved = client.put(f"/api/v1/surveys/{sid}/draft", json={"questions": questions}, headers=owner)
    assert saved.status_code == 200 and saved.json()["version"] == 1
    assert saved.json()["questions"][-1]["show_if"] == {"question": "csat", "in": [1, 2]}
    assert client.post(f"/api/v1/surveys/{sid}/publish", headers=analyst).status_code == 403
    published = client.post(f"/api/v1/surveys/{sid}/publish", headers=owner).json()
    assert (published["version"], published["status"]) == (1, "published")
    nothing = client.post(f"/api/v1/surveys/{sid}/publish", headers=owner)
    assert nothing.status_code == 409 and nothing.json()["error"] == "nothing_to_publish"

    # a published version is never edited: the next change starts version 2
    again = client.put(f"/api/v1/surveys/{sid}/draft", json={"questions": questions[:-1]}, headers=owner).json()
    assert (again["version"], again["status"]) == (2, "draft")
    versions = client.get(f"/api/v1/surveys/{sid}/versions", headers=owner).json()
    assert [(v["version"], v["status"], len(v["questions"])) for v in versions] == \
        [(1, "published", len(questions)), (2, "draft", len(questions) - 1)]


def test_sending_rules_and_waves_to_a_segment_or_a_stage(client, role, session, shop, make_buyer):
    owner, analyst, agent = role("owner"), role("analyst"), role("agent")
    survey = service.create_from_preset(session, shop.id, "nps", actor=SYSTEM)
    service.publish(session, survey, actor=SYSTEM)
    buyers = [make_buyer(n) for n in range(6)]
    elsewhere = make_buyer(9, external_id="x9")  # scored by the all-shops run but a customer of another shop
    other_shop = make_shop(session, code="other")
    session.execute(CustomerIdentity.__table__.update().where(CustomerIdentity.customer_id == elsewhere.id)
                    .values(shop_id=other_shop.id))
    session.flush()
    url = f"/api/v1/surveys/{survey.id}/waves"
    wave = {"wave": "2026-12", "segment": "champions", "channel": "email"}

    missing = client.post(url, json=wave, headers=owner)
    assert missing.status_code == 404 and missing.json()["error"] == "analysis_not_found"
    # buyers 0, 2, 4 and the other shop's customer are champions; 1, 3, 5 at risk; stage repeat for 0–2
    scored_run(session, None, {p.id: ("repeat" if n < 3 else "at_risk", "Champions" if n % 2 == 0 else "At risk")
                               for n, p in enumerate([*buyers, elsewhere])})

    settings = f"/api/v1/surveys/{survey.id}/sending"
    assert client.put(settings, json={"fatigue_days": 0}, headers=analyst).status_code == 403
    rules = client.put(settings, json={"reminders": 2, "reminder_days": 4, "fatigue_days": 0, "quota": 50},
                       headers=owner)
    assert rules.status_code == 200 and (rules.json()["reminders"], rules.json()["quota"]) == (2, 50)
    assert client.get(settings, headers=analyst).json()["reminder_days"] == 4
    bad = client.put(settings, json={"fatigue_days": 400}, headers=owner)
    assert bad.status_code == 422 and bad.json()["field"] == "fatigue_days"

    assert client.post(url, json=wave, headers=analyst).status_code == 403
    sent = client.post(url, json=wave, headers=owner)
    assert sent.status_code == 200 and sent.json() == {"wave": "2026-12", "drawn": 3, "queued": 3, "skipped": {}}
    invited = set(session.scalars(select(Invitation.customer_id).where(Invitation.survey_id == survey.id)))
    assert invited == {buyers[0].id, buyers[2].id, buyers[4].id}

    staged = client.post(url, json={"wave": "2026-12b", "stage": "at_risk", "sample": 2, "seed": 7}, headers=owner)
    assert staged.json()["drawn"] == 2 and staged.json()["queued"] == 2
    both = client.post(url, json={"wave": "w", "stage": "repeat", "customer_ids": [buyers[0].id]}, headers=owner)
    assert both.status_code == 422 and both.json()["field"] == "customers"
    unknown = client.post(url, json={"wave": "w", "segment": "whales"}, headers=owner)
    assert unknown.status_code == 422 and unknown.json()["field"] == "segment"
    nobody = client.post(url, json={"wave": "w"}, headers=owner)
    assert nobody.status_code == 422 and nobody.json()["error"] == "survey_wave_audience"

    assert client.get(url, headers=agent).status_code == 403
    assert client.get(url, headers=analyst).json() == [{"wave": "2026-12b", "invited": 2, "answered": 0},
                                                       {"wave": "2026-12", "invited": 3, "answered": 0}]


def test_detractors_follow_ups_listed_and_closed(client, role, session, shop, make_buyer, make_user):
    survey = service.create_from_preset(session, shop.id, "nps", actor=SYSTEM)
    service.publish(session, survey, actor=SYSTEM)
    make_user("manager")
    buyers = [make_buyer(n).id for n in range(3)]
    links, _ = service.invite(session, survey, buyers, wave="w1", actor=SYSTEM)
    for link, score in zip(links, ("2", "10", "6"), strict=True):
        service.answer(session, service.open_link(session, link.token), {"nps": score}, locale="zh", final=True)
    session.flush()
    url = f"/api/v1/surveys/{survey.id}/followups"
    assert client.get(url, headers=role("agent")).status_code == 403
    open_ones = client.get(url, headers=role("analyst")).json()
    assert sorted((c["customer_id"], c["score"], c["reason"]) for c in open_ones) == \
        sorted([(buyers[0], 2.0, "nps"), (buyers[2], 6.0, "nps")])
    assert all(c["status"] == "open" and c["owner_id"] and c["due_at"] == "2026-12-08T04:00:00Z" for c in open_ones)

    close = f"/api/v1/survey-followups/{open_ones[0]['id']}/close"
    assert client.post(close, json={"note": "已致电道歉"}, headers=role("analyst")).status_code == 403
    blank = client.post(close, json={"note": "  "}, headers=role("manager"))
    assert blank.status_code == 422 and blank.json()["field"] == "note"
    done = client.post(close, json={"note": "已致电道歉"}, headers=role("manager"))
    assert done.status_code == 200 and (done.json()["status"], done.json()["note"]) == ("closed", "已致电道歉")
    assert len(client.get(url, headers=role("analyst")).json()) == 1
    assert len(client.get(url, params={"status": "all"}, headers=role("analyst")).json()) == 2
    assert client.post("/api/v1/survey-followups/999999/close", json={"note": "x"},
                       headers=role("manager")).status_code == 404


def test_personal_links_open_links_and_the_public_link(client, role, session, shop, make_buyer):
    owner, analyst = role("owner"), role("analyst")
    survey = service.create_from_preset(session, shop.id, "nps", actor=SYSTEM)
    public = f"/api/v1/surveys/{survey.id}/public-link"
    early = client.put(public, json={"open": True}, headers=owner)
    assert early.status_code == 409 and early.json()["error"] == "survey_not_published"
    service.publish(session, survey, actor=SYSTEM)
    buyers = [make_buyer(n).id for n in range(2)]
    session.flush()

    body = {"customer_ids": [*buyers, 999_999], "wave": "chat-1", "days": 7}
    assert client.post(f"/api/v1/surveys/{survey.id}/links", json=body, headers=analyst).status_code == 403
    made = client.post(f"/api/v1/surveys/{survey.id}/links", json=body, headers=owner).json()
    assert [x["customer_id"] for x in made["links"]] == buyers
    assert made["skipped"] == [{"customer_id": 999_999, "reason": "unknown"}]
    assert {x["expires_at"] for x in made["links"]} == {"2026-12-13T04:00:00Z"}
    token = made["links"][0]["url"].rsplit("/s/", 1)[1]
    assert service.open_link(session, token).customer_id == buyers[0]  # the URL carries a working link

    opened = f"/api/v1/surveys/{survey.id}/open-links"
    assert client.get(opened, headers=analyst).status_code == 403  # as the page's link list: writers only
    service.answer(session, service.open_link(session, token), {"nps": "9"}, locale="zh", final=True)
    session.flush()
    left = client.get(opened, params={"wave": "chat-1"}, headers=owner).json()
    assert [(x["customer_id"], x["url"]) for x in left] == [(buyers[1], made["links"][1]["url"])]

    assert client.put(public, json={"open": True}, headers=analyst).status_code == 403
    link = client.put(public, json={"open": True}, headers=owner).json()
    assert link["open"] and client.put(public, json={"open": True}, headers=owner).json() == link  # the same link
    assert service.public_survey(session, link["url"].rsplit("/p/", 1)[1])[0].id == survey.id
    assert client.put(public, json={"open": False}, headers=owner).json() == {"open": False, "url": None}
    session.expire_all()
    with pytest.raises(service.LinkRefused):
        service.public_survey(session, link["url"].rsplit("/p/", 1)[1])
