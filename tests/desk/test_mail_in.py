"""E-mail in through a real local aiosmtpd server and smtplib (both backends): a mail opens a ticket, an answer
carrying our signed reference lands on the same ticket (and reopens it), a forged reference does not, the same
Message-ID twice does nothing, a 21 MB attachment is refused by name while the rest is kept, a broken charset is read
and noted, an unreadable message is kept raw."""

from __future__ import annotations

import hashlib
import hmac
import smtplib
import socket
from email import policy
from email.message import EmailMessage

import pytest
from sqlalchemy import func, select

from shopcx.core.settings import get_settings
from shopcx.desk import service as desk
from shopcx.desk.channels import mail
from shopcx.desk.channels.smtp import controller
from shopcx.desk.channels.tables import DeskInboundMail, TicketAttachment
from shopcx.desk.models import Ticket, TicketMessage
from shopcx.staff.service import Actor

from ..factories import make_shop

AGENT = Actor(label="客服", role="manager")


@pytest.fixture
def shop(session):
    shop = make_shop(session, code="mailshop")
    session.flush()
    return shop


@pytest.fixture
def smtp(session, shop):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server = controller("127.0.0.1", port, "mailshop")
    server.start()
    try:
        yield port
    finally:
        server.stop()


def send(port: int, msg: EmailMessage | bytes, to: str = "help@shop.example") -> dict:
    with smtplib.SMTP("127.0.0.1", port, timeout=30) as client:
        raw = msg if isinstance(msg, bytes) else msg.as_bytes(policy=policy.SMTP)  # CRLF line ends
        return client.sendmail("lily@example.com", [to], raw)


def message(subject: str, body: str, **headers) -> EmailMessage:
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = "Lily <lily@example.com>", "help@shop.example", subject
    for name, value in headers.items():
        msg[name.replace("_", "-")] = value
    msg.set_content(body)
    return msg


def tickets(session):
    return session.scalars(select(Ticket).order_by(Ticket.id)).all()


def test_a_mail_opens_a_ticket_and_the_answer_lands_on_it(session, shop, smtp):
    send(smtp, message("杯盖漏水", "收到的保温杯盖子漏水，请处理。", Message_ID="<m1@example.com>"))
    (ticket,) = tickets(session)
    assert ticket.channel == "email" and ticket.subject == "杯盖漏水"
    desk.add_message(session, ticket, "reply", "您好，已安排换货。", actor=AGENT)
    desk.transition(session, ticket, "resolved", root_cause="密封圈不良", actor=AGENT)
    send(smtp, message(f"Re: 杯盖漏水 {mail.subject_tag(ticket.id)}", "新的也漏", Message_ID="<m2@example.com>"))
    assert len(tickets(session)) == 1
    session.refresh(ticket)
    assert ticket.status == "reopened"
    assert [m.kind for m in desk.thread(session, ticket)] == ["buyer", "reply", "buyer"]
    send(smtp, message("Re: 杯盖漏水", "by header", Message_ID="<m3@example.com>",
                       In_Reply_To=mail.message_id(ticket.id)))
    assert len(tickets(session)) == 1 and desk.thread(session, ticket)[-1].body == "by header"


def test_a_forged_reference_opens_a_new_ticket_and_a_replay_does_nothing(session, shop, smtp):
    send(smtp, message("first", "one", Message_ID="<a@example.com>"))
    (first,) = tickets(session)
    send(smtp, message(f"Re: [CX-{first.id}-0000000000]", "guessing", Message_ID="<b@example.com>"))
    assert len(tickets(session)) == 2
    send(smtp, message("first", "one", Message_ID="<a@example.com>"))  # the same mail again
    assert len(tickets(session)) == 2
    assert session.scalar(select(func.count()).select_from(DeskInboundMail)) == 2


def test_references_signed_before_core_tokens_still_find_their_ticket():
    key = get_settings().resolved_secret_key().encode()
    sig = hmac.new(key, b"shopcx.ticket-mail.v1:4711", hashlib.sha256).hexdigest()[:10]
    assert mail.subject_tag(4711) == f"[CX-4711-{sig}]" and mail.message_id(4711) == f"<ticket-4711.{sig}@shopcx>"
    assert mail.referenced_ticket(f"Re: 杯盖 [CX-4711-{sig}]") == 4711
    assert mail.referenced_ticket("Re:", f"<ticket-4711.{sig}@shopcx>") == 4711
    assert mail.referenced_ticket(f"Re: [CX-4712-{sig}]") is None


def test_a_21mb_attachment_is_refused_by_name_and_the_rest_is_kept(session, shop, smtp):
    msg = message("破损照片", "外箱破损，附照片和视频", Message_ID="<big@example.com>")
    msg.add_attachment(b"\x89PNG small", maintype="image", subtype="png", filename="box.png")
    msg.add_attachment(b"\0" * (21 * 1024 * 1024), maintype="video", subtype="mp4", filename="unboxing.mp4")
    answer = send(smtp, msg)
    assert answer == {}  # accepted
    (ticket,) = tickets(session)
    kept = {a.name: a for a in session.scalars(select(TicketAttachment).where(TicketAttachment.ticket_id == ticket.id))}
    assert kept["box.png"].kind == "file" and kept["box.png"].content == b"\x89PNG small"
    assert kept["unboxing.mp4"].kind == "refused" and kept["unboxing.mp4"].content is None
    assert kept["unboxing.mp4"].size_bytes == 21 * 1024 * 1024 and "20 MB limit" in kept["unboxing.mp4"].note
    notes = [m.body for m in desk.thread(session, ticket) if m.kind == "note"]
    assert len(notes) == 1 and "unboxing.mp4" in notes[0]
    assert "外箱破损" in desk.thread(session, ticket)[0].body


def test_a_broken_charset_is_read_and_noted(session, shop, smtp):
    raw = ("From: lily@example.com\r\nTo: help@shop.example\r\nSubject: =?gb2312?B?zcu79Q==?=\r\n"
           "Message-ID: <gbk@example.com>\r\nMIME-Version: 1.0\r\n"
           "Content-Type: text/plain; charset=\"x-unknown-8bit\"\r\nContent-Transfer-Encoding: 8bit\r\n\r\n"
           ).encode() + "我要退货，商品有质量问题，包装也破了，请尽快处理。".encode("gbk") + b"\r\n"
    send(smtp, raw)
    (ticket,) = tickets(session)
    assert ticket.subject == "退货"
    body = desk.thread(session, ticket)[0].body
    assert "我要退货" in body
    (note,) = [m for m in desk.thread(session, ticket) if m.kind == "note"]
    assert note.code == "desk.note.mail_problems" and note.params["problems"][0][0] == "desk.mail.charset_guessed"
    assert note.body.startswith("邮件：正文：声明的字符集“x-unknown-8bit”不符")  # the shop's language
    assert "declared charset 'x-unknown-8bit' did not fit" in session.scalar(select(DeskInboundMail.problem))


def test_an_unreadable_message_is_kept_raw_with_its_problem(session, shop):
    outcome = mail.receive_mail(session, shop, b"\xff\xfe not a mail at all")
    assert outcome.outcome == "refused" and tickets(session) == []
    kept = session.scalar(select(DeskInboundMail))
    assert kept.raw == b"\xff\xfe not a mail at all" and kept.problem


def test_plus_addressing_picks_the_shop(session, shop, smtp):
    other = make_shop(session, code="second")
    session.flush()
    send(smtp, message("hi", "for the second shop", Message_ID="<p@example.com>"), to="help+second@shop.example")
    (ticket,) = tickets(session)
    assert ticket.shop_id == other.id
    assert session.scalar(select(func.count()).select_from(TicketMessage)) == 1


def test_mail_in_refuses_an_unknown_shop_before_listening(session):
    from typer.testing import CliRunner

    from shopcx.cli import app

    done = CliRunner().invoke(app, ["desk", "mail-in", "--shop", "nosuch", "--port", "0"])
    assert done.exit_code == 2 and "nosuch" in done.output
