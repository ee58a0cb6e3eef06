# ruff: noqa: F811  (the web suite's fixtures are imported below and used as test arguments)
"""Where a ticket came from, on the staff pages (TestClient, both backends): the review page's take-over button and
then its link to the ticket; the ticket page's origin, attachments, mails, the buyer's rating and CSAT after close;
and the notes the system wrote drawn in the reader's language (a Chinese page shows no English)."""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage

import pytest
from sqlalchemy import select

from shopcx.core import clock
from shopcx.desk import service as desk
from shopcx.desk.channels import intake, links, mail
from shopcx.desk.channels.tables import TicketRating
from shopcx.desk.models import Ticket, TicketMessage
from shopcx.reviews import service as reviews
from shopcx.reviews.schemas import ContactIn, ReviewIn
from shopcx.staff.service import SYSTEM, Actor
from shopcx.surveys import service as surveys

from ..factories import make_order, make_shop
from ..web.conftest import client, login, make_user  # noqa: F401
from .factories import csat_answer

AT = datetime(2026, 3, 5, 2, 0, tzinfo=UTC)  # Thu 5 Mar 2026 10:00 in Shanghai
MANAGER = Actor(label="经理", role="manager")
# words the system used to write in English into Chinese shops' tickets
ENGLISH = re.compile(r"review case|opened|resolution:|platform reply|E-mail:|charset|not kept|MB limit|Taken over"
                     r"|\b(system|quality|packaging|logistics|service|high|normal)\b")


@pytest.fixture
def shop(session):
    shop = make_shop(session, code="src", name="源头店", platform="taobao")
    make_order(session, shop, external_id="TB7001", customer={"source": "taobao", "external_id": "b7", "name": "丙",
                                                              "phone": "13900001234"})
    session.flush()
    return shop


def text_of(page) -> str:
    return html.unescape(re.sub(r"<[^>]+>", " ", page.text))


def main_of(page) -> str:
    """The page's own content (the menu and language picker say "English" by design)."""
    return text_of(page).split("English", 1)[-1]


def bad_review(session, shop):
    with clock.frozen_at(AT):
        stored = reviews.record_review(session, shop, ReviewIn(external_id="R-7", order_external_id="TB7001", stars=1,
                                                               text="杯子漏水", reviewed_at=AT), actor=SYSTEM)
        case = reviews.get_case(session, stored.case_id)
        reviews.log_contact(session, case, ContactIn(channel="phone", result="reached", note="买家要求换货"),
                            actor=SYSTEM)
    return stored


def test_the_review_page_takes_its_case_over_and_then_links_to_the_ticket(session, shop, login):
    stored = bad_review(session, shop)
    agent = login("agent")
    before = agent.get(f"/reviews/{stored.review_id}")
    assert 'id="take-over"' in before.text and "转为投诉工单" in before.text
    moved = agent.post(f"/desk/review-cases/{stored.case_id}/take-over")
    assert moved.status_code == 303
    ticket = session.scalar(select(Ticket))
    assert moved.headers["location"] == f"/desk/tickets/{ticket.id}"
    after = agent.get(f"/reviews/{stored.review_id}")
    assert 'id="take-over"' not in after.text
    assert f'href="/desk/tickets/{ticket.id}"' in after.text and f"已转为工单 #{ticket.id}" in text_of(after)
    again = agent.post(f"/desk/review-cases/{stored.case_id}/take-over")  # a second click: the same ticket
    assert again.headers["location"] == f"/desk/tickets/{ticket.id}"
    assert len(session.scalars(select(Ticket)).all()) == 1
    page = agent.get(f"/desk/tickets/{ticket.id}")
    assert f'href="/reviews/{stored.review_id}"' in page.text and "评价关怀单" in text_of(page)
    assert ticket.subject.startswith("差评：")


def test_a_reader_without_desk_rights_sees_no_button(session, shop, login):
    stored = bad_review(session, shop)
    analyst = login("analyst")
    page = analyst.get(f"/reviews/{stored.review_id}")
    assert page.status_code == 200 and 'id="take-over"' not in page.text
    assert analyst.post(f"/desk/review-cases/{stored.case_id}/take-over").status_code == 403


def test_the_take_over_note_is_kept_as_a_code_and_read_in_each_language(session, shop, login):
    stored = bad_review(session, shop)
    from shopcx.desk.channels import hooks

    ticket = hooks.take_over_case(session, stored.case_id, actor=MANAGER, now=AT + timedelta(hours=1))
    note = session.scalar(select(TicketMessage).where(TicketMessage.ticket_id == ticket.id,
                                                      TicketMessage.kind == "note"))
    assert note.code == "desk.note.case_taken_over" and note.params["case"] == stored.case_id
    assert note.params["contacts"][0]["note"] == "买家要求换货"
    assert note.body.startswith(f"由评价关怀单 #{stored.case_id} 转入")  # the shop's language, for the API
    zh = main_of(login("owner", "zh-owner").get(f"/desk/tickets/{ticket.id}"))
    assert f"由评价关怀单 #{stored.case_id} 转入" in zh and "电话" in zh and "系统：买家要求换货" in zh
    assert not ENGLISH.search(zh), zh[ENGLISH.search(zh).start() - 80:ENGLISH.search(zh).end() + 40]
    en = text_of(login("owner", "en-owner", locale="en").get(f"/desk/tickets/{ticket.id}"))
    assert f"Taken over from review care case #{stored.case_id}" in en and "买家要求换货" in en


def test_a_mailed_ticket_shows_its_mail_attachments_and_problems_in_the_readers_language(session, shop, login,
                                                                                         monkeypatch):
    monkeypatch.setattr(mail, "MAX_ATTACHMENT", 1024 * 1024)
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Message-ID"] = "lily@example.com", "h@x", "<s1@example>"
    msg["Subject"] = "外箱破损 请回电 13800138000"
    msg.set_content("外箱破损，附照片")
    msg.add_attachment(b"\x89PNG tiny", maintype="image", subtype="png", filename="box.png")
    msg.add_attachment(b"\0" * (2 * 1024 * 1024), maintype="video", subtype="mp4", filename="unboxing.mp4")
    outcome = mail.receive_mail(session, shop, msg.as_bytes(), now=AT)
    ticket = session.get(Ticket, outcome.ticket_id)
    assert outcome.problems == ["attachment unboxing.mp4: 2.0 MB is over the 1 MB limit; not kept — ask the buyer "
                                "for a link"]
    owner = login("owner")
    page = owner.get(f"/desk/tickets/{ticket.id}")
    shown = main_of(page)
    assert 'data-origin="email"' in page.text and "/desk/mails/" in page.text
    assert "box.png" in shown and "2.0 MB，超过 1 MB 上限，未保存" in shown and "邮件：附件 unboxing.mp4" in shown
    assert 'data-mail="' in page.text and "来自邮件" in shown and "邮件 · l" in shown
    assert not ENGLISH.search(shown), ENGLISH.search(shown)
    file_link = re.search(r'href="(/desk/attachments/\d+)"', page.text).group(1)
    got = owner.get(file_link)
    assert got.content == b"\x89PNG tiny" and got.headers["content-disposition"] == 'attachment; filename="box.png"'
    raw = owner.get(re.search(r'href="(/desk/mails/\d+\.eml)"', page.text).group(1))
    assert raw.status_code == 200 and b"Message-ID: <s1@example>" in raw.content
    assert "attachment" in raw.headers["content-disposition"]
    assert owner.get("/desk/attachments/999999").status_code == 404
    # An analyst reads the desk but not personal data: the subject's phone is masked, the raw mail is refused.
    analyst = login("analyst")
    seen = analyst.get(f"/desk/tickets/{ticket.id}")
    assert seen.status_code == 200 and "13800138000" in page.text and "13800138000" not in seen.text
    assert ".eml" not in seen.text and analyst.get(f"/desk/mails/{raw.url.path.split('/')[-1]}").status_code == 403
    en = text_of(login("owner", "en-owner", locale="en").get(f"/desk/tickets/{ticket.id}"))
    assert "E-mail: attachment unboxing.mp4: 2.0 MB is over the 1 MB limit" in en


def test_a_form_ticket_shows_its_links_the_status_page_rating_and_the_csat_after_close(session, shop, login):
    with clock.frozen_at(AT):
        ticket, token = intake.submit_complaint(session, shop, intake.Complaint(
            body="杯子漏水", order_no="TB7001", phone_tail="1234", links=["https://img.example.com/leak.jpg"]))
        desk.add_message(session, ticket, "reply", "已安排换货", actor=MANAGER)
        desk.transition(session, ticket, "resolved", root_cause="密封圈", actor=MANAGER)
        intake.rate(session, token, 4, "挺快")
        desk.transition(session, ticket, "closed", actor=MANAGER)
    owner = login("owner")
    page = owner.get(f"/desk/tickets/{ticket.id}")
    assert 'data-origin="form"' in page.text and 'href="https://img.example.com/leak.jpg"' in page.text
    assert 'data-rating="4"' in page.text and 'data-csat' not in page.text
    survey = surveys.create_from_preset(session, shop.id, "csat_delivery", actor=SYSTEM)
    surveys.publish(session, survey, actor=SYSTEM)
    # an answer after delivery, before the complaint; then the one to the survey the ticket's closing sent
    for score, at, about in ((1, AT - timedelta(days=1), None), (2, AT + timedelta(days=1), ticket.id)):
        csat_answer(session, survey, customer_id=ticket.customer_id, order_id=ticket.order_id, score=score, at=at,
                    ticket_id=about)
    page = owner.get(f"/desk/tickets/{ticket.id}")
    assert 'data-csat="2"' in page.text and f'href="/surveys/{survey.id}/responses"' in page.text
    assert session.scalar(select(TicketRating).where(TicketRating.ticket_id == ticket.id)).score == 4
    assert links.verify(token) == ticket.id
