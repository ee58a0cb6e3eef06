# ruff: noqa: F811  (the web suite's fixtures are imported below and used as test arguments)
"""Standard answers and macros on the database and the ticket page: variables filled from the ticket (buyer, order,
shipment, loyalty tier and points), usage counted, the platform-rule guard on saving and sending, a macro's
status / category / tag changes."""

from __future__ import annotations

import html
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from shopcx.core import clock
from shopcx.core.errors import InvalidInput, PermissionDenied
from shopcx.desk import service as desk
from shopcx.desk.models import TicketMessage
from shopcx.desk.service import answers
from shopcx.staff.service import Actor

from ..factories import make_order
from ..loyalty.factories import make_program
from ..web.conftest import client, login, make_user  # noqa: F401

THU = datetime(2026, 3, 5, 2, 0, tzinfo=UTC)
MANAGER = Actor(label="经理", role="manager")
AGENT = Actor(label="小王", role="agent", user_id=None)
BODY_ZH = "{buyer_name}您好，订单{order_no}已由{carrier}发出，单号{tracking_no}。您是{tier}，现有{points}积分。"


@pytest.fixture
def shop(session):
    shop, program = make_program(session)
    order = make_order(session, shop, external_id="4012345678901", customer={
        "source": "taobao", "external_id": "tb_lily", "name": "王丽"},
        shipments=[{"carrier": "圆通速递", "tracking_no": "YT8800123456", "shipped_at": "2026-03-02T03:00:00Z"}])
    from shopcx.loyalty import service as loyalty

    loyalty.enrol(session, program, order.customer_id)
    session.flush()
    return shop


def ticket_for(session, shop, order="4012345678901"):
    with clock.frozen_at(THU):
        return desk.create_ticket(session, shop, channel="chat", subject="物流查询", body="我的快递到哪了？",
                                  order=order, actor=MANAGER, assign=False)


def test_preview_fills_the_tickets_data_and_sending_counts_the_use(session, shop):
    answer = answers.save_answer(session, shop, title="物流进度", category="logistics", body_zh=BODY_ZH,
                                 body_en="Hello {buyer_name}, order {order_no} left with {carrier}.", actor=MANAGER)
    ticket = ticket_for(session, shop)
    text, missing = answers.preview(session, ticket, answer, locale="zh")
    assert text == "王丽您好，订单4012345678901已由圆通速递发出，单号YT8800123456。您是普通会员，现有0积分。"
    assert missing == []
    assert answers.preview(session, ticket, answer, locale="en")[0] == \
        "Hello 王丽, order 4012345678901 left with 圆通速递."
    with clock.frozen_at(THU):
        answers.apply_answer(session, ticket, answer.id, locale="zh", actor=MANAGER)
    sent = session.scalars(select(TicketMessage).where(TicketMessage.kind == "reply")).one()
    assert sent.body == text and answer.uses == 1 and ticket.status == "open" and ticket.first_response_at == THU


def test_a_ticket_without_an_order_leaves_variables_to_fill_and_sending_them_is_refused(session, shop):
    answer = answers.save_answer(session, shop, title="物流进度", body_zh=BODY_ZH, body_en="", actor=MANAGER)
    ticket = desk.create_ticket(session, shop, channel="phone", subject="来电", body="来电问物流", actor=MANAGER,
                                assign=False)
    text, missing = answers.preview(session, ticket, answer, locale="en")  # falls back on the Chinese text
    assert missing == ["buyer_name", "order_no", "carrier", "tracking_no", "tier", "points"]
    with pytest.raises(InvalidInput) as refused:
        answers.apply_answer(session, ticket, answer.id, body=text, actor=MANAGER)
    assert refused.value.code == "answer_variable_missing" and refused.value.values == {"name": "buyer_name"}
    assert answer.uses == 0


def test_saving_checks_variables_the_guard_and_who_may(session, shop):
    with pytest.raises(InvalidInput) as typo:
        answers.save_answer(session, shop, title="x", body_zh="订单{oder_no}", body_en="", actor=MANAGER)
    assert typo.value.code == "unknown_variable" and typo.value.field == "body_zh"
    with pytest.raises(InvalidInput) as guard:
        answers.save_answer(session, shop, title="x", body_zh="亲，给个好评返现5元", body_en="", actor=MANAGER)
    assert guard.value.field == "body_zh"
    with pytest.raises(InvalidInput) as resolve:
        answers.save_answer(session, shop, title="x", body_zh="好的", body_en="", set_status="resolved",
                            actor=MANAGER)
    assert resolve.value.code == "macro_cannot_resolve"
    with pytest.raises(PermissionDenied):
        answers.save_answer(session, shop, title="x", body_zh="好的", body_en="", actor=AGENT)
    answers.save_answer(session, shop, title="x", body_zh="好的", body_en="", actor=MANAGER)
    with pytest.raises(InvalidInput) as taken:
        answers.save_answer(session, shop, title="x", body_zh="再说", body_en="", actor=MANAGER)
    assert taken.value.code == "answer_title_taken"


def test_a_macro_moves_status_category_and_tags(session, shop):
    macro = answers.save_answer(session, shop, title="请买家拍照", body_en="",
                                body_zh="{buyer_name}您好，麻烦拍张破损的照片给我们。", set_status="waiting_buyer",
                                set_category_to="packaging",
                                add_tags=["待照片", " 破损 "], actor=MANAGER)
    ticket = ticket_for(session, shop)
    with clock.frozen_at(THU):
        answers.apply_answer(session, ticket, macro.id, actor=MANAGER)
    assert (ticket.status, ticket.category, ticket.tags) == ("waiting_buyer", "packaging", ["待照片", "破损"])
    kinds = [(e.kind, e.after) for e in desk.history(session, ticket)]
    assert ("status", "open") in kinds and ("status", "waiting_buyer") in kinds and ("category", "packaging") in kinds
    assert answers.grouped(answers.answers(session, shop.id))[0][0] is None


def test_the_answer_on_the_ticket_page_and_the_settings_screen(session, shop, login):
    manager = login("manager", locale="en")
    made = manager.post("/desk/settings/answers", {"shop": shop.code, "title": "物流进度", "category": "logistics",
                                                   "body_zh": BODY_ZH, "body_en": "Hi {buyer_name}, {oder_no}"})
    assert made.status_code == 422 and 'data-error-for="answer"' in made.text and "oder_no" in made.text
    made = manager.post("/desk/settings/answers", {"shop": shop.code, "title": "物流进度", "category": "logistics",
                                                   "body_zh": BODY_ZH, "body_en": ""})
    assert made.status_code == 303
    answer = answers.answers(session, shop.id)[0]
    ticket = ticket_for(session, shop)
    url = f"/desk/tickets/{ticket.id}"
    page = manager.get(url)
    assert page.status_code == 200 and 'id="answer-card"' in page.text and "物流进度" in page.text
    shown = manager.get(f"{url}/answer-preview?answer_id={answer.id}&locale=zh")
    assert "王丽您好，订单4012345678901" in html.unescape(shown.text)
    guard = manager.htmx_post(f"{url}/answer", {"answer_id": str(answer.id), "body": "亲，改好评送您5元红包"})
    assert guard.status_code == 422 and 'data-error-for="answer"' in guard.text
    assert "改好评送您5元红包" in html.unescape(guard.text)
    sent = manager.htmx_post(f"{url}/answer", {"answer_id": str(answer.id), "body": "", "locale": "zh"})
    assert sent.status_code == 200 and "Answer sent" in sent.text
    listed = manager.get(f"/desk/settings/answers?shop={shop.code}")
    assert 'data-uses>1<' in listed.text
    assert login("agent").get("/desk/settings/answers").status_code == 403
