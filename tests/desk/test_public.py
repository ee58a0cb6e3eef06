# ruff: noqa: F811  (the web suite's fixtures are imported below and used as test arguments)
"""The buyer's complaint form and status page through TestClient: zh/en, the honeypot, a refused lookup keeping
what was typed, the signed link, a reply and the rating."""

from __future__ import annotations

import hashlib
import hmac
import html

import pytest
from sqlalchemy import func, select

from shopcx.core import clock
from shopcx.core.settings import get_settings
from shopcx.desk import service as desk
from shopcx.desk.channels import intake
from shopcx.desk.models import Ticket
from shopcx.staff.service import Actor

from ..factories import make_order, make_shop
from ..web.conftest import client  # noqa: F401

AGENT = Actor(label="客服", role="manager")


@pytest.fixture
def shop(session):
    shop = make_shop(session, code="helpme", name="小雅生活馆")
    make_order(session, shop, external_id="TB8001", customer={"source": "taobao", "external_id": "wang",
                                                              "name": "王小明", "phone": "13800138000"})
    session.flush()
    return shop


def post(client, **fields):
    data = {"lang": "zh", "order_no": "TB8001", "phone_tail": "8000", "body": "收到的杯子有裂纹"} | fields
    return client.post("/help/helpme", data=data, follow_redirects=False)


def test_the_form_speaks_both_languages(client, shop):
    zh = client.get("/help/helpme?lang=zh")
    assert zh.status_code == 200 and "投诉与售后" in zh.text and "收货手机号后四位" in zh.text
    en = client.get("/help/helpme?lang=en")
    assert "Last 4 digits of the phone on the order" in en.text and 'lang="en"' in en.text
    assert client.get("/help/nosuchshop").status_code == 404


def test_a_complaint_goes_to_its_status_page_and_the_buyer_replies(client, session, shop):
    sent = post(client)
    assert sent.status_code == 303, sent.text
    page = client.get(sent.headers["location"])
    text = html.unescape(page.text)
    assert page.status_code == 200 and "投诉已提交" in text and "收到的杯子有裂纹" in text and "已受理" in text
    ticket = session.scalar(select(Ticket))
    desk.add_message(session, ticket, "reply", "您好，马上为您补发。", actor=AGENT)
    desk.add_message(session, ticket, "note", "仓库批次 B12", actor=AGENT)
    token = sent.headers["location"].split("/t/")[1].split("?")[0]
    text = html.unescape(client.get(f"/t/{token}?lang=en").text)
    assert "马上为您补发" in text and "B12" not in text and "In progress" in text
    form_token = intake.links.form_token(token)
    replied = client.post(f"/t/{token}/reply", data={"body": "好的，谢谢", "form_token": form_token, "lang": "en"})
    assert replied.status_code == 200 and "We have your message" in replied.text
    forged = client.post(f"/t/{token}/reply", data={"body": "x", "form_token": "nope", "lang": "en"})
    assert forged.status_code == 403
    assert client.get(f"/t/{token[:-2]}xx").status_code == 404


def test_a_link_signed_before_core_tokens_still_opens(client, session, shop):
    assert post(client).status_code == 303
    ticket, key = session.scalar(select(Ticket)), get_settings().resolved_secret_key().encode()
    payload = f"{ticket.id}.{int(clock.now().timestamp()) + 3600}"
    token = f"{payload}.{hmac.new(key, b'shopcx.ticket-link.v1:' + payload.encode(), hashlib.sha256).hexdigest()}"
    assert intake.links.verify(token) == ticket.id and client.get(f"/t/{token}").status_code == 200
    form = hmac.new(key, b"shopcx.ticket-form.v1:" + token.encode(), hashlib.sha256).hexdigest()
    assert intake.links.form_token(token) == form and intake.links.form_token_matches(token, form)


def test_a_refused_lookup_keeps_what_was_typed(client, session, shop):
    refused = post(client, phone_tail="1111", body="杯子裂了，很失望")
    assert refused.status_code == 404
    text = html.unescape(refused.text)
    assert "没有找到这个订单号和手机号对应的订单" in text and "杯子裂了，很失望" in text and 'role="alert"' in text
    assert session.scalar(select(func.count()).select_from(Ticket)) == 0


def test_the_honeypot_thanks_the_robot_and_keeps_nothing(client, session, shop):
    trapped = post(client, website="http://spam.example.com")
    assert trapped.status_code == 200 and "已收到" in trapped.text
    assert session.scalar(select(func.count()).select_from(Ticket)) == 0


def test_rate_limit_per_address(client, session, shop):
    for _ in range(intake.FORM_LIMIT):
        assert post(client, phone_tail="0000").status_code == 404  # wrong guesses count too
    limited = post(client)
    assert limited.status_code == 429 and "提交太频繁" in html.unescape(limited.text)


def test_the_rating_on_a_resolved_ticket(client, session, shop):
    token = post(client).headers["location"].split("/t/")[1].split("?")[0]
    ticket = session.scalar(select(Ticket))
    desk.transition(session, ticket, "resolved", root_cause="运输破损", actor=AGENT)
    page = client.get(f"/t/{token}")
    assert "您对这次问题的处理满意吗" in page.text
    rated = client.post(f"/t/{token}/rate", data={"score": "5", "form_token": intake.links.form_token(token),
                                                   "lang": "zh"})
    assert rated.status_code == 200 and "感谢您的评价" in rated.text and "您已评价：5 分" in rated.text


def test_staff_take_a_care_case_over_from_a_page(session, shop, client):
    from datetime import UTC, datetime

    from shopcx.core import clock
    from shopcx.reviews import service as reviews
    from shopcx.reviews.schemas import ReviewIn
    from shopcx.staff.service import SYSTEM

    from ..web.conftest import csrf_of, make_user, sign_in  # noqa: F401

    at = datetime(2026, 3, 5, 2, 0, tzinfo=UTC)
    with clock.frozen_at(at):
        stored = reviews.record_review(session, shop, ReviewIn(external_id="R-1", order_external_id="TB8001",
                                                               stars=2, text="快递太慢", reviewed_at=at), actor=SYSTEM)
    from shopcx.staff import service as staff

    staff.create_user(session, username="agent7", password="correct-horse-battery", role="agent")
    session.flush()
    assert sign_in(client, "agent7", "correct-horse-battery").status_code == 303
    csrf = csrf_of(client.get("/").text)
    moved = client.post(f"/desk/review-cases/{stored.case_id}/take-over", data={"csrf_token": csrf},
                        follow_redirects=False)
    assert moved.status_code == 303 and moved.headers["location"].startswith("/desk/tickets/")
    ticket = session.scalar(select(Ticket))
    assert ticket.channel == "review" and ticket.category == "logistics"
