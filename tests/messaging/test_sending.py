"""The sender against a real local SMTP server (aiosmtpd): headers, a failure mid-batch retried without doubles, a
crash, unsubscribe while sending, quiet hours, caps, demo and erased customers, bounces."""

from __future__ import annotations

import base64
import hashlib
import hmac
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from shopcx.core import clock
from shopcx.core.errors import InvalidInput
from shopcx.core.settings import get_settings
from shopcx.messaging import links, service
from shopcx.messaging.models import Message, Suppression
from shopcx.messaging.sender import _claim, send_due
from shopcx.staff.service import SYSTEM

NOON = datetime(2026, 12, 6, 4, 0, tzinfo=UTC)  # 12:00 in Shanghai
NIGHT = datetime(2026, 12, 6, 14, 30, tzinfo=UTC)  # 22:30 in Shanghai


def queue(session, shop, customer, n: int = 0, **more):
    values = {"session": session, "shop_id": shop.id, "customer_id": customer.id, "purpose": "survey",
              "occasion": f"wave-{n}", "channel": "email", "subject": f"问卷 {n}",
              "body": f"{customer.name}，您好！请点击 https://shop.example.com/s/{n}"}
    return service.queue_message(**(values | more))


def status_of(session, queued) -> Message:
    session.expire_all()
    return session.get(Message, queued.message.id)


@pytest.fixture(autouse=True)
def _noon():
    with clock.frozen_at(NOON):
        yield


def test_delivers_with_unsubscribe_headers_and_tracked_links(session, shop, make_buyer, configured, smtp_server):
    buyer = make_buyer(1)
    queued = service.queue_message(
        session, shop_id=shop.id, customer_id=buyer.id, purpose="survey", occasion="wave-1", channel="email",
        subject="请评价本次购物", body="买家1，您好！请点击 https://shop.example.com/s/abc 填写问卷。")
    report = send_due()
    assert (report.sent, report.failed, report.retried) == (1, 0, 0)
    [mail] = smtp_server.inbox.to("buyer1@example.com")
    assert mail["Subject"] == "请评价本次购物"
    assert mail["From"] == "青竹茶庄 <shop@example.com>"
    unsubscribe = mail["List-Unsubscribe"]
    assert unsubscribe.startswith("<https://cx.example.com/msg/u/") and unsubscribe.endswith(">")
    assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert mail["X-ShopCX-Message"] == str(queued.message.id)
    text = mail.get_content()
    assert "https://shop.example.com/s/abc" not in text  # replaced by the tracked redirect
    tracked = next(word for word in text.split() if "/msg/c/" in word)
    assert links.verify(tracked.rsplit("/", 1)[1], "c") == (queued.message.id, "https://shop.example.com/s/abc")
    assert "退订" in text
    row = status_of(session, queued)
    assert (row.status, row.provider, row.attempts) == ("sent", "smtp", 1)


def test_links_signed_before_core_tokens_still_open():
    key = get_settings().resolved_secret_key().encode()
    for kind, target in (("u", ""), ("c", "https://shop.example.com/s/a.b?x=1")):
        payload = base64.urlsafe_b64encode(f"{kind}.77.{target}".encode()).decode().rstrip("=")
        token = f"{payload}.{hmac.new(key, b'shopcx-message:' + payload.encode(), hashlib.sha256).hexdigest()}"
        assert links.verify(token, kind) == (77, target) and links.sign(kind, 77, target) == token


def test_queueing_twice_keeps_one_message(session, shop, make_buyer, configured, smtp_server):
    buyer = make_buyer(2)
    first = service.queue_message(session, shop_id=shop.id, customer_id=buyer.id, purpose="survey",
                                  occasion="inv-9", channel="email", body="第一次")
    again = service.queue_message(session, shop_id=shop.id, customer_id=buyer.id, purpose="survey",
                                  occasion="inv-9", channel="email", body="第二次")
    assert first.created and not again.created and again.message.id == first.message.id
    send_due()
    send_due()
    assert len(smtp_server.inbox.to("buyer2@example.com")) == 1


def test_smtp_failure_mid_batch_is_retried_without_doubles(session, shop, make_buyer, configured, smtp_server):
    buyers = [make_buyer(10 + n) for n in range(6)]
    for n, b in enumerate(buyers):
        service.queue_message(session, shop_id=shop.id, customer_id=b.id, purpose="survey", occasion="w",
                              channel="email", body=f"您好 {n}")
    original = smtp_server.inbox.handle_DATA
    count = {"n": 0}

    async def flaky(server, sess, envelope):
        count["n"] += 1
        if count["n"] == 3:
            return "451 4.3.0 mailbox busy, try again later"
        return await original(server, sess, envelope)

    smtp_server.inbox.handle_DATA = flaky  # the 3rd message gets a 451 (temporary), the rest go
    report = send_due(batch=4)
    assert (report.sent, report.retried) == (5, 1)
    retry = session.scalars(select(Message).where(Message.status == "queued")).one()
    assert retry.reason.startswith("451") and retry.next_attempt_at == NOON + timedelta(minutes=1)
    assert send_due().sent == 0  # not due yet: the backoff holds it
    with clock.frozen_at(NOON + timedelta(minutes=2)):
        assert send_due().sent == 1
    assert sorted(len(smtp_server.inbox.to(b.email)) for b in buyers) == [1] * 6


def test_server_gone_mid_run_then_back(session, shop, make_buyer, configured, smtp_server):
    buyers = [make_buyer(20 + n) for n in range(5)]
    for b in buyers:
        service.queue_message(session, shop_id=shop.id, customer_id=b.id, purpose="care", occasion="x",
                              channel="email", body="您好")

    def stop_after_first_batch(done, total):
        smtp_server.stop()

    report = send_due(batch=2, on_progress=stop_after_first_batch)
    assert report.sent == 2 and report.retried == 3
    smtp_server.start()
    with clock.frozen_at(NOON + timedelta(minutes=2)):
        assert send_due().sent == 3
    assert all(len(smtp_server.inbox.to(b.email)) == 1 for b in buyers)


def test_a_crash_while_sending_never_sends_twice(session, shop, make_buyer, configured, smtp_server):
    buyer = make_buyer(30)
    queued = queue(session, shop, buyer)
    from shopcx.messaging.sender import SendReport

    claimed = _claim(NOON, 10, SendReport())  # claimed, then the process died before recording anything
    assert len(claimed) == 1
    with clock.frozen_at(NOON + timedelta(minutes=30)):
        report = send_due()
    assert report.interrupted == 1 and report.sent == 0
    row = status_of(session, queued)
    assert row.status == "failed" and row.reason.startswith("interrupted")
    assert smtp_server.inbox.received == []


def test_unsubscribe_while_a_batch_is_sending(session, shop, make_buyer, configured, smtp_server):
    buyers = [make_buyer(40 + n) for n in range(6)]
    queued = [queue(session, shop, b) for b in buyers]
    late = buyers[-1]

    def unsubscribe_last(done, total):
        if done == 2:  # after the first batch: the buyer clicks the link of an earlier message
            earlier = service.queue_message(session, shop_id=shop.id, customer_id=late.id, purpose="news",
                                            occasion="old", channel="email", body="旧消息")
            service.unsubscribe(session, links.sign("u", earlier.message.id))

    report = send_due(batch=2, on_progress=unsubscribe_last)
    assert report.sent == 5
    assert smtp_server.inbox.to(late.email) == []
    row = status_of(session, queued[-1])
    assert (row.status, row.reason) == ("skipped", "unsubscribed")
    session.refresh(late)
    assert {c.channel: (c.granted, c.source) for c in late.consents}["email"] == (False, "unsubscribe_link")


def test_quiet_hours_defer_not_drop(session, shop, make_buyer, configured, smtp_server):
    buyer = make_buyer(50)
    with clock.frozen_at(NIGHT):
        queued = queue(session, shop, buyer)
        report = send_due()
    assert report.deferred == 1 and report.sent == 0
    row = status_of(session, queued)
    assert (row.status, row.reason) == ("queued", "quiet_hours")
    assert row.next_attempt_at == datetime(2026, 12, 7, 1, 0, tzinfo=UTC)  # 09:00 in Shanghai
    with clock.frozen_at(datetime(2026, 12, 7, 1, 0, tzinfo=UTC)):
        assert send_due().sent == 1
    assert len(smtp_server.inbox.to(buyer.email)) == 1


def test_frequency_caps_across_everything_sent(session, shop, make_buyer, configured, smtp_server):
    service.update_settings(session, shop.id, {"cap_day": 2, "cap_week": 3, "cap_month": 0}, actor=SYSTEM)
    buyer = make_buyer(60)
    rows = [queue(session, shop, buyer, n, purpose=purpose) for n, purpose in enumerate(("survey", "care", "news"))]
    report = send_due()
    assert (report.sent, report.deferred) == (2, 1)
    held = status_of(session, rows[2])
    assert (held.status, held.reason, held.next_attempt_at) == ("queued", "frequency_cap", NOON + timedelta(days=1))
    with clock.frozen_at(NOON + timedelta(days=1, minutes=1)):
        assert send_due().sent == 1
        # the week cap (3) now holds a fourth one for 7 days after the first
        fourth = queue(session, shop, buyer, 9)
        assert send_due().deferred == 1
        assert status_of(session, fourth).next_attempt_at == NOON + timedelta(days=7)
    assert len(smtp_server.inbox.to(buyer.email)) == 3


def test_cap_past_expiry_is_skipped(session, shop, make_buyer, configured, smtp_server):
    service.update_settings(session, shop.id, {"cap_day": 1}, actor=SYSTEM)
    buyer = make_buyer(61)
    queue(session, shop, buyer, 1)
    late = queue(session, shop, buyer, 2, expires_at=NOON + timedelta(hours=3))
    send_due()
    assert (status_of(session, late).status, status_of(session, late).reason) == ("skipped", "frequency_cap")


def test_demo_and_erased_customers_are_never_sent(session, shop, make_buyer, configured, smtp_server):
    demo = make_buyer(70, source="demo")
    erased = make_buyer(71)
    no_consent = make_buyer(72, consent=None)
    withdrawn = make_buyer(73, consent=False)
    queued = {name: queue(session, shop, c) for name, c in
              (("demo", demo), ("erased", erased), ("none", no_consent), ("withdrawn", withdrawn))}
    erased.erased_at = NOON  # erased after queueing: the send-time check stops it
    session.flush()
    report = send_due()
    assert smtp_server.inbox.received == []
    demo_row = status_of(session, queued["demo"])
    assert (demo_row.status, demo_row.provider) == ("sent", "sandbox")  # recorded, never left the machine
    assert status_of(session, queued["erased"]).reason == "erased"
    assert status_of(session, queued["none"]).reason == "no_consent"
    assert status_of(session, queued["withdrawn"]).reason == "no_consent"
    assert report.skipped == 1  # the erased one; the other two were refused when queued


def test_a_bounce_suppresses_the_address(session, shop, make_buyer, configured, smtp_server):
    buyer = make_buyer(80)
    smtp_server.inbox.refuse.add(buyer.email)
    first = queue(session, shop, buyer, 1)
    report = send_due()
    assert report.bounced == 1
    row = status_of(session, first)
    assert row.status == "bounced" and row.reason.startswith("550")
    assert session.scalars(select(Suppression.address)).all() == [buyer.email]
    smtp_server.inbox.refuse.clear()
    second = queue(session, shop, buyer, 2)
    assert (second.message.status, second.message.reason) == ("skipped", "suppressed")
    assert smtp_server.inbox.received == []


def test_every_text_passes_the_platform_guard(session, shop, make_buyer):
    buyer = make_buyer(90)
    with pytest.raises(InvalidInput) as refused:
        service.queue_message(session, shop_id=shop.id, customer_id=buyer.id, purpose="care", occasion="x",
                              channel="email", body="亲，给个好评返现5元哦")
    assert refused.value.field == "body"
    assert session.scalar(select(Message.id)) is None


def test_the_sandbox_is_the_default_without_smtp(session, shop, make_buyer):
    buyer = make_buyer(91)
    queued = queue(session, shop, buyer)
    assert send_due().sent == 1
    assert status_of(session, queued).provider == "sandbox"


def test_test_send_reaches_the_server(session, shop, configured, smtp_server):
    message = service.send_test(session, shop_id=shop.id, channel="email", address="owner@example.com",
                                subject="测试", body="测试消息", actor=SYSTEM)
    assert (message.status, message.provider) == ("sent", "smtp")
    assert len(smtp_server.inbox.to("owner@example.com")) == 1


def test_a_long_body_goes_with_crlf_line_ends(session, shop, make_buyer, configured, smtp_server):
    # Bytes reach the server as built: bare LF line ends made a body over 1,000 bytes one "line too long" (500).
    buyer = make_buyer(92)
    body = "\n".join(f"第 {n} 行：感谢您在青竹茶庄购物，祝您生活愉快。" for n in range(60))
    service.queue_message(session, shop_id=shop.id, customer_id=buyer.id, purpose="care", occasion="long",
                          channel="email", subject="长消息", body=body)
    assert send_due().sent == 1
    [mail] = smtp_server.inbox.to(buyer.email)
    assert mail.get_content().startswith(body)
