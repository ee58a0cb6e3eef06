# ruff: noqa: F811  (the web suite's fixtures are imported below and used as test arguments)
"""A survey's public (anonymous) link: opened and closed by staff, answered by anyone with it, answers anonymous,
a bot filling the hidden field stores nothing, and one address is held to PUBLIC_PER_HOUR answers an hour."""

from __future__ import annotations

import hashlib
import hmac
import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from shopcx.core import clock
from shopcx.core.settings import get_settings
from shopcx.staff.service import SYSTEM
from shopcx.surveys import service
from shopcx.surveys.tables import Answer, Response

from ..factories import make_shop
from ..web.conftest import client, login, make_user  # noqa: F401

NOW = datetime(2026, 12, 6, 4, 0, tzinfo=UTC)
FULL = {"csat": "5", "delivery": "4", "packaging": "4", "comment": "很好"}


@pytest.fixture(autouse=True)
def _frozen():
    with clock.frozen_at(NOW):
        yield


@pytest.fixture
def survey(session):
    shop = make_shop(session, code="svpub", name="青竹茶庄")
    survey = service.create_from_preset(session, shop.id, "csat_delivery", actor=SYSTEM)
    service.publish(session, survey, actor=SYSTEM)
    session.flush()
    return survey


def test_staff_open_the_public_link_and_buyers_answer_anonymously(login, session, survey):
    owner = login("owner")
    assert owner.post(f"/surveys/{survey.id}/public", {"open": "1"}).status_code == 303
    session.refresh(survey)
    token = survey.public_token
    assert token and f"/p/{token}" in owner.get(f"/surveys/{survey.id}").text
    page = owner.client.get(f"/p/{token}?lang=en")
    assert page.status_code == 200 and 'name="website"' in page.text and 'id="survey-save"' not in page.text
    assert "answers are not linked to your name" in page.text
    done = owner.client.post(f"/p/{token}", data={"lang": "zh", "action": "submit", **FULL})
    assert done.status_code == 200 and "感谢您的反馈" in done.text
    response = session.scalar(select(Response))
    assert response.anonymous and response.customer_id is None and response.source == "public"
    assert not response.partial and response.address_hash and "testclient" not in response.address_hash
    assert session.scalar(select(Answer.value).where(Answer.question == "csat")) == 5
    # closed: the link stops working, the answers stay
    assert owner.post(f"/surveys/{survey.id}/public", {"open": "0"}).status_code == 303
    assert owner.client.get(f"/p/{token}?lang=en").status_code == 404
    assert session.scalar(select(func.count(Response.id))) == 1


def test_a_bot_filling_the_hidden_field_is_thanked_and_nothing_is_stored(client, session, survey):
    token = service.open_public_link(session, survey, actor=SYSTEM)
    session.flush()
    got = client.post(f"/p/{token}", data={"lang": "en", "action": "submit", "website": "http://spam", **FULL})
    assert got.status_code == 200
    assert session.scalar(select(func.count(Response.id))) == 0


def test_one_address_is_held_to_the_hourly_limit(session, survey):
    token = service.open_public_link(session, survey, actor=SYSTEM)
    form = {"csat": "4", "delivery": "4", "packaging": "3"}
    for _ in range(service.PUBLIC_PER_HOUR):
        service.answer_public(session, token, form, locale="zh", address="203.0.113.7")
    with pytest.raises(service.TooManyRequests) as refused:
        service.answer_public(session, token, form, locale="zh", address="203.0.113.7")
    assert refused.value.code == "survey_rate_limited"
    # another address is not held; an hour later the first one answers again
    assert service.answer_public(session, token, form, locale="zh", address="198.51.100.2") is not None
    with clock.frozen_at(NOW + timedelta(hours=1, seconds=1)):
        assert service.answer_public(session, token, form, locale="zh", address="203.0.113.7") is not None


def test_the_address_is_kept_as_the_same_keyed_hash_as_before():
    key = get_settings().resolved_secret_key().encode()
    expected = hmac.new(key, b"shopcx.survey-address.v1:203.0.113.9", hashlib.sha256).hexdigest()
    assert service.address_hash("203.0.113.9") == expected


def test_the_limit_and_a_missing_answer_are_said_in_the_page_language(client, session, survey):
    token = service.open_public_link(session, survey, actor=SYSTEM)
    session.flush()
    missing = client.post(f"/p/{token}", data={"lang": "zh", "action": "submit", "csat": "4", "comment": "还行"})
    assert missing.status_code == 422 and "还有必答题没有回答" in missing.text and "还行" in missing.text
    for _ in range(service.PUBLIC_PER_HOUR):
        assert client.post(f"/p/{token}", data={"lang": "en", "action": "submit", **FULL}).status_code == 200
    held = client.post(f"/p/{token}", data={"lang": "en", "action": "submit", **FULL})
    assert held.status_code == 429 and "Too many answers" in held.text
    assert re.search(r'name="csat" value="5"\s+checked', held.text)


def test_an_unknown_or_unpublished_public_link_is_refused(client, session, survey):
    assert client.get("/p/nothing-here?lang=en").status_code == 404
    with pytest.raises(service.Conflict):
        other = service.create_from_preset(session, survey.shop_id, "nps", actor=SYSTEM)
        service.open_public_link(session, other, actor=SYSTEM)
