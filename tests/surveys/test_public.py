"""The buyer's survey page at a personal link, through the app: the form in zh and en with labelled controls, a
partial answer kept, one final submission thanked and a second refused, forged and expired links refused."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from shopcx.core import clock
from shopcx.staff.service import SYSTEM
from shopcx.surveys import service
from shopcx.surveys.tables import Answer, Response
from shopcx.web.app import create_app

from ..factories import make_order, make_shop

NOW = datetime(2026, 12, 6, 4, 0, tzinfo=UTC)
FULL = {"csat": "2", "delivery": "1", "packaging": "4", "issue[]": ["late", "damaged"], "comment": "快递太慢了"}


@pytest.fixture
def client(session):
    with TestClient(create_app()) as test_client:
        yield test_client


@pytest.fixture
def link(session):
    shop = make_shop(session, code="svp", name="青竹茶庄")
    buyer = make_order(session, shop).customer_id
    survey = service.create_from_preset(session, shop.id, "csat_delivery", actor=SYSTEM)
    service.publish(session, survey, actor=SYSTEM)
    with clock.frozen_at(NOW):
        (issued,), _ = service.invite(session, survey, [buyer], wave="2026-12", days=14, actor=SYSTEM)
    session.flush()
    return issued


@pytest.fixture(autouse=True)
def _frozen():
    with clock.frozen_at(NOW + timedelta(days=1)):
        yield


def test_the_page_asks_every_question_in_the_buyers_language(client, link):
    zh = client.get(f"/s/{link.token}?lang=zh")
    assert zh.status_code == 200
    assert "青竹茶庄" in zh.text and "您对这次购物的整体体验满意吗？" in zh.text and "非常满意" in zh.text
    assert 'lang="zh-CN"' in zh.text and "提交" in zh.text
    en = client.get(f"/s/{link.token}?lang=en")
    assert "How satisfied are you with this order overall?" in en.text and "Very satisfied" in en.text
    # every rating is a labelled group of radios; the show-if question starts hidden until a low rating
    assert len(re.findall(r'<input type="radio" name="csat"', en.text)) == 5
    assert re.search(r'<fieldset[^>]*id="q-issue"[^>]*hidden', en.text, re.S)
    assert 'for="in-comment"' in en.text


def test_a_partial_answer_is_kept_and_shown_again(client, link, session):
    saved = client.post(f"/s/{link.token}", data={"lang": "en", "action": "save", "csat": "2"})
    assert saved.status_code == 200 and "Saved." in saved.text
    again = client.get(f"/s/{link.token}?lang=en")
    assert re.search(r'name="csat" value="2"\s+checked', again.text)
    response = session.scalar(select(Response))
    assert response.partial and response.submitted_at is None


def test_a_missing_answer_is_marked_and_nothing_is_lost(client, link, session):
    sent = client.post(f"/s/{link.token}", data={"lang": "zh", "action": "submit", "csat": "4", "comment": "还行"})
    assert sent.status_code == 422 and "还有必答题没有回答" in sent.text
    assert re.search(r'id="q-delivery"[^>]*aria-invalid="true"', sent.text, re.S)
    assert "还行" in sent.text and re.search(r'name="csat" value="4"\s+checked', sent.text)
    assert session.scalar(select(Response)) is None


def test_one_submission_is_thanked_and_a_second_refused(client, link, session):
    done = client.post(f"/s/{link.token}", data={"lang": "zh", "action": "submit", **FULL})
    assert done.status_code == 200 and "感谢您的反馈" in done.text
    answers = dict(session.execute(select(Answer.question, Answer.value)).all())
    assert answers == {"csat": 2, "delivery": 1, "packaging": 4, "issue": ["late", "damaged"], "comment": "快递太慢了"}
    second = client.post(f"/s/{link.token}", data={"lang": "zh", "action": "submit", **FULL, "csat": "5"})
    assert second.status_code == 409 and "已经提交过了" in second.text
    assert client.get(f"/s/{link.token}").status_code == 409
    assert session.scalar(select(Answer.value).where(Answer.question == "csat")) == 2


def test_forged_and_expired_links_say_so(client, link):
    payload, signature = link.token.split(".")
    forged = client.get(f"/s/{payload}.{signature[::-1]}?lang=en")
    assert forged.status_code == 404 and "not valid" in forged.text and "survey-form" not in forged.text
    post = client.post(f"/s/{payload}.{signature[::-1]}", data={"action": "submit", **FULL})
    assert post.status_code == 404
    with clock.frozen_at(NOW + timedelta(days=15)):
        expired = client.get(f"/s/{link.token}?lang=zh")
    assert expired.status_code == 404 and "已过期" in expired.text
