"""Surveys stored: shipped presets, the questions document, published versions that stay, personal links that are
signed, single-use and expire, partial and final answers, and the headline measures of what was answered."""

from __future__ import annotations

import base64
import copy
import hashlib
import hmac
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from shopcx.core import clock
from shopcx.core.errors import Conflict, InvalidInput
from shopcx.surveys import presets, service
from shopcx.surveys.questions import parse_answers, validate_questions
from shopcx.surveys.tables import Answer, Response

from ..factories import make_order, make_shop

NOW = datetime(2026, 12, 6, 4, 0, tzinfo=UTC)


@pytest.fixture
def shop(session):
    return make_shop(session, code="sv")


@pytest.fixture
def buyers(session, shop):
    return [make_order(session, shop).customer_id for _ in range(3)]


def published_csat(session, shop, actor):
    survey = service.create_from_preset(session, shop.id, "csat_delivery", actor=actor)
    service.publish(session, survey, actor=actor)
    return survey


def test_every_preset_is_valid_and_written_in_both_languages():
    for code in presets.PRESETS:
        kind, zh, en, anonymous, doc = presets.preset(code)
        assert zh and en and doc["questions"]
        for q in doc["questions"]:
            assert q["text"]["zh"] != q["text"]["en"]
    servqual = presets.preset("servqual")[4]["questions"]
    pairs = [q for q in servqual if q["type"] == "servqual"]
    dims = [q["dimension"] for q in pairs]
    assert len(pairs) == 22 and {d: dims.count(d) for d in set(dims)} == {
        "tangibles": 4, "reliability": 5, "responsiveness": 4, "assurance": 4, "empathy": 5}
    assert presets.preset("enps")[3] is True  # anonymous


@pytest.mark.parametrize(("change", "field"), [
    ({"scale": "2-9"}, "questions.csat.scale"),
    ({"text": {"zh": "满意吗"}}, "questions.csat.text"),
    ({"type": "slider"}, "questions.csat.type"),
])
def test_a_bad_question_is_refused_naming_it(change, field):
    doc = copy.deepcopy(presets.CSAT_DELIVERY)
    doc["questions"][0] |= change
    with pytest.raises(InvalidInput) as caught:
        validate_questions(doc)
    assert caught.value.field == field


def test_show_if_must_point_to_an_earlier_question():
    doc = copy.deepcopy(presets.CSAT_DELIVERY)
    doc["questions"][3]["show_if"] = {"question": "comment", "in": ["x"]}
    with pytest.raises(InvalidInput, match="earlier"):
        validate_questions(doc)


def test_show_if_asks_a_question_only_after_a_low_rating():
    doc = presets.preset("csat_delivery")[4]
    happy = parse_answers(doc, {"csat": "5", "delivery": "5", "packaging": "4", "issue": ["late"]}, complete=True)
    assert "issue" not in happy and happy["csat"] == (5, 5.0)
    unhappy = parse_answers(doc, {"csat": "2", "delivery": "1", "packaging": "4", "issue": ["late", "damaged"]},
                            complete=True)
    assert unhappy["issue"] == (["late", "damaged"], None)


def test_answers_outside_the_scale_or_missing_are_named():
    doc = presets.preset("nps")[4]
    with pytest.raises(InvalidInput) as caught:
        parse_answers(doc, {"nps": "11"}, complete=True)
    assert caught.value.field == "nps"
    with pytest.raises(InvalidInput) as caught:
        parse_answers(presets.preset("csat_delivery")[4], {"csat": "4"}, complete=True)
    assert caught.value.code == "answer_missing" and caught.value.field == "delivery"
    sq = parse_answers(presets.preset("servqual")[4], {"sq01.e": "7", "sq01.p": "5"}, complete=False)
    assert sq["sq01"] == ({"expectation": 7, "perception": 5}, -2.0)


def test_a_published_version_is_never_edited(session, shop, actor):
    survey = published_csat(session, shop, actor)
    version = service.published(session, survey)
    version.questions = presets.preset("nps")[4]
    with pytest.raises(Conflict):
        session.flush()
    session.rollback()


def test_editing_after_publishing_makes_a_new_draft(session, shop, actor):
    survey = published_csat(session, shop, actor)
    draft = service.save_draft(session, survey, presets.NPS, actor=actor)
    assert draft.version == 2 and draft.status == "draft"
    assert service.published(session, survey).version == 1
    service.publish(session, survey, actor=actor)
    assert [v.status for v in service.versions(session, survey)] == ["retired", "published"]


def test_links_need_a_published_survey_and_one_per_person_per_wave(session, shop, buyers, actor):
    survey = service.create_from_preset(session, shop.id, "nps", actor=actor)
    with pytest.raises(Conflict):
        service.invite(session, survey, buyers, wave="2026-12", actor=actor)
    service.publish(session, survey, actor=actor)
    links, skipped = service.invite(session, survey, buyers, wave="2026-12", actor=actor)
    assert len(links) == 3 and not skipped and len({x.token for x in links}) == 3
    again, skipped = service.invite(session, survey, [*buyers, 999999], wave="2026-12", actor=actor)
    assert again == [] and sorted(r for _, r in skipped) == ["already_invited"] * 3 + ["unknown"]
    next_wave, _ = service.invite(session, survey, buyers[:1], wave="2027-01", actor=actor)
    assert len(next_wave) == 1


def test_a_link_saves_partial_answers_then_takes_one_final_answer(session, shop, buyers, actor):
    survey = published_csat(session, shop, actor)
    (link, *_), _ = service.invite(session, survey, buyers, wave="w1", actor=actor)
    inv = service.open_link(session, link.token)
    service.answer(session, inv, {"csat": "2"}, locale="zh", final=False)
    response = service.response_for(session, inv)
    assert response.partial and service.answers_of(session, response) == {"csat": 2}
    assert response.customer_id == link.customer_id
    service.answer(session, inv, {"csat": "2", "delivery": "3", "packaging": "5", "issue": "late"}, locale="zh",
                   final=True)
    assert not response.partial and inv.answered_at is not None
    with pytest.raises(Conflict):
        service.answer(session, inv, {"csat": "5", "delivery": "5", "packaging": "5"}, locale="zh", final=True)
    assert session.scalar(select(Answer.value).where(Answer.response_id == response.id,
                                                     Answer.question == "csat")) == 2
    assert service.headline_measures(session, survey)["csat"].n == 1


def test_forged_altered_and_expired_links_are_refused(session, shop, buyers, actor):
    survey = published_csat(session, shop, actor)
    with clock.frozen_at(NOW):
        (link, *_), _ = service.invite(session, survey, buyers, wave="w1", days=7, actor=actor)
    payload, signature = link.token.split(".")
    altered = payload[:-1] + ("B" if payload[-1] == "A" else "A")
    for bad in (f"{payload}.{'0' * len(signature)}", f"{altered}.{signature}", "nonsense", ""):
        with pytest.raises(service.LinkRefused) as caught:
            service.open_link(session, bad)
        assert caught.value.code == "survey_link_invalid"
    with clock.frozen_at(NOW + timedelta(days=7, seconds=1)), pytest.raises(service.LinkRefused) as caught:
        service.open_link(session, link.token)
    assert caught.value.code == "survey_link_expired"


def test_a_link_signed_before_core_tokens_still_opens(session, shop, buyers, actor):
    from shopcx.core.settings import get_settings

    survey = published_csat(session, shop, actor)
    with clock.frozen_at(NOW):
        (link, *_), _ = service.invite(session, survey, buyers, wave="w1", days=7, actor=actor)
    raw = f"{link.invitation_id}.{int((NOW + timedelta(days=7)).timestamp())}"
    payload = base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")
    key = get_settings().resolved_secret_key().encode()
    token = f"{payload}.{hmac.new(key, b'shopcx.survey-link.v1:' + payload.encode(), hashlib.sha256).hexdigest()}"
    assert token == link.token and service.open_link(session, token).id == link.invitation_id


def test_demo_customers_never_get_a_link(session, shop, actor):
    demo_buyer = make_order(session, shop, customer={"source": "demo", "external_id": "d1", "name": "演示"}).customer_id
    survey = published_csat(session, shop, actor)
    links, skipped = service.invite(session, survey, [demo_buyer], wave="w1", actor=actor)
    assert links == [] and skipped == [(demo_buyer, "demo")]


def test_enps_answers_are_anonymous(session, shop, buyers, actor):
    survey = service.create_from_preset(session, shop.id, "enps", actor=actor)
    service.publish(session, survey, actor=actor)
    (link,), _ = service.invite(session, survey, buyers[:1], wave="2026Q4", actor=actor)
    service.answer(session, service.open_link(session, link.token), {"enps": "9"}, locale="en", final=True)
    response = session.scalar(select(Response).where(Response.survey_id == survey.id))
    assert response.anonymous and response.customer_id is None
    assert service.headline_measures(session, survey)["enps"].value == 100
