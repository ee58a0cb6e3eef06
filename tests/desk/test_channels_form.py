"""The buyer's complaint form and ticket status page as services (both backends): order lookup by number + phone
tail, links kept as attachments, the rate limit per address, the signed link, a buyer reply reopening a resolved
ticket, the one-question rating once."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select

from shopcx.core.errors import Conflict, InvalidInput, NotFound
from shopcx.desk import service as desk
from shopcx.desk.channels import intake, links
from shopcx.desk.channels.tables import TicketAttachment
from shopcx.desk.models import Ticket
from shopcx.staff.service import Actor

from ..factories import make_order, make_shop

NOW = datetime(2026, 3, 5, 2, 0, tzinfo=timezone.utc)
AGENT = Actor(label="客服", role="manager")


@pytest.fixture
def shop(session):
    shop = make_shop(session, code="form1")
    make_order(session, shop, external_id="TB7001", customer={"source": "taobao", "external_id": "lily",
                                                              "name": "李丽", "phone": "13912345678"})
    session.flush()
    return shop


def complaint(**kw) -> intake.Complaint:
    return intake.Complaint(**({"body": "杯盖漏水，想换一个", "order_no": "TB7001", "phone_tail": "5678"} | kw))


def test_a_complaint_finds_the_order_by_number_and_phone_tail_and_keeps_the_links(session, shop):
    ticket, token = intake.submit_complaint(session, shop, complaint(
        links="https://pan.example.com/s/leak.mp4\n\nhttps://img.example.com/a.jpg"), now=NOW)
    assert ticket.channel == "form" and ticket.order_id is not None and ticket.customer_id is not None
    assert ticket.status == "new" and ticket.subject == "杯盖漏水，想换一个"
    kept = session.scalars(select(TicketAttachment.url).where(TicketAttachment.ticket_id == ticket.id)).all()
    assert kept == ["https://pan.example.com/s/leak.mp4", "https://img.example.com/a.jpg"]
    assert links.verify(token) == ticket.id


@pytest.mark.parametrize("kw, code", [
    ({"phone_tail": "1234"}, "order_lookup_failed"),  # the wrong phone reads like an unknown order
    ({"order_no": "TB9999"}, "order_lookup_failed"),
    ({"phone_tail": "56"}, "invalid_phone_tail"),
    ({"order_no": "", "contact": ""}, "contact_needed"),
    ({"links": "ftp://x.example.com/a"}, "invalid_link"),
    ({"links": "\n".join(f"https://e.example.com/{n}" for n in range(6))}, "too_many_links"),
    ({"body": "  "}, "required"),
])
def test_bad_form_input_is_refused_by_name_and_makes_no_ticket(session, shop, kw, code):
    with pytest.raises((InvalidInput, NotFound)) as refused:
        intake.submit_complaint(session, shop, complaint(**kw), now=NOW)
    assert refused.value.code == code
    assert session.scalar(select(func.count()).select_from(Ticket)) == 0


def test_without_an_order_a_contact_is_enough(session, shop):
    typed = complaint(order_no="", phone_tail="", contact="lily@example.com")
    ticket, _ = intake.submit_complaint(session, shop, typed, now=NOW)
    assert ticket.order_id is None and "lily@example.com" in desk.thread(session, ticket)[0].body


def test_the_sixth_post_in_an_hour_from_one_address_is_refused(session, shop):
    for n in range(intake.FORM_LIMIT):
        intake.count_hit(session, shop.id, "203.0.113.9", now=NOW + timedelta(minutes=n))
    with pytest.raises(intake.TooManyPosts):
        intake.count_hit(session, shop.id, "203.0.113.9", now=NOW + timedelta(minutes=30))
    intake.count_hit(session, shop.id, "198.51.100.1", now=NOW + timedelta(minutes=30))  # another address
    intake.count_hit(session, shop.id, "203.0.113.9", now=NOW + timedelta(minutes=95))  # the hour has moved on


def test_an_altered_or_expired_link_is_refused(session, shop):
    ticket, token = intake.submit_complaint(session, shop, complaint(), now=NOW)
    number, expires, signature = token.split(".")
    with pytest.raises(links.TicketLinkRefused):
        links.verify(f"{int(number) + 1}.{expires}.{signature}")
    with pytest.raises(links.TicketLinkRefused):
        links.verify("garbage")
    from shopcx.core import clock

    with clock.frozen_at(datetime.fromtimestamp(int(expires), tz=timezone.utc) + timedelta(seconds=1)):
        with pytest.raises(links.TicketLinkRefused) as expired:
            links.verify(token)
    assert expired.value.code == "ticket_link_expired"


def test_the_buyer_reads_public_replies_only_and_a_reply_reopens_a_resolved_ticket(session, shop):
    ticket, token = intake.submit_complaint(session, shop, complaint(), now=NOW)
    desk.add_message(session, ticket, "note", "内部：供应商批次问题", actor=AGENT, now=NOW + timedelta(minutes=5))
    desk.add_message(session, ticket, "reply", "您好，已为您安排换货。", actor=AGENT, now=NOW + timedelta(minutes=6))
    desk.transition(session, ticket, "resolved", root_cause="杯盖密封圈批次不良", actor=AGENT,
                    now=NOW + timedelta(minutes=7))
    view = intake.status_view(session, token)
    assert [m.kind for m in view.messages] == ["buyer", "reply"] and view.can_rate
    intake.buyer_reply(session, token, "新杯子还是漏", "https://pan.example.com/s/again.mp4",
                       now=NOW + timedelta(hours=2))
    assert ticket.status == "reopened"
    view = intake.status_view(session, token)
    assert [m.kind for m in view.messages] == ["buyer", "reply", "buyer"]
    assert [a.url for a in view.attachments[view.messages[-1].id]] == ["https://pan.example.com/s/again.mp4"]
    assert not view.can_rate


def test_a_resolved_ticket_is_rated_once(session, shop):
    ticket, token = intake.submit_complaint(session, shop, complaint(), now=NOW)
    with pytest.raises(Conflict) as early:
        intake.rate(session, token, "5", now=NOW)
    assert early.value.code == "not_resolved_yet"
    desk.transition(session, ticket, "resolved", root_cause="快递压坏", actor=AGENT, now=NOW + timedelta(hours=1))
    with pytest.raises(InvalidInput):
        intake.rate(session, token, "6")
    rating = intake.rate(session, token, "4", "换货很快")
    assert rating.score == 4 and rating.comment == "换货很快"
    with pytest.raises(Conflict) as twice:
        intake.rate(session, token, "5")
    assert twice.value.code == "already_rated"
